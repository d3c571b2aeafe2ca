# Sourced by the scripts that run the service on loopback. Gives them `work`, a temporary
# folder removed on exit together with the server (and `drop_database`, a PostgreSQL
# database on the server of $DATABASE_URL, when set), and `serve`.
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
