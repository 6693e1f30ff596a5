//! A query that adds a constant to another query's score.
//!
//! Relaxed matching scores a document by the clauses it matches, each
//! adding its tier and rarity bonus to its BM25 score. Written with
//! tantivy's own pieces that is a union of the clauses (for BM25) plus one
//! optional constant-score copy of each clause (for the bonus), which runs
//! every clause twice; a union of [`AddScoreQuery`]s runs each once and
//! gives the same sums.
//!
//! The clause's own score counts up to a cap: relaxed matching reads the
//! number of matched clauses back from the sum, which holds only while no
//! clause's score reaches a tier's worth (a quoted passage pasted whole
//! scores thousands).

use std::fmt;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term};

/// Matches what its query matches; scores its query's score, at most
/// `cap`, plus `add`.
pub(crate) struct AddScoreQuery {
    query: Box<dyn Query>,
    add: Score,
    cap: Score,
}

impl AddScoreQuery {
    pub(crate) fn new(query: Box<dyn Query>, add: Score, cap: Score) -> AddScoreQuery {
        AddScoreQuery { query, add, cap }
    }
}

impl Clone for AddScoreQuery {
    fn clone(&self) -> Self {
        AddScoreQuery { query: self.query.box_clone(), add: self.add, cap: self.cap }
    }
}

impl fmt::Debug for AddScoreQuery {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "AddScore(query={:?}, add={}, cap={})", self.query, self.add, self.cap)
    }
}

impl Query for AddScoreQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weight = self.query.weight(enable_scoring)?;
        Ok(if enable_scoring.is_scoring_enabled() {
            Box::new(AddScoreWeight { weight, add: self.add, cap: self.cap })
        } else {
            weight
        })
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.query.query_terms(visitor)
    }
}

struct AddScoreWeight {
    weight: Box<dyn Weight>,
    add: Score,
    cap: Score,
}

impl Weight for AddScoreWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let scorer = self.weight.scorer(reader, boost)?;
        Ok(Box::new(AddScoreScorer { scorer, add: self.add * boost, cap: self.cap * boost }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let inner = self.weight.explain(reader, doc)?;
        let value = inner.value().min(self.cap) + self.add;
        let mut explanation =
            Explanation::new_with_string(format!("{} plus at most {} of ...", self.add, self.cap), value);
        explanation.add_detail(inner);
        Ok(explanation)
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        self.weight.count(reader)
    }
}

struct AddScoreScorer {
    scorer: Box<dyn Scorer>,
    add: Score,
    cap: Score,
}

impl DocSet for AddScoreScorer {
    fn advance(&mut self) -> DocId {
        self.scorer.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.scorer.seek(target)
    }

    fn doc(&self) -> DocId {
        self.scorer.doc()
    }

    fn size_hint(&self) -> u32 {
        self.scorer.size_hint()
    }

    fn cost(&self) -> u64 {
        self.scorer.cost()
    }
}

impl Scorer for AddScoreScorer {
    fn score(&mut self) -> Score {
        self.scorer.score().min(self.cap) + self.add
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, STRING};
    use tantivy::{doc, Index, IndexWriter};

    use super::*;

    /// A union of `AddScore(q, c)` scores exactly what "any of the q, plus
    /// an optional `ConstScore(q, c)` per q" scores, which it replaces.
    #[test]
    fn union_of_added_scores_equals_union_plus_constant_scores() -> tantivy::Result<()> {
        let mut schema = Schema::builder();
        let f = schema.add_text_field("f", STRING);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000)?;
        for words in [&["a"][..], &["b"], &["a", "b"], &["a", "a", "c"], &["c"]] {
            let mut d = tantivy::TantivyDocument::default();
            for w in words {
                d.add_text(f, w);
            }
            writer.add_document(d)?;
        }
        writer.add_document(doc!(f => "d"))?;
        writer.commit()?;
        let searcher = index.reader()?.searcher();
        let term = |t: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(f, t), IndexRecordOption::WithFreqs))
        };
        let (adds, words) = ([100.0, 10.0], ["a", "b"]);

        let any = BooleanQuery::union(words.iter().map(|w| term(w)).collect());
        let mut old: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(any))];
        for (w, add) in words.iter().zip(adds) {
            old.push((Occur::Should, Box::new(ConstScoreQuery::new(term(w), add))));
        }
        let new = BooleanQuery::union(
            words
                .iter()
                .zip(adds)
                .map(|(w, add)| Box::new(AddScoreQuery::new(term(w), add, Score::MAX)) as Box<dyn Query>)
                .collect(),
        );

        let top = TopDocs::with_limit(10).order_by_score();
        let mut expected = searcher.search(&BooleanQuery::new(old), &top)?;
        let mut got = searcher.search(&new, &top)?;
        let key = |v: &mut Vec<(f32, tantivy::DocAddress)>| v.sort_by_key(|(_, a)| (a.segment_ord, a.doc_id));
        key(&mut expected);
        key(&mut got);
        assert_eq!(got.len(), 4, "a, b, ab and aac match; c and d do not");
        for ((s1, a1), (s2, a2)) in expected.iter().zip(&got) {
            assert_eq!(a1, a2);
            assert!((s1 - s2).abs() < 1e-3, "{s1} vs {s2} for {a1:?}");
        }
        let explanation = new.explain(&searcher, got[0].1)?;
        assert!((explanation.value() - got[0].0).abs() < 1e-3);

        // A cap below every BM25 score: each match scores exactly cap + add,
        // and the explanation agrees.
        let capped = AddScoreQuery::new(term("a"), 100.0, 0.125);
        let got = searcher.search(&capped, &top)?;
        assert_eq!(got.len(), 3);
        for (score, address) in got {
            assert_eq!(score, 100.125);
            assert_eq!(capped.explain(&searcher, address)?.value(), 100.125);
        }
        Ok(())
    }
}
