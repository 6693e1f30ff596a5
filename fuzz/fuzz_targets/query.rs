//! Any query string, parsed and run against an index of the sample
//! articles: no panic, and no error but the documented limits.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use zhsearch::analysis::AnalyzerSettings;
use zhsearch::article::Article;
use zhsearch::index::SearchIndex;
use zhsearch::query::{parse, Matching, SearchRequest, Sort};
use zhsearch::Error;

fn index() -> &'static SearchIndex {
    static I: OnceLock<SearchIndex> = OnceLock::new();
    I.get_or_init(|| {
        let index = SearchIndex::in_memory(&AnalyzerSettings::default()).expect("index");
        let mut w = index.writer().expect("writer");
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/sample");
        let mut paths: Vec<_> = std::fs::read_dir(dir).expect("samples").map(|e| e.expect("entry").path()).collect();
        paths.sort();
        for (i, p) in paths.iter().enumerate() {
            let body = std::fs::read_to_string(p).expect("sample");
            let mut a = Article::new(format!("s{i}"), body);
            a.title = Some(format!("样本 {i}"));
            w.upsert(&a).expect("upsert");
        }
        w.commit().expect("commit");
        index
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(q) = std::str::from_utf8(data) else { return };
    let parsed = parse(q);
    for branch in &parsed.branches {
        for clause in branch {
            assert!(!clause.term.text().trim().is_empty(), "empty term from {q:?}");
        }
    }
    let sorts = [Sort::Relevance, Sort::Newest, Sort::Oldest];
    let matching = if data.len() % 2 == 0 { Matching::All } else { Matching::Relaxed };
    let explain = data.len() % 4 == 1;
    let request = SearchRequest::new(q).matching(matching).sort(sorts[data.len() % 3]).limit(3).explain(explain);
    match index().search(&request) {
        Ok(results) => {
            assert!(results.total as usize >= results.hits.len());
            // An explanation is the score taken apart: its parts add up to
            // the hit's score (pairs and passage included).
            for hit in results.hits.iter().filter(|_| explain) {
                let e = hit.explanation.as_ref().expect("explained");
                let sum: f32 = e.details.iter().map(|d| d.value).sum();
                assert!((sum - hit.score).abs() <= 1e-3 * hit.score.abs().max(1.0), "{q:?}: {sum} vs {}\n{e}", hit.score);
            }
        }
        Err(Error::Query(_)) => {}
        Err(e) => panic!("unexpected error for {q:?}: {e}"),
    }
});
