//! From a parsed query to tantivy queries.
//!
//! - An unquoted word matches a document that contains all of its
//!   segmented words (in the title or the body), or contains the word as a
//!   substring. A word of one character, or one jieba can only guess at
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

use super::parse::{Clause, Scope, Term};
use crate::analysis::Analyzer;
use crate::index::Fields;

/// Weight of a title match relative to a body match.
pub const TITLE_BOOST: f32 = 2.0;
/// Weight of the bonus for a branch's words standing together.
pub const TOGETHER_BOOST: f32 = 1.5;

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
        let mut toks = analyzer.char_tokens(text);
        // A run's final unigram after a bigram adds nothing: the bigram
        // already says which character is there.
        if toks.len() >= 2 {
            let (last, prev) = (&toks[toks.len() - 1], &toks[toks.len() - 2]);
            if last.text.chars().count() == 1 && prev.text.chars().count() == 2 && prev.position + 1 == last.position {
                toks.pop();
            }
        }
        let first = toks.first()?.position;
        Some(CharPattern { tokens: toks.into_iter().map(|t| (t.position - first, t.text)).collect() })
    }

    /// Whether the last token is one character, matched as a prefix.
    pub(crate) fn ends_in_prefix(&self) -> bool {
        self.tokens.last().is_some_and(|(_, t)| t.chars().count() == 1)
    }

    fn query(&self, field: Field) -> Box<dyn Query> {
        let terms: Vec<(usize, tantivy::Term)> =
            self.tokens.iter().map(|(p, t)| (*p, tantivy::Term::from_field_text(field, t))).collect();
        if self.ends_in_prefix() {
            let mut q = PhrasePrefixQuery::new_with_offset(terms);
            // Every bigram that starts with the character must count, or
            // recall depends on how many there are.
            q.set_max_expansions(u32::MAX);
            Box::new(q)
        } else if terms.len() == 1 {
            Box::new(TermQuery::new(terms[0].1.clone(), IndexRecordOption::WithFreqs))
        } else {
            Box::new(PhraseQuery::new_with_offset(terms))
        }
    }
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
}

/// A clause made into a query, with what it contributes to highlighting.
pub(crate) struct BuiltClause {
    pub query: Box<dyn Query>,
    pub negated: bool,
    /// For the together-bonus: the clause's text, if it is an unquoted
    /// word over both fields.
    pub together_text: Option<String>,
}

impl Builder<'_> {
    fn field_pairs(&self, scope: Scope) -> Vec<(Field, Field, f32)> {
        let f = &self.fields;
        let title = (f.title, f.title_chars, TITLE_BOOST);
        let body = (f.body, f.body_chars, 1.0);
        match scope {
            Scope::All => vec![title, body],
            Scope::Title => vec![title],
            Scope::Body => vec![body],
        }
    }

    /// The query for one clause, or `None` if it has nothing to match
    /// (only punctuation, only stop words).
    pub fn clause(&self, clause: &Clause, highlights: &mut Highlights) -> Option<BuiltClause> {
        let pairs = self.field_pairs(clause.scope);
        let text = clause.term.text();
        let pattern = CharPattern::new(self.analyzer, text)?;
        let substring = |pattern: &CharPattern| -> Box<dyn Query> {
            union(pairs.iter().map(|(_, chars, boost)| boosted(pattern.query(*chars), *boost)).collect())
        };
        let query = match &clause.term {
            Term::Phrase(_) => {
                if !clause.negated {
                    highlights.patterns.push(pattern.clone());
                }
                substring(&pattern)
            }
            Term::Word(_) => {
                let words = self.analyzer.analyze_query(text);
                if words.is_empty() {
                    // Only stop words (and separators): nothing to look for.
                    return None;
                }
                let word_chars = pattern.tokens.len();
                let single_char = word_chars == 1 && pattern.tokens[0].1.chars().count() == 1;
                let guessed = words.iter().any(|w| {
                    w.text.chars().any(crate::analysis::normalize::is_han) && !self.analyzer.knows_word(&w.text)
                });
                if !clause.negated {
                    highlights.patterns.push(pattern.clone());
                }
                if single_char || guessed {
                    substring(&pattern)
                } else {
                    if !clause.negated {
                        highlights.words.extend(words.iter().map(|w| w.text.clone()));
                    }
                    let all_words: Vec<Box<dyn Query>> = words
                        .iter()
                        .map(|w| {
                            union(
                                pairs
                                    .iter()
                                    .map(|(word_field, _, boost)| {
                                        let term = tantivy::Term::from_field_text(*word_field, &w.text);
                                        boosted(Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)), *boost)
                                    })
                                    .collect(),
                            )
                        })
                        .collect();
                    union(vec![intersection(all_words), substring(&pattern)])
                }
            }
        };
        let together_text = match (&clause.term, clause.scope, clause.negated) {
            (Term::Word(t), Scope::All, false) => Some(t.clone()),
            _ => None,
        };
        Some(BuiltClause { query, negated: clause.negated, together_text })
    }

    /// The bonus query for a branch whose words stand together.
    pub fn together(&self, texts: &[&str]) -> Option<Box<dyn Query>> {
        if texts.len() < 2 {
            return None;
        }
        let joined: String = texts.concat();
        let pattern = CharPattern::new(self.analyzer, &joined)?;
        let pairs = self.field_pairs(Scope::All);
        Some(boosted(
            union(pairs.iter().map(|(_, chars, boost)| boosted(pattern.query(*chars), *boost)).collect()),
            TOGETHER_BOOST,
        ))
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
