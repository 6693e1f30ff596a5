//! Stage 5: the character-level representation that the index holds.
//!
//! Within each run of word characters (separators end a run), every
//! character is a token at its own position (a *unigram*). Where it and the
//! next character form a two-character dictionary word (see
//! [`BigramTable`]), that *bigram* is a token too, at the same position.
//! A stretch of two or more word characters that are not Han (a Latin word,
//! a number such as `1.95`) is also one token, whole, at the position of its
//! first character. `贫困县` gives `贫`@0 `贫困`@0 `困`@1 `县`@2: `贫困` is a
//! word, `困县` is not.
//!
//! Each token is a function of the characters it covers and nothing else,
//! which is what keeps matching exact: a substring of a query has, at the
//! same relative positions, the very unigrams and bigrams that every text
//! containing it has, whatever jieba would make of the context. So a quoted
//! query is a phrase of tokens, and a single character is one term.
//!
//! Why this and not jieba's words or every bigram: tantivy's indexer pays
//! per token and, above all, per distinct term (a hash-table probe that
//! misses the cache). Unigrams are a vocabulary of a few thousand, and the
//! dictionary bigrams are the frequent pairs, so the index builds faster
//! than one of jieba's words (which also pays for running jieba over every
//! text); every bigram of running text would be a vocabulary of hundreds of
//! thousands. The pairs that are not dictionary words are still found, as
//! two unigrams side by side: the ranking reads their positions for its
//! best hits (`crate::query`). A two-character word stays one posting list,
//! which keeps word queries fast. BENCHMARKS.md has the measurements.

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
///
/// It is probed for every pair of characters indexed. A hash set of the
/// 114,000 pairs is a megabyte or two, and each probe missed the cache: it
/// was most of the character tokenizer's time. So pairs whose first
/// character is a CJK ideograph (nearly all) are kept by first character:
/// a table of offsets, one per ideograph, into the sorted second
/// characters. A probe reads two neighbouring offsets and searches a short
/// sorted run, in half a megabyte that stays cached. The few other pairs
/// (`a股`, `t恤`, pairs outside the Basic Multilingual Plane) are a small
/// hash set.
#[derive(Clone)]
pub(crate) struct BigramTable {
    /// `seconds[offsets[i]..offsets[i + 1]]`: the second characters, sorted,
    /// of the pairs whose first character is `DENSE_FROM + i`.
    offsets: Vec<u32>,
    seconds: Vec<u16>,
    /// Every other pair.
    others: FxHashSet<u64>,
}

/// The ideographs the dense part covers: CJK Extension A and the Unified
/// Ideographs.
const DENSE_FROM: u32 = 0x3400;
const DENSE_TO: u32 = 0xA000;

fn pair_key(a: char, b: char) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// Where a pair goes: the dense part (`(first index, second)`), or the others.
fn dense(a: char, b: char) -> Option<(usize, u16)> {
    let (a, b) = (a as u32, b as u32);
    if (DENSE_FROM..DENSE_TO).contains(&a) {
        Some(((a - DENSE_FROM) as usize, u16::try_from(b).ok()?))
    } else {
        None
    }
}

impl BigramTable {
    /// The table of these pairs.
    fn from_pairs(pairs: impl IntoIterator<Item = (char, char)>) -> BigramTable {
        let mut by_first: Vec<(usize, u16)> = Vec::new();
        let mut others = FxHashSet::default();
        for (a, b) in pairs {
            match dense(a, b) {
                Some(d) => by_first.push(d),
                None => {
                    others.insert(pair_key(a, b));
                }
            }
        }
        by_first.sort_unstable();
        by_first.dedup();
        let mut offsets = vec![0u32; (DENSE_TO - DENSE_FROM) as usize + 1];
        for &(first, _) in &by_first {
            offsets[first + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let seconds = by_first.into_iter().map(|(_, second)| second).collect();
        BigramTable { offsets, seconds, others }
    }

    /// Every pair of the table.
    fn pairs(&self) -> impl Iterator<Item = (char, char)> + '_ {
        let dense = self.offsets.windows(2).enumerate().flat_map(move |(i, w)| {
            let first = char::from_u32(DENSE_FROM + i as u32);
            self.seconds[w[0] as usize..w[1] as usize]
                .iter()
                .filter_map(move |&s| Some((first?, char::from_u32(u32::from(s))?)))
        });
        let others = self.others.iter().filter_map(|&k| {
            let (a, b) = ((k >> 32) as u32, k as u32);
            Some((char::from_u32(a)?, char::from_u32(b)?))
        });
        dense.chain(others)
    }
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
        let table = BigramTable::from_pairs(text.lines().filter_map(word_pair));
        Ok(BUNDLED.get_or_init(|| Arc::new(table)).clone())
    }

    /// This table plus the two-character words among `words` (folded):
    /// the same table, not a copy, when they add nothing.
    pub(crate) fn with_words<'a>(self: &Arc<Self>, words: impl IntoIterator<Item = &'a str>) -> Arc<BigramTable> {
        let new: Vec<(char, char)> =
            words.into_iter().filter_map(word_pair).filter(|&(a, b)| !self.contains_pair(a, b)).collect();
        if new.is_empty() {
            return self.clone();
        }
        Arc::new(BigramTable::from_pairs(self.pairs().chain(new)))
    }

    /// How many pairs the table holds.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.seconds.len() + self.others.len()
    }

    /// Whether `a` then `b` (folded) is one of the table's pairs.
    #[inline]
    pub(crate) fn contains_pair(&self, a: char, b: char) -> bool {
        match dense(a, b) {
            Some((first, second)) => {
                let run = &self.seconds[self.offsets[first] as usize..self.offsets[first + 1] as usize];
                run.binary_search(&second).is_ok()
            }
            None => !self.others.is_empty() && self.others.contains(&pair_key(a, b)),
        }
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
pub const SEPARATOR_TOKEN: &str = " ";

/// What a character-level token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gram {
    /// One word character.
    Unigram,
    /// Two word characters that form a dictionary word.
    Bigram,
    /// A stretch of two or more non-Han word characters, whole.
    Latin,
    /// A run of separators between two word characters ([`SEPARATOR_TOKEN`]).
    Separator,
}

/// Calls `emit(from, to, gram)` with the character range of every
/// character-level token, in order of position (see the module docs).
pub(crate) fn for_each_gram(prepared: &Prepared, table: &BigramTable, mut emit: impl FnMut(usize, usize, Gram)) {
    let mut previous_end = None;
    for (start, end) in prepared.word_runs() {
        // The separators since the last run. They must be a token: without
        // one, the unigrams on either side would stand two positions apart
        // as around any one character, and `"1，2"` would find `1青2`.
        if let Some(sep_from) = previous_end {
            emit(sep_from, start, Gram::Separator);
        }
        let chars = &prepared.chars[start..end];
        let class = &prepared.class[start..end];
        for i in 0..chars.len() {
            emit(start + i, start + i + 1, Gram::Unigram);
            let bigram = i + 1 < chars.len() && table.contains_pair(chars[i], chars[i + 1]);
            if bigram {
                emit(start + i, start + i + 2, Gram::Bigram);
            }
            // A Latin word or number starts here: the whole stretch is a token
            // (unless it is the bigram just given).
            if class[i] == CharClass::Word && (i == 0 || class[i - 1] != CharClass::Word) {
                let len = class[i..].iter().take_while(|&&k| k == CharClass::Word).count();
                if is_whole_latin(len) && !(len == 2 && bigram) {
                    emit(start + i, start + i + len, Gram::Latin);
                }
            }
        }
        previous_end = Some(end);
    }
}

/// The longest Latin word or number kept whole as a token; its characters
/// are unigrams either way. (tantivy refuses terms over 64 KiB.)
const MAX_LATIN_CHARS: usize = 64;

/// Whether a Latin word or number of `len` characters is a token whole
/// (besides its characters): the one rule for documents and queries, so a
/// query looks up exactly the tokens the index has.
pub(crate) fn is_whole_latin(len: usize) -> bool {
    (2..=MAX_LATIN_CHARS).contains(&len)
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

    /// The dense part and the others hold every pair, and nothing else.
    #[test]
    fn pairs_in_and_out_of_the_dense_part_are_found() {
        let pairs = [('经', '济'), ('a', '股'), ('𠀀', '经'), ('经', '𠀀'), ('龥', '一'), ('㐀', 'x')];
        let table = BigramTable::from_pairs(pairs);
        assert_eq!(table.len(), pairs.len());
        for (a, b) in pairs {
            assert!(table.contains_pair(a, b), "{a}{b}");
            assert!(!table.contains_pair(b, a) || pairs.contains(&(b, a)), "{b}{a}");
        }
        assert!(!table.contains_pair('经', '经') && !table.contains_pair('济', '经'));
        let mut listed: Vec<(char, char)> = table.pairs().collect();
        listed.sort_unstable();
        let mut want = pairs.to_vec();
        want.sort_unstable();
        assert_eq!(listed, want);
    }

    #[test]
    fn user_words_extend_a_copy() {
        let base = BigramTable::bundled().expect("decodes");
        let more = base.with_words(["困县", "脱贫攻坚战", "x"]);
        assert!(more.contains("困县") && !base.contains("困县"));
        assert_eq!(more.len(), base.len() + 1);
    }
}
