//! Writes a local three-shard cluster's Sphinx configs, from the one
//! description in `zhsearch_manticore::schema`:
//! `zhsearch-cluster-conf DIR [BASE_PORT]` writes `DIR/shard0.conf`…
//! `DIR/master.conf`. `scripts/cluster.sh start` runs it.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, port) = match args.as_slice() {
        [dir] => (dir.clone(), Ok(19306)),
        [dir, port] => (dir.clone(), port.parse::<u16>()),
        _ => {
            eprintln!("usage: zhsearch-cluster-conf DIR [BASE_PORT]");
            return ExitCode::from(2);
        }
    };
    let Ok(base_port) = port else {
        eprintln!("zhsearch-cluster-conf: the base port must be a number below 65530");
        return ExitCode::from(2);
    };
    if base_port > 65_527 {
        eprintln!("zhsearch-cluster-conf: base port {base_port} leaves no room for 8 ports");
        return ExitCode::from(2);
    }
    let dir = match std::path::absolute(&dir) {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("zhsearch-cluster-conf: {dir}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let layout = zhsearch_manticore::schema::Layout { dir: dir.clone(), base_port, shards: 3 };
    match layout.write_sphinx_confs() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zhsearch-cluster-conf: {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}
