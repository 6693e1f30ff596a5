//! One searchd process (a shard or the master) and its connection.

use std::sync::Mutex;
use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::{Conn, OptsBuilder, Row};

use crate::error::{Error, Result};

/// A node of the cluster: its name, its SphinxQL address, and its idle
/// connections. A statement takes one (or makes one) and gives it back
/// when it succeeds, so searches from several threads run side by side; a
/// connection that failed is dropped (its node may have been restarted).
pub(crate) struct Node {
    pub name: String,
    pub addr: String,
    idle: Mutex<Vec<Conn>>,
}

/// Idle connections kept per node; more are made when needed and closed
/// when given back beyond this.
const MAX_IDLE: usize = 8;

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.name, self.addr)
    }
}

/// The result sets of one round trip, each a list of rows.
pub(crate) type Sets = Vec<Vec<Row>>;

impl Node {
    pub(crate) fn new(name: impl Into<String>, addr: impl Into<String>) -> Node {
        Node { name: name.into(), addr: addr.into(), idle: Mutex::new(Vec::new()) }
    }

    fn connect(&self) -> Result<Conn> {
        let (host, port) =
            self.addr
                .rsplit_once(':')
                .and_then(|(h, p)| Some((h.to_owned(), p.parse::<u16>().ok()?)))
                .ok_or_else(|| Error::Config(format!("{}: address {:?} is not host:port", self.name, self.addr)))?;
        // Given, the packet limit spares the client asking searchd for it.
        let opts = OptsBuilder::new()
            .ip_or_hostname(Some(host))
            .tcp_port(port)
            .prefer_socket(false)
            .max_allowed_packet(Some(128 << 20))
            .tcp_connect_timeout(Some(Duration::from_secs(2)))
            .read_timeout(Some(Duration::from_secs(30)))
            .write_timeout(Some(Duration::from_secs(30)));
        Conn::new(opts).map_err(|source| self.error(source))
    }

    pub(crate) fn error(&self, source: mysql::Error) -> Error {
        Error::Node { node: self.name.clone(), addr: self.addr.clone(), source }
    }

    /// Runs `sql` (one statement, or several separated by `;` for reads)
    /// and returns every result set. A failure on a connection that had
    /// served before is tried once more on a new one, since the node may
    /// have been restarted since; a refusal by the server is not.
    pub(crate) fn run(&self, sql: &str) -> Result<Sets> {
        let reused = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let fresh = reused.is_none();
        let mut conn = match reused {
            Some(conn) => conn,
            None => self.connect()?,
        };
        let result = match read_all(&mut conn, sql) {
            Err(e) if !fresh && !matches!(e, mysql::Error::MySqlError(_)) => {
                conn = self.connect()?;
                read_all(&mut conn, sql)
            }
            result => result,
        };
        match result {
            Ok(sets) => {
                let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
                if idle.len() < MAX_IDLE {
                    idle.push(conn);
                }
                Ok(sets)
            }
            Err(e) => Err(self.error(e)),
        }
    }
}

/// `f` of each of `nodes` (with its place among them), in order, run on
/// all of them at once (a thread each): a question every shard answers
/// for itself (its dictionary's counts, its table's status, its own
/// articles) waits for the slowest shard rather than for the sum of them.
pub(crate) fn on_each<T: Send>(nodes: &[Node], f: impl Fn(usize, &Node) -> T + Sync) -> Vec<T> {
    let f = &f;
    std::thread::scope(|scope| {
        let running: Vec<_> = nodes.iter().enumerate().map(|(i, node)| scope.spawn(move || f(i, node))).collect();
        // A panic in `f` is a bug, passed on as it is.
        running.into_iter().map(|thread| thread.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

fn read_all(conn: &mut Conn, sql: &str) -> mysql::Result<Sets> {
    let mut result = conn.query_iter(sql)?;
    let mut sets = Vec::new();
    while let Some(set) = result.iter() {
        sets.push(set.collect::<mysql::Result<Vec<Row>>>()?);
    }
    Ok(sets)
}

/// Column `i` of `row` as text.
pub(crate) fn text(row: &Row, i: usize) -> String {
    match row.as_ref(i) {
        Some(mysql::Value::Bytes(b)) => String::from_utf8_lossy(b).into_owned(),
        Some(mysql::Value::Int(n)) => n.to_string(),
        Some(mysql::Value::UInt(n)) => n.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

/// Column `i` of `row` as a number; `None` when it is not one.
pub(crate) fn number(row: &Row, i: usize) -> Option<u64> {
    text(row, i).trim().parse().ok()
}

/// `SHOW META`'s rows as name/value pairs.
pub(crate) fn meta(rows: &[Row]) -> Vec<(String, String)> {
    rows.iter().map(|r| (text(r, 0), text(r, 1))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Every node's answer, in the nodes' order, and asked of all at once:
    /// each call waits (boundedly) until every call has started, which
    /// one after the other they never would.
    #[test]
    fn each_node_is_asked_at_once_and_answers_in_order() {
        let nodes: Vec<Node> = (0..3).map(|i| Node::new(format!("shard{i}"), "127.0.0.1:1")).collect();
        let started = AtomicUsize::new(0);
        let answers = on_each(&nodes, |_, node| {
            started.fetch_add(1, Ordering::SeqCst);
            let waited = std::time::Instant::now();
            while started.load(Ordering::SeqCst) < nodes.len() && waited.elapsed().as_secs() < 5 {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            (node.name.clone(), started.load(Ordering::SeqCst))
        });
        let names: Vec<&str> = answers.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["shard0", "shard1", "shard2"]);
        assert!(answers.iter().all(|&(_, n)| n == 3), "asked one after the other: {answers:?}");
    }
}
