//! Stage 5: the character-level representation, for exact substring matching.
//!
//! Within each run of word characters (separators end a run), every
//! character starts exactly one token: the bigram of it and the next
//! character, or, for the last character of the run, the character alone.
//! `贫困县` gives `贫困`@0, `困县`@1, `县`@2.
//!
//! So a substring of two or more characters is found by the phrase of its
//! bigrams (`贫困县` = `贫困`@0 `困县`@1), and a single character by any
//! token that starts with it. Because each character has one token at its
//! own position, a phrase match is an exact substring match, whatever
//! jieba makes of the context.

use super::prepared::Prepared;

/// Calls `emit(from, to)` with the character range of every char-level token.
pub(crate) fn for_each_gram(prepared: &Prepared, mut emit: impl FnMut(usize, usize)) {
    for (start, end) in prepared.word_runs() {
        for i in start..end - 1 {
            emit(i, i + 2);
        }
        emit(end - 1, end);
    }
}
