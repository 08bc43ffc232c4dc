#!/usr/bin/env bash
# The README's second command: set up and run every test three times: in
# the normal build, under AddressSanitizer + UndefinedBehaviorSanitizer, and
# under ThreadSanitizer (a Clang build that also checks the lock annotations);
# every benchmark once at a tiny size (bench/smoke.sh);
# then each libFuzzer target of fuzz/ for 14 seconds (built in build-asan).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
scripts/setup.sh --tests --sanitize
scripts/setup.sh --tests --tsan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "== tests (RelWithDebInfo)"
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 300
echo "== benchmarks, once each at a tiny size (a benchmark that breaks fails here; no timing is checked)"
bench/smoke.sh
echo "== tests (ASan + UBSan)"
ARSHJUL_SANITIZED=1 ctest --test-dir build-asan --output-on-failure -j"$(nproc)" --timeout 600
echo "== tests (ThreadSanitizer)"
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ARSHJUL_SANITIZED=1 \
  ctest --test-dir build-tsan --output-on-failure -j"$(nproc)" --timeout 600
echo "== fuzz (libFuzzer + ASan + UBSan)"
scripts/fuzz.sh 14  # five targets: about 85 s in all
