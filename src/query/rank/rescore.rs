//! The rescore: after the search, the best hits gain the scores of the
//! pairs side by side ([`super::pairs`]) and of the best passage
//! ([`super::passage`]), both computed from positions read for those hits
//! only, field by field, and are sorted again.

use std::collections::HashMap;

use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;
use tantivy::{DocAddress, DocId, Score};

use super::super::parse::Scope;
use super::collect::RankedHit;
use super::pairs::{PairScore, PairSpec, PairWeighing};
use super::parts::TextFields;
use super::passage::{PassageScore, PassageSpec};
use super::positions::{Positions, Separators};
use super::settings::RankingSettings;
use super::stats::Stats;

/// What the pairs and the passage added to the best hits, for
/// explanations.
#[derive(Debug, Default)]
pub(crate) struct Rescored {
    /// Whether the rescore ran (it does for the relevance order only).
    pub ran: bool,
    /// Per hit, each pair it has, where, and its score.
    pub pairs: HashMap<DocAddress, Vec<PairScore>>,
    /// Per hit, its best passage (when it has one with any of the query).
    pub passages: HashMap<DocAddress, PassageScore>,
    /// Per hit, the groups it has only across word boundaries, not counted
    /// (see `words.rs`).
    pub lost: HashMap<DocAddress, Vec<usize>>,
}

/// What the rescore scores: a branch's pairs and passage.
pub(crate) struct Rescore<'r> {
    pub pairs: &'r [PairSpec],
    pub passage: Option<&'r PassageSpec>,
    pub text: &'r TextFields,
    pub settings: &'r RankingSettings,
}

/// A field's pass over the hits: for each pair of the field, how often
/// each hit has it, and each hit's best window.
struct FieldPass {
    /// (index in the branch's pairs, how often each hit has it).
    tf: Vec<(usize, Vec<u32>)>,
    /// Each hit's best window: (units, weighed idf).
    best: Vec<(usize, Score)>,
}

impl Rescore<'_> {
    /// Adds the scores of the pairs and of the best passage to `hits` and
    /// sorts them again, best first (ties by address, as tantivy orders
    /// them). Returns what each hit gained, for explanations.
    pub(crate) fn run(&self, stats: &Stats<'_>, hits: &mut [RankedHit]) -> tantivy::Result<Rescored> {
        let mut rescored = Rescored { ran: true, ..Rescored::default() };
        let total_docs = stats.total_num_docs()?;
        if total_docs == 0 {
            return Ok(rescored);
        }
        // A pair's count in the index is the same whichever field's pass
        // asks for it first.
        let mut counted: Vec<Option<u64>> = vec![None; self.pairs.len()];
        let unit_idf = match self.passage {
            Some(passage) => passage.unit_idf(stats)?,
            None => Vec::new(),
        };
        let total: Score = unit_idf.iter().sum();
        // Each hit's length in tokens, its fields' together (for the
        // passage's focus).
        let mut lengths = vec![0u32; hits.len()];
        for (field, boost) in self.text.of(Scope::All) {
            let pass = self.read(stats, field, hits, &unit_idf)?;
            if pass.tf.is_empty() && self.passage.is_none() {
                continue;
            }
            let tokens = stats.total_num_tokens(field)?;
            let weighing = PairWeighing {
                stats,
                text: self.text,
                field,
                boost: boost * self.settings.pair_weight,
                total_docs,
                average_length: tokens as Score / total_docs as Score,
            };
            let norms = stats
                .searcher()
                .segment_readers()
                .iter()
                .map(|segment| segment.get_fieldnorms_reader(field))
                .collect::<tantivy::Result<Vec<_>>>()?;
            for (p, tf) in &pass.tf {
                let have = tf.iter().filter(|&&n| n > 0).count() as u64;
                if have == 0 {
                    continue;
                }
                let weight = weighing.weight(&self.pairs[*p], have, &mut counted[*p])?;
                for (hit, &n) in hits.iter().zip(tf) {
                    if n > 0 {
                        let a = hit.address;
                        let score = weight.score(norms[a.segment_ord as usize].fieldnorm_id(a.doc_id), n);
                        rescored.pairs.entry(a).or_default().push(PairScore { pair: *p, field, score });
                    }
                }
            }
            if total > 0.0 {
                // The passage is looked for in each field, and a hit keeps
                // the better one: the title is a passage too, and a title
                // the query restates outweighs a body that merely uses its
                // words.
                for (i, (hit, &(units, s))) in hits.iter().zip(&pass.best).enumerate() {
                    let a = hit.address;
                    lengths[i] = lengths[i].saturating_add(norms[a.segment_ord as usize].fieldnorm(a.doc_id));
                    if units > 0 {
                        let found = PassageScore::new(field, units, s, total, self.settings.passage_weight);
                        let kept = rescored.passages.entry(a).or_insert(found);
                        if found.score > kept.score {
                            *kept = found;
                        }
                    }
                }
            }
        }
        // The focus is the document's, title and body together, so that it
        // weighs a passage in either field alike: a short title is no
        // better a passage for being in a short field.
        if let Some(passage) = self.passage {
            for (hit, &length) in hits.iter().zip(&lengths) {
                if let Some(found) = rescored.passages.get_mut(&hit.address) {
                    found.focus(passage.focus(length, self.settings.passage_focus));
                }
            }
        }
        for hit in hits.iter_mut() {
            hit.score += rescored.pairs.get(&hit.address).map_or(0.0, |parts| parts.iter().map(|p| p.score).sum());
            hit.score += rescored.passages.get(&hit.address).map_or(0.0, |p| p.score);
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.address.cmp(&b.address)));
        Ok(rescored)
    }

    /// Reads the positions the pairs and the passage need in `field`, one
    /// segment at a time in document order, and counts.
    fn read(
        &self,
        stats: &Stats<'_>,
        field: Field,
        hits: &[RankedHit],
        unit_idf: &[Score],
    ) -> tantivy::Result<FieldPass> {
        let pairs: Vec<usize> =
            (0..self.pairs.len()).filter(|&p| self.text.in_scope(self.pairs[p].scope, field)).collect();
        let mut pass = FieldPass {
            tf: pairs.iter().map(|&p| (p, vec![0u32; hits.len()])).collect(),
            best: vec![(0, 0.0); hits.len()],
        };
        if pairs.is_empty() && self.passage.is_none() {
            return Ok(pass);
        }
        let mut order: Vec<(DocAddress, usize)> = hits.iter().enumerate().map(|(i, h)| (h.address, i)).collect();
        order.sort_unstable();
        for group in order.chunk_by(|a, b| a.0.segment_ord == b.0.segment_ord) {
            let segment = stats.searcher().segment_reader(group[0].0.segment_ord);
            let docs: Vec<DocId> = group.iter().map(|(a, _)| a.doc_id).collect();
            let terms = pairs
                .iter()
                .flat_map(|&p| [&self.pairs[p].pair.first, &self.pairs[p].pair.second])
                .chain(self.passage.into_iter().flat_map(PassageSpec::tokens));
            let positions = Positions::read(segment, field, terms, &docs, self.settings.rescore_depth)?;
            let mut separators = Separators::new(segment, field)?;
            let field_norms = segment.get_fieldnorms_reader(field)?;
            for (k, &(address, i)) in group.iter().enumerate() {
                for (p, tf) in &mut pass.tf {
                    tf[i] = positions.side_by_side(&self.pairs[*p].pair, k, address.doc_id, &mut separators);
                }
                if let Some(passage) = self.passage {
                    pass.best[i] = passage.best_in(&positions, k, unit_idf, field_norms.fieldnorm(address.doc_id));
                }
            }
        }
        Ok(pass)
    }
}
