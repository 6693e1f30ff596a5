//! The tests that start processes: the example binaries (`cli`), and this
//! test binary itself as a second writer (`concurrency`) or as a writer
//! that is killed (`crash`).
//!
//! They are a binary of their own, apart from tests/it, because a process
//! started from a test holds a copy of every file descriptor of the test
//! process until it has exec'd, the index writer's lock file among them:
//! the lock (an `flock`) stays taken in that window, so a test on another
//! thread that drops a writer and at once takes a new one finds it busy
//! (tests/it/faults.rs does, and failed so about one run in three).
//! No test here takes an index's writer lock a second time in-process.

#[path = "../common/mod.rs"]
mod common;

mod cli;
mod concurrency;
mod crash;
