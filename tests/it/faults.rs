//! Faults: a write that fails (a full disk) loses nothing committed and
//! leaves no files behind; a damaged file is named, on open when that is
//! cheap and by `verify` always.
//!
//! The full disk is a tantivy `Directory` around a real directory that
//! fails every write once a byte budget is spent, as a full filesystem
//! does, so the test needs no mount and runs anywhere. The same directory
//! fires its file watcher when a test says so, and can make the watcher's
//! reload slow, for the race between the watcher and a commit.

use crate::common;

use std::cell::Cell;
use std::io::{self, BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tantivy::directory::error::{DeleteError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    AntiCallToken, Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, OwnedBytes, TerminatingWrite,
    WatchCallback, WatchCallbackList, WatchHandle, WritePtr,
};
use tantivy::HasLen;
use zhsearch::analysis::AnalyzerSettings;
use zhsearch::article::Article;
use zhsearch::index::SearchIndex;
use zhsearch::query::{Matching, SearchRequest};
use zhsearch::Error;

/// A directory whose writes fail with "No space left on device" once
/// `budget` bytes have been written (a negative budget: no limit). Its
/// file watcher fires when the test calls `watchers.broadcast()`; while
/// `slow_watcher` is set, the watcher's reload stalls (see `SlowStore`).
#[derive(Clone)]
struct FullDisk {
    inner: MmapDirectory,
    budget: Arc<AtomicI64>,
    watchers: Arc<WatchCallbackList>,
    slow_watcher: Arc<AtomicBool>,
    /// Set once a reload of the watcher's has stalled.
    stalled: Arc<AtomicBool>,
}

impl std::fmt::Debug for FullDisk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FullDisk").field("inner", &self.inner).field("budget", &self.budget).finish()
    }
}

impl FullDisk {
    fn new(path: &Path) -> FullDisk {
        FullDisk {
            inner: MmapDirectory::open(path).expect("mmap directory"),
            budget: Arc::new(AtomicI64::new(-1)),
            watchers: Arc::default(),
            slow_watcher: Arc::default(),
            stalled: Arc::default(),
        }
    }

    /// Takes `n` bytes from the budget; an error once it is spent.
    fn spend(budget: &AtomicI64, n: usize) -> io::Result<()> {
        if budget.load(Ordering::SeqCst) < 0 || n == 0 {
            return Ok(());
        }
        let left = budget.fetch_sub(n as i64, Ordering::SeqCst);
        if left < n as i64 {
            budget.store(0, Ordering::SeqCst);
            return Err(io::Error::new(io::ErrorKind::StorageFull, "No space left on device (injected)"));
        }
        Ok(())
    }
}

struct FullDiskWriter {
    inner: WritePtr,
    budget: Arc<AtomicI64>,
}

impl Write for FullDiskWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        FullDisk::spend(&self.budget, buf.len())?;
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl TerminatingWrite for FullDiskWriter {
    fn terminate_ref(&mut self, token: AntiCallToken) -> io::Result<()> {
        self.inner.terminate_ref(token)
    }
}

thread_local! {
    /// Whether this thread holds tantivy's meta lock (taken through a
    /// `FullDisk`).
    static HOLDS_META_LOCK: Cell<bool> = const { Cell::new(false) };
}

/// Clears `HOLDS_META_LOCK` when the lock it wraps is released.
struct MetaLockGuard(#[allow(dead_code)] DirectoryLock);

impl Drop for MetaLockGuard {
    fn drop(&mut self) {
        HOLDS_META_LOCK.with(|h| h.set(false));
    }
}

/// A document store file whose reads stall on the file watcher's thread,
/// once it has let go of the meta lock, while `slow` is set (for at most
/// two seconds). That is where a reload has read which commit is newest
/// and opened its segments, and is making the searcher it will publish.
#[derive(Debug)]
struct SlowStore {
    inner: Arc<dyn FileHandle>,
    slow: Arc<AtomicBool>,
    stalled: Arc<AtomicBool>,
}

impl HasLen for SlowStore {
    fn len(&self) -> usize {
        self.inner.len()
    }
}

impl FileHandle for SlowStore {
    fn read_bytes(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        let watcher = std::thread::current().name() == Some("watch-callbacks");
        if watcher && !HOLDS_META_LOCK.with(Cell::get) && self.slow.load(Ordering::SeqCst) {
            self.stalled.store(true, Ordering::SeqCst);
            let until = Instant::now() + Duration::from_secs(2);
            while self.slow.load(Ordering::SeqCst) && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        self.inner.read_bytes(range)
    }
}

impl Directory for FullDisk {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        let inner = self.inner.get_file_handle(path)?;
        if path.extension().and_then(|e| e.to_str()) != Some("store") {
            return Ok(inner);
        }
        Ok(Arc::new(SlowStore { inner, slow: self.slow_watcher.clone(), stalled: self.stalled.clone() }))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        let inner = self.inner.open_write(path)?;
        let writer = FullDiskWriter { inner, budget: self.budget.clone() };
        Ok(BufWriter::new(Box::new(writer)))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        FullDisk::spend(&self.budget, data.len())?;
        self.inner.atomic_write(path, data)
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.inner.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, tantivy::directory::error::LockError> {
        let held = self.inner.acquire_lock(lock)?;
        if lock.filepath != Path::new(".tantivy-meta.lock") {
            return Ok(held);
        }
        HOLDS_META_LOCK.with(|h| h.set(true));
        Ok(DirectoryLock::from(Box::new(MetaLockGuard(held))))
    }

    fn watch(&self, callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        Ok(self.watchers.subscribe(callback))
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(".tantivy")))
        .collect();
    out.sort();
    out
}

fn article(i: usize) -> Article {
    Article::new(format!("a{i}"), common::prose(400, i as u64 + 1))
}

/// The ids an index finds by a quoted phrase of each article's body,
/// among `0..n`.
fn found(index: &SearchIndex, n: usize) -> Vec<usize> {
    (0..n)
        .filter(|&i| {
            let body = article(i).body;
            let phrase: String = body.chars().take(6).collect();
            let q = format!("\"{phrase}\"");
            let r =
                index.search(&SearchRequest::new(q).matching(Matching::All).limit(50).snippets(0, 0)).expect("search");
            r.hits.iter().any(|h| h.id == format!("a{i}"))
        })
        .collect()
}

/// A write budget at every stage of indexing and committing: nothing (the
/// first write fails), a little, a segment's worth in the middle, and
/// enough. Each attempt ends either in a commit or in a clear error; after
/// an error the files of the failed commit are gone, the index opens with
/// exactly the committed articles, and once the disk has room again the
/// same writer, and a new one, commit.
#[test]
fn a_full_disk_loses_nothing_and_gives_the_space_back() {
    let mut outcomes = Vec::new();
    for budget in [0i64, 100, 2_000, 20_000, 60_000, 150_000, 400_000, 10_000_000] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let disk = FullDisk::new(tmp.path());
        let index = SearchIndex::create_in_directory(disk.clone(), &AnalyzerSettings::default()).expect("create");
        let mut writer = index.writer().expect("writer");
        for i in 0..20 {
            writer.upsert(&article(i)).expect("upsert");
        }
        writer.commit().expect("first commit, with room");
        let before = files(tmp.path());

        disk.budget.store(budget, Ordering::SeqCst);
        let mut failed = None;
        for i in 20..120 {
            if let Err(e) = writer.upsert(&article(i)) {
                failed = Some(e);
                break;
            }
        }
        let result = match failed {
            Some(e) => Err(e),
            None => writer.commit(),
        };
        let committed = match &result {
            Ok(()) => 120,
            Err(e) => {
                let message = e.to_string();
                assert!(message.contains("No space left on device"), "budget {budget}: unclear error: {message}");
                assert_eq!(files(tmp.path()), before, "budget {budget}: the failed commit left files behind");
                20
            }
        };
        outcomes.push((budget, result.is_ok()));

        // Room again: the index opens with exactly what was committed,
        // and both the old writer and, after it, a new one commit.
        disk.budget.store(-1, Ordering::SeqCst);
        let reopened = SearchIndex::open_in_directory(disk.clone()).expect("the index opens after the fault");
        assert_eq!(reopened.num_docs(), committed as u64, "budget {budget}");
        assert_eq!(found(&reopened, 120), (0..committed).collect::<Vec<_>>(), "budget {budget}");
        writer.upsert(&article(500)).expect("upsert after the fault");
        writer.commit().expect("the writer commits once there is room");
        drop(writer);
        let mut writer = index.writer().expect("a new writer");
        writer.upsert(&article(501)).expect("upsert");
        writer.commit().expect("a new writer commits");
        index.reload().expect("reload");
        assert_eq!(index.num_docs(), committed as u64 + 2, "budget {budget}");
        assert!(index.verify().expect("verify").is_ok(), "budget {budget}");
    }
    // The table covers both ends: failing at once, and enough room.
    assert!(!outcomes[0].1, "{outcomes:?}");
    assert!(outcomes.last().is_some_and(|o| o.1), "{outcomes:?}");
    eprintln!("budget → committed: {outcomes:?}");
}

/// Files a failed commit left (a process killed before it could clean
/// up) are deleted by the next writer.
#[test]
fn the_next_writer_deletes_what_a_failed_commit_left() {
    let tmp = tempfile::tempdir().expect("tempdir");
    {
        let index = SearchIndex::create(tmp.path(), &AnalyzerSettings::default()).expect("create");
        let mut writer = index.writer().expect("writer");
        writer.upsert(&article(1)).expect("upsert");
        writer.commit().expect("commit");
    }
    let before = files(tmp.path());
    // What a commit killed half-way leaves: a segment file no commit
    // names, which tantivy's managed directory lists as its own.
    let name = "0123456789abcdef0123456789abcdef.idx";
    {
        let disk = FullDisk::new(tmp.path());
        let managed = tantivy::directory::ManagedDirectory::wrap(Box::new(disk)).expect("managed");
        let mut w = managed.open_write(Path::new(name)).expect("open");
        w.write_all(&[0u8; 4096]).expect("write");
        w.terminate().expect("close");
    }
    assert!(tmp.path().join(name).exists());
    let index = SearchIndex::open(tmp.path()).expect("open");
    assert_eq!(index.num_docs(), 1);
    let writer = index.writer().expect("writer");
    assert!(!tmp.path().join(name).exists(), "the orphan is still there");
    let after: Vec<PathBuf> = files(tmp.path()).into_iter().filter(|p| !p.ends_with(".managed.json")).collect();
    let before: Vec<PathBuf> = before.into_iter().filter(|p| !p.ends_with(".managed.json")).collect();
    assert_eq!(after, before);
    drop(writer);
}

/// Flip bytes inside, or cut short, each kind of segment file: `verify`
/// names the file; a file cut short is already refused when the index
/// opens, by name.
#[test]
fn damaged_files_are_named() {
    for extension in ["idx", "pos", "term", "store", "fast", "fieldnorm"] {
        for truncate in [false, true] {
            let tmp = tempfile::tempdir().expect("tempdir");
            {
                let index = SearchIndex::create(tmp.path(), &AnalyzerSettings::default()).expect("create");
                let mut writer = index.writer().expect("writer");
                for i in 0..30 {
                    writer.upsert(&article(i)).expect("upsert");
                }
                writer.commit().expect("commit");
                writer.merge_segments().expect("one segment");
                assert!(index.verify().expect("verify").is_ok());
            }
            let victim = files(tmp.path())
                .into_iter()
                .find(|p| p.extension().and_then(|e| e.to_str()) == Some(extension))
                .expect("a file of that kind");
            let mut bytes = std::fs::read(&victim).expect("read");
            if truncate {
                bytes.truncate(bytes.len() / 2);
            } else {
                let middle = bytes.len() / 3;
                let end = (middle + 4).min(bytes.len());
                for b in &mut bytes[middle..end] {
                    *b ^= 0xA5;
                }
            }
            std::fs::write(&victim, &bytes).expect("damage");
            let name = victim.file_name().and_then(|n| n.to_str()).expect("name").to_owned();
            match SearchIndex::open(tmp.path()) {
                Ok(index) => {
                    assert!(
                        !truncate || extension == "fieldnorm" && bytes.len() > 16,
                        "{name} cut short, yet it opens"
                    );
                    let report = index.verify().expect("verify runs");
                    assert!(
                        !report.is_ok(),
                        "{name} ({}): verify finds nothing",
                        if truncate { "cut" } else { "flipped" }
                    );
                    assert!(report.to_string().contains(&name), "{report}");
                }
                Err(e) => {
                    assert!(matches!(e, Error::Damaged { .. }), "{name}: {e}");
                    assert!(e.to_string().contains(&name), "{name} vs {e}; files {:?}", files(tmp.path()));
                }
            }
        }
    }
}

/// The file watcher reloads the reader after every commit it sees, and
/// the writer reloads it after its own. A watcher reload that read the
/// previous commit and publishes late must not take searches back to it:
/// once `commit` has returned, searches see that commit, and later ones.
#[test]
fn a_slow_watcher_does_not_undo_a_commit() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let disk = FullDisk::new(tmp.path());
    let index = SearchIndex::create_in_directory(disk.clone(), &AnalyzerSettings::default()).expect("create");
    let mut writer = index.writer().expect("writer");
    writer.upsert(&article(1)).expect("upsert");
    writer.commit().expect("commit");
    assert_eq!(index.num_docs(), 1);

    // The watcher sees the first commit; its reload stalls while making
    // the searcher of it.
    disk.slow_watcher.store(true, Ordering::SeqCst);
    let watcher = disk.watchers.broadcast();
    let start = Instant::now();
    while !disk.stalled.load(Ordering::SeqCst) {
        assert!(start.elapsed() < Duration::from_secs(10), "the watcher never reloaded");
        std::thread::sleep(Duration::from_millis(1));
    }
    // Meanwhile a second commit, visible when `commit` returns.
    writer.upsert(&article(2)).expect("upsert");
    writer.commit().expect("commit");
    assert_eq!(index.num_docs(), 2);
    // The watcher's reload ends.
    disk.slow_watcher.store(false, Ordering::SeqCst);
    watcher.wait().expect("the watcher's callback ran");
    assert_eq!(index.num_docs(), 2, "the watcher's late reload took searches back a commit");
}
