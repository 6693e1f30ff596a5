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

/// The keyword every article's body holds once, since articles are
/// written with [`pair_keyword`]s: where every document has it, a pair's
/// count is its keyword's (see `Cluster::search`); a cluster loaded
/// before holds no pair keywords, and its pairs are counted as phrases.
pub(crate) const PAIRS_MARK: &str = "bv2";

/// The keyword whose count is the count of the phrase `units` in `field`,
/// for the two kinds of phrase the ranking counts most (pairs): two units
/// side by side (a dictionary bigram's own keyword, or `p` and both
/// units, `tp5317_4eac`), or two units with a separator between them
/// (`tp5317_s_4eac`). `None` for any other phrase. The engine would
/// otherwise count a pair by merging the positions of its two characters,
/// common ones among them, in every document that has both: a headline's
/// two dozen pairs took longer than its first stage.
pub(crate) fn pair_keyword(analyzer: &Analyzer, field: TextField, units: &[&str]) -> Option<String> {
    let sep = zhsearch::analysis::SEPARATOR_TOKEN;
    let unit = |u: &str| u != sep && is_unit(u);
    let hex = |u: &str| u.chars().next().map(|c| format!("{:x}", c as u32)).unwrap_or_default();
    let p = prefix(field);
    match units {
        [a, b] if unit(a) && unit(b) => Some(match analyzer.is_char_bigram(&format!("{a}{b}")) {
            true => keyword(field, &format!("{a}{b}")),
            false => format!("{p}p{}_{}", hex(a), hex(b)),
        }),
        [a, s, b] if unit(a) && *s == sep && unit(b) => Some(format!("{p}p{}_s_{}", hex(a), hex(b))),
        _ => None,
    }
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
    // The last two units and their positions, for the pairs.
    let mut before: Option<(usize, String)> = None;
    let mut last: Option<(usize, String)> = None;
    for token in analyzer.char_tokens(text) {
        out.len += 1;
        if is_unit(&token.text) {
            while next < token.position {
                push(&mut out.units, &format!("{p}{FILLER}"));
                next += 1;
            }
            push(&mut out.units, &keyword(field, &token.text));
            next = token.position + 1;
            // The pairs that end here, but a dictionary bigram's, which
            // char_tokens has as a token of its own (among the extras).
            let at = token.position;
            let mut ending: Vec<Vec<&str>> = Vec::new();
            if let Some((q, a)) = last.as_ref().filter(|(q, _)| q + 1 == at) {
                ending.push(vec![a, &token.text]);
                if let Some((_, b)) = before.as_ref().filter(|(r, _)| r + 1 == *q) {
                    ending.push(vec![b, a, &token.text]);
                }
            }
            for units in ending {
                let own = units.len() == 2 && analyzer.is_char_bigram(&units.concat());
                if let Some(k) = pair_keyword(analyzer, field, &units).filter(|_| !own) {
                    push(&mut out.extras, &k);
                }
            }
            before = last.take();
            last = Some((at, token.text));
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
        // 脱 贫 ， v 2 are units; 脱贫 and v2 are extras, and so are the
        // pairs that are no token of their own: 贫，v across the separator,
        // and v 2 (脱贫 is its own keyword already).
        assert_eq!(f.units, "bu8131 bu8d2b bs bu76 bu32");
        assert_eq!(f.extras, "bu8131_8d2b bp8d2b_s_76 bwv2 bp76_32");
        assert_eq!(f.len, 7);
    }

    /// A pair's count is one keyword's: a dictionary bigram's own, or the
    /// pair's; a longer phrase has none.
    #[test]
    fn pairs_are_keywords() {
        let analyzer = Analyzer::new().expect("analyzer");
        let sep = zhsearch::analysis::SEPARATOR_TOKEN;
        let table: [(&[&str], Option<&str>); 6] = [
            (&["北", "京"], Some("tu5317_4eac")),
            (&["京", "北"], Some("tp4eac_5317")),
            (&["京", sep, "北"], Some("tp4eac_s_5317")),
            (&["京", sep], None),
            (&[sep, "北"], None),
            (&["北", "京", "市"], None),
        ];
        for (units, want) in table {
            assert_eq!(pair_keyword(&analyzer, TextField::Title, units).as_deref(), want, "{units:?}");
        }
        // Every pair of an article is there, in the field's extras.
        let f = encode_field(&analyzer, TextField::Title, "京北，北京");
        for units in [&["京", "北"][..], &["北", sep, "北"], &["北", "京"]] {
            let k = pair_keyword(&analyzer, TextField::Title, units).expect("a pair");
            assert!(f.extras.split(' ').any(|e| e == k), "{k} in {}", f.extras);
        }
    }
}
