//! Stage 3: word segmentation with jieba-rs.
//!
//! jieba sees runs of word characters: separators never reach it, because
//! it would return spaces and punctuation as words. A run with Han in it
//! goes to jieba whole, Latin and digits included, so that dictionary words
//! such as `a股` and `t恤` survive; a run without Han is one word as it is.

use jieba_rs::Jieba;

use super::normalize::CharClass;
use super::prepared::Prepared;

/// A word longer than this is left out of the word field:
/// nobody searches for it as a word, and tantivy refuses terms over 64 KiB.
/// The character field still indexes it.
pub(crate) const MAX_WORD_CHARS: usize = 64;

/// How finely to cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// jieba's search mode: every word plus the dictionary words inside it
    /// (`脱贫攻坚战` → `脱贫`, `攻坚`, `攻坚战`, `脱贫攻坚战`). For documents.
    Index,
    /// jieba's default mode: one cut, no overlapping words. For queries,
    /// whose words must each be found in the index.
    Query,
}

/// Calls `emit(from, to)` with the character range of every word, in
/// order of position (ties: shorter first). Positions never decrease,
/// which tantivy's postings require.
pub(crate) fn for_each_word(jieba: &Jieba, prepared: &Prepared, mode: Mode, mut emit: impl FnMut(usize, usize)) {
    let mut words: Vec<(usize, usize)> = Vec::new();
    for (start, end) in prepared.word_runs() {
        let run = prepared.slice(start, end);
        // A run without Han characters is one word: nothing to segment.
        if !prepared.class[start..end].contains(&CharClass::Han) {
            if end - start <= MAX_WORD_CHARS {
                emit(start, end);
            }
            continue;
        }
        let tokens = match mode {
            Mode::Index => jieba.cut_for_search(run, true),
            Mode::Query => jieba.cut(run, true),
        };
        words.clear();
        words.extend(
            tokens
                .iter()
                .filter(|t| t.end > t.start && t.end - t.start <= MAX_WORD_CHARS)
                .map(|t| (start + t.start, start + t.end)),
        );
        words.sort_unstable();
        for &(from, to) in &words {
            emit(from, to);
        }
    }
}
