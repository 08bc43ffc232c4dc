"""What every end-to-end test script shares: checks that print as they pass
and stop at the first failure with the daemon's log tail, and the closing
line ctest reads ("N passed, 0 failed")."""
import os
import sys


class Checks:
    def __init__(self):
        self.passed = 0
        self.log_path = None  # the daemon's log, shown when a check fails

    def __call__(self, cond, what):
        if not cond:
            print(f"FAILED: {what}")
            if self.log_path and os.path.exists(self.log_path):
                print("--- daemon log (tail) ---")
                print("".join(open(self.log_path, encoding="utf-8").readlines()[-25:]))
            sys.exit(1)
        self.passed += 1
        print(f"ok: {what}")

    def done(self):
        print(f"{self.passed} passed, 0 failed")
