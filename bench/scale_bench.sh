#!/usr/bin/env bash
# The largest municipality: a roster of PEOPLE (50,000 by default), every
# person subscribed to their own feed, measured side by side in one run:
#   - the roster's import (CLI) and the daemon's start to /healthz;
#   - every person's feed fetched once (cold), then once more (warm);
#   - what one person change (PUT /api/v1/people/ID, a new name) costs here
#     against the same change on Røros' own 39-person roster, in a second
#     daemon started beside it: the ratio should follow the change, not the
#     roster;
#   - feed throughput over all subscriptions, idle and while a change
#     streams in every 100 ms, and its p99 latency;
#   - the daemon's memory with everything fetched, against the feed cache's
#     bound plus its idle size.
# Prints a table and the ratios; asserts no timing (the README records runs).
#   bench/scale_bench.sh [PEOPLE=50000] [DURATION_SECONDS=10] [CACHE_MB=256]
# Needs a built build/arshjul (ARSHJUL_BIN=path for another binary; SERVE_BIN
# runs another daemon on the same setup, e.g. an earlier build); installs
# wrk, h2load (nghttp2-client) and curl if missing. The roster is bench/people_csv.py's (a tenth are
# hires starting from tomorrow) imported into config/roros's people.
set -euo pipefail
cd "$(dirname "$0")/.."
people=${1:-50000} duration=${2:-10} cache_mb=${3:-256}
bin=${ARSHJUL_BIN:-build/arshjul}
serve_bin=${SERVE_BIN:-$bin}
[[ -x $bin ]] || { echo "$bin: not built (or set ARSHJUL_BIN)" >&2; exit 1; }
[[ -x $serve_bin ]] || { echo "$serve_bin: not built" >&2; exit 1; }
source bench/lib.sh
need_packages wrk curl nghttp2-client
work=$(mktemp -d)
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
cfg=config/roros
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
rss_mb() { awk -v k="$2:" '$1 == k {printf "%.0f", $2 / 1024}' /proc/"$1"/status; }

# Starts `serve` on DB at a free port; sets $port and $pid of daemon NAME, and
# $start_s (seconds from exec to the first /healthz answer).
start_daemon() {  # NAME DB
  port=$(free_port)
  local t0; t0=$(date +%s.%N)
  "$serve_bin" serve --config $cfg --db "$2" --listen "127.0.0.1:$port" --threads 2 --feed-cache-mb "$cache_mb" \
    > "$work/$1.log" 2>&1 &
  echo $! > "$work/$1.pid"
  pid=$(cat "$work/$1.pid")
  for _ in $(seq 6000); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.01; done
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { echo "$1 did not answer /healthz in 60 s:" >&2; cat "$work/$1.log" >&2; exit 1; }
  start_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
}

# ---- the large roster --------------------------------------------------------------------
start=$(TZ=Europe/Oslo date -d tomorrow +%F)
/usr/bin/python3 bench/people_csv.py --people "$people" --hires $((people / 10)) --start "$start" \
  --units-from $cfg/arshjul.toml > "$work/people.csv"
db=$work/large.db
/usr/bin/time -f "%e %M" -o "$work/import.time" "$bin" import people "$work/people.csv" --config $cfg --db "$db" > "$work/import.out"
grep -q "^added $people," "$work/import.out" || { echo "import: $(head -1 "$work/import.out")" >&2; exit 1; }
read -r import_s import_kb < "$work/import.time"
hr_token=$("$bin" token create --role hr --name bench --db "$db" 2>/dev/null)
# The last CSV person who is not a new hire: the one whose name changes.
person=$(awk -F, -v s="$start" 'NR > 1 && $8 < s { id = $1 } END { print id }' "$work/people.csv")

start_daemon large "$db"
large_port=$port large_pid=$pid large_start_s=$start_s
# Idle: settled, its first tick past (which hands back what the first
# build freed), before any feed is asked for.
sleep 2
idle_mb=$(rss_mb "$large_pid" VmRSS)
# Every person's own feed (public_url is the daemon's, set at its start).
"$bin" subscribe --everyone --config $cfg --db "$db" > "$work/everyone.csv"
awk -F, 'NR > 1 && $4 != "" { sub(/^https?:\/\/[^\/]*/, "", $4); print $4 }' "$work/everyone.csv" > "$work/paths"
subs=$(wc -l < "$work/paths")
(( subs >= people )) || { echo "subscribe --everyone gave $subs feeds for $people people" >&2; exit 1; }
# The daemon sees the new subscriptions on its next tick (another process wrote them).
for _ in $(seq 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$large_port$(tail -1 "$work/paths")")
  [[ $code == 200 ]] && break
  sleep 0.1
done
[[ $code == 200 ]] || { echo "the last subscription's feed answers $code" >&2; exit 1; }

# wrk going round every path for a duration. One RESULT line: requests,
# seconds, p50/p99/max latency in µs, error counts.
cat > "$work/paths.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local threads, next_id = 2, 0
function setup(thread) thread:set("id", next_id); next_id = next_id + 1 end
function init(args) n = 0 end
function request()
  local i = (id + n * threads) % #paths + 1
  n = n + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %.6f %d %d %d %d %d %d %d %d\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
LUA
run_wrk() {  # SECONDS → "rps p50_ms p99_ms max_ms requests"
  local out r
  out=$(BENCH_PATHS=$work/paths wrk -t2 -c16 -d"$1s" --timeout 60s -s "$work/paths.lua" "http://127.0.0.1:$large_port")
  r=$(grep '^RESULT ' <<<"$out") || { echo "wrk printed no result:" >&2; echo "$out" >&2; exit 1; }
  read -r _ n secs p50 p99 max e_conn e_read e_write e_status e_timeout <<<"$r"
  if (( e_status > 0 )); then echo "wrk saw $e_status error responses:" >&2; echo "$out" >&2; exit 1; fi
  if (( e_conn + e_read + e_write + e_timeout > 0 )); then
    echo "note: wrk socket errors: connect $e_conn, read $e_read, write $e_write, timeout $e_timeout" >&2
  fi
  awk -v n="$n" -v s="$secs" -v a="$p50" -v b="$p99" -v c="$max" 'BEGIN { printf "%.1f %.2f %.2f %.2f %d\n", n / s, a / 1000, b / 1000, c / 1000, n }'
}
# Every path exactly once, 16 connections: wrk cannot stop after a count, so
# h2load, one client per slice of the paths (h2load's clients each start at
# its list's top). → "rps mean_ms" over the whole pass.
sed "s|^|http://127.0.0.1:$large_port|" "$work/paths" > "$work/urls"
split -n r/16 -d "$work/urls" "$work/slice."
run_pass() {
  local t0 t1 f
  t0=$(date +%s.%N)
  for f in "$work"/slice.[0-9][0-9]; do
    h2load --h1 -n "$(wc -l < "$f")" -c 1 -t 1 -i "$f" > "$f.out" 2>&1 &
  done
  wait
  t1=$(date +%s.%N)
  for f in "$work"/slice.[0-9][0-9].out; do
    grep -q "status codes: [0-9]* 2xx, 0 3xx, 0 4xx, 0 5xx" "$f" || { echo "h2load saw errors ($f, first URL $(head -1 "${f%.out}")):" >&2; cat "$f" >&2; exit 1; }
  done
  cat "$work"/slice.[0-9][0-9].out | awk -v n="$subs" -v s="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" '
    /^time for request:/ { v = $5; u = substr(v, length(v) - 1); sub(/[mu]?s$/, "", v); ms += (u == "us" ? v / 1000 : u == "ms" ? v : v * 1000); k++ }
    END { printf "%.1f %.2f\n", n / s, ms / k }'
}
metric() { curl -s "http://127.0.0.1:$large_port/metrics" | awk -v m="$1" '$1 == m { printf "%.0f", $2 }'; }

read -r cold_rps cold_mean < <(run_pass)
cold_mb=$(rss_mb "$large_pid" VmRSS)
cache_bytes=$(metric arshjul_feed_cache_bytes)
read -r warm_rps warm_mean < <(run_pass)

# ---- one change, here and on Røros' own roster -------------------------------------------
puts=30
/usr/bin/python3 bench/put_loop.py "$large_port" "$hr_token" "$person" 300 "$puts" > "$work/put_large.out"
read -r ok_large failed_large put_large_p50 _ _ < "$work/put_large.out"
small_db=$work/small.db
"$bin" sync $cfg --db "$small_db" > /dev/null
small_token=$("$bin" token create --role hr --name bench --db "$small_db" 2>/dev/null)
start_daemon small "$small_db"
/usr/bin/python3 bench/put_loop.py "$port" "$small_token" jon-olav-hessen 300 "$puts" > "$work/put_small.out"
read -r ok_small failed_small put_small_p50 _ _ < "$work/put_small.out"
kill "$pid"; wait "$pid" 2>/dev/null || true; rm -f "$work/small.pid"

# ---- feeds while changes stream in -------------------------------------------------------
read -r idle_rps idle_p50 idle_p99 idle_max _ < <(run_wrk "$duration")
/usr/bin/python3 bench/put_loop.py "$large_port" "$hr_token" "$person" "$duration" 100000 0.1 \
  > "$work/stream.out" 2> "$work/stream.err" &
echo $! > "$work/stream.pid"
read -r w_rps w_p50 w_p99 w_max _ < <(run_wrk "$duration")
wait "$(cat "$work/stream.pid")" || { echo "the change stream failed:" >&2; cat "$work/stream.err" >&2; exit 1; }
rm -f "$work/stream.pid"
read -r ok_stream failed_stream stream_p50 stream_p99 _ < "$work/stream.out"
kill -0 "$large_pid" 2>/dev/null || { echo "the daemon died:" >&2; tail -20 "$work/large.log" >&2; exit 1; }
end_mb=$(rss_mb "$large_pid" VmRSS)
hwm_mb=$(rss_mb "$large_pid" VmHWM)

echo "roster: $people people imported into $cfg, $subs feed subscriptions (one each); feed cache bound $cache_mb MB"
echo "passes: h2load, 16 connections; idle and under changes: wrk -t2 -c16 over every feed for ${duration}s; one PUT every 100 ms"
echo "on this $(nproc)-core machine (daemon: $serve_bin)"
printf "%-44s %s\n" "what" "measured"
printf "%-44s %s s, %s MB\n" "import of the roster (CLI)" "$import_s" "$((import_kb / 1024))"
printf "%-44s %s s, %s MB\n" "daemon start to /healthz" "$large_start_s" "$idle_mb"
printf "%-44s %.0f req/s, mean %s ms, RSS %s MB (cache %s MB)\n" "every feed once (cold)" "$cold_rps" "$cold_mean" "$cold_mb" "$((cache_bytes / 1048576))"
printf "%-44s %.0f req/s, mean %s ms\n" "the same feeds again (warm)" "$warm_rps" "$warm_mean"
printf "%-44s %s ms (p50 of %s)\n" "one PUT /api/v1/people/ID, $people people" "$put_large_p50" "$puts"
printf "%-44s %s ms (p50 of %s)\n" "the same PUT on Røros' 39 people" "$put_small_p50" "$puts"
printf "%-44s %.0f req/s, p99 %s ms\n" "feeds, idle (${duration}s over all)" "$idle_rps" "$idle_p99"
printf "%-44s %.0f req/s, p99 %s ms; %s PUTs, p50 %s ms\n" "feeds while a change streams in" "$w_rps" "$w_p99" "$ok_stream" "$stream_p50"
printf "%-44s %s MB now, %s MB at most (VmHWM)\n" "daemon memory, everything fetched" "$end_mb" "$hwm_mb"
echo "ratios (targets in issue 15):"
awk -v a="$put_large_p50" -v b="$put_small_p50" 'BEGIN { printf "  one change, %s people / Røros: %.1f (target at most 3)\n", "'"$people"'", a / b }'
awk -v w="$w_rps" -v i="$idle_rps" 'BEGIN { printf "  feed req/s under the change stream / idle: %.2f (target at least 0.8)\n", w / i }'
awk -v p="$w_p99" 'BEGIN { printf "  feed p99 under the change stream: %s ms (target under 10)\n", p }'
awk -v m="$hwm_mb" -v c="$cache_mb" -v i="$idle_mb" 'BEGIN { printf "  memory / (cache bound + idle): %.2f (target at most 1.2)\n", m / (c + i) }'
failed=$((failed_large + failed_small + failed_stream))
if (( failed > 0 )); then
  echo "!!!!! $failed PUTs DID NOT ANSWER 200: THIS RUN IS NOT VALID !!!!!" >&2
  cat "$work/stream.err" >&2
  exit 1
fi
