//! Known-item relevance: index a JSONL of articles, run a JSONL of
//! `{"q": ..., "target": ...}` queries, and print MRR@10, top-1, recall@10
//! and latency percentiles.
//!
//! ```sh
//! cargo run --release --example eval -- ARTICLES.jsonl QUERIES.jsonl [MORE.jsonl ...]
//! # the same through the example search binary, one process per query:
//! cargo build --release --example search
//! cargo run --release --example eval -- --through target/release/examples/search ARTICLES.jsonl QUERIES.jsonl
//! # the queries that miss the first place, with the explanation of the two hits:
//! cargo run --release --example eval -- --misses 5 ARTICLES.jsonl QUERIES.jsonl
//! # without the regional variants:
//! cargo run --release --example eval -- --no-variants ARTICLES.jsonl QUERIES.jsonl
//! # with other ranking settings (JSON: `{"title_boost": 3}`):
//! cargo run --release --example eval -- --ranking RANKING.json ARTICLES.jsonl QUERIES.jsonl
//! # with a glossary of synonym groups (one `词甲,词乙` group per line):
//! cargo run --release --example eval -- --synonyms GLOSSARY.txt ARTICLES.jsonl QUERIES.jsonl
//! # every query's hits, scores, verdicts, totals and facets, one JSON line each,
//! # to prove that a refactoring changed no result (diff two dumps):
//! cargo run --release --example eval -- --dump before.jsonl ARTICLES.jsonl QUERIES.jsonl
//! # pinyin: each title of 2 to 8 Han characters typed as full pinyin, spaced
//! # pinyin, initials and mixed (first character as itself), and completed
//! # from the pinyin of its first two characters (no query sets needed):
//! cargo run --release --example eval -- --pinyin ARTICLES.jsonl
//! # the same on titles of any length (headlines), their Han characters typed:
//! cargo run --release --example eval -- --pinyin --long-titles ARTICLES.jsonl
//! # typos: in each title (or short body), one word of jieba's dictionary
//! # with one character replaced by the commonest other character of its
//! # sound, as a wrong pick of a pinyin input method (制裁 → 制才); the
//! # correction offered first must be the title, or the word:
//! cargo run --release --example eval -- --typos ARTICLES.jsonl
//! ```
//!
//! In process, each query is a default [`SearchRequest`] (relaxed
//! matching, ten hits, snippets and facets), and its latency is the whole
//! request. Through the binary, each query is `search --index DIR --json
//! --limit 10 -- QUERY` on an index the binary built with `--add`, and the
//! latency is the `took_ms` it reports.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use clap::Parser;
use zhsearch::analysis::AnalyzerSettings;
use zhsearch::index::SearchIndex;
use zhsearch::ingest;
use zhsearch::query::{RankingSettings, SearchRequest};

#[path = "../tests/common/typos.rs"]
mod typos;

#[derive(Parser, Debug)]
#[command(name = "eval", about = "Known-item MRR@10 of zhsearch over a set of queries")]
struct Args {
    /// The articles (JSONL: id, title, body, ...).
    articles: PathBuf,
    /// Query sets (JSONL: q, target), each measured on its own.
    #[arg(required_unless_present_any = ["pinyin", "typos"])]
    queries: Vec<PathBuf>,
    /// Measure pinyin title queries made from the articles' titles (see
    /// the examples above), as MRR@10 per form, and suggestions.
    #[arg(long, conflicts_with = "through")]
    pinyin: bool,
    /// With --pinyin: titles of any length, their Han characters typed
    /// (the others left out), as for headlines.
    #[arg(long, requires = "pinyin")]
    long_titles: bool,
    /// Measure did-you-mean on the articles' titles with one homophone
    /// typo each (see the examples above).
    #[arg(long, conflicts_with = "through")]
    typos: bool,
    /// Run the queries as plain text, with no operators (`--plain`
    /// through the binary).
    #[arg(long)]
    plain: bool,
    /// Run every query through this search binary instead of in process.
    #[arg(long, value_name = "BIN")]
    through: Option<PathBuf>,
    /// Print up to N queries whose target is not first, with the
    /// explanations of the first hit and of the target.
    #[arg(long, value_name = "N", default_value_t = 0)]
    misses: usize,
    /// Run the queries without the regional variants (`--no-variants`
    /// through the binary).
    #[arg(long)]
    no_variants: bool,
    /// Synonym groups for the index (one `词甲,词乙` group per line), as
    /// the example binary's `--synonyms`: to measure a glossary.
    #[arg(long, value_name = "FILE")]
    synonyms: Option<PathBuf>,
    /// Write every query's results (ids, scores, full matches, totals,
    /// facets; no articles or snippets) to FILE, one JSON line per query:
    /// two dumps that diff clean are the same ranking. In process only.
    #[arg(long, value_name = "FILE", conflicts_with = "through")]
    dump: Option<PathBuf>,
    /// Ranking settings (JSON, as the example binary's `--ranking`): to
    /// measure a change of weights without a rebuild.
    #[arg(long, value_name = "FILE")]
    ranking: Option<PathBuf>,
}

#[derive(serde::Deserialize)]
struct Known {
    q: String,
    target: String,
}

/// The figures of one query set.
#[derive(Default)]
struct Tally {
    queries: usize,
    reciprocal: f64,
    first: usize,
    found: usize,
    latencies: Vec<Duration>,
    /// Queries offered a correction ("did you mean").
    corrected: usize,
}

impl Tally {
    fn add(&mut self, rank: Option<usize>, took: Duration) {
        self.queries += 1;
        if let Some(r) = rank {
            self.reciprocal += 1.0 / (r + 1) as f64;
            self.first += usize::from(r == 0);
            self.found += 1;
        }
        self.latencies.push(took);
    }

    fn report(&mut self, name: &str) {
        self.latencies.sort_unstable();
        let pct = |p: f64| {
            let i = ((self.latencies.len().saturating_sub(1)) as f64 * p).round() as usize;
            self.latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e3)
        };
        let n = self.queries.max(1) as f64;
        println!(
            "{name}: {} queries  MRR@10 {:.3}  top-1 {}/{} ({:.3})  recall@10 {:.3}  latency p50 {:.2} ms  p95 {:.2} ms  p99 {:.2} ms  offered a correction {}",
            self.queries,
            self.reciprocal / n,
            self.first,
            self.queries,
            self.first as f64 / n,
            self.found as f64 / n,
            pct(0.5),
            pct(0.95),
            pct(0.99),
            self.corrected,
        );
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn read_queries(path: &Path) -> Result<Vec<Known>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| serde_json::from_str(l).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1)))
        .collect()
}

fn run(args: &Args) -> Result<(), String> {
    match &args.through {
        Some(binary) => through(binary, args),
        None => in_process(args),
    }
}

fn in_process(args: &Args) -> Result<(), String> {
    let batch = ingest::read_path(&args.articles).map_err(|e| e.to_string())?;
    if let Some(first) = batch.rejected.first() {
        return Err(format!("{} articles rejected, the first: {first}", batch.rejected.len()));
    }
    let index = SearchIndex::in_memory(&AnalyzerSettings::default()).map_err(|e| e.to_string())?;
    if let Some(path) = &args.synonyms {
        let synonyms = zhsearch::analysis::Synonyms::read(path).map_err(|e| e.to_string())?;
        index.set_synonyms(synonyms).map_err(|e| e.to_string())?;
    }
    if let Some(path) = &args.ranking {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let settings = RankingSettings::from_json(&text, Some(path)).map_err(|e| e.to_string())?;
        index.set_ranking(settings).map_err(|e| e.to_string())?;
    }
    // One indexing thread: the articles keep the file's order, so that
    // ties between equal scores (which go to the smaller address) fall the
    // same way in every run. With two threads the order changed from run
    // to run, and so did the messages set's MRR@10 (0.942 to 0.945).
    let mut writer = index.writer_with_threads(1).map_err(|e| e.to_string())?;
    for article in &batch.articles {
        writer.upsert(article).map_err(|e| e.to_string())?;
    }
    writer.commit().map_err(|e| e.to_string())?;
    // The first query would load jieba's dictionary; not a search's cost.
    index.analyzer().load_segmenter();
    println!("{} articles from {}", index.num_docs(), args.articles.display());
    if args.pinyin {
        return pinyin_titles(&index, &batch.articles, args.long_titles);
    }
    if args.typos {
        return typo_titles(&index, &batch.articles);
    }
    let mut dump = String::new();
    for path in &args.queries {
        let mut tally = Tally::default();
        let mut misses = 0;
        for known in read_queries(path)? {
            let started = Instant::now();
            let request = SearchRequest::new(known.q.clone()).variants(!args.no_variants).plain(args.plain);
            let results = index.search(&request).map_err(|e| e.to_string())?;
            let took = started.elapsed();
            let rank = results.hits.iter().position(|h| h.id == known.target);
            tally.add(rank, took);
            // These queries are written as the other side's text, not
            // mistyped: a correction offered for one is most likely wrong.
            if !results.did_you_mean.is_empty() {
                tally.corrected += 1;
            }
            if args.dump.is_some() {
                dump.push_str(&dump_line(&known.q, &results));
            }
            if rank != Some(0) && misses < args.misses {
                misses += 1;
                show_miss(&index, &known, rank, args)?;
            }
        }
        tally.report(&path.display().to_string());
    }
    match &args.dump {
        Some(file) => std::fs::write(file, dump).map_err(|e| format!("{}: {e}", file.display())),
        None => Ok(()),
    }
}

/// One query's results as a JSON line, without what a ranking change
/// cannot alter (articles, snippets).
fn dump_line(q: &str, results: &zhsearch::query::SearchResults) -> String {
    let hits: Vec<_> = results
        .hits
        .iter()
        .map(|h| serde_json::json!({"id": h.id, "score": h.score, "full_match": h.full_match}))
        .collect();
    let line = serde_json::json!({
        "q": q,
        "total": results.total,
        "full_matches": results.full_matches,
        "hits": hits,
        "facets": results.facets,
    });
    format!("{line}\n")
}

/// The pinyin forms of each title of 2 to 8 Han characters (its
/// characters' first readings), searched for that article; and the
/// completions of its first two characters' pinyin, the second
/// unfinished, which should include the title or a word it starts with.
fn pinyin_titles(
    index: &SearchIndex,
    articles: &[zhsearch::article::Article],
    long_titles: bool,
) -> Result<(), String> {
    use zhsearch::analysis::pinyin::readings;
    let forms = ["full", "spaced", "initials", "mixed"];
    let mut tallies: Vec<Tally> = forms.iter().map(|_| Tally::default()).collect();
    // The help has many pages of one title, which no ranking can tell
    // apart: the same queries counted as found at the first page of the
    // title, whichever it is.
    let mut titled: Vec<Tally> = forms.iter().map(|_| Tally::default()).collect();
    let title_of = |id: &str| index.get(id).ok().flatten().and_then(|a| a.title).map(|t| index.analyzer().fold(&t));
    let mut suggested = Tally::default();
    for article in articles {
        let Some(title) = article.title.as_deref() else { continue };
        let title = index.analyzer().fold(title);
        let chars: Vec<char> = match long_titles {
            // Headlines: the Han characters typed, digits and Latin words
            // left out (a user types `chenguanxi…` for 陈冠希…(组图)).
            true => title.chars().filter(|c| !readings(*c).is_empty()).collect(),
            false => title.chars().collect(),
        };
        let typable = chars.len() >= 2 && (long_titles || chars.len() <= 8);
        if !typable || !chars.iter().all(|c| !readings(*c).is_empty()) {
            continue;
        }
        let syllables: Vec<&str> = chars.iter().filter_map(|c| readings(*c).first().copied()).collect();
        let mixed = format!("{}{}", chars[0], syllables[1..].concat());
        let initials: String = syllables.iter().filter_map(|s| s.chars().next()).collect();
        let queries = [syllables.concat(), syllables.join(" "), initials, mixed];
        for ((tally, same), q) in tallies.iter_mut().zip(titled.iter_mut()).zip(&queries) {
            let started = Instant::now();
            let request = SearchRequest::new(q.clone()).snippets(0, 0).facets(false);
            let results = index.search(&request).map_err(|e| e.to_string())?;
            let took = started.elapsed();
            tally.add(results.hits.iter().position(|h| h.id == article.id), took);
            same.add(results.hits.iter().position(|h| title_of(&h.id).as_deref() == Some(title.as_str())), took);
        }
        let second = syllables[1];
        let prefix = format!("{}{}", syllables[0], &second[..second.len().div_ceil(2)]);
        let started = Instant::now();
        let suggestions = index.suggest(&prefix, 10).map_err(|e| e.to_string())?;
        let rank = suggestions.iter().position(|s| title.starts_with(&s.text) || s.text.starts_with(&title));
        suggested.add(rank, started.elapsed());
    }
    for ((tally, same), form) in tallies.iter_mut().zip(titled.iter_mut()).zip(forms) {
        tally.report(&format!("pinyin title, {form}"));
        same.report(&format!("pinyin title, {form}, a page of that title"));
    }
    suggested
        .report("suggest from the first two syllables (a completion the title starts with, or that starts with it)");
    Ok(())
}

/// Did you mean, measured: in each title of 2 to 30 characters (or a
/// body that short, for articles without titles), the first word of
/// jieba's dictionary of 2 to 4 Han characters that the index has gets one
/// character replaced by the commonest other character of the same first
/// reading, such that the result is not a word of the dictionary (an input
/// method's wrong pick: 制裁 → 制才). Two queries each: the title with the
/// typo, whose first correction should be the title, and the word alone,
/// whose first correction should be the word. Counted as MRR over the
/// corrections offered; the title query also reports where its article
/// ranks.
fn typo_titles(index: &SearchIndex, articles: &[zhsearch::article::Article]) -> Result<(), String> {
    let (mut titles, mut words, mut found) = (Tally::default(), Tally::default(), Tally::default());
    let mut shown = 0;
    for article in articles {
        let text = article.title.as_deref().unwrap_or(&article.body);
        let text = index.analyzer().fold(text.trim());
        if !(2..=30).contains(&text.chars().count()) {
            continue;
        }
        let Some((word, typo)) = typos::wrong_pick(index.analyzer(), &text) else { continue };
        if index
            .search(&SearchRequest::new(format!("\"{word}\"")).limit(0).facets(false))
            .map_err(|e| e.to_string())?
            .total
            == 0
        {
            continue;
        }
        let query = text.replacen(&word, &typo, 1);
        for (n, (tally, q, expected)) in
            [(&mut titles, &query, &text), (&mut words, &typo, &word)].into_iter().enumerate()
        {
            let started = Instant::now();
            let request = SearchRequest::new(q.clone()).snippets(0, 0).facets(false);
            let results = index.search(&request).map_err(|e| e.to_string())?;
            let took = started.elapsed();
            let rank = results.did_you_mean.iter().position(|d| d == expected);
            if rank != Some(0) && shown < 15 {
                shown += 1;
                println!("  {q} → {:?} (wanted {expected})", results.did_you_mean);
            }
            tally.add(rank, took);
            if n == 0 {
                found.add(results.hits.iter().position(|h| h.id == article.id), took);
            }
        }
    }
    titles.report("typo in the title: the title among the corrections");
    found.report("typo in the title: the article among the hits");
    words.report("typo in the word alone: the word among the corrections");
    Ok(())
}

/// Prints a query that missed first place: the first hit's explanation and
/// the target's, found by asking for enough hits.
fn show_miss(index: &SearchIndex, known: &Known, rank: Option<usize>, args: &Args) -> Result<(), String> {
    let request = SearchRequest::new(known.q.clone())
        .limit(1000)
        .explain(true)
        .snippets(0, 0)
        .facets(false)
        .variants(!args.no_variants)
        .plain(args.plain);
    let results = index.search(&request).map_err(|e| e.to_string())?;
    println!(
        "\n--- {:?} → {} (rank {})",
        known.q,
        known.target,
        rank.map_or("over 10".into(), |r| (r + 1).to_string())
    );
    let title = |id: &str| index.get(id).ok().flatten().and_then(|a| a.title).unwrap_or_default();
    for (label, hit) in
        [("first", results.hits.first()), ("target", results.hits.iter().find(|h| h.id == known.target))]
    {
        match hit {
            Some(h) => {
                println!("{label}: {} {}", h.id, title(&h.id));
                if let Some(e) = &h.explanation {
                    print!("{e}");
                }
            }
            None => println!("{label}: not a match ({})", title(&known.target)),
        }
    }
    Ok(())
}

fn through(binary: &Path, args: &Args) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("zhsearch-eval-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let status = Command::new(binary)
        .arg("--index")
        .arg(&dir)
        .arg("--add")
        .arg(&args.articles)
        .args(args.synonyms.iter().flat_map(|p| [std::ffi::OsStr::new("--synonyms"), p.as_os_str()]))
        .args(args.ranking.iter().flat_map(|p| [std::ffi::OsStr::new("--ranking"), p.as_os_str()]))
        .output()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    if !status.status.success() {
        return Err(format!("indexing failed: {}", String::from_utf8_lossy(&status.stderr)));
    }
    println!("{} indexed into {} by {}", args.articles.display(), dir.display(), binary.display());
    for path in &args.queries {
        let mut tally = Tally::default();
        for known in read_queries(path)? {
            let mut command = Command::new(binary);
            command.arg("--index").arg(&dir).args(["--json", "--limit", "10"]);
            if args.no_variants {
                command.arg("--no-variants");
            }
            if args.plain {
                command.arg("--plain");
            }
            let out = command.arg("--").arg(&known.q).output().map_err(|e| format!("{}: {e}", binary.display()))?;
            if !out.status.success() {
                return Err(format!("query {:?} failed: {}", known.q, String::from_utf8_lossy(&out.stderr)));
            }
            let json: serde_json::Value =
                serde_json::from_slice(&out.stdout).map_err(|e| format!("query {:?}: {e}", known.q))?;
            let ids: Vec<&str> =
                json["hits"].as_array().into_iter().flatten().filter_map(|h| h["id"].as_str()).collect();
            let took = Duration::from_secs_f64(json["took_ms"].as_f64().unwrap_or(0.0) / 1e3);
            tally.add(ids.iter().position(|id| *id == known.target), took);
        }
        tally.report(&path.display().to_string());
    }
    std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))
}
