"""End to end: kill -9 the daemon in the middle of a burst of deliveries,
start it again, and check every message arrived at least once, with any
duplicate carrying the same webhook-id.

Run: /usr/bin/python3 tests/e2e/webhook_crash_test.py BINARY CONFIG_DIR WORKDIR
"""
import base64
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Checks, Daemon  # noqa: E402
from receiver import Receiver  # noqa: E402

BINARY, CONFIG, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()



shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
cfg = os.path.join(WORK, "config")
shutil.copytree(CONFIG, cfg)
# A big union: 1,200 more hovedtillitsvalgte, so one central meeting's early
# notice is a burst of well over a thousand messages.
with open(os.path.join(cfg, "people.toml"), "a", encoding="utf-8") as f:
    for i in range(1200):
        f.write(f'\n[[person]]\nid = "htv-{i}"\nname = "Tillitsvalgt {i}"\nroles = ["hovedtillitsvalgt"]\nunion = "Fagforbundet"\n')
db = os.path.join(WORK, "arshjul.db")
secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
rx = Receiver(secret)
check.log_path = os.path.join(WORK, "daemon.log")
# 1 March 2027: the notice for the meeting on 9 March is already due (late), for everyone at once.
daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, "--hook", rx.url(),
                "--hook-secret", secret, "--clock", "2027-03-01T07:00:00+01:00")
# Not waiting for the port: the burst starts as soon as the daemon listens,
# and the loop below must see the 100th delivery within 5 ms to kill it mid-burst.
daemon.start(wait=False)
end = time.time() + 60
while time.time() < end and len(rx.received) < 100:
    time.sleep(0.005)
daemon.kill()  # SIGKILL: no chance to finish anything
at_kill = len(rx.received)
check(at_kill >= 100, f"killed with -9 after {at_kill} deliveries")

outbox = lambda status: subprocess.run([BINARY, "outbox", "list", "--db", db, "--status", status, "--limit", "1000000"],
                                       capture_output=True, text=True).stdout
killed_at = max(h["arshjul-clock"] for _, h, _ in rx.received)
rows = re.findall(r"^\d+\s+(\w+)\s+\d+\s+(\S+)\s+\S+\s+\S+\s+\S+\s+(msg_[0-9a-f]{32})", outbox(""), re.M)
expected = {w for status, due, w in rows if status == "sent" or (status == "pending" and due <= killed_at)}
check(len(expected) >= 1000 and at_kill < len(expected), f"the burst: {len(expected)} messages due, {at_kill} delivered when the daemon died")

daemon.start()  # the same arguments, the log appended to
end = time.time() + 90
while time.time() < end and not expected <= {w for w, _, _ in rx.received}:
    time.sleep(0.2)
check(daemon.stop(timeout=20) == 0, "the restarted daemon stops cleanly")
got = [w for w, _, _ in rx.received]
check(expected <= set(got), f"after the restart every one of the {len(expected)} messages arrived at least once")
dupes = len(got) - len(set(got))
bodies = {}
consistent = True
for w, _, p in rx.received:
    occurrence = p["data"].get("occurrence") or {}  # a new leader's leader.started has none
    key = (p["type"], occurrence.get("uid"), p["data"]["recipient"]["id"])
    consistent = consistent and bodies.setdefault(w, key) == key
check(consistent, f"{dupes} duplicates, each with the same webhook-id and content as the first delivery")
check(not rx.bad, "every signature valid")
rx.stop()
check.done()
