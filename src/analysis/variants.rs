//! Regional vocabulary: the words the mainland, Taiwan and Hong Kong write
//! differently for the same thing (服务器/伺服器, 内存/記憶體, 软件/軟體),
//! and the user's own synonyms.
//!
//! Conversion folds scripts (貧困縣 and 贫困县 are one word), not
//! vocabulary. OpenCC ships the vocabulary too, as the phrase tables of its
//! Taiwan and Hong Kong conversions: `TWPhrases` (mainland word → Taiwan
//! words), `TWPhrasesRev` (Taiwan word → mainland words) and
//! `HKVariantsRevPhrases` (Hong Kong forms). zhsearch bundles their
//! entries (`data/variants/`, Apache-2.0, as opencc-rust bundles them; a
//! test checks the copy against OpenCC's files), since writing OpenCC's
//! dictionaries out and reading them back took milliseconds of every
//! process's first query. zhsearch adds its own lists of the words those
//! tables lack: software (替换/取代, 本地/本機; `software-terms.tsv`) and
//! names and everyday words (奥巴马/歐巴馬, 悉尼/雪梨; `news-terms.tsv`).
//! Every entry is folded the way
//! the analyzer folds text (so a mainland word typed in Traditional script,
//! `服務器`, is the same key as `服务器`), and each pair of words that still
//! differ becomes a pair of *variants*, both ways. Only direct pairs are
//! kept, never chains: 程序 is a variant of 程式, and 程式 of 程序, but
//! nothing makes 程序 a variant of whatever else 程式 has.
//!
//! Single characters are never expanded: conversion already folds the
//! variant forms of a character. Some pairs are ordinary words on the
//! other side with another meaning, and matching them would do more harm
//! than good; they are left out ([`LEFT_OUT`]).
//!
//! Variants are used at query time only (see `crate::query`): the index
//! stays region-neutral, so a change of the table needs no rebuild.
//!
//! ```
//! use zhsearch::analysis::Analyzer;
//!
//! let analyzer = Analyzer::new()?;
//! let variants = analyzer.variants();
//! assert!(variants.of("服务器").iter().any(|v| v == "伺服器"));
//! assert!(variants.of("记忆体").iter().any(|v| v == "内存"));
//! assert!(variants.of("服").is_empty());
//! # Ok::<(), zhsearch::Error>(())
//! ```

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result};

/// Pairs of the OpenCC tables left out (folded, either order), each a word
/// whose other side is an ordinary word with another meaning:
///
/// - 支持/支援: 支持 (to support) is one of the most common words of the
///   mainland, 支援 is aid;
/// - 程序/进程: the mainland's 程序 is a program, Taiwan's a process;
/// - 数字/数位: 数字 is a number, 数位 is digital;
/// - 模拟/类比: 模拟 is to simulate, the mainland's 类比 an analogy;
/// - 存取/访问: the mainland's 访问 is mostly a visit;
/// - 呼叫/调用: 呼叫 is to call someone, 调用 to invoke a function.
pub const LEFT_OUT: [(&str, &str); 6] =
    [("支持", "支援"), ("程序", "进程"), ("数字", "数位"), ("模拟", "类比"), ("存取", "访问"), ("呼叫", "调用")];

/// Words and their variants, folded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variants {
    by_word: HashMap<String, Vec<String>>,
}

impl Variants {
    /// The variants of `word` (folded), in a stable order; none for most words.
    pub fn of(&self, word: &str) -> &[String] {
        self.by_word.get(word).map_or(&[], Vec::as_slice)
    }

    /// How many words have variants.
    pub fn len(&self) -> usize {
        self.by_word.len()
    }

    /// Whether no word has a variant.
    pub fn is_empty(&self) -> bool {
        self.by_word.is_empty()
    }

    /// Makes `a` and `b` (folded) variants of each other, unless they are
    /// the same, or either is a single character or empty.
    fn pair(&mut self, a: &str, b: &str) {
        let short = |w: &str| w.chars().nth(1).is_none();
        if a == b || short(a) || short(b) {
            return;
        }
        for (from, to) in [(a, b), (b, a)] {
            let list = self.by_word.entry(from.to_owned()).or_default();
            if !list.iter().any(|w| w == to) {
                list.push(to.to_owned());
                list.sort_unstable();
            }
        }
    }

    /// The table of OpenCC's regional phrase tables (the bundled copy)
    /// and zhsearch's own lists ([`OWN_LISTS`]), each
    /// word folded by `fold`, less [`LEFT_OUT`].
    pub(crate) fn bundled(fold: impl Fn(&str) -> String) -> Variants {
        let mut variants = Variants::default();
        for (key, value) in bundled_entries().chain(own_entries()) {
            let (a, b) = (fold(&key), fold(&value));
            let left_out = LEFT_OUT.iter().any(|&(x, y)| (a == x && b == y) || (a == y && b == x));
            if !left_out {
                variants.pair(&a, &b);
            }
        }
        variants
    }

    /// These variants and every group of `synonyms` (folded by `fold`),
    /// each of whose words is a variant of the others.
    pub fn with_synonyms(&self, synonyms: &Synonyms, fold: impl Fn(&str) -> String) -> Variants {
        let mut out = self.clone();
        for group in &synonyms.groups {
            let words: Vec<String> = group.iter().map(|w| fold(w)).collect();
            for (i, a) in words.iter().enumerate() {
                for b in &words[i + 1..] {
                    out.pair(a, b);
                }
            }
        }
        out
    }
}

/// What a query is expanded with: some tables of variants (the regional
/// ones, the user's synonyms), and the analyzer that folds and cuts.
pub(crate) struct Expander<'a> {
    pub analyzer: &'a super::Analyzer,
    pub tables: Vec<&'a Variants>,
}

impl Expander<'_> {
    /// Whether `word` (folded) has variants of its own.
    pub(crate) fn has(&self, word: &str) -> bool {
        self.tables.iter().any(|t| !t.of(word).is_empty())
    }

    /// The other spellings of `word` (folded): its own variants, and the
    /// word with one of the words inside it (jieba's search mode: 连接 in
    /// 连接时间) replaced by one of theirs (连线时间). At most
    /// [`MAX_SPELLINGS`].
    pub(crate) fn spellings(&self, word: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let add = |spelling: String, out: &mut Vec<String>| {
            if spelling != word && !out.contains(&spelling) && out.len() < MAX_SPELLINGS {
                out.push(spelling);
            }
        };
        for table in &self.tables {
            for v in table.of(word) {
                add(v.clone(), &mut out);
            }
        }
        if self.tables.iter().all(|t| t.is_empty()) {
            return out;
        }
        let prepared = self.analyzer.prepare(word);
        let mut inner: Vec<(usize, usize)> = Vec::new();
        self.analyzer.word_ranges(&prepared, super::Mode::Index, usize::MAX, |from, to, _| {
            if to - from >= 2 && to - from < prepared.len() {
                inner.push((from, to));
            }
        });
        for (from, to) in inner {
            let part = prepared.slice(from, to);
            for table in &self.tables {
                for v in table.of(part) {
                    let spelling = format!("{}{v}{}", prepared.slice(0, from), prepared.slice(to, prepared.len()));
                    add(spelling, &mut out);
                }
            }
        }
        out
    }
}

/// The most spellings a query word is expanded to.
pub const MAX_SPELLINGS: usize = 8;

/// OpenCC's regional phrase tables: one `key<TAB>value` a line.
const BUNDLED: &str = include_str!("../../data/variants/opencc-regional-phrases.tsv");

/// The bundled entries.
fn bundled_entries() -> impl Iterator<Item = (String, String)> {
    BUNDLED.lines().filter_map(|l| l.split_once('\t')).map(|(k, v)| (k.to_owned(), v.to_owned()))
}

/// zhsearch's own lists of the words the mainland and Taiwan write
/// differently and OpenCC's tables lack, a mainland word and a Taiwan
/// word a line:
/// - the words of programs and their documentation (替换/取代, 本地/本機,
///   工具栏/工具列): users index help pages, messages and manuals
///   translated on one side of the strait and search them from the other;
/// - names of people, places and companies, and everyday words
///   (奥巴马/歐巴馬, 悉尼/雪梨, 猕猴桃/奇異果), which a news archive needs.
const OWN_LISTS: [&str; 2] =
    [include_str!("../../data/variants/software-terms.tsv"), include_str!("../../data/variants/news-terms.tsv")];

/// The pairs of zhsearch's own lists (lines starting with `#` are comments).
fn own_entries() -> impl Iterator<Item = (String, String)> {
    OWN_LISTS
        .iter()
        .flat_map(|list| list.lines())
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
}

/// Every (key, value) of OpenCC's regional phrase tables, read off the
/// dictionaries opencc-rust bundles, sorted: what `data/variants/` copies.
#[cfg(test)]
fn opencc_entries() -> Result<Vec<(String, String)>> {
    use opencc_rust::DefaultConfig;
    // opencc-rust writes its bundled dictionaries to a directory; a private
    // one per process and call, removed right after.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("zhsearch-variants-{}-{nanos}", std::process::id()));
    let read = || -> std::result::Result<Vec<(String, String)>, String> {
        let mut entries = Vec::new();
        for (config, file) in [
            (DefaultConfig::S2TWP, "TWPhrases.ocd2"),
            (DefaultConfig::TW2SP, "TWPhrasesRev.ocd2"),
            (DefaultConfig::HK2S, "HKVariantsRevPhrases.ocd2"),
        ] {
            opencc_rust::generate_static_dictionary(&dir, config)
                .map_err(|e| format!("cannot write dictionaries to {}: {e}", dir.display()))?;
            entries.extend(super::convert::lexicon::read_values(&dir.join(file), true)?);
        }
        Ok(entries)
    };
    let result = read();
    let _ = std::fs::remove_dir_all(&dir);
    let mut entries = result.map_err(Error::OpenCc)?;
    entries.sort_unstable();
    entries.dedup();
    Ok(entries)
}

/// The user's synonyms: groups of words that mean the same, each word of a
/// group a variant of the others, as the regional variants are.
///
/// ```
/// use zhsearch::analysis::Synonyms;
///
/// let synonyms = Synonyms::parse("土豆,马铃薯，洋芋\n\n番茄, 西红柿\n", None)?;
/// assert_eq!(synonyms.groups(), [vec!["土豆", "马铃薯", "洋芋"], vec!["番茄", "西红柿"]]);
/// # Ok::<(), zhsearch::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Synonyms {
    groups: Vec<Vec<String>>,
}

impl Synonyms {
    /// Groups given as lists of words. A group needs two words or more.
    pub fn new<I, G, S>(groups: I) -> Result<Synonyms>
    where
        I: IntoIterator<Item = G>,
        G: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut out = Synonyms::default();
        for (n, group) in groups.into_iter().enumerate() {
            let words: Vec<String> =
                group.into_iter().map(Into::into).map(|w| w.trim().to_owned()).filter(|w| !w.is_empty()).collect();
            out.add(words, Location::default().at_line(n + 1))?;
        }
        Ok(out)
    }

    /// Groups in text, one a line, the words separated by commas (`,`,
    /// `，` or `、`); blank lines and lines starting with `#` are skipped.
    /// `path`, if given, is named in errors.
    pub fn parse(text: &str, path: Option<&Path>) -> Result<Synonyms> {
        let mut out = Synonyms::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words: Vec<String> =
                line.split([',', '，', '、']).map(str::trim).filter(|w| !w.is_empty()).map(str::to_owned).collect();
            let location = match path {
                Some(p) => Location::file(p).at_line(n + 1),
                None => Location::default().at_line(n + 1),
            };
            out.add(words, location)?;
        }
        Ok(out)
    }

    /// Reads groups from a file (see [`Synonyms::parse`]).
    pub fn read(path: impl AsRef<Path>) -> Result<Synonyms> {
        let path = path.as_ref();
        let text = super::settings::read_file(path)?;
        Synonyms::parse(&text, Some(path))
    }

    fn add(&mut self, words: Vec<String>, location: Location) -> Result<()> {
        if words.len() < 2 {
            return Err(Error::invalid(location, "a synonym group needs at least two words, separated by commas"));
        }
        self.groups.push(words);
        Ok(())
    }

    /// The groups, as given.
    pub fn groups(&self) -> &[Vec<String>] {
        &self.groups
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_go_both_ways_and_never_chain() {
        let mut v = Variants::default();
        v.pair("程序", "程式");
        v.pair("程式", "程式设计");
        v.pair("服", "伺");
        v.pair("软件", "软件");
        assert_eq!(v.of("程序"), ["程式"]);
        assert_eq!(v.of("程式"), ["程序", "程式设计"]);
        assert!(v.of("服").is_empty() && v.of("软件").is_empty());
    }

    /// The bundled copy is OpenCC's tables as opencc-rust ships them. With
    /// `ZHSEARCH_WRITE_VARIANTS=1` this writes the copy instead (after an
    /// opencc-rust upgrade).
    #[test]
    fn the_bundled_phrases_are_opencc_s() {
        let live = opencc_entries().expect("OpenCC's dictionaries");
        let text: String = live.iter().map(|(k, v)| format!("{k}\t{v}\n")).collect();
        if std::env::var_os("ZHSEARCH_WRITE_VARIANTS").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/variants/opencc-regional-phrases.tsv");
            std::fs::write(path, &text).expect("write the copy");
        }
        assert_eq!(BUNDLED, text, "data/variants/ differs from OpenCC's tables: regenerate it (see its README)");
        assert!(live.len() > 1_000, "{}", live.len());
    }

    /// Each line of zhsearch's own lists is a pair of words that still
    /// differ once folded and that OpenCC's tables do not already pair: a
    /// supplement, not a copy. (A pair that no longer adds anything after
    /// an OpenCC upgrade is named here.)
    #[test]
    fn the_own_lists_add_pairs_of_words() {
        let analyzer = crate::analysis::Analyzer::new().expect("analyzer");
        let fold = |w: &str| analyzer.fold(w);
        let opencc: std::collections::HashSet<(String, String)> =
            bundled_entries().map(|(k, v)| (fold(&k), fold(&v))).collect();
        let mut n = 0;
        for (mainland, taiwan) in own_entries() {
            let (a, b) = (fold(&mainland), fold(&taiwan));
            assert!(a.chars().count() >= 2 && b.chars().count() >= 2, "{mainland}/{taiwan}: single characters");
            assert_ne!(a, b, "{mainland}/{taiwan}: the same word once folded");
            let known = opencc.contains(&(a.clone(), b.clone())) || opencc.contains(&(b.clone(), a.clone()));
            assert!(!known, "{mainland}/{taiwan}: OpenCC's tables have it");
            n += 1;
        }
        assert!(n > 120, "{n} pairs");
    }

    #[test]
    fn synonym_files_name_the_bad_line() {
        let err = Synonyms::parse("土豆,马铃薯\n番茄\n", Some(Path::new("syn.txt"))).expect_err("one word");
        assert_eq!(err.to_string(), "syn.txt:2: a synonym group needs at least two words, separated by commas");
        let ok = Synonyms::parse("# comment\n 土豆 , 马铃薯 \n", None).expect("parses");
        assert_eq!(ok.groups(), [vec!["土豆", "马铃薯"]]);
    }
}
