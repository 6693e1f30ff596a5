//! Why a hit scored what it scored: a tree a person can read.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One node of a score's explanation: a value, what it is, and the parts it
/// is made of. Ask for it with [`SearchRequest::explain`](super::SearchRequest::explain).
///
/// ```
/// use zhsearch::query::Explanation;
///
/// let mut score = Explanation::new(3.5, "relevance");
/// score.push(Explanation::new(3.0, "贫困 in body"));
/// score.push(Explanation::new(0.5, "县 in body"));
/// assert_eq!(score.to_string(), "3.500 relevance\n  3.000 贫困 in body\n  0.500 县 in body\n");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The value of this node.
    pub value: f32,
    /// What the value is.
    pub description: String,
    /// The parts it is made of; empty for a leaf.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<Explanation>,
}

impl Explanation {
    /// A leaf.
    pub fn new(value: f32, description: impl Into<String>) -> Explanation {
        Explanation { value, description: description.into(), details: Vec::new() }
    }

    /// Adds a part.
    pub fn push(&mut self, detail: Explanation) {
        self.details.push(detail);
    }

    /// The figures of tantivy's explanation of a BM25 score, on one line:
    /// `BM25 0.806 (tf 1, in 2 of 5 documents, length 10, average 12)`,
    /// with the parts tantivy gives (a phrase has no one document count).
    pub(crate) fn bm25_summary(e: &tantivy::query::Explanation) -> String {
        let tree = Explanation::from_tantivy(e);
        let mut figures = std::collections::HashMap::new();
        tree.visit(&mut |node| {
            if let Some(name) = node.description.split(',').next() {
                figures.entry(name.to_owned()).or_insert(node.value);
            }
        });
        let get = |k: &str| figures.get(k).copied();
        let mut parts = Vec::new();
        if let Some(tf) = get("freq") {
            parts.push(format!("tf {tf}"));
        }
        match (get("n"), get("N")) {
            (Some(n), Some(total)) => parts.push(format!("in {n} of {total} documents")),
            _ => {
                if let Some(idf) = get("idf") {
                    parts.push(format!("idf {idf:.3}"));
                }
            }
        }
        if let (Some(dl), Some(avg)) = (get("dl"), get("avgdl")) {
            parts.push(format!("length {dl}, average {avg:.0}"));
        }
        format!("BM25 {:.3} ({})", tree.value, parts.join(", "))
    }

    fn visit(&self, f: &mut impl FnMut(&Explanation)) {
        f(self);
        for d in &self.details {
            d.visit(f);
        }
    }

    /// tantivy's explanation of a BM25 score, as ours.
    pub(crate) fn from_tantivy(e: &tantivy::query::Explanation) -> Explanation {
        // tantivy's explanation serializes to {value, description, details?, context?}.
        fn convert(v: &serde_json::Value) -> Explanation {
            let value = v.get("value").and_then(serde_json::Value::as_f64).unwrap_or(0.0) as f32;
            let description = v.get("description").and_then(serde_json::Value::as_str).unwrap_or("").to_owned();
            let details = v
                .get("details")
                .and_then(serde_json::Value::as_array)
                .map(|d| d.iter().map(convert).collect())
                .unwrap_or_default();
            Explanation { value, description, details }
        }
        match serde_json::to_value(e) {
            Ok(v) => convert(&v),
            Err(_) => Explanation::new(e.value(), "BM25"),
        }
    }

    fn write_indented(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        writeln!(f, "{:indent$}{:.3} {}", "", self.value, self.description, indent = depth * 2)?;
        for d in &self.details {
            d.write_indented(f, depth + 1)?;
        }
        Ok(())
    }
}

/// One line per node, each part indented under what it makes up.
impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_indented(f, 0)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::query::{PhraseQuery, Query, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{doc, Index, IndexWriter, Term};

    use super::*;

    /// `bm25_summary` reads tantivy's explanation by its descriptions
    /// (`freq`, `n`, `N`, `dl`, `avgdl`, `idf`): a tantivy that renames
    /// them fails here, not silently in every `--explain`.
    #[test]
    fn the_bm25_summary_reads_tantivys_figures() {
        let mut schema = Schema::builder();
        let f = schema.add_text_field("f", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).expect("writer");
        writer.add_document(doc!(f => "a b a")).expect("add");
        writer.add_document(doc!(f => "b c")).expect("add");
        writer.add_document(doc!(f => "c d e f g")).expect("add");
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        let doc = tantivy::DocAddress::new(0, 0);
        let term = TermQuery::new(Term::from_field_text(f, "a"), IndexRecordOption::WithFreqs);
        let summary = Explanation::bm25_summary(&term.explain(&searcher, doc).expect("explains"));
        let want = format!("BM25 {:.3} (tf 2, in 1 of 3 documents, length 3, average 3)", summary_value(&summary));
        assert_eq!(summary, want);
        // A phrase has no one document count: its idf instead.
        let phrase = PhraseQuery::new(vec![Term::from_field_text(f, "a"), Term::from_field_text(f, "b")]);
        let summary = Explanation::bm25_summary(&phrase.explain(&searcher, doc).expect("explains"));
        assert!(summary.starts_with("BM25 ") && summary.contains("(tf 1, idf "), "{summary}");
        assert!(summary.ends_with(", length 3, average 3)"), "{summary}");
    }

    /// The score at the head of a summary.
    fn summary_value(summary: &str) -> f32 {
        summary.split(' ').nth(1).and_then(|v| v.parse().ok()).expect("a value")
    }
}
