//! One pass over a search's matches: the best hits, each with its verdict
//! (full match or not) as the scorer decided it, the number of matches and
//! of full matches, and whatever else the search counts (the facets).
//!
//! tantivy's `TopDocs` keeps a score and an address per hit; the ranked
//! scorer also knows what of the query each document has. Collecting it
//! here, while the scorer is on the document, is what spares the search a
//! second pass that would rebuild every weight to find it again.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering as Atomic};
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::Scorer;
use tantivy::query::Weight;
use tantivy::query::{Bm25StatisticsProvider, EnableScoring, Query};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED};

use super::blocks::{Blocks, Driver};
use super::scorer::RankedScorer;
use super::union::{RankedQuery, RankedWeight};

/// The order of the hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// Best score first.
    Relevance,
    /// Latest publication first, then best score; undated articles last.
    Newest,
    /// Earliest publication first, then best score; undated articles last.
    Oldest,
}

/// A hit as the search found it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RankedHit {
    pub score: Score,
    pub address: DocAddress,
    /// Whether it has every word and quoted text of the query.
    pub full: bool,
}

/// What [`Collect`] gathered.
#[derive(Debug)]
pub(crate) struct Collected<F> {
    /// The best hits, in the order asked for (ties by address, as tantivy
    /// orders them).
    pub hits: Vec<RankedHit>,
    /// How many documents match.
    pub total: u64,
    /// How many of them are full matches.
    pub full_matches: u64,
    /// Whether the counts are lower bounds: the scorer skipped documents
    /// that could not enter the best hits (see [`Collect::count_up_to`]).
    pub pruned: bool,
    /// What `extra` collected.
    pub extra: F,
}

/// The collector: the best `limit` hits in `order`, the counts, and
/// `extra` over every match.
pub(crate) struct Collect<C> {
    pub limit: usize,
    pub order: Order,
    /// Whether the query is the ranked query, whose scorer gives each
    /// match's verdict; every match of any other plan is a full match.
    pub ranked: bool,
    /// For a strict branch's query (tantivy's boolean query), the word
    /// whose blocks of postings bound the scores: once the search has
    /// counted `count_up_to` matches, a block whose documents cannot enter
    /// the best hits is skipped (see `blocks.rs`).
    pub driver: Option<Driver>,
    /// Once the search has counted this many matches (over the segments
    /// done so far, see [`Shared`]), the ranked scorer may skip the
    /// documents that cannot enter the best hits (see `scorer.rs`), and
    /// the counts become lower bounds; `u64::MAX`
    /// counts every match. Only under [`Order::Relevance`], and only when
    /// `extra` needs no more than the counts (facets need every match).
    pub count_up_to: u64,
    /// What the segments share (see [`Shared`]).
    pub shared: Arc<Shared>,
    /// How many threads the ranked query's search may use, and the fewest
    /// documents a slice has (see [`search`]).
    pub threads: usize,
    pub min_slice_docs: u32,
    /// The fewest postings a query has to be searched by more than one
    /// thread (see [`MIN_THREADED_POSTINGS`]).
    pub min_threaded_postings: u64,
    pub extra: C,
}

/// The fewest documents a slice has (see [`search`]): below some tens of
/// thousands of documents a search takes well under a millisecond, and a
/// thread costs tens of microseconds to start.
pub(crate) const MIN_SLICE_DOCS: u32 = 32_768;

/// The fewest postings (by the statistics) a ranked query has for its
/// search to be cut into slices. On the 200 MB index, `曹操 刘备` (108
/// postings) took 2.6 times as long in two slices as in one pass: the
/// thread and the second slice's scorer cost about 100 µs. `经济 改革`
/// (32,486 postings) took 0.8 times as long.
pub(crate) const MIN_THREADED_POSTINGS: u64 = 20_000;

/// What the segments (and the slices of a segment) of one search share, so
/// that the bound on the counts is the search's, not each segment's, and a
/// segment prunes with the best threshold any other reached: a document
/// below the score of another segment's `limit`-th best hit cannot enter
/// the merged best hits either. Slices searched at once publish their
/// counts and thresholds as they go.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    /// How many matches the segments done so far counted.
    matches: AtomicU64,
    /// The highest threshold (the bits of a positive `f32`, which order
    /// as the numbers do) a segment reached.
    threshold: AtomicU32,
    /// How many matches the search has at least, known before any is
    /// read (see [`Driver::matches_at_least`]).
    known: AtomicU64,
}

/// A hit's sort key: the publication date's (0 under relevance), then the
/// score; larger first.
type Key = (i64, Score);

fn better(a: &(Key, DocId, bool), b: &(Key, DocId, bool)) -> std::cmp::Ordering {
    // Larger keys first; a tie goes to the smaller document, as in tantivy.
    b.0 .0.cmp(&a.0 .0).then(b.0 .1.total_cmp(&a.0 .1)).then(a.1.cmp(&b.1))
}

/// A segment's part of [`Collect`].
pub(crate) struct SegmentCollect<C> {
    segment_ord: u32,
    limit: usize,
    order: Order,
    dates: Option<Column<tantivy::DateTime>>,
    /// Candidates, trimmed to the best `limit` whenever it holds twice
    /// that; a document not above `threshold` cannot be among them (the
    /// documents come in increasing order, so a tie loses).
    buffer: Vec<(Key, DocId, bool)>,
    threshold: Option<(Key, DocId, bool)>,
    total: u64,
    full_matches: u64,
    /// See [`Collect::count_up_to`].
    count_up_to: u64,
    shared: Arc<Shared>,
    pruned: bool,
    extra: C,
}

impl<C: SegmentCollector> SegmentCollect<C> {
    #[inline]
    fn push(&mut self, doc: DocId, score: Score, full: bool) {
        self.total += 1;
        self.full_matches += u64::from(full);
        self.extra.collect(doc, score);
        if self.limit == 0 {
            return;
        }
        // Under relevance most matches fall below the threshold: one
        // comparison of scores settles them (an equal score goes to the
        // full comparison, where the smaller document wins).
        if let (Order::Relevance, Some(((_, t), ..))) = (self.order, &self.threshold) {
            if score.total_cmp(t) == std::cmp::Ordering::Less {
                return;
            }
        }
        let date = match (self.order, &self.dates) {
            (Order::Relevance, _) => 0,
            (order, Some(column)) => match column.first(doc) {
                Some(t) if order == Order::Newest => t.into_timestamp_secs(),
                Some(t) => -t.into_timestamp_secs(),
                None => i64::MIN,
            },
            (_, None) => i64::MIN,
        };
        let candidate = ((date, score), doc, full);
        if let Some(t) = &self.threshold {
            if better(&candidate, t) != std::cmp::Ordering::Less {
                return;
            }
        }
        if self.buffer.len() >= self.limit.saturating_mul(2).max(2) {
            self.trim();
        }
        self.buffer.push(candidate);
    }

    /// Keeps the best `limit` candidates; the next best is the threshold.
    fn trim(&mut self) {
        if self.buffer.len() > self.limit {
            self.buffer.select_nth_unstable_by(self.limit, better);
            self.threshold = Some(self.buffer[self.limit]);
            self.buffer.truncate(self.limit);
        }
    }

    /// Runs the ranked scorer over the segment's documents before `end`:
    /// the verdict comes with each document. (It leaves out deleted
    /// documents itself.)
    fn run_ranked(&mut self, scorer: &mut RankedScorer, end: DocId) {
        let prunes = self.order == Order::Relevance && self.count_up_to < u64::MAX;
        // Matches counted here and not yet published in `shared`, which
        // other slices read: published in batches, not one atomic add a
        // match.
        let mut unpublished = 0u64;
        let mut doc = scorer.doc();
        while doc < end {
            let score = scorer.score();
            self.push(doc, score, scorer.is_full());
            unpublished += 1;
            if unpublished >= 1024 {
                self.shared.matches.fetch_add(unpublished, Atomic::Relaxed);
                unpublished = 0;
            }
            if prunes && self.shared.matches.load(Atomic::Relaxed).saturating_add(unpublished) >= self.count_up_to {
                // No hits wanted (a count, `limit` 0): enough is counted.
                if self.limit == 0 {
                    self.pruned = true;
                    break;
                }
                // A document not above the threshold cannot enter (see
                // `threshold`), nor one below another segment's: the
                // scorer need not score it.
                let threshold = self.best_threshold();
                if threshold > 0.0 {
                    scorer.raise_threshold(threshold);
                    self.pruned = true;
                }
            }
            doc = scorer.advance();
        }
        self.shared.matches.fetch_add(unpublished, Atomic::Relaxed);
        // Published for the segments and slices still to come.
        self.best_threshold();
    }
}

impl<C: SegmentCollector> SegmentCollect<C> {
    /// The threshold a match must reach to enter the best hits: this
    /// segment's, or a higher one another segment reached (see [`Shared`]);
    /// 0 while there is none.
    fn best_threshold(&self) -> Score {
        let own = self.threshold.map_or(0.0, |((_, score), ..)| score);
        if own > 0.0 {
            self.shared.threshold.fetch_max(own.to_bits(), Atomic::Relaxed);
        }
        own.max(f32::from_bits(self.shared.threshold.load(Atomic::Relaxed)))
    }

    /// Runs a strict branch's scorer (tantivy's boolean query) over the
    /// segment, every match a full match: it counts every match until
    /// the search has counted `count_up_to`, then reads the driving
    /// word's postings a block at a time, and skips the documents of a
    /// block that cannot reach the threshold (see `blocks.rs`).
    fn run_strict(&mut self, scorer: &mut dyn Scorer, blocks: &mut Blocks, alive: impl Fn(DocId) -> bool) {
        // The segments of this query are searched one after the other:
        // the counts are published once, when the segment is done. The
        // segment's matches known without reading them count toward the
        // bound at once.
        let known = blocks.matches_at_least;
        let before = self.shared.matches.load(Atomic::Relaxed);
        let (bound, known_in_all) = (self.count_up_to, self.shared.known.load(Atomic::Relaxed));
        let reached = move |counted: u64| before.saturating_add(counted.max(known)).max(known_in_all) >= bound;
        let mut doc = scorer.doc();
        // Every match, until the search has counted enough of them and
        // the best hits have a threshold.
        let mut threshold: Score = 0.0;
        while doc != TERMINATED && threshold <= 0.0 {
            if reached(self.total) && self.limit == 0 {
                // No hits wanted (a count, `limit` 0): enough is counted.
                self.pruned = true;
                doc = TERMINATED;
                break;
            }
            if alive(doc) {
                self.push(doc, scorer.score(), true);
            }
            if reached(self.total) {
                threshold = self.best_threshold();
            }
            doc = scorer.advance();
        }
        // Then a window (a block of the driver's postings) at a time: read
        // it when one of its documents could reach the threshold. The
        // scorer is moved only to a window it reads: a seek decodes the
        // block it lands in, and most windows are skipped one after the
        // other.
        let mut from = doc;
        while from != TERMINATED {
            let Some((last, most)) = blocks.window(from) else {
                break;
            };
            if most < f64::from(threshold) {
                self.pruned = true;
                from = last.saturating_add(1);
                continue;
            }
            if doc < from {
                doc = scorer.seek(from);
            }
            while doc <= last {
                if alive(doc) {
                    self.push(doc, scorer.score(), true);
                }
                doc = scorer.advance();
            }
            from = doc;
            threshold = self.best_threshold();
        }
        // What was skipped was not counted: the counts are lower bounds,
        // and as high as what is known without counting.
        if self.pruned {
            self.total = self.total.max(known);
            self.full_matches = self.full_matches.max(known);
        }
        self.shared.matches.fetch_add(self.total, Atomic::Relaxed);
        self.best_threshold();
    }
}

impl<C: Collector> Collect<C> {
    /// Whether a strict branch's search may count `count_up_to` matches
    /// by the end of this segment (see [`Collect::driver`]): if not, no
    /// block can be skipped, and tantivy's `for_each` is faster than the
    /// loop that would skip them.
    fn may_reach_the_bound(&self, blocks: &Blocks) -> bool {
        let (before, known) = (self.shared.matches.load(Atomic::Relaxed), self.shared.known.load(Atomic::Relaxed));
        before.saturating_add(blocks.matches_at_most()).max(known) >= self.count_up_to
    }

    /// Runs the ranked query's scorer over the documents `start..end` of a
    /// segment.
    fn collect_slice(
        &self,
        weight: &RankedWeight,
        (segment_ord, reader): (u32, &SegmentReader),
        start: DocId,
        end: DocId,
    ) -> tantivy::Result<SegmentFruit<<C::Child as SegmentCollector>::Fruit>> {
        let mut child = self.for_segment(segment_ord, reader)?;
        let mut scorer = weight.ranked_scorer(reader, 1.0, start)?;
        child.run_ranked(&mut scorer, end);
        Ok(child.harvest())
    }
}

/// Runs `query` with `collector` and the search's statistics. The ranked
/// query, given more than one thread, is cut into slices of documents
/// over all the segments (a segment of fewer than `min_slice_docs` is one
/// slice), which `threads` threads take one after the other until none is
/// left; each runs its own scorer over its slice (seek to the start, stop
/// at the end), and the slices' fruits are merged as segments' are. The
/// hits and scores are those of one pass: a
/// document's score does not depend on its slice, and ties still go to
/// the smaller address. The slices publish their counts and thresholds as
/// they go (see [`Shared`]), so each prunes with the others' best hits.
pub(crate) fn search<C: Collector>(
    searcher: &Searcher,
    query: &dyn Query,
    collector: &Collect<C>,
    stats: &dyn Bm25StatisticsProvider,
) -> tantivy::Result<Collected<C::Fruit>> {
    let readers = searcher.segment_readers();
    let total: u64 = readers.iter().map(|r| u64::from(r.max_doc())).sum();
    let threads = collector.threads.max(1);
    let min = u64::from(collector.min_slice_docs.max(1));
    if let Some(driver) = &collector.driver {
        let mut known = 0u64;
        for reader in readers {
            known = known.saturating_add(driver.matches_at_least(reader)?);
        }
        collector.shared.known.store(known, Atomic::Relaxed);
    }
    let ranked = query.downcast_ref::<RankedQuery>();
    let (Some(ranked), true, false) = (ranked, collector.ranked, threads == 1 || total < 2 * min) else {
        return searcher.search_with_statistics_provider(query, collector, stats);
    };
    // A query of few postings takes less time than starting a thread and a
    // scorer a slice.
    if ranked.postings(stats)? < collector.min_threaded_postings {
        return searcher.search_with_statistics_provider(query, collector, stats);
    }
    let weight = ranked.ranked_weight(EnableScoring::enabled_from_statistics_provider(stats, searcher))?;
    // A thread's share of the documents: a segment larger than that is
    // cut, a smaller one is a slice of its own. (Two slices a thread were
    // no faster on one large segment: each slice starts its own scorer and
    // its own threshold.)
    let size = total.div_ceil(threads as u64).max(min);
    let mut slices: Vec<(u32, DocId, DocId)> = Vec::new();
    for (ord, reader) in readers.iter().enumerate() {
        let docs = reader.max_doc();
        let count = u64::from(docs).div_ceil(size).max(1);
        let step = u32::try_from(u64::from(docs).div_ceil(count)).unwrap_or(u32::MAX).max(1);
        let ord = u32::try_from(ord).unwrap_or(u32::MAX);
        let mut start = 0;
        while start < docs.max(1) {
            let end = if start.saturating_add(step) >= docs { TERMINATED } else { start + step };
            slices.push((ord, start, end));
            start = start.saturating_add(step);
        }
    }
    // A panic in a slice's search is its error: the caller gets an error,
    // not the panic.
    let done = share(threads, slices.len(), |i| {
        let (ord, start, end) = slices[i];
        collector.collect_slice(&weight, (ord, &readers[ord as usize]), start, end)
    });
    // A slice's fruit is merged as a segment's is: the hits are ordered by
    // key and address, the counts added.
    let fruits = done.into_iter().map(|f| f.unwrap_or_else(|| Err(panicked()))).collect::<tantivy::Result<Vec<_>>>()?;
    collector.merge_fruits(fruits)
}

/// Runs `work` for each of the items `0..items` on up to `threads`
/// threads, this one among them, each taking the next item until none is
/// left: the results in the items' order, `None` for an item whose work
/// panicked (every thread is joined). A thread that cannot be started
/// leaves its items to the others.
pub(crate) fn share<T: Send>(threads: usize, items: usize, work: impl Fn(usize) -> T + Sync) -> Vec<Option<T>> {
    let next = AtomicUsize::new(0);
    let take = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Atomic::Relaxed);
            if i >= items {
                return done;
            }
            done.push((i, std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(i))).ok()));
        }
    };
    let done = std::thread::scope(|scope| {
        let running: Vec<_> = (1..threads.min(items))
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, take).ok())
            .collect();
        let mut done = take();
        for thread in running {
            // Each item's panic is caught: a thread itself does not panic.
            done.extend(thread.join().unwrap_or_default());
        }
        done
    });
    let mut out: Vec<Option<T>> = (0..items).map(|_| None).collect();
    for (i, result) in done {
        out[i] = result;
    }
    out
}

/// The error of a slice whose search panicked.
fn panicked() -> tantivy::TantivyError {
    tantivy::TantivyError::InternalError("a slice's search panicked".into())
}

/// A segment's part of [`Collected`], the hits with their keys.
pub(crate) struct SegmentFruit<F> {
    hits: Vec<(Key, RankedHit)>,
    total: u64,
    full_matches: u64,
    pruned: bool,
    extra: F,
}

impl<C: SegmentCollector> SegmentCollector for SegmentCollect<C> {
    type Fruit = SegmentFruit<C::Fruit>;

    /// A match of a query other than the ranked one: every match of those
    /// plans is a full match (see [`super::matching::Rule::only_full_matches`]).
    fn collect(&mut self, doc: DocId, score: Score) {
        self.push(doc, score, true);
    }

    fn harvest(mut self) -> Self::Fruit {
        self.trim();
        let ord = self.segment_ord;
        let hits = self
            .buffer
            .into_iter()
            .map(|(key, doc, full)| (key, RankedHit { score: key.1, address: DocAddress::new(ord, doc), full }))
            .collect();
        SegmentFruit {
            hits,
            total: self.total,
            full_matches: self.full_matches,
            pruned: self.pruned,
            extra: self.extra.harvest(),
        }
    }
}

impl<C: Collector> Collector for Collect<C> {
    type Fruit = Collected<C::Fruit>;
    type Child = SegmentCollect<C::Child>;

    fn for_segment(&self, segment_ord: u32, reader: &SegmentReader) -> tantivy::Result<Self::Child> {
        let dates = match self.order {
            Order::Relevance => None,
            Order::Newest | Order::Oldest => reader.fast_fields().date("published_at").ok(),
        };
        Ok(SegmentCollect {
            segment_ord,
            limit: self.limit,
            order: self.order,
            dates,
            buffer: Vec::new(),
            threshold: None,
            total: 0,
            full_matches: 0,
            count_up_to: self.count_up_to,
            shared: Arc::clone(&self.shared),
            pruned: false,
            extra: self.extra.for_segment(segment_ord, reader)?,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    /// Collects one segment in one pass (see [`search`] for the slices).
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment_ord: u32,
        reader: &SegmentReader,
    ) -> tantivy::Result<<Self::Child as SegmentCollector>::Fruit> {
        if self.ranked {
            let mut child = self.for_segment(segment_ord, reader)?;
            let mut scorer = weight.scorer(reader, 1.0)?;
            let Some(ranked) = scorer.downcast_mut::<RankedScorer>() else {
                return Err(tantivy::TantivyError::InternalError("the ranked query has another scorer".into()));
            };
            child.run_ranked(ranked, TERMINATED);
            return Ok(child.harvest());
        }
        let mut child = self.for_segment(segment_ord, reader)?;
        let alive = reader.alive_bitset();
        let strict = match (&self.driver, self.order, self.count_up_to < u64::MAX) {
            (Some(driver), Order::Relevance, true) => Some(driver),
            _ => None,
        };
        if let Some(driver) = strict {
            let mut blocks = driver.open(reader)?;
            if self.may_reach_the_bound(&blocks) {
                let mut scorer = weight.scorer(reader, 1.0)?;
                let alive = |doc| alive.is_none_or(|a| a.is_alive(doc));
                child.run_strict(scorer.as_mut(), &mut blocks, alive);
                return Ok(child.harvest());
            }
        }
        // As tantivy's own collectors do: its boolean query's `for_each` is
        // faster than a loop over its scorer.
        weight.for_each(reader, &mut |doc, score| {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                child.push(doc, score, true);
            }
        })?;
        if strict.is_some() {
            self.shared.matches.fetch_add(child.total, Atomic::Relaxed);
        }
        Ok(child.harvest())
    }

    fn merge_fruits(
        &self,
        fruits: Vec<SegmentFruit<<C::Child as SegmentCollector>::Fruit>>,
    ) -> tantivy::Result<Self::Fruit> {
        let (mut hits, mut total, mut full_matches, mut extras) = (Vec::new(), 0, 0, Vec::new());
        let mut pruned = false;
        for fruit in fruits {
            hits.extend(fruit.hits);
            total += fruit.total;
            full_matches += fruit.full_matches;
            pruned |= fruit.pruned;
            extras.push(fruit.extra);
        }
        hits.sort_by(|(k1, h1), (k2, h2)| {
            k2.0.cmp(&k1.0).then(k2.1.total_cmp(&k1.1)).then(h1.address.cmp(&h2.address))
        });
        hits.truncate(self.limit);
        let hits = hits.into_iter().map(|(_, h)| h).collect();
        Ok(Collected { hits, total, full_matches, pruned, extra: self.extra.merge_fruits(extras)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shared work gives each item's result in the items' order, on any
    /// number of threads; an item whose work panicked gives `None`, and
    /// the others are still done.
    #[test]
    fn shared_work_keeps_the_items_order_and_survives_a_panic() {
        for threads in [1, 2, 4, 64] {
            let squares = share(threads, 100, |i| i * i);
            assert!(squares.iter().enumerate().all(|(i, s)| *s == Some(i * i)), "{threads} threads");
            // (The panic's message is printed; the test goes on.)
            let some = share(threads, 10, |i| if i == 3 { panic!("item 3, on purpose") } else { i });
            let want: Vec<Option<usize>> = (0..10).map(|i| (i != 3).then_some(i)).collect();
            assert_eq!(some, want, "{threads} threads");
        }
        assert!(share(4, 0, |i| i).is_empty());
    }
}
