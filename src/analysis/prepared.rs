//! Normalized and converted text, with everything the tokenizers need to
//! know about each of its characters: where it came from in the original
//! text, its class, and its position.

use super::convert::Converter;
use super::normalize::{classify, normalize_char, CharClass};

/// Text after stages 1 and 2, indexed by character.
pub(crate) struct Prepared {
    /// Normalized, converted text: what tokens are made of.
    pub text: String,
    /// The characters of `text`.
    pub chars: Vec<char>,
    /// Byte offset in `text` of each character, plus `text.len()` at the end.
    pub byte_at: Vec<u32>,
    /// Byte range in the ORIGINAL text of the character each character of
    /// `text` came from.
    pub orig_from: Vec<u32>,
    pub orig_to: Vec<u32>,
    pub class: Vec<CharClass>,
    /// The position of each character; see the module docs of `analysis`.
    pub position: Vec<u32>,
}

impl Prepared {
    /// Runs normalization and (when `converter` is given) conversion.
    pub fn new(original: &str, converter: Option<&Converter>) -> Prepared {
        let mut normalized = String::with_capacity(original.len());
        // Byte range in `original` of each normalized character: the
        // normalization is 1:1, so this is also the range per input char.
        let mut src_from = Vec::with_capacity(original.len() / 2);
        let mut src_to = Vec::with_capacity(original.len() / 2);
        for (i, c) in original.char_indices() {
            normalized.push(normalize_char(c));
            src_from.push(i as u32);
            src_to.push((i + c.len_utf8()) as u32);
        }

        let (text, orig_from, orig_to) = match converter {
            None => (normalized, src_from, src_to),
            Some(conv) => {
                let converted = conv.convert(&normalized);
                match converted.source {
                    None => (converted.text, src_from, src_to),
                    Some(map) => {
                        let from = map.iter().map(|&k| src_from[k as usize]).collect();
                        let to = map.iter().map(|&k| src_to[k as usize]).collect();
                        (converted.text, from, to)
                    }
                }
            }
        };

        let chars: Vec<char> = text.chars().collect();
        let mut byte_at = Vec::with_capacity(chars.len() + 1);
        byte_at.extend(text.char_indices().map(|(i, _)| i as u32));
        byte_at.push(text.len() as u32);
        let class = classify(&chars);

        // Each word character takes the next position; a run of separators
        // between two word characters takes one position of its own, so
        // that text on either side of punctuation is never adjacent.
        let mut position = Vec::with_capacity(chars.len());
        let mut next = 0u32;
        let mut seen_word = false;
        let mut gap = false;
        for &k in &class {
            if k == CharClass::Separator {
                gap = seen_word;
                position.push(next);
            } else {
                if gap {
                    next += 1;
                    gap = false;
                }
                seen_word = true;
                position.push(next);
                next += 1;
            }
        }

        Prepared { text, chars, byte_at, orig_from, orig_to, class, position }
    }

    /// Number of characters.
    pub fn len(&self) -> usize {
        self.class.len()
    }

    /// The converted text of characters `from..to`.
    pub fn slice(&self, from: usize, to: usize) -> &str {
        &self.text[self.byte_at[from] as usize..self.byte_at[to] as usize]
    }

    /// The original byte range covered by characters `from..to` (`to > from`).
    pub fn original_range(&self, from: usize, to: usize) -> (usize, usize) {
        (self.orig_from[from] as usize, self.orig_to[to - 1] as usize)
    }

    /// Maximal runs `[start, end)` of word characters (Han or not).
    pub fn word_runs(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let keep = |k: CharClass| k != CharClass::Separator;
        let mut i = 0;
        std::iter::from_fn(move || {
            while i < self.len() && !keep(self.class[i]) {
                i += 1;
            }
            if i >= self.len() {
                return None;
            }
            let start = i;
            while i < self.len() && keep(self.class[i]) {
                i += 1;
            }
            Some((start, i))
        })
    }
}
