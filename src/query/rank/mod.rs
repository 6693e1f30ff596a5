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
//!   Elasticsearch's rescore does. The document frequency of a pair inside
//!   a clause is counted (see [`PAIR_SAMPLE_DOCS`]); the pair two clauses
//!   make scores as tantivy and Lucene score a phrase, with the sum of its
//!   tokens' idf;
//! - a quoted text, as a phrase ([`PHRASE_WEIGHT`]);
//! - a title that is exactly the query ([`TITLE_EXACT_BOOST`]);
//! - for a query of a sentence's length ([`PASSAGE_MIN_UNITS`]), the best
//!   passage: the window of the query's length, in the title or in the
//!   body, that holds the most of its units, weighed by their rarity
//!   ([`PASSAGE_WEIGHT`]). A description in other words still puts most
//!   of its characters in one sentence of the page it describes (or in its
//!   title), while a page that merely shares its words has them spread
//!   over several paragraphs. Like the pairs, it is computed from
//!   positions for the best hits.
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
/// The weight of the best passage: a window of the query's length, in the
/// title or the body (the better of the two), adds
/// `PASSAGE_WEIGHT × s × s / t`, where `s` sums the weighed idf
/// ([`CHAR_WEIGHT`], [`PAIR_WEIGHT`]) of the query's units in the window
/// and `t` that of all of them. The share `s / t` favours a passage that
/// has nearly all of the query over several that each have half.
pub const PASSAGE_WEIGHT: f32 = 8.0;
/// How many units (characters and Latin words) a query needs before its
/// best passage is scored. In a query of a few words the pairs already say
/// whether a document has them together; a passage is for a sentence.
pub const PASSAGE_MIN_UNITS: usize = 8;
/// How many of the best hits the pairs and the passage are scored for.
///
/// A pair is two characters side by side, a phrase of two posting lists
/// that are long (characters are common), and its positions would be read
/// in every document that has both characters; for the best hits it is a
/// seek per hit. A document beyond the window never gets the pairs' or
/// the passage's score, whatever page is asked for, so pages walk one
/// order.
pub const RESCORE_WINDOW: usize = 30;

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

impl<'a> JointStats<'a> {
    /// The statistics of `searcher`'s index, whose fields are `fields`.
    pub(crate) fn new(searcher: &'a Searcher, fields: Fields) -> JointStats<'a> {
        JointStats { searcher, title: fields.title, body: fields.body }
    }
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
    /// Any of these patterns: a word and its variants, scored by the best
    /// of them (see [`GroupSpec::scales`]).
    Any(Vec<Pattern>),
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
    /// For [`Lookup::Any`], each pattern's factor: a word and its variants
    /// score as one word, with one idf (the lowest of theirs, as Lucene's
    /// `SynonymQuery` takes the largest document frequency), so that a word
    /// with variants neither gains nor loses weight against one without.
    scales: Vec<f32>,
}

/// What the pairs and the passage added to the best hits, for
/// explanations.
#[derive(Debug, Default)]
pub(crate) struct Rescored {
    /// Whether the rescore ran (it does for the relevance order only).
    ran: bool,
    /// Per hit, each pair it has (its index in the branch's pairs), where,
    /// and its score.
    pairs: HashMap<DocAddress, Vec<PairScore>>,
    /// Per hit, its best passage (when it has one with any of the query).
    passages: HashMap<DocAddress, PassageScore>,
}

/// How a hit stands with one branch of the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// It has every word and quoted text of the branch.
    Full,
    /// It lacks some.
    Partial,
    /// The branch's exclusions shut it out (it matched another branch).
    Excluded,
}

/// A hit's best passage, scored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PassageScore {
    /// Where: the title or the body.
    field: Field,
    /// How many of the query's units the passage has.
    units: usize,
    /// Their weighed idf (`s`), and that of all the query's units (`t`).
    found: Score,
    total: Score,
    score: Score,
}

/// One pair's score in one hit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PairScore {
    pair: usize,
    field: Field,
    score: Score,
}

/// A pair scored after the search.
#[derive(Debug, Clone)]
struct PairSpec {
    pair: Pair,
    scope: Scope,
    /// Whether it is the pair two clauses make, which scores as a phrase.
    junction: bool,
}

/// The query as one passage: its units and how wide a window of a field
/// they are looked for in (see [`PASSAGE_WEIGHT`]).
#[derive(Debug, Default)]
struct PassageSpec {
    /// Each distinct unit.
    units: Vec<PassageUnit>,
    /// The query's length in positions.
    width: u32,
}

/// A unit of the passage.
#[derive(Debug)]
struct PassageUnit {
    token: String,
    weight: Score,
    /// The tokens that stand for it in a variant spelling of its word
    /// (`取` for the `中` of 选中, written 選取): a page that writes the
    /// word the other side's way has it in its passage too.
    stand_ins: Vec<String>,
}

/// One branch of the query, planned.
#[derive(Debug, Default)]
struct Branch {
    groups: Vec<GroupSpec>,
    pairs: Vec<PairSpec>,
    exclusions: Vec<Box<dyn Query>>,
    /// `None` for a query shorter than [`PASSAGE_MIN_UNITS`].
    passage: Option<PassageSpec>,
}

impl Branch {
    /// The group looking up `lookup` in `scope`, added if new.
    fn group(&mut self, label: impl Into<String>, lookup: Lookup, scope: Scope, weight: f32) -> &mut GroupSpec {
        // A unit that two clauses share is one group, weighed as the
        // heavier of the two asks.
        let i = match self.groups.iter().position(|g| g.lookup == lookup && g.scope == scope) {
            Some(i) => {
                self.groups[i].weight = self.groups[i].weight.max(weight);
                i
            }
            None => {
                let label = label.into();
                self.groups.push(GroupSpec {
                    label,
                    lookup,
                    scope,
                    weight,
                    counts: Counts::default(),
                    scales: Vec::new(),
                });
                self.groups.len() - 1
            }
        };
        &mut self.groups[i]
    }

    /// The branch as tantivy's boolean query, for when every match must
    /// have every word and quoted text ([`Rule::is_strict`]): those must
    /// match, the other units add their scores where they match, the
    /// exclusions must not. Its scores are the ranked query's (the
    /// coverage factor of a full match is 1).
    fn strict_query(&self, fields: Fields, present: FieldSet) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for spec in &self.groups {
            let parts: Vec<(Occur, Box<dyn Query>)> = parts_of(spec, fields, present)
                .into_iter()
                .map(|(q, boost, _)| (Occur::Should, Box::new(BoostQuery::new(q, boost)) as Box<dyn Query>))
                .collect();
            let any: Box<dyn Query> = match parts.len() {
                _ if matches!(spec.lookup, Lookup::Any(_)) && !parts.is_empty() => {
                    Box::new(tantivy::query::DisjunctionMaxQuery::new(parts.into_iter().map(|(_, q)| q).collect()))
                }
                0 => Box::new(tantivy::query::EmptyQuery),
                1 => parts.into_iter().map(|(_, q)| q).next().unwrap_or_else(|| Box::new(tantivy::query::EmptyQuery)),
                _ => Box::new(BooleanQuery::new(parts)),
            };
            let occur = if spec.counts.word || spec.counts.required { Occur::Must } else { Occur::Should };
            clauses.push((occur, any));
        }
        clauses.extend(self.exclusions.iter().map(|q| (Occur::MustNot, q.box_clone())));
        Box::new(BooleanQuery::new(clauses))
    }

    /// Whether every match must have every word and quoted text: strict
    /// matching, or relaxed matching whose units of matching are all words
    /// and all needed (a query of one word).
    fn is_strict(&self, all_words: bool) -> bool {
        // A third of the units, rounded up, is all of them for one unit.
        all_words
            || (self.rule().min_units >= self.units()
                && self.groups.iter().all(|g| !g.counts.unit || g.counts.word || g.counts.required))
    }

    /// How many units of matching the branch has (a quoted text is a unit
    /// of matching that every match has).
    fn units(&self) -> u32 {
        self.groups.iter().filter(|g| g.counts.unit || g.counts.required).count() as u32
    }

    /// Which documents match under relaxed matching; its counts of words
    /// and quoted texts also tell full matches under either matching.
    fn rule(&self) -> Rule {
        let count = |f: fn(&Counts) -> bool| self.groups.iter().filter(|g| f(&g.counts)).count() as u32;
        Rule { min_units: self.units().div_ceil(3), words: count(|c| c.word), required: count(|c| c.required) }
    }
}

/// A query planned for a search: what to run, and what the ranking needs
/// afterwards.
pub(crate) struct Ranking {
    fields: Fields,
    present: FieldSet,
    /// The branches (one unless the query has `OR`), less those of
    /// exclusions only.
    branches: Vec<Branch>,
    /// Whether the query is a union of branches (`OR`), a branch of
    /// exclusions only counted: a hit may then match one branch and be
    /// shut out of another by its exclusions.
    union: bool,
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
    /// The statistics scores are computed with (see [`Ranking::stats`]).
    pub stats: &'a dyn tantivy::query::Bm25StatisticsProvider,
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
            let mut branch = plan_branch(clauses, &ctx);
            // A unit that only scores and that no field holds (a title
            // bonus where no article has a title) is left out. (One that
            // decides matching stays: it can match nothing.)
            branch.groups.retain(|g| g.counts != Counts::default() || has_parts(g, ctx.fields, ctx.present));
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
            rule: branch.rule(),
            exclusions: branch.exclusions.iter().map(|q| q.box_clone()).collect(),
            filters,
            full_matches: Arc::new(AtomicU64::new(0)),
        };
        let (query, full_matches): (Box<dyn Query>, _) = if planned.len() == 1 && only_exclusions.is_empty() {
            let branch = &planned[0];
            if branch.is_strict(all_words) {
                // Every match is a full match: tantivy's own boolean query
                // is the same query, and faster.
                let mut clauses = vec![(Occur::Must, branch.strict_query(ctx.fields, ctx.present))];
                clauses.extend(filter_clauses());
                (Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>, None)
            } else {
                let q = ranked(branch, ctx.filters.iter().map(|f| f.box_clone()).collect());
                let counter = q.full_matches.clone();
                (Box::new(q) as Box<dyn Query>, Some(counter))
            }
        } else {
            let mut union: Vec<(Occur, Box<dyn Query>)> =
                planned.iter().map(|b| (Occur::Should, b.strict_query(ctx.fields, ctx.present))).collect();
            // A branch of exclusions only says which documents match, not
            // how well: it scores nothing (tantivy's `AllQuery` would add 1
            // to every document it lets through, a part no explanation has).
            union.extend(
                only_exclusions
                    .iter()
                    .map(|e| (Occur::Should, Box::new(BoostQuery::new(everything_but(e), 0.0)) as Box<dyn Query>)),
            );
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(BooleanQuery::new(union)))];
            clauses.extend(filter_clauses());
            (Box::new(BooleanQuery::new(clauses)), None)
        };
        let union = planned.len() + only_exclusions.len() > 1;
        Some(Ranking {
            fields: ctx.fields,
            present: ctx.present,
            branches: planned,
            union,
            all_words,
            query,
            full_matches,
        })
    }

    /// The query to run, with the statistics of [`Ranking::stats`].
    pub(crate) fn query(&self) -> &dyn Query {
        self.query.as_ref()
    }

    /// The statistics to score with.
    pub(crate) fn stats<'a>(&self, searcher: &'a Searcher) -> JointStats<'a> {
        JointStats::new(searcher, self.fields)
    }

    /// How many of the matches the last search found are full matches;
    /// `None` when every match is one (strict matching, `OR`, one word).
    pub(crate) fn full_matches(&self) -> Option<u64> {
        self.full_matches.as_ref().map(|counter| counter.load(Ordering::Relaxed))
    }

    /// Whether pairs or a passage are scored after the search.
    pub(crate) fn rescores(&self) -> bool {
        self.branches.len() == 1 && (!self.branches[0].pairs.is_empty() || self.branches[0].passage.is_some())
    }

    /// Adds the scores of the pairs and of the best passage to `hits` and
    /// sorts them again, best first (ties by address, as tantivy orders
    /// them). Returns what each hit gained, for explanations.
    pub(crate) fn rescore(&self, searcher: &Searcher, hits: &mut [(Score, DocAddress)]) -> tantivy::Result<Rescored> {
        let mut rescored = Rescored::default();
        if !self.rescores() {
            return Ok(rescored);
        }
        rescored.ran = true;
        let found = &mut rescored.pairs;
        let branch = &self.branches[0];
        let mut order: Vec<(DocAddress, usize)> = hits.iter().enumerate().map(|(i, h)| (h.1, i)).collect();
        order.sort_unstable();
        let stats = self.stats(searcher);
        let total_docs = tantivy::query::Bm25StatisticsProvider::total_num_docs(&stats)?;
        // A pair's count in the index (the costly part: it reads positions)
        // is the same whichever field's pass asks for it first.
        let mut counted: Vec<Option<u64>> = vec![None; branch.pairs.len()];
        // Each passage unit's weighed idf, the same in either field (the
        // statistics take the larger document frequency of the two), and
        // their sum `t`.
        let unit_idf: Vec<Score> = match &branch.passage {
            Some(passage) => passage
                .units
                .iter()
                .map(|unit| {
                    let term = Term::from_field_text(self.fields.body, &unit.token);
                    let df = tantivy::query::Bm25StatisticsProvider::doc_freq(&stats, &term)?;
                    // A unit no document has (a typing slip) would only
                    // shrink every hit's share alike.
                    Ok(if df == 0 { 0.0 } else { unit.weight * bm25_idf(df, total_docs) })
                })
                .collect::<tantivy::Result<_>>()?,
            None => Vec::new(),
        };
        let total: Score = unit_idf.iter().sum();
        for (field, boost) in self.fields_of(Scope::All) {
            // (index in the branch's pairs, pair) for the pairs of this field.
            let (indices, pairs): (Vec<usize>, Vec<&PairSpec>) =
                branch.pairs.iter().enumerate().filter(|(_, p)| in_scope(p.scope, field, &self.fields)).unzip();
            // The passage is looked for in each field, and a hit keeps the
            // better one: the title is a passage too, and a title the
            // query restates outweighs a body that merely uses its words.
            let passage = branch.passage.as_ref();
            if (pairs.is_empty() && passage.is_none()) || total_docs == 0 {
                continue;
            }
            // The window's best sum per hit.
            let mut best: Vec<(usize, Score)> = vec![(0, 0.0); hits.len()];
            let tokens = tantivy::query::Bm25StatisticsProvider::total_num_tokens(&stats, field)?;
            let average = tokens as Score / total_docs as Score;
            let norms = searcher
                .segment_readers()
                .iter()
                .map(|segment| segment.get_fieldnorms_reader(field))
                .collect::<tantivy::Result<Vec<_>>>()?;
            // How often each hit has each pair: `tf[p][i]`.
            let mut tf = vec![vec![0u32; hits.len()]; pairs.len()];
            for group in order.chunk_by(|a, b| a.0.segment_ord == b.0.segment_ord) {
                let segment = searcher.segment_reader(group[0].0.segment_ord);
                let docs: Vec<DocId> = group.iter().map(|(a, _)| a.doc_id).collect();
                let terms = pairs.iter().flat_map(|p| [&p.pair.first, &p.pair.second]).chain(
                    passage
                        .iter()
                        .flat_map(|p| p.units.iter().flat_map(|u| std::iter::once(&u.token).chain(&u.stand_ins))),
                );
                let positions = Positions::read(segment, field, terms, &docs)?;
                let mut separators = Separators::new(segment, field)?;
                for (k, &(address, i)) in group.iter().enumerate() {
                    for (p, spec) in pairs.iter().enumerate() {
                        tf[p][i] = positions.side_by_side(&spec.pair, k, address.doc_id, &mut separators);
                    }
                    if let Some(passage) = passage {
                        // A unit with stand-ins is wherever any of them is.
                        let lists: Vec<std::borrow::Cow<'_, [u32]>> = passage
                            .units
                            .iter()
                            .map(|unit| {
                                let own = positions.of(&unit.token, k);
                                if unit.stand_ins.is_empty() {
                                    return std::borrow::Cow::Borrowed(own);
                                }
                                let mut all = own.to_vec();
                                for other in &unit.stand_ins {
                                    all.extend_from_slice(positions.of(other, k));
                                }
                                all.sort_unstable();
                                all.dedup();
                                std::borrow::Cow::Owned(all)
                            })
                            .collect();
                        let lists: Vec<&[u32]> = lists.iter().map(|l| l.as_ref()).collect();
                        best[i] = best_window(&lists, &unit_idf, passage.width);
                    }
                }
            }
            for (p, spec) in pairs.iter().enumerate() {
                let have = tf[p].iter().filter(|&&n| n > 0).count() as u64;
                if have == 0 {
                    continue;
                }
                let weight = if spec.junction {
                    // Two clauses written together score as a phrase does
                    // in tantivy and Lucene: the sum of its tokens' idf.
                    let terms = [&spec.pair.first, &spec.pair.second].map(|t| Term::from_field_text(field, t));
                    Bm25Weight::for_terms(&stats, &terms)?
                } else {
                    // A pair inside a clause, counted in the index (see
                    // `PAIR_SAMPLE_DOCS`), and at least in the hits that have it.
                    let count = match counted[indices[p]] {
                        Some(count) => count,
                        None => {
                            let mut count = 0;
                            for (f, _) in self.fields_of(Scope::All) {
                                count = count.max(pair_doc_freq(searcher, f, &spec.pair)?);
                            }
                            *counted[indices[p]].insert(count)
                        }
                    };
                    Bm25Weight::for_one_term(count.max(have).min(total_docs), total_docs, average)
                }
                .boost_by(boost * PAIR_WEIGHT);
                for (&(_, address), &n) in hits.iter().zip(&tf[p]) {
                    if n == 0 {
                        continue;
                    }
                    let score = weight.score(norms[address.segment_ord as usize].fieldnorm_id(address.doc_id), n);
                    found.entry(address).or_default().push(PairScore { pair: indices[p], field, score });
                }
            }
            if total > 0.0 {
                for (&(_, address), &(units, s)) in hits.iter().zip(&best) {
                    if units > 0 {
                        let score = PASSAGE_WEIGHT * s * (s / total);
                        let found = PassageScore { field, units, found: s, total, score };
                        let kept = rescored.passages.entry(address).or_insert(found);
                        if score > kept.score {
                            *kept = found;
                        }
                    }
                }
            }
        }
        for hit in hits.iter_mut() {
            hit.0 += rescored.pairs.get(&hit.1).map_or(0.0, |parts| parts.iter().map(|p| p.score).sum());
            hit.0 += rescored.passages.get(&hit.1).map_or(0.0, |p| p.score);
        }
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(rescored)
    }

    /// For each hit: whether it is a full match, and (with `explain`) the
    /// explanation of its score, given what [`Ranking::rescore`] added.
    ///
    /// Each group's weight is made once and its scorer once per segment,
    /// then sought to the hits in document order: a weight per hit was a
    /// term-dictionary lookup each, a large part of a short search.
    pub(crate) fn inspect(
        &self,
        searcher: &Searcher,
        hits: &[(Score, DocAddress)],
        rescored: &Rescored,
        explain: bool,
    ) -> tantivy::Result<Vec<(bool, Option<Explanation>)>> {
        if !explain && self.full_matches.is_none() {
            // Every match is a full match.
            return Ok(hits.iter().map(|_| (true, None)).collect());
        }
        let stats = self.stats(searcher);
        // Without an explanation only presence counts: no statistics to
        // look up per unit.
        let enabled = if explain {
            EnableScoring::enabled_from_statistics_provider(&stats, searcher)
        } else {
            EnableScoring::disabled_from_searcher(searcher)
        };
        let mut order: Vec<(DocAddress, usize)> = hits.iter().enumerate().map(|(i, h)| (h.1, i)).collect();
        order.sort_unstable();
        // Per hit, per branch: (units, words, required) present, and the
        // explanation of each unit found.
        type Found = ([u32; 3], Explanation);
        let mut found: Vec<Vec<Found>> = hits
            .iter()
            .map(|_| {
                self.branches
                    .iter()
                    .map(|_| ([0; 3], Explanation::new(0.0, "units of the query in the document (BM25 each)")))
                    .collect()
            })
            .collect();
        for (b, branch) in self.branches.iter().enumerate() {
            for spec in &branch.groups {
                let counts = spec.counts;
                if !explain && !counts.word && !counts.required {
                    continue;
                }
                let mut matched = vec![false; hits.len()];
                // Each hit's explained parts of this group: all of them
                // count, or (a word and its variants) the best one.
                let mut parts_found: Vec<Vec<Explanation>> = vec![Vec::new(); hits.len()];
                for (query, boost, field) in parts_of(spec, self.fields, self.present) {
                    let weight = query.weight(enabled)?;
                    for group in order.chunk_by(|a, b| a.0.segment_ord == b.0.segment_ord) {
                        let segment = searcher.segment_reader(group[0].0.segment_ord);
                        let mut scorer = weight.scorer(segment, 1.0)?;
                        for &(address, i) in group {
                            let doc = address.doc_id;
                            // `seek` never goes back: a scorer past the
                            // document has it not.
                            if scorer.doc() > doc || scorer.seek(doc) != doc {
                                continue;
                            }
                            matched[i] = true;
                            if explain && boost != 0.0 {
                                let value = scorer.score() * boost;
                                let bm25 = Explanation::bm25_summary(&weight.explain(segment, doc)?);
                                parts_found[i].push(Explanation::new(
                                    value,
                                    format!("{} in {field}: {boost:.3} × {bm25}", spec.label),
                                ));
                            }
                        }
                    }
                }
                let best_only = matches!(spec.lookup, Lookup::Any(_));
                for (i, mut parts) in parts_found.into_iter().enumerate() {
                    if best_only && parts.len() > 1 {
                        parts.sort_by(|x, y| y.value.total_cmp(&x.value));
                        parts.truncate(1);
                    }
                    let units = &mut found[i][b].1;
                    for part in parts {
                        units.value += part.value;
                        units.push(part);
                    }
                }
                for (i, m) in matched.into_iter().enumerate() {
                    if m {
                        let n = &mut found[i][b].0;
                        n[0] += u32::from(counts.unit);
                        n[1] += u32::from(counts.word);
                        n[2] += u32::from(counts.required);
                    }
                }
            }
        }
        // Which hits each branch's exclusions shut out of that branch: a hit
        // of an `OR` may match one branch and be excluded from another.
        // (A query of one branch has no hit its exclusions match.)
        let mut excluded = vec![vec![false; self.branches.len()]; hits.len()];
        if self.union {
            let presence = EnableScoring::disabled_from_searcher(searcher);
            for (b, branch) in self.branches.iter().enumerate() {
                for exclusion in &branch.exclusions {
                    let weight = exclusion.weight(presence)?;
                    for group in order.chunk_by(|a, b| a.0.segment_ord == b.0.segment_ord) {
                        let mut scorer = weight.scorer(searcher.segment_reader(group[0].0.segment_ord), 1.0)?;
                        for &(address, i) in group {
                            let doc = address.doc_id;
                            if scorer.doc() <= doc && scorer.seek(doc) == doc {
                                excluded[i][b] = true;
                            }
                        }
                    }
                }
            }
        }
        let rules: Vec<Rule> = self.branches.iter().map(Branch::rule).collect();
        let mut out = Vec::with_capacity(hits.len());
        for (i, ((score, address), per_branch)) in hits.iter().zip(found).enumerate() {
            let mut full = false;
            let mut root = Explanation::new(*score, "relevance: the sum of the parts below");
            for (b, ((branch, rule), ([n_units, n_words, n_required], units))) in
                self.branches.iter().zip(&rules).zip(per_branch).enumerate()
            {
                let verdict = if excluded[i][b] {
                    Verdict::Excluded
                } else if n_words == rule.words && n_required == rule.required {
                    Verdict::Full
                } else {
                    Verdict::Partial
                };
                full |= verdict == Verdict::Full;
                if explain {
                    root.push(self.explain_branch(b, branch, rule, units, [n_units, n_words, n_required], verdict));
                }
            }
            // Under the date orders nothing was rescored: no parts to show.
            if explain && rescored.ran {
                match rescored.pairs.get(address).filter(|p| !p.is_empty()) {
                    Some(found) => {
                        let total: Score = found.iter().map(|p| p.score).sum();
                        let mut node =
                            Explanation::new(total, "pairs side by side, scored for the best hits (BM25 each)");
                        let specs = &self.branches[0].pairs;
                        for p in found {
                            let label =
                                format!("{} in {}", specs[p.pair].pair.text(), field_name(p.field, &self.fields));
                            node.push(Explanation::new(p.score, label));
                        }
                        root.push(node);
                    }
                    None if self.rescores() && !self.branches[0].pairs.is_empty() => root.push(Explanation::new(
                        0.0,
                        "pairs side by side: none in the document, or not among the best hits",
                    )),
                    None => {}
                }
                if let Some(spec) = self.branches.first().and_then(|b| b.passage.as_ref()).filter(|_| self.rescores()) {
                    root.push(match rescored.passages.get(address) {
                        Some(p) => Explanation::new(
                            p.score,
                            format!(
                                "the best passage, in the {}: {} of the query's {} units within {} positions, \
                                 {PASSAGE_WEIGHT} × {:.3} × ({:.3} / {:.3}) (weighed idf found × share of all)",
                                field_name(p.field, &self.fields),
                                p.units,
                                spec.units.len(),
                                spec.width,
                                p.found,
                                p.found,
                                p.total
                            ),
                        ),
                        None => Explanation::new(
                            0.0,
                            "the best passage: none of the query in the title or the body, or not among the best hits",
                        ),
                    });
                }
            }
            out.push((full, explain.then_some(root)));
        }
        Ok(out)
    }

    /// A branch's part of an explanation: its units times the coverage
    /// factor, and the counts that decide whether the hit matches.
    fn explain_branch(
        &self,
        b: usize,
        branch: &Branch,
        rule: &Rule,
        units: Explanation,
        n: [u32; 3],
        verdict: Verdict,
    ) -> Explanation {
        let full = verdict == Verdict::Full;
        let [n_units, n_words, n_required] = n;
        let coverage = rule.coverage(n_words);
        // Where every match must have every word (strict matching, each
        // branch of an `OR`), a branch the hit does not fully match is not
        // among the clauses it matched, and adds nothing.
        let counts = full || !self.all_words;
        let value = if counts { units.value * coverage } else { 0.0 };
        let what = match (counts, verdict) {
            (true, _) => "units × coverage",
            (false, Verdict::Excluded) => "excluded by its -terms, so it adds nothing",
            (false, _) => "not every word, so it adds nothing",
        };
        let mut node = if self.union {
            Explanation::new(value, format!("branch {} of the OR: {what}", b + 1))
        } else {
            Explanation::new(value, what)
        };
        node.push(units);
        if rule.words > 0 {
            node.push(Explanation::new(
                coverage,
                format!("coverage: 1 - {COVERAGE_WEIGHT} + {COVERAGE_WEIGHT} × {n_words} of the {} words", rule.words),
            ));
        }
        let mut matching = Explanation::new(0.0, "matching (adds nothing)");
        if !self.all_words {
            let units_of = branch.units();
            matching.push(Explanation::new(
                (n_units + n_required) as f32,
                format!("units of matching present, of {units_of}; at least {} needed", rule.min_units),
            ));
        }
        let verdict = if full { "a full match" } else { "not a full match" };
        matching.push(Explanation::new(
            (n_words + n_required) as f32,
            format!("words and quoted texts present, of {}: {verdict}", rule.words + rule.required),
        ));
        node.push(matching);
        node
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
    Group { parts, counts: spec.counts, best_only: matches!(spec.lookup, Lookup::Any(_)) }
}

/// Whether [`parts_of`] has anything to look up, without building it.
fn has_parts(spec: &GroupSpec, fields: Fields, present: FieldSet) -> bool {
    let has = match &spec.lookup {
        Lookup::TitleKey(_) => present.contains(fields.title_key),
        Lookup::Any(patterns) if patterns.is_empty() => false,
        _ => !fields_of(spec.scope, fields, present).is_empty(),
    };
    debug_assert_eq!(has, !parts_of(spec, fields, present).is_empty(), "{}", spec.label);
    has
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
        Lookup::Any(patterns) => {
            // One part per pattern, over the fields of the scope: the group
            // scores its best part (one of the spellings), each part the
            // sum over its fields.
            let in_fields = fields_of(spec.scope, fields, present);
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
                let label = if in_fields.len() == 1 { field_name(in_fields[0].0, &fields) } else { "title or body" };
                parts.push((Box::new(BooleanQuery::new(field_parts)) as Box<dyn Query>, spec.weight * scale, label));
            }
        }
    }
    parts
}

/// Plans one branch: its groups, its pairs, its exclusions.
fn plan_branch(clauses: &[Clause], ctx: &Context<'_>) -> Branch {
    let mut branch = Branch::default();
    let mut together: Vec<&Clause> = Vec::new();
    let mut passage = PassageSpec::default();
    for clause in clauses {
        if clause.negated {
            if let Some(q) = exclusion(clause, ctx) {
                branch.exclusions.push(q);
            }
            continue;
        }
        // Every positive clause takes its length in a document that has the
        // query's text, plus a separator (or nothing) between clauses: the
        // passage's window is as wide as the whole query, whatever part
        // of it is scored.
        if passage.width > 0 {
            passage.width = passage.width.saturating_add(1);
        }
        passage.width = passage.width.saturating_add(u32::try_from(clause.pattern.cells.len()).unwrap_or(u32::MAX));
        let scope = clause.scope;
        if clause.quoted {
            let label = format!("\"{}\"", clause.pattern.text);
            let g = branch.group(label, Lookup::Pattern(clause.pattern.clone()), scope, PHRASE_WEIGHT);
            g.counts.required = true;
            continue;
        }
        if clause.scope == Scope::All {
            together.push(clause);
            // The passage's units are those of every unquoted clause that
            // looks in the title and the body alike.
            for unit in &clause.units {
                if !passage.units.iter().any(|u| u.token == unit.text) {
                    let weight = if unit.len > 1 { PAIR_WEIGHT } else { CHAR_WEIGHT };
                    passage.units.push(PassageUnit { token: unit.text.clone(), weight, stand_ins: Vec::new() });
                }
            }
            // The characters of a word's variants that the word lacks
            // stand in for each of its characters that a variant lacks
            // (记, 忆 and 体 for the 内 and 存 of 内存, written 記憶體):
            // the word is in a passage in either spelling, as it is in
            // the rest of the ranking. Only Han and other non-ASCII
            // characters: each is an index token of its own.
            for (word, variants) in clause.words.iter().zip(&clause.variants) {
                let own: Vec<String> = word.text.chars().map(String::from).collect();
                let theirs: Vec<String> = variants
                    .iter()
                    .flat_map(|v| v.text.chars().filter(|c| !c.is_ascii() && !c.is_whitespace()).map(String::from))
                    .filter(|c| !own.contains(c))
                    .collect();
                for c in own.iter().filter(|c| !variants.iter().all(|v| v.text.contains(c.as_str()))) {
                    if let Some(u) = passage.units.iter_mut().find(|u| u.token == *c) {
                        for t in &theirs {
                            if !u.stand_ins.contains(t) {
                                u.stand_ins.push(t.clone());
                            }
                        }
                    }
                }
            }
        }
        if clause.is_one_word() {
            // A clause of one word asks for that word: it is the unit of
            // matching and what scores. Its characters and the pairs inside
            // it say nothing more about a document that has the word, and
            // their posting lists are long (a common word's characters are
            // in most documents).
            let word = &clause.words[0];
            let weight = if word.cells.len() > 1 { PAIR_WEIGHT } else { CHAR_WEIGHT };
            let g = word_group(&mut branch, word, &clause.variants[0], scope, weight, ctx);
            g.counts.word = true;
            g.counts.unit = true;
            continue;
        }
        // Several words: each character is a unit of matching, and every
        // character, bigram and pair scores.
        for unit in &clause.units {
            let weight = if unit.len > 1 { PAIR_WEIGHT } else { CHAR_WEIGHT };
            let g = branch.group(unit.text.clone(), Lookup::Token(unit.text.clone()), scope, weight);
            g.counts.unit = true;
        }
        for bigram in &clause.bigrams {
            branch.group(bigram.clone(), Lookup::Token(bigram.clone()), scope, PAIR_WEIGHT);
        }
        for (word, variants) in clause.words.iter().zip(&clause.variants) {
            // A word with variants scores as one word in any spelling, in
            // place of the pairs inside it (which `terms` left out); the
            // others only say whether a document has every word.
            let weight = if variants.is_empty() { 0.0 } else { PAIR_WEIGHT };
            word_group(&mut branch, word, variants, scope, weight, ctx).counts.word = true;
        }
        for pair in &clause.pairs {
            branch.pairs.push(PairSpec { pair: pair.clone(), scope, junction: false });
        }
    }
    // Clauses written apart that a document has together: the pair across
    // each gap, side by side or with separators between (`脱贫 攻坚` in
    // `脱贫攻坚` and in `脱贫，攻坚`); and a title that is the whole query.
    for w in together.windows(2) {
        let (before, after) = (&w[0].pattern, &w[1].pattern);
        // The tokens at the seam: a bigram where there is one, so that its
        // posting list, not a common character's, is read.
        if let (Some((at, last)), Some((_, first))) = (before.tokens.last(), after.tokens.first()) {
            let end = before.cells.last().map_or(0, |c| c.0 + 1);
            for (gap, separated) in [(end - at, false), (end - at + 1, true)] {
                let pair = Pair { first: last.clone(), second: first.clone(), gap, separated };
                branch.pairs.push(PairSpec { pair, scope: Scope::All, junction: true });
            }
        }
    }
    if !together.is_empty() && ctx.present.contains(ctx.fields.title_key) {
        let text: String = together.iter().map(|c| c.pattern.text.as_str()).collect();
        let key = (ctx.title_key)(&text);
        if !key.is_empty() {
            branch.group("the title is the query", Lookup::TitleKey(key), Scope::Title, TITLE_EXACT_BOOST);
        }
    }
    branch.pairs.dedup_by(|a, b| a.pair == b.pair && a.scope == b.scope);
    if passage.units.len() >= PASSAGE_MIN_UNITS {
        branch.passage = Some(passage);
    }
    branch
}

/// The group of a word: its one token, or its pattern, or (with variants)
/// any of its spellings, scored as one word (see [`GroupSpec::scales`]).
fn word_group<'b>(
    branch: &'b mut Branch,
    word: &Pattern,
    variants: &[Pattern],
    scope: Scope,
    weight: f32,
    ctx: &Context<'_>,
) -> &'b mut GroupSpec {
    if variants.is_empty() {
        let lookup = match word.single_token() {
            Some(token) => Lookup::Token(token.to_owned()),
            None => Lookup::Pattern(word.clone()),
        };
        return branch.group(format!("word {}", word.text), lookup, scope, weight);
    }
    let spellings: Vec<Pattern> = std::iter::once(word).chain(variants).cloned().collect();
    // tantivy's idf of a pattern, as its phrase query computes it: the sum
    // of its tokens'.
    let total = ctx.stats.total_num_docs().unwrap_or(0).max(1);
    let idf = |p: &Pattern| -> f32 {
        p.tokens
            .iter()
            .map(|(_, t)| {
                let df = ctx.stats.doc_freq(&Term::from_field_text(ctx.fields.body, t)).unwrap_or(0);
                bm25_idf(df, total)
            })
            .sum()
    };
    let idfs: Vec<f32> = spellings.iter().map(idf).collect();
    let least = idfs.iter().copied().fold(f32::INFINITY, f32::min);
    let others: Vec<&str> = variants.iter().map(|v| v.text.as_str()).collect();
    let label = format!("word {} (or {})", word.text, others.join(", "));
    let g = branch.group(label, Lookup::Any(spellings), scope, weight);
    g.scales = idfs.iter().map(|&i| if i > 0.0 { least / i } else { 1.0 }).collect();
    g
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

/// BM25's idf, as tantivy computes it (tantivy keeps its own private).
fn bm25_idf(doc_freq: u64, docs: u64) -> Score {
    let (n, total) = (doc_freq as Score, docs as Score);
    (1.0 + (total - n + 0.5) / (n + 0.5)).ln()
}

/// How many documents a pair's document frequency is counted in, at most.
///
/// A pair is a phrase of two characters, and counting its documents reads
/// the positions of every document that has both; two common characters
/// are in most documents. So over a larger index the count is taken in
/// its first `PAIR_SAMPLE_DOCS` documents and scaled up: an estimate whose
/// cost does not grow with the index. (Documents are in the order they
/// were added, so the sample leans to the oldest.)
pub const PAIR_SAMPLE_DOCS: u32 = 4_096;

/// How many documents have `pair` in `field`, as a phrase: exactly, or
/// estimated from a sample over a large index (see [`PAIR_SAMPLE_DOCS`]).
fn pair_doc_freq(searcher: &Searcher, field: Field, pair: &Pair) -> tantivy::Result<u64> {
    let mut terms =
        vec![(0, Term::from_field_text(field, &pair.first)), (pair.gap, Term::from_field_text(field, &pair.second))];
    if pair.separated {
        terms.insert(1, (pair.gap - 1, Term::from_field_text(field, crate::analysis::SEPARATOR_TOKEN)));
    }
    let weight = PhraseQuery::new_with_offset(terms).weight(EnableScoring::disabled_from_searcher(searcher))?;
    let (mut count, mut seen, mut total) = (0u64, 0u64, 0u64);
    for segment in searcher.segment_readers() {
        total += u64::from(segment.max_doc());
        let budget = PAIR_SAMPLE_DOCS.saturating_sub(seen as u32);
        if budget == 0 {
            continue;
        }
        let limit = segment.max_doc().min(budget);
        let mut scorer = weight.scorer(segment, 1.0)?;
        let mut doc = scorer.doc();
        while doc < limit {
            count += u64::from(segment.alive_bitset().is_none_or(|alive| alive.is_alive(doc)));
            doc = scorer.advance();
        }
        seen += u64::from(limit);
    }
    if seen == 0 || seen == total {
        return Ok(count);
    }
    // Scaled to the index, and never 0 when the sample had it.
    Ok((count * total).div_ceil(seen).min(total))
}

/// The best window of `width` consecutive positions: how many of the
/// lists have a position in it, and the sum of their `weights` (each list
/// counted once, however often it is there), for the window with the
/// largest sum. `lists[u]` are the sorted positions of unit `u`.
fn best_window(lists: &[&[u32]], weights: &[Score], width: u32) -> (usize, Score) {
    // A window is at least one position wide.
    let width = u64::from(width.max(1));
    // Each occurrence as one number, position then unit, so that a plain
    // sort orders them (a long document has many: half the memory and a
    // faster sort than pairs).
    let mut events: Vec<u64> = Vec::with_capacity(lists.iter().map(|l| l.len()).sum());
    for (u, list) in lists.iter().enumerate() {
        events.extend(list.iter().map(|&p| (u64::from(p) << 32) | u as u64));
    }
    events.sort_unstable();
    let at = |e: u64| e >> 32;
    let unit = |e: u64| (e & u64::from(u32::MAX)) as usize;
    // How often each unit is in the window [at(events[lo]), at(events[hi])],
    // which is kept narrower than `width`. The sum is kept in f64: a long
    // document adds and takes away the same weights many times.
    let mut count = vec![0u32; lists.len()];
    // A window with every unit the document has is as good as any: the
    // walk stops there (a document that has the query's text whole stops
    // at its first occurrence).
    let present = lists.iter().filter(|l| !l.is_empty()).count();
    let (mut units, mut sum, mut best, mut lo) = (0usize, 0.0f64, (0usize, 0.0f64), 0);
    for hi in 0..events.len() {
        let u = unit(events[hi]);
        if count[u] == 0 {
            units += 1;
            sum += f64::from(weights[u]);
        }
        count[u] += 1;
        while at(events[lo]) + width <= at(events[hi]) {
            let v = unit(events[lo]);
            count[v] -= 1;
            if count[v] == 0 {
                units -= 1;
                sum -= f64::from(weights[v]);
            }
            lo += 1;
        }
        if sum > best.1 {
            best = (units, sum);
        }
        if units == present {
            break;
        }
    }
    (best.0, best.1 as Score)
}

/// The positions of some terms in some documents of a segment, read in
/// document order.
struct Positions {
    terms: Vec<String>,
    /// `at[t][k]`: the positions of `terms[t]` in document `k` (empty when
    /// it has none).
    at: Vec<Vec<Vec<u32>>>,
}

impl Positions {
    fn read<'a>(
        segment: &tantivy::SegmentReader,
        field: Field,
        terms: impl Iterator<Item = &'a String>,
        docs: &[DocId],
    ) -> tantivy::Result<Positions> {
        let index = segment.inverted_index(field)?;
        let mut out = Positions { terms: Vec::new(), at: Vec::new() };
        for text in terms {
            if out.terms.contains(text) {
                continue;
            }
            let mut at = vec![Vec::new(); docs.len()];
            let term = Term::from_field_text(field, text);
            if let Some(mut postings) = index.read_postings(&term, IndexRecordOption::WithFreqsAndPositions)? {
                for (k, &doc) in docs.iter().enumerate() {
                    if postings.doc() <= doc && postings.seek(doc) == doc {
                        postings.positions(&mut at[k]);
                    }
                }
            }
            out.terms.push(text.clone());
            out.at.push(at);
        }
        Ok(out)
    }

    fn of(&self, term: &str, k: usize) -> &[u32] {
        self.terms.iter().position(|t| t == term).map_or(&[], |t| &self.at[t][k])
    }

    /// How often document `k` (`doc`) has the pair: `second` `gap`
    /// positions after `first`, and a separator run just before `second`
    /// if the pair asks.
    fn side_by_side(&self, pair: &Pair, k: usize, doc: DocId, separators: &mut Separators) -> u32 {
        let (a, b) = (self.of(&pair.first, k), self.of(&pair.second, k));
        if a.is_empty() || b.is_empty() {
            return 0;
        }
        let gap = pair.gap as u32;
        let (mut i, mut j, mut n) = (0, 0, 0);
        while i < a.len() && j < b.len() {
            let want = a[i] + gap;
            match b[j].cmp(&want) {
                std::cmp::Ordering::Less => j += 1,
                std::cmp::Ordering::Greater => i += 1,
                std::cmp::Ordering::Equal => {
                    if !pair.separated || separators.at(doc, want - 1) {
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

/// The positions of the separator token, read for a document only when a
/// pair asks: it is in nearly every document, many times, and most pairs
/// never need it.
struct Separators {
    postings: Option<tantivy::postings::SegmentPostings>,
    doc: DocId,
    positions: Vec<u32>,
}

impl Separators {
    fn new(segment: &tantivy::SegmentReader, field: Field) -> tantivy::Result<Separators> {
        let term = Term::from_field_text(field, crate::analysis::SEPARATOR_TOKEN);
        let postings = segment.inverted_index(field)?.read_postings(&term, IndexRecordOption::WithFreqsAndPositions)?;
        Ok(Separators { postings, doc: tantivy::TERMINATED, positions: Vec::new() })
    }

    /// Whether document `doc` has a separator run at `position`. Documents
    /// must be asked for in increasing order.
    fn at(&mut self, doc: DocId, position: u32) -> bool {
        if self.doc != doc {
            self.doc = doc;
            self.positions.clear();
            if let Some(postings) = &mut self.postings {
                if postings.doc() <= doc && postings.seek(doc) == doc {
                    postings.positions(&mut self.positions);
                }
            }
        }
        self.positions.binary_search(&position).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;

    use super::*;
    use crate::analysis::AnalyzerSettings;
    use crate::article::Article;
    use crate::index::SearchIndex;
    use crate::query::parse::parse;

    fn index() -> SearchIndex {
        let index = SearchIndex::in_memory(&AnalyzerSettings::default()).expect("index");
        let mut writer = index.writer().expect("writer");
        let texts = [
            ("经济改革的新阶段", "经济体制改革在推进，改革开放以来经济发展很快。"),
            ("改革", "农村改革与经济。"),
            ("经济", "经济形势，发展经济。"),
            ("发展", "贫困县的发展：脱贫攻坚，干部驻村。"),
            ("其他", "今天天气很好。"),
        ];
        for (i, (title, body)) in texts.iter().enumerate() {
            let mut a = Article::new(format!("a{i}"), *body);
            a.title = Some((*title).into());
            writer.upsert(&a).expect("upsert");
        }
        writer.commit().expect("commit");
        index
    }

    /// The best window: (lists, weights, width) → (units in it, their sum).
    #[test]
    fn the_best_window_counts_each_unit_once_within_its_width() {
        type Case<'a> = (&'a [&'a [u32]], &'a [f32], u32, (usize, f32));
        let cases: [Case<'_>; 7] = [
            // Nothing there.
            (&[&[], &[]], &[1.0, 2.0], 5, (0, 0.0)),
            // One unit, however often.
            (&[&[3, 4, 5], &[]], &[1.0, 2.0], 5, (1, 1.0)),
            // Both within 5 positions (3 and 7), or not (3 and 8).
            (&[&[3], &[7]], &[1.0, 2.0], 5, (2, 3.0)),
            (&[&[3], &[8]], &[1.0, 2.0], 5, (1, 2.0)),
            // The heavier window wins over the one with more units.
            (&[&[0], &[1], &[20]], &[1.0, 1.0, 5.0], 4, (1, 5.0)),
            // The window slides to where all three are.
            (&[&[0, 30], &[10, 31], &[32]], &[1.0, 1.0, 1.0], 3, (3, 3.0)),
            // A width of 0 is one position.
            (&[&[2], &[2]], &[1.0, 1.0], 0, (2, 2.0)),
        ];
        for (lists, weights, width, want) in cases {
            assert_eq!(best_window(lists, weights, width), want, "{lists:?} within {width}");
        }
    }

    proptest::proptest! {
        /// The sliding window finds what trying every window finds.
        #[test]
        fn the_best_window_is_the_best_of_every_window(
            lists in proptest::collection::vec(proptest::collection::btree_set(0u32..60, 0..6), 1..6),
            width in 0u32..20,
        ) {
            let lists: Vec<Vec<u32>> = lists.into_iter().map(|s| s.into_iter().collect()).collect();
            // Weights that are powers of two: sums are exact and tell the
            // units apart.
            let weights: Vec<f32> = (0..lists.len()).map(|u| (1u32 << u) as f32).collect();
            let slices: Vec<&[u32]> = lists.iter().map(Vec::as_slice).collect();
            let mut want = (0usize, 0.0f32);
            for start in 0..60u32 {
                let inside: Vec<usize> = (0..lists.len())
                    .filter(|&u| lists[u].iter().any(|&p| p >= start && p < start + width.max(1)))
                    .collect();
                let sum: f32 = inside.iter().map(|&u| weights[u]).sum();
                if sum > want.1 {
                    want = (inside.len(), sum);
                }
            }
            proptest::prop_assert_eq!(best_window(&slices, &weights, width), want);
        }
    }

    /// A relaxed query whose every match has every word (one word, a quoted
    /// text, a word with an exclusion or a scope) runs tantivy's boolean
    /// query; the ranked query with its rule must find the same documents
    /// with the same scores, or the two plans would rank one query two ways.
    #[test]
    fn the_strict_plan_scores_as_the_ranked_query_does() {
        let index = index();
        let searcher = index.reader.searcher();
        for q in ["经济", "贫困县", "\"经济改革\"", "\"改革\"", "经济 -农村", "title:经济", "body:发展 -title:发展"]
        {
            let branches: Vec<Vec<Clause>> = parse(q)
                .branches
                .iter()
                .map(|b| b.iter().filter_map(|c| Clause::analyze(&index.analyzer, c, None)).collect())
                .collect();
            let key = |t: &str| crate::index::schema::title_key(&index.analyzer, t);
            let stats = JointStats::new(&searcher, index.fields);
            let ctx = || Context {
                fields: index.fields,
                present: index.present_fields(&searcher).expect("fields"),
                all_words: false,
                filters: Vec::new(),
                title_key: &key,
                stats: &stats,
            };
            let ranking = Ranking::plan(&branches, ctx()).expect("something to find");
            assert!(ranking.full_matches.is_none(), "{q}: runs tantivy's query");
            let c = ctx();
            let branch = &ranking.branches[0];
            let ranked = RankedQuery {
                groups: branch.groups.iter().map(|g| to_group(g, c.fields, c.present)).collect(),
                rule: branch.rule(),
                exclusions: branch.exclusions.iter().map(|q| q.box_clone()).collect(),
                filters: Vec::new(),
                full_matches: Default::default(),
            };
            let stats = ranking.stats(&searcher);
            let top = TopDocs::with_limit(10).order_by_score();
            let run = |query: &dyn Query| {
                let mut hits = searcher.search_with_statistics_provider(query, &top, &stats).expect("search");
                hits.sort_by_key(|(_, a)| *a);
                hits
            };
            let (strict, by_rank) = (run(ranking.query()), run(&ranked));
            assert!(!strict.is_empty(), "{q}: the texts have it");
            assert_eq!(strict.len(), by_rank.len(), "{q}");
            for ((s1, a1), (s2, a2)) in strict.iter().zip(&by_rank) {
                assert_eq!(a1, a2, "{q}");
                assert!((s1 - s2).abs() < 1e-4, "{q}: {s1} vs {s2}");
            }
        }
    }
}
