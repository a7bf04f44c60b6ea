#!/usr/bin/env bash
# A local cluster, and a real failure in it: replicas of the example MCP server on 127.0.0.1
# behind HAProxy, driven with mixed calls by the official Python MCP client and by
# `RemoteServers` (the Rust remote toolbox), one replica killed (SIGKILL) in the middle; then
# `RemoteServers` pointed at the replicas directly (client-side balancing). Prints, for each
# client: calls answered, failed with "unknown outcome", failed otherwise, run twice (from the
# replicas' call logs: must be 0), p50/p99 latency, and calls per second with 1, 2 and 3
# replicas. Not part of `cargo test`: it installs HAProxy and takes a few minutes.
#
#     deploy/local-cluster.sh                      # 10,000 calls per failure run
#     CALLS=2000 CONCURRENCY=16 deploy/local-cluster.sh
set -euo pipefail
cd "$(dirname "$0")/.."

CALLS=${CALLS:-10000}                       # calls of each failure run
THROUGHPUT_CALLS=${THROUGHPUT_CALLS:-3000}  # calls of each 1/2/3-replica run
CONCURRENCY=${CONCURRENCY:-32}              # calls in flight
BASE_PORT=${BASE_PORT:-18100}               # replicas on BASE_PORT+1, +2, +3
LB_PORT=${LB_PORT:-18100}                   # HAProxy on BASE_PORT
WORK=$(mktemp -d)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# HAProxy, from Debian.
if ! command -v haproxy >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y haproxy >/dev/null
fi

# The official Python client, as .ci/run installs it.
PYTHON=tests/clients/.venv/bin/python
if ! "$PYTHON" -c 'import mcp' 2>/dev/null; then
  python3 -m venv tests/clients/.venv
  tests/clients/.venv/bin/pip install --quiet --upgrade 'mcp>=2,<3'
fi

# The example server and the Rust driver, in release. benches/ is a workspace of its own,
# with its own target directory.
echo "building the example server and the Rust driver (release)..." >&2
cargo build --quiet --release -p examples --example mcp_server
SERVER=${CARGO_TARGET_DIR:-target}/release/examples/mcp_server
(cd benches && env -u CARGO_TARGET_DIR cargo build --quiet --release --bin cluster_load)
LOAD=benches/target/release/cluster_load

# Waits until GET URL answers 200 (a replica's or the balancer's health), 10 s at most.
wait_healthy() {
  for _ in $(seq 100); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$1 did not answer" >&2
  exit 1
}

# Starts replicas 1..N, stateless, each logging the ids of the calls it runs; sets REPLICA_PIDS.
start_replicas() {
  local count=$1 run=$2
  REPLICA_PIDS=()
  for i in $(seq "$count"); do
    "$SERVER" --http "127.0.0.1:$((BASE_PORT + i))" --stateless \
      --call-log "$WORK/$run/calls-$i.log" 2>"$WORK/$run/replica-$i.err" &
    REPLICA_PIDS+=("$!")
    PIDS+=("$!")
  done
  for i in $(seq "$count"); do wait_healthy "http://127.0.0.1:$((BASE_PORT + i))/readyz"; done
}

# HAProxy in front of replicas 1..N: round robin (stateless replicas need no stickiness),
# health checks on /readyz, and a connection refused retried on another replica. Only
# connection failures are retried (HAProxy's default `retry-on conn-failure`): a request the
# replica may have run is never sent twice.
start_balancer() {
  local count=$1 run=$2
  {
    cat <<EOF
global
  maxconn 4096
defaults
  mode http
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  retries 3
  option redispatch
frontend mcp
  bind 127.0.0.1:$LB_PORT
  default_backend replicas
backend replicas
  balance leastconn
  option httpchk GET /readyz
  default-server check inter 500ms fall 2 rise 2
EOF
    for i in $(seq "$count"); do
      echo "  server replica$i 127.0.0.1:$((BASE_PORT + i))"
    done
  } >"$WORK/$run/haproxy.cfg"
  haproxy -f "$WORK/$run/haproxy.cfg" -db 2>"$WORK/$run/haproxy.err" &
  BALANCER_PID=$!
  PIDS+=("$!")
  wait_healthy "http://127.0.0.1:$LB_PORT/readyz"
}

stop_all() {
  for pid in "${REPLICA_PIDS[@]}" ${BALANCER_PID:+"$BALANCER_PID"}; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  BALANCER_PID=""
}

# One run: CLIENT (python|rust) through TARGET (balancer|direct) with N replicas, CALLS calls,
# killing replica N once half of them have finished when KILL=1. Prints one JSON line with
# the driver's figures and the ids run twice.
RUN=0
run() {
  local client=$1 target=$2 count=$3 calls=$4 kill=$5
  RUN=$((RUN + 1))
  local name="run$RUN"
  mkdir -p "$WORK/$name"
  start_replicas "$count" "$name"
  local url
  if [ "$target" = balancer ]; then
    start_balancer "$count" "$name"
    url="http://127.0.0.1:$LB_PORT/mcp"
  else
    url=$(for i in $(seq "$count"); do printf 'http://127.0.0.1:%d/mcp,' $((BASE_PORT + i)); done)
    url=${url%,}
  fi
  local killing=()
  [ "$kill" = 1 ] && killing=("${REPLICA_PIDS[$((count - 1))]}" $((calls / 2)))
  local figures
  if [ "$client" = python ]; then
    figures=$("$PYTHON" deploy/cluster/drive.py "$url" "$calls" "$CONCURRENCY" "$name" "${killing[@]}")
  else
    figures=$("$LOAD" "$url" "$calls" "$CONCURRENCY" "$name" "${killing[@]}")
  fi
  stop_all
  local twice
  twice=$(cat "$WORK/$name"/calls-*.log 2>/dev/null | sort | uniq -d | wc -l)
  echo "$figures" | "$PYTHON" -c '
import json, sys
figures = json.load(sys.stdin)
figures.update(client=sys.argv[1], target=sys.argv[2], replicas=int(sys.argv[3]), kill=sys.argv[4] == "1", twice=int(sys.argv[5]))
print(json.dumps(figures))' "$client" "$target" "$count" "$kill" "$twice"
}

RESULTS=$WORK/results.jsonl
for setup in "python balancer" "rust balancer" "rust direct"; do
  read -r client target <<<"$setup"
  echo "$client through the $target: 1, 2 and 3 replicas, then $CALLS calls with one killed" >&2
  for count in 1 2 3; do
    run "$client" "$target" "$count" "$THROUGHPUT_CALLS" 0 >>"$RESULTS"
  done
  run "$client" "$target" 3 "$CALLS" 1 >>"$RESULTS"
done

"$PYTHON" - "$RESULTS" "$CALLS" "$CONCURRENCY" <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
calls, concurrency = int(sys.argv[2]), int(sys.argv[3])
names = {("python", "balancer"): "Python `mcp` client → HAProxy",
         ("rust", "balancer"): "`RemoteServers` → HAProxy",
         ("rust", "direct"): "`RemoteServers` → 3 replicas (client-side balancing)"}
for key, name in names.items():
    mine = [r for r in rows if (r["client"], r["target"]) == key]
    failure = next(r for r in mine if r["kill"])
    speed = {r["replicas"]: r["calls_per_s"] for r in mine if not r["kill"]}
    print(f"\n{name}: {calls:,} calls, {concurrency} in flight, replica 3 killed after {calls // 2:,}\n")
    print("| answered | tool errors | unknown outcome | failed otherwise | run twice | p50 | p99 | calls/s, 1 / 2 / 3 replicas |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {failure['answered']:,} | {failure['errors']} | {failure['unknown_outcome']} | {failure['failed']} "
          f"| {failure['twice']} | {failure['p50_ms']} ms | {failure['p99_ms']} ms "
          f"| {speed[1]:,.0f} / {speed[2]:,.0f} / {speed[3]:,.0f} |")
EOF
