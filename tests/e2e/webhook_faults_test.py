"""End to end: deliveries survive a receiver that fails, hangs and goes away.

Real time (no simulated clock); the hook has timeout_seconds = 2 and
max_attempts = 2, so a retry comes after about 5 s and the second failure
makes a dead letter.
Run: /usr/bin/python3 tests/e2e/webhook_faults_test.py BINARY CONFIG_DIR WORKDIR
"""
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import SANITIZED, Checks, Daemon  # noqa: E402
from receiver import Receiver  # noqa: E402

BINARY, CONFIG, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()



def wait_for(pred, seconds):
    end = time.time() + seconds
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.2)
    return pred()


def control(rx, mode, count=0):
    req = urllib.request.Request(f"http://127.0.0.1:{rx.port}/control", data=json.dumps({"mode": mode, "count": count}).encode(), method="POST")
    urllib.request.urlopen(req, timeout=5).read()


def outbox(db, *args):
    return subprocess.run([BINARY, "outbox", *args, "--db", db], capture_output=True, text=True, timeout=30)


shutil.rmtree(WORK, ignore_errors=True)
cfg = os.path.join(WORK, "config")
shutil.copytree(CONFIG, cfg)
db = os.path.join(WORK, "arshjul.db")
log_path = check.log_path = os.path.join(WORK, "daemon.log")
secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
rx = Receiver(secret)
port = rx.port
with open(os.path.join(cfg, "arshjul.toml"), "a", encoding="utf-8") as f:
    f.write(f'\n[[hook]]\nid = "test"\nurl = "{rx.url()}"\nsecret = "{secret}"\ntimeout_seconds = 2\nmax_attempts = 2\n')

# -- A: the receiver answers 500 to the first three requests, then recovers.
control(rx, "fail", 3)
# A Monday morning: reminders and (late) notices are due at once, a burst to deliver.
daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, "--clock", "2027-03-08T07:00:00+01:00", "--clock-speed", "1")
daemon.start()
check(wait_for(lambda: len(rx.received) > 0 and len(rx.attempts) == len(rx.received), 30)
      and wait_for(lambda: outbox(db, "list", "--status", "pending").stdout.count("\n") <= 1 or False, 5) is not None,
      "the burst is delivered")
time.sleep(7)  # the failed three come back after about 5 s
with rx.lock:
    got = [w for w, _, _ in rx.received]
    attempts = dict(rx.attempts)
retried = [w for w, n in attempts.items() if n == 2]
check(len(got) == len(set(got)) and set(got) == set(attempts), f"all {len(got)} messages delivered, each once")
check(len(retried) == 3 and all(w in got for w in retried), "the three that got 500 were retried with the same webhook-id and then delivered")
first = [p for _, _, p in rx.received][0]
uid = first["data"]["occurrence"]["uid"]
activity = first["data"]["occurrence"]["activity"]


def change_location(activity, place):
    for path in [os.path.join(cfg, "wheels", f) for f in os.listdir(os.path.join(cfg, "wheels"))]:
        text = open(path, encoding="utf-8").read()
        m = re.search(r'^id = "' + re.escape(activity) + r'"\n(.*?)(?=^\[\[activity\]\]|\Z)', text, re.M | re.S)
        if not m:
            continue
        block = m.group(0)
        new = re.sub(r'^location = ".*"$', f'location = "{place}"', block, flags=re.M) if re.search(r"^location = ", block, re.M) \
            else block.replace("\n", f'\nlocation = "{place}"\n', 1)
        open(path, "w", encoding="utf-8").write(text.replace(block, new))
        return
    raise SystemExit(f"activity {activity} not found")


# -- B: the receiver hangs; the change notices time out twice and become dead letters, then replay.
control(rx, "slow")
before = len(rx.received)
change_location(activity, "Storstua, Røros hotell")
daemon.signal(signal.SIGHUP)
def dead_changes():
    return len(re.findall(r"^\d+\s+dead\s.*occurrence\.changed", outbox(db, "list", "--dead").stdout, re.M))


def settled():
    # Every change notice has had its two attempts: none is pending any more.
    return dead_changes() > 0 and not re.search(r"^\d+\s+pending\s.*occurrence\.changed", outbox(db, "list", "--status", "pending", "--limit", "100000").stdout, re.M)


check(wait_for(settled, 30), "a hanging receiver: timeouts, a retry, then dead letters")
dead = outbox(db, "list", "--dead").stdout
dead_ids = re.findall(r"^(\d+)\s+dead", dead, re.M)
check(dead_ids and "no answer within 2 s" in dead and "occurrence.changed" in dead,
      f"`outbox list --dead` shows {len(dead_ids)} change notices with the timeout as their error")
dead_wids = set(re.findall(r"msg_[0-9a-f]{32}", dead))
control(rx, "ok")
for i in dead_ids:
    check(outbox(db, "retry", i).returncode == 0, f"`outbox retry {i}`")
check(wait_for(lambda: dead_wids <= {w for w, _, _ in rx.received[before:]}, 15),
      "replayed dead letters arrive with their original webhook-ids")
changed = [p for w, _, p in rx.received[before:] if w in dead_wids]
check(all(p["type"] == "occurrence.changed" and p["data"]["occurrence"]["location"] == "Storstua, Røros hotell" for p in changed),
      "they are occurrence.changed notices with the new place")
check(outbox(db, "retry", dead_ids[0]).returncode == 1, "retrying a message that is no longer dead is refused")

# -- C: the receiver goes away (connection refused), comes back, and the dead letters replay.
rx.stop()
dead_before = set(re.findall(r"^(\d+)\s+dead", outbox(db, "list", "--dead").stdout, re.M))
change_location(activity, "Kommunestyresalen")
daemon.signal(signal.SIGHUP)
# A reload, then two refused attempts 5 s apart: slow under the sanitizers on a loaded machine.
check(wait_for(lambda: len(set(re.findall(r"^(\d+)\s+dead", outbox(db, "list", "--dead").stdout, re.M)) - dead_before) > 0,
               60 if SANITIZED else 20),
      "connection refused twice: dead letters again")
time.sleep(1)
dead = outbox(db, "list", "--dead").stdout
check("cannot connect" in dead, "their error says the connection failed")
rx2 = Receiver(secret, port)  # back on the port the hook names
ids = re.findall(r"^(\d+)\s+dead", dead, re.M)
wids = set(re.findall(r"msg_[0-9a-f]{32}", dead))
for i in ids:
    outbox(db, "retry", i)
check(wait_for(lambda: wids <= {w for w, _, _ in rx2.received}, 60 if SANITIZED else 15), f"after the receiver is back, {len(wids)} replayed letters arrive")
check(not rx2.bad, "with valid signatures")

check(daemon.stop(timeout=20) == 0, "the daemon stops cleanly")
check.done()
