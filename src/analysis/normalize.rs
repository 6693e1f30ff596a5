//! Stage 1: normalization, and the character classes every later stage agrees on.
//!
//! Normalization maps each character to exactly one character. That 1:1
//! property is what lets every token point back into the original text by
//! character index, without an offset table per transformation.

/// Folds full-width ASCII to half-width and lowercases letters.
///
/// `１９９８` → `1998`, `ＡＢＣ` → `abc`, the ideographic space `　` → ` `.
/// A letter whose lowercase form is more than one character (`İ`) is kept
/// as it is, so the mapping stays 1:1. NUL becomes a space: it is never
/// content, and OpenCC's C interface cannot see past it.
#[inline]
pub fn normalize_char(c: char) -> char {
    // Han and the rest of the CJK blocks have no case and no full-width
    // form: most characters of Chinese text leave here, without the
    // Unicode case tables.
    if ('\u{3001}'..='\u{9FFF}').contains(&c) {
        return c;
    }
    match c {
        'A'..='Z' => c.to_ascii_lowercase(),
        '\0' => ' ',
        '\u{3000}' => ' ',
        // The full-width forms block mirrors printable ASCII at a fixed distance.
        '\u{FF01}'..='\u{FF5E}' => {
            let half = char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c);
            half.to_ascii_lowercase()
        }
        c if c.is_ascii() => c,
        c if c.is_uppercase() => {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ => c,
            }
        }
        c => c,
    }
}

/// Normalizes a whole string with [`normalize_char`].
pub fn normalize(text: &str) -> String {
    text.chars().map(normalize_char).collect()
}

/// Whether `c` is a Han ideograph: the CJK Unified Ideographs, their
/// extensions A to H, the compatibility ideographs, and `〇`.
#[inline]
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF
        | 0x3400..=0x4DBF
        | 0x20000..=0x2EBEF
        | 0x30000..=0x323AF
        | 0xF900..=0xFAFF
        | 0x2F800..=0x2FA1F
        | 0x3007)
}

/// Combining marks and variation selectors. They belong to the character
/// before them, so they must not split a word (`cafe\u{301}`).
#[inline]
pub fn is_mark(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F
        | 0x0483..=0x0489
        | 0x0591..=0x05BD
        | 0x0610..=0x061A
        | 0x064B..=0x065F
        | 0x0900..=0x0903
        | 0x093A..=0x094F
        | 0x1AB0..=0x1AFF
        | 0x1DC0..=0x1DFF
        | 0x20D0..=0x20FF
        | 0x302A..=0x302F
        | 0x3099..=0x309A
        | 0xFE00..=0xFE0F
        | 0xFE20..=0xFE2F
        | 0xE0100..=0xE01EF)
}

/// What a (normalized) character is to the tokenizers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharClass {
    /// A Han ideograph: segmented by jieba.
    Han,
    /// A letter, digit or mark outside Han (Latin, kana, Hangul, …):
    /// runs of these form whole words.
    Word,
    /// Whitespace, punctuation, symbols, emoji, control characters:
    /// never part of a token.
    Separator,
}

/// The class of `c` on its own. A `.` between two digits is a word
/// character too (`1.95`); that needs context, see [`classify`].
#[inline]
pub fn class_of(c: char) -> CharClass {
    if is_han(c) {
        CharClass::Han
    } else if c.is_ascii() {
        if c.is_ascii_alphanumeric() {
            CharClass::Word
        } else {
            CharClass::Separator
        }
    } else if matches!(c as u32, 0x2000..=0x206F | 0x3001..=0x3004 | 0x3008..=0x3020) {
        // General punctuation (—, …, “”) and CJK punctuation (、。「」《》):
        // common in Chinese text, all separators, and spared the Unicode
        // tables' slow path.
        CharClass::Separator
    } else if c.is_alphanumeric() || is_mark(c) {
        CharClass::Word
    } else {
        CharClass::Separator
    }
}

/// Classifies every character of normalized text, keeping decimal points
/// (`.` with a digit on each side) inside numbers.
pub fn classify(chars: &[char]) -> Vec<CharClass> {
    let mut classes: Vec<CharClass> = chars.iter().map(|&c| class_of(c)).collect();
    for i in 1..chars.len().saturating_sub(1) {
        if chars[i] == '.' && chars[i - 1].is_ascii_digit() && chars[i + 1].is_ascii_digit() {
            classes[i] = CharClass::Word;
        }
    }
    classes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast paths of `class_of` agree with the general rule.
    #[test]
    fn class_shortcuts_agree_with_the_unicode_tables() {
        let general = |c: char| {
            if is_han(c) {
                CharClass::Han
            } else if c.is_alphanumeric() || is_mark(c) {
                CharClass::Word
            } else {
                CharClass::Separator
            }
        };
        for c in ('\0'..='\u{7F}').chain('\u{2000}'..='\u{206F}').chain('\u{3000}'..='\u{3040}') {
            assert_eq!(class_of(c), general(c), "{c:?}");
        }
    }

    #[test]
    fn the_cjk_shortcut_skips_only_caseless_characters() {
        for c in ('\u{3001}'..='\u{9FFF}').filter(|c| !c.is_control()) {
            assert!(!c.is_uppercase() && c.to_lowercase().eq([c]), "{c:?} has case");
        }
    }

    #[test]
    fn normalize_table() {
        let cases = [
            ("１９９８年", "1998年"),
            ("ＡＢＣ", "abc"),
            ("ａｂｃ", "abc"),
            ("A股对H股折价1.95%", "a股对h股折价1.95%"),
            ("（新华社）", "(新华社)"),
            ("Ünïcode", "ünïcode"),
            ("İstanbul", "İstanbul"),
            ("a\0b", "a b"),
            ("全角　空格", "全角 空格"),
            ("貧困縣", "貧困縣"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(normalize(input), want, "normalize({input:?})");
        }
    }

    #[test]
    fn normalize_is_one_char_per_char() {
        for input in ["İİ", "ΣΑΣ", "ǅ", "ﬀ", "ＡＢ１２", "𠀀𠀁"] {
            assert_eq!(normalize(input).chars().count(), input.chars().count(), "{input:?}");
        }
    }

    #[test]
    fn classes() {
        let cases = [
            ('貧', CharClass::Han),
            ('〇', CharClass::Han),
            ('𠀀', CharClass::Han),
            ('a', CharClass::Word),
            ('9', CharClass::Word),
            ('か', CharClass::Word),
            ('\u{301}', CharClass::Word),
            (',', CharClass::Separator),
            ('。', CharClass::Separator),
            ('%', CharClass::Separator),
            (' ', CharClass::Separator),
            ('😀', CharClass::Separator),
        ];
        for (c, want) in cases {
            assert_eq!(class_of(c), want, "class_of({c:?})");
        }
    }

    #[test]
    fn decimal_point_is_a_word_char_only_between_digits() {
        let chars: Vec<char> = "1.95 a.b 3. .5".chars().collect();
        let classes = classify(&chars);
        let words: String =
            chars.iter().zip(&classes).map(|(&c, &k)| if k == CharClass::Separator { '_' } else { c }).collect();
        assert_eq!(words, "1.95_a_b_3___5");
    }
}
