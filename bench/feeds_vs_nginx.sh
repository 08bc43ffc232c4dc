#!/usr/bin/env bash
# Feed serving against nginx serving the same bytes as a static file, side by side.
# Targets (issue #4): >= 80 % of nginx's requests/s for full responses, >= 90 % for
# 304 revalidations, p99 < 5 ms at 16 connections; gzip (issue 15): >= 80 % of
# nginx's gzip_static on the same bytes.
#   bench/feeds_vs_nginx.sh [DURATION_SECONDS=10]
# Needs a built build/arshjul; installs wrk and nginx-light if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
source bench/lib.sh
need_packages wrk nginx-light bc curl
work=$(mktemp -d)
chmod 755 "$work"  # nginx's workers run as www-data: a private temp dir would give them 403s
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
bin=build/arshjul
cfg=config/roros

# The leader whose two-year feed is closest to 100 KB.
best= best_size=0
for id in $(awk '/^\[\[person\]\]/{p=1} p && /^id = /{gsub(/"/,"",$3); id=$3} p && /roles = .*"leader"/{print id; p=0}' $cfg/people.toml); do
  out=$($bin subscribe --config $cfg --db "$work/a.db" --person "$id" --base-url http://127.0.0.1:18181)
  tok=$(awk '/^token:/{print $2}' <<<"$out")
  echo "$id $tok" >> "$work/tokens"
done
$bin serve --config $cfg --db "$work/a.db" --listen 127.0.0.1:18181 --threads 2 > "$work/arshjul.log" 2>&1 &
echo $! > "$work/arshjul.pid"
for _ in $(seq 50); do curl -sf http://127.0.0.1:18181/healthz >/dev/null && break; sleep 0.1; done
while read -r id tok; do
  size=$(curl -s http://127.0.0.1:18181/feeds/$tok.ics | wc -c)
  if [[ -z "$best" ]] || (( (size - 100000) ** 2 < (best_size - 100000) ** 2 )); then best=$tok best_size=$size best_id=$id; fi
done < "$work/tokens"
curl -s http://127.0.0.1:18181/feeds/$best.ics > "$work/feed.ics"
events=$(grep -c '^BEGIN:VEVENT' "$work/feed.ics")
etag=$(curl -sI http://127.0.0.1:18181/feeds/$best.ics | awk -F': ' 'tolower($1)=="etag"{print $2}' | tr -d '\r')

mkdir -p "$work/www"
cp "$work/feed.ics" "$work/www/feed.ics"
# nginx's gzip_static serves a .gz made beside the file, as arshjul keeps its gzip beside the body.
gzip -6 -k -n "$work/www/feed.ics"
cat > "$work/nginx.conf" <<NGX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log $work/nginx-access.log;
  types { text/calendar ics; }
  server { listen 127.0.0.1:18182; root $work/www; sendfile off; }  # nginx's built-in default
  server { listen 127.0.0.1:18183; root $work/www; sendfile on; }   # as Debian's nginx.conf ships
  server { listen 127.0.0.1:18184; root $work/www; sendfile on; gzip_static on; gzip_vary on; }
}
NGX
nginx -c "$work/nginx.conf"
sleep 0.5
nginx_etag=$(curl -sI http://127.0.0.1:18182/feed.ics | awk -F': ' 'tolower($1)=="etag"{print $2}' | tr -d '\r')
# Both must serve the same bytes with 200, and 304 to their own ETag, or the comparison is void.
cmp -s <(curl -s http://127.0.0.1:18182/feed.ics) "$work/feed.ics" || { echo "nginx does not serve the feed" >&2; exit 1; }
# With Accept-Encoding: gzip both must send gzip that decompresses to the feed.
for u in "http://127.0.0.1:18181/feeds/$best.ics" "http://127.0.0.1:18184/feed.ics"; do
  enc=$(curl -sI -H "Accept-Encoding: gzip" "$u" | awk -F': ' 'tolower($1)=="content-encoding"{print $2}' | tr -d '\r')
  [[ $enc == gzip ]] || { echo "$u does not send gzip" >&2; exit 1; }
  cmp -s <(curl -s -H "Accept-Encoding: gzip" "$u" | gunzip) "$work/feed.ics" || { echo "$u's gzip is not the feed" >&2; exit 1; }
done
for probe in "http://127.0.0.1:18181/feeds/$best.ics|$etag" "http://127.0.0.1:18182/feed.ics|$nginx_etag"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: ${probe#*|}" "${probe%%|*}")
  [[ $code == 304 ]] || { echo "${probe%%|*} answers $code, not 304, to its own ETag" >&2; exit 1; }
done

run() {  # URL [header] → "rps p99_ms"
  local out
  if [[ -n "${2:-}" ]]; then out=$(wrk -t2 -c16 -d"${duration}s" --latency -H "$2" "$1"); else out=$(wrk -t2 -c16 -d"${duration}s" --latency "$1"); fi
  if grep -q "Non-2xx" <<<"$out"; then echo "wrk saw error responses from $1:" >&2; echo "$out" >&2; exit 1; fi
  local rps p99
  rps=$(awk '/^Requests\/sec:/{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  echo "$rps $p99"
}
echo "feed: $best_id, $events events, $best_size bytes; wrk -t2 -c16 -d${duration}s on this $(nproc)-core machine"
read -r a_full a_full_p99 < <(run "http://127.0.0.1:18181/feeds/$best.ics")
read -r n_full n_full_p99 < <(run "http://127.0.0.1:18182/feed.ics")
read -r s_full s_full_p99 < <(run "http://127.0.0.1:18183/feed.ics")
read -r a_gz a_gz_p99 < <(run "http://127.0.0.1:18181/feeds/$best.ics" "Accept-Encoding: gzip")
read -r g_gz g_gz_p99 < <(run "http://127.0.0.1:18184/feed.ics" "Accept-Encoding: gzip")
read -r a_304 a_304_p99 < <(run "http://127.0.0.1:18181/feeds/$best.ics" "If-None-Match: $etag")
read -r n_304 n_304_p99 < <(run "http://127.0.0.1:18182/feed.ics" "If-None-Match: $nginx_etag")
row() {  # label arshjul_rps arshjul_p99 nginx_rps nginx_p99
  printf "%-34s %12.0f %12.0f %8.0f%% %10.2f %8.2f\n" "$1" "$2" "$4" "$(echo "100*$2/$4" | bc -l)" "$3" "$5"
}
printf "%-34s %12s %12s %9s %10s %8s\n" "" "arshjul rps" "nginx rps" "ratio" "p99 ms" "(nginx)"
row "full 200 (nginx sendfile off)" "$a_full" "$a_full_p99" "$n_full" "$n_full_p99"
row "full 200 (nginx sendfile on)" "$a_full" "$a_full_p99" "$s_full" "$s_full_p99"
row "304 revalidations" "$a_304" "$a_304_p99" "$n_304" "$n_304_p99"
row "gzip 200 (nginx gzip_static)" "$a_gz" "$a_gz_p99" "$g_gz" "$g_gz_p99"
