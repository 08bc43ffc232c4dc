#!/usr/bin/env bash
# Delivery throughput: 10,000 messages due at once, to nginx answering 204.
# Target (issue #5): >= 2,000 deliveries/s on the 2-core machine, flat memory;
# records the p50/p99 from due time to delivery.
#   bench/webhooks_bench.sh [MESSAGES=10000]
# Needs a built build/arshjul; installs nginx-light if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
source bench/lib.sh
need_packages nginx-light
work=$(mktemp -d)
chmod 755 "$work"
trap 'kill $(cat "$work"/arshjul.pid 2>/dev/null) 2>/dev/null || true; nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"' EXIT

cat > "$work/nginx.conf" <<NGX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  log_format t '\$msec \$http_webhook_id \$connection';
  access_log $work/deliveries.log t;
  server { listen 127.0.0.1:18281; location / { return 204; } }
}
NGX
nginx -c "$work/nginx.conf"

# Røros with n extra hovedtillitsvalgte: the early notice of the next central
# meeting (already due: sent late) is n messages due at the same moment.
cp -r config/roros "$work/config"
for i in $(seq 1 "$n"); do
  printf '\n[[person]]\nid = "htv-%d"\nname = "Tillitsvalgt %d"\nroles = ["hovedtillitsvalgt"]\nunion = "Fagforbundet"\n' "$i" "$i"
done >> "$work/config/people.toml"
secret="whsec_$(head -c 24 /dev/urandom | base64)"
start_clock="2027-03-01T07:00:00+01:00"
t0=$(date +%s.%N)
build/arshjul serve --config "$work/config" --db "$work/a.db" --listen 127.0.0.1:0 \
  --hook http://127.0.0.1:18281/hook --hook-secret "$secret" --clock "$start_clock" > "$work/arshjul.log" 2>&1 &
echo $! > "$work/arshjul.pid"
pid=$(cat "$work/arshjul.pid")
until grep -q "arshjul serving" "$work/arshjul.log"; do sleep 0.05; done
t_ready=$(date +%s.%N)
rss_max=$(awk '/VmRSS/{print $2}' /proc/$pid/status) rss_samples=("$rss_max")
while (( $(wc -l < "$work/deliveries.log") < n )); do
  rss=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
  rss_samples+=("$rss")
  (( rss > rss_max )) && rss_max=$rss
  sleep 0.2
  if (( $(echo "$(date +%s.%N) - $t_ready > 120" | bc) )); then echo "gave up after 120 s" >&2; break; fi
done
delivered=$(wc -l < "$work/deliveries.log")
first=$(head -1 "$work/deliveries.log" | cut -d' ' -f1)
last=$(sort -n "$work/deliveries.log" | tail -1 | cut -d' ' -f1)
# All are due when the daemon is ready, so due-to-delivery is delivery - ready.
# A small run can be delivered before the 50 ms poll sees the ready line: then
# the first delivery is the nearest bound on when the daemon was ready.
t_ready=$(echo "if ($first < $t_ready) $first else $t_ready" | bc -l)
rate=$(echo "$delivered / ($last - $t_ready)" | bc -l)
read -r p50 p99 < <(cut -d' ' -f1 "$work/deliveries.log" | sort -n | awk -v t="$t_ready" '{a[NR]=$1-t} END {print a[int(NR*0.5)], a[int(NR*0.99)]}')
echo "messages: $delivered of $n delivered (nginx answering 204) over $(cut -d' ' -f3 "$work/deliveries.log" | sort -u | wc -l) connections, startup incl. planning $(echo "$t_ready - $t0" | bc -l | cut -c1-5) s"
printf "throughput: %.0f deliveries/s (target >= 2000)\n" "$rate"
printf "due to delivery: p50 %.2f s, p99 %.2f s\n" "$p50" "$p99"
echo "memory: VmRSS $(( ${rss_samples[0]:-0} / 1024 )) MB at the start of the burst, max $(( rss_max / 1024 )) MB, $(( ${rss_samples[-1]:-0} / 1024 )) MB at the end"
