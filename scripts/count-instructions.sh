#!/usr/bin/env bash
# Instructions the service executes per request, counted by valgrind's callgrind, for /health
# and for the authenticated GET /api/v1/applications/{id} of scripts/bench-read.sh.
#
#   scripts/count-instructions.sh                                  # the work tree's release build
#   BEFORE=/tmp/certbody-before scripts/count-instructions.sh      # and an older build, side by side
#
# A throughput ratio on a shared two-core machine swings from run to run by more than most
# changes move it; this count repeats to within a few per cent (the service's background jobs
# run meanwhile), so it tells whether a change made the service do markedly less work. It counts the service's own instructions only,
# not the kernel's (TCP, waking threads) nor the load generator's. Each build serves the same
# SQLite database with one worker under callgrind; after 50 requests of each kind to warm
# up, 300 sequential requests of each kind are counted. Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT="${COUNT:-300}"
PORT="${PORT:-18082}"

source scripts/service.sh
need valgrind
cargo build --release --quiet
export DATABASE_URL="$work/bench.db"
serve_application "$PORT"
kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
server_pid=""

read_application() { curl -sf -H "Authorization: Bearer $token" "$base/api/v1/applications/$id" >/dev/null; }
health() { curl -sf "$base/health" >/dev/null; }

# count BIN LABEL: prints LABEL's instructions per request of each kind.
count() {
    CERTBODY_BIND="127.0.0.1:$PORT" CERTBODY_WORKERS=1 valgrind --tool=callgrind --instr-atstart=no \
        --callgrind-out-file="$work/callgrind.out" "$1" serve >"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 300); do health 2>/dev/null && break; sleep 0.2; done
    health || { echo "$1 under valgrind did not answer:" >&2; cat "$work/server.log" >&2; exit 1; }
    for _ in $(seq 1 50); do health; read_application; done
    local figures=()
    for request in health read_application; do
        rm -f "$work"/callgrind.out.*
        callgrind_control --instr=on "$server_pid" >/dev/null 2>&1
        for _ in $(seq 1 "$COUNT"); do "$request"; done
        callgrind_control --instr=off "$server_pid" >/dev/null 2>&1
        callgrind_control --dump="$request" "$server_pid" >/dev/null 2>&1
        callgrind_control --zero "$server_pid" >/dev/null 2>&1
        local total=""
        for _ in $(seq 1 50); do
            total=$(awk '/^totals:/ {print $2}' "$work"/callgrind.out.* 2>/dev/null) && [ -n "$total" ] && break
            sleep 0.1
        done
        [ -n "$total" ] || { echo "callgrind wrote no counts:" >&2; cat "$work/server.log" >&2; exit 1; }
        figures+=("$(( total / COUNT ))")
    done
    kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
    server_pid=""
    python3 -c "import sys; h, r = map(int, sys.argv[2:]); print(f'{sys.argv[1]:>8}  GET /health {h:>9,} instructions  GET /api/v1/applications/{{id}} {r:>9,}  ratio {h / r:.3f}')" \
        "$2" "${figures[@]}"
}

echo "instructions per request, the mean of $COUNT sequential requests, one worker under callgrind"
[ -n "${BEFORE:-}" ] && count "$BEFORE" before
count ./target/release/certbody "$([ -n "${BEFORE:-}" ] && echo after || echo now)"
