//! The scored query of the ranking: one pass over the postings of every
//! unit of the query, which sums their scores and counts, per document,
//! which of them it has.
//!
//! tantivy's boolean query sums scores but cannot say *how many* of a
//! query's characters a document has, which the minimum-should-match rule
//! needs, nor whether it has every word, which `full_matches` counts. So
//! this is a union of its own, built the way tantivy builds its buffered
//! union: every part's postings are read into a window of 4,096 documents
//! at a time, where each document's slot gathers its score and its counts,
//! and the window is then read in document order.
//!
//! A *group* is one unit of the query (a character, a bigram, a word, a
//! quoted text), with one *part* per field it is looked up in. A group
//! counts once per document however many of its parts match: the slot
//! remembers the last group that reached it, and the parts of a group are
//! read one after the other.
//!
//! Only the *driving* groups are read into the window: those of which
//! every match has at least one: every unit of matching and every word
//! with a spelling that counts for units (see [`Role::covers`]; the whole
//! group drives, its own spelling too), or, when a quoted text is
//! required, the rarest one. (A query whose every match must have
//! every word is not ranked here but by tantivy's boolean query; see
//! [`Rule::only_full_matches`].) The other groups are looked up (a
//! seek) in each candidate the drivers give, as tantivy's required-optional
//! scorer does: the characters of a query of words are in most documents,
//! and reading all of their postings would cost more than the rest of the
//! search. The scorer then moves groups between the two as it goes (see
//! `scorer.rs`: the commonest units of a headline, and the groups that
//! cannot reach the best hits' threshold).
//!
//! The scorer knows, for the document it is on, what of the query it has
//! (`RankedScorer::is_full`): the hits carry their verdict out of the
//! search with their score (see `super::collect`), and nothing reads the
//! postings again to find it.

use tantivy::fieldnorm::FieldNormReader;
use tantivy::query::{Bm25StatisticsProvider, Bm25Weight, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SeekDangerResult, SegmentReader, Term, TERMINATED};

use super::matching::{Role, Rule};
use super::scorer::{Part, RankedScorer, Source};

/// One query of a group, with the boost its score is multiplied by (0: it
/// only matches, it adds nothing).
pub(crate) struct GroupPart {
    pub query: Box<dyn Query>,
    pub boost: Score,
    /// The term, when the query is a `TermQuery` with frequencies: the
    /// scorer then reads its postings itself (see [`Source::Term`]).
    pub term: Option<Term>,
}

impl GroupPart {
    /// A part of any query, read through its scorer.
    #[cfg(test)]
    pub(crate) fn of(query: Box<dyn Query>, boost: Score) -> GroupPart {
        GroupPart { query, boost, term: None }
    }
}

impl Clone for GroupPart {
    fn clone(&self) -> Self {
        GroupPart { query: self.query.box_clone(), boost: self.boost, term: self.term.clone() }
    }
}

/// One unit of the query: its per-field queries.
pub(crate) struct Group {
    pub parts: Vec<GroupPart>,
    pub role: Role,
    /// Whether the group scores its best part only, rather than the sum:
    /// a word and its variants, each a part, score as one word.
    pub best_only: bool,
    /// The most the group adds to any document's score (infinite when not
    /// known): what the pruning of the top hits reads (see `scorer.rs`).
    pub bound: Score,
    /// Each part's units of matching covered and their weight (see
    /// [`Role::covers`]); empty where none covers any.
    pub covers: Vec<(u32, f32)>,
}

impl Group {
    /// The role of the group's part `k`: the group's, with what the part
    /// covers.
    fn role_of(&self, k: usize) -> Role {
        self.role.of_part(&self.covers, k)
    }
}

impl Clone for Group {
    fn clone(&self) -> Self {
        Group {
            parts: self.parts.clone(),
            role: self.role,
            best_only: self.best_only,
            bound: self.bound,
            covers: self.covers.clone(),
        }
    }
}

/// The ranking's query: the groups, the rule, the documents to leave out
/// (exclusions) and those to keep to (filters, which do not score).
pub(crate) struct RankedQuery {
    pub groups: Vec<Group>,
    pub rule: Rule,
    pub exclusions: Vec<Box<dyn Query>>,
    pub filters: Vec<Box<dyn Query>>,
}

impl Clone for RankedQuery {
    fn clone(&self) -> Self {
        RankedQuery {
            groups: self.groups.clone(),
            rule: self.rule,
            exclusions: self.exclusions.iter().map(|q| q.box_clone()).collect(),
            filters: self.filters.iter().map(|q| q.box_clone()).collect(),
        }
    }
}

impl std::fmt::Debug for RankedQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RankedQuery")
            .field("groups", &self.groups.len())
            .field("rule", &self.rule)
            .field("exclusions", &self.exclusions.len())
            .field("filters", &self.filters.len())
            .finish()
    }
}

impl RankedQuery {
    /// How many postings the query's groups hold, by the search's
    /// statistics: about the work of one pass over the segments (a
    /// phrase's terms are each counted whole, though a phrase reads the
    /// positions of the documents that have them all).
    pub(crate) fn postings(&self, stats: &dyn Bm25StatisticsProvider) -> tantivy::Result<u64> {
        let mut terms: Vec<&Term> = Vec::new();
        for part in self.groups.iter().flat_map(|g| &g.parts) {
            match &part.term {
                Some(term) => terms.push(term),
                None => part.query.query_terms(&mut |term, _| terms.push(term)),
            }
        }
        let mut postings = 0u64;
        for term in terms {
            postings = postings.saturating_add(stats.doc_freq(term)?);
        }
        Ok(postings)
    }

    /// The query's weight, as its own type (see [`RankedWeight::ranked_scorer`]).
    pub(crate) fn ranked_weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<RankedWeight> {
        let mut groups = Vec::with_capacity(self.groups.len());
        for group in &self.groups {
            let mut parts = Vec::with_capacity(group.parts.len());
            for (k, part) in group.parts.iter().enumerate() {
                let weight = match (&part.term, enable_scoring) {
                    (Some(term), EnableScoring::Enabled { statistics_provider, .. }) => {
                        // As `TermQuery::specialized_weight` computes it.
                        PartWeight::Term(
                            term.clone(),
                            Bm25Weight::for_terms(statistics_provider, std::slice::from_ref(term))?,
                        )
                    }
                    _ => PartWeight::Query(part.query.weight(enable_scoring)?),
                };
                parts.push((weight, part.boost, group.role_of(k)));
            }
            groups.push(GroupWeight { parts, role: group.role, best_only: group.best_only, bound: group.bound });
        }
        // Exclusions and filters only match: scoring them would be work for nothing.
        let disabled = match enable_scoring.searcher() {
            Some(searcher) => EnableScoring::disabled_from_searcher(searcher),
            None => EnableScoring::disabled_from_schema(enable_scoring.schema()),
        };
        let plain = |qs: &[Box<dyn Query>]| -> tantivy::Result<Vec<Box<dyn Weight>>> {
            qs.iter().map(|q| q.weight(disabled)).collect()
        };
        Ok(RankedWeight {
            groups,
            rule: self.rule,
            exclusions: plain(&self.exclusions)?,
            filters: plain(&self.filters)?,
        })
    }
}

impl Query for RankedQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.ranked_weight(enable_scoring)?))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        for group in &self.groups {
            for part in &group.parts {
                part.query.query_terms(visitor);
            }
        }
    }
}

/// A part's weight: a term's BM25 weight, or any query's.
enum PartWeight {
    Term(Term, Bm25Weight),
    Query(Box<dyn Weight>),
}

impl PartWeight {
    /// The part's source in a segment, its scores multiplied by `boost`,
    /// for the documents from `start` on; `None` where it has none.
    fn source(&self, reader: &SegmentReader, boost: Score, start: DocId) -> tantivy::Result<Option<Source>> {
        let source = match self {
            PartWeight::Query(weight) => {
                // Not moved to its first document: a phrase's scorer would
                // check the positions of every document with its terms on
                // the way, and most phrases are looked up in candidates
                // far past that (see `Source::has`).
                let (found, scorer) = weight.scorer_danger(reader, start, boost)?;
                return Ok(match found {
                    SeekDangerResult::Found => Some(Source::scorer(scorer)),
                    SeekDangerResult::SeekLowerBound(TERMINATED) => None,
                    SeekDangerResult::SeekLowerBound(bound) => Some(Source::missed(scorer, bound)),
                });
            }
            PartWeight::Term(term, weight) => {
                // As `TermWeight::specialized_scorer` reads the term.
                let index = reader.inverted_index(term.field())?;
                let Some(info) = index.get_term_info(term)? else {
                    return Ok(None);
                };
                let postings = index.read_postings_from_terminfo(&info, IndexRecordOption::WithFreqs)?;
                let norms = match reader.fieldnorms_readers().get_field(term.field())? {
                    Some(norms) => norms,
                    None => FieldNormReader::constant(reader.max_doc(), 1),
                };
                Source::Term { postings, norms, weight: weight.boost_by(boost) }
            }
        };
        Ok((source.doc() != TERMINATED).then_some(source))
    }
}

struct GroupWeight {
    /// Each part's weight, boost and role.
    parts: Vec<(PartWeight, Score, Role)>,
    role: Role,
    best_only: bool,
    bound: Score,
}

pub(crate) struct RankedWeight {
    groups: Vec<GroupWeight>,
    rule: Rule,
    exclusions: Vec<Box<dyn Weight>>,
    filters: Vec<Box<dyn Weight>>,
}

impl RankedWeight {
    /// The scorer of a segment, on its first match at `start` or after: a
    /// slice of a segment (see `collect::search`) starts at its own first
    /// document, without reading the windows before it.
    pub(crate) fn ranked_scorer(
        &self,
        reader: &SegmentReader,
        boost: Score,
        start: DocId,
    ) -> tantivy::Result<RankedScorer> {
        let mut groups: Vec<Vec<Part>> = Vec::with_capacity(self.groups.len());
        for (g, group) in self.groups.iter().enumerate() {
            let mut parts = Vec::new();
            for (weight, part_boost, role) in &group.parts {
                if let Some(scorer) = weight.source(reader, boost * part_boost, start)? {
                    let group_id = u32::try_from(g + 1).unwrap_or(u32::MAX);
                    parts.push(Part {
                        scorer,
                        scored: *part_boost != 0.0,
                        best_only: group.best_only,
                        group: group_id,
                        role: *role,
                        bound: group.bound * boost,
                    });
                }
            }
            groups.push(parts);
        }
        // The drivers (module docs): the groups of which every match has one.
        let cost = |parts: &Vec<Part>| parts.iter().map(|p| p.scorer.cost()).sum::<u64>();
        let cheapest = |f: fn(&Role) -> bool| {
            (0..groups.len()).filter(|&g| f(&self.groups[g].role)).min_by_key(|&g| cost(&groups[g]))
        };
        let driving: Vec<bool> = if self.rule.required > 0 {
            let one = cheapest(|c| c.required);
            (0..groups.len()).map(|g| Some(g) == one).collect()
        } else {
            self.groups.iter().map(|g| g.parts.iter().any(|(_, _, role)| role.counts_units())).collect()
        };
        let (mut parts, mut optional) = (Vec::new(), Vec::new());
        for (g, group_parts) in groups.into_iter().enumerate() {
            if driving[g] {
                parts.extend(group_parts);
            } else {
                optional.extend(group_parts);
            }
        }
        let plain = |ws: &[Box<dyn Weight>]| -> tantivy::Result<Vec<Box<dyn Scorer>>> {
            ws.iter().map(|w| w.scorer(reader, 1.0)).collect()
        };
        let mut scorer =
            RankedScorer::new(parts, optional, self.rule, reader.alive_bitset().cloned(), reader.max_doc());
        scorer.exclusions = plain(&self.exclusions)?;
        scorer.filters = plain(&self.filters)?;
        scorer.start_at(start);
        scorer.advance();
        Ok(scorer)
    }
}

impl Weight for RankedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(self.ranked_scorer(reader, boost, 0)?))
    }

    /// The sum of the matching groups' scores; the ranking's own
    /// explanation (`super::explain`) says more.
    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.doc() > doc || scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!("document {doc} does not match")));
        }
        Ok(Explanation::new("sum of the matching units' scores", scorer.score()))
    }
}

#[cfg(test)]
mod tests {
    use tantivy::query::TermQuery;
    use tantivy::schema::{IndexRecordOption, Schema, STRING};
    use tantivy::{Index, IndexWriter, Term};

    use super::super::collect::{search, Collect, Collected, Order, RankedHit, MIN_SLICE_DOCS};
    use super::super::settings::RankingSettings;
    use super::*;

    /// The rule of `min_units` of `units` units, `words` words and
    /// `required` quoted texts.
    fn rule(units: u32, min_units: u32, words: u32, required: u32) -> Rule {
        let coverage_weight = RankingSettings::default().coverage_weight;
        // The weight rule never decides: every unit weighs nothing.
        let (min_weight, total_weight) = (f32::MAX, 0.0);
        Rule { units, min_units, min_weight, total_weight, weight_needs_all: true, words, required, coverage_weight }
    }

    /// Runs `query` with the search's collector: (hits by score, total, full matches).
    fn collect(searcher: &tantivy::Searcher, query: &RankedQuery) -> (Vec<(f32, tantivy::DocAddress)>, u64, u64) {
        let collector = Collect {
            driver: None,
            limit: 20,
            order: Order::Relevance,
            ranked: true,
            count_up_to: u64::MAX,
            shared: Default::default(),
            threads: 1,
            min_slice_docs: MIN_SLICE_DOCS,
            min_threaded_postings: 0,
            extra: tantivy::collector::Count,
        };
        let found = searcher.search(query, &collector).expect("search");
        (found.hits.iter().map(|h| (h.score, h.address)).collect(), found.total, found.full_matches)
    }

    /// An index of documents of words (field `f`), each with its id
    /// `d<i>` (field `id`), the documents of `deleted` ids deleted.
    fn index_of(docs: &[&[&str]], deleted: &[&str]) -> (Index, tantivy::schema::Field, tantivy::schema::Field) {
        let mut schema = Schema::builder();
        let f = schema.add_text_field("f", STRING);
        let id = schema.add_text_field("id", STRING | tantivy::schema::STORED);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).expect("writer");
        for (i, words) in docs.iter().enumerate() {
            let mut d = tantivy::TantivyDocument::default();
            d.add_text(id, format!("d{i}"));
            for w in *words {
                d.add_text(f, w);
            }
            writer.add_document(d).expect("add");
        }
        writer.commit().expect("commit");
        for name in deleted {
            writer.delete_term(Term::from_field_text(id, name));
        }
        writer.commit().expect("commit");
        (index, f, id)
    }

    /// Each word of `groups` a group (a unit and a word) in field `f`,
    /// the scores of a group's two parts (the same term twice) added.
    fn query_of(f: tantivy::schema::Field, groups: &[&str], rule: Rule) -> RankedQuery {
        let term = |t: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(f, t), IndexRecordOption::WithFreqs))
        };
        // One part read directly, one through tantivy's scorer.
        let direct =
            |t: &str, boost| GroupPart { term: Some(Term::from_field_text(f, t)), ..GroupPart::of(term(t), boost) };
        RankedQuery {
            groups: groups
                .iter()
                .map(|g| Group {
                    parts: vec![direct(g, 1.0), GroupPart::of(term(g), 0.5)],
                    role: Role { unit: true, word: true, required: false, weight: 0.0, covers: 0, covers_weight: 0.0 },
                    best_only: false,
                    bound: Score::INFINITY,
                    covers: Vec::new(),
                })
                .collect(),
            rule,
            exclusions: Vec::new(),
            filters: Vec::new(),
        }
    }

    /// Documents of words (see `index_of`) searched for `groups` (see
    /// `query_of`): the best hits' ids and scores, the total, the full
    /// matches.
    fn run(docs: &[&[&str]], groups: &[&str], rule: Rule, deleted: &[&str]) -> (Vec<(String, f32)>, u64, u64) {
        let (index, f, id) = index_of(docs, deleted);
        let searcher = index.reader().expect("reader").searcher();
        let query = query_of(f, groups, rule);
        let (top, count, full) = collect(&searcher, &query);
        let names = top
            .into_iter()
            .map(|(score, address)| {
                let doc: tantivy::TantivyDocument = searcher.doc(address).expect("doc");
                let name = doc.get_first(id).and_then(|v| tantivy::schema::Value::as_str(&v)).unwrap_or("").to_owned();
                (name, score)
            })
            .collect();
        (names, count, full)
    }

    /// A part that behaves as a phrase's scorer: every document has its
    /// terms, the phrase is in `docs`, and each document whose positions
    /// it checks is counted in `looked`. Made or sought, it checks each
    /// document on the way to the next that has the phrase; made at a
    /// target or asked about one (tantivy's danger zone), that one only.
    #[derive(Debug, Clone)]
    struct Walk {
        docs: std::sync::Arc<Vec<DocId>>,
        max_doc: DocId,
        looked: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    struct WalkScorer {
        walk: Walk,
        doc: DocId,
    }

    impl Query for Walk {
        fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
            Ok(Box::new(self.clone()))
        }
    }

    impl Weight for Walk {
        fn scorer(&self, _: &SegmentReader, _: Score) -> tantivy::Result<Box<dyn Scorer>> {
            let mut scorer = WalkScorer { walk: self.clone(), doc: 0 };
            if !scorer.check() {
                scorer.advance();
            }
            Ok(Box::new(scorer))
        }

        fn scorer_danger(
            &self,
            _: &SegmentReader,
            target: DocId,
            _: Score,
        ) -> tantivy::Result<(tantivy::SeekDangerResult, Box<dyn Scorer>)> {
            let mut scorer = WalkScorer { walk: self.clone(), doc: 0 };
            let found = scorer.seek_danger(target);
            Ok((found, Box::new(scorer)))
        }

        fn explain(&self, _: &SegmentReader, _: DocId) -> tantivy::Result<Explanation> {
            Ok(Explanation::new("walk", 1.0))
        }
    }

    impl WalkScorer {
        /// Whether the current document has the phrase, counted.
        fn check(&self) -> bool {
            self.walk.looked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.walk.docs.binary_search(&self.doc).is_ok()
        }
    }

    impl DocSet for WalkScorer {
        fn advance(&mut self) -> DocId {
            loop {
                self.doc += 1;
                if self.doc >= self.walk.max_doc {
                    self.doc = TERMINATED;
                    return TERMINATED;
                }
                if self.check() {
                    return self.doc;
                }
            }
        }

        fn seek(&mut self, target: DocId) -> DocId {
            self.doc = target;
            if target >= self.walk.max_doc {
                self.doc = TERMINATED;
            } else if !self.check() {
                self.advance();
            }
            self.doc
        }

        fn seek_danger(&mut self, target: DocId) -> tantivy::SeekDangerResult {
            if target >= self.walk.max_doc {
                self.doc = TERMINATED;
                return tantivy::SeekDangerResult::SeekLowerBound(TERMINATED);
            }
            self.doc = target;
            match self.check() {
                true => tantivy::SeekDangerResult::Found,
                false => tantivy::SeekDangerResult::SeekLowerBound(target + 1),
            }
        }

        fn doc(&self) -> DocId {
            self.doc
        }

        fn size_hint(&self) -> u32 {
            self.walk.docs.len() as u32
        }
    }

    impl Scorer for WalkScorer {
        fn score(&mut self) -> Score {
            1.0
        }
    }

    /// A part looked up in the candidates is asked about each candidate
    /// only: neither moved to its first document when it is made nor
    /// walked from one candidate to the next. A phrase of common
    /// characters would otherwise check every document that has them.
    #[test]
    fn a_looked_up_part_is_asked_about_the_candidates_only() {
        // "r" in every 25th of 5,000 documents; the phrase in every other
        // document from the 2,000th on.
        let docs: Vec<Vec<&str>> = (0..5_000).map(|i| if i % 25 == 7 { vec!["r"] } else { vec!["x"] }).collect();
        let docs: Vec<&[&str]> = docs.iter().map(Vec::as_slice).collect();
        let (index, f, _) = index_of(&docs, &[]);
        let searcher = index.reader().expect("reader").searcher();
        let looked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let phrase = (2_000..5_000).step_by(2).collect();
        let walk = Walk { docs: std::sync::Arc::new(phrase), max_doc: 5_000, looked: looked.clone() };
        let term = Box::new(TermQuery::new(Term::from_field_text(f, "r"), IndexRecordOption::WithFreqs));
        let unit = Role { unit: true, word: true, required: false, weight: 0.0, covers: 0, covers_weight: 0.0 };
        let required = Role { unit: false, word: false, required: true, weight: 0.0, covers: 0, covers_weight: 0.0 };
        let group = |query: Box<dyn Query>, role| Group {
            parts: vec![GroupPart::of(query, 1.0)],
            role,
            best_only: false,
            bound: Score::INFINITY,
            covers: Vec::new(),
        };
        // "r" required drives alone; the phrase is looked up in its 200
        // documents.
        let query = RankedQuery {
            groups: vec![group(term, required), group(Box::new(walk), unit)],
            rule: rule(2, 1, 1, 1),
            exclusions: Vec::new(),
            filters: Vec::new(),
        };
        let (top, total, full) = collect(&searcher, &query);
        assert_eq!((top.len(), total), (20, 200));
        // The even ones from 2,000 on (2,032, 2,082, …, 4,982) have it.
        assert_eq!(full, 60);
        let looked = looked.load(std::sync::atomic::Ordering::Relaxed);
        assert!(looked <= 201, "{looked} documents looked at for 200 candidates");
    }

    #[test]
    fn documents_need_the_minimum_of_units_and_count_each_group_once() {
        let docs: &[&[&str]] = &[&["a"], &["a", "b"], &["a", "b", "c"], &["c"], &["d"], &["a", "a", "b", "c"]];
        let rule = |min_units| rule(3, min_units, 3, 0);
        // Any one of three.
        let (hits, total, full) = run(docs, &["a", "b", "c"], rule(1), &[]);
        assert_eq!(total, 5);
        assert_eq!(full, 2, "d2 and d5 have all three");
        assert_eq!(hits.len(), 5);
        // Two of three: d1, d2, d5.
        let (hits, total, _) = run(docs, &["a", "b", "c"], rule(2), &[]);
        assert_eq!(total, 3);
        let mut names: Vec<&str> = hits.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["d1", "d2", "d5"]);
        // All three, d5 deleted: only d2 is left.
        let (hits, total, full) = run(docs, &["a", "b", "c"], rule(3), &["d5"]);
        assert_eq!((total, full), (1, 1));
        assert_eq!(hits[0].0, "d2");
    }

    /// With a required group, only it drives (the others are looked up in
    /// its documents). The
    /// matches, their scores and the full matches are those of reading
    /// every group into the window.
    #[test]
    fn driving_groups_find_what_reading_every_group_finds() {
        let docs: &[&[&str]] = &[&["a"], &["a", "b"], &["a", "b", "c"], &["c"], &["b", "c", "c"], &["a", "c"]];
        let (index, f, _) = index_of(docs, &[]);
        let searcher = index.reader().expect("reader").searcher();
        let term = |t: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(f, t), IndexRecordOption::WithFreqs))
        };
        let group = |t: &str, role: Role| Group {
            parts: vec![GroupPart::of(term(t), 1.0)],
            role,
            best_only: false,
            bound: Score::INFINITY,
            covers: Vec::new(),
        };
        let run = |groups: Vec<Group>, rule: Rule| {
            let query = RankedQuery { groups, rule, exclusions: Vec::new(), filters: Vec::new() };
            let (mut top, _, full) = collect(&searcher, &query);
            top.sort_by_key(|(_, a)| a.doc_id);
            let found: Vec<(u32, f32)> = top.into_iter().map(|(s, a)| (a.doc_id, s)).collect();
            (found, full)
        };
        let unit = Role { unit: true, word: true, required: false, weight: 0.0, covers: 0, covers_weight: 0.0 };
        let required = Role { unit: false, word: false, required: true, weight: 0.0, covers: 0, covers_weight: 0.0 };
        // "c" required, "a" and "b" relaxed, two units needed (the required
        // one counts): c drives alone, a and b are looked up.
        let with_c = rule(3, 2, 2, 1);
        let (found, full) = run(vec![group("a", unit), group("b", unit), group("c", required)], with_c);
        let docs_found: Vec<u32> = found.iter().map(|(d, _)| *d).collect();
        assert_eq!(docs_found, [2, 4, 5], "c and at least one of a, b");
        assert_eq!(full, 1, "only doc 2 has a, b and c");
        // Doc 2 has all three: its score is the sum of three BM25 scores.
        let (alone, _) = run(vec![group("a", unit)], rule(1, 1, 1, 0));
        let a_in_2 = alone.iter().find(|(d, _)| *d == 2).map(|(_, s)| *s).expect("doc 2 has a");
        assert!(found.iter().find(|(d, _)| *d == 2).is_some_and(|(_, s)| *s > a_in_2));
        // Every unit needed.
        let strict = rule(2, 2, 2, 0);
        let (found, full) = run(vec![group("a", unit), group("c", unit)], strict);
        let docs_found: Vec<u32> = found.iter().map(|(d, _)| *d).collect();
        assert_eq!(docs_found, [2, 5]);
        assert_eq!(full, 2);
    }

    /// A window holds 4,096 documents: a match in every one of many
    /// windows, and seeks across them, all count.
    #[test]
    fn matches_across_windows_are_all_found() {
        let mut docs: Vec<&[&str]> = Vec::new();
        for i in 0..10_000 {
            docs.push(if i % 3 == 0 {
                &["a", "b"]
            } else if i % 3 == 1 {
                &["a"]
            } else {
                &["x"]
            });
        }
        let (_, total, full) = run(&docs, &["a", "b"], rule(2, 1, 2, 0), &[]);
        assert_eq!(total, 6_667);
        assert_eq!(full, 3_334);
    }

    /// A scorer dropped with documents pending in its window gives the
    /// window back reset: the next search on the thread, which takes it
    /// (see `scorer::spare_window`), finds what a new window finds.
    #[test]
    fn a_window_given_back_half_read_serves_the_next_search_as_new() {
        let mut docs: Vec<&[&str]> = Vec::new();
        for i in 0..5_000 {
            docs.push(if i % 3 == 0 { &["a", "b"] } else { &["b"] });
        }
        let before = run(&docs, &["a", "b"], rule(2, 1, 2, 0), &[]);
        // A scorer read for one document of its first window, dropped.
        let (index, f, _) = index_of(&docs, &[]);
        let searcher = index.reader().expect("reader").searcher();
        let query = query_of(f, &["a", "b"], rule(2, 1, 2, 0));
        let weight = query.weight(EnableScoring::enabled_from_searcher(&searcher)).expect("weight");
        let mut scorer = weight.scorer(searcher.segment_reader(0), 1.0).expect("scorer");
        assert_eq!(scorer.doc(), 0);
        assert_eq!(scorer.advance(), 1);
        drop(scorer);
        assert_eq!(run(&docs, &["a", "b"], rule(2, 1, 2, 0), &[]), before);
        assert_eq!(before.1, 5_000);
    }

    /// The pruning (see `scorer.rs`) changes no hit and no score: the
    /// collector's best hits with pruning from the first match on are
    /// those without, over documents of terms of every frequency, groups of
    /// every role, and rules from one unit to all of them.
    mod pruning {
        use proptest::prelude::*;
        use tantivy::query::Bm25Weight;

        use super::*;

        /// Terms from common to rare: `t0` in most documents, `t7` in few.
        /// (The corpus is in three segments.)
        const TERMS: [&str; 8] = ["t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7"];

        fn corpus(seed: u64, docs: usize) -> (Index, tantivy::schema::Field) {
            let mut schema = Schema::builder();
            let f = schema.add_text_field("f", tantivy::schema::TEXT);
            let index = Index::create_in_ram(schema.build());
            let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).expect("writer");
            let mut state = seed | 1;
            let mut next = move || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            };
            for i in 0..docs {
                // Three segments: a segment prunes with the thresholds of
                // those before it.
                if i > 0 && i % docs.div_ceil(3) == 0 {
                    writer.commit().expect("commit");
                }
                let mut text = Vec::new();
                for (i, t) in TERMS.iter().enumerate() {
                    // Term i is in about 1 of 1.6^i documents, up to 4 times.
                    if next() % 1000 < (900.0 / 1.6f64.powi(i as i32)) as u64 {
                        for _ in 0..=next() % 4 {
                            text.push(*t);
                        }
                    }
                }
                // Lengths vary, so that BM25's length normalisation varies.
                text.extend(std::iter::repeat_n("filler", (next() % 12) as usize));
                let mut d = tantivy::TantivyDocument::default();
                d.add_text(f, text.join(" "));
                writer.add_document(d).expect("add");
            }
            writer.commit().expect("commit");
            (index, f)
        }

        /// A group of two parts of one term or phrase (boosts 1 and 0.5), read
        /// directly or through tantivy's term scorer.
        fn group(
            searcher: &tantivy::Searcher,
            f: tantivy::schema::Field,
            spec: &(usize, u8, bool),
            direct: bool,
        ) -> Group {
            let (t, kind, best_only) = *spec;
            let term = Term::from_field_text(f, TERMS[t]);
            // A quarter of the groups are phrases of two terms: the next
            // one, or the one after (adjacent only in documents that lack
            // the one between), as a headline's pairs are looked up.
            let phrase = (kind & 24 == 24).then(|| {
                let next = (t + 1 + usize::from(kind & 32 != 0)) % TERMS.len();
                vec![term.clone(), Term::from_field_text(f, TERMS[next])]
            });
            let query = || -> Box<dyn Query> {
                match &phrase {
                    Some(terms) => Box::new(tantivy::query::PhraseQuery::new(terms.clone())),
                    None => Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                }
            };
            let terms = phrase.clone().unwrap_or_else(|| vec![term.clone()]);
            let boosts = [1.0, 0.5];
            let most = |boost: Score| {
                Bm25Weight::for_terms(searcher, &terms).expect("weight").boost_by(boost).score(0, u32::MAX)
            };
            let bound = if best_only { most(1.0) } else { most(1.0) + most(0.5) };
            let role = match kind % 4 {
                0 => Role { unit: true, word: true, required: false, weight: 1.0, covers: 0, covers_weight: 0.0 },
                1 => Role { unit: true, word: false, required: false, weight: 0.5, covers: 0, covers_weight: 0.0 },
                2 => Role { unit: false, word: false, required: false, weight: 0.0, covers: 0, covers_weight: 0.0 },
                _ => Role { unit: false, word: true, required: true, weight: 1.0, covers: 0, covers_weight: 0.0 },
            };
            let direct = direct && phrase.is_none();
            let part = |boost| GroupPart { term: direct.then(|| term.clone()), ..GroupPart::of(query(), boost) };
            Group { parts: boosts.iter().map(|b| part(*b)).collect(), role, best_only, bound, covers: Vec::new() }
        }

        /// The best `limit` hits, counting every match, then pruning from
        /// the first match on.
        fn both(searcher: &tantivy::Searcher, query: &RankedQuery, limit: usize) -> [Collected<usize>; 2] {
            [u64::MAX, 0].map(|count_up_to| sliced(searcher, query, limit, count_up_to, 1))
        }

        /// The best `limit` hits, the segments searched by `threads`
        /// threads in slices of at least 300 documents.
        fn sliced(
            searcher: &tantivy::Searcher,
            query: &RankedQuery,
            limit: usize,
            count_up_to: u64,
            threads: usize,
        ) -> Collected<usize> {
            let collector = Collect {
                driver: None,
                limit,
                order: Order::Relevance,
                ranked: true,
                count_up_to,
                shared: Default::default(),
                threads,
                min_slice_docs: 300,
                min_threaded_postings: 0,
                extra: tantivy::collector::Count,
            };
            search(searcher, query, &collector, searcher).expect("search")
        }

        /// The query of groups `specs` (some read directly, some through
        /// tantivy's scorer), a match needing `1/share` of its units;
        /// `None` when it has fewer than `least` units.
        fn query_of(
            searcher: &tantivy::Searcher,
            f: tantivy::schema::Field,
            specs: &[(usize, u8, bool)],
            share: u32,
            least: u32,
        ) -> Option<RankedQuery> {
            let groups: Vec<Group> = specs.iter().map(|s| group(searcher, f, s, s.1 & 4 == 0)).collect();
            let roles = groups.iter().map(|g| g.role);
            let units = roles.clone().filter(|r| r.unit || r.required).count() as u32;
            if units < least {
                return None;
            }
            let mut rule = Rule::of(roles, &RankingSettings::default());
            rule.min_units = units.div_ceil(share);
            Some(RankedQuery { groups, rule, exclusions: Vec::new(), filters: Vec::new() })
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
            #[test]
            fn pruned_best_hits_are_the_unpruned_ones(
                seed in any::<u64>(),
                docs in prop::sample::select(vec![300usize, 2_000, 9_000]),
                specs in prop::collection::vec((0usize..8, any::<u8>(), any::<bool>()), 1..7),
                share in 1u32..=3,
                limit in 1usize..40,
            ) {
                let (index, f) = corpus(seed, docs);
                let searcher = index.reader().expect("reader").searcher();
                let query = query_of(&searcher, f, &specs, share, 1);
                prop_assume!(query.is_some());
                let query = query.expect("assumed");
                let [all, pruned] = both(&searcher, &query, limit);
                prop_assert!(!all.pruned);
                let key = |h: &RankedHit| (h.score.to_bits(), h.address, h.full);
                let all_hits: Vec<_> = all.hits.iter().map(key).collect();
                let pruned_hits: Vec<_> = pruned.hits.iter().map(key).collect();
                prop_assert_eq!(all_hits, pruned_hits);
                prop_assert!(pruned.total <= all.total && pruned.full_matches <= all.full_matches);
                if !pruned.pruned {
                    prop_assert_eq!(pruned.total, all.total);
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
            /// Units looked up rather than read (see `scorer::dearest`) find
            /// the same matches, scores, verdicts and counts as reading
            /// every unit, counting every match and pruning.
            #[test]
            fn looked_up_units_find_what_reading_them_finds(
                seed in any::<u64>(),
                docs in prop::sample::select(vec![300usize, 2_000, 9_000]),
                specs in prop::collection::vec((0usize..8, any::<u8>(), any::<bool>()), 2..9),
                share in 1u32..=4,
                limit in 1usize..40,
            ) {
                let (index, f) = corpus(seed, docs);
                let searcher = index.reader().expect("reader").searcher();
                let query = query_of(&searcher, f, &specs, share, 2);
                prop_assume!(query.is_some());
                let query = query.expect("assumed");
                let run = |take_out: usize| {
                    crate::query::rank::scorer::TAKE_OUT.with(|t| t.set(Some(take_out)));
                    let found = both(&searcher, &query, limit);
                    crate::query::rank::scorer::TAKE_OUT.with(|t| t.set(None));
                    found.map(|c| {
                        let hits: Vec<_> = c.hits.iter().map(|h| (h.score.to_bits(), h.address, h.full)).collect();
                        (hits, c.total, c.full_matches, c.pruned)
                    })
                };
                let [read, read_pruned] = run(0);
                let [looked_up, looked_up_pruned] = run(usize::MAX);
                prop_assert_eq!(read, looked_up);
                // Pruned, the counts may differ (what is skipped depends on
                // what drives); the best hits may not.
                prop_assert_eq!(read_pruned.0, looked_up_pruned.0);
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]
            /// Segments cut into slices that several threads search find the
            /// hits and scores of one pass, and count the same matches when
            /// they count them all; a count that stopped early says so, and
            /// is at least the bound. The large corpus has segments of 10,000
            /// documents, so that a slice starts past the scorer's first
            /// window; some documents are deleted.
            #[test]
            fn slices_find_what_one_pass_finds(
                seed in any::<u64>(),
                docs in prop::sample::select(vec![2_000usize, 30_000]),
                specs in prop::collection::vec((0usize..8, any::<u8>(), any::<bool>()), 1..6),
                threads in 2usize..=8,
                limit in 1usize..40,
                delete in any::<bool>(),
            ) {
                let (index, f) = corpus(seed, docs);
                if delete {
                    let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).expect("writer");
                    writer.delete_term(Term::from_field_text(f, TERMS[5]));
                    writer.commit().expect("commit");
                }
                let searcher = index.reader().expect("reader").searcher();
                let groups: Vec<Group> = specs.iter().map(|s| group(&searcher, f, s, s.1 & 4 == 0)).collect();
                let roles = groups.iter().map(|g| g.role);
                prop_assume!(roles.clone().any(|r| r.unit || r.required));
                let rule = Rule::of(roles, &RankingSettings::default());
                let query = RankedQuery { groups, rule, exclusions: Vec::new(), filters: Vec::new() };
                let key = |c: &Collected<usize>| -> Vec<_> {
                    c.hits.iter().map(|h| (h.score.to_bits(), h.address, h.full)).collect()
                };
                let exact = sliced(&searcher, &query, limit, u64::MAX, 1);
                for count_up_to in [u64::MAX, 3_000, 300, 10, 0] {
                    let one = sliced(&searcher, &query, limit, count_up_to, 1);
                    let many = sliced(&searcher, &query, limit, count_up_to, threads);
                    prop_assert_eq!(key(&one), key(&many));
                    prop_assert_eq!(key(&exact), key(&many));
                    if many.pruned {
                        prop_assert!(many.total >= count_up_to.min(exact.total) && many.total <= exact.total);
                        prop_assert!(many.full_matches <= exact.full_matches);
                    } else {
                        let counts = |c: &Collected<usize>| (c.total, c.full_matches, c.extra);
                        prop_assert_eq!(counts(&exact), counts(&many));
                    }
                }
            }

            /// A term's postings read directly score as tantivy's term
            /// scorer scores them, to the bit (see `Source::Term`).
            #[test]
            fn direct_postings_score_as_tantivys_scorer(
                seed in any::<u64>(),
                specs in prop::collection::vec((0usize..8, any::<u8>(), any::<bool>()), 1..6),
            ) {
                let (index, f) = corpus(seed, 2_000);
                let searcher = index.reader().expect("reader").searcher();
                let run = |direct: bool| {
                    let groups: Vec<Group> = specs.iter().map(|s| group(&searcher, f, s, direct)).collect();
                    let roles = groups.iter().map(|g| g.role);
                    prop_assume!(roles.clone().any(|r| r.unit || r.required));
                    let rule = Rule::of(roles, &RankingSettings::default());
                    let query = RankedQuery { groups, rule, exclusions: Vec::new(), filters: Vec::new() };
                    let [all, _] = both(&searcher, &query, 50);
                    let hits: Vec<_> = all.hits.iter().map(|h| (h.score.to_bits(), h.address, h.full)).collect();
                    Ok((hits, all.total, all.full_matches))
                };
                prop_assert_eq!(run(true)?, run(false)?);
            }
        }

        /// The pruning does skip documents: a query of one rare and one
        /// common term, top 5 of 9,000 documents, counts fewer matches.
        #[test]
        fn pruning_skips_documents_that_cannot_enter() {
            let (index, f) = corpus(7, 9_000);
            let searcher = index.reader().expect("reader").searcher();
            let groups = vec![group(&searcher, f, &(0, 1, false), true), group(&searcher, f, &(7, 1, false), true)];
            let rule = Rule::of(groups.iter().map(|g| g.role), &RankingSettings::default());
            let query = RankedQuery { groups, rule, exclusions: Vec::new(), filters: Vec::new() };
            let [all, pruned] = both(&searcher, &query, 5);
            assert!(pruned.pruned);
            assert!(pruned.total * 2 < all.total, "{} of {}", pruned.total, all.total);
            assert_eq!(pruned.hits, all.hits);
        }
    }
}
