//! The measurements criterion cannot take, zhsearch beside the tantivy-jieba
//! baseline in the same run: cold start, quoted-substring recall and latency
//! percentiles, index size, peak memory, and the scale run.
//!
//! ```sh
//! cargo run --release --example perf -- startup
//! ZHSEARCH_CORPORA=../shared/corpora cargo run --release --example perf -- quoted
//! ZHSEARCH_CORPORA=../shared/corpora cargo run --release --example perf -- natural
//! ZHSEARCH_CORPORA=../shared/corpora cargo run --release --example perf -- size    # as built, and merged
//! ZHSEARCH_CORPORA=../shared/corpora cargo run --release --example perf -- memory
//! ZHSEARCH_CORPORA=../shared/corpora cargo run --release --example perf -- scale 10 50 200 1000
//! ZHSEARCH_CORPORA=../shared/corpora cargo run --release --example perf -- ratio   # indexing, alternating
//! ZHSEARCH_CORPORA=../shared/corpora cargo run --release --example perf -- means   # pinyin and typos on/off, suggest
//! ZHSEARCH_CORPORA=../shared/corpora cargo run --release --example perf -- threads DIR [ROUNDS]
//! ZHSEARCH_CORPORA=../shared/corpora cargo run --release --example perf -- first DIR [HEADLINES]
//! ```
//!
//! `threads` times the headlines on an index already built in DIR (for
//! example `perf recut 200 a.jsonl`, then the search binary's `--index DIR
//! --add a.jsonl --merge`), each query with one search thread and with the
//! default, one after the other.
//!
//! `first` times a fresh process's first search (the headlines, each in
//! two processes, one of which calls `SearchIndex::preload` first,
//! alternating), and the same search again in the same process.
//!
//! The corpora are those of the benches (`benches/support`). Every figure is
//! printed with the baseline's figure from the same run, or as a ratio.

#[path = "../benches/support/mod.rs"]
mod support;

use std::collections::HashSet;
use std::process::Command;
use std::time::{Duration, Instant};

use tantivy::collector::{Count, DocSetCollector};
use tantivy::query::QueryParser;
use tantivy::schema::Value as _;
use tantivy::TantivyDocument;
use zhsearch::analysis::{Analyzer, AnalyzerSettings};
use zhsearch::article::Article;
use zhsearch::index::SearchIndex;
use zhsearch::query::{Matching, SearchRequest};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("startup") => startup(),
        Some("startup-once") => startup_once(args.get(1).map(String::as_str)),
        Some("quoted") => quoted(),
        Some("size") => size(),
        Some("memory") => memory(),
        Some("memory-once") => memory_once(args.get(1).map(String::as_str), args.get(2).map(String::as_str)),
        Some("scale") => scale(&args[1..]),
        Some("ratio") => ratio(),
        Some("natural") => natural(),
        Some("means") => means(),
        Some("recut") => recut_jsonl(&args[1..]),
        Some("threads") => threads(&args[1..]),
        Some("first") => first(&args[1..]),
        Some("first-once") => first_once(&args[1..]),
        _ => {
            eprintln!(
                "usage: perf startup | quoted | natural | means | size | memory | scale [MB...] | ratio | recut MB OUT.jsonl | threads DIR [ROUNDS] | first DIR [HEADLINES]"
            );
            std::process::exit(2);
        }
    }
}

/// A fresh process's first search of each headline, on the index in
/// `args[0]`, with and without [`SearchIndex::preload`] before it (one
/// process each, the order alternating), beside the same search run again
/// in the process: what a process pays for the pages its first search
/// maps. jieba's dictionary, the lexicons and the variants are loaded
/// before the clock starts, as the example binary loads them.
fn first(args: &[String]) {
    let Some(dir) = args.first() else {
        eprintln!("usage: perf first DIR [HEADLINES]");
        std::process::exit(2);
    };
    let n: usize = args.get(1).map_or(200, |n| n.parse().expect("a number of headlines"));
    let (mut plain, mut preloaded, mut again, mut preload) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, q) in support::headlines().into_iter().take(n).enumerate() {
        let order = if i % 2 == 0 { [false, true] } else { [true, false] };
        for with_preload in order {
            let out = rerun(&["first-once", dir, if with_preload { "preload" } else { "plain" }, &q]);
            let ms: Vec<f64> = out.split(' ').map(|x| x.parse().expect("ms")).collect();
            if with_preload {
                preload.push(Duration::from_secs_f64(ms[0] / 1e3));
                preloaded.push(Duration::from_secs_f64(ms[1] / 1e3));
            } else {
                plain.push(Duration::from_secs_f64(ms[1] / 1e3));
                again.push(Duration::from_secs_f64(ms[2] / 1e3));
            }
        }
    }
    let spread = |v: &mut Vec<Duration>| {
        v.sort();
        let mean = v.iter().map(Duration::as_secs_f64).sum::<f64>() / v.len().max(1) as f64;
        let at = |p| micros(percentile(v, p));
        format!("p50 {} p90 {} p99 {} mean {}", at(0.5), at(0.9), at(0.99), micros(Duration::from_secs_f64(mean)))
    };
    println!("{n} headlines, a fresh process each, default request:");
    println!("  first search: {}", spread(&mut plain));
    println!("  first search after preload: {}", spread(&mut preloaded));
    println!("  the same search again: {}", spread(&mut again));
    println!("  preload itself: {}", spread(&mut preload));
}

/// One process of [`first`]: prints the preload's time (0 without it), the
/// first search's and the second's, in ms.
fn first_once(args: &[String]) {
    let (dir, mode, query) = (&args[0], &args[1], &args[2]);
    let index = SearchIndex::open(dir).expect("open the index");
    index.analyzer().load_segmenter();
    index.analyzer().lexicons();
    index.analyzer().variants();
    let t = Instant::now();
    if mode == "preload" {
        std::hint::black_box(index.preload().expect("preload"));
    }
    let preload = t.elapsed();
    let request = SearchRequest::new(query);
    let mut times = Vec::new();
    for _ in 0..2 {
        let t = Instant::now();
        std::hint::black_box(index.search(&request).expect("search"));
        times.push(t.elapsed());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("{} {} {}", ms(preload), ms(times[0]), ms(times[1]));
}

/// A 64-bit LCG: reproducible choices.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n.max(1) as u64) as usize
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn rerun(args: &[&str]) -> String {
    let exe = std::env::current_exe().expect("own path");
    let out = Command::new(exe).args(args).output().expect("run self");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Cold construction in fresh processes: the first `Analyzer` (OpenCC's
/// dictionaries and the bigram table; jieba's dictionary waits for the
/// first text cut into words), the same plus its first query cut, and the
/// first `Jieba::new()`, which is what tantivy-jieba pays on its first token.
fn startup() {
    let runs = 9;
    let median = |which: &str| {
        let mut ms: Vec<f64> = (0..runs).map(|_| rerun(&["startup-once", which]).parse::<f64>().expect("ms")).collect();
        ms.sort_by(f64::total_cmp);
        ms[runs / 2]
    };
    let (ours, first_query, theirs) = (median("zhsearch"), median("zhsearch-query"), median("jieba"));
    println!(
        "cold construction, median of {runs} processes: zhsearch Analyzer {ours:.0} ms, with its first query cut \
         {first_query:.0} ms; Jieba::new {theirs:.0} ms; ratios {:.2} and {:.2}",
        ours / theirs,
        first_query / theirs
    );
}

fn startup_once(which: Option<&str>) {
    let t = Instant::now();
    match which {
        Some("jieba") => drop(std::hint::black_box(jieba_rs::Jieba::new())),
        Some("zhsearch-query") => {
            let analyzer = Analyzer::new().expect("analyzer");
            drop(std::hint::black_box(analyzer.analyze_query("中华人民共和国")));
        }
        _ => drop(std::hint::black_box(Analyzer::new().expect("analyzer"))),
    }
    println!("{}", t.elapsed().as_secs_f64() * 1e3);
}

fn build_ours(articles: &[Article], dir: Option<&std::path::Path>) -> SearchIndex {
    let index = match dir {
        Some(d) => SearchIndex::create(d, &AnalyzerSettings::default()),
        None => SearchIndex::in_memory(&AnalyzerSettings::default()),
    }
    .expect("index");
    let mut w = index.writer().expect("writer");
    for a in articles {
        w.upsert(a).expect("upsert");
    }
    w.commit().expect("commit");
    index
}

/// 500 random 2–8 character Han substrings of the corpus, quoted: recall
/// against the documents that really contain them (after normalization and
/// conversion), and top-10 latency percentiles.
fn quoted() {
    for corpus in [support::simplified(), support::traditional()] {
        let analyzer = Analyzer::new().expect("analyzer");
        let ours = build_ours(&corpus.articles, None);
        let baseline = support::Baseline::create(None);
        baseline.index_all(&corpus.articles);
        let searcher = baseline.index.reader().expect("reader").searcher();
        let folded: Vec<(String, String)> = corpus
            .articles
            .iter()
            .map(|a| (analyzer.fold(a.title.as_deref().unwrap_or("")), analyzer.fold(&a.body)))
            .collect();
        let needles = quoted_needles(&corpus.articles, 500, &mut Lcg(0x0051_ab57));
        let mut by_len: Vec<[f64; 3]> = vec![[0.0; 3]; 9]; // per length: needles, our recall, baseline recall
        let (mut ours_lat, mut base_lat, mut ours_full_lat) = (Vec::new(), Vec::new(), Vec::new());
        let (mut ours_found, mut base_found, mut truth_total) = (0usize, 0usize, 0usize);
        let mut parser = QueryParser::for_index(&baseline.index, vec![baseline.title, baseline.body]);
        parser.set_conjunction_by_default();
        for needle in &needles {
            let key = analyzer.fold(needle);
            let truth: HashSet<String> = corpus
                .articles
                .iter()
                .zip(&folded)
                .filter(|(_, (t, b))| t.contains(&key) || b.contains(&key))
                .map(|(a, _)| a.id.clone())
                .collect();
            let q = format!("\"{needle}\"");
            let all =
                SearchRequest::new(&q).matching(Matching::All).limit(truth.len() + 5).snippets(0, 0).facets(false);
            let found: HashSet<String> = ours.search(&all).expect("search").hits.into_iter().map(|h| h.id).collect();
            let bq = parser.parse_query(&q).expect("baseline query");
            let docs = searcher.search(&bq, &DocSetCollector).expect("baseline search");
            let bfound: HashSet<String> = docs
                .into_iter()
                .map(|addr| {
                    let d: TantivyDocument = searcher.doc(addr).expect("doc");
                    d.get_first(baseline.id).and_then(|v| v.as_str()).unwrap_or_default().to_owned()
                })
                .collect();
            let ours_hit = truth.intersection(&found).count();
            let base_hit = truth.intersection(&bfound).count();
            assert_eq!(found.len(), ours_hit, "zhsearch found a document without {needle:?}");
            ours_found += ours_hit;
            base_found += base_hit;
            truth_total += truth.len();
            let row = &mut by_len[needle.chars().count()];
            row[0] += 1.0;
            row[1] += ours_hit as f64 / truth.len().max(1) as f64;
            row[2] += base_hit as f64 / truth.len().max(1) as f64;

            let lean = SearchRequest::new(&q).matching(Matching::All).snippets(0, 0).facets(false);
            let t = Instant::now();
            std::hint::black_box(ours.search(&lean).expect("search").total);
            ours_lat.push(t.elapsed());
            let t = Instant::now();
            std::hint::black_box(ours.search(&SearchRequest::new(&q)).expect("search").total);
            ours_full_lat.push(t.elapsed());
            let t = Instant::now();
            std::hint::black_box(baseline.search(&searcher, &q, 10).1);
            base_lat.push(t.elapsed());
        }
        for v in [&mut ours_lat, &mut base_lat, &mut ours_full_lat] {
            v.sort();
        }
        println!(
            "{}: {} quoted 2–8 char substrings; recall zhsearch {:.1}%, tantivy-jieba {:.1}% (of {truth_total} containing documents)",
            corpus.name,
            needles.len(),
            100.0 * ours_found as f64 / truth_total as f64,
            100.0 * base_found as f64 / truth_total as f64
        );
        for (len, row) in by_len.iter().enumerate().filter(|(_, r)| r[0] > 0.0) {
            println!(
                "  {len} chars: {:>3} queries, mean recall zhsearch {:.1}%, tantivy-jieba {:.1}%",
                row[0],
                100.0 * row[1] / row[0],
                100.0 * row[2] / row[0]
            );
        }
        println!(
            "  top-10 latency p50/p99: zhsearch {}/{} (default request with snippets and facets {}/{}); tantivy-jieba {}/{}",
            micros(percentile(&ours_lat, 0.5)),
            micros(percentile(&ours_lat, 0.99)),
            micros(percentile(&ours_full_lat, 0.5)),
            micros(percentile(&ours_full_lat, 0.99)),
            micros(percentile(&base_lat, 0.5)),
            micros(percentile(&base_lat, 0.99)),
        );
    }
}

/// Natural queries (`support::headlines`, every one) over the Simplified
/// corpus: the latency percentiles of the default request (relaxed
/// matching, ten hits with snippets, facets), of the lean one (no
/// snippets, no facets), and how many matches and full matches they find.
/// What the user means, and what it costs the queries that do not need
/// it: 300 headlines as lean requests with pinyin and typos on and off,
/// the batches alternating, the minimum of 7 each (all 300, and those
/// without Latin letters, which pinyin never reads); how many headlines
/// are offered a correction; and `suggest` over 600 prefixes (each
/// headline's first two Han characters, and their pinyin with the second
/// syllable half typed), p50 and p99 of the third round.
fn means() {
    let corpus = support::simplified();
    let ours = build_ours(&corpus.articles, None);
    let headlines: Vec<String> = support::headlines().into_iter().take(300).collect();
    let han: Vec<String> = headlines
        .iter()
        .filter(|h| !h.chars().any(|c| c.is_ascii_alphabetic() || ('Ａ'..='ｚ').contains(&c)))
        .cloned()
        .collect();
    for (name, queries) in [("all headlines", &headlines), ("headlines without Latin letters", &han)] {
        let batch = |on: bool| {
            let t = Instant::now();
            let mut corrected = 0;
            for q in queries {
                let request = SearchRequest::new(q).snippets(0, 0).facets(false).pinyin(on).typos(on);
                corrected += usize::from(!ours.search(&request).expect("search").did_you_mean.is_empty());
            }
            (t.elapsed(), corrected)
        };
        let (mut on, mut off, mut corrected) = (Duration::MAX, Duration::MAX, 0);
        batch(true);
        batch(false);
        for _ in 0..7 {
            let (t, c) = batch(true);
            (on, corrected) = (on.min(t), c);
            off = off.min(batch(false).0);
        }
        println!(
            "{}, {name}: {} queries, pinyin and typos on / off {:.3} (minimums {:.1} / {:.1} ms); offered a correction {corrected}",
            corpus.name,
            queries.len(),
            on.as_secs_f64() / off.as_secs_f64(),
            on.as_secs_f64() * 1e3,
            off.as_secs_f64() * 1e3
        );
    }
    let prefixes = suggest_prefixes(&headlines);
    let mut times = Vec::new();
    for _ in 0..3 {
        times = prefixes
            .iter()
            .map(|p| {
                let t = Instant::now();
                std::hint::black_box(ours.suggest(p, 10).expect("suggest"));
                t.elapsed()
            })
            .collect();
    }
    times.sort();
    println!(
        "{}: suggest over {} prefixes p50 {} p99 {}",
        corpus.name,
        prefixes.len(),
        micros(percentile(&times, 0.5)),
        micros(percentile(&times, 0.99))
    );
}

/// Suggestion prefixes: each headline's first two Han characters, and
/// their pinyin with the second syllable half typed.
fn suggest_prefixes(headlines: &[String]) -> Vec<String> {
    headlines
        .iter()
        .flat_map(|h| {
            let han: String = h.chars().filter(|c| zhsearch::analysis::normalize::is_han(*c)).take(2).collect();
            let syllables: Vec<&str> =
                han.chars().filter_map(|c| zhsearch::analysis::pinyin::readings(c).first().copied()).collect();
            let pinyin = match syllables.as_slice() {
                [a, b] => Some(format!("{a}{}", &b[..b.len().div_ceil(2)])),
                _ => None,
            };
            std::iter::once(han).chain(pinyin)
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// The 300 headlines on the index in `args[0]`, each query with one search
/// thread and with the default (`SearchIndex::search_threads`) one after
/// the other, the default request (no facets) and the lean one; the last
/// of `args[1]` rounds (3) is measured.
fn threads(args: &[String]) {
    let Some(dir) = args.first() else {
        eprintln!("usage: perf threads DIR [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: usize = args.get(1).map_or(3, |r| r.parse().expect("a number of rounds"));
    let index = SearchIndex::open(dir).expect("open the index");
    index.analyzer().load_segmenter();
    let default_threads = index.search_threads();
    let queries: Vec<String> = support::headlines().into_iter().take(300).collect();
    for (name, lean) in [("default", false), ("lean", true)] {
        let request = |q: &str| if lean { SearchRequest::new(q).snippets(0, 0) } else { SearchRequest::new(q) };
        let (mut one, mut many) = (Vec::new(), Vec::new());
        for _ in 0..rounds.max(1) {
            one.clear();
            many.clear();
            for q in &queries {
                for (threads, times) in [(1, &mut one), (default_threads, &mut many)] {
                    index.set_search_threads(threads);
                    let t = Instant::now();
                    std::hint::black_box(index.search(&request(q)).expect("search").total);
                    times.push(t.elapsed());
                }
            }
        }
        one.sort();
        many.sort();
        let ratio = |p| percentile(&many, p).as_secs_f64() / percentile(&one, p).as_secs_f64();
        let spread = |sorted: &[Duration]| {
            let at = |p| micros(percentile(sorted, p));
            format!("p50 {} p90 {} p99 {}", at(0.5), at(0.9), at(0.99))
        };
        println!(
            "{} articles, {} segments, {name} request: 1 thread {}; {default_threads} threads {}; \
             ratio p50 {:.2} p90 {:.2} p99 {:.2}",
            index.num_docs(),
            index.segment_count(),
            spread(&one),
            spread(&many),
            ratio(0.5),
            ratio(0.9),
            ratio(0.99),
        );
    }
}

fn natural() {
    let corpus = support::simplified();
    let queries = support::headlines();
    let ours = build_ours(&corpus.articles, None);
    let (mut full, mut lean) = (Vec::new(), Vec::new());
    let (mut matched, mut complete, mut empty) = (0u64, 0u64, 0usize);
    for _ in 0..2 {
        // The first round warms the caches; the second is measured.
        full.clear();
        lean.clear();
        (matched, complete, empty) = (0, 0, 0);
        for q in &queries {
            let t = Instant::now();
            let r = ours.search(&SearchRequest::new(q)).expect("search");
            full.push(t.elapsed());
            matched += r.total;
            complete += r.full_matches;
            empty += usize::from(r.total == 0);
            let t = Instant::now();
            std::hint::black_box(
                ours.search(&SearchRequest::new(q).snippets(0, 0).facets(false)).expect("search").total,
            );
            lean.push(t.elapsed());
        }
    }
    full.sort();
    lean.sort();
    let n = queries.len();
    println!(
        "{}: {n} natural queries; default request p50 {} p90 {} p99 {} max {}; lean p50 {} p99 {}; \
         mean {:.0} matches ({:.1} full), {empty} with none, of {} articles",
        corpus.name,
        micros(percentile(&full, 0.5)),
        micros(percentile(&full, 0.9)),
        micros(percentile(&full, 0.99)),
        micros(percentile(&full, 1.0)),
        micros(percentile(&lean, 0.5)),
        micros(percentile(&lean, 0.99)),
        matched as f64 / n as f64,
        complete as f64 / n as f64,
        corpus.articles.len(),
    );
}

/// Index size on disk against the raw text, both engines.
fn size() {
    for corpus in [support::simplified(), support::traditional()] {
        let raw = corpus.bytes() as f64;
        let dir = tempfile::tempdir().expect("tempdir");
        let ours_dir = dir.path().join("zhsearch");
        let ours = build_ours(&corpus.articles, Some(&ours_dir));
        let ours_built = support::dir_size(&ours_dir) as f64;
        let segments = ours.segment_count();
        ours.writer().expect("writer").merge_segments().expect("merge");
        drop(ours);
        let ours_merged = support::dir_size(&ours_dir) as f64;

        let base_dir = dir.path().join("baseline");
        std::fs::create_dir_all(&base_dir).expect("mkdir");
        let baseline = support::Baseline::create(Some(&base_dir));
        baseline.index_all(&corpus.articles);
        let base_built = support::dir_size(&base_dir) as f64;
        let mut writer: tantivy::IndexWriter = baseline.index.writer(50_000_000).expect("baseline writer");
        let ids = baseline.index.searchable_segment_ids().expect("segments");
        writer.merge(&ids).wait().expect("baseline merge");
        writer.wait_merging_threads().expect("baseline merge threads");
        let base_merged = support::dir_size(&base_dir) as f64;
        println!(
            "{}: raw {:.1} MB; as built ({segments} segments): zhsearch {:.1} MB = {:.2}× raw, tantivy-jieba {:.1} MB = \
             {:.2}× raw; merged to one segment: zhsearch {:.1} MB = {:.2}×, tantivy-jieba {:.1} MB = {:.2}×",
            corpus.name,
            raw / 1e6,
            ours_built / 1e6,
            ours_built / raw,
            base_built / 1e6,
            base_built / raw,
            ours_merged / 1e6,
            ours_merged / raw,
            base_merged / 1e6,
            base_merged / raw,
        );
    }
}

/// Indexing throughput ratio (zhsearch / baseline), building the two on disk
/// one after the other five times per corpus in one process, so that both
/// see the same machine state: the median of the five ratios. A quicker
/// and steadier reading than the criterion group, for trying changes.
fn ratio() {
    for corpus in [support::simplified(), support::traditional()] {
        let mut ratios = Vec::new();
        for _ in 0..5 {
            let time = |build: &dyn Fn(&std::path::Path)| {
                let dir = tempfile::tempdir().expect("tempdir");
                let start = Instant::now();
                build(dir.path());
                start.elapsed().as_secs_f64()
            };
            let ours = time(&|d| drop(build_ours(&corpus.articles, Some(d))));
            let theirs = time(&|d| support::Baseline::create(Some(d)).index_all(&corpus.articles));
            ratios.push(theirs / ours);
        }
        ratios.sort_by(f64::total_cmp);
        let shown: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
        println!(
            "{}: indexing ratio zhsearch / tantivy-jieba, median of 5: {:.2} ({})",
            corpus.name,
            ratios[2],
            shown.join(" ")
        );
    }
}

/// Peak resident memory (VmHWM) of a process that indexes a corpus to
/// disk, for each engine and each corpus in its own process.
fn memory() {
    for corpus in ["simplified", "traditional"] {
        let ours = rerun(&["memory-once", "zhsearch", corpus]);
        let theirs = rerun(&["memory-once", "baseline", corpus]);
        println!("peak RSS while indexing the {corpus} corpus: zhsearch {ours}; tantivy-jieba {theirs}");
    }
}

/// One build for `memory`, also a handy target for a profiler:
/// `perf record ./target/release/examples/perf memory-once zhsearch traditional`.
fn memory_once(which: Option<&str>, corpus: Option<&str>) {
    let corpus = match corpus {
        Some("traditional") => support::traditional(),
        _ => support::simplified(),
    };
    let dir = tempfile::tempdir().expect("tempdir");
    match which {
        Some("baseline") => support::Baseline::create(Some(dir.path())).index_all(&corpus.articles),
        _ => drop(build_ours(&corpus.articles, Some(dir.path()))),
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status.lines().find(|l| l.starts_with("VmHWM:")).map_or("unknown", |l| l["VmHWM:".len()..].trim());
    println!("{peak}");
}

/// Distinct articles of about `bytes` bytes in all, made by re-cutting the
/// paragraphs of every corpus into new articles of 3 to 12 paragraphs.
/// Paragraphs recur across articles once the target passes the pool's
/// size, but no article repeats another.
fn recut(pool: &[String], bytes: usize, rng: &mut Lcg) -> Vec<Article> {
    let mut out = Vec::new();
    let mut total = 0;
    while total < bytes {
        let n = 3 + rng.below(10);
        let body: Vec<&str> = (0..n).map(|_| pool[rng.below(pool.len())].as_str()).collect();
        let body = body.join("\n");
        total += body.len();
        out.push(Article::new(format!("a{}", out.len()), body));
    }
    out
}

/// The paragraphs every corpus is re-cut from (see [`recut`]).
fn paragraph_pool() -> Vec<String> {
    let mut pool: Vec<String> = Vec::new();
    for corpus in [support::simplified(), support::traditional()] {
        for a in corpus.articles {
            pool.extend(a.body.split('\n').filter(|p| p.chars().count() >= 4).map(str::to_owned));
        }
    }
    pool
}

/// Writes the articles `scale` would build for MB megabytes as JSON Lines,
/// for engines measured outside this process (the cluster backend).
fn recut_jsonl(args: &[String]) {
    let [mb, out] = args else {
        eprintln!("usage: perf recut MB OUT.jsonl");
        std::process::exit(2);
    };
    let mb: usize = mb.parse().expect("a size in MB");
    let articles = recut(&paragraph_pool(), mb * 1_000_000, &mut Lcg(mb as u64));
    let mut text = String::new();
    for a in &articles {
        text.push_str(&serde_json::to_string(a).expect("json"));
        text.push('\n');
    }
    std::fs::write(out, text).expect("write");
    println!(
        "{} articles, {:.1} MB of text",
        articles.len(),
        articles.iter().map(|a| a.body.len()).sum::<usize>() as f64 / 1e6
    );
}

fn scale(sizes: &[String]) {
    let sizes: Vec<usize> = if sizes.is_empty() {
        vec![10, 50, 200]
    } else {
        sizes.iter().map(|s| s.parse().expect("a size in MB")).collect()
    };
    let pool = paragraph_pool();
    println!(
        "paragraph pool: {} paragraphs, {:.1} MB",
        pool.len(),
        pool.iter().map(String::len).sum::<usize>() as f64 / 1e6
    );
    let words = ["发展", "经济 改革", "\"社会主义\"", "明月", "曹操 刘备", "經濟"];
    // Natural queries: headlines (THUCNews with the corpora, else chapter
    // titles); suggestions: each headline's first two characters, and
    // their pinyin with the second syllable unfinished.
    let headlines: Vec<String> = support::headlines().into_iter().take(300).collect();
    let prefixes = suggest_prefixes(&headlines);
    // Pinyin queries: each headline's first four Han characters typed in
    // full syllables (their first readings), without spaces.
    let (pinyin_queries, pinyin_meant): (Vec<String>, Vec<String>) = headlines
        .iter()
        .filter_map(|h| {
            let han: String = h.chars().filter(|c| zhsearch::analysis::normalize::is_han(*c)).take(4).collect();
            let syllables: Vec<&str> =
                han.chars().filter_map(|c| zhsearch::analysis::pinyin::readings(c).first().copied()).collect();
            (syllables.len() == 4 && han.chars().count() == 4).then(|| (syllables.concat(), han))
        })
        .unzip();
    println!(
        "queries: {} natural (headlines), {} word, 300 quoted (random 2–8 character substrings), {} pinyin (a headline's first four characters), {} suggest prefixes",
        headlines.len(),
        words.len(),
        pinyin_queries.len(),
        prefixes.len()
    );
    let lean = |q: &str| SearchRequest::new(q).snippets(0, 0);
    for mb in sizes {
        let mut rng = Lcg(mb as u64);
        let articles = recut(&pool, mb * 1_000_000, &mut rng);
        let bytes: usize = articles.iter().map(|a| a.body.len()).sum();
        let needles = quoted_needles(&articles, 300, &mut rng);
        let dir = tempfile::tempdir().expect("tempdir");
        let t = Instant::now();
        let ours = build_ours(&articles, Some(&dir.path().join("zhsearch")));
        let ours_time = t.elapsed();
        // The baseline loaded jieba building its index; ours, on the first
        // query. Load it before the queries are timed.
        ours.analyzer().load_segmenter();
        let base_dir = dir.path().join("baseline");
        std::fs::create_dir_all(&base_dir).expect("mkdir");
        let baseline = support::Baseline::create(Some(&base_dir));
        let t = Instant::now();
        baseline.index_all(&articles);
        let base_time = t.elapsed();
        drop(articles);
        let searcher = baseline.index.reader().expect("reader").searcher();
        let count = searcher.search(&tantivy::query::AllQuery, &Count).expect("count");
        println!(
            "{mb} MB ({count} articles, zhsearch {} segments): indexing zhsearch {:.1} MB/s, tantivy-jieba {:.1} MB/s, \
             ratio {:.2}; index zhsearch {:.2}× raw, tantivy-jieba {:.2}× raw; peak memory of the process so far {}",
            ours.segment_count(),
            bytes as f64 / 1e6 / ours_time.as_secs_f64(),
            bytes as f64 / 1e6 / base_time.as_secs_f64(),
            base_time.as_secs_f64() / ours_time.as_secs_f64(),
            support::dir_size(&dir.path().join("zhsearch")) as f64 / bytes as f64,
            support::dir_size(&base_dir) as f64 / bytes as f64,
            peak_memory(),
        );
        // Each kind: a warm-up round, then one measured round (words: 20),
        // ours and the peer's query alternating query by query.
        let or_query = |q: &str| baseline.search_or(&searcher, q, 10);
        let quoted: Vec<String> = needles.iter().map(|n| format!("\"{n}\"")).collect();
        let word_list: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        // Pinyin: the peer cannot read it, and is asked the Han
        // characters meant instead.
        let kinds: [(&str, &[String], &[String], usize); 4] = [
            ("natural", &headlines, &headlines, 1),
            ("word", &word_list, &word_list, 20),
            ("quoted", &quoted, &quoted, 1),
            ("pinyin", &pinyin_queries, &pinyin_meant, 1),
        ];
        for (kind, queries, peer_queries, rounds) in kinds {
            let (mut full, mut ours_lean, mut peer) = (Vec::new(), Vec::new(), Vec::new());
            for round in 0..=rounds {
                for (q, peer_q) in queries.iter().zip(peer_queries) {
                    let t = Instant::now();
                    std::hint::black_box(ours.search(&SearchRequest::new(q)).expect("search"));
                    let full_time = t.elapsed();
                    let t = Instant::now();
                    std::hint::black_box(ours.search(&lean(q)).expect("search"));
                    let lean_time = t.elapsed();
                    let t = Instant::now();
                    std::hint::black_box(or_query(peer_q));
                    let peer_time = t.elapsed();
                    if round > 0 {
                        full.push(full_time);
                        ours_lean.push(lean_time);
                        peer.push(peer_time);
                    }
                }
            }
            let p = |v: &mut Vec<Duration>| {
                v.sort();
                format!("{}/{}", micros(percentile(v, 0.5)), micros(percentile(v, 0.99)))
            };
            println!(
                "  {mb} MB {kind}: p50/p99 zhsearch default request {}, lean {}; tantivy-jieba OR top 10 {}",
                p(&mut full),
                p(&mut ours_lean),
                p(&mut peer)
            );
        }
        let mut suggest = Vec::new();
        for round in 0..2 {
            for prefix in &prefixes {
                let t = Instant::now();
                std::hint::black_box(ours.suggest(prefix, 10).expect("suggest"));
                if round > 0 {
                    suggest.push(t.elapsed());
                }
            }
        }
        suggest.sort();
        println!(
            "  {mb} MB suggest: p50/p99 {}/{}",
            micros(percentile(&suggest, 0.5)),
            micros(percentile(&suggest, 0.99))
        );
    }
}

/// `n` random substrings of 2–8 Han characters of `articles`' bodies.
fn quoted_needles(articles: &[Article], n: usize, rng: &mut Lcg) -> Vec<String> {
    let mut needles = Vec::new();
    while needles.len() < n && !articles.is_empty() {
        let chars: Vec<char> = articles[rng.below(articles.len())].body.chars().collect();
        let len = 2 + rng.below(7);
        if chars.len() < len {
            continue;
        }
        let start = rng.below(chars.len() - len + 1);
        let piece = &chars[start..start + len];
        if piece.iter().all(|&c| zhsearch::analysis::normalize::is_han(c)) {
            needles.push(piece.iter().collect::<String>());
        }
    }
    needles
}

/// This process's peak resident memory (VmHWM), as /proc reports it.
fn peak_memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find(|l| l.starts_with("VmHWM:")).map_or("unknown".into(), |l| l["VmHWM:".len()..].trim().into())
}
