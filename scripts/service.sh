# Sourced by the scripts that run the service on loopback. Gives them `work`, a temporary
# folder removed on exit together with the server (and `drop_database`, a PostgreSQL
# database on the server of $DATABASE_URL, when set), `serve`, `need` (a command from Debian)
# and, for the read benchmarks, `serve_application`.
work="$(mktemp -d)"
server_pid=""
drop_database=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    [ -n "$drop_database" ] && psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $drop_database" >/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# serve BIN PORT [NAME=VALUE ...]: starts `BIN serve` on 127.0.0.1:PORT with those settings
# added to the environment, waits for /health, and sets `base` and `server_pid`. Fails if
# something else already answers on the port (it would be measured instead) or the server dies.
serve() {
    local bin="$1" port="$2"
    shift 2
    base="http://127.0.0.1:$port"
    ! curl -sf "$base/health" >/dev/null || { echo "port $port is taken: set PORT"; exit 1; }
    env "$@" CERTBODY_BIND="127.0.0.1:$port" "$bin" serve >"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do curl -sf "$base/health" >/dev/null && break; sleep 0.1; done
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
}

# need COMMAND: installs Debian's package of that name when the command is missing.
need() {
    command -v "$1" >/dev/null || {
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
    }
}

# serve_application PORT: exports the benchmarks' settings (SQLite in $work unless
# DATABASE_URL is set), serves the release build on PORT and drafts the application the
# read benchmarks measure (`draft_application`).
serve_application() {
    export DATABASE_URL="${DATABASE_URL:-$work/bench.db}"
    export CERTBODY_JWT_SECRET="bench-secret-0123456789-abcdefghijklmnop"
    export CERTBODY_MAIL_DIR="$work/mail"
    export CERTBODY_LOG_FORMAT=json RUST_LOG=warn
    serve ./target/release/certbody "$1"
    draft_application
}

# draft_application: registers an applicant on $base and drafts one application with three
# sites (the authenticated read the benchmarks measure); sets `token` and `id`.
draft_application() {
    json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
    post() { curl -sf -X POST "$base$1" -H 'Content-Type: application/json' ${3:+-H "Authorization: Bearer $3"} -d "$2"; }
    site() { echo "{\"name\": \"$1\", \"street\": \"1 Road\", \"city\": \"Leeds\", \"postcode\": \"LS1\", \"country\": \"GB\", \"headcount\": $2, \"is_central\": $3}"; }
    local email="bench-$RANDOM@client.example"
    post /api/v1/auth/register "{\"organisation\": {\"legal_name\": \"Bench Hosting Ltd\", \"street\": \"1 Test Road\",
        \"city\": \"Leeds\", \"postcode\": \"LS1 1AA\", \"country\": \"GB\"}, \"email\": \"$email\",
        \"full_name\": \"Bench User\", \"password\": \"correct horse battery staple\"}" >/dev/null
    token=$(post /api/v1/auth/token "{\"email\": \"$email\", \"password\": \"correct horse battery staple\"}" | json "['access_token']")
    id=$(post /api/v1/applications "{\"standard_id\": \"std-iso-iec-20000-1-2018\",
        \"scope_statement\": \"Managed hosting services\", \"total_personnel\": 60, \"sector_codes\": [33],
        \"services_in_scope\": [\"Managed hosting\"], \"sites\": [$(site HQ 40 true), $(site North 10 false), $(site South 10 false)]}" \
        "$token" | json "['id']")
}
