//! Counts of all matching documents by source and by month.

use std::collections::{BTreeMap, HashMap};

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
    by_ord: HashMap<u64, u64>,
    /// Keyed by seconds since the epoch, truncated to the China-time month.
    by_month: HashMap<(i32, u32), u64>,
}

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = FacetSegment;

    fn for_segment(&self, _ord: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<FacetSegment> {
        let fast = reader.fast_fields();
        Ok(FacetSegment {
            source: fast.str("source")?,
            date: fast.date("published_at").ok(),
            by_ord: HashMap::new(),
            by_month: HashMap::new(),
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
                *self.by_ord.entry(ord).or_default() += 1;
            }
        }
        if let Some(date) = self.date.as_ref().and_then(|c| c.first(doc)) {
            if let Some(t) = DateTime::from_timestamp(date.into_timestamp_secs(), 0) {
                let local = t.with_timezone(&china());
                use chrono::Datelike;
                *self.by_month.entry((local.year(), local.month())).or_default() += 1;
            }
        }
    }

    fn harvest(self) -> Facets {
        let mut out = Facets::default();
        if let Some(col) = &self.source {
            let mut name = String::new();
            for (ord, n) in self.by_ord {
                name.clear();
                if col.ord_to_str(ord, &mut name).unwrap_or(false) {
                    *out.source.entry(name.clone()).or_default() += n;
                }
            }
        }
        for ((y, m), n) in self.by_month {
            *out.month.entry(format!("{y:04}-{m:02}")).or_default() += n;
        }
        out
    }
}
