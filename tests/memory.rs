//! Memory that must not grow with the number of commits an index has seen.
//!
//! This test binary counts the bytes its heap holds (a global allocator
//! that wraps the system's), so it measures what the process keeps, not
//! what the allocator happens to retain.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use zhsearch::analysis::AnalyzerSettings;
use zhsearch::article::Article;
use zhsearch::index::SearchIndex;
use zhsearch::query::SearchRequest;

mod common;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; the
// counter only adds up the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Every commit writes new segment files and merges delete old ones. An
/// index on disk (tantivy's MmapDirectory) once kept an entry for every
/// file it had ever mapped, so a process that kept writing grew by a few
/// kilobytes a commit for as long as it ran.
#[test]
fn many_commits_do_not_grow_the_heap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = SearchIndex::create(dir.path(), &AnalyzerSettings::default()).expect("create");
    let mut writer = index.writer().expect("writer");
    let mut rng = common::Lcg(7);
    let mut round = |commits: u64| {
        for c in 0..commits {
            for _ in 0..5 {
                let id = rng.below(40);
                let body = format!("第{c}版{}", common::prose(40, id * 7919 + c));
                writer.upsert(&Article::new(id.to_string(), body)).expect("upsert");
            }
            writer.commit().expect("commit");
            if c % 20 == 19 {
                writer.merge_segments().expect("merge");
            }
        }
        let results = index.search(&SearchRequest::new("第")).expect("search");
        assert!(results.total > 0);
        LIVE.load(Ordering::Relaxed)
    };
    // Warm up: the reader, jieba's dictionary, tantivy's caches.
    round(100);
    let before = round(100);
    let after = round(200);
    let growth = after - before;
    eprintln!("heap after 200 commits: {before} bytes; after 200 more: {after} bytes ({growth:+})");
    assert!(growth < 64 * 1024, "the heap grew by {growth} bytes over 200 commits");
}
