//! The ranking: how a query becomes a scored search, which documents
//! count as matches, and why a hit scored what it did.
//!
//! This module is the one place that knows the ranking model. It turns the
//! analyzed query ([`super::terms`]) into a tantivy query ([`Ranking::query`]),
//! adds the score of the query's pairs to the best hits after the search
//! ([`Ranking::rescore`]), tells whether a hit has every word
//! ([`Ranking::inspect`]), counts the full matches, and explains a score.
//!
//! # The model
//!
//! An unquoted query is evidence, not a conjunction. Its text is cut into
//! the units the index holds (see [`super::terms`]), and a document scores
//! BM25 for each unit it has, in the title ([`TITLE_BOOST`] times) and in
//! the body:
//!
//! - every character ([`CHAR_WEIGHT`]) and Latin word or number
//!   ([`PAIR_WEIGHT`]): how much of the query a document covers, the rarer
//!   characters counting more;
//! - every dictionary bigram of characters side by side ([`PAIR_WEIGHT`]);
//! - every other pair of characters side by side ([`PAIR_WEIGHT`]), and the
//!   pair that two clauses make where the text has them written together:
//!   the query's parts in order and close together. The index has these as
//!   two neighbouring characters, so their score is computed from the
//!   positions of the best [`RESCORE_WINDOW`] hits after the search, as
//!   Elasticsearch's rescore does, and their document frequency is counted
//!   exactly;
//! - a quoted text, as a phrase ([`PHRASE_WEIGHT`]);
//! - a title that is exactly the query ([`TITLE_EXACT_BOOST`]).
//!
//! Characters count for less than pairs because they say less: two texts
//! about different things share many characters, and few pairs. A
//! document that lacks one word still ranks by everything else it has.
//!
//! # Which documents match
//!
//! Under [`Matching::Relaxed`] (the default) the query's *units of
//! matching* are: each clause that is one word (after jieba's cut), as a
//! whole; each character or Latin word of a clause of several words; and
//! each quoted text. A document matches when it has at least a third of
//! them (rounded up), and every quoted text. So `经济 改革` finds documents
//! with either word, a one-word query finds the word, and a 30-character
//! sentence finds the documents that share at least ten of its characters,
//! which keeps `total`, facets and paging meaningful without leaving
//! a reader's description, written in other words, with nothing (half was
//! that strict; BENCHMARKS.md has the figures). Under [`Matching::All`], and in
//! each branch of a query with `OR`, a document must have every word (each
//! as a substring) and every quoted text. Exclusions and filters hold for
//! both.
//!
//! A document with every word and every quoted text is a *full match*.
//!
//! [`Matching::Relaxed`]: super::Matching::Relaxed
//! [`Matching::All`]: super::Matching::All

pub(crate) mod union;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tantivy::postings::Postings;
use tantivy::query::{AllQuery, Bm25Weight, BooleanQuery, BoostQuery, EnableScoring, Occur, PhraseQuery, Query};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, Term};

use super::explain::Explanation;
use super::parse::Scope;
use super::terms::{Clause, Pair, Pattern};
use crate::index::{FieldSet, Fields};
use union::{Counts, Group, RankedQuery, Rule};

/// How much more a match in the title weighs than one in the body.
pub const TITLE_BOOST: f32 = 2.0;
/// The weight of a character's score.
pub const CHAR_WEIGHT: f32 = 0.5;
/// The weight of a bigram's, a pair's, a Latin word's score.
pub const PAIR_WEIGHT: f32 = 1.0;
/// The weight of a quoted text's score.
pub const PHRASE_WEIGHT: f32 = 1.0;
/// How much of a document's score depends on how many of the query's
/// words it has: its units' scores are multiplied by `1 - c + c × (words it
/// has / words of the query)`. A document that lacks a word still ranks by
/// everything else it has, but below one as good that has every word.
pub const COVERAGE_WEIGHT: f32 = 0.4;
/// The weight of the bonus for a title that is exactly the query.
pub const TITLE_EXACT_BOOST: f32 = 3.0;
/// How many of the best hits the pairs are scored for.
///
/// A pair is two characters side by side, a phrase of two posting lists
/// that are long (characters are common), and its positions would be read
/// in every document that has both characters; for the best hits it is a
/// seek per hit. A document beyond the window never gets the pairs'
/// score, whatever page is asked for, so pages walk one order.
pub const RESCORE_WINDOW: usize = 100;

/// The statistics BM25 is computed from: tantivy's, except that a term of
/// the title or the body has the document frequency of the more common of
/// the two, as in BM25F.
///
/// tantivy computes a term's idf per field. Titles are short, so nearly
/// every character is rare among titles: `属` was in 9 of 1,139 help
/// pages' titles and in 190 bodies, and a query that merely shared two
/// characters with a title outscored the page it described. A unit is as
/// telling in the title as in the body; the title's weight is
/// [`TITLE_BOOST`] and the shortness of titles, not a rarer idf.
pub(crate) struct JointStats<'a> {
    searcher: &'a Searcher,
    title: Field,
    body: Field,
}

impl tantivy::query::Bm25StatisticsProvider for JointStats<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        self.searcher.total_num_tokens(field)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.searcher.total_num_docs()
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        let field = term.field();
        if field != self.title && field != self.body {
            return self.searcher.doc_freq(term);
        }
        let value = term.value();
        let Some(text) = value.as_str() else { return self.searcher.doc_freq(term) };
        let mut max = 0;
        for f in [self.title, self.body] {
            max = max.max(self.searcher.doc_freq(&Term::from_field_text(f, text))?);
        }
        Ok(max)
    }
}

/// What a group looks up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Lookup {
    /// One index token.
    Token(String),
    /// An exact pattern of tokens.
    Pattern(Pattern),
    /// The folded title without separators.
    TitleKey(String),
}

/// A group of the ranked query, as the ranking describes it.
#[derive(Debug, Clone)]
struct GroupSpec {
    /// What it is, for explanations (`贫困`, `word 贫困县`).
    label: String,
    lookup: Lookup,
    scope: Scope,
    weight: f32,
    counts: Counts,
}

/// A pair scored after the search.
#[derive(Debug, Clone)]
struct PairSpec {
    pair: Pair,
    scope: Scope,
}

/// One branch of the query, planned.
#[derive(Debug, Default)]
struct Branch {
    groups: Vec<GroupSpec>,
    pairs: Vec<PairSpec>,
    exclusions: Vec<Box<dyn Query>>,
}

impl Branch {
    /// The group looking up `lookup` in `scope`, added if new.
    fn group(&mut self, label: impl Into<String>, lookup: Lookup, scope: Scope, weight: f32) -> &mut GroupSpec {
        let i = match self.groups.iter().position(|g| g.lookup == lookup && g.scope == scope) {
            Some(i) => i,
            None => {
                let label = label.into();
                self.groups.push(GroupSpec { label, lookup, scope, weight, counts: Counts::default() });
                self.groups.len() - 1
            }
        };
        &mut self.groups[i]
    }

    fn rule(&self, all_words: bool) -> Rule {
        let count = |f: fn(&Counts) -> bool| self.groups.iter().filter(|g| f(&g.counts)).count() as u32;
        // A quoted text is a unit of matching that every match has.
        let units = count(|c| c.unit || c.required);
        Rule { min_units: units.div_ceil(3), words: count(|c| c.word), required: count(|c| c.required), all_words }
    }
}

/// A query planned for a search: what to run, and what the ranking needs
/// afterwards.
pub(crate) struct Ranking {
    fields: Fields,
    present: FieldSet,
    /// The branches (one unless the query has `OR`).
    branches: Vec<Branch>,
    all_words: bool,
    query: Box<dyn Query>,
    /// The full-match counter of a one-branch query.
    full_matches: Option<Arc<AtomicU64>>,
}

/// What the search needs to know to plan: the index's fields, which of
/// them hold terms, and the request's matching and filters.
pub(crate) struct Context<'a> {
    pub fields: Fields,
    pub present: FieldSet,
    pub all_words: bool,
    pub filters: Vec<Box<dyn Query>>,
    pub title_key: &'a dyn Fn(&str) -> String,
}

impl Ranking {
    /// Plans the query of `branches` (each a list of analyzed clauses), or
    /// `None` when it can match nothing.
    pub(crate) fn plan(branches: &[Vec<Clause>], ctx: Context<'_>) -> Option<Ranking> {
        let multi = branches.len() > 1;
        let all_words = ctx.all_words || multi;
        let mut planned: Vec<Branch> = Vec::new();
        let mut only_exclusions: Vec<Vec<Box<dyn Query>>> = Vec::new();
        for clauses in branches {
            let branch = plan_branch(clauses, &ctx, all_words);
            if branch.groups.is_empty() {
                if !branch.exclusions.is_empty() {
                    only_exclusions.push(branch.exclusions);
                }
            } else {
                planned.push(branch);
            }
        }
        if planned.is_empty() && only_exclusions.is_empty() {
            return None;
        }
        let filter_clauses = || -> Vec<(Occur, Box<dyn Query>)> {
            ctx.filters
                .iter()
                .map(|f| (Occur::Must, Box::new(BoostQuery::new(f.box_clone(), 0.0)) as Box<dyn Query>))
                .collect()
        };
        // A branch of exclusions only matches every document that none of
        // them matches.
        let everything_but = |exclusions: &[Box<dyn Query>]| -> Box<dyn Query> {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(AllQuery))];
            clauses.extend(exclusions.iter().map(|q| (Occur::MustNot, q.box_clone())));
            Box::new(BooleanQuery::new(clauses))
        };
        let ranked = |branch: &Branch, filters: Vec<Box<dyn Query>>| RankedQuery {
            groups: branch.groups.iter().map(|g| to_group(g, ctx.fields, ctx.present)).collect(),
            rule: branch.rule(all_words),
            exclusions: branch.exclusions.iter().map(|q| q.box_clone()).collect(),
            filters,
            full_matches: Arc::new(AtomicU64::new(0)),
        };
        let (query, full_matches): (Box<dyn Query>, _) = if planned.len() == 1 && only_exclusions.is_empty() {
            let q = ranked(&planned[0], ctx.filters.iter().map(|f| f.box_clone()).collect());
            let counter = q.full_matches.clone();
            (Box::new(q), Some(counter))
        } else {
            let mut union: Vec<(Occur, Box<dyn Query>)> =
                planned.iter().map(|b| (Occur::Should, Box::new(ranked(b, Vec::new())) as Box<dyn Query>)).collect();
            union.extend(only_exclusions.iter().map(|e| (Occur::Should, everything_but(e))));
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(BooleanQuery::new(union)))];
            clauses.extend(filter_clauses());
            (Box::new(BooleanQuery::new(clauses)), None)
        };
        Some(Ranking { fields: ctx.fields, present: ctx.present, branches: planned, all_words, query, full_matches })
    }

    /// The query to run, with the statistics of [`Ranking::stats`].
    pub(crate) fn query(&self) -> &dyn Query {
        self.query.as_ref()
    }

    /// The statistics to score with.
    pub(crate) fn stats<'a>(&self, searcher: &'a Searcher) -> JointStats<'a> {
        JointStats { searcher, title: self.fields.title, body: self.fields.body }
    }

    /// How many of the matches the last search found are full matches;
    /// `None` when every match is one (strict matching, `OR`).
    pub(crate) fn full_matches(&self) -> Option<u64> {
        match &self.full_matches {
            Some(counter) if !self.all_words => Some(counter.load(Ordering::Relaxed)),
            _ => None,
        }
    }

    /// Whether pairs are scored after the search.
    pub(crate) fn rescores(&self) -> bool {
        self.branches.len() == 1 && !self.branches[0].pairs.is_empty()
    }

    /// Adds the pairs' scores to `hits` and sorts them again, best first
    /// (ties by address, as tantivy orders them). Returns, per hit, the
    /// pairs it has and their scores, for explanations.
    pub(crate) fn rescore(
        &self,
        searcher: &Searcher,
        hits: &mut [(Score, DocAddress)],
    ) -> tantivy::Result<HashMap<DocAddress, Vec<(String, Score)>>> {
        let mut found: HashMap<DocAddress, Vec<(String, Score)>> = HashMap::new();
        if !self.rescores() {
            return Ok(found);
        }
        let branch = &self.branches[0];
        let mut order: Vec<(DocAddress, usize)> = hits.iter().enumerate().map(|(i, h)| (h.1, i)).collect();
        order.sort_unstable();
        let total_docs = searcher.num_docs();
        for (field, boost) in self.fields_of(Scope::All) {
            let pairs: Vec<&Pair> =
                branch.pairs.iter().filter(|p| in_scope(p.scope, field, &self.fields)).map(|p| &p.pair).collect();
            if pairs.is_empty() || total_docs == 0 {
                continue;
            }
            let tokens = tantivy::query::Bm25StatisticsProvider::total_num_tokens(searcher, field)?;
            let average = tokens as Score / total_docs as Score;
            let mut weights = Vec::with_capacity(pairs.len());
            for pair in &pairs {
                let mut df = 0;
                for (f, _) in self.fields_of(Scope::All) {
                    df = df.max(pair_doc_freq(searcher, f, pair)?);
                }
                weights.push(
                    (df > 0).then(|| Bm25Weight::for_one_term(df, total_docs, average).boost_by(boost * PAIR_WEIGHT)),
                );
            }
            for group in order.chunk_by(|a, b| a.0.segment_ord == b.0.segment_ord) {
                let segment = searcher.segment_reader(group[0].0.segment_ord);
                let docs: Vec<DocId> = group.iter().map(|(a, _)| a.doc_id).collect();
                let separator = crate::analysis::SEPARATOR_TOKEN.to_owned();
                let terms = pairs.iter().flat_map(|p| [&p.first, &p.second]).chain(std::iter::once(&separator));
                let positions = Positions::read(segment, field, terms, &docs)?;
                let norms = segment.get_fieldnorms_reader(field)?;
                for (k, &(address, i)) in group.iter().enumerate() {
                    for (pair, weight) in pairs.iter().zip(&weights) {
                        let Some(weight) = weight else { continue };
                        let tf = positions.side_by_side(pair, k);
                        if tf > 0 {
                            let score = weight.score(norms.fieldnorm_id(address.doc_id), tf);
                            hits[i].0 += score;
                            found
                                .entry(address)
                                .or_default()
                                .push((format!("{} in {}", pair.text(), field_name(field, &self.fields)), score));
                        }
                    }
                }
            }
        }
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(found)
    }

    /// Which groups a hit has: whether it is a full match, and (with
    /// `explain`) the explanation of its score, given the pairs' part.
    pub(crate) fn inspect(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        score: Score,
        pairs: Option<&[(String, Score)]>,
        explain: bool,
    ) -> tantivy::Result<(bool, Option<Explanation>)> {
        let segment = searcher.segment_reader(address.segment_ord);
        let stats = self.stats(searcher);
        let enabled = EnableScoring::enabled_from_statistics_provider(&stats, searcher);
        let mut full = false;
        let mut root = Explanation::new(score, "relevance: the sum of the parts below");
        for (b, branch) in self.branches.iter().enumerate() {
            let mut units = Explanation::new(0.0, "units of the query in the document (BM25 each)");
            let (mut n_units, mut n_words, mut n_required) = (0u32, 0u32, 0u32);
            for spec in &branch.groups {
                let counts = spec.counts;
                if !explain && !counts.word && !counts.required {
                    continue;
                }
                let mut matched = false;
                for (query, boost, field) in parts_of(spec, self.fields, self.present) {
                    let weight = query.weight(enabled)?;
                    let mut scorer = weight.scorer(segment, 1.0)?;
                    // `seek` must not go back: a scorer already past the
                    // document has it not.
                    if scorer.doc() > address.doc_id || scorer.seek(address.doc_id) != address.doc_id {
                        continue;
                    }
                    matched = true;
                    if explain && boost != 0.0 {
                        let value = scorer.score() * boost;
                        let bm25 = Explanation::bm25_summary(&weight.explain(segment, address.doc_id)?);
                        let e = Explanation::new(value, format!("{} in {field}: {boost} × {bm25}", spec.label));
                        units.value += value;
                        units.push(e);
                    }
                }
                if matched {
                    n_units += u32::from(counts.unit);
                    n_words += u32::from(counts.word);
                    n_required += u32::from(counts.required);
                }
            }
            let rule = branch.rule(self.all_words);
            let branch_full = n_words == rule.words && n_required == rule.required;
            full |= branch_full;
            if explain {
                let coverage = rule.coverage(n_words);
                let value = units.value * coverage;
                let mut node = if self.branches.len() > 1 {
                    Explanation::new(value, format!("branch {} of the OR: units × coverage", b + 1))
                } else {
                    Explanation::new(value, "units × coverage")
                };
                node.push(units);
                if rule.words > 0 {
                    node.push(Explanation::new(
                        coverage,
                        format!(
                            "coverage: 1 - {COVERAGE_WEIGHT} + {COVERAGE_WEIGHT} × {n_words} of the {} words",
                            rule.words
                        ),
                    ));
                }
                let mut matching = Explanation::new(0.0, "matching (adds nothing)");
                if !self.all_words {
                    let units_of = branch.groups.iter().filter(|g| g.counts.unit || g.counts.required).count();
                    matching.push(Explanation::new(
                        (n_units + n_required) as f32,
                        format!("units of matching present, of {units_of}; at least {} needed", rule.min_units),
                    ));
                }
                let verdict = if branch_full { "a full match" } else { "not a full match" };
                matching.push(Explanation::new(
                    (n_words + n_required) as f32,
                    format!("words and quoted texts present, of {}: {verdict}", rule.words + rule.required),
                ));
                node.push(matching);
                root.push(node);
            }
        }
        if explain {
            if let Some(pairs) = pairs.filter(|p| !p.is_empty()) {
                let total: Score = pairs.iter().map(|(_, s)| s).sum();
                let mut node = Explanation::new(total, "pairs side by side, scored for the best hits (BM25 each)");
                for (label, value) in pairs {
                    node.push(Explanation::new(*value, label.clone()));
                }
                root.push(node);
            } else if self.rescores() {
                root.push(Explanation::new(
                    0.0,
                    "pairs side by side: none in the document, or not among the best hits",
                ));
            }
        }
        Ok((full, explain.then_some(root)))
    }

    /// The text fields of a scope, each with its boost, less those that
    /// hold no terms.
    fn fields_of(&self, scope: Scope) -> Vec<(Field, Score)> {
        fields_of(scope, self.fields, self.present)
    }
}

fn fields_of(scope: Scope, fields: Fields, present: FieldSet) -> Vec<(Field, Score)> {
    let all = [(fields.title, TITLE_BOOST, Scope::Title), (fields.body, 1.0, Scope::Body)];
    all.into_iter()
        .filter(|(f, _, s)| (scope == Scope::All || scope == *s) && present.contains(*f))
        .map(|(f, b, _)| (f, b))
        .collect()
}

fn in_scope(scope: Scope, field: Field, fields: &Fields) -> bool {
    match scope {
        Scope::All => true,
        Scope::Title => field == fields.title,
        Scope::Body => field == fields.body,
    }
}

fn field_name(field: Field, fields: &Fields) -> &'static str {
    if field == fields.title {
        "title"
    } else if field == fields.body {
        "body"
    } else {
        "title (whole)"
    }
}

/// The ranked query's group for a spec.
fn to_group(spec: &GroupSpec, fields: Fields, present: FieldSet) -> Group {
    let parts = parts_of(spec, fields, present).into_iter().map(|(q, boost, _)| (q, boost)).collect();
    Group { parts, counts: spec.counts }
}

/// A spec's parts: one query per field of its scope, with its boost and
/// the field's name.
fn parts_of(spec: &GroupSpec, fields: Fields, present: FieldSet) -> Vec<(Box<dyn Query>, Score, &'static str)> {
    let mut parts: Vec<(Box<dyn Query>, Score, &'static str)> = Vec::new();
    match &spec.lookup {
        Lookup::TitleKey(key) => {
            if present.contains(fields.title_key) {
                let term = Term::from_field_text(fields.title_key, key);
                let query = tantivy::query::TermQuery::new(term, IndexRecordOption::Basic);
                parts.push((Box::new(query), spec.weight, "title (whole)"));
            }
        }
        Lookup::Token(token) => {
            for (field, boost) in fields_of(spec.scope, fields, present) {
                let term = Term::from_field_text(field, token);
                let query = tantivy::query::TermQuery::new(term, IndexRecordOption::WithFreqs);
                parts.push((Box::new(query), spec.weight * boost, field_name(field, &fields)));
            }
        }
        Lookup::Pattern(pattern) => {
            for (field, boost) in fields_of(spec.scope, fields, present) {
                parts.push((pattern.query(field), spec.weight * boost, field_name(field, &fields)));
            }
        }
    }
    parts
}

/// Plans one branch: its groups, its pairs, its exclusions.
fn plan_branch(clauses: &[Clause], ctx: &Context<'_>, all_words: bool) -> Branch {
    let mut branch = Branch::default();
    let mut together: Vec<&Clause> = Vec::new();
    for clause in clauses {
        if clause.negated {
            if let Some(q) = exclusion(clause, ctx) {
                branch.exclusions.push(q);
            }
            continue;
        }
        let scope = clause.scope;
        if clause.quoted {
            let label = format!("\"{}\"", clause.pattern.text);
            let g = branch.group(label, Lookup::Pattern(clause.pattern.clone()), scope, PHRASE_WEIGHT);
            g.counts.required = true;
            continue;
        }
        if clause.scope == Scope::All {
            together.push(clause);
        }
        // With one word, the word is the unit of matching; with several,
        // each character is.
        let one_word = clause.is_one_word() && !all_words;
        for unit in &clause.units {
            let weight = if unit.len > 1 { PAIR_WEIGHT } else { CHAR_WEIGHT };
            let g = branch.group(unit.text.clone(), Lookup::Token(unit.text.clone()), scope, weight);
            g.counts.unit |= !one_word;
        }
        for bigram in &clause.bigrams {
            branch.group(bigram.clone(), Lookup::Token(bigram.clone()), scope, PAIR_WEIGHT);
        }
        for word in &clause.words {
            let lookup = match word.single_token() {
                Some(token) => Lookup::Token(token.to_owned()),
                None => Lookup::Pattern(word.clone()),
            };
            let g = branch.group(format!("word {}", word.text), lookup, scope, 0.0);
            g.counts.word = true;
            g.counts.unit |= one_word;
        }
        for pair in &clause.pairs {
            branch.pairs.push(PairSpec { pair: pair.clone(), scope });
        }
    }
    // Clauses written apart that a document has together: the pair across
    // each gap, side by side or with separators between (`脱贫 攻坚` in
    // `脱贫攻坚` and in `脱贫，攻坚`); and a title that is the whole query.
    for w in together.windows(2) {
        if let (Some((_, last)), Some((first, _))) = (&w[0].ends, &w[1].ends) {
            for (gap, separated) in [(last.len, false), (last.len + 1, true)] {
                let pair = Pair { first: last.text.clone(), second: first.text.clone(), gap, separated };
                branch.pairs.push(PairSpec { pair, scope: Scope::All });
            }
        }
    }
    if !together.is_empty() {
        let text: String = together.iter().map(|c| c.pattern.text.as_str()).collect();
        let key = (ctx.title_key)(&text);
        if !key.is_empty() {
            branch.group("the title is the query", Lookup::TitleKey(key), Scope::Title, TITLE_EXACT_BOOST);
        }
    }
    branch.pairs.dedup_by(|a, b| a.pair == b.pair && a.scope == b.scope);
    branch
}

/// The documents a negated clause excludes: those with its quoted text, or
/// with every one of its words.
fn exclusion(clause: &Clause, ctx: &Context<'_>) -> Option<Box<dyn Query>> {
    let fields: Vec<Field> = fields_of(clause.scope, ctx.fields, ctx.present).into_iter().map(|(f, _)| f).collect();
    if fields.is_empty() {
        return None;
    }
    let anywhere = |p: &Pattern| -> Box<dyn Query> {
        Box::new(BooleanQuery::new(fields.iter().map(|f| (Occur::Should, p.query(*f))).collect()))
    };
    if clause.quoted || clause.words.is_empty() {
        return Some(anywhere(&clause.pattern));
    }
    Some(Box::new(BooleanQuery::new(clause.words.iter().map(|w| (Occur::Must, anywhere(w))).collect())))
}

/// How many documents have `pair` in `field`: exactly, as a phrase.
fn pair_doc_freq(searcher: &Searcher, field: Field, pair: &Pair) -> tantivy::Result<u64> {
    let mut terms =
        vec![(0, Term::from_field_text(field, &pair.first)), (pair.gap, Term::from_field_text(field, &pair.second))];
    if pair.separated {
        terms.insert(1, (pair.gap - 1, Term::from_field_text(field, crate::analysis::SEPARATOR_TOKEN)));
    }
    let weight = PhraseQuery::new_with_offset(terms).weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut count = 0u64;
    for segment in searcher.segment_readers() {
        count += u64::from(weight.count(segment)?);
    }
    Ok(count)
}

/// The positions of some terms in some documents of a segment.
struct Positions {
    /// (term, document index) → positions.
    at: HashMap<(String, usize), Vec<u32>>,
}

impl Positions {
    fn read<'a>(
        segment: &tantivy::SegmentReader,
        field: Field,
        terms: impl Iterator<Item = &'a String>,
        docs: &[DocId],
    ) -> tantivy::Result<Positions> {
        let index = segment.inverted_index(field)?;
        let mut at = HashMap::new();
        let mut seen: Vec<&String> = Vec::new();
        for text in terms {
            if seen.contains(&text) {
                continue;
            }
            seen.push(text);
            let term = Term::from_field_text(field, text);
            let Some(mut postings) = index.read_postings(&term, IndexRecordOption::WithFreqsAndPositions)? else {
                continue;
            };
            for (k, &doc) in docs.iter().enumerate() {
                if postings.doc() <= doc && postings.seek(doc) == doc {
                    let mut positions = Vec::new();
                    postings.positions(&mut positions);
                    at.insert((text.clone(), k), positions);
                }
            }
        }
        Ok(Positions { at })
    }

    /// How often document `k` has the pair: `second` `gap` positions after
    /// `first`, and a separator run just before `second` if the pair asks.
    fn side_by_side(&self, pair: &Pair, k: usize) -> u32 {
        let at = |t: &str| self.at.get(&(t.to_owned(), k));
        let (Some(a), Some(b)) = (at(&pair.first), at(&pair.second)) else {
            return 0;
        };
        let separators = if pair.separated {
            match at(crate::analysis::SEPARATOR_TOKEN) {
                Some(s) => Some(s),
                None => return 0,
            }
        } else {
            None
        };
        let gap = pair.gap as u32;
        let (mut i, mut j, mut n) = (0, 0, 0);
        while i < a.len() && j < b.len() {
            let want = a[i] + gap;
            match b[j].cmp(&want) {
                std::cmp::Ordering::Less => j += 1,
                std::cmp::Ordering::Greater => i += 1,
                std::cmp::Ordering::Equal => {
                    // Positions are sorted: a binary search finds the separator.
                    if separators.is_none_or(|s| s.binary_search(&(want - 1)).is_ok()) {
                        n += 1;
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        n
    }
}
