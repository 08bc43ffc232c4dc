"""End to end: /healthz says the process answers; /readyz says whether the
daemon can do its work, and why not (issue 12, defect 8: on a full disk
every write answered 500 while /healthz said ok; a read-only database ended
the daemon with exit 70 and no path).

- A receiver that is down, with retries scheduled, is not a stuck outbox.
- Another process holds the write lock: /readyz 503 "database locked", in
  bounded time, while /healthz answers at once; then 200 again.
- The database made read-only while running (chattr +i: file modes do not
  stop root, the immutable attribute does): 503 "database not writable: ...".
- A read-only database at start: exit 1 and a message naming it.
- A full disk (a tmpfs of 8 MB filled up): 503 "database not writable:
  database or disk is full", and 200 again once there is room.
The last three need chattr and mount (CAP_SYS_ADMIN); without them they
are skipped, and say so.

Run: /usr/bin/python3 tests/e2e/readiness_test.py BINARY CONFIG_DIR WORKDIR
"""
import errno
import os
import socket
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Checks, Daemon, workspace  # noqa: E402

BINARY, CONFIG, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()
cfg, db = workspace(check, CONFIG, WORK)


def ready(daemon, method="GET"):
    started = time.time()
    status, headers, body = daemon.request(method, "/readyz", timeout=30)
    return status, body.decode("utf-8"), time.time() - started


def wait_ready(daemon, want, seconds=20):
    end = time.time() + seconds
    while True:
        status, body, _ = ready(daemon)
        if status == want or time.time() > end:
            return status, body
        time.sleep(0.2)


def chattr(flag, *paths):
    return subprocess.run(["chattr", flag, *[p for p in paths if os.path.exists(p)]],
                          capture_output=True, text=True).returncode == 0


# A hook nobody listens on: every delivery is refused and retried.
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    dead_port = s.getsockname()[1]
secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, "--clock", "2027-01-04T08:00:00+01:00",
                "--clock-speed", "20000", "--hook", f"http://127.0.0.1:{dead_port}/hook", "--hook-secret", secret)
check(daemon.start() is not None, "the daemon starts with a hook that refuses every connection")

status, _, body = daemon.request("GET", "/healthz")
check(status == 200 and body == b"ok\n", "/healthz answers 200 ok")
status, body, _ = ready(daemon)
check(status == 200 and body.startswith("ready\n") and "database: writable" in body,
      f"/readyz answers 200, ready, database writable ({body!r})")
check(daemon.request("HEAD", "/readyz")[0] == 200, "HEAD /readyz answers 200")


def retried():
    c = sqlite3.connect(db, timeout=30)
    try:
        return c.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND attempts > 0").fetchone()[0]
    finally:
        c.close()


end = time.time() + 30
while time.time() < end and retried() == 0:
    time.sleep(0.2)
check(retried() > 0, "deliveries to the dead hook failed and wait for their retry")
status, body, _ = ready(daemon)
check(status == 200 and "outbox: no message waits past its next attempt" in body,
      f"a receiver that is down with retries scheduled is not a stuck outbox: /readyz 200 ({body!r})")

holder = sqlite3.connect(db, timeout=30, isolation_level=None)
holder.execute("BEGIN IMMEDIATE")
status, body, took = ready(daemon)
started = time.time()
health = daemon.request("GET", "/healthz", timeout=10)[0]
health_took = time.time() - started
holder.execute("ROLLBACK")
holder.close()
check(status == 503 and body.startswith("not ready\n") and "database locked" in body,
      f"another process holding the write lock: /readyz 503 database locked ({status} {body!r})")
check(took < 5, f"in bounded time ({took:.1f} s)")
check(health == 200 and health_took < 1, f"/healthz answers 200 at once meanwhile ({health_took:.2f} s)")
status, body = wait_ready(daemon, 200)
check(status == 200, f"once the lock is gone, /readyz answers 200 again ({body!r})")

files = [db, db + "-wal"]
if chattr("+i", *files):
    try:
        status, body = wait_ready(daemon, 503)
    finally:
        chattr("-i", *files)
    check(status == 503 and "database not writable: " in body,
          f"the database made immutable while running: /readyz 503 database not writable ({body!r})")
    status, body = wait_ready(daemon, 200)
    check(status == 200, f"writable again: /readyz 200 ({body!r})")
else:
    print("skipped: chattr +i is not possible here: no read-only-while-running check")
check(daemon.stop() == 0, "SIGTERM stops the daemon cleanly")

if chattr("+i", db):
    try:
        with open(os.path.join(WORK, "readonly.log"), "w", encoding="utf-8") as out:
            proc = subprocess.run([BINARY, "serve", "--config", cfg, "--db", db, "--listen", "127.0.0.1:0"],
                                  stdout=out, stderr=out, timeout=60)
    finally:
        chattr("-i", db)
    said = open(os.path.join(WORK, "readonly.log"), encoding="utf-8").read()
    check(proc.returncode == 1, f"a read-only database at start: exit 1 (got {proc.returncode})")
    check(f"{db}: the database is read-only" in said, f"and the message names it ({said.strip()})")
else:
    print("skipped: chattr +i is not possible here: no read-only-at-start check")

# A full disk: the database on a tmpfs of its own, filled up.
disk = os.path.join(WORK, "disk")
os.makedirs(disk)
if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", disk], capture_output=True).returncode != 0:
    print("skipped: mounting a tmpfs is not possible here (no CAP_SYS_ADMIN): no full-disk check")
else:
    full = None
    try:
        small = os.path.join(disk, "arshjul.db")
        full = Daemon(check, BINARY, "--config", cfg, "--db", small, "--clock", "2027-01-04T08:00:00+01:00",
                      log_path=os.path.join(WORK, "full.log"))
        check(full.start() is not None, "a daemon starts on a database on an 8 MB tmpfs")
        status, body = wait_ready(full, 200)
        check(status == 200, f"/readyz 200 while there is room ({body!r})")
        filler = os.path.join(disk, "filler")
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError as e:
                check(e.errno == errno.ENOSPC, f"the tmpfs fills up ({e})")
        status, body = wait_ready(full, 503)
        check(status == 503 and "database not writable: database or disk is full" in body,
              f"on a full disk: /readyz 503 database not writable: database or disk is full ({body!r})")
        check(full.request("GET", "/healthz")[0] == 200, "/healthz still answers 200: the process is alive")
        os.remove(filler)
        status, body = wait_ready(full, 200)
        check(status == 200, f"with room again: /readyz 200 ({body!r})")
        check(full.stop() == 0, "the daemon on the tmpfs stops cleanly")
    finally:
        if full is not None and full.running():
            full.kill()
        subprocess.run(["umount", disk], capture_output=True)
check.done()
