#!/usr/bin/env bash
# The README's second command: set up and run every test, once in the
# normal build and once under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
scripts/setup.sh --tests --sanitize
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "== tests (RelWithDebInfo)"
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 300
echo "== tests (ASan + UBSan)"
ARSHJUL_SANITIZED=1 ctest --test-dir build-asan --output-on-failure -j"$(nproc)" --timeout 600
