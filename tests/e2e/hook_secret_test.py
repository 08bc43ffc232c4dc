"""End to end: the hook's secret kept out of `ps` (ARSHJUL_HOOK_SECRET, or
--hook-secret-file) still signs every delivery.

Run: /usr/bin/python3 tests/e2e/hook_secret_test.py BINARY CONFIG_DIR WORKDIR
"""
import base64
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Checks, Daemon  # noqa: E402
from receiver import Receiver  # noqa: E402

BINARY, CONFIG, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
check.log_path = os.path.join(WORK, "daemon.log")
# 1 March 2027: early notices for the meeting on 9 March are due at once.
CLOCK = "2027-03-01T07:00:00+01:00"


def deliveries(how, secret, *args, env=None):
    rx = Receiver(secret)
    db = os.path.join(WORK, how.split()[-1].strip("-") + ".db")
    daemon = Daemon(check, BINARY, "--config", CONFIG, "--db", db, "--hook", rx.url(), "--clock", CLOCK, *args, env=env)
    check(daemon.start() is not None, f"the daemon with the secret {how} starts")
    cmdline = open(f"/proc/{daemon.proc.pid}/cmdline", "rb").read().decode()
    check(secret not in cmdline, f"the secret {how} is not on the command line `ps` shows")
    end = time.time() + 30
    while time.time() < end and len(rx.received) < 5:
        time.sleep(0.05)
    check(daemon.stop(timeout=20) == 0, f"the daemon with the secret {how} stops cleanly")
    with rx.lock:
        check(len(rx.received) >= 5 and not rx.bad,
              f"the secret {how}: {len(rx.received)} deliveries, each with a valid signature ({rx.bad[:3]})")


env_secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
deliveries("from ARSHJUL_HOOK_SECRET", env_secret, env={"ARSHJUL_HOOK_SECRET": env_secret})

file_secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
path = os.path.join(WORK, "hook-secret")
with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
    f.write(file_secret + "\n")  # as `echo` writes it: the newline is not part of the secret
deliveries("from --hook-secret-file", file_secret, "--hook-secret-file", path)
check.done()
