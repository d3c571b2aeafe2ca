#!/usr/bin/env bash
# API fuzzing: Schemathesis against the running service's /openapi.json, as every role.
#
#   scripts/fuzz-api.sh                       # CI's form: a fixed seed, MAX_TIME seconds a role
#   MAX_TIME=600 MAX_EXAMPLES=100 scripts/fuzz-api.sh
#   ROLES="admin@cb.example" scripts/fuzz-api.sh   # one role (a demo account, or anonymous)
#
# Loads the demo sample into a new SQLite database (so every role has objects of its own),
# serves it on loopback with rate limits high enough for a fuzzer, then runs `schemathesis
# run --checks all` once anonymously and once signed in as each role, after a sweep of every
# record-reading GET as another client (scripts/cross_org.py). Any failure (a 5xx, an
# answer that breaks the documented schema or status codes, a schema-valid request refused,
# an invalid one accepted, ...) fails the script. Schemathesis is installed (pinned) from PyPI
# into target/schemathesis-venv when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

MAX_TIME="${MAX_TIME:-40}"
MAX_EXAMPLES="${MAX_EXAMPLES:-25}"
SEED="${SEED:-1}"
PORT="${PORT:-18090}"
BIN="${CERTBODY_BIN:-target/debug/certbody}"
SCHEMATHESIS_VERSION=4.32.5

venv=target/schemathesis-venv
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi
[ -n "${CERTBODY_BIN:-}" ] || cargo build --quiet

source scripts/service.sh

export DATABASE_URL="$work/fuzz.db"
export CERTBODY_PUBLIC_URL="http://127.0.0.1:$PORT"
export CERTBODY_JWT_SECRET="fuzz-secret-0123456789-abcdefghijklmnopq"
export CERTBODY_MAIL_DIR="$work/mail"
export CERTBODY_LOGIN_LIMIT_PER_IP=100000 CERTBODY_LOGIN_LIMIT_PER_ACCOUNT=100000
export CERTBODY_REGISTER_LIMIT_PER_IP=100000 CERTBODY_PUBLIC_LIMIT_PER_MINUTE=100000
export CERTBODY_PUBLIC_FILINGS_PER_HOUR=100000
export RUST_LOG=warn
"$BIN" demo >"$work/demo.txt"
password=$(sed -n "s/.*password: //p" "$work/demo.txt")
serve "$BIN" "$PORT"

token() {
    curl -sf "$base/api/v1/auth/token" -H 'content-type: application/json' \
        -d "{\"email\": \"$1\", \"password\": \"$password\"}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

failed=()
# Before the fuzzer changes anything: no client reaches another's records.
python3 scripts/cross_org.py "$base" "$password" || failed+=("cross-organisation sweep")
ROLES="${ROLES:-anonymous admin@cb.example lead@cb.example decider@cb.example handler@cb.example quality@acme.example buyer@procurement.example}"
for role in $ROLES; do
    printf '\n== schemathesis as %s\n' "$role"
    auth=()
    [ "$role" = anonymous ] || auth=(-H "Authorization: Bearer $(token "$role")")
    if ! "$venv/bin/schemathesis" --no-color --config-file scripts/schemathesis.toml run "$base/openapi.json" "${auth[@]}" --checks all \
        --seed "$SEED" --max-examples "$MAX_EXAMPLES" --max-time "$MAX_TIME" \
        --generation-deterministic --warnings off; then
        failed+=("$role")
    fi
done
if ((${#failed[@]})); then
    echo "schemathesis failed as: ${failed[*]}"
    tail -n 20 "$work/server.log"
    exit 1
fi
echo "schemathesis: no failures as any role"
