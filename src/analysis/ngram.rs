//! Stage 5: the character-level representation, for exact substring matching.
//!
//! Within each run of word characters (separators end a run), every
//! character starts exactly one token: the bigram of it and the next
//! character when that bigram is a two-character dictionary word (see
//! [`BigramTable`]), and otherwise the character alone. The last character
//! of a run is always alone. `贫困县` gives `贫困`@0, `困`@1, `县`@2:
//! `贫困` is a word, `困县` is not.
//!
//! The token at a position is a function of the character there and the
//! one after it, and nothing else. That is what keeps matching exact: a
//! substring of the query maps to the very tokens the document has at the
//! same places, whatever jieba makes of the context, except at its last
//! character, whose successor the query does not know; that one matches
//! any token starting with it. So `贫困县` is `贫困`@0 `困`@1 then
//! anything starting with `县` @2, and a single character is any token
//! that starts with it.
//!
//! Why not every bigram: tantivy's indexer pays per token and, above all,
//! per distinct term (a hash-table probe that misses the cache), and the
//! bigrams of running text are a vocabulary of hundreds of thousands (the
//! Tang poems have 730,000). Dictionary bigrams are the frequent ones and
//! the rest fall back to about 6,000 single characters, which made index
//! builds 1.4× as fast and the index a quarter smaller (BENCHMARKS.md). A
//! two-character word is still one posting list, which is what keeps word
//! queries fast.

use std::io::Read;
use std::sync::{Arc, OnceLock};

use rustc_hash::FxHashSet;

use super::normalize::{class_of, normalize_char, CharClass};
use super::prepared::Prepared;
use crate::error::{Error, Result};

/// The bundled list of jieba's two-character dictionary words, one per
/// line, zstd-compressed; `data/bigrams/README.md` says where it comes from.
const BUNDLED_WORDS: &[u8] = include_bytes!("../../data/bigrams/jieba-two-char-words.txt.zst");
const BUNDLED_PATH: &str = "data/bigrams/jieba-two-char-words.txt.zst";

/// The pairs of characters the character field keeps as one bigram token.
///
/// It is zhsearch's own copy of the two-character words of jieba's
/// dictionary (normalized), plus the analyzer's two-character user words,
/// and not a lookup in the jieba of the day: the character tokens of an
/// index must stay what they were when it was built, and a dictionary that
/// changed with a jieba-rs upgrade would make quoted queries miss. The
/// list is part of the tokenization scheme ([`super::SCHEME_VERSION`]).
#[derive(Clone)]
pub(crate) struct BigramTable {
    pairs: FxHashSet<u64>,
}

fn pair_key(a: char, b: char) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// The pair of a word of exactly two word characters (normalized), if it is one.
///
/// The classes are the context-free ones, which never call a separator a
/// word character: so a pair accepted here stands in one run in any text.
/// (The one context-dependent word character, a `.` between digits, only
/// ever makes this say no.)
fn word_pair(word: &str) -> Option<(char, char)> {
    let mut chars = word.chars().map(normalize_char);
    let (a, b) = (chars.next()?, chars.next()?);
    let is_word = |c: char| class_of(c) != CharClass::Separator;
    (chars.next().is_none() && is_word(a) && is_word(b)).then_some((a, b))
}

impl BigramTable {
    /// The bundled table, decoded once per process.
    pub(crate) fn bundled() -> Result<Arc<BigramTable>> {
        static BUNDLED: OnceLock<Arc<BigramTable>> = OnceLock::new();
        if let Some(table) = BUNDLED.get() {
            return Ok(table.clone());
        }
        let mut text = String::new();
        zstd::Decoder::new(BUNDLED_WORDS)
            .and_then(|mut d| d.read_to_string(&mut text))
            .map_err(|e| Error::io(BUNDLED_PATH, e))?;
        let pairs = text.lines().filter_map(word_pair).map(|(a, b)| pair_key(a, b)).collect();
        Ok(BUNDLED.get_or_init(|| Arc::new(BigramTable { pairs })).clone())
    }

    /// This table plus the two-character words among `words` (folded):
    /// the same table, not a copy, when they add nothing.
    pub(crate) fn with_words<'a>(self: &Arc<Self>, words: impl IntoIterator<Item = &'a str>) -> Arc<BigramTable> {
        let new: Vec<u64> = words
            .into_iter()
            .filter_map(word_pair)
            .map(|(a, b)| pair_key(a, b))
            .filter(|k| !self.pairs.contains(k))
            .collect();
        if new.is_empty() {
            return self.clone();
        }
        let mut table = BigramTable::clone(self);
        table.pairs.extend(new);
        Arc::new(table)
    }

    /// How many pairs the table holds.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.pairs.len()
    }

    fn contains_pair(&self, a: char, b: char) -> bool {
        self.pairs.contains(&pair_key(a, b))
    }

    /// Whether `word` (folded) is a bigram token of the character field:
    /// two word characters that the table holds. Wherever such a word
    /// stands in a text, the character tokens have it at its place.
    pub(crate) fn contains(&self, word: &str) -> bool {
        word_pair(word).is_some_and(|(a, b)| self.contains_pair(a, b))
    }
}

/// The text of the token that stands for a run of separators between two
/// word characters. No word character is a space, so it is never the text
/// of another token, and no token of a word character starts with it.
pub(crate) const SEPARATOR_TOKEN: &str = " ";

/// Calls `emit(from, to, separator)` with the character range of every
/// char-level token; `separator` says it is a separator run's token, whose
/// text is [`SEPARATOR_TOKEN`].
pub(crate) fn for_each_gram(prepared: &Prepared, table: &BigramTable, mut emit: impl FnMut(usize, usize, bool)) {
    let mut previous_end = None;
    for (start, end) in prepared.word_runs() {
        // The separators since the last run. They must be a token: a
        // character alone is also what a character followed by a non-word
        // inside a run gives, so without one, `"1，2"` would find `1青2`.
        if let Some(sep_from) = previous_end {
            emit(sep_from, start, true);
        }
        for i in start..end - 1 {
            let len = if table.contains_pair(prepared.chars[i], prepared.chars[i + 1]) { 2 } else { 1 };
            emit(i, i + len, false);
        }
        emit(end - 1, end, false);
        previous_end = Some(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_table_holds_jiebas_two_character_words_normalized() {
        let table = BigramTable::bundled().expect("the bundled table decodes");
        // 114,173 two-character entries, less the few with a separator
        // (`C#`) and those that fold onto another (`A股` and `a股`).
        assert!((114_000..=114_173).contains(&table.len()), "{}", table.len());
        for word in ["经济", "贫困", "a股", "发展", "改革"] {
            assert!(table.contains(word), "{word}");
        }
        // Not words; not two word characters; upper case is folded first.
        for word in ["困县", "c#", "经", "经济学", "", "济经"] {
            assert!(!table.contains(word), "{word}");
        }
        assert!(table.contains("A股"));
    }

    #[test]
    fn user_words_extend_a_copy() {
        let base = BigramTable::bundled().expect("decodes");
        let more = base.with_words(["困县", "脱贫攻坚战", "x"]);
        assert!(more.contains("困县") && !base.contains("困县"));
        assert_eq!(more.len(), base.len() + 1);
    }
}
