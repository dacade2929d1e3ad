#!/usr/bin/env bash
# bench/wrk_check.sh: load-tests GET /check with wrk against willitrun and, as a yardstick,
# against nginx serving the same response bytes from a static file; prints req/s, p99 latency,
# their ratio and the server's memory. Loopback only, bounded duration; it builds nothing.
#
# Usage: bash bench/wrk_check.sh [BASE_URL]
#   BASE_URL   a running willitrun, e.g. http://127.0.0.1:8080 (set WILLITRUN_PID to its pid to
#              get its RSS). Without it, the script starts build/willitrun itself on a free
#              loopback port with a temporary database and stops it at the end.
# Environment: DURATION (10s), THREADS (2), CONNECTIONS (64), WILLITRUN_BIN (build/willitrun).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
BIN=${WILLITRUN_BIN:-build/willitrun}
QUERY='/check?model=llama-3.1-8b-instruct&quant=Q4_K_M&context=8192&hardware=nvidia-rtx-4090'

for tool in wrk nginx curl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "wrk_check: $tool is not installed" >&2; exit 1; }
done

tmp=$(mktemp -d)
chmod 0755 "$tmp" # nginx workers may run as another user
server_pid=""
nginx_pid=""
cleanup() {
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# Wait (up to 60 s) until url answers 200.
wait_ok() {
    local i
    for i in $(seq 1 600); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "wrk_check: $1 did not answer in 60 s" >&2
    return 1
}

# A loopback port nothing listens on.
free_port() {
    local p
    for p in $(seq 20000 20999); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

if [ $# -ge 1 ]; then
    base=${1%/}
    server_pid=""
    rss_pid=${WILLITRUN_PID:-}
else
    [ -x "$BIN" ] || { echo "wrk_check: $BIN not found; build it first (bash scripts/serve builds it)" >&2; exit 1; }
    "$BIN" --port 0 --port-file "$tmp/port" --db "$tmp/bench.db" --log-level warn &
    server_pid=$!
    rss_pid=$server_pid
    for _ in $(seq 1 600); do
        [ -s "$tmp/port" ] && break
        sleep 0.1
    done
    [ -s "$tmp/port" ] || { echo "wrk_check: willitrun wrote no port file" >&2; exit 1; }
    base="http://127.0.0.1:$(tr -d '[:space:]' <"$tmp/port")"
fi
wait_ok "$base/readyz"

# The exact bytes willitrun answers, served by nginx from a file.
mkdir -p "$tmp/www" "$tmp/logs"
curl -fsS -o "$tmp/www/check.json" "$base$QUERY"
chmod 0644 "$tmp/www/check.json"
nginx_port=$(free_port)
cat >"$tmp/nginx.conf" <<CONF
daemon off;
worker_processes $THREADS;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    default_type application/json;
    server {
        listen 127.0.0.1:$nginx_port;
        root $tmp/www;
        location = /check { try_files /check.json =404; }
    }
}
CONF
nginx -p "$tmp" -c "$tmp/nginx.conf" &
nginx_pid=$!
nginx_url="http://127.0.0.1:$nginx_port"
wait_ok "$nginx_url$QUERY"
cmp -s "$tmp/www/check.json" <(curl -fsS "$nginx_url$QUERY") ||
    { echo "wrk_check: nginx does not serve the same bytes" >&2; exit 1; }

# Run wrk against url; prints "REQS P99".
measure() {
    local out reqs p99
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 2s --latency "$1")
    reqs=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    if grep -q 'Non-2xx' <<<"$out"; then
        echo "wrk_check: non-2xx answers from $1" >&2
        grep 'Non-2xx' <<<"$out" >&2
    fi
    echo "${reqs:-0} ${p99:-?}"
}

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION  GET $QUERY"
read -r wir_reqs wir_p99 < <(measure "$base$QUERY")
read -r ngx_reqs ngx_p99 < <(measure "$nginx_url$QUERY")
printf 'willitrun          %12s req/s   p99 %s\n' "$wir_reqs" "$wir_p99"
printf 'nginx static file  %12s req/s   p99 %s\n' "$ngx_reqs" "$ngx_p99"
awk -v a="$wir_reqs" -v b="$ngx_reqs" 'BEGIN { if (b > 0) printf "ratio willitrun/nginx  %.2f\n", a / b }'
if [ -n "$rss_pid" ] && [ -r "/proc/$rss_pid/status" ]; then
    awk '/^VmRSS:|^VmHWM:/ {printf "willitrun %s %s %s\n", $1, $2, $3}' "/proc/$rss_pid/status"
else
    echo "willitrun RSS: unknown (set WILLITRUN_PID for a server this script did not start)"
fi
