//! The harness of a test binary whose tests need a directory that an
//! environment variable names (the shared corpora, a running cluster):
//! without the variable every test is reported as ignored, with a line
//! saying why, so that none passes silently. Included by `#[path]` in
//! tests/corpus.rs and zhsearch-manticore/tests/cluster.rs.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};

/// A test that reads the directory.
pub type Gated = fn(&Path) -> Result<(), Failed>;

/// Runs `tests` over the directory `var` names, or reports them ignored
/// after printing `skipped` (what was skipped and why); exits with the
/// harness's status.
pub fn run(args: &Arguments, var: &str, skipped: &str, tests: Vec<(&'static str, Gated)>) -> ! {
    let dir = std::env::var_os(var).map(PathBuf::from);
    let ignored = dir.is_none();
    if ignored {
        eprintln!("{skipped}");
    }
    let trials = tests
        .into_iter()
        .map(|(name, f)| {
            let dir = dir.clone();
            Trial::test(name, move || match &dir {
                Some(d) => f(d),
                None => Ok(()),
            })
            .with_ignored_flag(ignored)
        })
        .collect();
    libtest_mimic::run(args, trials).exit()
}
