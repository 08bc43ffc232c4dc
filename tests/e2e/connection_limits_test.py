"""End to end: more connections than the daemon has file descriptors.

With `ulimit -n 256` and 400 idle connections the first round's daemon
spun at 94 % CPU retrying accept() on EMFILE, and /healthz stopped
answering. Now idle keep-alive connections make room at the connection
limit, and an accept that fails pauses instead of spinning.

Run: /usr/bin/python3 tests/e2e/connection_limits_test.py BINARY CONFIG_DIR WORKDIR
"""
import os
import socket
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Checks, Daemon, workspace  # noqa: E402

BINARY, CONFIG, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()
cfg, db = workspace(check, CONFIG, WORK)

wrapper = os.path.join(WORK, "arshjul-256")
with open(wrapper, "w", encoding="utf-8") as f:
    f.write(f'#!/bin/sh\nulimit -n 256\nexec "{os.path.abspath(BINARY)}" "$@"\n')
os.chmod(wrapper, os.stat(wrapper).st_mode | stat.S_IXUSR)

# Long timeouts: the idle connections stay open for the whole test unless the daemon makes room.
daemon = Daemon(check, wrapper, "--config", cfg, "--db", db, "--request-timeout", "120", "--idle-timeout", "120")
check(daemon.start() is not None, "the daemon starts with 256 file descriptors")


def cpu_seconds():
    fields = open(f"/proc/{daemon.proc.pid}/stat", encoding="ascii").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


idle = []
for _ in range(400):
    try:
        idle.append(socket.create_connection(("127.0.0.1", daemon.port), timeout=5))
    except OSError:
        break
check(len(idle) == 400, f"400 idle connections are opened ({len(idle)})")
time.sleep(1)

answered = None
started = time.time()
while time.time() - started < 10 and answered is None:
    try:
        status, _, _ = daemon.request("GET", "/healthz", timeout=3)
        answered = status
    except OSError:
        time.sleep(0.2)
check(answered == 200, f"/healthz answers beside 400 idle connections ({answered})")

before = cpu_seconds()
time.sleep(3)
used = cpu_seconds() - before
check(used < 1.0, f"the daemon does not spin: {used:.2f} s of CPU in 3 s")

for _ in range(3):
    status, _, _ = daemon.request("GET", "/healthz", timeout=5)
    check(status == 200, "a new connection is still served")
for s in idle:
    s.close()
check(daemon.stop() == 0, "SIGTERM stops the daemon cleanly")
check.done()
