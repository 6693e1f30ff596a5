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

use super::normalize::{class_of, CharClass};
use super::prepared::Prepared;

/// Whether a word token (folded text) is exactly one character bigram: two
/// word characters. Such a word is, at its place, the same token the
/// character field has there, so an index may keep it in one field only.
///
/// The classes are the context-free ones, which never call a separator a
/// word character: so when this says yes, the two characters stand in one
/// run in any text and the bigram is there. (The one context-dependent word
/// character, a `.` between digits, only ever makes this say no.)
///
/// ```
/// use zhsearch::analysis::is_bigram_word;
///
/// assert!(is_bigram_word("经济") && is_bigram_word("ab") && is_bigram_word("19"));
/// assert!(!is_bigram_word("经") && !is_bigram_word("经济学") && !is_bigram_word("a,") && !is_bigram_word("1."));
/// ```
pub fn is_bigram_word(word: &str) -> bool {
    let mut chars = word.chars();
    let is_word = |c: Option<char>| c.is_some_and(|c| class_of(c) != CharClass::Separator);
    is_word(chars.next()) && is_word(chars.next()) && chars.next().is_none()
}

/// Calls `emit(from, to)` with the character range of every char-level token.
pub(crate) fn for_each_gram(prepared: &Prepared, mut emit: impl FnMut(usize, usize)) {
    for (start, end) in prepared.word_runs() {
        for i in start..end - 1 {
            emit(i, i + 2);
        }
        emit(end - 1, end);
    }
}
