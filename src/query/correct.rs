//! Did you mean: the typos of pinyin input methods.
//!
//! A user who types pinyin and picks the wrong candidate writes a word
//! that sounds right and is not one: `制才` for 制裁, `经点` for 景点.
//! Character edit distance, which is how other engines tolerate typos,
//! fits Latin words and not two-character Chinese ones (every
//! two-character word is one edit from thousands). So a correction here
//! is a word of jieba's dictionary that sounds the same, toneless, with
//! one or two characters different, and that documents have; the best is
//! the one the most documents have, as Baidu checks same-sound candidates
//! against a vocabulary.
//!
//! Only a word that jieba's dictionary lacks (jieba guessed it) and that
//! no document has is corrected: `张芸` stays 张芸 where
//! a document has it, however common 张云 is. A single character is never
//! corrected (懂 is not a typo for 东; it is a query for 懂).

use crate::analysis::pinyin::Lexicon;
use crate::analysis::Analyzer;

use super::terms::{Clause, Pattern};

/// How many candidates of a word are weighed.
const CANDIDATES: usize = 20;
/// How many corrected queries are offered.
const OFFERED: usize = 3;

/// The query with each word no document has replaced by the words that
/// sound the same and that documents have, best first; empty when every
/// word is in the index. `has` says whether the index has a word, `docs`
/// how many documents do.
pub(crate) fn corrections(
    analyzer: &Analyzer,
    query: &str,
    branches: &[Vec<Clause>],
    has: &dyn Fn(&Pattern) -> bool,
    docs: &dyn Fn(&Pattern) -> u64,
) -> Vec<String> {
    // Each word to correct, with its candidates, best first.
    let mut fixes: Vec<(String, Vec<String>)> = Vec::new();
    for clause in branches.iter().flatten() {
        if clause.negated || clause.quoted || !clause.sounds_like.is_empty() {
            continue;
        }
        for word in &clause.words {
            let han = word.text.chars().all(crate::analysis::normalize::is_han);
            if !han || word.text.chars().count() < 2 || fixes.iter().any(|(w, _)| *w == word.text) {
                continue;
            }
            // A word of jieba's dictionary is a word, not a slip of the
            // input method (whose wrong picks are not words: 制才, 经点);
            // and looking up every word of every query would cost a phrase
            // search each. Only a word jieba guessed is looked up.
            if analyzer.knows_word(&word.text) || has(word) {
                continue;
            }
            let mut candidates: Vec<(u64, String)> = Lexicon::get()
                .homophones(&word.text, CANDIDATES)
                .into_iter()
                .filter_map(|c| {
                    let pattern = Pattern::of_text(analyzer, c)?;
                    let n = docs(&pattern);
                    (n > 0).then(|| (n, c.to_owned()))
                })
                .collect();
            // The most documents first; the lexicon's order (the most
            // common word first) breaks ties, as the sort is stable.
            candidates.sort_by_key(|c| std::cmp::Reverse(c.0));
            if !candidates.is_empty() {
                fixes.push((word.text.clone(), candidates.into_iter().map(|(_, c)| c).collect()));
            }
        }
    }
    if fixes.is_empty() {
        return Vec::new();
    }
    // The words are folded (Simplified, lowercase): so is the query they
    // are replaced in.
    let folded = analyzer.fold(query);
    let mut out: Vec<String> = Vec::new();
    for k in 0..OFFERED {
        let mut corrected = folded.clone();
        for (word, candidates) in &fixes {
            let candidate = candidates.get(k).or(candidates.last());
            if let Some(candidate) = candidate {
                corrected = corrected.replacen(word.as_str(), candidate, 1);
            }
        }
        if corrected != folded && !out.contains(&corrected) {
            out.push(corrected);
        }
    }
    out
}
