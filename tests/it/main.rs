//! The integration tests, in one test binary: linked once instead of once
//! per file, which was most of what a fresh clone's `cargo test` cost.
//! Each module was a file of its own under tests/; its tests are named
//! after it (`search::…`, `soak::soak`).
//!
//! Three test binaries stay apart (see Cargo.toml): tests/processes, whose
//! tests start processes; tests/corpus.rs, which has its own harness; and
//! tests/memory.rs, whose counting global allocator must see no other
//! test's allocations.

#[path = "../common/mod.rs"]
mod common;

mod analysis;
mod bad_input;
mod collection;
mod counts;
mod faults;
mod ingest;
mod pinyin;
mod properties;
mod ranking;
mod search;
mod soak;
mod variants;
