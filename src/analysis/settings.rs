//! The analyzer's settings: what an index records about how it was built.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Location, Result};

/// The version of the tokenization scheme: normalization rules, character
/// classes, the position scheme and the character n-grams, bundled bigram
/// table included. Bumped whenever any of them changes, so that an index
/// built by an older scheme is recognised as incompatible instead of
/// silently mismatching queries. (3: every character, plus the dictionary
/// bigrams and Latin words, and no jieba words in the index; 2: dictionary
/// bigrams or single characters, beside jieba's words; 1: every bigram.)
pub const SCHEME_VERSION: u32 = 3;

/// The stop-word list bundled with zhsearch (stopwords-iso, MIT licence).
const BUNDLED_STOP_WORDS: &str = include_str!("../../data/stopwords/stopwords-iso-zh.txt");

/// A word added to jieba's dictionary.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserWord {
    /// The word, as it will be matched (normalized and converted).
    pub word: String,
    /// Its frequency; jieba picks one that keeps the word whole when absent.
    pub freq: Option<usize>,
    /// Its part-of-speech tag, if any.
    pub tag: Option<String>,
}

/// Everything that decides how text is cut into tokens.
///
/// Two analyzers with equal settings produce identical tokens, and
/// [`fingerprint`](AnalyzerSettings::fingerprint) tells them apart cheaply.
/// Settings are made by an [`AnalyzerBuilder`](super::AnalyzerBuilder);
/// the ones an [`Analyzer`](super::Analyzer) reports are canonical (words
/// normalized, converted, sorted and deduplicated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyzerSettings {
    pub(crate) scheme: u32,
    pub(crate) convert: bool,
    pub(crate) user_words: Vec<UserWord>,
    pub(crate) stop_words: Vec<String>,
}

impl Default for AnalyzerSettings {
    fn default() -> Self {
        AnalyzerSettings { scheme: SCHEME_VERSION, convert: true, user_words: Vec::new(), stop_words: Vec::new() }
    }
}

impl AnalyzerSettings {
    /// Whether Traditional text is converted to Simplified.
    pub fn converts(&self) -> bool {
        self.convert
    }

    /// The words added to jieba's dictionary.
    pub fn user_words(&self) -> &[UserWord] {
        &self.user_words
    }

    /// The stop words dropped from the word tokens.
    pub fn stop_words(&self) -> &[String] {
        &self.stop_words
    }

    /// The tokenization scheme version these settings were made with.
    pub fn scheme(&self) -> u32 {
        self.scheme
    }

    /// A short hex digest of the settings. Equal settings, equal fingerprint.
    pub fn fingerprint(&self) -> String {
        // serde_json writes struct fields in declaration order, so the
        // encoding, and hence the digest, is canonical.
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        let digest = Sha256::digest(&bytes);
        let mut hex = String::with_capacity(16);
        for b in &digest[..8] {
            let _ = write!(hex, "{b:02x}");
        }
        hex
    }
}

/// Parses a user dictionary in jieba's format: one `word [freq] [tag]` per
/// line, separated by whitespace. Blank lines are skipped.
pub(crate) fn parse_user_dict(text: &str, location: &Location) -> Result<Vec<UserWord>> {
    let mut words = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut parts = line.split_whitespace();
        let Some(word) = parts.next() else { continue };
        let here = || location.clone().at_line(n + 1);
        let freq =
            match parts.next() {
                None => None,
                Some(f) => Some(f.parse::<usize>().map_err(|_| {
                    Error::invalid(here(), format!("frequency `{f}` of `{word}` is not a whole number"))
                })?),
            };
        let tag = parts.next().map(str::to_owned);
        if let Some(extra) = parts.next() {
            return Err(Error::invalid(here(), format!("unexpected `{extra}` after `word freq tag`")));
        }
        words.push(UserWord { word: word.to_owned(), freq, tag });
    }
    Ok(words)
}

/// Parses a stop-word list: one word per line, blank lines skipped.
pub(crate) fn parse_stop_words(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|w| !w.is_empty())
}

/// The bundled list.
pub(crate) fn bundled_stop_words() -> impl Iterator<Item = &'static str> {
    parse_stop_words(BUNDLED_STOP_WORDS)
}

pub(crate) fn read_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        // Name the line of the first bad byte, which is what a user has to fix.
        let valid = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
        Error::invalid(Location::file(path).at_line(line), "invalid UTF-8")
    })
}

/// Sorts and deduplicates.
pub(crate) fn canonical<T: Ord>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    items.into_iter().collect::<BTreeSet<_>>().into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_dict_lines() {
        let text = "脱贫攻坚战\n\n驻村铁军 300\n已阅君 5 nr\n";
        let words = parse_user_dict(text, &Location::file("u.txt")).expect("valid");
        assert_eq!(
            words,
            vec![
                UserWord { word: "脱贫攻坚战".into(), freq: None, tag: None },
                UserWord { word: "驻村铁军".into(), freq: Some(300), tag: None },
                UserWord { word: "已阅君".into(), freq: Some(5), tag: Some("nr".into()) },
            ]
        );
    }

    #[test]
    fn user_dict_errors_name_file_and_line() {
        let cases = [
            ("好词 many\n", "u.txt:1: frequency `many` of `好词` is not a whole number"),
            ("好词\n坏词 3 n extra\n", "u.txt:2: unexpected `extra` after `word freq tag`"),
        ];
        for (text, want) in cases {
            let err = parse_user_dict(text, &Location::file("u.txt")).expect_err(text);
            assert_eq!(err.to_string(), want);
        }
    }

    #[test]
    fn fingerprint_follows_settings() {
        let a = AnalyzerSettings::default();
        let mut b = AnalyzerSettings::default();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint().len(), 16);
        b.convert = false;
        assert_ne!(a.fingerprint(), b.fingerprint());
        let mut c = AnalyzerSettings::default();
        c.stop_words.push("的".into());
        assert_ne!(a.fingerprint(), c.fingerprint());
    }

    #[test]
    fn settings_round_trip_through_json() {
        let mut s = AnalyzerSettings::default();
        s.user_words.push(UserWord { word: "驻村铁军".into(), freq: Some(3), tag: None });
        let json = serde_json::to_string(&s).expect("serializable");
        let back: AnalyzerSettings = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, s);
        assert!(serde_json::from_str::<AnalyzerSettings>(r#"{"scheme":1,"convert":true}"#).is_err());
    }

    #[test]
    fn bundled_list_has_common_words() {
        let words: Vec<&str> = bundled_stop_words().collect();
        assert!(words.len() > 700);
        assert!(words.contains(&"的"));
    }
}
