#!/usr/bin/env bash
# bench/wrk_check.sh: load-tests GET /check with wrk against willitrun twice, with its response
# cache (the default) and with --check-cache 0 (every request computed fresh), and, as a
# yardstick, against nginx serving the same response bytes from a static file; prints req/s,
# p99 latency, both ratios and the server's memory. Loopback only, bounded duration; it builds
# nothing.
#
# Usage: bash bench/wrk_check.sh [BASE_URL]
#   BASE_URL   a running willitrun, e.g. http://127.0.0.1:8080 (set WILLITRUN_PID to its pid to
#              get its RSS); only that server is measured, with whatever --check-cache it runs.
#              Without it, the script starts WILLITRUN_BIN itself on free loopback ports with
#              temporary databases, once with the default cache and once with --check-cache 0,
#              and stops them at the end.
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
server_pids=()
nginx_pid=""
cleanup() {
    local pid
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    for pid in "${server_pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
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

# Start WILLITRUN_BIN with extra flags in directory $tmp/$1; sets started_pid and started_url.
start_server() {
    local dir="$tmp/$1"
    shift
    mkdir -p "$dir"
    "$BIN" --port 0 --port-file "$dir/port" --db "$dir/bench.db" --log-level warn "$@" &
    started_pid=$!
    server_pids+=("$started_pid")
    for _ in $(seq 1 600); do
        [ -s "$dir/port" ] && break
        sleep 0.1
    done
    [ -s "$dir/port" ] || { echo "wrk_check: willitrun wrote no port file" >&2; exit 1; }
    started_url="http://127.0.0.1:$(tr -d '[:space:]' <"$dir/port")"
    wait_ok "$started_url/readyz"
}

# "willitrun VmRSS: N kB" lines for pid, labelled.
print_rss() {
    if [ -n "$2" ] && [ -r "/proc/$2/status" ]; then
        awk -v l="$1" '/^VmRSS:|^VmHWM:/ {printf "%-34s %s %s %s\n", l, $1, $2, $3}' "/proc/$2/status"
    else
        echo "$1 RSS: unknown (set WILLITRUN_PID for a server this script did not start)"
    fi
}

# The /check cache counters of the server at url: "HITS MISSES".
cache_counts() {
    curl -fsS "$1/metrics" | awk '$1 == "willitrun_check_cache_hits_total" {h = $2}
        $1 == "willitrun_check_cache_misses_total" {m = $2} END {print (h == "" ? "?" : h), (m == "" ? "?" : m)}'
}

uncached=""
if [ $# -ge 1 ]; then
    base=${1%/}
    rss_pid=${WILLITRUN_PID:-}
    wait_ok "$base/readyz"
else
    [ -x "$BIN" ] || { echo "wrk_check: $BIN not found; build it first (bash scripts/serve builds it)" >&2; exit 1; }
    start_server cached
    base=$started_url
    rss_pid=$started_pid
    start_server uncached --check-cache 0
    uncached=$started_url
    uncached_pid=$started_pid
fi

# The exact bytes willitrun answers, served by nginx from a file.
mkdir -p "$tmp/www" "$tmp/logs"
curl -fsS -o "$tmp/www/check.json" "$base$QUERY"
chmod 0644 "$tmp/www/check.json"
if [ -n "$uncached" ]; then
    cmp -s "$tmp/www/check.json" <(curl -fsS "$uncached$QUERY") ||
        { echo "wrk_check: --check-cache 0 answers different bytes" >&2; exit 1; }
fi
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
if [ -n "$uncached" ]; then
    read -r wir_reqs wir_p99 < <(measure "$base$QUERY")
    read -r hits misses < <(cache_counts "$base")
    read -r unc_reqs unc_p99 < <(measure "$uncached$QUERY")
    read -r ngx_reqs ngx_p99 < <(measure "$nginx_url$QUERY")
    printf 'willitrun, cache on (default)   %12s req/s   p99 %s   (cache hits %s, misses %s)\n' \
        "$wir_reqs" "$wir_p99" "$hits" "$misses"
    printf 'willitrun, --check-cache 0      %12s req/s   p99 %s   (every request computed)\n' \
        "$unc_reqs" "$unc_p99"
    printf 'nginx static file               %12s req/s   p99 %s\n' "$ngx_reqs" "$ngx_p99"
    awk -v a="$wir_reqs" -v u="$unc_reqs" -v b="$ngx_reqs" 'BEGIN { if (b > 0) {
        printf "ratio willitrun/nginx, cache on (repeated question)      %.2f\n", a / b
        printf "ratio willitrun/nginx, --check-cache 0 (fresh question)  %.2f\n", u / b } }'
    print_rss "willitrun, cache on" "$rss_pid"
    print_rss "willitrun, --check-cache 0" "$uncached_pid"
else
    read -r wir_reqs wir_p99 < <(measure "$base$QUERY")
    read -r hits misses < <(cache_counts "$base")
    read -r ngx_reqs ngx_p99 < <(measure "$nginx_url$QUERY")
    printf 'willitrun at %s  %12s req/s   p99 %s   (cache hits %s, misses %s)\n' "$base" \
        "$wir_reqs" "$wir_p99" "$hits" "$misses"
    printf 'nginx static file  %12s req/s   p99 %s\n' "$ngx_reqs" "$ngx_p99"
    awk -v a="$wir_reqs" -v b="$ngx_reqs" 'BEGIN { if (b > 0) printf "ratio willitrun/nginx  %.2f\n", a / b }'
    print_rss "willitrun" "$rss_pid"
fi
