//! The cluster backend against a real three-shard Sphinx cluster, started
//! by `scripts/cluster.sh start DIR` (CI does it and sets
//! `ZHSEARCH_CLUSTER_DIR=DIR`). Without the variable every test here is
//! reported as ignored, never as passed.
//!
//! Each test starts from empty shards: the cluster is stopped, its data
//! removed and started again by the script, so that no test depends on
//! `Cluster::clear` and compaction (which one test tests).
//! The tests run one at a time: they share the cluster.

use std::path::Path;
use std::process::Command;

use chrono::DateTime;
use libtest_mimic::{Arguments, Failed};
use zhsearch::analysis::AnalyzerSettings;
use zhsearch::article::Article;
use zhsearch::index::SearchIndex;
use zhsearch::query::{SearchRequest, SearchResults, Sort};
use zhsearch_manticore::{doc_id, Cluster, ClusterConfig, Error};

#[path = "../../tests/common/gated.rs"]
mod gated;

const VAR: &str = "ZHSEARCH_CLUSTER_DIR";
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/sample");
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/cluster.sh");

type ClusterTest = gated::Gated;

fn main() {
    let mut args = Arguments::from_args();
    args.test_threads = Some(1);
    let tests: Vec<(&str, ClusterTest)> = vec![
        ("ranks_as_the_embedded_engine_does", ranks_as_embedded),
        ("one_shard_or_three_give_the_same_top_ten", one_or_three),
        ("a_quorum_of_pairs_ranks_as_the_embedded_engine_does", pair_quorum_as_embedded),
        ("common_keywords_leave_the_quorum_not_the_ranking", common_keywords_leave_the_quorum_not_the_ranking),
        ("quoted_queries_find_every_article_that_has_the_text", quoted_recall),
        ("a_phrase_with_a_pair_no_article_has_is_not_searched", absent_pairs_spare_phrase_searches),
        ("pinyin_reads_as_the_embedded_engine_reads_it", pinyin_as_embedded),
        ("typos_are_corrected_as_the_embedded_engine_corrects_them", typos_as_embedded),
        ("filters_facets_dates_and_deletes", filters_facets_dates),
        ("replaced_and_deleted_articles_are_compacted_out_of_the_counts", compacted),
        ("a_killed_shard_gives_partial_results_and_its_data_back", killed_shard),
        ("bad_input_is_an_error_naming_the_article", bad_input),
    ];
    gated::run(&args, VAR, "cluster tests skipped: ZHSEARCH_CLUSTER_DIR is not set (CI starts a cluster with scripts/cluster.sh and sets it)", tests)
}

/// Runs the cluster script on `dir`, keeping its configs as they are.
fn script(dir: &Path, args: &[&str]) -> Result<(), Failed> {
    let out = Command::new("bash")
        .arg(SCRIPT)
        .args(args.iter().take(1))
        .arg(dir)
        .args(args.iter().skip(1))
        .env("ZHSEARCH_CLUSTER_CONF_CMD", "true")
        .output()
        .map_err(|e| format!("{SCRIPT}: {e}"))?;
    if !out.status.success() {
        return Err(format!("cluster.sh {args:?}: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(())
}

/// The base port the cluster in `dir` was started with.
fn base_port(dir: &Path) -> Result<u16, Failed> {
    let ports = std::fs::read_to_string(dir.join("ports")).map_err(|e| format!("{}/ports: {e}", dir.display()))?;
    let line = ports.lines().find_map(|l| l.strip_prefix("ZHSEARCH_SHARD0_SQL=")).ok_or("no shard0 in ports")?;
    Ok(line.rsplit(':').next().unwrap_or_default().parse()?)
}

/// Empty shards: stopped, data and binlogs removed, started again.
fn fresh(dir: &Path) -> Result<Cluster, Failed> {
    script(dir, &["stop"])?;
    for name in ["shard0", "shard1", "shard2", "master"] {
        for sub in ["data", "binlog"] {
            let path = dir.join(name).join(sub);
            if path.exists() {
                std::fs::remove_dir_all(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            }
            std::fs::create_dir_all(&path)?;
        }
    }
    script(dir, &["start"])?;
    Ok(Cluster::connect(ClusterConfig::local(base_port(dir)?, 3))?)
}

/// The bundled news pages (both scripts) and articles written around
/// them, with titles, sources and dates.
fn collection() -> Result<Vec<Article>, Failed> {
    let mut articles = zhsearch::ingest::read_path(SAMPLE)?.articles;
    let pages: Vec<String> = articles.iter().map(|a| a.body.clone()).collect();
    let sources = ["新华社", "中央社", "人民日报"];
    for i in 0..45usize {
        let page: Vec<char> = pages[i % pages.len()].chars().collect();
        let from = (i * 37) % page.len().saturating_sub(200).max(1);
        let body: String = page[from..(from + 60 + i * 7).min(page.len())].iter().collect();
        let mut a = Article::new(format!("n{i}"), body);
        if i % 4 != 0 {
            let title: String = page[from..(from + 6 + i % 5).min(page.len())].iter().collect();
            // As ingestion gives them: trimmed.
            a.title = Some(title.trim().to_owned());
        }
        a.source = Some(sources[i % 3].to_owned());
        a.published_at = DateTime::parse_from_rfc3339(&format!("2020-{:02}-15T10:00:00+08:00", 1 + i % 12)).ok();
        articles.push(a);
    }
    Ok(articles)
}

/// Empty shards (see [`fresh`]) loaded with [`collection`].
fn loaded(dir: &Path) -> Result<(Cluster, Vec<Article>), Failed> {
    let cluster = fresh(dir)?;
    let articles = collection()?;
    cluster.upsert(&articles)?;
    Ok((cluster, articles))
}

fn embedded(articles: &[Article]) -> Result<SearchIndex, Failed> {
    let index = SearchIndex::in_memory(&AnalyzerSettings::default())?;
    let mut writer = index.writer()?;
    for a in articles {
        writer.upsert(a)?;
    }
    writer.commit()?;
    Ok(index)
}

fn queries(articles: &[Article]) -> Vec<String> {
    let mut out: Vec<String> = articles.iter().take(5).filter_map(|a| a.title.clone()).collect();
    for a in articles.iter().take(5) {
        out.push(a.body.chars().skip(150).take(20).collect());
    }
    out.extend(["脫貧攻堅", "疫情 防控", "经济 -发展", "title:浙江", "“清零” 干部"].map(String::from));
    out
}

/// The hits with their scores and verdicts. Equal scores have no order of
/// their own (each engine's is its documents' addresses): ties by id.
fn scored(r: &SearchResults) -> Vec<(String, f32, bool)> {
    let mut hits: Vec<_> = r.hits.iter().map(|h| (h.id.clone(), h.score, h.full_match)).collect();
    hits.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    hits
}

fn ranks_as_embedded(dir: &Path) -> Result<(), Failed> {
    let (cluster, articles) = loaded(dir)?;
    let index = embedded(&articles)?;
    let mut compared = 0;
    for q in queries(&articles) {
        let request = SearchRequest::new(q.as_str()).limit(10);
        let want = index.search(&request)?;
        let got = cluster.search(&request)?;
        if scored(&got) != scored(&want) {
            return Err(format!("{q}:\n cluster  {:?}\n embedded {:?}", scored(&got), scored(&want)).into());
        }
        // Snippets too: highlighted in each article's own script.
        let snippets = |r: &SearchResults| {
            let mut all: Vec<String> = r.hits.iter().map(|h| format!("{} {:?}", h.id, h.snippets)).collect();
            all.sort();
            all
        };
        if snippets(&got) != snippets(&want) {
            let pairs: Vec<_> = snippets(&got).into_iter().zip(snippets(&want)).filter(|(a, b)| a != b).collect();
            return Err(format!("{q}: snippets differ: {pairs:?}").into());
        }
        if got.is_partial() {
            return Err(format!("{q}: partial: {:?}", got.unavailable).into());
        }
        compared += usize::from(!want.hits.is_empty());
    }
    // The pairs the ranking counts (部协, 情，防) are read from the shards'
    // dictionaries, not searched as phrases; these queries have no other
    // phrase to count (a longer word that is no token, 做了什么, would be).
    for q in ["东西部协作,干部交流激活了什么", "疫情 防控", "脫貧攻堅 干部"] {
        let before = cluster.phrase_searches();
        cluster.search(&SearchRequest::new(q).limit(10))?;
        let searched = cluster.phrase_searches() - before;
        if searched > 0 {
            return Err(format!("{q}: {searched} phrases searched to count them").into());
        }
    }
    // Searches from several threads at once give what they give alone.
    let qs = queries(&articles);
    let alone: Vec<_> = qs
        .iter()
        .map(|q| cluster.search(&SearchRequest::new(q.as_str())).map(|r| scored(&r)))
        .collect::<Result<_, _>>()?;
    let together: Vec<Vec<_>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    qs.iter()
                        .map(|q| cluster.search(&SearchRequest::new(q.as_str())).map(|r| scored(&r)))
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| "a search thread panicked".to_string()))
            .collect::<Result<Vec<_>, _>>()
    })?
    .into_iter()
    .collect::<Result<_, _>>()?;
    if together.iter().any(|t| *t != alone) {
        return Err("searches side by side differ from searches alone".into());
    }
    // The explanation is the embedded one, counts of the whole collection
    // included ("in N of M documents").
    let request = SearchRequest::new("贫困县 清零").limit(3).explain(true);
    let explain = |r: &SearchResults| {
        let mut all: Vec<_> = r.hits.iter().map(|h| (&h.id, &h.explanation)).collect();
        all.sort_by_key(|(id, _)| *id);
        serde_json::to_string(&all)
    };
    let (got, want) = (cluster.search(&request)?, index.search(&request)?);
    if got.hits.is_empty() || got.hits.iter().any(|h| h.explanation.is_none()) || explain(&got)? != explain(&want)? {
        return Err(format!("explanations differ:\n{}\n{}", explain(&got)?, explain(&want)?).into());
    }
    if compared < 10 {
        return Err(format!("only {compared} queries had hits").into());
    }
    // A Traditional query finds the Simplified pages and the other way round.
    let hit = cluster.search(&SearchRequest::new("貧困縣"))?;
    if hit.hits.is_empty() || hit.hits.iter().all(|h| h.id.starts_with("000")) {
        return Err(format!("貧困縣 found {:?}", scored(&hit)).into());
    }
    Ok(())
}

/// A first stage that looks for a long query's pairs (`pair_quorum`)
/// rather than its characters misses only documents that share no pair
/// with the query: every hit scores as embedded, every full match is
/// found, and nearly all of the embedded top ten.
fn pair_quorum_as_embedded(dir: &Path) -> Result<(), Failed> {
    let (_, articles) = loaded(dir)?;
    let mut config = ClusterConfig::local(base_port(dir)?, 3);
    config.pair_quorum = true;
    let cluster = Cluster::connect(config)?;
    let index = embedded(&articles)?;
    let (mut long, mut wanted, mut found) = (0, 0, 0);
    for q in queries(&articles) {
        let request = SearchRequest::new(q.as_str()).limit(10);
        let (got, want) = (cluster.search(&request)?, index.search(&request)?);
        let (got, want) = (scored(&got), scored(&want));
        if let Some(hit) = got.iter().find(|hit| !want.contains(hit) && hit.1 > want.last().map_or(0.0, |w| w.1)) {
            return Err(format!("{q}: {hit:?} is not as embedded:\n cluster  {got:?}\n embedded {want:?}").into());
        }
        if let Some(full) = want.iter().find(|w| w.2 && !got.contains(w)) {
            return Err(format!("{q}: the full match {full:?} is missing").into());
        }
        wanted += want.len();
        found += want.iter().filter(|w| got.contains(w)).count();
        long += usize::from(q.chars().count() >= 12 && !want.is_empty());
    }
    if long < 5 || found * 10 < wanted * 9 {
        return Err(format!("{long} long queries had hits; {found} of the embedded {wanted} hits found").into());
    }
    Ok(())
}

fn common_keywords_leave_the_quorum_not_the_ranking(dir: &Path) -> Result<(), Failed> {
    let (plain, articles) = loaded(dir)?;
    let mut config = ClusterConfig::local(base_port(dir)?, 3);
    // Every keyword in more than a fifth of this small collection is common.
    (config.common_share, config.common_min_docs) = (0.2, 0);
    let cut = Cluster::connect(config)?;
    let mut same = 0;
    let qs = queries(&articles);
    for q in &qs {
        let request = SearchRequest::new(q.as_str()).limit(10);
        let (a, b) = (scored(&plain.search(&request)?), scored(&cut.search(&request)?));
        // The hits the cut's first stage still finds score as before:
        // the common keywords' counts come from the shards' dictionaries.
        for hit in &b {
            if let Some(before) = a.iter().find(|h| h.0 == hit.0) {
                if before != hit {
                    return Err(format!("{q}: {hit:?} scored {before:?} without the cut").into());
                }
            }
        }
        same += usize::from(a.first().map(|h| &h.0) == b.first().map(|h| &h.0));
    }
    if cut.lookups() > plain.lookups() {
        return Err(format!(
            "{} counts were looked up one at a time ({} without the cut)",
            cut.lookups(),
            plain.lookups()
        )
        .into());
    }
    if same * 10 < qs.len() * 8 {
        return Err(format!("the first hit moved for {} of {} queries", qs.len() - same, qs.len()).into());
    }
    Ok(())
}

fn one_or_three(dir: &Path) -> Result<(), Failed> {
    let (three, articles) = loaded(dir)?;
    let qs = queries(&articles);
    let mut wanted = Vec::new();
    for q in &qs {
        wanted.push(scored(&three.search(&SearchRequest::new(q.as_str()).limit(10))?));
    }
    drop(three);
    let port = base_port(dir)?;
    fresh(dir)?;
    let shard0 = ClusterConfig::local(port, 3).shards.remove(0);
    let one = Cluster::connect(ClusterConfig::single(shard0))?;
    one.upsert(&articles)?;
    for (q, want) in qs.iter().zip(wanted) {
        let got = scored(&one.search(&SearchRequest::new(q.as_str()).limit(10))?);
        if got != want {
            return Err(format!("{q}:\n one shard    {got:?}\n three shards {want:?}").into());
        }
    }
    Ok(())
}

/// A query typed in pinyin finds, through the cluster, what it finds
/// embedded, scored alike: the cluster reads it with the collection's
/// counts before its first stage (the articles have no pinyin to match).
fn pinyin_as_embedded(dir: &Path) -> Result<(), Failed> {
    let (cluster, articles) = loaded(dir)?;
    let index = embedded(&articles)?;
    for (q, han) in [
        ("pinkunxian", "贫困县"),
        ("tuopin gongjian", "脱贫攻坚"),
        ("ganbu", "干部"),
        ("zhejiang", "浙江"),
        ("贫困xian", "贫困县"),
    ] {
        let request = SearchRequest::new(q).limit(10).typos(false);
        let before = cluster.lookups();
        let (got, want) = (cluster.search(&request)?, index.search(&request)?);
        // Reading pinyin weighs dozens of candidate words: their counts are
        // asked for together, not in a round trip each (ganbu took 462).
        let lookups = cluster.lookups() - before;
        if lookups > 60 {
            return Err(format!("{q}: {lookups} statistics looked up one at a time").into());
        }
        if scored(&got) != scored(&want) {
            return Err(format!("{q}:\n cluster  {:?}\n embedded {:?}", scored(&got), scored(&want)).into());
        }
        let first = got.hits.first().ok_or_else(|| format!("{q}: no hits"))?;
        let article = articles.iter().find(|a| a.id == first.id).ok_or("a hit of no article")?;
        let text = format!("{} {}", article.title.as_deref().unwrap_or_default(), article.body);
        if !index.analyzer().fold(&text).contains(han) {
            return Err(format!("{q}: the first hit, {}, does not have {han}", first.id).into());
        }
        // Without the reading, the engine's first stage finds nothing.
        if !cluster.search(&request.clone().pinyin(false))?.hits.is_empty() && q.is_ascii() {
            return Err(format!("{q}: found without pinyin").into());
        }
    }
    Ok(())
}

/// A typo is corrected through the cluster as embedded: the same "did you
/// mean", and a query that matches nothing as typed gives the hits of its
/// correction over the whole collection, scored alike.
fn typos_as_embedded(dir: &Path) -> Result<(), Failed> {
    let (cluster, articles) = loaded(dir)?;
    let index = embedded(&articles)?;
    let (mut offered, mut corrected) = (0, 0);
    for q in ["脱贫攻艰", "贫困县", "疫请", "攻艰"] {
        let request = SearchRequest::new(q).limit(10);
        let before = cluster.lookups();
        let (got, want) = (cluster.search(&request)?, index.search(&request)?);
        // A correction weighs a dozen candidates, each with its neighbours,
        // in the title and the body: asked for together, a few round trips
        // (13 to 17 each when every count was one).
        let lookups = cluster.lookups() - before;
        if lookups > 4 {
            return Err(format!("{q}: {lookups} statistics looked up one at a time").into());
        }
        if (&got.did_you_mean, &got.corrected_to) != (&want.did_you_mean, &want.corrected_to) {
            return Err(format!(
                "{q}: cluster {:?} {:?}, embedded {:?} {:?}",
                got.did_you_mean, got.corrected_to, want.did_you_mean, want.corrected_to
            )
            .into());
        }
        if scored(&got) != scored(&want) {
            return Err(format!("{q}:\n cluster  {:?}\n embedded {:?}", scored(&got), scored(&want)).into());
        }
        offered += usize::from(!want.did_you_mean.is_empty());
        corrected += usize::from(want.corrected_to.is_some() && !want.hits.is_empty());
    }
    // A typo among words that match (脱贫攻艰) is offered a correction; one
    // that matches nothing (疫请) is searched as corrected.
    if offered < 2 || corrected < 1 {
        return Err(format!("{offered} queries offered a correction, {corrected} searched as corrected").into());
    }
    Ok(())
}

fn quoted_recall(dir: &Path) -> Result<(), Failed> {
    let (cluster, articles) = loaded(dir)?;
    let index = embedded(&articles)?;
    let mut checked = 0;
    for a in articles.iter().step_by(3) {
        // A piece of an article's own text, quoted: every article that has
        // it must come back, as embedded.
        let piece: String = a.body.chars().skip(10).take(4).collect();
        let q = format!("\"{piece}\"");
        let request = SearchRequest::new(q.as_str()).limit(100);
        let mut want: Vec<String> = index.search(&request)?.hits.into_iter().map(|h| h.id).collect();
        let mut got: Vec<String> = cluster.search(&request)?.hits.into_iter().map(|h| h.id).collect();
        want.sort();
        got.sort();
        if got != want || !got.contains(&a.id) {
            return Err(format!("{q}: cluster {got:?}, embedded {want:?}").into());
        }
        checked += 1;
    }
    if checked < 10 {
        return Err("too few quoted queries".into());
    }
    Ok(())
}

/// A phrase of three characters or more is in no article where a pair
/// inside it is in none: the shards' dictionaries say so, and the engine
/// searches only the other phrases (the typo check asks about dozens a
/// headline, mostly such). The results are the embedded engine's.
fn absent_pairs_spare_phrase_searches(dir: &Path) -> Result<(), Failed> {
    let cluster = fresh(dir)?;
    // 山东, 东大, 大学 and 山大 side by side somewhere; 亚历 nowhere; 山东大学
    // nowhere.
    let articles = [
        Article::new("a", "亚洲的历史悠久，山东人爱吃面。"),
        Article::new("b", "东大街上有一所大学。"),
        Article::new("c", "历代名山大川。"),
    ];
    cluster.upsert(&articles)?;
    let index = embedded(&articles)?;
    let mut hits = 0;
    // A quoted text beside other words is looked for first (a text no
    // article has is read as its words): a phrase count.
    for (query, searched) in [("\"亚历山大\" 历史", 0..=0), ("\"山东大学\" 历史", 1..=2)] {
        let request = SearchRequest::new(query);
        let before = cluster.phrase_searches();
        let got = cluster.search(&request)?;
        let n = cluster.phrase_searches() - before;
        if !searched.contains(&n) {
            return Err(format!("{query}: {n} phrase searches, expected {searched:?}").into());
        }
        let want = index.search(&request)?;
        if scored(&got) != scored(&want) {
            return Err(format!("{query}: cluster {:?}, embedded {:?}", scored(&got), scored(&want)).into());
        }
        hits += got.hits.len();
    }
    match hits {
        0 => Err("no query found anything: nothing was compared".into()),
        _ => Ok(()),
    }
}

fn filters_facets_dates(dir: &Path) -> Result<(), Failed> {
    let (cluster, articles) = loaded(dir)?;
    let index = embedded(&articles)?;
    let request = SearchRequest::new("干部").limit(100).facets(true);
    let got = cluster.search(&request)?;
    let want = index.search(&request)?;
    if got.facets.source.is_empty() || got.facets.month.is_empty() {
        return Err(format!("no facets: {:?}", got.facets).into());
    }
    // The engine counts what its first stage matched; every source and
    // month zhsearch counts is there, at least as often.
    for (key, n) in want.facets.source.iter().chain(&want.facets.month) {
        let m = got.facets.source.get(key).or_else(|| got.facets.month.get(key)).copied().unwrap_or(0);
        if m < *n {
            return Err(format!("facet {key}: cluster {m}, embedded {n}").into());
        }
    }
    let only = cluster.search(&SearchRequest::new("干部").source("中央社").limit(100))?;
    if only.hits.is_empty() || only.hits.iter().any(|h| h.article.source.as_deref() != Some("中央社")) {
        return Err("the source filter let others through".into());
    }
    let newest = cluster.search(&SearchRequest::new("干部").sort(Sort::Newest).limit(20))?;
    let dates: Vec<_> = newest.hits.iter().filter_map(|h| h.article.published_at).collect();
    if dates.len() < 2 || dates.windows(2).any(|w| w[0] < w[1]) {
        return Err(format!("not newest first: {dates:?}").into());
    }
    let first = got.hits.first().ok_or("no hits")?.id.clone();
    cluster.delete(&first)?;
    let after = cluster.search(&request)?;
    if after.hits.iter().any(|h| h.id == first) {
        return Err(format!("{first} still found after its deletion").into());
    }
    Ok(())
}

/// What the engine does when a shard's RAM chunk fills, done at once: its
/// articles go to a disk chunk, whose dictionary counts an article
/// replaced or deleted after that until the chunks are merged.
fn flush_ram_chunks(dir: &Path) -> Result<(), Failed> {
    use mysql::prelude::Queryable;
    for shard in ClusterConfig::local(base_port(dir)?, 3).shards {
        let (host, port) = shard.sql.rsplit_once(':').ok_or("a shard address")?;
        let opts = mysql::OptsBuilder::new().ip_or_hostname(Some(host)).tcp_port(port.parse()?).prefer_socket(false);
        mysql::Conn::new(opts)?.query_drop("FLUSH RAMCHUNK shard")?;
    }
    Ok(())
}

/// Each shard's disk chunks.
fn disk_chunks(dir: &Path) -> Result<Vec<u64>, Failed> {
    use mysql::prelude::Queryable;
    let mut out = Vec::new();
    for shard in ClusterConfig::local(base_port(dir)?, 3).shards {
        let (host, port) = shard.sql.rsplit_once(':').ok_or("a shard address")?;
        let opts = mysql::OptsBuilder::new().ip_or_hostname(Some(host)).tcp_port(port.parse()?).prefer_socket(false);
        let status: Vec<(String, String)> = mysql::Conn::new(opts)?.query("SHOW INDEX shard STATUS")?;
        let chunks = status.iter().find(|(name, _)| name == "disk_chunks").ok_or("no disk_chunks")?;
        out.push(chunks.1.parse()?);
    }
    Ok(out)
}

/// The queries of [`queries`] whose hits or scores differ between the
/// cluster and the embedded index.
fn differing(cluster: &Cluster, index: &SearchIndex, articles: &[Article]) -> Result<Vec<String>, Failed> {
    let mut out = Vec::new();
    for q in queries(articles) {
        let request = SearchRequest::new(q.as_str()).limit(10);
        let (got, want) = (cluster.search(&request)?, index.search(&request)?);
        if scored(&got) != scored(&want) {
            out.push(format!("{q}:\n cluster  {:?}\n embedded {:?}", scored(&got), scored(&want)));
        }
    }
    Ok(out)
}

fn compacted(dir: &Path) -> Result<(), Failed> {
    let (cluster, articles) = loaded(dir)?;
    flush_ram_chunks(dir)?;
    // Every article written again, as re-ingesting an archive does, and
    // some deleted.
    cluster.upsert(&articles)?;
    let gone: Vec<String> = articles.iter().skip(1).step_by(7).map(|a| a.id.clone()).collect();
    for id in &gone {
        cluster.delete(id)?;
    }
    let kept: Vec<Article> = articles.iter().filter(|a| !gone.contains(&a.id)).cloned().collect();
    let index = embedded(&kept)?;
    // The old copies are still counted: the scores are not the embedded
    // ones (else this test could not fail).
    if differing(&cluster, &index, &kept)?.is_empty() {
        return Err("the replaced articles' counts changed no score".into());
    }
    let stale = cluster.stale_documents()?;
    let forgotten = cluster.compact(std::time::Duration::from_secs(120))?;
    if stale < articles.len() as u64 || cluster.stale_documents()? != 0 {
        let replaced = articles.len();
        return Err(format!("{stale} stale before compaction ({replaced} replaced), some left after").into());
    }
    // The replaced ones, and those deleted that the engine still counted.
    if !(articles.len()..=articles.len() + gone.len()).contains(&(forgotten as usize)) {
        let (replaced, deleted) = (articles.len(), gone.len());
        return Err(
            format!("compaction forgot {forgotten} articles: {replaced} were replaced, {deleted} deleted").into()
        );
    }
    let differ = differing(&cluster, &index, &kept)?;
    if !differ.is_empty() {
        return Err(format!("after compaction:\n{}", differ.join("\n")).into());
    }
    if cluster.compact(std::time::Duration::from_secs(120))? != 0 {
        return Err("a second compaction found articles to forget".into());
    }
    // Clearing forgets every article: a smaller collection loaded after it
    // ranks as on its own.
    flush_ram_chunks(dir)?;
    cluster.clear()?;
    let some: Vec<Article> = articles.iter().skip(3).take(25).cloned().collect();
    cluster.upsert(&some)?;
    let differ = differing(&cluster, &embedded(&some)?, &some)?;
    if !differ.is_empty() {
        return Err(format!("after clear:\n{}", differ.join("\n")).into());
    }
    // Several disk chunks and nothing stale, as a load larger than the RAM
    // chunk leaves: merged into one a shard.
    flush_ram_chunks(dir)?;
    let more: Vec<Article> =
        articles.iter().take(20).map(|a| Article { id: format!("more-{}", a.id), ..a.clone() }).collect();
    cluster.upsert(&more)?;
    flush_ram_chunks(dir)?;
    if disk_chunks(dir)?.iter().all(|&n| n < 2) {
        return Err(format!("no shard has two disk chunks: {:?}", disk_chunks(dir)?).into());
    }
    // No time to merge: the merge goes on in the engine's background,
    // and compaction says so naming a shard, or (done at once) nothing.
    // Either way its placeholder is gone: one left behind would be
    // counted as an article, and every score would move.
    match cluster.compact(std::time::Duration::ZERO) {
        Ok(0) => {}
        Err(Error::Timeout { node, .. }) if node.starts_with("shard") => {}
        other => return Err(format!("compaction given no time: {other:?}").into()),
    }
    let all: Vec<Article> = some.iter().chain(&more).cloned().collect();
    let differ = differing(&cluster, &embedded(&all)?, &all)?;
    if !differ.is_empty() {
        return Err(format!("after a compaction out of time:\n{}", differ.join("\n")).into());
    }
    // And once the merge the placeholder's delete overtook is done (the
    // engine keeps a delete made while it merges): still gone.
    let waited = std::time::Instant::now();
    while disk_chunks(dir)?.iter().any(|&n| n > 1) && waited.elapsed() < std::time::Duration::from_secs(60) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let differ = differing(&cluster, &embedded(&all)?, &all)?;
    if !differ.is_empty() {
        return Err(format!("after the merge a compaction left running:\n{}", differ.join("\n")).into());
    }
    if cluster.compact(std::time::Duration::from_secs(120))? != 0 {
        return Err("nothing was stale, yet compaction forgot articles".into());
    }
    if disk_chunks(dir)?.iter().any(|&n| n > 1) {
        return Err(format!("after compaction: {:?} disk chunks", disk_chunks(dir)?).into());
    }
    let differ = differing(&cluster, &embedded(&all)?, &all)?;
    if !differ.is_empty() {
        return Err(format!("after merging:\n{}", differ.join("\n")).into());
    }
    Ok(())
}

fn killed_shard(dir: &Path) -> Result<(), Failed> {
    let (cluster, _) = loaded(dir)?;
    let request = SearchRequest::new("干部 经济 发展 疫情").limit(100);
    let whole = cluster.search(&request)?;
    let on_shard2 = |id: &str| doc_id(id) % 3 == 2;
    if !whole.hits.iter().any(|h| on_shard2(&h.id)) {
        return Err("no hit lives on shard2".into());
    }
    // A shard the master reaches but this client cannot: its candidates
    // come through the master, and the results are whole.
    let mut config = ClusterConfig::local(base_port(dir)?, 3);
    config.shards[2].sql = "127.0.0.1:1".into();
    let cut_off = Cluster::connect(config)?.search(&request)?;
    if cut_off.is_partial() || scored(&cut_off) != scored(&whole) {
        return Err(
            format!("shard2 out of this client's reach: {:?} {:?}", cut_off.unavailable, scored(&cut_off)).into()
        );
    }
    script(dir, &["kill9", "2"])?;
    // With a shard down its dictionary cannot be asked: counts come
    // through the master, many at a time (a pinyin reading asks for
    // hundreds of words' counts).
    let before = cluster.lookups();
    let read = cluster.search(&SearchRequest::new("tuopingongjian ganbu"))?;
    let asked = cluster.lookups() - before;
    if asked > 12 || read.unavailable != ["shard2"] {
        return Err(format!("pinyin with shard2 down: {asked} round trips for counts, {:?}", read.unavailable).into());
    }
    let partial = cluster.search(&request)?;
    if partial.unavailable != ["shard2"] {
        return Err(format!("unavailable: {:?}", partial.unavailable).into());
    }
    if partial.hits.is_empty() || partial.hits.iter().any(|h| on_shard2(&h.id)) {
        return Err("the other shards' hits, and only theirs, must come back".into());
    }
    // A write to the dead shard fails naming it; the others' are kept.
    let to2 = (0..).map(|i| format!("late{i}")).find(|id| on_shard2(id)).ok_or("an id")?;
    let to0 = (0..).map(|i| format!("late{i}")).find(|id| doc_id(id).is_multiple_of(3)).ok_or("an id")?;
    let batch = [Article::new(to2.clone(), "停电之后写入的稿件"), Article::new(to0.clone(), "停电之后写入的稿件")];
    match cluster.upsert(&batch) {
        Err(Error::Node { node, .. }) if node == "shard2" => {}
        other => return Err(format!("write to a dead shard: {other:?}").into()),
    }
    let late = cluster.search(&SearchRequest::new("\"停电之后写入\""))?;
    if late.hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>() != [to0.as_str()] {
        return Err(format!("after the failed batch: {:?}", scored(&late)).into());
    }
    script(dir, &["restart-shard", "2"])?;
    // Its articles are back (the binlog replayed); the collection has one
    // article more than before, so scores may move, not the hits.
    let back = cluster.search(&request)?;
    let ids = |r: &SearchResults| {
        let mut ids: Vec<String> = r.hits.iter().map(|h| h.id.clone()).collect();
        ids.sort();
        ids
    };
    if back.is_partial() || ids(&back) != ids(&whole) {
        return Err(format!("after restart: {:?} {:?}", back.unavailable, scored(&back)).into());
    }
    Ok(())
}

fn bad_input(dir: &Path) -> Result<(), Failed> {
    let cluster = fresh(dir)?;
    let huge = Article::new("huge", "大".repeat(1_500_000));
    match cluster.upsert(&[huge, Article::new("small", "小文章")]) {
        Err(Error::Article { id, .. }) if id == "huge" => {}
        other => return Err(format!("a 4.5 MB article: {other:?}").into()),
    }
    // As embedded: an empty body or id is refused, naming the field.
    for bad in [Article::new("blank", " \n"), Article::new("", "正文")] {
        match cluster.upsert(&[bad]) {
            Err(Error::Core(zhsearch::Error::InvalidInput { .. })) => {}
            other => return Err(format!("an empty body or id: {other:?}").into()),
        }
    }
    for q in ["", "，。！", "\"\"", "-", "'); DROP", "\\", "a'b\"c"] {
        let r = cluster.search(&SearchRequest::new(q))?;
        if q.chars().any(char::is_alphabetic) {
            continue;
        }
        if !r.hits.is_empty() {
            return Err(format!("{q:?} found {:?}", scored(&r)).into());
        }
    }
    // Quotes and backslashes in stored text round-trip.
    let odd = Article::new("odd", "他说：'引号' \\ 反斜杠 \"双引号\"");
    cluster.upsert(std::slice::from_ref(&odd))?;
    let found = cluster.search(&SearchRequest::new("反斜杠"))?;
    if found.hits.first().map(|h| &h.article.body) != Some(&odd.body) {
        return Err(format!("odd text: {:?}", found.hits.first().map(|h| &h.article.body)).into());
    }
    Ok(())
}
