//! Positions read after the search, for the best hits only: the pairs
//! side by side and the best passage are computed from them.

use tantivy::postings::Postings;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Term};

use super::super::terms::Pair;

/// The positions of some terms in some documents of a segment, read in
/// document order.
pub(crate) struct Positions {
    terms: Vec<String>,
    /// `at[t][k]`: the positions of `terms[t]` in document `k` (empty when
    /// it has none).
    at: Vec<Vec<Vec<u32>>>,
}

impl Positions {
    /// Reads the positions of `terms` in `docs` (sorted), those below
    /// `depth` only (see [`super::RankingSettings::rescore_depth`]).
    pub(crate) fn read<'a>(
        segment: &tantivy::SegmentReader,
        field: Field,
        terms: impl Iterator<Item = &'a String>,
        docs: &[DocId],
        depth: u32,
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
                        let within = at[k].partition_point(|&p| p < depth);
                        at[k].truncate(within);
                    }
                }
            }
            out.terms.push(text.clone());
            out.at.push(at);
        }
        Ok(out)
    }

    pub(crate) fn of(&self, term: &str, k: usize) -> &[u32] {
        self.terms.iter().position(|t| t == term).map_or(&[], |t| &self.at[t][k])
    }

    /// How often document `k` (`doc`) has the pair: `second` `gap`
    /// positions after `first`, and a separator run just before `second`
    /// if the pair asks.
    pub(crate) fn side_by_side(&self, pair: &Pair, k: usize, doc: DocId, separators: &mut Separators) -> u32 {
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
pub(crate) struct Separators {
    postings: Option<tantivy::postings::SegmentPostings>,
    doc: DocId,
    positions: Vec<u32>,
}

impl Separators {
    pub(crate) fn new(segment: &tantivy::SegmentReader, field: Field) -> tantivy::Result<Separators> {
        let term = Term::from_field_text(field, crate::analysis::SEPARATOR_TOKEN);
        let postings = segment.inverted_index(field)?.read_postings(&term, IndexRecordOption::WithFreqsAndPositions)?;
        Ok(Separators { postings, doc: tantivy::TERMINATED, positions: Vec::new() })
    }

    /// Whether document `doc` has a separator run at `position`. Documents
    /// must be asked for in increasing order.
    pub(crate) fn at(&mut self, doc: DocId, position: u32) -> bool {
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
