//! From the plan's groups to tantivy queries: one part per field a group
//! looks in, each with its boost; a branch whose every match is a full
//! match as tantivy's boolean query.

use tantivy::query::{Bm25Weight, BooleanQuery, BoostQuery, DisjunctionMaxQuery, EmptyQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Score, Term};

use super::super::parse::Scope;
use super::super::terms::Pattern;
use super::plan::{Branch, GroupSpec, Lookup};
use super::stats::Stats;
use super::union::Group;
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

/// One part of a group: its query, its boost, and where it looks (for
/// explanations).
pub(crate) struct Part {
    pub query: Box<dyn Query>,
    pub boost: Score,
    pub label: &'static str,
}

/// A spec's parts: one query per field of its scope, with its boost.
pub(crate) fn parts_of(spec: &GroupSpec, text: &TextFields) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    match &spec.lookup {
        Lookup::TitleKey(key) => {
            if text.present.contains(text.fields.title_key) {
                let term = Term::from_field_text(text.fields.title_key, key);
                let query = TermQuery::new(term, IndexRecordOption::Basic);
                parts.push(Part { query: Box::new(query), boost: spec.weight, label: "title (whole)" });
            }
        }
        Lookup::Token(token) => {
            for (field, boost) in text.of(spec.scope) {
                let query = TermQuery::new(Term::from_field_text(field, token), IndexRecordOption::WithFreqs);
                parts.push(Part { query: Box::new(query), boost: spec.weight * boost, label: text.name(field) });
            }
        }
        Lookup::Pattern(pattern) => {
            for (field, boost) in text.of(spec.scope) {
                parts.push(Part { query: pattern.query(field), boost: spec.weight * boost, label: text.name(field) });
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
                parts.push(Part { query, boost: spec.weight * scale, label });
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
    let parts = parts_of(spec, text).into_iter().map(|p| (p.query, p.boost)).collect();
    let bound = group_bound(spec, text, stats)?;
    Ok(Group { parts, role: spec.role, best_only: matches!(spec.lookup, Lookup::Any(_)), bound })
}

/// The most a spec's group adds to any document's score, before the
/// coverage factor, for the pruning of the top hits (`scorer.rs`). Each of
/// [`parts_of`]'s parts scores a term or a phrase with tantivy's BM25,
/// whose term-frequency factor stays below 1: a part adds at most its BM25
/// weight (idf × (1 + k1)) at its boost. A group adds the sum of its parts,
/// or, for a word with variants, its best part. A negative boost, which
/// could lower a score, leaves the group without a bound (infinite).
pub(crate) fn group_bound(spec: &GroupSpec, text: &TextFields, stats: &Stats<'_>) -> tantivy::Result<Score> {
    // The score of a term frequency so large its factor rounds to 1: the
    // weight, as tantivy computes it from the same statistics.
    let most = |terms: &[Term], boost: Score| -> tantivy::Result<Score> {
        if terms.is_empty() {
            return Ok(0.0);
        }
        Ok(Bm25Weight::for_terms(stats, terms)?.boost_by(boost).score(0, u32::MAX))
    };
    let pattern_terms = |pattern: &Pattern, field| {
        pattern.tokens.iter().map(|(_, t)| Term::from_field_text(field, t)).collect::<Vec<_>>()
    };
    let fields = text.of(spec.scope);
    if spec.weight < 0.0 || spec.scales.iter().any(|s| *s < 0.0) || fields.iter().any(|(_, b)| *b < 0.0) {
        return Ok(Score::INFINITY);
    }
    let mut bound: Score = 0.0;
    match &spec.lookup {
        Lookup::TitleKey(key) => {
            if text.present.contains(text.fields.title_key) {
                bound = most(&[Term::from_field_text(text.fields.title_key, key)], spec.weight)?;
            }
        }
        Lookup::Token(token) => {
            for &(field, boost) in &fields {
                bound += most(&[Term::from_field_text(field, token)], spec.weight * boost)?;
            }
        }
        Lookup::Pattern(pattern) => {
            for &(field, boost) in &fields {
                bound += most(&pattern_terms(pattern, field), spec.weight * boost)?;
            }
        }
        Lookup::Any(patterns) => {
            for (i, pattern) in patterns.iter().enumerate() {
                let scale = spec.scales.get(i).copied().unwrap_or(1.0);
                let mut part: Score = 0.0;
                for &(field, boost) in &fields {
                    part += most(&pattern_terms(pattern, field), boost)?;
                }
                bound = bound.max(part * spec.weight * scale);
            }
        }
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
