//! Stage 3: word segmentation with jieba-rs.
//!
//! jieba sees runs of word characters: separators never reach it, because
//! it would return spaces and punctuation as words. A run with Han in it
//! goes to jieba whole, Latin and digits included, so that dictionary words
//! such as `a股` and `t恤` survive; a run without Han is one word as it is.
//!
//! jieba cuts at combining marks (`ame`, `\u{301}`, `lie` for `Amélie`
//! written with a combining accent). A mark belongs to its letter, so inside
//! a Han run, a stretch of non-Han word characters that holds a mark is
//! taken out of jieba's hands and kept as one word.

use jieba_rs::Jieba;

use super::normalize::{is_mark, CharClass};
use super::prepared::Prepared;

/// A word longer than this is not a word token (of the exported word
/// tokenizers): nobody searches for it as a word, and tantivy refuses terms
/// over 64 KiB. zhsearch's own queries keep such words, since they look a
/// word up as its character tokens, never as one term.
pub(crate) const MAX_WORD_CHARS: usize = 64;

/// How finely to cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// jieba's search mode: every word plus the dictionary words inside it
    /// (`脱贫攻坚战` → `脱贫`, `攻坚`, `攻坚战`, and `脱贫攻坚战` too once it
    /// is a user word). For documents.
    Index,
    /// jieba's default mode: one cut, no overlapping words. For queries,
    /// whose words must each be found in the index.
    Query,
}

/// Calls `emit(from, to)` with the character range of every word of at most
/// `longest` characters, in order of position (ties: shorter first).
/// Positions never decrease, which tantivy's postings require.
pub(crate) fn for_each_word(
    jieba: &Jieba,
    prepared: &Prepared,
    mode: Mode,
    longest: usize,
    mut emit: impl FnMut(usize, usize),
) {
    let mut words: Vec<(usize, usize)> = Vec::new();
    for (start, end) in prepared.word_runs() {
        let run = prepared.slice(start, end);
        // A run without Han characters is one word: nothing to segment.
        if !prepared.class[start..end].contains(&CharClass::Han) {
            if end - start <= longest {
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
                .filter(|t| t.end > t.start && t.end - t.start <= longest)
                .map(|t| (start + t.start, start + t.end)),
        );
        keep_marked_words_whole(prepared, start, end, longest, &mut words);
        words.sort_unstable();
        for &(from, to) in &words {
            emit(from, to);
        }
    }
}

/// Replaces jieba's cuts inside every non-Han stretch of `start..end` that
/// holds a combining mark by that stretch, whole (module docs).
fn keep_marked_words_whole(
    prepared: &Prepared,
    start: usize,
    end: usize,
    longest: usize,
    words: &mut Vec<(usize, usize)>,
) {
    let chars = || prepared.slice(start, end).chars();
    if !chars().any(is_mark) {
        return;
    }
    let mut i = start;
    let mut marks = chars().map(is_mark);
    while i < end {
        if prepared.class[i] == CharClass::Han {
            i += 1;
            marks.next();
            continue;
        }
        let from = i;
        let mut has_mark = false;
        while i < end && prepared.class[i] != CharClass::Han {
            has_mark |= marks.next().unwrap_or(false);
            i += 1;
        }
        if has_mark {
            words.retain(|&(a, b)| b <= from || a >= i);
            if i - from <= longest {
                words.push((from, i));
            }
        }
    }
}
