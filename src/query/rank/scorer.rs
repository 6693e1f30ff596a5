//! The ranked query's scorer: a window of 4,096 documents at a time,
//! where each document's slot gathers its score and what of the query it
//! has (see `union.rs` for the design).
//!
//! ## Pruning
//!
//! Once the collector has counted enough matches that the total may be a
//! lower bound, it passes the score a document must beat to enter the best
//! hits ([`RankedScorer::raise_threshold`]), and the scorer stops scoring
//! documents that cannot (MaxScore, as Lucene's `MaxScoreBulkScorer`):
//! every group knows the most it can add to a document (its BM25 weight at
//! its boost, see `parts::group_bound`).
//! - The driving groups whose bounds, summed with the optional groups'
//!   and taken from the least, cannot reach the threshold stop driving: a
//!   document that has only them cannot enter. They are looked up in the
//!   candidates the others give, as the optional groups are. On a headline
//!   these are the common characters, whose postings are most of the cost.
//! - A candidate whose score so far plus the bounds of what is left to
//!   look up cannot reach the threshold is dropped before (or while) it is
//!   looked up.
//!
//! A dropped document's score is below the threshold, so the best hits and
//! their scores are those of the unpruned search; only the counts miss it.
//!
//! ## Units looked up from the start
//!
//! Before any threshold, while every match is counted, a headline's common
//! characters are still most of its postings, and a match needs only a
//! third of its units. Lucene's minimum-should-match scorer reads the
//! rarest and looks the others up; here a cost model picks how many of
//! the commonest units to look up (see `dearest`): never so many that a
//! match could have none of the others, and only while the seeks in the
//! candidates with enough of the others cost less than the postings left
//! unread. What matches, scores and counts is the same either way.

use tantivy::fastfield::AliveBitSet;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{Bm25Weight, Scorer};
use tantivy::{DocId, DocSet, Score, SeekDangerResult, TERMINATED};

use super::matching::{Present, Role, Rule};

/// The window: 64 buckets of 64 documents.
const BUCKETS: usize = 64;
const HORIZON: u32 = 64 * BUCKETS as u32;

/// What a document in the window has gathered so far.
///
/// The score is summed in `f64`: a sum of a few dozen `f32` scores is then
/// exact, whatever the order of its parts, so a document scores the same
/// bits whether its groups are read in the window or looked up (the
/// pruning changes which, see the module docs).
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    score: f64,
    /// The last group that reached it, plus one (0: none yet).
    last_group: u32,
    /// The best score of that group's parts so far, for a group that
    /// scores its best part only.
    best: f64,
    present: Present,
}

impl Slot {
    /// Whether it is as new (see `spare_window`).
    fn is_reset(&self) -> bool {
        self.score == 0.0 && self.last_group == 0 && self.best == 0.0 && self.present == Present::default()
    }

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
            let score = f64::from(part.scorer.score());
            if !part.best_only {
                self.score += score;
            } else if score > self.best {
                self.score += score - self.best;
                self.best = score;
            }
        }
    }
}

/// Where a part's documents and scores come from.
// A query has a few dozen parts; boxing the postings would add a pointer
// to follow on every posting read, which is what this type saves.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Source {
    /// A term's postings, read and scored here as tantivy's term scorer
    /// reads and scores them, to the bit, without its two virtual calls a
    /// posting: most parts are a character or a bigram, and a headline
    /// reads hundreds of thousands of their postings.
    Term { postings: SegmentPostings, norms: FieldNormReader, weight: Bm25Weight },
    /// Any other query's scorer (a phrase, a word with its variants).
    /// `missed` is set while the part, looked up, last missed a candidate
    /// (see [`Source::has`]): no document before it is the part's, and
    /// the scorer is in tantivy's "danger zone" until it finds one.
    Scorer { scorer: Box<dyn Scorer>, missed: Option<DocId> },
}

impl Source {
    pub(crate) fn scorer(scorer: Box<dyn Scorer>) -> Source {
        Source::Scorer { scorer, missed: None }
    }

    /// A scorer in tantivy's danger zone, with no document before `bound`
    /// (as `Weight::scorer_danger` leaves one that missed its target).
    pub(crate) fn missed(scorer: Box<dyn Scorer>, bound: DocId) -> Source {
        Source::Scorer { scorer, missed: Some(bound) }
    }

    /// The current document. Not to be asked of a part in tantivy's danger
    /// zone (one that missed its last lookup, [`Source::has`], or was made
    /// past its start, [`Source::missed`]) before a [`Source::seek`] or
    /// [`Source::at_least`]. No path does; should one, a release build
    /// reads the part as done rather than panic inside a search.
    #[inline]
    pub(crate) fn doc(&self) -> DocId {
        match self {
            Source::Term { postings, .. } => postings.doc(),
            Source::Scorer { scorer, missed: None } => scorer.doc(),
            Source::Scorer { missed: Some(bound), .. } => {
                debug_assert_eq!(*bound, TERMINATED, "a part that missed a lookup asked for its document");
                TERMINATED
            }
        }
    }

    #[inline]
    pub(crate) fn advance(&mut self) -> DocId {
        match self {
            Source::Term { postings, .. } => postings.advance(),
            Source::Scorer { scorer, missed } => {
                debug_assert!(missed.is_none(), "a part that missed a lookup advanced");
                scorer.advance()
            }
        }
    }

    /// Moves to the first document at or after `target` (which is at or
    /// after the current document), from a missed lookup too.
    #[inline]
    pub(crate) fn seek(&mut self, target: DocId) -> DocId {
        match self {
            Source::Term { postings, .. } => postings.seek(target),
            Source::Scorer { scorer, missed: None } => scorer.seek(target),
            Source::Scorer { scorer, missed } => {
                // Out of the danger zone the only way tantivy allows: seek
                // it until it finds a document.
                let mut target = missed.unwrap_or(target).max(target);
                while target != TERMINATED {
                    match scorer.seek_danger(target) {
                        SeekDangerResult::Found => {
                            *missed = None;
                            return target;
                        }
                        SeekDangerResult::SeekLowerBound(bound) => target = bound,
                    }
                }
                *missed = Some(TERMINATED);
                TERMINATED
            }
        }
    }

    /// Moves to the first document at or after `target` unless it is
    /// there or past it already (from a missed lookup too): the document.
    #[inline]
    pub(crate) fn at_least(&mut self, target: DocId) -> DocId {
        match self {
            Source::Scorer { missed: Some(_), .. } => self.seek(target),
            _ if self.doc() < target => self.seek(target),
            _ => self.doc(),
        }
    }

    /// Whether the part has `doc`, a candidate after every one asked
    /// before: a lookup (see `RankedScorer::look_up`). A phrase's scorer
    /// asked to seek a document it lacks goes on to the next document
    /// that has the phrase, checking the positions of every document that
    /// has its terms on the way; the candidates to come may be far past
    /// that, or before it. Asked here whether it has this one, it checks
    /// this one only (tantivy's `seek_danger`).
    #[inline]
    pub(crate) fn has(&mut self, doc: DocId) -> bool {
        match self {
            Source::Term { postings, .. } => {
                if postings.doc() < doc {
                    postings.seek(doc);
                }
                postings.doc() == doc
            }
            Source::Scorer { scorer, missed } => {
                match *missed {
                    Some(bound) if bound > doc => return false,
                    None if scorer.doc() >= doc => return scorer.doc() == doc,
                    _ => {}
                }
                match scorer.seek_danger(doc) {
                    SeekDangerResult::Found => {
                        *missed = None;
                        true
                    }
                    SeekDangerResult::SeekLowerBound(bound) => {
                        *missed = Some(bound);
                        false
                    }
                }
            }
        }
    }

    #[inline]
    pub(crate) fn score(&mut self) -> Score {
        match self {
            Source::Term { postings, norms, weight } => {
                weight.score(norms.fieldnorm_id(postings.doc()), postings.term_freq())
            }
            Source::Scorer { scorer, .. } => scorer.score(),
        }
    }

    pub(crate) fn cost(&self) -> u64 {
        match self {
            Source::Term { postings, .. } => postings.cost(),
            Source::Scorer { scorer, .. } => scorer.cost(),
        }
    }

    fn size_hint(&self) -> u32 {
        match self {
            Source::Term { postings, .. } => postings.size_hint(),
            Source::Scorer { scorer, .. } => scorer.size_hint(),
        }
    }
}

pub(crate) struct Part {
    pub scorer: Source,
    /// Whether it adds to the score (a part of boost 0 only matches).
    pub scored: bool,
    /// Whether its group scores its best part only (a word and its variants).
    pub best_only: bool,
    /// Its group's number, from 1.
    pub group: u32,
    pub role: Role,
    /// The most its group adds to a document's score (infinite when not
    /// known): what the pruning reads.
    pub bound: Score,
}

/// A group as [`RankedScorer::split`] weighs it.
struct SplitGroup {
    group: u32,
    bound: Score,
    /// Its parts' postings in the segment.
    cost: u64,
    /// The most it adds to what a document has.
    most: Present,
}

impl SplitGroup {
    /// Whether having it brings a document no nearer to the rule (a
    /// bigram, which only scores).
    fn adds_nothing(&self) -> bool {
        self.most.units == 0 && self.most.required == 0 && self.most.weight == 0.0
    }
}

/// The distinct groups of `parts` (whose groups are adjacent).
fn groups_of(parts: &[Part]) -> Vec<SplitGroup> {
    let mut groups: Vec<SplitGroup> = Vec::new();
    for part in parts {
        let most = Present::of(part.role);
        match groups.last_mut() {
            Some(g) if g.group == part.group => {
                g.cost += part.scorer.cost();
                g.most = g.most.max(most);
            }
            _ => groups.push(SplitGroup { group: part.group, bound: part.bound, cost: part.scorer.cost(), most }),
        }
    }
    groups
}

/// The chance that at least `m` of independent events of chances `p`
/// happen (a Poisson binomial tail, by its recurrence).
fn at_least(p: &[f64], m: u32) -> f64 {
    let m = m as usize;
    if m == 0 {
        return 1.0;
    }
    // dp[c]: the chance of exactly c so far; dp[m], of m or more.
    let mut dp = vec![0.0; m + 1];
    dp[0] = 1.0;
    for &q in p {
        for c in (0..=m).rev() {
            let stay = if c == m { dp[c] } else { dp[c] * (1.0 - q) };
            let come = if c > 0 { dp[c - 1] * q } else { 0.0 };
            dp[c] = stay + come;
        }
    }
    dp[m]
}

/// The units with the most postings to look up rather than read, of
/// `groups`, under `rule`, in a segment of `max_doc` documents. Each one
/// taken out saves reading its postings, but a candidate then needs one
/// unit more from the others, and is looked up in it, a seek. A
/// headline's common characters are most of its postings; with a third of
/// its units needed, the documents with a few of its rarer ones are few.
/// The cost of each choice is estimated as if the units fell in documents
/// independently (they do not: the estimate of candidates is raised by
/// [`CORRELATION`]); no choice changes what matches, only what it costs
/// to find.
fn dearest(rule: &Rule, max_doc: DocId, groups: &[SplitGroup]) -> Vec<u32> {
    let mut units: Vec<&SplitGroup> = groups.iter().filter(|g| !g.adds_nothing()).collect();
    units.sort_by(|a, b| b.cost.cmp(&a.cost).then(a.group.cmp(&b.group)));
    // What the first k units add, for as many as may be taken out: while
    // a document with only them cannot match.
    let mut aside = vec![Present::default()];
    for g in &units {
        let more = aside[aside.len() - 1].plus(&g.most);
        if rule.could_match(&Present::default(), &more) {
            break;
        }
        aside.push(more);
    }
    #[cfg(test)]
    if let Some(n) = TAKE_OUT.with(|t| t.get()) {
        return units[..n.min(aside.len() - 1)].iter().map(|g| g.group).collect();
    }
    let docs = f64::from(max_doc.max(1));
    let chance = |g: &&SplitGroup| (g.cost as f64 / docs).min(1.0);
    let (mut best, mut best_cost) = (0, f64::INFINITY);
    for (k, aside) in aside.iter().enumerate() {
        let driving = &units[k..];
        let p: Vec<f64> = driving.iter().map(chance).collect();
        let needs = Needs::of(rule, aside);
        let read: f64 = driving.iter().map(|g| g.cost as f64).sum();
        let any = docs * at_least(&p, 1);
        let enough = (docs * at_least(&p, needs.units.max(1)) * CORRELATION).min(any);
        let cost = read + any * CANDIDATE_COST + enough * k as f64 * SEEK_COST;
        if cost < best_cost {
            (best, best_cost) = (k, cost);
        }
    }
    units[..best].iter().map(|g| g.group).collect()
}

#[cfg(test)]
thread_local! {
    /// For tests: take out as many units as the rule allows, up to this
    /// many, whatever they cost; `None`: as the cost model says.
    pub(crate) static TAKE_OUT: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// What a document must have, at least, to pass [`Rule::could_match`]
/// with `more` besides: a quick test, before the exact one, that lets
/// through every document the exact one does (and, by a hair of the
/// weight, perhaps a few more).
#[derive(Debug, Clone, Copy, Default)]
struct Needs {
    required: u32,
    units: u32,
    weight: f64,
}

impl Needs {
    fn of(rule: &Rule, more: &Present) -> Needs {
        // `could_match`: `(w + more) × (1 + 1e-4) + 1e-3 >= min_weight`,
        // solved for `w`, made smaller by more than its rounding.
        let weight = (f64::from(rule.min_weight) - 1e-3) / (1.0 + 1e-4) - f64::from(more.weight);
        Needs {
            required: rule.required.saturating_sub(more.required),
            units: rule.min_units.saturating_sub(more.units + more.required),
            weight: weight - 1e-6 * (1.0 + weight.abs()),
        }
    }

    #[inline]
    fn met_by(&self, present: &Present) -> bool {
        present.required >= self.required
            && (present.units + present.required >= self.units || f64::from(present.weight) >= self.weight)
    }
}

/// A looked-up group: where its parts end in the lookups, and what the
/// groups after it can add at most (see [`RankedScorer::look_up`]).
#[derive(Debug, Clone, Copy)]
struct LookupGroup {
    end: usize,
    /// The sum of the bounds of the groups after this one.
    bound_after: f64,
    /// The most the groups after this one add to what a document has.
    most_after: Present,
}

/// The looked-up groups of `parts` (whose groups are adjacent), and the
/// most all of them add to the score and to what a document has. The
/// weights are summed in `f64` (see [`Rule::could_match`]).
fn lookup_groups(parts: &[Part]) -> (Vec<LookupGroup>, f64, Present) {
    let mut groups: Vec<(usize, f64, Present)> = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let role = Present::of(part.role);
        match groups.last_mut() {
            Some((end, _, most)) if parts[*end - 1].group == part.group => {
                *end = i + 1;
                *most = most.max(role);
            }
            _ => groups.push((i + 1, f64::from(part.bound), role)),
        }
    }
    let mut out = vec![LookupGroup { end: 0, bound_after: 0.0, most_after: Present::default() }; groups.len()];
    let (mut bound, mut most) = (0.0, Present::default());
    for (k, (end, group_bound, group_most)) in groups.iter().enumerate().rev() {
        out[k] = LookupGroup { end: *end, bound_after: bound, most_after: most };
        bound += group_bound;
        most = most.plus(group_most);
    }
    (out, bound, most)
}

/// What a document with some of the driving units costs, against a
/// posting read into the window (see [`dearest`]).
const CANDIDATE_COST: f64 = 0.5;
/// What looking a group up in a candidate costs, against a posting read.
const SEEK_COST: f64 = 1.0;
/// How many more documents have several of a query's units than if they
/// fell in documents independently: the characters of a headline come
/// together in the news about it. Measured: on 300 headlines over 200 MB,
/// 10 was faster than 3 and than 30 (1 and 3 took too many units out).
const CORRELATION: f64 = 10.0;

/// A margin against rounding: the bounds are `f32` weights, the coverage
/// factor is applied in `f32`.
const SLACK: f64 = 1.0 + 1e-4;

/// How many windows a thread keeps for its next scorers.
const SPARE_WINDOWS: usize = 4;

thread_local! {
    /// The windows of this thread's dropped scorers, every slot reset. A
    /// window is 160 KB and a search opens a scorer on each segment: made
    /// anew, each was written whole, and often faulted in afresh from the
    /// system, on every search.
    static SPARE: std::cell::RefCell<Vec<Box<[Slot]>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A window of reset slots: a spare one of this thread's, or a new one.
fn spare_window() -> Box<[Slot]> {
    SPARE
        .with(|spare| spare.borrow_mut().pop())
        .unwrap_or_else(|| vec![Slot::default(); HORIZON as usize].into_boxed_slice())
}

/// The scorer of a segment (see the module docs).
pub(crate) struct RankedScorer {
    /// The parts of the driving groups, those of one group next to each other.
    parts: Vec<Part>,
    /// The parts of the other groups, looked up in each candidate, those of
    /// one group next to each other, the largest bound first (so that a
    /// candidate that cannot reach the threshold is dropped early).
    lookups: Vec<Part>,
    /// The sum of the looked-up groups' bounds.
    lookup_bound: f64,
    /// The looked-up groups, in the order of the lookups.
    lookup_groups: Vec<LookupGroup>,
    /// The most the looked-up groups can add to what a candidate has of
    /// the query: a candidate that cannot match even with all of them is
    /// dropped before anything is looked up.
    lookup_most: Present,
    /// What a candidate must have from the driving groups to pass
    /// `rule.could_match` with the lookups.
    needs: Needs,
    /// The segment's documents, deleted ones included.
    max_doc: DocId,
    bits: Box<[u64; BUCKETS]>,
    slots: Box<[Slot]>,
    bucket: usize,
    window_start: DocId,
    /// The first document not yet read: a group that starts to drive
    /// starts there.
    next_start: DocId,
    doc: DocId,
    score: Score,
    /// What the current document has of the query.
    present: Present,
    rule: Rule,
    alive: Option<AliveBitSet>,
    pub(crate) exclusions: Vec<Box<dyn Scorer>>,
    pub(crate) filters: Vec<Box<dyn Scorer>>,
    /// Whether one part drives (see `next_single`).
    single: bool,
    /// The score a document must beat to enter the best hits; 0 while the
    /// scorer does not prune (module docs).
    threshold: f64,
    /// Whether the threshold rose since the groups were last split.
    resplit: bool,
    /// The largest coverage factor a document can have.
    max_coverage: f64,
}

impl RankedScorer {
    /// A scorer driven by `parts` (those of one group next to each other),
    /// with `optional` looked up in each candidate (a part may come in
    /// tantivy's danger zone, see [`Source::missed`]).
    /// The exclusions and filters are set before the first `advance`.
    pub(crate) fn new(
        parts: Vec<Part>,
        optional: Vec<Part>,
        rule: Rule,
        alive: Option<AliveBitSet>,
        max_doc: DocId,
    ) -> RankedScorer {
        let mut scorer = RankedScorer {
            parts,
            lookups: optional,
            lookup_bound: 0.0,
            lookup_groups: Vec::new(),
            lookup_most: Present::default(),
            needs: Needs::default(),
            max_doc,
            bits: Box::new([0; BUCKETS]),
            slots: Box::default(),
            bucket: BUCKETS,
            window_start: 0,
            next_start: 0,
            doc: 0,
            score: 0.0,
            present: Present::default(),
            rule,
            alive,
            exclusions: Vec::new(),
            filters: Vec::new(),
            single: false,
            threshold: 0.0,
            // The first split is before the first window.
            resplit: true,
            max_coverage: f64::from(rule.coverage(0).max(rule.coverage(rule.words))),
        };
        scorer.settle();
        scorer
    }

    /// After the groups moved: the lookups' order and bound, and the window
    /// (one driving part needs none, see `next_single`).
    fn settle(&mut self) {
        self.lookups.sort_by(|a, b| b.bound.total_cmp(&a.bound).then(a.group.cmp(&b.group)));
        (self.lookup_groups, self.lookup_bound, self.lookup_most) = lookup_groups(&self.lookups);
        self.needs = Needs::of(&self.rule, &self.lookup_most);
        self.single = self.parts.len() == 1;
        if !self.single && self.slots.is_empty() {
            self.slots = spare_window();
        }
    }

    /// Before the first `advance`: the scorer starts at `start`, its
    /// driving parts moved there (the lookups, filters and exclusions
    /// follow the candidates).
    pub(crate) fn start_at(&mut self, start: DocId) {
        for part in &mut self.parts {
            part.scorer.at_least(start);
        }
        self.next_start = self.next_start.max(start);
    }

    /// Whether the current document is a full match.
    pub(crate) fn is_full(&self) -> bool {
        self.rule.is_full(&self.present)
    }

    /// From now on, only documents whose score is above `threshold` are
    /// wanted: the scorer may skip the others (module docs). A threshold
    /// never falls.
    pub(crate) fn raise_threshold(&mut self, threshold: Score) {
        let threshold = f64::from(threshold);
        if threshold > self.threshold {
            self.threshold = threshold;
            self.resplit = true;
        }
    }

    /// Whether a document whose score can be at most `bound` (before the
    /// coverage factor) falls short of the threshold.
    #[inline]
    fn short_of(&self, bound: f64) -> bool {
        bound * self.max_coverage * SLACK < self.threshold
    }

    /// Splits the groups, before the first window and again for each
    /// higher threshold: the groups of a set that no wanted document has
    /// alone are looked up in the candidates the others give; the others
    /// drive. A document that has only groups of the set is not wanted
    /// when
    /// - their bounds, summed, cannot reach the threshold (MaxScore, see
    ///   the module docs): the least bounds first, as many as can be;
    /// - or, before any threshold (while every match is counted), they
    ///   cannot bring it to the rule's share, even all of them
    ///   (minimum-should-match): a group that only scores (a bigram)
    ///   always, and some of the units with the most postings, as many as
    ///   [`dearest`] finds worth it. Once there is a threshold, the
    ///   candidates are few enough that MaxScore alone did better (300
    ///   headlines pruned from their first match: p50 3.9 against 3.5 ms).
    ///   A doubt: a cost model that knew the threshold might do better.
    ///
    /// With a quoted text, which every match has, the rarest one drives
    /// alone and nothing moves. Called where no window is pending (every
    /// driving part is at `next_start` or past it).
    fn split(&mut self) {
        self.resplit = false;
        if self.rule.required > 0 {
            return;
        }
        let mut groups = groups_of(&self.parts);
        groups.extend(groups_of(&self.lookups));
        groups.sort_by(|a, b| a.bound.total_cmp(&b.bound).then(a.group.cmp(&b.group)));
        let mut rest = 0.0;
        let mut looked_up = Vec::new();
        for g in &groups {
            let bound = f64::from(g.bound);
            if !self.short_of(rest + bound) {
                break;
            }
            rest += bound;
            looked_up.push(g.group);
        }
        // Before any threshold, MaxScore looks nothing up (no bound is
        // short of 0).
        if self.threshold <= 0.0 && !self.rule.could_match(&Present::default(), &Present::default()) {
            looked_up.extend(groups.iter().filter(|g| g.adds_nothing()).map(|g| g.group));
            looked_up.extend(dearest(&self.rule, self.max_doc, &groups));
        }
        let (to_lookups, driving): (Vec<Part>, Vec<Part>) =
            std::mem::take(&mut self.parts).into_iter().partition(|p| looked_up.contains(&p.group));
        let (lookups, to_drive): (Vec<Part>, Vec<Part>) =
            std::mem::take(&mut self.lookups).into_iter().partition(|p| looked_up.contains(&p.group));
        self.parts = driving;
        for mut part in to_drive {
            // Looked up only at candidates: it may be behind the documents
            // already read, or have missed its last lookup.
            part.scorer.at_least(self.next_start);
            self.parts.push(part);
        }
        self.lookups = lookups;
        self.lookups.extend(to_lookups);
        self.settle();
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
        self.next_start = horizon;
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

    /// Adds the looked-up groups a candidate has to its slot; false as
    /// soon as what is left cannot bring it to the threshold or the rule.
    fn look_up(&mut self, doc: DocId, slot: &mut Slot) -> bool {
        let pruning = self.threshold > 0.0;
        let mut start = 0;
        for g in 0..self.lookup_groups.len() {
            let LookupGroup { end, bound_after, most_after } = self.lookup_groups[g];
            for part in &mut self.lookups[start..end] {
                if part.scorer.has(doc) {
                    slot.hit(part);
                }
            }
            start = end;
            if pruning && self.short_of(slot.score + bound_after) {
                return false;
            }
            if !self.rule.could_match(&slot.present, &most_after) {
                return false;
            }
        }
        true
    }

    /// Whether the document passes the rule, the filters and the
    /// exclusions, can reach the threshold, and is not deleted; its slot
    /// gets the looked-up groups.
    fn accept(&mut self, doc: DocId, slot: &mut Slot) -> bool {
        if !self.rule.could_match(&slot.present, &self.lookup_most) {
            return false;
        }
        if self.threshold > 0.0 && self.short_of(slot.score + self.lookup_bound) {
            return false;
        }
        if self.alive.as_ref().is_some_and(|a| a.is_deleted(doc)) {
            return false;
        }
        if !self.look_up(doc, slot) || !self.rule.matches(&slot.present) {
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
        self.score = slot.score as Score * self.rule.coverage(slot.present.words);
    }

    /// With one driving part, its next document is the next candidate,
    /// without the window: `Some(doc)` if it is accepted, `Some(TERMINATED)`
    /// when the part is done, `None` to go on.
    fn next_single(&mut self) -> Option<DocId> {
        let part = self.parts.first_mut()?;
        let doc = part.scorer.doc();
        if doc == TERMINATED {
            return Some(TERMINATED);
        }
        let mut slot = Slot::default();
        slot.hit(part);
        part.scorer.advance();
        self.next_start = doc + 1;
        if self.accept(doc, &mut slot) {
            self.emit(doc, &slot);
            return Some(doc);
        }
        None
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

impl Drop for RankedScorer {
    /// Gives the window back to this thread's spares, its pending slots
    /// reset (a slot is written only where its bit is set, and reset when
    /// it is read or dropped).
    fn drop(&mut self) {
        if self.slots.len() != HORIZON as usize {
            return;
        }
        // The buckets before `bucket` are read already.
        self.clear_buckets(BUCKETS);
        debug_assert!(self.slots.iter().all(Slot::is_reset), "a slot without its bit was written");
        let window = std::mem::take(&mut self.slots);
        // A thread that is being torn down has no spares to keep.
        let _ = SPARE.try_with(|spare| {
            let mut spare = spare.borrow_mut();
            if spare.len() < SPARE_WINDOWS {
                spare.push(window);
            }
        });
    }
}

impl DocSet for RankedScorer {
    fn advance(&mut self) -> DocId {
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
                // Most candidates of a headline have too few of its units:
                // they are dropped here, before the call and the copy.
                if !self.needs.met_by(&self.slots[delta].present) {
                    self.slots[delta] = Slot::default();
                    continue;
                }
                let mut slot = std::mem::take(&mut self.slots[delta]);
                let doc = self.window_start + delta as DocId;
                if self.accept(doc, &mut slot) {
                    self.emit(doc, &slot);
                    return doc;
                }
            }
            // No window pending: the groups may be split again.
            if self.resplit {
                self.split();
            }
            if self.parts.is_empty() {
                self.doc = TERMINATED;
                return TERMINATED;
            }
            if self.single {
                if let Some(doc) = self.next_single() {
                    self.doc = doc;
                    return doc;
                }
            } else if !self.refill() {
                self.doc = TERMINATED;
                return TERMINATED;
            }
        }
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        if self.bucket < BUCKETS && target < self.window_start.saturating_add(HORIZON) {
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
                part.scorer.at_least(target);
            }
            self.next_start = self.next_start.max(target);
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
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_chance_of_at_least_m_of_independent_events() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(at_least(&[0.5, 0.5], 0), 1.0));
        assert!(close(at_least(&[0.5, 0.5], 1), 0.75));
        assert!(close(at_least(&[0.5, 0.5], 2), 0.25));
        assert!(close(at_least(&[0.5, 0.5], 3), 0.0));
        assert!(close(at_least(&[1.0, 0.0, 0.2], 1), 1.0));
        assert!(close(at_least(&[1.0, 0.0, 0.2], 2), 0.2));
        assert!(close(at_least(&[], 1), 0.0));
    }

    /// Units of a query, `docs` postings each, one unit each and weight 1.
    fn units(docs: &[u64]) -> Vec<SplitGroup> {
        let most = Present { units: 1, words: 0, required: 0, weight: 1.0 };
        docs.iter().enumerate().map(|(i, &cost)| SplitGroup { group: i as u32 + 1, bound: 1.0, cost, most }).collect()
    }

    fn rule_of(units: u32, min_units: u32) -> Rule {
        let total_weight = units as f32;
        Rule {
            units,
            min_units,
            min_weight: total_weight * min_units as f32 / units as f32,
            total_weight,
            weight_needs_all: false,
            words: 0,
            required: 0,
            coverage_weight: 0.4,
        }
    }

    /// A headline: six characters in most of 100,000 documents and twelve
    /// in few, seven of the eighteen needed. The commonest are looked up,
    /// never so many that a match could have none of the others.
    #[test]
    fn a_headlines_commonest_units_are_looked_up() {
        let mut docs = vec![60_000, 50_000, 45_000, 40_000, 30_000, 25_000];
        docs.extend([2_000, 1_500, 1_200, 1_000, 900, 800, 700, 600, 500, 400, 300, 200]);
        let groups = units(&docs);
        let taken = dearest(&rule_of(18, 7), 100_000, &groups);
        assert!(!taken.is_empty() && taken.len() <= 6, "{taken:?}");
        // The dearest first.
        assert_eq!(taken, (1..=taken.len() as u32).collect::<Vec<_>>());
    }

    /// One unit needed: a match may have any one alone, none is looked
    /// up. Three common units, two needed: nearly every document with one
    /// would be a candidate, and a seek; none is looked up.
    #[test]
    fn no_unit_is_looked_up_where_it_would_not_pay() {
        let groups = units(&[60_000, 50_000, 300]);
        assert!(dearest(&rule_of(3, 1), 100_000, &groups).is_empty());
        let common = units(&[60_000, 60_000, 60_000]);
        assert!(dearest(&rule_of(3, 2), 100_000, &common).is_empty());
    }

    proptest! {
        /// The quick test lets through every document the exact one does,
        /// and turns away those well short of the rule.
        #[test]
        fn the_quick_test_passes_what_could_match(
            units in 0u32..40, min_units in 0u32..40, required in 0u32..3,
            min_weight in 0.0f32..200.0,
            have in (0u32..40, 0u32..3, 0.0f32..200.0),
            more in (0u32..40, 0u32..3, 0.0f32..200.0),
        ) {
            let rule = Rule {
                units, min_units, min_weight, total_weight: 3.0 * min_weight, weight_needs_all: false,
                words: 0, required, coverage_weight: 0.4,
            };
            let present = Present { units: have.0, words: 0, required: have.1, weight: have.2 };
            let more = Present { units: more.0, words: 0, required: more.1, weight: more.2 };
            let needs = Needs::of(&rule, &more);
            if rule.could_match(&present, &more) {
                prop_assert!(needs.met_by(&present), "{needs:?} turns away {present:?}");
            }
            // Short of every count by a margin: turned away.
            let short = Present {
                units: 0,
                words: 0,
                required: 0,
                weight: (needs.weight - 1.0).max(0.0) as f32,
            };
            if needs.units > 0 && needs.weight > 1.0 {
                prop_assert!(!needs.met_by(&short));
            }
        }
    }
}
