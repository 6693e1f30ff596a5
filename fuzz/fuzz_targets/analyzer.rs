//! The analysis pipeline's invariants on any input: token offsets are
//! non-empty char-boundary ranges of the original text, positions never
//! decrease, and Traditional input tokenizes like its conversion; the
//! character field has exactly one single-character token (or separator
//! run) per position, beside which there may be a dictionary bigram and a
//! Latin word.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use zhsearch::analysis::convert::Converter;
use zhsearch::analysis::normalize::{class_of, CharClass};
use zhsearch::analysis::{Analyzer, Token};

fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(|| Analyzer::new().expect("analyzer"))
}

fn check(text: &str, tokens: &[Token]) {
    let mut last = 0;
    for t in tokens {
        assert!(t.offset_from < t.offset_to, "empty token {t:?}");
        assert!(text.get(t.offset_from..t.offset_to).is_some(), "{t:?} is not a char range of {text:?}");
        assert!(!t.text.is_empty());
        assert!(t.position >= last, "position went back at {t:?}");
        last = t.position;
    }
}

/// Tokenization scheme 3 (see `zhsearch::analysis`): quoted queries are
/// exact only if every position has exactly one character (or separator
/// run) token, and every longer token is a dictionary bigram or a whole
/// Latin word, which depend on the characters they cover only.
fn check_chars(a: &Analyzer, tokens: &[Token]) {
    let mut singles = Vec::new();
    for t in tokens {
        match t.text.chars().count() {
            1 => singles.push(t.position),
            2 if a.is_char_bigram(&t.text) => {}
            _ => assert!(
                t.text.chars().all(|c| class_of(c) == CharClass::Word || c == '.'),
                "{t:?} is neither a character, a dictionary bigram nor a Latin word"
            ),
        }
    }
    for pair in singles.windows(2) {
        assert!(pair[0] < pair[1], "two single-character tokens at one position: {pair:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let a = analyzer();
    let words = a.analyze(text);
    let chars = a.char_tokens(text);
    check(text, &words);
    check(text, &a.analyze_query(text));
    check(text, &chars);
    check_chars(a, &chars);
    let simplified = Converter::shared().expect("OpenCC").opencc_t2s(text);
    let key = |ts: Vec<Token>| ts.into_iter().map(|t| (t.text, t.position)).collect::<Vec<_>>();
    assert_eq!(key(words), key(a.analyze(&simplified)), "script blindness (words) for {text:?}");
    assert_eq!(key(chars), key(a.char_tokens(&simplified)), "script blindness (chars) for {text:?}");
});
