//! Indexing throughput, in bytes of title and body text per second, on a
//! Simplified and a Traditional corpus (see `support` for which).
//!
//! Each group holds, over the same articles:
//! - `zhsearch words` / `zhsearch chars`: the analyzer alone, through the
//!   tantivy tokenizers an index uses;
//! - `zhsearch index`: a full index build, upserts through commit, with the
//!   default writer, on disk;
//! - `tantivy-jieba index`: the peer baseline, built the same way;
//! - `jieba cut_for_search`: raw jieba-rs over the same text, the limit line.
//!
//! A separate group times building an analyzer.
//!
//! ```sh
//! cargo bench --bench indexing
//! ZHSEARCH_CORPORA=../shared/corpora cargo bench --bench indexing
//! ```

mod support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use tantivy::tokenizer::{TokenStream, Tokenizer};
use zhsearch::analysis::{Analyzer, AnalyzerSettings};
use zhsearch::index::SearchIndex;

fn count_tokens<T: Tokenizer>(tokenizer: &mut T, texts: &[&str]) -> usize {
    let mut n = 0;
    for text in texts {
        let mut stream = tokenizer.token_stream(text);
        while stream.advance() {
            n += stream.token().text.len();
        }
    }
    n
}

fn indexing(c: &mut Criterion) {
    let analyzer = Analyzer::new().expect("analyzer");
    let jieba = jieba_rs::Jieba::new();
    for corpus in [support::simplified(), support::traditional()] {
        let texts = corpus.texts();
        let mut group = c.benchmark_group(format!("indexing/{}", corpus.name));
        group.throughput(Throughput::Bytes(corpus.bytes()));
        group.sample_size(10).measurement_time(Duration::from_secs(20)).warm_up_time(Duration::from_secs(1));

        group.bench_function("zhsearch words", |b| {
            let mut t = analyzer.word_tokenizer();
            b.iter(|| black_box(count_tokens(&mut t, &texts)))
        });
        group.bench_function("zhsearch chars", |b| {
            let mut t = analyzer.char_tokenizer();
            b.iter(|| black_box(count_tokens(&mut t, &texts)))
        });
        group.bench_function("jieba cut_for_search", |b| {
            b.iter(|| texts.iter().map(|t| jieba.cut_for_search(t, true).len()).sum::<usize>())
        });
        group.bench_function("zhsearch index", |b| {
            b.iter_with_large_drop(|| {
                let dir = tempfile::tempdir().expect("tempdir");
                let index = SearchIndex::create(dir.path(), &AnalyzerSettings::default()).expect("index");
                let mut w = index.writer().expect("writer");
                for a in &corpus.articles {
                    w.upsert(a).expect("upsert");
                }
                w.commit().expect("commit");
                dir
            })
        });
        group.bench_function("tantivy-jieba index", |b| {
            b.iter_with_large_drop(|| {
                let dir = tempfile::tempdir().expect("tempdir");
                support::Baseline::create(Some(dir.path())).index_all(&corpus.articles);
                dir
            })
        });
        group.finish();
    }
}

fn construction(c: &mut Criterion) {
    // The first analyzer of a process also loads OpenCC's dictionaries,
    // and its first query jieba's; `examples/perf.rs startup` measures that
    // in fresh processes. This is the cost of every further analyzer, up to
    // its first query cut (an analyzer with user words copies jieba then).
    let mut group = c.benchmark_group("construction");
    group.bench_function(BenchmarkId::new("analyzer", "default"), |b| {
        b.iter(|| Analyzer::new().expect("analyzer").analyze_query("脱贫攻坚战"))
    });
    group.bench_function(BenchmarkId::new("analyzer", "user words"), |b| {
        b.iter(|| {
            let analyzer = Analyzer::builder().user_words(["脱贫攻坚战", "乡村振兴"]).build().expect("analyzer");
            analyzer.analyze_query("脱贫攻坚战")
        })
    });
    group.bench_function(BenchmarkId::new("jieba", "Jieba::new"), |b| b.iter(jieba_rs::Jieba::new));
    group.finish();
}

criterion_group!(benches, indexing, construction);
criterion_main!(benches);
