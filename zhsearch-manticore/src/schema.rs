//! The engine's table, described once and rendered two ways: a
//! `sphinx.conf` for Sphinx 2.2.11 (what Debian 12 ships, and what the
//! tests here run) and `CREATE TABLE` for Manticore Search, whose real-time
//! tables are made by statements rather than by a config file.
//!
//! Only features both engines have are used: real-time tables, full-text
//! fields of ASCII keywords (zhsearch's tokens, see the crate docs), string and integer
//! attributes, a distributed table over the shards' agents, and the binlog.
//! Manticore's own morphology, `HIGHLIGHT()` and auto-sharding are left out
//! on purpose: zhsearch analyzes, highlights and routes itself.

use std::fmt::Write as _;
use std::path::Path;

/// The shards' table.
pub const SHARD_TABLE: &str = "shard";
/// The master's distributed table over every shard.
pub const DIST_TABLE: &str = "dist";

/// The kind of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Full-text, not stored (Sphinx 2.2 cannot store fields; the article
    /// is kept whole in `doc`).
    Field,
    /// A string attribute.
    Text,
    /// A 32-bit unsigned attribute.
    Uint,
    /// A 64-bit signed attribute.
    Bigint,
}

/// The table's columns, besides the document id (a hash of the article's
/// id: see [`crate::doc_id`]).
pub const COLUMNS: &[(&str, Kind, &str)] = &[
    ("t", Kind::Field, "title units, one keyword per position"),
    ("tx", Kind::Field, "title bigrams and Latin words"),
    ("b", Kind::Field, "body units"),
    ("bx", Kind::Field, "body bigrams and Latin words"),
    ("k", Kind::Field, "the title key: the folded title as one hashed keyword"),
    ("aid", Kind::Text, "the article's own id"),
    ("doc", Kind::Text, "the article as JSON, for the second stage and the hits"),
    ("source", Kind::Text, "publisher, for filters and facets"),
    ("author", Kind::Text, "author"),
    ("published", Kind::Bigint, "publication time, Unix seconds"),
    ("dated", Kind::Uint, "1 when the article has a date"),
    ("month", Kind::Uint, "publication month in China time, YYYYMM, 0 without a date"),
    ("titled", Kind::Uint, "1 when the article has a title (the title key's length)"),
    ("t_len", Kind::Uint, "the title's length in zhsearch tokens"),
    ("b_len", Kind::Uint, "the body's length in zhsearch tokens"),
];

/// The full-text fields, in order.
pub fn fields() -> impl Iterator<Item = &'static str> {
    COLUMNS.iter().filter(|(_, kind, _)| *kind == Kind::Field).map(|(name, _, _)| *name)
}

/// Where a three-shard cluster on one machine listens, and where it keeps
/// its files.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The directory everything lives under.
    pub dir: std::path::PathBuf,
    /// Shard `i` listens on `base + 2i` (SphinxQL) and `base + 2i + 1` (the
    /// agent protocol); the master on `base + 2n` and `base + 2n + 1`.
    pub base_port: u16,
    /// How many shards.
    pub shards: usize,
}

impl Layout {
    /// Shard `i`'s SphinxQL port.
    pub fn shard_sql_port(&self, i: usize) -> u16 {
        self.base_port + 2 * i as u16
    }

    /// The master's SphinxQL port.
    pub fn master_sql_port(&self) -> u16 {
        self.base_port + 2 * self.shards as u16
    }

    /// The config file of shard `i`, for Sphinx 2.2.11.
    pub fn sphinx_shard_conf(&self, i: usize) -> String {
        let name = format!("shard{i}");
        let dir = self.dir.join(&name);
        let mut out = format!("# zhsearch cluster: {name} (rendered by zhsearch-manticore)\n");
        let _ =
            writeln!(out, "index {SHARD_TABLE}\n{{\n    type = rt\n    path = {}", dir.join("data/shard").display());
        out.push_str(INDEX_SETTINGS);
        for (column, kind, why) in COLUMNS {
            let directive = match kind {
                Kind::Field => "rt_field",
                Kind::Text => "rt_attr_string",
                Kind::Uint => "rt_attr_uint",
                Kind::Bigint => "rt_attr_bigint",
            };
            let _ = writeln!(out, "    # {why}\n    {directive} = {column}");
        }
        out.push_str("}\n\n");
        out.push_str(&searchd(&dir, self.shard_sql_port(i), SHARD_SEARCHD));
        out
    }

    /// The master's config file: the distributed table over the shards.
    pub fn sphinx_master_conf(&self) -> String {
        let dir = self.dir.join("master");
        let mut out = String::from("# zhsearch cluster: master (rendered by zhsearch-manticore)\n");
        let _ = writeln!(out, "index {DIST_TABLE}\n{{\n    type = distributed");
        for i in 0..self.shards {
            let _ = writeln!(out, "    agent = 127.0.0.1:{}:{SHARD_TABLE}", self.shard_sql_port(i) + 1);
        }
        out.push_str(MASTER_INDEX);
        out.push_str(&searchd(&dir, self.master_sql_port(), ""));
        out
    }

    /// Writes every process's config into [`Layout::dir`]
    /// (`shard0.conf`…, `master.conf`) and makes their directories.
    pub fn write_sphinx_confs(&self) -> std::io::Result<()> {
        for i in 0..self.shards {
            std::fs::create_dir_all(self.dir.join(format!("shard{i}/data")))?;
            std::fs::create_dir_all(self.dir.join(format!("shard{i}/binlog")))?;
            write(&self.dir.join(format!("shard{i}.conf")), &self.sphinx_shard_conf(i))?;
        }
        std::fs::create_dir_all(self.dir.join("master/binlog"))?;
        write(&self.dir.join("master.conf"), &self.sphinx_master_conf())
    }
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// Manticore's statements for a shard's table and for the distributed
/// table over `agents` (`host:port` of each shard's agent listener).
pub fn manticore_create_tables(agents: &[String]) -> (String, String) {
    let columns: Vec<String> = COLUMNS
        .iter()
        .map(|(name, kind, _)| {
            let ty = match kind {
                Kind::Field => "text indexed",
                Kind::Text => "string",
                Kind::Uint => "uint",
                Kind::Bigint => "bigint",
            };
            format!("{name} {ty}")
        })
        .collect();
    let shard = format!(
        "CREATE TABLE {SHARD_TABLE} ({}) charset_table='0..9, A..Z->a..z, _, a..z' min_word_len='1' dict='keywords'",
        columns.join(", ")
    );
    let agents: Vec<String> = agents.iter().map(|a| format!("agent='{a}:{SHARD_TABLE}'")).collect();
    let dist = format!(
        "CREATE TABLE {DIST_TABLE} type='distributed' {} agent_connect_timeout='300' agent_query_timeout='3000'",
        agents.join(" ")
    );
    (shard, dist)
}

/// The keywords are ASCII (see [`crate::units`]); nothing is folded or cut
/// by the engine.
const INDEX_SETTINGS: &str = "    charset_table = 0..9, A..Z->a..z, _, a..z
    min_word_len = 1
    dict = keywords
    rt_mem_limit = 128M
";

/// Milliseconds: a dead shard fails at once, a hung one costs at most
/// connect + query timeout, and the master answers from the others with a
/// warning naming the agent.
const MASTER_INDEX: &str = "    agent_connect_timeout = 300
    agent_query_timeout = 3000
}

";

/// 2: the binlog is written on every transaction, so a shard killed with
/// -9 replays every acknowledged write on restart (1 left the binlog empty
/// in 2.2.11; 0 lost the last second).
const SHARD_SEARCHD: &str = "    binlog_flush = 2
";

fn searchd(dir: &Path, sql_port: u16, extra: &str) -> String {
    let d = dir.display();
    format!(
        "searchd
{{
    listen = 127.0.0.1:{sql_port}:mysql41
    listen = 127.0.0.1:{api}
    pid_file = {d}/searchd.pid
    log = {d}/searchd.log
    query_log = {d}/query.log
    query_log_format = sphinxql
    binlog_path = {d}/binlog
{extra}    workers = threads
    max_children = 64
    # One client packet (a batch of articles) and one agent's reply to the
    # master; 128M is the most searchd accepts.
    max_packet_size = 128M
    max_batch_queries = 32
    read_timeout = 5
    client_timeout = 300
    mysql_version_string = 5.5.21-sphinx-2.2.11
    # Exact string comparison: source = 'XINHUA' must not match xinhua.
    collation_server = binary
}}
",
        api = sql_port + 1
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_renderings_have_every_column() {
        let layout = Layout { dir: "/tmp/c".into(), base_port: 19306, shards: 3 };
        let conf = layout.sphinx_shard_conf(1);
        let (shard, dist) = manticore_create_tables(&["127.0.0.1:19309".into()]);
        for (name, _, _) in COLUMNS {
            assert!(conf.contains(&format!(" = {name}\n")), "{name} in sphinx.conf");
            assert!(shard.contains(&format!("{name} ")), "{name} in CREATE TABLE");
        }
        assert!(conf.contains("listen = 127.0.0.1:19308:mysql41") && conf.contains("listen = 127.0.0.1:19309\n"));
        let master = layout.sphinx_master_conf();
        for port in [19307, 19309, 19311] {
            assert!(master.contains(&format!("agent = 127.0.0.1:{port}:shard")), "{port}");
        }
        assert!(master.contains("listen = 127.0.0.1:19312:mysql41"));
        assert!(dist.contains("agent='127.0.0.1:19309:shard'"));
        assert_eq!(fields().collect::<Vec<_>>(), ["t", "tx", "b", "bx", "k"]);
    }
}
