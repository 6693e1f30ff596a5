//! Readers and writers at the same time, in one process and across processes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use zhsearch::analysis::{Analyzer, AnalyzerSettings};
use zhsearch::article::Article;
use zhsearch::index::SearchIndex;
use zhsearch::query::{Matching, SearchRequest};
use zhsearch::Error;

const CHILD_DIR: &str = "ZHSEARCH_TEST_CHILD_INDEX";

#[test]
fn four_readers_and_one_writer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = Arc::new(SearchIndex::create(dir.path(), &AnalyzerSettings::default()).expect("create"));
    let stop = Arc::new(AtomicBool::new(false));

    let readers: Vec<_> = (0..4)
        .map(|r| {
            let index = Arc::clone(&index);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let (mut last_commit, mut searches) = (0u64, 0u64);
                while !stop.load(Ordering::Relaxed) {
                    let commit = index.commit_count();
                    assert!(commit >= last_commit, "reader {r}: commit count went back from {last_commit} to {commit}");
                    last_commit = commit;
                    let q = if searches % 2 == 0 { "脱贫" } else { "\"攻坚战\"" };
                    let results = index.search(&SearchRequest::new(q).matching(Matching::All)).expect("search");
                    assert!(results.total as usize >= results.hits.len());
                    searches += 1;
                }
                searches
            })
        })
        .collect();

    // The writer: batches of upserts, a few deletes and re-upserts, then a commit.
    let mut writer = index.writer().expect("writer");
    assert_eq!(index.commit_count(), 0);
    let mut live = std::collections::BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut commits = 0;
    let mut next = 0usize;
    while Instant::now() < deadline || commits < 5 {
        for _ in 0..20 {
            let body = if next.is_multiple_of(3) {
                format!("第{next}篇：打赢脱贫攻坚战")
            } else {
                format!("第{next}篇：其他新闻")
            };
            writer.upsert(&Article::new(format!("a{next}"), body)).expect("upsert");
            live.insert(next);
            next += 1;
        }
        for victim in [next - 7, next - 13] {
            writer.delete(&format!("a{victim}"));
            live.remove(&victim);
        }
        writer.commit().expect("commit");
        commits += 1;
    }
    stop.store(true, Ordering::Relaxed);
    assert_eq!(index.commit_count(), commits);
    for r in readers {
        let searches = r.join().expect("reader panicked");
        assert!(searches > 0);
    }
    assert_eq!(index.num_docs(), live.len() as u64);
    let with_phrase = live.iter().filter(|&&i| i % 3 == 0).count() as u64;
    let r = index.search(&SearchRequest::new("\"攻坚战\"").matching(Matching::All)).expect("search");
    assert_eq!(r.total, with_phrase);
}

/// Run as a child process by `second_writer_in_another_process`.
#[test]
#[ignore = "helper: run by second_writer_in_another_process"]
fn child_tries_to_write() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else { return };
    let index = SearchIndex::open(&dir).expect("child opens the index");
    match index.writer() {
        Ok(_) => println!("CHILD: got a writer"),
        Err(e) => println!("CHILD: {e}"),
    }
}

#[test]
fn second_writer_in_another_process() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = SearchIndex::create(dir.path(), &AnalyzerSettings::default()).expect("create");
    let mut writer = index.writer().expect("writer");
    writer.upsert(&Article::new("kept", "第一个写入者的文章")).expect("upsert");
    writer.commit().expect("commit");

    let exe = std::env::current_exe().expect("test binary");
    let out = std::process::Command::new(exe)
        .args(["--ignored", "--exact", "concurrency::child_tries_to_write", "--nocapture"])
        .env(CHILD_DIR, dir.path())
        .output()
        .expect("child runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let want = format!("CHILD: {}: the index is already open for writing by another writer", dir.path().display());
    assert!(stdout.contains(&want), "child said:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));

    // The first writer's work is intact, and it can go on.
    writer.upsert(&Article::new("more", "之后的文章")).expect("upsert");
    writer.commit().expect("commit");
    assert_eq!(index.num_docs(), 2);
    assert!(index.get("kept").expect("get").is_some());
}

#[test]
fn conflicting_settings_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    SearchIndex::create(dir.path(), &AnalyzerSettings::default()).expect("create");
    let other = Analyzer::builder().convert(false).build().expect("analyzer").settings().clone();
    let err = SearchIndex::open_with(dir.path(), &other).expect_err("conflict");
    match &err {
        Error::SettingsMismatch { dir: d, stored, requested } => {
            assert_eq!(d, dir.path());
            assert_eq!(stored, &AnalyzerSettings::default().fingerprint());
            assert_eq!(requested, &other.fingerprint());
        }
        e => panic!("unexpected error {e}"),
    }
    let err = SearchIndex::open_or_create(dir.path(), &other).expect_err("conflict");
    assert!(matches!(err, Error::SettingsMismatch { .. }));
}

/// A handle follows commits made through another handle (or process)
/// without being told: the directory's file watcher reloads it.
#[test]
fn another_handle_sees_commits_through_the_file_watcher() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let writing = SearchIndex::create(tmp.path(), &AnalyzerSettings::default()).expect("create");
    let reading = SearchIndex::open(tmp.path()).expect("open");
    let mut writer = writing.writer().expect("writer");
    for n in 1..=3 {
        writer.upsert(&Article::new(n.to_string(), "一篇文章")).expect("upsert");
        writer.commit().expect("commit");
        // The watcher polls; allow it a generous while, far above its period.
        let deadline = Instant::now() + Duration::from_secs(20);
        while reading.num_docs() < n {
            assert!(Instant::now() < deadline, "commit {n} never reached the other handle");
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(reading.num_docs(), n);
    }
}
