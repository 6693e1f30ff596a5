//! The ranked query's scorer: a window of 4,096 documents at a time,
//! where each document's slot gathers its score and what of the query it
//! has (see `union.rs` for the design).

use tantivy::fastfield::AliveBitSet;
use tantivy::query::Scorer;
use tantivy::{DocId, DocSet, Score, TERMINATED};

use super::matching::{Present, Role, Rule};

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

pub(crate) struct Part {
    pub scorer: Box<dyn Scorer>,
    /// Whether it adds to the score (a part of boost 0 only matches).
    pub scored: bool,
    /// Whether its group scores its best part only (a word and its variants).
    pub best_only: bool,
    /// Its group's number, from 1.
    pub group: u32,
    pub role: Role,
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
    pub(crate) exclusions: Vec<Box<dyn Scorer>>,
    pub(crate) filters: Vec<Box<dyn Scorer>>,
    /// Whether one part drives (see `advance_single`).
    single: bool,
}

impl RankedScorer {
    /// A scorer driven by `parts` (those of one group next to each other),
    /// with `optional` looked up in each candidate, on its first match.
    /// The exclusions and filters are set before the first `advance`.
    pub(crate) fn new(parts: Vec<Part>, optional: Vec<Part>, rule: Rule, alive: Option<AliveBitSet>) -> RankedScorer {
        // One driving part needs no window (see `advance_single`).
        let single = parts.len() == 1;
        let window = if single { 0 } else { HORIZON as usize };
        RankedScorer {
            parts,
            optional,
            bits: Box::new([0; BUCKETS]),
            slots: vec![Slot::default(); window].into_boxed_slice(),
            bucket: BUCKETS,
            window_start: 0,
            doc: 0,
            score: 0.0,
            present: Present::default(),
            rule,
            alive,
            exclusions: Vec::new(),
            filters: Vec::new(),
            single,
        }
    }

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
        if self.rule.required == 0 && !self.rule.enough(&slot.present) {
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
