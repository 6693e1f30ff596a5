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
//! every match has at least one: every unit of matching, or, when a quoted
//! text is required, the rarest one. (A query whose every match must have
//! every word is not ranked here but by tantivy's boolean query; see
//! [`Rule::only_full_matches`].) The other groups are looked up (a
//! seek) in each candidate the drivers give, as tantivy's required-optional
//! scorer does: the characters of a query of words are in most documents,
//! and reading all of their postings would cost more than the rest of the
//! search.
//!
//! The scorer knows, for the document it is on, what of the query it has
//! ([`RankedScorer::is_full`]): the hits carry their verdict out of the
//! search with their score (see `super::collect`), and nothing reads the
//! postings again to find it.

use tantivy::fastfield::AliveBitSet;
use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

use super::matching::{Present, Role, Rule};

/// One unit of the query: its per-field queries, each with the boost its
/// score is multiplied by (0: it only matches, it adds nothing).
pub(crate) struct Group {
    pub parts: Vec<(Box<dyn Query>, Score)>,
    pub role: Role,
    /// Whether the group scores its best part only, rather than the sum:
    /// a word and its variants, each a part, score as one word.
    pub best_only: bool,
}

impl Clone for Group {
    fn clone(&self) -> Self {
        Group {
            parts: self.parts.iter().map(|(q, b)| (q.box_clone(), *b)).collect(),
            role: self.role,
            best_only: self.best_only,
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

impl Query for RankedQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let mut groups = Vec::with_capacity(self.groups.len());
        for group in &self.groups {
            let mut parts = Vec::with_capacity(group.parts.len());
            for (query, boost) in &group.parts {
                parts.push((query.weight(enable_scoring)?, *boost));
            }
            groups.push(GroupWeight { parts, role: group.role, best_only: group.best_only });
        }
        // Exclusions and filters only match: scoring them would be work for nothing.
        let disabled = match enable_scoring.searcher() {
            Some(searcher) => EnableScoring::disabled_from_searcher(searcher),
            None => EnableScoring::disabled_from_schema(enable_scoring.schema()),
        };
        let plain = |qs: &[Box<dyn Query>]| -> tantivy::Result<Vec<Box<dyn Weight>>> {
            qs.iter().map(|q| q.weight(disabled)).collect()
        };
        Ok(Box::new(RankedWeight {
            groups,
            rule: self.rule,
            exclusions: plain(&self.exclusions)?,
            filters: plain(&self.filters)?,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        for group in &self.groups {
            for (query, _) in &group.parts {
                query.query_terms(visitor);
            }
        }
    }
}

struct GroupWeight {
    parts: Vec<(Box<dyn Weight>, Score)>,
    role: Role,
    best_only: bool,
}

struct RankedWeight {
    groups: Vec<GroupWeight>,
    rule: Rule,
    exclusions: Vec<Box<dyn Weight>>,
    filters: Vec<Box<dyn Weight>>,
}

impl Weight for RankedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut groups: Vec<Vec<Part>> = Vec::with_capacity(self.groups.len());
        for (g, group) in self.groups.iter().enumerate() {
            let mut parts = Vec::new();
            for (weight, part_boost) in &group.parts {
                let scorer = weight.scorer(reader, boost * part_boost)?;
                if scorer.doc() != TERMINATED {
                    let group_id = u32::try_from(g + 1).unwrap_or(u32::MAX);
                    parts.push(Part {
                        scorer,
                        scored: *part_boost != 0.0,
                        best_only: group.best_only,
                        group: group_id,
                        role: group.role,
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
            self.groups.iter().map(|g| g.role.unit).collect()
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
        // One driving part needs no window (see `advance_single`).
        let single = parts.len() == 1;
        let window = if single { 0 } else { HORIZON as usize };
        let mut scorer = RankedScorer {
            parts,
            optional,
            bits: Box::new([0; BUCKETS]),
            slots: vec![Slot::default(); window].into_boxed_slice(),
            bucket: BUCKETS,
            window_start: 0,
            doc: 0,
            score: 0.0,
            present: Present::default(),
            rule: self.rule,
            alive: reader.alive_bitset().cloned(),
            exclusions: plain(&self.exclusions)?,
            filters: plain(&self.filters)?,
            single,
        };
        scorer.advance();
        Ok(Box::new(scorer))
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

/// The window: 64 buckets of 64 documents.
const BUCKETS: usize = 64;
const HORIZON: u32 = 64 * BUCKETS as u32;

/// What a document in the window has gathered so far.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    score: Score,
    /// The last group that reached it, plus one (0: none yet).
    last_group: u32,
    /// The best score of that group's parts so far, for a group that
    /// scores its best part only.
    best: Score,
    present: Present,
}

impl Slot {
    /// Adds a part that has the document. Parts of one group come one
    /// after the other, so a new group is one the slot has not seen last.
    #[inline]
    fn hit(&mut self, part: &mut Part) {
        if self.last_group != part.group {
            self.last_group = part.group;
            self.best = 0.0;
            self.present.add(part.role);
        }
        if part.scored {
            let score = part.scorer.score();
            if !part.best_only {
                self.score += score;
            } else if score > self.best {
                self.score += score - self.best;
                self.best = score;
            }
        }
    }
}

struct Part {
    scorer: Box<dyn Scorer>,
    scored: bool,
    /// Whether its group scores its best part only (a word and its variants).
    best_only: bool,
    group: u32,
    role: Role,
}

/// The scorer of a segment (see the module docs).
pub(crate) struct RankedScorer {
    /// The parts of the driving groups, those of one group next to each other.
    parts: Vec<Part>,
    /// The parts of the other groups, looked up in each candidate, those of
    /// one group next to each other.
    optional: Vec<Part>,
    bits: Box<[u64; BUCKETS]>,
    slots: Box<[Slot]>,
    bucket: usize,
    window_start: DocId,
    doc: DocId,
    score: Score,
    /// What the current document has of the query.
    present: Present,
    rule: Rule,
    alive: Option<AliveBitSet>,
    exclusions: Vec<Box<dyn Scorer>>,
    filters: Vec<Box<dyn Scorer>>,
    /// Whether one part drives (see `advance_single`).
    single: bool,
}

impl RankedScorer {
    /// Whether the current document is a full match.
    pub(crate) fn is_full(&self) -> bool {
        self.rule.is_full(&self.present)
    }

    /// Reads the next window of postings, from the smallest document any
    /// part is on. False when every part is done.
    fn refill(&mut self) -> bool {
        self.parts.retain(|p| p.scorer.doc() != TERMINATED);
        let Some(min) = self.parts.iter().map(|p| p.scorer.doc()).min() else {
            return false;
        };
        self.window_start = min;
        self.bucket = 0;
        let horizon = min.saturating_add(HORIZON);
        let (bits, slots) = (&mut self.bits, &mut self.slots);
        for part in &mut self.parts {
            let mut doc = part.scorer.doc();
            while doc < horizon {
                let delta = (doc - min) as usize;
                bits[delta / 64] |= 1 << (delta % 64);
                slots[delta].hit(part);
                doc = part.scorer.advance();
            }
        }
        true
    }

    /// Adds the optional groups a candidate has to its slot.
    fn look_up_optional(&mut self, doc: DocId, slot: &mut Slot) {
        for part in &mut self.optional {
            if part.scorer.doc() < doc {
                part.scorer.seek(doc);
            }
            if part.scorer.doc() == doc {
                slot.hit(part);
            }
        }
    }

    /// Whether the document passes the rule, the filters and the
    /// exclusions, and is not deleted; its slot gets the optional groups.
    fn accept(&mut self, doc: DocId, slot: &mut Slot) -> bool {
        // Without a required group every unit of matching drives, so a
        // candidate's units are known before the optional groups are
        // looked up.
        if self.rule.required == 0 && slot.present.units < self.rule.min_units {
            return false;
        }
        if self.alive.as_ref().is_some_and(|a| a.is_deleted(doc)) {
            return false;
        }
        self.look_up_optional(doc, slot);
        if !self.rule.matches(&slot.present) {
            return false;
        }
        for filter in &mut self.filters {
            if filter.doc() < doc {
                filter.seek(doc);
            }
            if filter.doc() != doc {
                return false;
            }
        }
        for exclusion in &mut self.exclusions {
            if exclusion.doc() < doc {
                exclusion.seek(doc);
            }
            if exclusion.doc() == doc {
                return false;
            }
        }
        true
    }

    /// Makes `doc` the current match.
    fn emit(&mut self, doc: DocId, slot: &Slot) {
        self.doc = doc;
        self.present = slot.present;
        self.score = slot.score * self.rule.coverage(slot.present.words);
    }

    /// `advance` with one driving part: its documents are the candidates
    /// in order, without the window.
    fn advance_single(&mut self) -> DocId {
        loop {
            let Some(part) = self.parts.first_mut() else {
                self.doc = TERMINATED;
                return TERMINATED;
            };
            let doc = part.scorer.doc();
            if doc == TERMINATED {
                self.doc = TERMINATED;
                return TERMINATED;
            }
            let mut slot = Slot::default();
            slot.hit(part);
            part.scorer.advance();
            if self.accept(doc, &mut slot) {
                self.emit(doc, &slot);
                return doc;
            }
        }
    }

    /// Drops the window's documents before `bucket` (their slots are reset).
    fn clear_buckets(&mut self, until: usize) {
        for b in self.bucket..until.min(BUCKETS) {
            let mut bits = std::mem::take(&mut self.bits[b]);
            while bits != 0 {
                let t = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                self.slots[b * 64 + t] = Slot::default();
            }
        }
        self.bucket = self.bucket.max(until.min(BUCKETS));
    }
}

impl DocSet for RankedScorer {
    fn advance(&mut self) -> DocId {
        if self.single {
            return self.advance_single();
        }
        loop {
            while self.bucket < BUCKETS {
                let bits = self.bits[self.bucket];
                if bits == 0 {
                    self.bucket += 1;
                    continue;
                }
                let t = bits.trailing_zeros() as usize;
                self.bits[self.bucket] = bits & (bits - 1);
                let delta = self.bucket * 64 + t;
                let mut slot = std::mem::take(&mut self.slots[delta]);
                let doc = self.window_start + delta as DocId;
                if self.accept(doc, &mut slot) {
                    self.emit(doc, &slot);
                    return doc;
                }
            }
            if !self.refill() {
                self.doc = TERMINATED;
                return TERMINATED;
            }
        }
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        if self.single {
            if let Some(part) = self.parts.first_mut() {
                if part.scorer.doc() < target {
                    part.scorer.seek(target);
                }
            }
            return self.advance_single();
        }
        if target < self.window_start.saturating_add(HORIZON) {
            // Drop the window's documents before the target, without
            // looking at them: a skipped document is no match (and no full
            // match to count).
            let delta = (target - self.window_start) as usize;
            self.clear_buckets(delta / 64);
            if self.bucket == delta / 64 {
                let below = (1u64 << (delta % 64)) - 1;
                let mut dropped = self.bits[self.bucket] & below;
                self.bits[self.bucket] &= !below;
                while dropped != 0 {
                    let t = dropped.trailing_zeros() as usize;
                    dropped &= dropped - 1;
                    self.slots[self.bucket * 64 + t] = Slot::default();
                }
            }
        } else {
            self.clear_buckets(BUCKETS);
            for part in &mut self.parts {
                if part.scorer.doc() < target {
                    part.scorer.seek(target);
                }
            }
        }
        let mut doc = self.advance();
        while doc < target {
            doc = self.advance();
        }
        doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.parts.iter().map(|p| p.scorer.size_hint()).sum::<u32>()
    }

    fn cost(&self) -> u64 {
        self.parts.iter().map(|p| p.scorer.cost()).sum()
    }
}

impl Scorer for RankedScorer {
    fn score(&mut self) -> Score {
        self.score
    }
}

#[cfg(test)]
mod tests {
    use tantivy::query::TermQuery;
    use tantivy::schema::{IndexRecordOption, Schema, STRING};
    use tantivy::{Index, IndexWriter, Term};

    use super::super::collect::{Collect, Order};
    use super::super::settings::RankingSettings;
    use super::*;

    /// The rule of `min_units` of `units` units, `words` words and
    /// `required` quoted texts.
    fn rule(units: u32, min_units: u32, words: u32, required: u32) -> Rule {
        let coverage_weight = RankingSettings::default().coverage_weight;
        Rule { units, min_units, words, required, coverage_weight }
    }

    /// Runs `query` with the search's collector: (hits by score, total, full matches).
    fn collect(searcher: &tantivy::Searcher, query: &RankedQuery) -> (Vec<(f32, tantivy::DocAddress)>, u64, u64) {
        let collector = Collect { limit: 20, order: Order::Relevance, ranked: true, extra: tantivy::collector::Count };
        let found = searcher.search(query, &collector).expect("search");
        (found.hits.iter().map(|h| (h.score, h.address)).collect(), found.total, found.full_matches)
    }

    /// Documents of words; each word a group (a unit and a word), the
    /// scores of a group's two parts (the same term twice) added.
    fn run(docs: &[&[&str]], groups: &[&str], rule: Rule, deleted: &[&str]) -> (Vec<(String, f32)>, u64, u64) {
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
        let searcher = index.reader().expect("reader").searcher();
        let term = |t: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(f, t), IndexRecordOption::WithFreqs))
        };
        let query = RankedQuery {
            groups: groups
                .iter()
                .map(|g| Group {
                    parts: vec![(term(g), 1.0), (term(g), 0.5)],
                    role: Role { unit: true, word: true, required: false },
                    best_only: false,
                })
                .collect(),
            rule,
            exclusions: Vec::new(),
            filters: Vec::new(),
        };
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
        let mut schema = Schema::builder();
        let f = schema.add_text_field("f", STRING);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).expect("writer");
        for words in docs {
            let mut d = tantivy::TantivyDocument::default();
            for w in *words {
                d.add_text(f, w);
            }
            writer.add_document(d).expect("add");
        }
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        let term = |t: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(f, t), IndexRecordOption::WithFreqs))
        };
        let group = |t: &str, role: Role| Group { parts: vec![(term(t), 1.0)], role, best_only: false };
        let run = |groups: Vec<Group>, rule: Rule| {
            let query = RankedQuery { groups, rule, exclusions: Vec::new(), filters: Vec::new() };
            let (mut top, _, full) = collect(&searcher, &query);
            top.sort_by_key(|(_, a)| a.doc_id);
            let found: Vec<(u32, f32)> = top.into_iter().map(|(s, a)| (a.doc_id, s)).collect();
            (found, full)
        };
        let unit = Role { unit: true, word: true, required: false };
        let required = Role { unit: false, word: false, required: true };
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
}
