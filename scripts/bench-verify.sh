#!/usr/bin/env bash
# The public verification hot path against the same server's /health, measured in one run.
#
#   scripts/bench-verify.sh                              # SQLite, 1,000,000 certificates
#   DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres scripts/bench-verify.sh
#   COUNT=100000 ROUNDS=1 DURATION=5 scripts/bench-verify.sh   # a short form
#   CACHE_ENTRIES=0 scripts/bench-verify.sh              # every lookup from the database
#
# Builds the release binary, migrates a fresh database (SQLite in a temporary directory, or
# a new database on the given PostgreSQL server, dropped at the end), loads COUNT
# certificates' public answers with benches/load_public_certificates.rs (timed), starts the
# service with its default logging, and runs wrk (Debian's package; installed when missing)
# with CONNECTIONS connections, ROUNDS times in turn, against:
#   - GET /health;
#   - GET /api/v1/public/certificates/{number}, a random number of ~10,000 sampled from
#     the loaded ones each request (a hot set the answer cache holds; see CACHE_ENTRIES);
#   - GET /api/v1/public/certificates?q={prefix}, a random three-letter prefix of a name.
# Prints each round's requests/s and p99, and the medians: the lookup as a ratio of /health
# and both p99s. The rate limit stays on, set high enough that the load generator, one
# address, is not refused. The instance's answer cache keeps CACHE_ENTRIES answers (the
# default, 50,000, holds the sample, as it would hold a hot set of popular
# certificates); CACHE_ENTRIES=0 measures every lookup from the database. Traffic goes to
# 127.0.0.1 only; every run is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT="${COUNT:-1000000}"
DURATION="${DURATION:-8}"
ROUNDS="${ROUNDS:-3}"
CONNECTIONS="${CONNECTIONS:-64}"
CACHE_ENTRIES="${CACHE_ENTRIES:-50000}"
THREADS="${THREADS:-2}"
PORT="${PORT:-18081}"

source scripts/service.sh
need wrk
cargo build --release --quiet
cargo bench --quiet --bench load_public_certificates --no-run

backend=sqlite
url="$work/bench.db"
case "${DATABASE_URL:-}" in
postgres*)
    backend=postgresql
    drop_database="certbody_bench_$$"
    psql "$DATABASE_URL" -qc "CREATE DATABASE $drop_database" >/dev/null
    url="${DATABASE_URL%/*}/$drop_database"
    ;;
esac
DATABASE_URL="$url" ./target/release/certbody migrate >/dev/null

echo "loading $COUNT certificates into $backend"
load_started=$(date +%s)
cargo bench --quiet --bench load_public_certificates -- "$url" "$COUNT" "$work/sample" 2>&1 | tail -n 1
echo "load: $(( $(date +%s) - load_started )) s for $COUNT certificates"

serve ./target/release/certbody "$PORT" DATABASE_URL="$url" CERTBODY_PUBLIC_URL="http://127.0.0.1:$PORT" \
    CERTBODY_JWT_SECRET="bench-secret-0123456789-abcdefghijklmnop" CERTBODY_MAIL_DIR="$work/mail" \
    CERTBODY_PUBLIC_LIMIT_PER_MINUTE="${LIMIT:-1000000000}" CERTBODY_PUBLIC_CACHE_ENTRIES="$CACHE_ENTRIES"

# wrk picks a path at random for every request from the sampled file.
cat >"$work/random.lua" <<'LUA'
local paths = {}
local template = os.getenv("BENCH_TEMPLATE")
for line in io.lines(os.getenv("BENCH_SAMPLE")) do
    paths[#paths + 1] = string.format(template, line)
end
local seeded = false
request = function()
    if not seeded then
        math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
        seeded = true
    end
    return wrk.format("GET", paths[math.random(#paths)])
end
LUA
sample_one=$(head -n 1 "$work/sample.numbers")
curl -sf "$base/api/v1/public/certificates/$sample_one" >/dev/null || { echo "a loaded number is not found" >&2; exit 1; }

measure() { # prints "requests/s p99 non-2xx"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" \
        | awk '/Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$5} END {print rps, p99, bad+0}'
}
lookup() {
    BENCH_SAMPLE="$work/sample.numbers" BENCH_TEMPLATE="/api/v1/public/certificates/%s" \
        measure -s "$work/random.lua" "$base"
}
directory() {
    BENCH_SAMPLE="$work/sample.prefixes" BENCH_TEMPLATE="/api/v1/public/certificates?q=%s" \
        measure -s "$work/random.lua" "$base"
}
to_ms() { python3 -c "import sys; v=sys.argv[1]; print(float(v[:-2])/1000 if v.endswith('us') else float(v[:-2]) if v.endswith('ms') else float(v[:-1])*1000)" "$1"; }

echo "backend: $backend, $COUNT certificates, answer cache $CACHE_ENTRIES, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $(nproc) cores, $ROUNDS rounds"
ratios=(); lookup_p99s=(); directory_p99s=()
for round in $(seq 1 "$ROUNDS"); do
    read -r health_rps health_p99 health_bad < <(measure "$base/health")
    read -r lookup_rps lookup_p99 lookup_bad < <(lookup)
    read -r dir_rps dir_p99 dir_bad < <(directory)
    [ "$health_bad" = 0 ] && [ "$lookup_bad" = 0 ] && [ "$dir_bad" = 0 ] || {
        cp "$work/server.log" /tmp/bench-verify-server.log
        echo "non-2xx answers during the run (server log: /tmp/bench-verify-server.log)" >&2; exit 1; }
    ratio=$(python3 -c "print(f'{$lookup_rps / $health_rps:.3f}')")
    ratios+=("$ratio"); lookup_p99s+=("$(to_ms "$lookup_p99")"); directory_p99s+=("$(to_ms "$dir_p99")")
    printf 'round %s  /health %8.0f req/s (p99 %s)  lookup %7.0f req/s (p99 %s)  directory %6.0f req/s (p99 %s)  ratio %s\n' \
        "$round" "$health_rps" "$health_p99" "$lookup_rps" "$lookup_p99" "$dir_rps" "$dir_p99" "$ratio"
done
python3 - "${#ratios[@]}" "${ratios[@]}" "${lookup_p99s[@]}" "${directory_p99s[@]}" <<'PY'
import statistics, sys
n = int(sys.argv[1]); values = list(map(float, sys.argv[2:]))
ratios, lookups, directories = values[:n], values[n:2 * n], values[2 * n:]
print(f"median lookup ratio to /health: {statistics.median(ratios):.3f} (target at least 0.75)")
print(f"median lookup p99: {statistics.median(lookups):.2f} ms (target under 10 ms)")
print(f"median directory p99: {statistics.median(directories):.2f} ms (target under 20 ms)")
PY
