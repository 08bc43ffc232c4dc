#!/usr/bin/env bash
# Feed serving while HR writes stream in: one leader's feed under wrk, first
# idle, then while PUT /api/v1/people/ID requests arrive one after another on
# a daemon holding a 50,000-person roster (each PUT rebuilds the daemon's
# view of the roster). Prints both phases side by side and the ratio of feed
# requests/s under writes to idle, so a rebuild that stalls the io threads
# shows as a drop. Measures; asserts no timing.
#   bench/feeds_under_writes.sh [DURATION_SECONDS=10] [PEOPLE=50000] [HIRES=5000]
# DURATION is per phase. Needs a built build/arshjul (ARSHJUL_BIN=path for
# another binary); installs wrk and curl if missing.
#
# The roster is bench/people_csv.py's (as bench/import_bench.sh makes it:
# hires start during the year from tomorrow) imported into config/roros's
# people. The feed is the config's leader whose feed is closest to 100 KB,
# as bench/feeds_vs_nginx.sh picks it. The writer GETs the last CSV person
# who is not a new hire and PUTs them back with another name each time,
# waiting for each answer; it stops after DURATION seconds (or 100,000 PUTs),
# each PUT given at most 120 s. wrk runs with --timeout 60s so a stalled feed request counts in the
# latency instead of vanishing as a wrk timeout. Every PUT must answer 200:
# a run with a failed PUT says so and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10} people=${2:-50000} hires=${3:-5000}
bin=${ARSHJUL_BIN:-build/arshjul}
[[ -x $bin ]] || { echo "$bin: not built (or set ARSHJUL_BIN)" >&2; exit 1; }
source bench/lib.sh
need_packages wrk curl
work=$(mktemp -d)
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
cfg=config/roros
db=$work/a.db
# A free loopback port (the machine is shared: a fixed one may be taken).
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port

# The roster, the HR token, and a subscription for each of the config's leaders.
start=$(TZ=Europe/Oslo date -d tomorrow +%F)
/usr/bin/python3 bench/people_csv.py --people "$people" --hires "$hires" --start "$start" \
  --units-from $cfg/arshjul.toml > "$work/people.csv"
"$bin" import people "$work/people.csv" --config $cfg --db "$db" > "$work/import.out"
grep -q "^added $people," "$work/import.out" || { echo "import: $(head -1 "$work/import.out")" >&2; exit 1; }
hr_token=$("$bin" token create --role hr --name bench --db "$db" 2> "$work/token.err")
[[ -n $hr_token ]] || { echo "token create printed nothing" >&2; exit 1; }
# The last CSV person who is not a new hire (start date before tomorrow, or none).
person=$(awk -F, -v s="$start" 'NR > 1 && $8 < s { id = $1 } END { print id }' "$work/people.csv")
for id in $(awk '/^\[\[person\]\]/{p=1} p && /^id = /{gsub(/"/,"",$3); id=$3} p && /roles = .*"leader"/{print id; p=0}' $cfg/people.toml); do
  out=$("$bin" subscribe --config $cfg --db "$db" --person "$id" --base-url "$base")
  echo "$id $(awk '/^token:/{print $2}' <<<"$out")" >> "$work/tokens"
done

"$bin" serve --config $cfg --db "$db" --listen "127.0.0.1:$port" --threads 2 > "$work/arshjul.log" 2>&1 &
echo $! > "$work/arshjul.pid"
pid=$(cat "$work/arshjul.pid")
for _ in $(seq 600); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "$base/healthz" >/dev/null || { echo "the daemon did not answer /healthz in 60 s:" >&2; cat "$work/arshjul.log" >&2; exit 1; }

best= best_size=0
while read -r id tok; do
  size=$(curl -s "$base/feeds/$tok.ics" | wc -c)
  if [[ -z "$best" ]] || (( (size - 100000) ** 2 < (best_size - 100000) ** 2 )); then best=$tok best_size=$size best_id=$id; fi
done < "$work/tokens"
feed=$base/feeds/$best.ics
code=$(curl -s -o "$work/feed.ics" -w '%{http_code}' "$feed")
[[ $code == 200 ]] || { echo "$feed answers $code" >&2; exit 1; }
events=$(grep -c '^BEGIN:VEVENT' "$work/feed.ics" || true)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $hr_token" "$base/api/v1/people/$person")
[[ $code == 200 ]] || { echo "GET /api/v1/people/$person answers $code" >&2; exit 1; }

# wrk prints one line: requests, seconds, p50/p99/max latency in µs, then its error counts.
cat > "$work/stats.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %.6f %d %d %d %d %d %d %d %d\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
LUA


run_wrk() {  # → "rps p50_ms p99_ms max_ms"
  local out r
  out=$(wrk -t2 -c16 -d"${duration}s" --timeout 60s -s "$work/stats.lua" "$feed")
  r=$(grep '^RESULT ' <<<"$out") || { echo "wrk printed no result:" >&2; echo "$out" >&2; exit 1; }
  read -r _ n secs p50 p99 max e_conn e_read e_write e_status e_timeout <<<"$r"
  if (( e_status > 0 )); then echo "wrk saw $e_status error responses from $feed:" >&2; echo "$out" >&2; exit 1; fi
  if (( e_conn + e_read + e_write + e_timeout > 0 )); then
    echo "note: wrk socket errors: connect $e_conn, read $e_read, write $e_write, timeout $e_timeout" >&2
  fi
  awk -v n="$n" -v s="$secs" -v a="$p50" -v b="$p99" -v c="$max" 'BEGIN { printf "%.1f %.2f %.2f %.2f\n", n / s, a / 1000, b / 1000, c / 1000 }'
}

echo "roster: $people people ($hires hires) imported into $cfg; feed: $best_id, $events events, $best_size bytes"
echo "writer: PUT /api/v1/people/$person one after another; wrk -t2 -c16 -d${duration}s per phase on this $(nproc)-core machine ($bin)"
read -r idle_rps idle_p50 idle_p99 idle_max < <(run_wrk)

timeout $((duration + 300)) /usr/bin/python3 bench/put_loop.py "$port" "$hr_token" "$person" "$duration" 100000 \
  > "$work/puts.out" 2> "$work/puts.err" &
echo $! > "$work/putloop.pid"
read -r w_rps w_p50 w_p99 w_max < <(run_wrk)
put_rc=0
wait "$(cat "$work/putloop.pid")" || put_rc=$?
rm -f "$work/putloop.pid"
kill -0 "$pid" 2>/dev/null || { echo "the daemon died:" >&2; tail -20 "$work/arshjul.log" >&2; exit 1; }
hwm=$(awk '/^VmHWM:/{printf "%.0f", $2 / 1024}' /proc/"$pid"/status)
if (( put_rc != 0 )) || [[ ! -s $work/puts.out ]]; then
  echo "THE PUT LOOP FAILED (exit $put_rc):" >&2; cat "$work/puts.err" >&2; exit 1
fi
read -r puts_ok puts_failed put_p50 put_p99 put_max < "$work/puts.out"

printf "%-14s %11s %8s %8s %9s %6s %11s\n" phase "feed req/s" "p50 ms" "p99 ms" "max ms" PUTs "PUT p50 ms"
printf "%-14s %11.0f %8.2f %8.2f %9.2f %6s %11s\n" idle "$idle_rps" "$idle_p50" "$idle_p99" "$idle_max" - -
printf "%-14s %11.0f %8.2f %8.2f %9.2f %6d %11.1f\n" "under writes" "$w_rps" "$w_p50" "$w_p99" "$w_max" "$puts_ok" "$put_p50"
awk -v w="$w_rps" -v i="$idle_rps" 'BEGIN { printf "feed req/s under writes / idle: %.3f (%.1f %%)\n", w / i, 100 * w / i }'
echo "PUTs: $puts_ok answered 200, $puts_failed failed; PUT latency p50 $put_p50 ms, p99 $put_p99 ms, max $put_max ms"
echo "daemon max RSS (VmHWM): $hwm MB"
if (( puts_failed > 0 )); then
  {
    echo "!!!!! $puts_failed OF $((puts_ok + puts_failed)) PUTs DID NOT ANSWER 200: THIS RUN IS NOT VALID !!!!!"
    cat "$work/puts.err"
  } >&2
  exit 1
fi
