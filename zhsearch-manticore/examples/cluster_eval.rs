//! MRR@10 through a cluster, beside the embedded engine on the same
//! articles in the same run, and the first stage's recall.
//!
//! `cargo run --release -p zhsearch-manticore --example cluster_eval -- [--port BASE] [--candidates K] [--plain] [--keep] [--no-common-cut | --common-share S] [--pair-quorum] [--headlines TITLES.jsonl] [--pinyin-titles] ARTICLES.jsonl QUERIES.jsonl...`
//!
//! `--pinyin-titles` adds a set of its own: each article title of 2 to 8
//! Han characters (and nothing else), typed as the first reading of each
//! character run together (`zixun`), must find its article.
//!
//! ARTICLES.jsonl holds one article per line (as `zhsearch::ingest` reads
//! them); each QUERIES.jsonl line is `{"q": …, "target": id}`. The cluster
//! (started by `scripts/cluster.sh start DIR`) is cleared and loaded with
//! the articles first (`Cluster::clear` and `Cluster::ingest` compact the
//! shards: the counts are those of empty data directories, and each shard
//! ends in one disk chunk, whose first stage ranks better than a load left
//! in several chunks, so figures from before compaction do not compare;
//! `--keep` skips both).

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
    let mut headlines: Option<String> = None;
    // --keep: the cluster already holds ARTICLES (a measurement repeated).
    let mut keep = false;
    let mut common_cut = true;
    let mut common_share: Option<f64> = None;
    let mut pinyin_titles = false;
    let mut pair_quorum = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = args.next().ok_or("--port needs a value")?.parse()?,
            "--candidates" => candidates = args.next().ok_or("--candidates needs a value")?.parse()?,
            "--plain" => plain = true,
            "--keep" => keep = true,
            "--no-common-cut" => common_cut = false,
            "--common-share" => common_share = Some(args.next().ok_or("--common-share needs a value")?.parse()?),
            "--headlines" => headlines = Some(args.next().ok_or("--headlines needs a file")?),
            "--pinyin-titles" => pinyin_titles = true,
            "--pair-quorum" => pair_quorum = true,
            _ => files.push(arg),
        }
    }
    let [articles, queries @ ..] = files.as_slice() else {
        return Err("usage: cluster_eval ARTICLES QUERIES...".into());
    };
    let mut config = ClusterConfig::local(port, 3);
    config.candidates = candidates;
    if let Some(share) = common_share {
        config.common_share = share;
    }
    config.pair_quorum = pair_quorum;
    if !common_cut {
        config.common_share = 1.0;
    }
    let cluster = Cluster::connect(config)?;
    let start = Instant::now();
    let (written, rejected) = match keep {
        true => (0, Vec::new()),
        false => {
            cluster.clear()?;
            cluster.ingest(articles)?
        }
    };
    let load = start.elapsed().as_secs_f64();
    let dir = std::env::temp_dir().join(format!("cluster-eval-{}", std::process::id()));
    let embedded = SearchIndex::create(&dir, &AnalyzerSettings::default())?;
    let mut writer = embedded.writer()?;
    let start = Instant::now();
    let read = zhsearch::ingest::read_path(articles)?.articles;
    let bytes: usize = read.iter().map(|a| a.body.len() + a.title.as_ref().map_or(0, String::len)).sum();
    let mut queries: Vec<String> = queries.to_vec();
    if pinyin_titles {
        let path = std::env::temp_dir().join(format!("cluster-eval-pinyin-{}.jsonl", std::process::id()));
        let mut lines = String::new();
        for article in &read {
            let Some(title) = article.title.as_deref().map(str::trim) else { continue };
            let n = title.chars().count();
            if !(2..=8).contains(&n) || !title.chars().all(zhsearch::analysis::normalize::is_han) {
                continue;
            }
            let typed: Option<Vec<&str>> =
                title.chars().map(|c| zhsearch::analysis::pinyin::readings(c).first().copied()).collect();
            if let Some(typed) = typed {
                lines.push_str(&serde_json::json!({"q": typed.concat(), "target": article.id}).to_string());
                lines.push('\n');
            }
        }
        std::fs::write(&path, lines)?;
        queries.push(path.display().to_string());
    }
    for article in read {
        writer.upsert(&article)?;
    }
    writer.commit()?;
    drop(writer);
    let embedded_load = start.elapsed().as_secs_f64();
    let mb = bytes as f64 / 1e6;
    println!(
        "{written} articles, {mb:.1} MB ({} rejected); loading: cluster {:.2} MB/s, embedded (on disk) {:.2} MB/s, ratio {:.2}",
        rejected.len(),
        mb / load,
        mb / embedded_load,
        load / embedded_load
    );
    if let Some(path) = headlines {
        // Natural queries: the cluster and the embedded engine, the same
        // request (ten hits with snippets, no facets), alternating.
        let text = std::fs::read_to_string(&path)?;
        let qs: Vec<String> = text
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v["text"].as_str().map(str::to_owned))
            .take(300)
            .collect();
        let (mut ours, mut local) = (Vec::new(), Vec::new());
        let lookups = cluster.lookups();
        // How many of the embedded engine's top ten the cluster returns.
        let mut overlap = 0usize;
        for q in &qs {
            let request = SearchRequest::new(q.as_str()).limit(10);
            let t = Instant::now();
            let got = cluster.search(&request)?;
            ours.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            let want = embedded.search(&request)?;
            local.push(t.elapsed().as_secs_f64() * 1000.0);
            overlap += want.hits.iter().filter(|w| got.hits.iter().any(|g| g.id == w.id)).count();
        }
        println!("overlap with the embedded top ten: {:.1}%", 100.0 * overlap as f64 / (10 * qs.len().max(1)) as f64);
        ours.sort_by(f64::total_cmp);
        local.sort_by(f64::total_cmp);
        println!(
            "{} headlines: cluster p50 {:.1} ms, p99 {:.1} ms; embedded p50 {:.1} ms, p99 {:.1} ms; p50 ratio {:.1}; {} statistics looked up one at a time",
            qs.len(),
            percentile(&ours, 0.5),
            percentile(&ours, 0.99),
            percentile(&local, 0.5),
            percentile(&local, 0.99),
            percentile(&ours, 0.5) / percentile(&local, 0.5).max(1e-9),
            cluster.lookups() - lookups
        );
    }
    for file in &queries {
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
            let local = embedded.search(&request)?;
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
            "{file}: {n} queries; MRR@10 cluster {:.3}, embedded {:.3}; target among the {candidates} candidates {:.1}%; same top 10 {:.1}%; cluster p50 {:.1} ms, p99 {:.1} ms; {} statistics looked up one at a time",
            mrr / n_f,
            base / n_f,
            100.0 * found as f64 / n_f,
            100.0 * same as f64 / n_f,
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            cluster.lookups() - lookups,
        );
    }
    drop(embedded);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
