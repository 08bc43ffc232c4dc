#!/usr/bin/env bash
# Runs every libFuzzer target of build-asan (scripts/setup.sh --sanitize), or
# of build-fuzz (scripts/setup.sh --fuzz) when ARSHJUL_FUZZ_BUILD says so, for a
# bounded time on a copy of its corpus, so the run never writes into the
# repository. Fails if any target finds a crash, a leak, a hang or a broken
# promise, and prints where the reproducer is.
#   scripts/fuzz.sh [SECONDS_PER_TARGET=15] [TARGET...]
# One target, longer, keeping what it finds in the repository's corpus:
#   build-asan/fuzz/fuzz_api -dict=fuzz/fuzz_api.dict -max_total_time=600 fuzz/corpus/fuzz_api
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-15}
shift || true
targets=("$@")
(( ${#targets[@]} )) || targets=(fuzz_config fuzz_people_csv fuzz_time fuzz_api fuzz_http)

build=${ARSHJUL_FUZZ_BUILD:-build-asan}
work=$build/fuzz-run
passed=0 failed=0
for t in "${targets[@]}"; do
  bin=$build/fuzz/$t
  if [[ ! -x $bin ]]; then
    echo "fuzz: $t: $bin is missing; run scripts/setup.sh --sanitize" >&2
    failed=$((failed + 1)); continue
  fi
  rm -rf "$work/$t" && mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  cp fuzz/corpus/"$t"/* "$work/$t/corpus/"
  args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
        -artifact_prefix="$work/$t/artifacts/")
  [[ -f fuzz/$t.dict ]] && args+=(-dict="fuzz/$t.dict")
  echo "== fuzz: $t for ${seconds}s"
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     "$bin" "${args[@]}" "$work/$t/corpus" >"$work/$t/log" 2>&1; then
    passed=$((passed + 1))
    grep -E "^stat::number_of_executed_units|^Done" "$work/$t/log" | tr '\n' ' '; echo
  else
    failed=$((failed + 1))
    tail -n 60 "$work/$t/log"
    for a in "$work/$t"/artifacts/*; do
      [[ -e $a ]] && echo "fuzz: $t FAILED; reproduce with: $bin $a"
    done
  fi
done
echo "fuzz: $passed passed, $failed failed"
(( failed == 0 ))
