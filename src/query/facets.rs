//! Counts of all matching documents by source and by month.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// How many matching documents fall under each source and each month.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    /// Documents per source (publisher). Documents without one are not counted.
    pub source: BTreeMap<String, u64>,
    /// Documents per month of publication, `YYYY-MM` in China time (UTC+8).
    /// Documents without a date are not counted.
    pub month: BTreeMap<String, u64>,
}

/// Collects [`Facets`] from the `source` and `published_at` fast fields.
pub(crate) struct FacetCollector;

pub(crate) struct FacetSegment {
    source: Option<StrColumn>,
    date: Option<Column<tantivy::DateTime>>,
    /// Documents per source, by term ordinal: sources are few, and a dense
    /// table spares a hash per match.
    by_ord: Vec<u64>,
    /// Documents per (year, month) in China time, in order of first sight.
    months: Vec<((i32, u32), u64)>,
    /// The month of the last dated match: its first second, the first
    /// second after it, and its index in `months`. Matches come in document
    /// order, which is mostly date order, so most land in the month before
    /// them and skip the calendar arithmetic.
    last_month: Option<(i64, i64, usize)>,
}

impl FacetSegment {
    /// The month holding `secs` (China time): its bounds and its index in
    /// `months`, added if new.
    fn month_of(&mut self, secs: i64) -> Option<(i64, i64, usize)> {
        use chrono::{Datelike, NaiveDate, TimeZone};
        let local = DateTime::from_timestamp(secs, 0)?.with_timezone(&china());
        let key = (local.year(), local.month());
        let (next_year, next_month) = if key.1 == 12 { (key.0 + 1, 1) } else { (key.0, key.1 + 1) };
        let start_of = |y: i32, m: u32| {
            let midnight = NaiveDate::from_ymd_opt(y, m, 1)?.and_hms_opt(0, 0, 0)?;
            Some(china().from_local_datetime(&midnight).single()?.timestamp())
        };
        let slot = match self.months.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                self.months.push((key, 0));
                self.months.len() - 1
            }
        };
        // At the edges of chrono's range the bounds may be unknown: then the
        // range is empty and every such date takes this slow path.
        Some((start_of(key.0, key.1).unwrap_or(secs), start_of(next_year, next_month).unwrap_or(secs), slot))
    }
}

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = FacetSegment;

    fn for_segment(&self, _ord: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<FacetSegment> {
        let fast = reader.fast_fields();
        let source = fast.str("source")?;
        let sources = source.as_ref().map_or(0, |c| c.dictionary().num_terms());
        Ok(FacetSegment {
            source,
            date: fast.date("published_at").ok(),
            by_ord: vec![0; sources],
            months: Vec::new(),
            last_month: None,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Facets>) -> tantivy::Result<Facets> {
        let mut out = Facets::default();
        for f in fruits {
            for (k, v) in f.source {
                *out.source.entry(k).or_default() += v;
            }
            for (k, v) in f.month {
                *out.month.entry(k).or_default() += v;
            }
        }
        Ok(out)
    }
}

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC is a valid offset"))
}

impl SegmentCollector for FacetSegment {
    type Fruit = Facets;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(col) = &self.source {
            for ord in col.term_ords(doc) {
                if let Some(n) = usize::try_from(ord).ok().and_then(|i| self.by_ord.get_mut(i)) {
                    *n += 1;
                }
            }
        }
        if let Some(date) = self.date.as_ref().and_then(|c| c.first(doc)) {
            let secs = date.into_timestamp_secs();
            let slot = match self.last_month {
                Some((from, to, slot)) if from <= secs && secs < to => Some(slot),
                _ => self.month_of(secs).map(|month| {
                    self.last_month = Some(month);
                    month.2
                }),
            };
            if let Some((_, n)) = slot.and_then(|i| self.months.get_mut(i)) {
                *n += 1;
            }
        }
    }

    fn harvest(self) -> Facets {
        let mut out = Facets::default();
        if let Some(col) = &self.source {
            let mut name = String::new();
            for (ord, &n) in self.by_ord.iter().enumerate() {
                name.clear();
                if n > 0 && col.ord_to_str(ord as u64, &mut name).unwrap_or(false) {
                    *out.source.entry(name.clone()).or_default() += n;
                }
            }
        }
        for ((y, m), n) in self.months {
            *out.month.entry(format!("{y:04}-{m:02}")).or_default() += n;
        }
        out
    }
}
