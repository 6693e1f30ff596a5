//! MRR@10 through a cluster, beside the embedded engine on the same
//! articles in the same run, and the first stage's recall.
//!
//! `cargo run --release -p zhsearch-manticore --example cluster_eval -- [--port BASE] [--candidates K] [--plain] ARTICLES.jsonl QUERIES.jsonl...`
//!
//! ARTICLES.jsonl holds one article per line (as `zhsearch::ingest` reads
//! them); each QUERIES.jsonl line is `{"q": …, "target": id}`. The cluster
//! (started by `scripts/cluster.sh start DIR`) is cleared and loaded with
//! the articles first.

use std::time::Instant;

use zhsearch::analysis::AnalyzerSettings;
use zhsearch::index::SearchIndex;
use zhsearch::query::SearchRequest;
use zhsearch_manticore::{Cluster, ClusterConfig};

fn reciprocal_rank(ids: &[String], target: &str) -> f64 {
    ids.iter().take(10).position(|id| id == target).map_or(0.0, |i| 1.0 / (i as f64 + 1.0))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted.get(((sorted.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(0.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).peekable();
    let (mut port, mut candidates, mut plain, mut files) =
        (19306u16, zhsearch_manticore::DEFAULT_CANDIDATES, false, Vec::new());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = args.next().ok_or("--port needs a value")?.parse()?,
            "--candidates" => candidates = args.next().ok_or("--candidates needs a value")?.parse()?,
            "--plain" => plain = true,
            _ => files.push(arg),
        }
    }
    let [articles, queries @ ..] = files.as_slice() else {
        return Err("usage: cluster_eval ARTICLES QUERIES...".into());
    };
    let mut config = ClusterConfig::local(port, 3);
    config.candidates = candidates;
    let cluster = Cluster::connect(config)?;
    cluster.clear()?;
    let start = Instant::now();
    let (written, rejected) = cluster.ingest(articles)?;
    let load = start.elapsed().as_secs_f64();
    let embedded = SearchIndex::in_memory(&AnalyzerSettings::default())?;
    let mut writer = embedded.writer()?;
    let start = Instant::now();
    for article in zhsearch::ingest::read_path(articles)?.articles {
        writer.upsert(&article)?;
    }
    writer.commit()?;
    let embedded_load = start.elapsed().as_secs_f64();
    println!(
        "{written} articles ({} rejected); loading: cluster {:.2}× the embedded build's time",
        rejected.len(),
        load / embedded_load
    );
    for file in queries {
        let (mut mrr, mut base, mut n, mut found, mut same) = (0.0, 0.0, 0, 0, 0);
        let mut times = Vec::new();
        let lookups = cluster.lookups();
        for line in std::fs::read_to_string(file)?.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line)?;
            let (Some(q), Some(target)) = (v["q"].as_str(), v["target"].as_str()) else { continue };
            let request = SearchRequest::new(q).limit(10).plain(plain).snippets(0, 0);
            let start = Instant::now();
            let results = cluster.search(&request)?;
            times.push(start.elapsed().as_secs_f64() * 1000.0);
            let ids: Vec<String> = results.hits.iter().map(|h| h.id.clone()).collect();
            let local = embedded.search(&request.clone().pinyin(false).typos(false))?;
            let local_ids: Vec<String> = local.hits.iter().map(|h| h.id.clone()).collect();
            // Recall of the first stage: the target among what it handed on.
            let wide = cluster.search(&request.clone().limit(candidates))?;
            let caught = wide.hits.iter().any(|h| h.id == target);
            found += usize::from(caught);
            if !caught && std::env::var_os("CLUSTER_EVAL_MISSES").is_some() {
                eprintln!("missed {target}: {q}");
            }
            same += usize::from(ids == local_ids);
            if ids != local_ids && std::env::var_os("CLUSTER_EVAL_DIFF").is_some() {
                let show = |r: &zhsearch::query::SearchResults| -> Vec<String> {
                    r.hits.iter().take(4).map(|h| format!("{}:{:.3}", h.id, h.score)).collect()
                };
                eprintln!("{q}\n  cluster  {:?}\n  embedded {:?}", show(&results), show(&local));
            }
            mrr += reciprocal_rank(&ids, target);
            base += reciprocal_rank(&local_ids, target);
            n += 1;
        }
        times.sort_by(f64::total_cmp);
        let n_f = n.max(1) as f64;
        println!(
            "{file}: {n} queries; MRR@10 cluster {:.3}, embedded (pinyin and typos off) {:.3}; target among the {candidates} candidates {:.1}%; same top 10 {:.1}%; cluster p50 {:.1} ms, p99 {:.1} ms; {} statistics looked up one at a time",
            mrr / n_f,
            base / n_f,
            100.0 * found as f64 / n_f,
            100.0 * same as f64 / n_f,
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            cluster.lookups() - lookups,
        );
    }
    Ok(())
}
