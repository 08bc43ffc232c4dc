"""End to end: a year of config/roros under a simulated clock, delivered to a
real receiver that checks every signature itself.

Run: /usr/bin/python3 tests/e2e/webhooks_test.py BINARY CONFIG_DIR WORKDIR
"""
import base64
import collections
import datetime as dt
import json
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
# A sanitizer build runs several times slower: at 800,000x a millisecond of
# lag is hours of wheel time, so it checks what arrived, not how early.
SANITIZED = bool(os.environ.get("ARSHJUL_SANITIZED"))



shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
db = os.path.join(WORK, "arshjul.db")
log_path = check.log_path = os.path.join(WORK, "daemon.log")
secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
rx = Receiver(secret)

# One simulated year in about 40 real seconds.
speed = 800000
JITTER = dt.timedelta(seconds=speed * 1.0)
start = "2027-01-01T00:00:00+01:00"
daemon = Daemon(check, BINARY, "--config", CONFIG, "--db", db,
                "--hook", rx.url(), "--hook-secret", secret, "--clock", start, "--clock-speed", str(speed))
daemon.start()
year_end = dt.datetime(2028, 1, 1, tzinfo=dt.timezone.utc)
t0 = time.time()
deadline = t0 + 31_600_000 / speed + 30
while time.time() < deadline:
    time.sleep(1)
    if not daemon.running():
        break
    # Simulated now, from the daemon's own clock header on the latest delivery.
    with rx.lock:
        last = rx.received[-1][1].get("arshjul-clock") if rx.received else None
    if last and last >= "2027-12-31T":
        break
time.sleep(2)
check(daemon.stop(timeout=20) == 0, "the daemon ran the simulated year and stopped cleanly")

with rx.lock:
    received = list(rx.received)
    bad = list(rx.bad)
check(not bad, f"every request carried a valid Standard Webhooks signature and a fresh timestamp ({bad[:3]})")
ids = [w for w, _, _ in received]
dupes = [w for w, n in collections.Counter(ids).items() if n > 1]
check(len(received) > 100, f"{len(received)} messages delivered")
check(not dupes, f"each message arrived exactly once when nothing failed ({len(dupes)} duplicates)")

out = subprocess.run([BINARY, "outbox", "list", "--db", db, "--status", "sent", "--limit", "1000000"],
                     capture_output=True, text=True).stdout
sent_ids = set(re.findall(r"\bmsg_[0-9a-f]{32}\b", out))
# Sent rows past the 90-day retention are pruned as the year runs: what the
# outbox still marks sent, plus what the daemon says it pruned, is what arrived.
pruned = sum(int(n) for n in re.findall(r"outbox: pruned (\d+) delivered or dropped", open(log_path, encoding="utf-8").read()))
check(pruned > 0, f"the daemon pruned {pruned} delivered messages past the retention during the year")
check(sent_ids <= set(ids) and len(sent_ids) + pruned >= len(set(ids)),
      f"what the outbox marks sent ({len(sent_ids)}) and what was pruned ({pruned}) is what the receiver got ({len(set(ids))})")
pending = subprocess.run([BINARY, "outbox", "list", "--db", db, "--status", "pending", "--limit", "1000000"],
                         capture_output=True, text=True).stdout
overdue = [l for l in pending.splitlines()[1:] if re.search(r"\s2027-", l)]
check(not overdue, f"nothing due in 2027 is left pending ({overdue[:3]})")

# Every union rep's early notice for every partssamarbeid meeting, at least days_before ahead.
notices = collections.defaultdict(set)
for _, headers, p in received:
    if p["type"] != "notice.early":
        continue
    occ, days = p["data"]["occurrence"], p["data"]["notice"]["days_before"]
    start_at = dt.datetime.fromisoformat(occ["start"])
    due_at = dt.datetime.fromisoformat(p["timestamp"].replace("Z", "+00:00"))
    sent_at = dt.datetime.fromisoformat(headers["arshjul-clock"].replace("Z", "+00:00"))
    # Whether the daemon planned the notice in time is what `timestamp` (when it
    # fell due) says. Delivery itself takes real time: at 800,000x the Python
    # receiver's tens of milliseconds for a burst are most of a wheel day, so
    # delivery only has to follow within a real second.
    check(sent_at - due_at <= JITTER or SANITIZED,
          f"notice for {occ['uid']} to {p['data']['recipient']['id']} delivered within a real second of falling due "
          f"({sent_at - due_at} of wheel time)")
    if start_at - due_at >= dt.timedelta(days=days) or SANITIZED:
        notices[occ["uid"]].add(p["data"]["recipient"]["id"])
    else:
        # Only a notice that was already due when the wheel started may be late, and it says so.
        check(p["data"]["late"] and start_at - dt.timedelta(days=days) < dt.datetime.fromisoformat(start),
              f"notice for {occ['uid']} due before the wheel started, due {start_at - due_at} ahead, is marked late")
reps = re.findall(r'^id = "([a-z0-9-]+)"[^\[]*?roles = \[[^\]]*"hovedtillitsvalgt"', open(os.path.join(CONFIG, "people.toml"), encoding="utf-8").read(), re.M | re.S)
export = subprocess.run([BINARY, "export", CONFIG, "--year", "2027"], capture_output=True, text=True).stdout
central = [u for u in re.findall(r"^UID:(drofting-htv\.\d{8}@roros\.arshjul)", export, re.M) if u >= "drofting-htv.20270115"]
check(reps and central, f"{len(reps)} hovedtillitsvalgte and {len(central)} central drøfting meetings from mid-January")
missing = [(u, r) for u in central for r in reps if r not in notices.get(u, set())]
check(not missing, f"every hovedtillitsvalgt got the early notice of every central meeting"
                   f"{'' if SANITIZED else ', each at least 14 days ahead'} ({missing[:3]})")
reminders = [p for _, _, p in received if p["type"] == "reminder.due"]
check(reminders and all("agenda" in p["data"]["occurrence"] for p in reminders), f"{len(reminders)} reminders, each with the agenda")
rx.stop()
check.done()
