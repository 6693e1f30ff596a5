#!/usr/bin/env bash
# Runs a local Sphinx cluster for zhsearch's cluster mode: three RT-index
# shards and one master whose distributed index `dist` fans reads out to them.
#
#   scripts/cluster.sh start DIR            install searchd if missing, write configs, start all 4
#   scripts/cluster.sh stop DIR             TERM every searchd of DIR by its pid file, KILL after a bound
#   scripts/cluster.sh status DIR           one line per process; exit 0 only when all 4 answer
#   scripts/cluster.sh kill9 DIR N          kill -9 shard N (0..2), leaving its stale pid file (fault tests)
#   scripts/cluster.sh restart-shard DIR N  stop shard N if it runs, start it again with the same config
#
# Everything lives under DIR: one config per process (DIR/shard0.conf ..
# shard2.conf, DIR/master.conf), and per process its data dir, binlog dir,
# pid file, log and query log (DIR/<name>/...). Only 127.0.0.1 is listened on.
#
# Ports: base = $ZHSEARCH_CLUSTER_PORT (default 19306). Shard i: SphinxQL
# base+2i, Sphinx API base+2i+1 (the master's agents use it). Master: SphinxQL
# base+6, API base+7. `start` writes them to DIR/ports as shell variables
# (ZHSEARCH_SHARD0_SQL=127.0.0.1:19306, ..., ZHSEARCH_MASTER_SQL=...).
#
# Configs: if $ZHSEARCH_CLUSTER_CONF_CMD is set it is run as
# `$ZHSEARCH_CLUSTER_CONF_CMD DIR` (split on whitespace, no shell quoting) and
# must write the four config files itself; otherwise write_configs below has
# zhsearch-manticore render them ($ZHSEARCH_CLUSTER_CONF_BIN DIR PORT when
# that names its built zhsearch-cluster-conf, else cargo run).
# Ports in DIR/ports are read back from the configs' `listen` lines either way.
#
# Idempotent like setup.sh: `start` on a running DIR starts only what is not
# running (and leaves the configs of a running cluster alone).
set -euo pipefail

NAMES=(shard0 shard1 shard2 master)
START_TIMEOUT=30 # seconds, for all four SphinxQL ports to accept connections
STOP_TIMEOUT=30  # seconds per process between TERM and KILL

die() { echo "cluster: $*" >&2; exit 1; }

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# ---------------------------------------------------------------------------
# Config generation: the table is described once, in Rust
# (zhsearch-manticore/src/schema.rs), and rendered from there.
# $1 = absolute DIR, $2 = base port.
# ---------------------------------------------------------------------------
write_configs() {
  local here
  here=$(cd "$(dirname "$0")/.." && pwd)
  # A renderer already built may be named in $ZHSEARCH_CLUSTER_CONF_BIN:
  # CI passes the one its test build made, since `cargo run` resolves the
  # dependencies' features without the dev-dependencies and so builds
  # tantivy and its dependencies a second time.
  if [ -n "${ZHSEARCH_CLUSTER_CONF_BIN:-}" ]; then
    "$ZHSEARCH_CLUSTER_CONF_BIN" "$1" "$2"
  else
    (cd "$here" && cargo run --quiet -p zhsearch-manticore --bin zhsearch-cluster-conf -- "$1" "$2")
  fi
}

# ---------------------------------------------------------------------------

ensure_searchd() {
  command -v searchd >/dev/null 2>&1 && return 0
  local packages=(sphinxsearch) sudo
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    die "need root or sudo to install ${packages[*]} with apt-get"
  fi
  echo "cluster: installing ${packages[*]} (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  command -v searchd >/dev/null 2>&1 || die "searchd still not found after installing sphinxsearch"
}

conf_of() { echo "$DIR/$1.conf"; }

# A directive's value from a config (first match), e.g. conf_value FILE pid_file.
conf_value() {
  sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*\\(.*[^[:space:]]\\)[[:space:]]*\$/\\1/p" "$1" | head -n 1
}

# host:port of the SphinxQL (mysql41) / API listener of a process.
sql_addr() {
  sed -n 's/^[[:space:]]*listen[[:space:]]*=[[:space:]]*\([^[:space:]]*\):mysql41[[:space:]]*$/\1/p' "$(conf_of "$1")" | head -n 1
}
api_addr() {
  sed -n 's/^[[:space:]]*listen[[:space:]]*=[[:space:]]*\([0-9.]*:[0-9]*\)[[:space:]]*$/\1/p' "$(conf_of "$1")" | head -n 1
}

pid_file_of() {
  local f
  f=$(conf_value "$(conf_of "$1")" pid_file)
  [ -n "$f" ] || die "no pid_file in $(conf_of "$1")"
  echo "$f"
}

# Prints the pid of a live searchd of process $1, or fails.
live_pid() {
  local pf pid
  pf=$(pid_file_of "$1")
  [ -s "$pf" ] || return 1
  pid=$(tr -dc '0-9' <"$pf")
  [ -n "$pid" ] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = searchd ] || return 1
  echo "$pid"
}

# True while any of the given pids is a live (non-zombie) searchd.
alive_any() {
  local p
  for p in "$@"; do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = searchd ] || continue
    [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = Z ] && continue
    return 0
  done
  return 1
}

port_open() {
  local addr=$1
  (exec 3<>"/dev/tcp/${addr%:*}/${addr##*:}") 2>/dev/null
}

start_one() {
  local name=$1 conf pf
  conf=$(conf_of "$name")
  [ -f "$conf" ] || die "missing $conf"
  if live_pid "$name" >/dev/null; then
    return 0
  fi
  pf=$(pid_file_of "$name")
  rm -f "$pf" # stale after a kill -9
  searchd --config "$conf" >"$DIR/$name/stdout.log" 2>&1 ||
    { cat "$DIR/$name/stdout.log" >&2; die "searchd for $name failed to start"; }
}

wait_ready() {
  local deadline=$((SECONDS + START_TIMEOUT)) name addr
  for name in "$@"; do
    addr=$(sql_addr "$name")
    [ -n "$addr" ] || die "no mysql41 listen line in $(conf_of "$name")"
    until port_open "$addr"; do
      if ! live_pid "$name" >/dev/null; then
        tail -n 20 "$(conf_value "$(conf_of "$name")" log)" >&2 2>/dev/null || true
        die "$name (searchd) is not running"
      fi
      [ "$SECONDS" -lt "$deadline" ] || die "$name: $addr not accepting connections after ${START_TIMEOUT}s"
      sleep 0.2
    done
  done
}

write_ports() {
  local tmp="$DIR/ports.tmp" name up
  {
    echo "# zhsearch cluster addresses (scripts/cluster.sh)"
    for name in "${NAMES[@]}"; do
      up=${name^^}
      echo "ZHSEARCH_${up}_SQL=$(sql_addr "$name")"
      echo "ZHSEARCH_${up}_API=$(api_addr "$name")"
    done
  } >"$tmp"
  mv "$tmp" "$DIR/ports"
}

stop_one() {
  local name=$1 pid deadline pf
  pf=$(pid_file_of "$name")
  if pid=$(live_pid "$name"); then
    # searchd runs under a watchdog parent that exits when the main process
    # exits by TERM or KILL; wait for both so no searchd of DIR is left.
    local ppid pids
    ppid=$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null || true)
    pids=("$pid")
    if [ -n "$ppid" ] && [ "$(cat "/proc/$ppid/comm" 2>/dev/null)" = searchd ]; then
      pids+=("$ppid")
    fi
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "cluster: $name (pid $pid) ignored TERM for ${STOP_TIMEOUT}s, sending KILL" >&2
      kill -KILL "${pids[@]}" 2>/dev/null || true
    fi
    deadline=$((SECONDS + 5))
    while [ "$SECONDS" -lt "$deadline" ] && alive_any "${pids[@]}"; do sleep 0.1; done
    if alive_any "${pids[@]}"; then kill -KILL "${pids[@]}" 2>/dev/null || true; fi
  fi
  rm -f "$pf"
}

shard_arg() {
  case "${1:-}" in
    0 | 1 | 2) echo "shard$1" ;;
    *) die "shard number must be 0, 1 or 2, got '${1:-}'" ;;
  esac
}

cmd_start() {
  ensure_searchd
  mkdir -p "$DIR"
  local name any_running=0 base=${ZHSEARCH_CLUSTER_PORT:-19306}
  [[ "$base" =~ ^[0-9]+$ ]] || die "ZHSEARCH_CLUSTER_PORT must be a port number"
  for name in "${NAMES[@]}"; do
    if [ -f "$(conf_of "$name")" ] && live_pid "$name" >/dev/null; then any_running=1; fi
  done
  if [ "$any_running" -eq 0 ]; then
    if [ -n "${ZHSEARCH_CLUSTER_CONF_CMD:-}" ]; then
      local -a conf_cmd
      read -r -a conf_cmd <<<"$ZHSEARCH_CLUSTER_CONF_CMD"
      "${conf_cmd[@]}" "$DIR"
    else
      write_configs "$DIR" "$base"
    fi
  fi
  for name in "${NAMES[@]}"; do
    [ -f "$(conf_of "$name")" ] || die "missing $(conf_of "$name")"
    mkdir -p "$DIR/$name"
  done
  # Shards first so the master's agents are there when it takes queries.
  for name in "${NAMES[@]}"; do start_one "$name"; done
  wait_ready "${NAMES[@]}"
  write_ports
  echo "cluster: running in $DIR (addresses in $DIR/ports)" >&2
}

cmd_stop() {
  [ -d "$DIR" ] || return 0
  local name
  for name in master shard0 shard1 shard2; do
    [ -f "$(conf_of "$name")" ] || continue
    stop_one "$name"
  done
}

cmd_status() {
  local name pid addr all=0 state
  for name in "${NAMES[@]}"; do
    if [ ! -f "$(conf_of "$name")" ]; then
      echo "$name: no config"; all=1; continue
    fi
    addr=$(sql_addr "$name")
    if pid=$(live_pid "$name"); then
      if port_open "$addr"; then state=up; else state="starting (port closed)"; all=1; fi
      echo "$name: $state pid=$pid sql=$addr api=$(api_addr "$name")"
    else
      echo "$name: down sql=$addr api=$(api_addr "$name")"; all=1
    fi
  done
  return "$all"
}

cmd_kill9() {
  local name pid
  name=$(shard_arg "${1:-}")
  pid=$(live_pid "$name") || die "$name is not running"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  echo "cluster: killed $name (pid $pid) with SIGKILL" >&2
}

cmd_restart_shard() {
  local name
  name=$(shard_arg "${1:-}")
  stop_one "$name"
  start_one "$name"
  wait_ready "$name"
}

[ $# -ge 2 ] || usage
cmd=$1
DIR=$2
shift 2
case "$DIR" in /*) ;; *) DIR="$PWD/$DIR" ;; esac
DIR=${DIR%/}

case "$cmd" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  kill9) cmd_kill9 "$@" ;;
  restart-shard) cmd_restart_shard "$@" ;;
  *) usage ;;
esac
