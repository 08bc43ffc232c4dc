"""End to end: HR's changes stream in while the wheel's clock races and
calendar clients fetch feeds; nothing fails and the daemon stops cleanly.

In the ThreadSanitizer build (TSAN_OPTIONS=halt_on_error=1) a data race
ends the daemon at once, so this is also the race test: the first round's
daemon raced here (tasks_planned and planned_until between the tick and a
rebuild after a PUT).

Run: /usr/bin/python3 tests/e2e/concurrency_test.py BINARY CONFIG_DIR WORKDIR
"""
import http.client
import json
import os
import re
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Checks, Daemon, run_cli, workspace  # noqa: E402
from receiver import Receiver  # noqa: E402

BINARY, CONFIG, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
SECONDS = 10  # of concurrent traffic; every loop below is also bounded in count
check = Checks()

cfg, db = workspace(check, CONFIG, WORK)


def cli(*args):
    return run_cli(BINARY, *args)


HR = cli("token", "create", "--role", "hr", "--db", db).stdout.strip()
sub = cli("subscribe", "--config", cfg, "--db", db, "--all")
check(sub.returncode == 0, "a feed subscription for the whole wheel is created")
FEED = "/feeds/" + re.search(r"^token:\s+(\S+)", sub.stdout, re.M).group(1) + ".ics"

secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
rx = Receiver(secret)
daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, "--threads", "2",
                "--clock", "2027-01-04T08:00:00+01:00", "--clock-speed", "200000",
                "--hook", rx.url(), "--hook-secret", secret)
check(daemon.start() is not None, "the daemon starts under a clock 200,000 times real time")


def call(conn, method, path, body=None):
    headers = {"Authorization": "Bearer " + HR}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    return resp.status, resp.read()


conn = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=120)
status, body = call(conn, "GET", "/api/v1/people?limit=5")
check(status == 200, "the roster is listed")
people = json.loads(body)["people"]
check(len(people) >= 2, "the roster has people to change")

results = {"put": [], "feed": [], "read": []}
lock = threading.Lock()
deadline = time.time() + SECONDS


def writer(person):
    c = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=120)
    fields = {k: person[k] for k in ("name", "email", "unit", "roles", "union", "committees",
                                     "start_date", "leader_start_date", "manager") if person.get(k) is not None}
    for i in range(400):
        if time.time() > deadline:
            break
        fields["name"] = f"{person['name'].split(' #')[0]} #{i}"
        status, _ = call(c, "PUT", "/api/v1/people/" + person["id"], json.dumps(fields))
        with lock:
            results["put"].append(status)


def feeds():
    c = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=120)
    for _ in range(100000):
        if time.time() > deadline:
            break
        c.request("GET", FEED)
        resp = c.getresponse()
        resp.read()
        with lock:
            results["feed"].append(resp.status)


def reader():
    c = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=120)
    for i in range(100000):
        if time.time() > deadline:
            break
        path = ["/api/v1/tasks?limit=5", "/api/v1/occurrences?from=2027-01-01&to=2027-03-31", "/api/v1/registrations",
                "/api/v1/outbox?limit=5"][i % 4]
        status, _ = call(c, "GET", path)
        with lock:
            results["read"].append(status)


threads = [threading.Thread(target=writer, args=(people[0],)), threading.Thread(target=writer, args=(people[1],)),
           threading.Thread(target=feeds), threading.Thread(target=reader)]
for t in threads:
    t.start()
time.sleep(SECONDS / 2)
daemon.signal(signal.SIGHUP)  # a reload in the middle of it all
for t in threads:
    t.join(timeout=SECONDS + 180)
check(not any(t.is_alive() for t in threads), "every client finished")

check(daemon.running(), "the daemon is still running after the traffic")
check(len(results["put"]) >= 4, f"PUTs went through during the traffic ({len(results['put'])})")
check(all(s == 200 for s in results["put"]), f"every PUT answered 200 ({sorted(set(results['put']))})")
check(len(results["feed"]) >= 10, f"feeds were served during the traffic ({len(results['feed'])})")
check(all(s == 200 for s in results["feed"]), f"every feed request answered 200 ({sorted(set(results['feed']))})")
check(all(s == 200 for s in results["read"]), f"every API read answered 200 ({sorted(set(results['read']))})")
status, body = call(conn, "GET", "/api/v1/people/" + people[0]["id"])
check(status == 200 and json.loads(body)["name"].startswith(people[0]["name"].split(" #")[0] + " #"),
      "the last name HR sent is the one stored")
status, body = call(conn, "GET", "/metrics")
patched = re.search(r'^arshjul_builds_total\{roster="patched"\} (\d+)', body.decode(), re.M)
check(status == 200 and patched and int(patched.group(1)) > 0,
      "a PUT of one person is built on the previous roster, not the whole one (arshjul_builds_total)")
log = open(check.log_path, encoding="utf-8").read()
check("reload: ok" in log, "the reload in the middle of the traffic was applied")
check("ThreadSanitizer" not in log, "no data race was reported")
check(daemon.stop(timeout=60) == 0, "SIGTERM stops the daemon cleanly (exit 0)")
rx.stop()
check.done()
