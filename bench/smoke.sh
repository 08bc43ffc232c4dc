#!/usr/bin/env bash
# Every benchmark once, at a tiny size, so one that breaks (a config it no
# longer loads, a flag that moved) fails the test command. Figures printed
# here mean nothing; the README's come from full runs by hand.
#   bench/smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
run() {
  echo "== bench smoke: $*"
  if ! "$@" > /tmp/arshjul-bench-smoke.log 2>&1; then
    tail -20 /tmp/arshjul-bench-smoke.log
    echo "bench smoke: FAILED: $*" >&2
    exit 1
  fi
  tail -3 /tmp/arshjul-bench-smoke.log
}
run build/bench/bench_expand config/roros --smoke
run build/bench/bench_expand config/midt-telemark --smoke
run bench/import_bench.sh 1 300 30
run bench/feeds_vs_nginx.sh 1
run bench/webhooks_bench.sh 200
run bench/feeds_under_writes.sh 1 300 30
run bench/scale_bench.sh 300 1 16
echo "bench smoke: every benchmark ran"
