//! Crashes lose nothing committed.
//!
//! The test runs itself as a child process (this same test executable,
//! with `ZHSEARCH_CRASH_CHILD` set) that indexes articles into a directory
//! and commits every N of them, printing `committed <articles>` after each
//! commit. The parent kills it with SIGKILL at a seeded random moment: after
//! a random number of commits and a random extra delay, so that kills land
//! while documents are being added and while a commit is being written.
//! After every kill it checks that:
//!
//! - the index opens;
//! - every article of the last acknowledged commit is there, found by its
//!   id and by a quoted phrase from its body;
//! - the index holds exactly the state of one commit: articles `0..c` for
//!   some `c` at least the acknowledged count, each with the body of the
//!   revision that commit wrote, and nothing half-written;
//! - the next writer resumes: the next round's child opens the same
//!   directory, takes the writer lock the dead process held and goes on.
//!
//! The child also rewrites older articles as it goes (every new article `i`
//! revises article `i / 2`), so an upsert (delete plus add) that was torn
//! by the kill would show as a missing, doubled or stale article.
//!
//! Every third round the child also merges the index into one segment
//! after each commit (`--merge`), and the kill lands while a merge is
//! being written: a merge rewrites every committed article, and a kill in
//! the middle must lose none of them.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use zhsearch::analysis::AnalyzerSettings;
use zhsearch::article::Article;
use zhsearch::index::SearchIndex;
use zhsearch::query::{Matching, SearchRequest};

const CHILD_ENV: &str = "ZHSEARCH_CRASH_CHILD";
const ROUNDS: u64 = 24;

/// The body of article `id` after `revision` rewrites: distinct prose, so a
/// quoted phrase from it finds this article and no other.
fn body(id: u64, revision: u64) -> String {
    common::prose(240, id * 1_000 + revision + 1)
}

/// How often article `j` has been revised once articles `0..count` exist:
/// article `i` (for `i >= 1`) revises article `i / 2`.
fn revision(j: u64, count: u64) -> u64 {
    [2 * j, 2 * j + 1].iter().filter(|&&i| i >= 1 && i < count).count() as u64
}

/// A phrase from the middle of a body, quoted, with no punctuation in it.
fn phrase(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let window = (chars.len() / 2..chars.len().saturating_sub(8))
        .map(|i| &chars[i..i + 8])
        .find(|w| w.iter().all(|c| !matches!(c, '，' | '。')))
        .expect("prose has punctuation only every 23 characters");
    format!("\"{}\"", window.iter().collect::<String>())
}

/// The child: resume from what the index holds and write until killed (or
/// until `ZHSEARCH_CRASH_UNTIL` articles exist).
fn child(dir: &Path) {
    let every: u64 = std::env::var("ZHSEARCH_CRASH_EVERY").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let merge = std::env::var_os("ZHSEARCH_CRASH_MERGE").is_some();
    let until: u64 = std::env::var("ZHSEARCH_CRASH_UNTIL").ok().and_then(|v| v.parse().ok()).unwrap_or(u64::MAX);
    let index = SearchIndex::open_or_create(dir, &AnalyzerSettings::default()).expect("child: open the index");
    let mut writer = index.writer().expect("child: the writer lock is free again");
    let mut count = index.num_docs();
    let mut out = std::io::stdout().lock();
    writeln!(out, "resumed {count}").expect("stdout");
    while count < until {
        writer.upsert(&Article::new(count.to_string(), body(count, 0))).expect("child: upsert");
        if count >= 1 {
            let old = count / 2;
            writer.upsert(&Article::new(old.to_string(), body(old, revision(old, count + 1)))).expect("child: revise");
        }
        count += 1;
        if count.is_multiple_of(every) || count == until {
            writer.commit().expect("child: commit");
            writeln!(out, "committed {count}").expect("stdout");
            out.flush().expect("stdout");
            if merge {
                writeln!(out, "merging {count}").expect("stdout");
                out.flush().expect("stdout");
                writer.merge_segments().expect("child: merge");
                writeln!(out, "merged {count}").expect("stdout");
            }
        }
    }
}

fn spawn_child(dir: &Path, every: u64, until: Option<u64>, merge: bool) -> std::process::Child {
    let exe = std::env::current_exe().expect("test executable");
    let mut cmd = Command::new(exe);
    cmd.args(["--ignored", "--exact", "crash::child_process", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir)
        .env("ZHSEARCH_CRASH_EVERY", every.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(until) = until {
        cmd.env("ZHSEARCH_CRASH_UNTIL", until.to_string());
    }
    if merge {
        cmd.env("ZHSEARCH_CRASH_MERGE", "1");
    }
    cmd.spawn().expect("spawn the child writer")
}

/// What the child acknowledged: `committed N` lines, latest last.
fn acknowledged(lines: &[String]) -> u64 {
    lines.iter().filter_map(|l| l.strip_prefix("committed ")).filter_map(|n| n.parse().ok()).max().unwrap_or(0)
}

/// Checks the index at `dir` against the state of a commit and returns the
/// number of articles it holds. The child acknowledged `acked` articles and
/// commits at multiples of `every`, so the index holds either what was
/// acknowledged or, when the kill fell between a commit and its
/// acknowledgement, the next commit's worth; nothing else.
fn check(dir: &Path, acked: u64, every: u64, round: u64) -> u64 {
    let index = SearchIndex::open(dir).unwrap_or_else(|e| panic!("round {round}: the index does not open: {e}"));
    let count = index.num_docs();
    let next = (acked / every + 1) * every;
    assert!(
        count == acked || count == next,
        "round {round}: {count} articles; the commits were at {acked} (acknowledged) and {next}"
    );
    for j in 0..count {
        let id = j.to_string();
        let article = index.get(&id).expect("get").unwrap_or_else(|| panic!("round {round}: article {j} is missing"));
        let want = body(j, revision(j, count));
        assert!(article.body == want, "round {round}: article {j} has the wrong revision or a torn body");
        let hits =
            index.search(&SearchRequest::new(phrase(&want)).matching(Matching::All).snippets(0, 0)).expect("search");
        assert!(
            hits.hits.iter().any(|h| h.id == id),
            "round {round}: article {j} is not found by a phrase from its body"
        );
    }
    assert!(index.get(&count.to_string()).expect("get").is_none(), "round {round}: an uncommitted article is visible");
    count
}

#[test]
#[ignore = "helper: run by kills_lose_nothing_committed"]
fn child_process() {
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        child(Path::new(&dir));
    }
}

#[test]
fn kills_lose_nothing_committed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = common::Lcg(0x5eed_c0de);
    let mut count = 0;
    let (mut killed_between, mut killed_merging) = (0, 0);
    for round in 0..ROUNDS {
        let every = 1 + rng.below(12);
        let commits_before_kill = 1 + rng.below(4);
        let merge = round % 3 == 2;
        // In a merge round the kill comes within a few milliseconds of a
        // merge starting, mostly while it is written.
        let extra_delay = Duration::from_millis(if merge { rng.below(4) } else { rng.below(40) });
        let mut child = spawn_child(dir.path(), every, None, merge);
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut lines = Vec::new();
        let mut commits = 0;
        // The line after which the kill comes: the last commit's, or in a
        // merge round the announcement of the merge after it.
        let trigger = if merge { "merging " } else { "committed " };
        while commits < commits_before_kill {
            match rx.recv_timeout(Duration::from_secs(120)) {
                Ok(line) => {
                    commits += u64::from(line.contains(trigger));
                    lines.push(line);
                }
                Err(e) => panic!("round {round}: the child stopped reporting ({e}); lines so far: {lines:?}"),
            }
        }
        std::thread::sleep(extra_delay);
        child.kill().expect("SIGKILL the child");
        let status = child.wait().expect("reap the child");
        assert!(status.code().is_none(), "round {round}: the child was to be killed, but it exited: {status}");
        reader.join().expect("reader thread");
        lines.extend(rx.try_iter());
        let acked = acknowledged(&lines);
        let last_merging = lines.iter().rposition(|l| l.contains("merging "));
        let last_merged = lines.iter().rposition(|l| l.contains("merged "));
        killed_merging += u64::from(merge && last_merging > last_merged);
        // The test harness prints its own text around the child's, on the
        // same line too (`test crash::child_process ... resumed 0`).
        let resumed = lines.iter().find_map(|l| l.split("resumed ").nth(1));
        assert_eq!(resumed, Some(count.to_string().as_str()), "round {round}: the writer resumes where the index is");
        let after = check(dir.path(), acked, every, round);
        killed_between += u64::from(after > acked);
        count = after;
    }
    // A last writer resumes and finishes cleanly.
    let until = count + 7;
    let mut child = spawn_child(dir.path(), 3, Some(until), false);
    let status = child.wait().expect("wait for the last child");
    assert!(status.success(), "the last writer failed: {status}");
    assert_eq!(check(dir.path(), until, 1, ROUNDS), until);
    // Tell the reader how often a commit had landed without its
    // acknowledgement being read: kills inside a commit.
    eprintln!(
        "{ROUNDS} kills, {until} articles; {killed_between} kills landed between a commit and its acknowledgement, \
         {killed_merging} during a merge"
    );
    assert!(killed_merging > 0, "no kill landed during a merge");
}
