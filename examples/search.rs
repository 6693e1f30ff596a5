//! The command-line face of zhsearch: index Chinese articles and search them.
//!
//! ```text
//! cargo run --release --example search -- 贫困县
//! cargo run --release --example search -- --index /tmp/idx --add articles/ "脱贫 攻坚"
//! cargo run --release --example search -- --json --sort newest 干部
//! ```
//!
//! Without `--index`, it searches an in-memory index of the bundled sample
//! articles (`data/sample/`). Exit status: 0 on success, 2 for a usage or
//! query error, 1 for any other error, and 1 when some inputs were
//! rejected (the rest is committed, and each rejection is listed on stderr
//! as `path:line: reason`).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use chrono::{DateTime, FixedOffset};
use clap::{Parser, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use zhsearch::analysis::AnalyzerSettings;
use zhsearch::article::parse_date;
use zhsearch::index::SearchIndex;
use zhsearch::query::{
    Matching, RankingSettings, SearchRequest, SearchResults, Snippet, SnippetField, Sort, TotalRelation,
};
use zhsearch::{ingest, Error};

const SAMPLE_QUERY: &str = "贫困县";

#[derive(Parser, Debug)]
#[command(name = "search", about = "Search Chinese articles in either script", version)]
struct Args {
    /// The query: words or a description (ranked by what they share with
    /// each article), "quoted text", -excluded, a OR b, title:word.
    query: Option<String>,
    /// Persistent index at DIR (created by --add if there is none); without
    /// it, an in-memory index of the bundled sample articles.
    #[arg(long, value_name = "DIR")]
    index: Option<PathBuf>,
    /// Check every file of the index against its checksum, and its
    /// settings and schema; print what is wrong (exit status 1 if anything).
    #[arg(long)]
    verify: bool,
    /// Ingest a file or directory (.txt pages, .json, .jsonl) before searching, then commit.
    #[arg(long, value_name = "PATH")]
    add: Vec<PathBuf>,
    /// Delete the article with this id, then commit.
    #[arg(long, value_name = "ID")]
    delete: Vec<String>,
    /// After adding and deleting, merge the index into one segment: smaller
    /// and faster to search, but it rewrites the index (for after a bulk load).
    #[arg(long)]
    merge: bool,
    /// While adding, commit after every N articles (0: once, at the end).
    #[arg(long, value_name = "N", default_value_t = 0)]
    commit_every: usize,
    /// How many hits to show.
    #[arg(long, value_name = "N", default_value_t = 10)]
    limit: usize,
    /// How many hits to skip.
    #[arg(long, value_name = "N", default_value_t = 0)]
    offset: usize,
    /// Only articles from this source.
    #[arg(long, value_name = "NAME")]
    source: Option<String>,
    /// Only articles published on or after DATE (YYYY-MM-DD[ HH:MM[:SS]] in China time, or RFC 3339).
    #[arg(long, value_name = "DATE", value_parser = parse_since)]
    since: Option<DateTime<FixedOffset>>,
    /// Only articles published on or before DATE (a bare date includes that whole day).
    #[arg(long, value_name = "DATE", value_parser = parse_until)]
    until: Option<DateTime<FixedOffset>>,
    /// Order of hits.
    #[arg(long, value_enum, default_value_t = SortArg::Relevance)]
    sort: SortArg,
    /// Only documents with every word (all), or those with at least a third of
    /// the query's units, ranked by what they share with it (relaxed).
    #[arg(long, value_enum, default_value_t = MatchingArg::Relaxed)]
    matching: MatchingArg,
    /// Print one JSON object instead of the readable list.
    #[arg(long)]
    json: bool,
    /// Show why each hit scored what it scored: the parts of its score as a
    /// tree (also in the JSON output, as each hit's `explanation`).
    #[arg(long)]
    explain: bool,
    /// Count the matches by source and by month (printed after the hits;
    /// in the JSON output, as `facets`).
    #[arg(long)]
    facets: bool,
    /// Count every match exactly. By default counts are exact up to 10,000
    /// matches; past that a search skips articles that cannot enter the
    /// best hits and prints "at least N results" (JSON: `"total_relation":
    /// "gte"`). The hits are the same either way.
    #[arg(long)]
    exact_total: bool,
    /// How many threads one search may use (default: the machine's cores,
    /// up to 4): an index of 65,536 articles or more is searched by that
    /// many threads at once, with the same hits. 1 for a machine that runs
    /// many searches at once.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Do not match a word's regional variants (服务器 and 伺服器, 内存 and
    /// 記憶體); quoted text never does.
    #[arg(long)]
    no_variants: bool,
    /// Synonyms to expand queries with: one group of equivalent words a
    /// line, separated by commas (土豆,马铃薯). Kept with a persistent
    /// index's settings until replaced.
    #[arg(long, value_name = "FILE")]
    synonyms: Option<PathBuf>,
    /// Ranking settings, as JSON (`{"title_boost": 3}`; fields left out
    /// keep their defaults; see `RankingSettings`). Kept with a persistent
    /// index's settings until replaced; `--explain` shows the values used.
    #[arg(long, value_name = "FILE")]
    ranking: Option<PathBuf>,
    /// Do not read a query typed in pinyin (`beijing`, `bj`, `北jing`) as
    /// the Han characters it may stand for.
    #[arg(long)]
    no_pinyin: bool,
    /// Do not correct a word no article has (`制才` → 制裁).
    #[arg(long)]
    no_typos: bool,
    /// Read the query as plain text, with no operators: `-`, quotes, `OR`
    /// and `title:` are text (for pasted messages and paragraphs).
    #[arg(long)]
    plain: bool,
    /// Print completions of PREFIX (Han characters in either script,
    /// pinyin, initials, or a mix) instead of searching; `--limit` caps
    /// them, `--json` prints {"suggestions": [{"text", "docs"}]}.
    #[arg(long, value_name = "PREFIX")]
    suggest: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum SortArg {
    Relevance,
    Newest,
    Oldest,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum MatchingArg {
    All,
    Relaxed,
}

fn parse_since(s: &str) -> Result<DateTime<FixedOffset>, String> {
    parse_date(s).map_err(|e| e.to_string())
}

fn parse_until(s: &str) -> Result<DateTime<FixedOffset>, String> {
    let t = parse_date(s).map_err(|e| e.to_string())?;
    // A bare date (no time of day) means the whole of that day.
    if !s.contains([':', '：']) {
        Ok(t + chrono::Duration::seconds(24 * 3600 - 1))
    } else {
        Ok(t)
    }
}

/// Errors that end the run, with their exit status.
enum Failure {
    Usage(String),
    Other(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            Error::Query(_) => Failure::Usage(e.to_string()),
            e => Failure::Other(e.to_string()),
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.query.is_none()
        && args.add.is_empty()
        && args.delete.is_empty()
        && args.synonyms.is_none()
        && args.ranking.is_none()
        && args.suggest.is_none()
        && !args.verify
    {
        print_short_help();
        return ExitCode::SUCCESS;
    }
    match run(&args) {
        Ok(rejected) if rejected > 0 => ExitCode::from(1),
        Ok(_) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Other(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}

fn print_short_help() {
    println!("search: full-text search over Chinese articles, in either script.");
    println!();
    println!("  cargo run --release --example search -- {SAMPLE_QUERY}");
    println!("  cargo run --release --example search -- --index DIR --add PATH \"脱贫 攻坚\"");
    println!();
    println!("Without --index it searches the bundled sample articles. See --help for all options.");
}

/// Runs the command; returns how many problems it reports (inputs rejected,
/// or a failed --verify).
fn run(args: &Args) -> Result<usize, Failure> {
    let index = match &args.index {
        Some(dir) if dir.join(zhsearch::index::SETTINGS_FILE).exists() => SearchIndex::open(dir)?,
        // Only --add creates an index: a mistyped directory must not look
        // like an empty index that finds nothing.
        Some(dir) if args.add.is_empty() => {
            return Err(Failure::Usage(format!(
                "{}: there is no index here; create one with --index {} --add PATH",
                dir.display(),
                dir.display()
            )))
        }
        Some(dir) => SearchIndex::create(dir, &AnalyzerSettings::default())?,
        None => {
            let index = SearchIndex::in_memory(&AnalyzerSettings::default())?;
            let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
            let rejected = add(&index, std::slice::from_ref(&sample), 0, false)?;
            if rejected > 0 {
                return Err(Failure::Other(format!("{} sample articles were rejected", rejected)));
            }
            index
        }
    };

    if let Some(threads) = args.threads {
        index.set_search_threads(threads);
    }
    if args.verify {
        let report = index.verify()?;
        print!("{report}");
        if !report.is_ok() {
            return Ok(1);
        }
    }
    if let Some(path) = &args.synonyms {
        index.set_synonyms(zhsearch::analysis::Synonyms::read(path)?)?;
    }
    if let Some(path) = &args.ranking {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        index.set_ranking(RankingSettings::from_json(&text, Some(path))?)?;
    }
    let mut rejected = 0;
    if !args.add.is_empty() {
        rejected += add(&index, &args.add, args.commit_every, true)?;
    }
    if !args.delete.is_empty() {
        let mut writer = index.writer()?;
        for id in &args.delete {
            writer.delete(id);
        }
        writer.commit()?;
    }
    if args.merge {
        index.writer()?.merge_segments()?;
    }

    if let Some(prefix) = &args.suggest {
        let suggestions = index.suggest(prefix, args.limit)?;
        let mut out = std::io::stdout().lock();
        let written = if args.json {
            writeln!(out, "{}", serde_json::json!({ "suggestions": suggestions }))
        } else {
            suggestions.iter().try_for_each(|s| writeln!(out, "{}\t{} documents", s.text, s.docs))
        };
        if let Err(e) = written {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                return Err(Failure::Other(format!("writing suggestions: {e}")));
            }
        }
    }
    if let Some(query) = &args.query {
        let request = SearchRequest::new(query.clone())
            .matching(match args.matching {
                MatchingArg::All => Matching::All,
                MatchingArg::Relaxed => Matching::Relaxed,
            })
            .sort(match args.sort {
                SortArg::Relevance => Sort::Relevance,
                SortArg::Newest => Sort::Newest,
                SortArg::Oldest => Sort::Oldest,
            })
            .published_between(args.since, args.until)
            .limit(args.limit)
            .offset(args.offset)
            .explain(args.explain)
            .facets(args.facets)
            .count_up_to(if args.exact_total { u64::MAX } else { zhsearch::query::COUNT_UP_TO })
            .variants(!args.no_variants)
            .pinyin(!args.no_pinyin)
            .typos(!args.no_typos)
            .plain(args.plain);
        let request = match &args.source {
            Some(s) => request.source(s.clone()),
            None => request,
        };
        // Load jieba's dictionary, the pinyin lexicon (which corrections
        // and pinyin read) and the regional variants folded by this index's
        // analyzer first, as a long-running process has them: so that
        // `took_ms` is the search alone. Indexing never needs them.
        index.analyzer().load_segmenter();
        if request.typos || request.pinyin {
            index.analyzer().lexicons();
        }
        if request.variants {
            index.analyzer().variants();
        }
        let started = Instant::now();
        let results = index.search(&request)?;
        let took_ms = started.elapsed().as_secs_f64() * 1000.0;
        let mut out = std::io::stdout().lock();
        let written = if args.json {
            print_json(&mut out, &results, took_ms, args.facets)
        } else {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            print_readable(&mut out, &results, took_ms, color, args.facets)
        };
        // A closed pipe (`| head`) is not an error worth a message.
        if let Err(e) = written {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                return Err(Failure::Other(format!("writing results: {e}")));
            }
        }
    }
    Ok(rejected)
}

/// Ingests `paths` into `index` and commits; lists rejections on stderr.
fn add(index: &SearchIndex, paths: &[PathBuf], commit_every: usize, progress: bool) -> Result<usize, Failure> {
    let mut files = Vec::new();
    for path in paths {
        files.extend(ingest::files(path)?);
    }
    let bar = if progress { ProgressBar::new(files.len() as u64) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} files  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut writer = index.writer()?;
    let (mut articles, mut bytes, mut rejected, mut since_commit) = (0usize, 0usize, 0usize, 0usize);
    for file in &files {
        let batch = ingest::read_file(file);
        for article in &batch.articles {
            match writer.upsert(article) {
                Ok(()) => {
                    articles += 1;
                    since_commit += 1;
                    bytes += article.body.len();
                }
                Err(e) => {
                    rejected += 1;
                    bar.suspend(|| eprintln!("{}: {e}", file.display()));
                }
            }
            if commit_every > 0 && since_commit >= commit_every {
                writer.commit()?;
                since_commit = 0;
            }
        }
        for e in &batch.rejected {
            rejected += 1;
            bar.suspend(|| eprintln!("{e}"));
        }
        bar.inc(1);
        bar.set_message(format!("{articles} articles  {:.1} MB", bytes as f64 / 1e6));
    }
    writer.commit()?;
    bar.finish_and_clear();
    Ok(rejected)
}

fn print_json(out: &mut impl Write, results: &SearchResults, took_ms: f64, facets: bool) -> std::io::Result<()> {
    let hits: Vec<serde_json::Value> = results
        .hits
        .iter()
        .map(|h| {
            let snippets: Vec<serde_json::Value> = h
                .snippets
                .iter()
                .map(|s| {
                    let ranges: Vec<[usize; 2]> = s.char_highlights().into_iter().map(|r| [r.start, r.end]).collect();
                    serde_json::json!({"field": s.field, "text": s.text, "highlights": ranges})
                })
                .collect();
            let mut hit = serde_json::json!({
                "id": h.id,
                "title": h.article.title,
                "source": h.article.source,
                "author": h.article.author,
                "published_at": h.article.published_at.map(|t| t.to_rfc3339()),
                "score": h.score,
                "full_match": h.full_match,
                "snippets": snippets,
            });
            if let Some(e) = &h.explanation {
                hit["explanation"] = serde_json::to_value(e).unwrap_or_default();
            }
            hit
        })
        .collect();
    let doc = serde_json::json!({
        "total": results.total,
        "total_relation": results.total_relation,
        "full_matches": results.full_matches,
        "took_ms": took_ms,
        "hits": hits,
        "did_you_mean": results.did_you_mean,
    });
    let mut doc = doc;
    if facets {
        doc["facets"] = serde_json::json!({"source": results.facets.source, "month": results.facets.month});
    }
    if let Some(corrected) = &results.corrected_to {
        doc["corrected_to"] = serde_json::json!(corrected);
    }
    writeln!(out, "{doc}")
}

fn print_readable(
    out: &mut impl Write,
    results: &SearchResults,
    took_ms: f64,
    color: bool,
    facets: bool,
) -> std::io::Result<()> {
    let (bold, mark, dim, reset) =
        if color { ("\x1b[1m", "\x1b[1;31m", "\x1b[2m", "\x1b[0m") } else { ("", "", "", "") };
    let plain_marks = if color { ("", "") } else { ("【", "】") };
    if let Some(corrected) = &results.corrected_to {
        writeln!(out, "Showing results for {bold}{corrected}{reset}: the query as typed matches nothing.")?;
    } else if let Some(first) = results.did_you_mean.first() {
        writeln!(out, "Did you mean: {bold}{first}{reset}?")?;
    }
    let at_least = if results.total_relation == TotalRelation::AtLeast { "at least " } else { "" };
    writeln!(
        out,
        "{at_least}{} results ({at_least}{} full matches) in {:.1} ms",
        results.total, results.full_matches, took_ms
    )?;
    for (i, hit) in results.hits.iter().enumerate() {
        let article = &hit.article;
        let title_snippet = hit.snippets.iter().find(|s| s.field == SnippetField::Title);
        let title = match title_snippet {
            Some(s) => marked(s, mark, bold, plain_marks),
            None => article.title.clone().unwrap_or_else(|| format!("({})", article.id)),
        };
        writeln!(out)?;
        writeln!(out, "{}. {bold}{title}{reset}", i + 1)?;
        let mut meta = vec![article.id.clone()];
        meta.extend(article.source.clone());
        meta.extend(article.author.clone());
        meta.extend(article.published_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()));
        writeln!(out, "   {dim}{}{reset}", meta.join(" · "))?;
        for s in hit.snippets.iter().filter(|s| s.field == SnippetField::Body) {
            writeln!(out, "   …{}…", marked(s, mark, reset, plain_marks).replace(['\n', '\r'], " "))?;
        }
        if let Some(e) = &hit.explanation {
            for line in e.to_string().lines() {
                writeln!(out, "   {dim}{line}{reset}")?;
            }
        }
    }
    if facets {
        let line = |counts: &std::collections::BTreeMap<String, u64>| {
            counts.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(" · ")
        };
        writeln!(out)?;
        writeln!(out, "{bold}By source:{reset} {}", line(&results.facets.source))?;
        writeln!(out, "{bold}By month:{reset} {}", line(&results.facets.month))?;
    }
    Ok(())
}

/// The snippet with its marks coloured, or bracketed when colour is off.
fn marked(s: &Snippet, mark: &str, after: &str, plain: (&str, &str)) -> String {
    if mark.is_empty() {
        s.marked(plain.0, plain.1)
    } else {
        s.marked(mark, &format!("\x1b[0m{after}"))
    }
}
