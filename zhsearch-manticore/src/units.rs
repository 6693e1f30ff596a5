//! zhsearch's index tokens as the engine's keywords.
//!
//! The engine analyzes nothing: each article's title and body are cut by
//! zhsearch's own analyzer ([`Analyzer::char_tokens`]: folded characters,
//! dictionary bigrams, Latin words, the separator token) and written as
//! ASCII keywords, space separated, so that the engine's `charset_table`
//! is plain ASCII and no folding depends on it (in-engine folding through
//! `charset_table` once dropped a mapping without a word).
//!
//! - One keyword per position, in order, in the *unit* fields `t` and `b`:
//!   a character, or the separator token. A phrase of units is then an
//!   exact substring, as it is in zhsearch.
//! - The other tokens (dictionary bigrams, Latin words and numbers whole)
//!   in the *extra* fields `tx` and `bx`.
//! - Every keyword carries its field's letter (`t…`, `b…`, `k…`), so the
//!   engine's per-keyword document counts (`SHOW META`) are per field, as
//!   BM25F needs them, from one query.
//!
//! Keywords: `u` and the characters' code points in hex joined by `_`
//! (`tu5317_4eac` is 北京 in a title), `w` and the word for a lowercase
//! ASCII word, `s` for the separator, and `h` with a 64-bit FNV-1a hash for
//! anything that would pass the engine's 42-byte keyword limit (a long
//! Latin word; the title key, always).

use zhsearch::analysis::Analyzer;
use zhsearch::query::TextField;

/// The engine's keyword limit (Sphinx's `SPH_MAX_WORD_LEN`): a longer
/// keyword is cut, and two cut alike would collide.
const MAX_KEYWORD: usize = 42;

/// The letter a field's keywords start with.
pub(crate) fn prefix(field: TextField) -> char {
    match field {
        TextField::Title => 't',
        TextField::Body => 'b',
        TextField::TitleKey => 'k',
    }
}

/// The engine's keyword for `token` (folded) in `field`.
pub(crate) fn keyword(field: TextField, token: &str) -> String {
    let p = prefix(field);
    if field == TextField::TitleKey {
        return format!("{p}h{:016x}", fnv1a(token));
    }
    if token == zhsearch::analysis::SEPARATOR_TOKEN {
        return format!("{p}s");
    }
    if token.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) && token.chars().count() > 1 {
        if token.len() + 2 <= MAX_KEYWORD {
            return format!("{p}w{token}");
        }
    } else {
        let hex: Vec<String> = token.chars().map(|c| format!("{:x}", c as u32)).collect();
        let out = format!("{p}u{}", hex.join("_"));
        if out.len() <= MAX_KEYWORD {
            return out;
        }
    }
    format!("{p}h{:016x}", fnv1a(token))
}

/// 64-bit FNV-1a: a stable hash (the same in every process and version),
/// for keywords too long to spell out and for document ids.
pub(crate) fn fnv1a(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Whether `token` takes a position of its own (a character or the
/// separator) rather than sharing its first character's.
pub(crate) fn is_unit(token: &str) -> bool {
    token.chars().nth(1).is_none()
}

/// A text field of one article, as the engine stores it.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct EncodedField {
    /// The unit keywords, one per position.
    pub units: String,
    /// The other keywords.
    pub extras: String,
    /// How many tokens zhsearch counts in the field (its BM25 length).
    pub len: u64,
}

/// Filler for a position with no unit (never seen: every position has a
/// character or a separator), so that the positions after it stay true.
const FILLER: &str = "g";

/// Encodes one text field of an article.
pub(crate) fn encode_field(analyzer: &Analyzer, field: TextField, text: &str) -> EncodedField {
    let mut out = EncodedField::default();
    let mut next = 0usize;
    let p = prefix(field);
    for token in analyzer.char_tokens(text) {
        out.len += 1;
        if is_unit(&token.text) {
            while next < token.position {
                push(&mut out.units, &format!("{p}{FILLER}"));
                next += 1;
            }
            push(&mut out.units, &keyword(field, &token.text));
            next = token.position + 1;
        } else {
            push(&mut out.extras, &keyword(field, &token.text));
        }
    }
    out
}

fn push(to: &mut String, keyword: &str) {
    if !to.is_empty() {
        to.push(' ');
    }
    to.push_str(keyword);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_ascii_short_and_by_field() {
        let table = [
            (TextField::Title, "北", "tu5317"),
            (TextField::Body, "北京", "bu5317_4eac"),
            (TextField::Body, " ", "bs"),
            (TextField::Title, "v2", "twv2"),
            (TextField::Body, "v", "bu76"),
            (TextField::Body, "v2.0", "bu76_32_2e_30"),
            (TextField::Body, "𠀀", "bu20000"),
        ];
        for (field, token, want) in table {
            assert_eq!(keyword(field, token), want, "{token}");
        }
        let long = "a".repeat(60);
        let k = keyword(TextField::Body, &long);
        assert!(k.starts_with("bh") && k.len() == 18, "{k}");
        assert_ne!(k, keyword(TextField::Body, &"a".repeat(61)), "long words do not collide when cut");
        let key = keyword(TextField::TitleKey, "北京新闻");
        assert!(key.starts_with("kh") && key.len() == 18, "{key}");
    }

    #[test]
    fn units_keep_positions_and_extras_are_apart() {
        let analyzer = Analyzer::new().expect("analyzer");
        let f = encode_field(&analyzer, TextField::Body, "脱贫，v2");
        // 脱 贫 ， v 2 are units; 脱贫 and v2 are extras.
        assert_eq!(f.units, "bu8131 bu8d2b bs bu76 bu32");
        assert_eq!(f.extras, "bu8131_8d2b bwv2");
        assert_eq!(f.len, 7);
    }
}
