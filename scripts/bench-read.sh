#!/usr/bin/env bash
# Throughput of an authenticated read against the same server's /health, measured in one run.
#
#   scripts/bench-read.sh                  # SQLite in a temporary directory
#   DATABASE_URL=postgres://... scripts/bench-read.sh
#
# Builds the release binary, starts it on loopback, registers an applicant, drafts one
# application with three sites, then runs wrk (Debian's package; installed when missing) for
# DURATION seconds with CONNECTIONS connections against /health and against
# GET /api/v1/applications/{id} as its applicant, ROUNDS times in turn (this machine's /health
# figure alone swings by a third between runs). Prints each round's requests/s and p99, and
# the median of the rounds' ratios. Traffic goes to 127.0.0.1 only; every run is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-8}"
ROUNDS="${ROUNDS:-3}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
PORT="${PORT:-18080}"

source scripts/service.sh
need wrk
cargo build --release --quiet
serve_application "$PORT"

measure() { # prints "requests/s p99"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" \
        | awk '/Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$5} END {print rps, p99, bad+0}'
}
backend=sqlite; case "$DATABASE_URL" in postgres*) backend=postgresql;; esac
echo "backend: $backend, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $(nproc) cores, $ROUNDS rounds"
ratios=()
for round in $(seq 1 "$ROUNDS"); do
    read -r health_rps health_p99 health_bad < <(measure "$base/health")
    read -r app_rps app_p99 app_bad < <(measure -H "Authorization: Bearer $token" "$base/api/v1/applications/$id")
    [ "$health_bad" = 0 ] && [ "$app_bad" = 0 ] || { echo "non-2xx answers during the run" >&2; exit 1; }
    ratio=$(python3 -c "print(f'{$app_rps / $health_rps:.3f}')")
    ratios+=("$ratio")
    printf 'round %s  GET /health %9.0f req/s (p99 %s)  GET /api/v1/applications/{id} %8.0f req/s (p99 %s)  ratio %s\n' \
        "$round" "$health_rps" "$health_p99" "$app_rps" "$app_p99" "$ratio"
done
python3 -c "import statistics, sys; print(f'median ratio to /health: {statistics.median(map(float, sys.argv[1:])):.3f} (target at least 0.25)')" "${ratios[@]}"
