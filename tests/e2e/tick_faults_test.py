"""End to end: when the database is locked by another process, the tick
says which of its steps failed (not "subscriptions: cannot read the
database" for everything), feeds keep answering meanwhile, and the change
the tick could not take in is taken in once the lock is gone.

Run: /usr/bin/python3 tests/e2e/tick_faults_test.py BINARY CONFIG_DIR WORKDIR
"""
import os
import re
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Checks, Daemon, run_cli, workspace  # noqa: E402

BINARY, CONFIG, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()
cfg, db = workspace(check, CONFIG, WORK)


def cli(*args):
    return run_cli(BINARY, *args)


def token_of(out):
    return re.search(r"^token:\s+(\S+)", out, re.M).group(1)


feed = "/feeds/" + token_of(cli("subscribe", "--config", cfg, "--db", db, "--all").stdout) + ".ics"
daemon = Daemon(check, BINARY, "--config", cfg, "--db", db)
check(daemon.start() is not None, "the daemon starts")
check(daemon.request("GET", feed)[0] == 200, "the feed answers")

# Another process commits (a new subscription: the tick sees the database
# changed and rebuilds), then holds the write lock longer than SQLite's 5 s
# busy timeout, so the rebuild's writes fail.
holder = sqlite3.connect(db, timeout=30, isolation_level=None)
person = re.search(r'^id = "([a-z0-9-]+)"', open(os.path.join(cfg, "people.toml"), encoding="utf-8").read(), re.M).group(1)
r = cli("subscribe", "--config", cfg, "--db", db, "--person", person)
check(r.returncode == 0, "another process adds a subscription")
new_feed = "/feeds/" + token_of(r.stdout) + ".ics"
holder.execute("BEGIN IMMEDIATE")
started = time.time()
served = []
while time.time() - started < 8:
    served.append(daemon.request("GET", feed, timeout=10)[0])
    time.sleep(0.2)
holder.execute("ROLLBACK")
holder.close()
check(served and all(s == 200 for s in served), f"feeds answer while the database is locked ({len(served)} requests)")

log = open(check.log_path, encoding="utf-8").read()
check("tick: cannot rebuild the wheel or plan its messages: " in log,
      "the failed rebuild is logged as such")
check("subscriptions: cannot read the database" not in log, "no step is blamed on reading subscriptions")
check("database is locked" in log, "the log gives SQLite's cause")

# Once the lock is gone the change is taken in: the owed rebuild is tried again.
deadline = time.time() + 15
while time.time() < deadline and "database changed: ok" not in open(check.log_path, encoding="utf-8").read():
    time.sleep(0.2)
check("database changed: ok" in open(check.log_path, encoding="utf-8").read(),
      "the rebuild the lock prevented is done on a later tick")
check(daemon.request("GET", new_feed)[0] == 200, "the subscription added meanwhile is served")
check(daemon.stop() == 0, "SIGTERM stops the daemon cleanly")
check.done()
