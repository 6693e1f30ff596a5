//! From a parsed query to tantivy queries.
//!
//! - An unquoted word matches a document that contains all of its
//!   segmented words (in the title or the body), or contains the word as a
//!   substring. (A segmented word that is a two-character dictionary word
//!   counts wherever its two characters stand together: the index keeps
//!   such words in the character fields only; see [`crate::index::schema`].)
//!   A word of one
//!   character, or one jieba can only guess at
//!   (its pieces are not dictionary words), matches as a substring only:
//!   the pieces of a guess are not reliably the pieces the same characters
//!   got in the document.
//! - A quoted text matches through the character fields, exactly; see
//!   [`crate::analysis`] for the rule on separators inside quotes.
//! - Matches in the title weigh [`TITLE_BOOST`] times more; a document in
//!   which the words of a branch stand together as one string gets a bonus
//!   ([`TOGETHER_BOOST`]) over one where they are scattered.

use std::collections::HashSet;

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Searcher;

use super::parse::{Clause, Scope, Term};
use crate::analysis::Analyzer;
use crate::index::{FieldSet, Fields};

/// Weight of a title match relative to a body match.
pub const TITLE_BOOST: f32 = 2.0;
/// Weight of the bonus for a branch's words standing together.
pub const TOGETHER_BOOST: f32 = 1.5;
/// Weight of the bonus for a title that is exactly the query.
pub const TITLE_EXACT_BOOST: f32 = 3.0;

/// A substring pattern: the char-level tokens of a query text, with
/// positions relative to the first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CharPattern {
    /// (relative position, token text); the last one matches as a prefix
    /// when it is a single character.
    pub tokens: Vec<(usize, String)>,
}

impl CharPattern {
    pub(crate) fn new(analyzer: &Analyzer, text: &str) -> Option<CharPattern> {
        let toks = analyzer.char_tokens(text);
        // A single character right after a bigram adds nothing: the bigram
        // says which character stands there, the next position's token says
        // that another word character follows (or the separator token that
        // a separator does), and which token the document has at that
        // place follows from those two characters. Leaving it out spares a
        // long posting list (its positions) in every phrase. Kept: the one
        // before the final prefix, which tantivy's phrase-prefix query
        // needs right before it.
        let single = |i: usize| toks[i].text.chars().count() == 1;
        let after_bigram = |i: usize| i > 0 && toks[i - 1].text.chars().count() == 2;
        let mut keep: Vec<bool> = (0..toks.len()).map(|i| !(single(i) && after_bigram(i))).collect();
        if let Some(last) = keep.iter().rposition(|&k| k) {
            if last >= 1 && single(last) {
                keep[last - 1] = true;
            }
        }
        let first = toks.first()?.position;
        Some(CharPattern {
            tokens: toks.into_iter().zip(keep).filter(|(_, k)| *k).map(|(t, _)| (t.position - first, t.text)).collect(),
        })
    }

    /// Whether the last token is one character, matched as a prefix.
    pub(crate) fn ends_in_prefix(&self) -> bool {
        self.tokens.last().is_some_and(|(_, t)| t.chars().count() == 1)
    }

    fn query(&self, field: Field, searcher: &Searcher) -> tantivy::Result<Box<dyn Query>> {
        let terms: Vec<(usize, tantivy::Term)> =
            self.tokens.iter().map(|(p, t)| (*p, tantivy::Term::from_field_text(field, t))).collect();
        // `new` never makes an empty pattern.
        let Some((_, last)) = self.tokens.last() else { return Ok(Box::new(EmptyQuery)) };
        // Every position of a pattern has its token (a separator run has
        // one too), so the prefix always follows the term before it
        // directly, as tantivy's phrase-prefix scorer requires.
        Ok(if self.ends_in_prefix() {
            // Every token that starts with the character must count, or
            // recall would depend on how many there are. After a term,
            // tantivy allocates room for `max_expansions` up front, so it
            // gets the true count; a prefix alone is read as a term range
            // that allocates nothing per term, so counting would only walk
            // the range twice.
            let expansions = if terms.len() == 1 {
                u32::MAX
            } else {
                u32::try_from(prefix_terms(searcher, field, last)?.len()).unwrap_or(u32::MAX).max(1)
            };
            let mut q = PhrasePrefixQuery::new_with_offset(terms);
            q.set_max_expansions(expansions);
            Box::new(q)
        } else if terms.len() == 1 {
            Box::new(TermQuery::new(terms[0].1.clone(), IndexRecordOption::WithFreqs))
        } else {
            Box::new(PhraseQuery::new_with_offset(terms))
        })
    }
}

/// The distinct terms of `field` that start with `prefix`, over all segments.
fn prefix_terms(searcher: &Searcher, field: Field, prefix: &str) -> tantivy::Result<Vec<String>> {
    // Terms are UTF-8: everything starting with `prefix` sorts before the
    // prefix with its last character's successor.
    let mut end = prefix.to_owned();
    let last = end.pop();
    let next = last.and_then(|c| (c as u32 + 1..=0x10FFFF).find_map(char::from_u32));
    let mut found = std::collections::BTreeSet::new();
    for segment in searcher.segment_readers() {
        let index = segment.inverted_index(field)?;
        let terms = index.terms();
        let range = terms.range().ge(prefix.as_bytes());
        let mut stream = match next {
            Some(n) => {
                end.push(n);
                let s = range.lt(end.as_bytes()).into_stream()?;
                end.pop();
                s
            }
            None => range.into_stream()?,
        };
        while stream.advance() {
            // Text fields hold UTF-8; a key that is not would match nothing.
            if let Ok(term) = std::str::from_utf8(stream.key()) {
                if !found.contains(term) {
                    found.insert(term.to_owned());
                }
            }
        }
    }
    Ok(found.into_iter().collect())
}

/// What to highlight in a hit.
#[derive(Debug, Default, Clone)]
pub(crate) struct Highlights {
    /// Word tokens (folded) of the positive words.
    pub words: HashSet<String>,
    /// Substring patterns of the positive words and quoted texts.
    pub patterns: Vec<CharPattern>,
}

/// Builds tantivy queries for clauses.
pub(crate) struct Builder<'a> {
    pub analyzer: &'a Analyzer,
    pub fields: Fields,
    /// The searcher the queries will run on (prefix expansion counts terms).
    pub searcher: &'a Searcher,
    /// The fields that hold any terms; clauses on the others are left out.
    pub present: FieldSet,
}

/// A clause made into a query, with what it contributes to highlighting.
pub(crate) struct BuiltClause {
    pub query: Box<dyn Query>,
    pub negated: bool,
    /// For the together-bonus: the clause's text, if it is a positive
    /// clause over both fields.
    pub together_text: Option<String>,
}

impl Builder<'_> {
    fn field_pairs(&self, scope: Scope) -> Vec<(Field, Field, f32)> {
        let f = &self.fields;
        let title = (f.title, f.title_chars, TITLE_BOOST);
        let body = (f.body, f.body_chars, 1.0);
        let pairs = match scope {
            Scope::All => vec![title, body],
            Scope::Title => vec![title],
            Scope::Body => vec![body],
        };
        // The word and character fields of a text are filled together.
        pairs
            .into_iter()
            .filter(|(words, chars, _)| self.present.contains(*words) || self.present.contains(*chars))
            .collect()
    }

    /// The query for one clause, or `None` if it has nothing to match
    /// (only punctuation, only stop words).
    pub fn clause(&self, clause: &Clause, highlights: &mut Highlights) -> tantivy::Result<Option<BuiltClause>> {
        let pairs = self.field_pairs(clause.scope);
        let text = clause.term.text();
        let Some(pattern) = CharPattern::new(self.analyzer, text) else { return Ok(None) };
        // The per-field parts of a substring match. Unions are kept flat
        // (one union of all parts rather than unions of unions) because
        // tantivy specializes a flat union of term queries, and every level
        // of nesting costs a buffered union per match.
        let substring_parts = |pattern: &CharPattern| -> tantivy::Result<Vec<Box<dyn Query>>> {
            let mut qs = Vec::new();
            for (_, chars, boost) in &pairs {
                qs.push(boosted(pattern.query(*chars, self.searcher)?, *boost));
            }
            Ok(qs)
        };
        let substring = |pattern: &CharPattern| Ok::<_, tantivy::TantivyError>(union(substring_parts(pattern)?));
        // A word that is one bigram is in the character fields only (see
        // `crate::index::schema`).
        let word_parts = |word: &str| -> Vec<Box<dyn Query>> {
            let bigram = self.analyzer.is_char_bigram(word);
            pairs
                .iter()
                .map(|(word_field, chars_field, boost)| {
                    let field = if bigram { chars_field } else { word_field };
                    let term = tantivy::Term::from_field_text(*field, word);
                    boosted(Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)), *boost)
                })
                .collect()
        };
        let query = match &clause.term {
            Term::Phrase(_) => {
                if !clause.negated {
                    highlights.patterns.push(pattern.clone());
                }
                substring(&pattern)?
            }
            Term::Word(_) => {
                let words = self.analyzer.analyze_query(text);
                if words.is_empty() {
                    // Only stop words (and separators): nothing to look for.
                    return Ok(None);
                }
                let word_chars = pattern.tokens.len();
                let single_char = word_chars == 1 && pattern.tokens[0].1.chars().count() == 1;
                let guessed = words.iter().any(|w| self.analyzer.is_guess(&w.text));
                if !clause.negated {
                    highlights.patterns.push(pattern.clone());
                }
                if single_char {
                    // The prefix expansion scores every match alike; the
                    // character as a word brings BM25 (and its preference
                    // for short fields) back.
                    let mut qs = substring_parts(&pattern)?;
                    qs.extend(words.iter().flat_map(|w| word_parts(&w.text)));
                    union(qs)
                } else if guessed {
                    substring(&pattern)?
                } else {
                    // A word that is a single bigram: its word query is its
                    // substring query (one term in the character fields), and
                    // its marks are the substring's marks, so the word pass
                    // of highlighting, a jieba run per hit, is spared too.
                    let one_bigram = matches!(words.as_slice(), [word] if self.analyzer.is_char_bigram(&word.text));
                    if !clause.negated && !one_bigram {
                        highlights.words.extend(words.iter().map(|w| w.text.clone()));
                    }
                    let mut qs = match words.as_slice() {
                        _ if one_bigram => Vec::new(),
                        [word] => word_parts(&word.text),
                        _ => vec![intersection(words.iter().map(|w| union(word_parts(&w.text))).collect())],
                    };
                    qs.extend(substring_parts(&pattern)?);
                    union(qs)
                }
            }
        };
        let together_text = match (clause.scope, clause.negated) {
            (Scope::All, false) => Some(text.to_owned()),
            _ => None,
        };
        Ok(Some(BuiltClause { query, negated: clause.negated, together_text }))
    }

    /// The bonus for a branch whose words stand together: written without
    /// separators (`脱贫 攻坚` as `脱贫攻坚`) in the title or the body, or
    /// with them in the title (a title such as `塞下曲 四`); and the bonus
    /// for a title that is exactly the query.
    ///
    /// The separated form is not looked for in the body: each phrase query
    /// opens the position lists of its terms in every segment, and the body
    /// variant was a third of a two-word search for no change in ranking
    /// (the Tang title MRR@10 stays 0.995 without it).
    ///
    /// The parts come separately: their scores add up, and a search that
    /// adds the bonus to its best hits afterwards checks each part on just
    /// those documents (`seek_danger`), which a union of them cannot do.
    pub fn together(&self, texts: &[&str]) -> tantivy::Result<Vec<Box<dyn Query>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let mut qs = Vec::new();
        let key = crate::index::schema::title_key(self.analyzer, &texts.concat());
        if !key.is_empty() && self.present.contains(self.fields.title_key) {
            let term = tantivy::Term::from_field_text(self.fields.title_key, &key);
            qs.push(boosted(Box::new(TermQuery::new(term, IndexRecordOption::Basic)), TITLE_EXACT_BOOST));
        }
        if texts.len() >= 2 {
            let spaced = texts.join(" ");
            for (joined, scope) in [(texts.concat(), Scope::All), (spaced, Scope::Title)] {
                let Some(pattern) = CharPattern::new(self.analyzer, &joined) else { continue };
                for (_, chars, boost) in self.field_pairs(scope) {
                    qs.push(boosted(pattern.query(chars, self.searcher)?, boost * TOGETHER_BOOST));
                }
            }
        }
        Ok(qs)
    }
}

pub(crate) fn boosted(q: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    if (boost - 1.0).abs() < f32::EPSILON {
        q
    } else {
        Box::new(BoostQuery::new(q, boost))
    }
}

/// Matches when any matches; scores add up.
pub(crate) fn union(mut qs: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match qs.len() {
        0 => Box::new(EmptyQuery),
        1 => qs.remove(0),
        _ => Box::new(BooleanQuery::new(qs.into_iter().map(|q| (Occur::Should, q)).collect())),
    }
}

/// Matches when all match.
pub(crate) fn intersection(mut qs: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match qs.len() {
        0 => Box::new(AllQuery),
        1 => qs.remove(0),
        _ => Box::new(BooleanQuery::new(qs.into_iter().map(|q| (Occur::Must, q)).collect())),
    }
}
