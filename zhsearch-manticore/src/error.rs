//! What can go wrong, naming where: the shard or the master, and the
//! article.

/// An error of the cluster backend.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A node (a shard, or the master) could not be reached or refused a
    /// statement.
    #[error("{node} ({addr}): {source}")]
    Node {
        /// `shard0`…, or `master`.
        node: String,
        /// Its SphinxQL address.
        addr: String,
        /// The client's error.
        #[source]
        source: mysql::Error,
    },
    /// A node answered something this crate cannot read.
    #[error("{node}: unexpected reply: {reason}")]
    Reply {
        /// `shard0`…, or `master`.
        node: String,
        /// What was wrong.
        reason: String,
    },
    /// An article the engine cannot hold.
    #[error("article {id}: {reason}")]
    Article {
        /// Its id.
        id: String,
        /// Why.
        reason: String,
    },
    /// A node did not finish something in the time it was given.
    #[error("{node}: {what} not done within {:.1} s", within.as_secs_f64())]
    Timeout {
        /// `shard0`…, or `master`.
        node: String,
        /// What it was doing.
        what: String,
        /// The time it was given (a fraction of a second too).
        within: std::time::Duration,
    },
    /// The cluster's description is wrong.
    #[error("cluster config: {0}")]
    Config(String),
    /// zhsearch itself failed (analysis, ranking, reading files).
    #[error(transparent)]
    Core(#[from] zhsearch::Error),
}

/// A `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
