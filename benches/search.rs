//! Warm top-10 search latency per query class, zhsearch beside the
//! tantivy-jieba baseline, on an index of the Simplified corpus (People's
//! Daily 1998 with `ZHSEARCH_CORPORA`, else the bundled 三国演义).
//!
//! `zhsearch <class>` runs the like-for-like request (ids, scores and the
//! exact total; no snippets, no facets); `zhsearch <class> (full)` runs the
//! default request, with two highlighted fragments per hit and facets.
//! `tantivy-jieba <class>` runs the baseline's equivalent query through
//! tantivy's query parser, fetching the stored id of each hit.
//!
//! A last group times opening an existing index.
//!
//! ```sh
//! cargo bench --bench search
//! ZHSEARCH_CORPORA=../shared/corpora cargo bench --bench search
//! ```

mod support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use zhsearch::analysis::AnalyzerSettings;
use zhsearch::article::Article;
use zhsearch::index::SearchIndex;
use zhsearch::query::{Matching, SearchRequest, Sort};

/// A query class: our query, and the baseline's equivalent when it has one.
struct Class {
    name: &'static str,
    query: &'static str,
    baseline: Option<&'static str>,
    source: Option<&'static str>,
    sort: Sort,
    matching: Matching,
}

const fn class(name: &'static str, query: &'static str, baseline: Option<&'static str>) -> Class {
    Class { name, query, baseline, source: None, sort: Sort::Relevance, matching: Matching::Relaxed }
}

/// The query classes for a corpus. Each query occurs in its corpus; the
/// rare word in a handful of documents.
fn classes(corpus: &str) -> Vec<Class> {
    let (common, two, rare, q2, q6, single, traditional) = if corpus == "sanguo" {
        ("曹操", "曹操 刘备", "貂蝉", "\"丞相\"", "\"玄德大喜曰\"", "鞭", "諸葛亮")
    } else {
        ("发展", "经济 改革", "澳门", "\"改革\"", "\"社会主义市场\"", "党", "經濟發展")
    };
    vec![
        class("common word", common, Some(common)),
        // The baseline's conjunction is `Matching::All`; the default,
        // relaxed matching, has no equivalent there (it also ranks and
        // counts the documents with only one of the words).
        Class { matching: Matching::All, ..class("two words (AND)", two, Some(two)) },
        class("two words (relaxed)", two, None),
        class("rare word", rare, Some(rare)),
        class("quoted 2 chars", q2, Some(q2)),
        class("quoted 6 chars", q6, Some(q6)),
        class("single char", single, Some(single)),
        class("traditional query", traditional, None),
        Class { source: Some(SOURCES[1]), sort: Sort::Newest, ..class("source filter, newest", common, None) },
    ]
}

/// The bench corpora have no publishers or dates; these are assigned round
/// robin so that the filter and sort classes have something to work on.
const SOURCES: [&str; 4] = ["人民日报", "新华社", "经济日报", "光明日报"];

fn with_metadata(articles: &[Article]) -> Vec<Article> {
    let day0 = zhsearch::article::parse_date("1998-01-01").expect("date");
    articles
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut a = a.clone();
            a.source = Some(SOURCES[i % SOURCES.len()].to_owned());
            a.published_at = Some(day0 + chrono::Duration::minutes(i as i64 * 7));
            a
        })
        .collect()
}

fn search(c: &mut Criterion) {
    let corpus = support::simplified();
    let articles = with_metadata(&corpus.articles);
    let dir = tempfile::tempdir().expect("tempdir");
    let index = SearchIndex::create(dir.path().join("zhsearch"), &AnalyzerSettings::default()).expect("index");
    let mut w = index.writer().expect("writer");
    for a in &articles {
        w.upsert(a).expect("upsert");
    }
    w.commit().expect("commit");
    drop(w);
    let baseline_dir = dir.path().join("baseline");
    std::fs::create_dir_all(&baseline_dir).expect("mkdir");
    let baseline = support::Baseline::create(Some(&baseline_dir));
    baseline.index_all(&articles);
    let baseline_searcher = baseline.index.reader().expect("reader").searcher();

    let mut group = c.benchmark_group(format!("search/{}", corpus.name));
    group.sample_size(50).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    for class in classes(corpus.name) {
        // "Full": snippets and facets, as a search page shows them.
        let mut request =
            SearchRequest::new(class.query).sort(class.sort).matching(class.matching).limit(10).facets(true);
        if let Some(source) = class.source {
            request = request.source(source);
        }
        let lean = request.clone().snippets(0, 0).facets(false);
        let hits = index.search(&lean).expect("search");
        assert!(hits.total > 0, "{}: {:?} finds nothing in {}", class.name, class.query, corpus.name);
        group.bench_function(format!("zhsearch {}", class.name), |b| {
            b.iter(|| black_box(index.search(&lean).expect("search").total))
        });
        group.bench_function(format!("zhsearch {} (full)", class.name), |b| {
            b.iter(|| black_box(index.search(&request).expect("search").hits.len()))
        });
        if let Some(q) = class.baseline {
            group.bench_function(format!("tantivy-jieba {}", class.name), |b| {
                b.iter(|| black_box(baseline.search(&baseline_searcher, q, 10).1))
            });
        }
    }
    // Natural queries: the first 200 headlines of `support::headlines`, one
    // per iteration in turn, so the figure is their mean. Their p50 and
    // p99 over all 10,000 come from `examples/perf.rs natural`.
    let headlines: Vec<String> = support::headlines().into_iter().take(200).collect();
    // With the regional variants off too, for what they cost.
    for (name, lean, variants) in [
        ("natural query (full)", false, true),
        ("natural query", true, true),
        ("natural query (full, variants off)", false, false),
    ] {
        let mut next = 0;
        group.bench_function(format!("zhsearch {name}"), |b| {
            b.iter(|| {
                let q = &headlines[next % headlines.len()];
                next += 1;
                let request = SearchRequest::new(q.as_str()).variants(variants);
                let request = if lean { request.snippets(0, 0).facets(false) } else { request.facets(true) };
                black_box(index.search(&request).expect("search").total)
            })
        });
    }
    // What the user means: a query typed in pinyin (full and initials), a
    // homophone typo corrected, completions; and what the checks cost a
    // query of Han characters whose words the index has (the natural
    // queries again, with pinyin and typos off: the ratio to "natural
    // query" above is the cost).
    let (pinyin_full, pinyin_initials, typo, prefix) = if corpus.name == "sanguo" {
        ("zhugeliang", "zgl", "诸歌亮", "zhuge")
    } else {
        ("jingjifazhan", "jjfz", "经记发展", "jingji")
    };
    for (name, q) in [("pinyin query", pinyin_full), ("pinyin initials", pinyin_initials), ("typo corrected", typo)] {
        let request = SearchRequest::new(q).limit(10).snippets(0, 0).facets(false);
        assert!(index.search(&request).expect("search").total > 0, "{name}: {q} finds nothing");
        group.bench_function(format!("zhsearch {name}"), |b| {
            b.iter(|| black_box(index.search(&request).expect("search").total))
        });
    }
    let mut next = 0;
    group.bench_function("zhsearch natural query (pinyin and typos off)", |b| {
        b.iter(|| {
            let q = &headlines[next % headlines.len()];
            next += 1;
            let request = SearchRequest::new(q.as_str()).snippets(0, 0).facets(false).pinyin(false).typos(false);
            black_box(index.search(&request).expect("search").total)
        })
    });
    assert!(!index.suggest(prefix, 10).expect("suggest").is_empty(), "{prefix} suggests nothing");
    group.bench_function("zhsearch suggest", |b| {
        b.iter(|| black_box(index.suggest(prefix, 10).expect("suggest").len()))
    });
    // The exact total of a common word: the whole match set, no page.
    let common = classes(corpus.name)[0].query;
    let count_only = SearchRequest::new(common).matching(Matching::All).limit(0).snippets(0, 0).facets(false);
    group.bench_function("zhsearch total of a common word", |b| {
        b.iter(|| black_box(index.search(&count_only).expect("search").total))
    });
    group.bench_function("tantivy-jieba total of a common word", |b| {
        b.iter(|| black_box(baseline.search(&baseline_searcher, common, 1).1))
    });
    group.finish();

    let mut group = c.benchmark_group("open");
    group.sample_size(20);
    group.bench_function("zhsearch open", |b| {
        b.iter(|| SearchIndex::open(dir.path().join("zhsearch")).expect("open").num_docs())
    });
    group.bench_function("tantivy-jieba open", |b| {
        b.iter(|| {
            let index = tantivy::Index::open_in_dir(&baseline_dir).expect("open");
            index.tokenizers().register("jieba", tantivy_jieba::JiebaTokenizer::new());
            index.reader().expect("reader").searcher().num_docs()
        })
    });
    group.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);
