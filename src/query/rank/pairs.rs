//! Pairs side by side: two characters of a clause that are not one index
//! token (`困县` in `贫困县`), and the pair two clauses make where a
//! document writes them together (`脱贫 攻坚` in `脱贫攻坚`). The index has
//! these as two neighbouring positions, so they are scored from the
//! positions of the best hits after the search, as Elasticsearch's rescore
//! does.
//!
//! A pair inside a clause has its document frequency counted in the index
//! (see [`super::stats::PAIR_SAMPLE_DOCS`]); the pair two clauses make
//! scores as tantivy and Lucene score a phrase, with the sum of its
//! tokens' idf.

use tantivy::query::Bm25Weight;
use tantivy::schema::Field;
use tantivy::{Score, Term};

use super::super::explain::Explanation;
use super::super::parse::Scope;
use super::super::terms::Pair;
use super::parts::TextFields;
use super::stats::Stats;

/// A pair scored after the search.
#[derive(Debug, Clone)]
pub(crate) struct PairSpec {
    pub pair: Pair,
    pub scope: Scope,
    /// Whether it is the pair two clauses make, which scores as a phrase.
    pub junction: bool,
}

/// One pair's score in one hit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PairScore {
    /// Its index in the branch's pairs.
    pub pair: usize,
    pub field: Field,
    pub score: Score,
}

/// What one pair weighs in one field.
pub(crate) struct PairWeighing<'s> {
    pub stats: &'s Stats<'s>,
    pub text: &'s TextFields,
    pub field: Field,
    /// The field's boost times the pairs' weight.
    pub boost: Score,
    pub total_docs: u64,
    pub average_length: Score,
}

impl PairWeighing<'_> {
    /// The BM25 weight of `spec`, which `have` of the hits have. `counted`
    /// remembers the pair's count in the index across fields (the costly
    /// part: it reads positions).
    pub(crate) fn weight(&self, spec: &PairSpec, have: u64, counted: &mut Option<u64>) -> tantivy::Result<Bm25Weight> {
        let weight = if spec.junction {
            // Two clauses written together score as a phrase does in
            // tantivy and Lucene: the sum of its tokens' idf.
            let terms = [&spec.pair.first, &spec.pair.second].map(|t| Term::from_field_text(self.field, t));
            Bm25Weight::for_terms(self.stats, &terms)?
        } else {
            // A pair inside a clause, counted in the index, and at least in
            // the hits that have it.
            let count = match *counted {
                Some(count) => count,
                None => {
                    let mut count = 0;
                    for (f, _) in self.text.of(Scope::All) {
                        count = count.max(self.stats.pair_doc_freq(f, &spec.pair)?);
                    }
                    *counted.insert(count)
                }
            };
            Bm25Weight::for_one_term(count.max(have).min(self.total_docs), self.total_docs, self.average_length)
        };
        Ok(weight.boost_by(self.boost))
    }
}

/// The explanation of a hit's pairs, `None` when the branch has none.
pub(crate) fn explain(found: Option<&[PairScore]>, specs: &[PairSpec], text: &TextFields) -> Option<Explanation> {
    match found.filter(|p| !p.is_empty()) {
        Some(found) => {
            let total: Score = found.iter().map(|p| p.score).sum();
            let mut node = Explanation::new(total, "pairs side by side, scored for the best hits (BM25 each)");
            for p in found {
                let label = format!("{} in {}", specs[p.pair].pair.text(), text.name(p.field));
                node.push(Explanation::new(p.score, label));
            }
            Some(node)
        }
        None if !specs.is_empty() => {
            Some(Explanation::new(0.0, "pairs side by side: none in the document, or not among the best hits"))
        }
        None => None,
    }
}
