//! From the plan's groups to tantivy queries: one part per field a group
//! looks in, each with its boost; a branch whose every match is a full
//! match as tantivy's boolean query.

use tantivy::query::{Bm25Weight, BooleanQuery, BoostQuery, DisjunctionMaxQuery, EmptyQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Score, Term};

use super::super::parse::Scope;
use super::super::terms::Pattern;
use super::blocks::{Driver, DriverPart, Other};
use super::plan::{Branch, GroupSpec, Lookup};
use super::stats::Stats;
use super::union::{Group, GroupPart};
use crate::index::{FieldSet, Fields};

/// The text fields a search looks in: the index's fields, which of them
/// hold any terms, and the title's boost.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextFields {
    pub fields: Fields,
    pub present: FieldSet,
    pub title_boost: Score,
}

impl TextFields {
    /// The text fields of a scope, each with its boost, less those that
    /// hold no terms.
    pub(crate) fn of(&self, scope: Scope) -> Vec<(Field, Score)> {
        let all = [(self.fields.title, self.title_boost, Scope::Title), (self.fields.body, 1.0, Scope::Body)];
        all.into_iter()
            .filter(|(f, _, s)| (scope == Scope::All || scope == *s) && self.present.contains(*f))
            .map(|(f, b, _)| (f, b))
            .collect()
    }

    /// Whether `field` is one a clause of `scope` looks in.
    pub(crate) fn in_scope(&self, scope: Scope, field: Field) -> bool {
        match scope {
            Scope::All => true,
            Scope::Title => field == self.fields.title,
            Scope::Body => field == self.fields.body,
        }
    }

    /// A field's name, for explanations.
    pub(crate) fn name(&self, field: Field) -> &'static str {
        if field == self.fields.title {
            "title"
        } else if field == self.fields.body {
            "body"
        } else {
            "title (whole)"
        }
    }
}

/// One part of a group: its query, its boost, where it looks (for
/// explanations), and what it scores (for its bound).
pub(crate) struct Part {
    pub query: Box<dyn Query>,
    pub boost: Score,
    pub label: &'static str,
    /// The terms (a term, or a phrase's) each of its fields scores with
    /// BM25, with that field's boost inside the part.
    pub scored: Vec<(Vec<Term>, Score)>,
    /// The term, when the query is one term with frequencies.
    pub term: Option<Term>,
}

/// A spec's parts: one query per field of its scope, with its boost.
pub(crate) fn parts_of(spec: &GroupSpec, text: &TextFields) -> Vec<Part> {
    let terms =
        |pattern: &Pattern, field| pattern.tokens.iter().map(|(_, t)| Term::from_field_text(field, t)).collect();
    let mut parts: Vec<Part> = Vec::new();
    match &spec.lookup {
        Lookup::TitleKey(key) => {
            if text.present.contains(text.fields.title_key) {
                let term = Term::from_field_text(text.fields.title_key, key);
                let query = Box::new(TermQuery::new(term.clone(), IndexRecordOption::Basic));
                let scored = vec![(vec![term], 1.0)];
                parts.push(Part { query, boost: spec.weight, label: "title (whole)", scored, term: None });
            }
        }
        Lookup::Token(token) => {
            for (field, boost) in text.of(spec.scope) {
                let term = Term::from_field_text(field, token);
                let query = Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs));
                let scored = vec![(vec![term.clone()], 1.0)];
                let label = text.name(field);
                parts.push(Part { query, boost: spec.weight * boost, label, scored, term: Some(term) });
            }
        }
        Lookup::Pattern(pattern) => {
            for (field, boost) in text.of(spec.scope) {
                let scored = vec![(terms(pattern, field), 1.0)];
                let (query, label) = (pattern.query(field), text.name(field));
                parts.push(Part { query, boost: spec.weight * boost, label, scored, term: None });
            }
        }
        Lookup::Any(patterns) => {
            // One part per pattern, over the fields of the scope: the group
            // scores its best part (one of the spellings), each part the
            // sum over its fields.
            let in_fields = text.of(spec.scope);
            for (i, pattern) in patterns.iter().enumerate() {
                let field_parts: Vec<(Occur, Box<dyn Query>)> = in_fields
                    .iter()
                    .map(|&(field, boost)| {
                        (Occur::Should, Box::new(BoostQuery::new(pattern.query(field), boost)) as Box<dyn Query>)
                    })
                    .collect();
                if field_parts.is_empty() {
                    continue;
                }
                let scale = spec.scales.get(i).copied().unwrap_or(1.0);
                let label = if in_fields.len() == 1 { text.name(in_fields[0].0) } else { "title or body" };
                let query = Box::new(BooleanQuery::new(field_parts));
                let scored = in_fields.iter().map(|&(field, boost)| (terms(pattern, field), boost)).collect();
                parts.push(Part { query, boost: spec.weight * scale, label, scored, term: None });
            }
        }
    }
    parts
}

/// Whether [`parts_of`] has anything to look up, without building it.
pub(crate) fn has_parts(spec: &GroupSpec, text: &TextFields) -> bool {
    let has = match &spec.lookup {
        Lookup::TitleKey(_) => text.present.contains(text.fields.title_key),
        Lookup::Any(patterns) if patterns.is_empty() => false,
        _ => !text.of(spec.scope).is_empty(),
    };
    debug_assert_eq!(has, !parts_of(spec, text).is_empty(), "{}", spec.label);
    has
}

/// The ranked query's group for a spec.
pub(crate) fn to_group(spec: &GroupSpec, text: &TextFields, stats: &Stats<'_>) -> tantivy::Result<Group> {
    let parts = parts_of(spec, text);
    let best_only = matches!(spec.lookup, Lookup::Any(_));
    let bound = group_bound(&parts, best_only, stats)?;
    let parts = parts.into_iter().map(|p| GroupPart { query: p.query, boost: p.boost, term: p.term }).collect();
    Ok(Group { parts, role: spec.role, best_only, bound, covers: spec.covers.clone() })
}

/// The most a group of `parts` adds to any document's score, before the
/// coverage factor, for the pruning of the top hits (`scorer.rs`). Each
/// part scores terms or phrases with tantivy's BM25, whose
/// term-frequency factor stays below 1: a part adds at most its BM25
/// weight (idf × (1 + k1)) at its boosts. A group adds the sum of its
/// parts, or, for a word with variants (`best_only`), its best part. A
/// negative boost, which could lower a score, leaves the group without a
/// bound (infinite).
fn group_bound(parts: &[Part], best_only: bool, stats: &Stats<'_>) -> tantivy::Result<Score> {
    let mut bound: Score = 0.0;
    for part in parts {
        let mut most: Score = 0.0;
        for (terms, boost) in &part.scored {
            if part.boost < 0.0 || *boost < 0.0 {
                return Ok(Score::INFINITY);
            }
            if !terms.is_empty() {
                // A term frequency so large its factor rounds to 1, in the
                // shortest field: the weight, as tantivy computes it from
                // the same statistics.
                most += Bm25Weight::for_terms(stats, terms)?.boost_by(*boost).score(0, u32::MAX);
            }
        }
        let most = most * part.boost;
        bound = if best_only { bound.max(most) } else { bound + most };
    }
    Ok(if bound.is_nan() { Score::INFINITY } else { bound })
}

/// The branch as tantivy's boolean query, for when every match must have
/// every word and quoted text: those must match, the other units add their
/// scores where they match, the exclusions must not. Its scores are the
/// ranked query's (the coverage factor of a full match is 1).
pub(crate) fn strict_query(branch: &Branch, text: &TextFields) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for spec in &branch.groups {
        let mut parts: Vec<Box<dyn Query>> = parts_of(spec, text)
            .into_iter()
            .map(|p| Box::new(BoostQuery::new(p.query, p.boost)) as Box<dyn Query>)
            .collect();
        let any: Box<dyn Query> = match parts.len() {
            0 => Box::new(EmptyQuery),
            _ if matches!(spec.lookup, Lookup::Any(_)) => Box::new(DisjunctionMaxQuery::new(parts)),
            1 => parts.remove(0),
            _ => Box::new(BooleanQuery::new(parts.into_iter().map(|q| (Occur::Should, q)).collect())),
        };
        let occur = if spec.role.word || spec.role.required { Occur::Must } else { Occur::Should };
        clauses.push((occur, any));
    }
    clauses.extend(branch.exclusions.iter().map(|q| (Occur::MustNot, q.box_clone())));
    Box::new(BooleanQuery::new(clauses))
}

/// The word that drives the skipping of blocks in a strict branch's
/// query (see `blocks.rs`): of the words and quoted texts every match must
/// have, one looked up as one token or one phrase in each field, the one
/// whose rarest terms are rarest; with the most the other groups add.
/// `None` when no such word exists, or when another group has no bound.
/// `filtered`: whether the search has filters.
pub(crate) fn strict_driver(
    branch: &Branch,
    text: &TextFields,
    stats: &Stats<'_>,
    filtered: bool,
) -> tantivy::Result<Option<Driver>> {
    let mut best: Option<(u64, usize, Vec<DriverPart>)> = None;
    for (i, spec) in branch.groups.iter().enumerate() {
        // The groups `strict_query` makes required, of one token or one
        // pattern (a phrase) a field.
        if !(spec.role.word || spec.role.required) || !matches!(spec.lookup, Lookup::Token(_) | Lookup::Pattern(_)) {
            continue;
        }
        // Every part must be bounded by its blocks, or the group cannot
        // drive (a part left out would score above the bound).
        let mut parts = Vec::new();
        let mut bounded = true;
        for part in parts_of(spec, text) {
            let made = match part.scored.as_slice() {
                [(terms, field_boost)] => DriverPart::new(terms, part.boost * field_boost, stats)?,
                _ => None,
            };
            match made {
                Some(made) => parts.push(made),
                None => bounded = false,
            }
        }
        let frequency: u64 = parts.iter().map(|p| p.doc_freq).sum();
        if bounded && !parts.is_empty() && best.as_ref().is_none_or(|(f, ..)| frequency < *f) {
            best = Some((frequency, i, parts));
        }
    }
    let Some((_, driver, parts)) = best else {
        return Ok(None);
    };
    let (mut rest, mut others): (Score, Vec<Other>) = (0.0, Vec::new());
    // Every document with a term matches only when the word is that term.
    let mut alone = !filtered && branch.exclusions.is_empty() && parts.iter().all(|p| p.single);
    for (_, spec) in branch.groups.iter().enumerate().filter(|(i, _)| *i != driver) {
        let best_only = matches!(spec.lookup, Lookup::Any(_));
        let group_parts = parts_of(spec, text);
        let bound = group_bound(&group_parts, best_only, stats)?;
        alone &= !(spec.role.word || spec.role.required);
        // A group of one term a field (a word, the title that is the query)
        // adds only where its terms are.
        let terms: Vec<Term> = group_parts
            .iter()
            .flat_map(|p| &p.scored)
            .filter_map(|(terms, _)| match terms.as_slice() {
                [term] => Some(term.clone()),
                _ => None,
            })
            .collect();
        let one_term_each = group_parts.iter().all(|p| matches!(p.scored.as_slice(), [(terms, _)] if terms.len() == 1));
        match (best_only, one_term_each) {
            (false, true) => others.push(Other { terms, bound }),
            _ => rest += bound,
        }
    }
    let bounded = rest.is_finite() && others.iter().all(|o| o.bound.is_finite());
    Ok(bounded.then_some(Driver { parts, others, rest, alone }))
}
