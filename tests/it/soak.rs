//! A long day of mixed load, compressed: one writer keeps upserting,
//! deleting and now and then merging, four readers keep searching and
//! checking what they see against what the writer committed, and the
//! process's resident memory is sampled throughout.
//!
//! Ignored by default. `ZHSEARCH_SOAK_SECS` sets how long it runs (CI runs
//! it for two minutes):
//!
//! ```sh
//! ZHSEARCH_SOAK_SECS=1800 cargo test --release --test it soak:: -- --ignored --nocapture
//! ```
//!
//! What must hold, at every moment and at the end:
//! - every reader sees the state of some commit: the number of articles of
//!   one of the commits made so far, never a state in between;
//! - the commit marker a reader reads never goes back;
//! - every article a reader fetches is whole: exactly the text of some
//!   revision the writer committed for that id;
//! - at the end, the index holds exactly the writer's model, each article
//!   found by id and by a quoted phrase of its text;
//! - no operation fails, and resident memory does not grow with time.

use crate::common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zhsearch::analysis::AnalyzerSettings;
use zhsearch::article::Article;
use zhsearch::index::SearchIndex;
use zhsearch::query::{Matching, SearchRequest};

/// How many distinct ids the writer draws from: upserts of existing ids
/// replace, so the index stays about this size however long it runs.
const IDS: u64 = 600;

/// The text of revision `rev` of article `id`: a tag that says which, then
/// prose that no other revision has.
fn body(id: u64, rev: u64) -> String {
    format!("r{rev}号{}", common::prose(160, id * 100_003 + rev + 7))
}

/// The revision a body claims to be.
fn revision_of(body: &str) -> Option<u64> {
    body.strip_prefix('r')?.split('号').next()?.parse().ok()
}

/// Resident memory in kB, all of it and its anonymous part (the heap, as
/// opposed to mapped index files).
fn resident_kb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("RssAnon:"))
}

/// What the writer has committed: the article count after each commit,
/// and every (id, revision) it ever committed.
#[derive(Default)]
struct History {
    counts: Vec<u64>,
    revisions: BTreeMap<u64, u64>,
}

#[test]
#[ignore = "long: run with ZHSEARCH_SOAK_SECS set (CI runs two minutes)"]
fn soak() {
    let secs: u64 = std::env::var("ZHSEARCH_SOAK_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let dir = tempfile::tempdir().expect("tempdir");
    let index = Arc::new(SearchIndex::create(dir.path(), &AnalyzerSettings::default()).expect("create"));
    let history = Arc::new(Mutex::new(History { counts: vec![0], ..History::default() }));
    let stop = Arc::new(AtomicBool::new(false));
    let checks = Arc::new(Mutex::new(0u64));

    let memory = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut samples = Vec::new();
            let start = Instant::now();
            while !stop.load(Ordering::SeqCst) {
                samples.push((start.elapsed().as_secs(), resident_kb()));
                for _ in 0..20 {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(250));
                }
            }
            samples.push((start.elapsed().as_secs(), resident_kb()));
            samples
        })
    };

    let readers: Vec<_> = (0..4)
        .map(|r| {
            let (index, history, stop, checks) = (index.clone(), history.clone(), stop.clone(), checks.clone());
            std::thread::spawn(move || {
                let mut rng = common::Lcg(0x50a6 + r);
                let mut last_marker = 0u64;
                let mut done = 0u64;
                while !stop.load(Ordering::SeqCst) {
                    let count = index.num_docs();
                    {
                        let h = history.lock().expect("history");
                        assert!(h.counts.contains(&count), "reader {r}: {count} articles is no committed state");
                    }
                    if let Some(marker) = index.get("marker").expect("get the marker") {
                        let n: u64 =
                            marker.body.trim_start_matches("第").trim_end_matches("次提交").parse().expect("marker");
                        assert!(n >= last_marker, "reader {r}: the marker went back from {last_marker} to {n}");
                        last_marker = n;
                    }
                    let id = rng.below(IDS);
                    if let Some(article) = index.get(&id.to_string()).expect("get") {
                        let rev = revision_of(&article.body).expect("a revision tag");
                        assert_eq!(article.body, body(id, rev), "reader {r}: article {id} is torn");
                        let h = history.lock().expect("history");
                        let newest = h.revisions.get(&id).copied();
                        assert!(
                            newest.is_some_and(|n| rev <= n),
                            "reader {r}: article {id} revision {rev} was never committed"
                        );
                    }
                    let q = ["经济", "发展 改革", "\"第\"", "人民"][rng.below(4) as usize];
                    let results = index.search(&SearchRequest::new(q).limit(5)).expect("search");
                    assert!(results.total >= results.hits.len() as u64);
                    done += 1;
                }
                *checks.lock().expect("checks") += done;
            })
        })
        .collect();

    // The writer, with its model of what it committed.
    let mut model: BTreeMap<u64, u64> = BTreeMap::new();
    let mut rng = common::Lcg(0x5eed);
    let mut writer = index.writer().expect("writer");
    let (mut commits, mut merges, mut upserts, mut deletes) = (0u64, 0u64, 0u64, 0u64);
    while Instant::now() < deadline {
        for _ in 0..(5 + rng.below(40)) {
            let id = rng.below(IDS);
            if rng.below(10) == 0 {
                writer.delete(&id.to_string());
                model.remove(&id);
                deletes += 1;
            } else {
                let rev = model.get(&id).map_or(0, |r| r + 1);
                writer.upsert(&Article::new(id.to_string(), body(id, rev))).expect("upsert");
                model.insert(id, rev);
                upserts += 1;
            }
        }
        commits += 1;
        writer.upsert(&Article::new("marker", format!("第{commits}次提交"))).expect("marker");
        // Publish the state before the commit makes it visible, so no
        // reader can see a count the history does not hold yet.
        {
            let mut h = history.lock().expect("history");
            h.counts.push(model.len() as u64 + 1);
            for (&id, &rev) in &model {
                let newest = h.revisions.entry(id).or_insert(rev);
                *newest = (*newest).max(rev);
            }
        }
        writer.commit().expect("commit");
        if commits.is_multiple_of(25) {
            writer.merge_segments().expect("merge");
            merges += 1;
        }
    }
    drop(writer);
    stop.store(true, Ordering::SeqCst);
    for r in readers {
        r.join().expect("a reader failed");
    }
    let samples = memory.join().expect("memory sampler");

    index.reload().expect("reload");
    assert_eq!(index.num_docs(), model.len() as u64 + 1, "the index holds the model and the marker");
    for (&id, &rev) in &model {
        let article = index.get(&id.to_string()).expect("get").unwrap_or_else(|| panic!("article {id} is missing"));
        assert_eq!(article.body, body(id, rev), "article {id}");
        let phrase: String = article.body.chars().skip(8).take(8).collect();
        let q = format!("\"{phrase}\"");
        let r = index.search(&SearchRequest::new(q).matching(Matching::All).limit(20).snippets(0, 0)).expect("search");
        assert!(r.hits.iter().any(|h| h.id == id.to_string()), "article {id} is not found by its text");
    }
    for id in (0..IDS).filter(|id| !model.contains_key(id)) {
        assert!(index.get(&id.to_string()).expect("get").is_none(), "deleted article {id} is back");
    }

    // Memory: the last third of the run against the middle third (the
    // first is warming up: jieba's dictionary, the writer's buffers, the
    // index's pages). The bound leaves room for what the allocator keeps
    // beyond what the process holds; tests/memory.rs counts the bytes held,
    // exactly, over many commits.
    let third = (samples.len() / 3).max(1);
    let peak = |s: &[(u64, (u64, u64))]| s.iter().map(|x| x.1 .0).max().unwrap_or(0);
    let middle = &samples[third.min(samples.len() - 1)..(2 * third).clamp(third + 1, samples.len())];
    let (early, late) = (peak(middle), peak(&samples[samples.len() - third..]));
    let curve: Vec<String> = samples
        .iter()
        .step_by((samples.len() / 12).max(1))
        .map(|(t, (kb, anon))| format!("{t}s {:.0} MB (heap {:.0})", *kb as f64 / 1024.0, *anon as f64 / 1024.0))
        .collect();
    eprintln!(
        "soak {secs} s: {commits} commits, {merges} merges, {upserts} upserts, {deletes} deletes, {} reader checks; \
         {} articles; resident memory {}",
        checks.lock().expect("checks"),
        model.len(),
        curve.join(", ")
    );
    assert!(
        late <= early + early / 4 + 16 * 1024,
        "resident memory grew from {early} kB (middle third) to {late} kB (last third)"
    );
}
