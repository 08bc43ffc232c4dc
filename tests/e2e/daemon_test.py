"""End to end: start `arshjul serve` on a free port and use it as a calendar client would.

Run: /usr/bin/python3 tests/e2e/daemon_test.py BINARY CONFIG_DIR WORKDIR [ITIP_CHECK]
Each check prints a line; the first failure exits non-zero with what was expected.
"""
import datetime
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(__file__))
from harness import Checks, Daemon, wait_for  # noqa: E402
import icalendar
import recurring_ical_events

BINARY, CONFIG, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
ITIP_CHECK = sys.argv[4] if len(sys.argv) > 4 else None  # tests/interop/itip_check.cpp
check = Checks()



shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
cfg = os.path.join(WORK, "config")
shutil.copytree(CONFIG, cfg)
db = os.path.join(WORK, "arshjul.db")
proc_log = check.log_path = os.path.join(WORK, "daemon.log")


def cli(*args):
    r = subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=60)
    return r


def subscribe(*how):
    r = cli("subscribe", "--config", cfg, "--db", db, *how)
    check(r.returncode == 0, f"subscribe {' '.join(how)} exits 0 ({r.stderr.strip()})")
    token = re.search(r"^token:\s+(\S+)", r.stdout, re.M).group(1)
    check(re.search(r"^webcal: webcal://\S+/feeds/" + re.escape(token) + r"\.ics$", r.stdout, re.M) is not None,
          "subscribe prints a webcal URL")
    return token


people = re.findall(r'^id = "([a-z0-9-]+)"', open(os.path.join(cfg, "people.toml"), encoding="utf-8").read(), re.M)
leader = None
for block in open(os.path.join(cfg, "people.toml"), encoding="utf-8").read().split("[[person]]")[1:]:
    if '"leader"' in block:
        leader = re.search(r'^id = "([a-z0-9-]+)"', block, re.M).group(1)
        break
tokens = {
    "all": subscribe("--all"),
    "person": subscribe("--person", leader),
    "role": subscribe("--role", "hovedtillitsvalgt"),
    "wheel": subscribe("--wheel", "partssamarbeid"),
}
unit = re.findall(r'^id = "([a-z0-9-]+)"\nname = "[^"]*"\nlevel = "[^"]*"\nparent', open(os.path.join(cfg, "arshjul.toml"), encoding="utf-8").read(), re.M)
tokens["unit"] = subscribe("--unit", unit[0])
revoked = subscribe("--role", "hr")
r = cli("unsubscribe", revoked, "--db", db)
check(r.returncode == 0, "unsubscribe revokes a token")
check(cli("unsubscribe", revoked, "--db", db).returncode == 1, "revoking twice says there is no such subscription")

daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, "--request-timeout", "1", "--idle-timeout", "2")
port = daemon.start()
check(port is not None, "the daemon starts and says where it listens")


def get(path, method="GET", headers=None, body=None, conn=None):
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path, body=body, headers=headers or {})
    resp = c.getresponse()
    data = resp.read()
    if conn is None:
        c.close()
    return resp, data


def events(data):
    cal = icalendar.Calendar.from_ical(data)
    return [c for c in cal.walk("VEVENT")]


# -- feeds of every kind parse, and expand to exactly what our own expansion says
year = int(time.strftime("%Y"))
counts = {}
for y in (year, year + 1):
    out = cli("preview", cfg, "--year", str(y)).stdout
    m = re.search(r"^(\d+) forekomster(?: \((\d+) kalenderhendelser)?", out, re.M)
    counts[y] = int(m.group(2) or m.group(1))  # a multi-day gathering is one VEVENT a day
for kind, token in tokens.items():
    resp, data = get(f"/feeds/{token}.ics")
    check(resp.status == 200 and resp.getheader("Content-Type") == "text/calendar; charset=utf-8; method=PUBLISH",
          f"{kind} feed: 200 text/calendar with method=PUBLISH")
    evs = events(data)
    cal = icalendar.Calendar.from_ical(data)
    expanded = recurring_ical_events.of(cal).between((year, 1, 1), (year + 2, 1, 1))
    check(len(evs) > 0 and len(expanded) == len(evs), f"{kind} feed: recurring-ical-events expands {len(expanded)} = {len(evs)} VEVENTs")
    check(b"\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Oslo\r\n" in data and b"freeassociation" not in data,
          f"{kind} feed: our compact VTIMEZONE")
    if kind == "all":
        check(len(evs) == counts[year] + counts[year + 1],
              f"all feed holds every occurrence of {year}-{year + 1}: {len(evs)} = {counts[year]} + {counts[year + 1]}")
    feed_file = os.path.join(WORK, f"{kind}.ics")
    open(feed_file, "wb").write(data)
    r = subprocess.run(["node", os.path.join(os.path.dirname(__file__), "..", "interop", "check_ics.mjs"),
                        feed_file, cfg, str(year)], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"{kind} feed: ical.js parses it with the right offsets {r.stderr.strip()[:500]}")
    if ITIP_CHECK:
        r = subprocess.run([ITIP_CHECK, feed_file], capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, f"{kind} feed: libical's iTIP restriction check passes {r.stderr.strip()[:500]}")

token = tokens["all"]
resp, data = get(f"/feeds/{token}.ics")
etag, last_modified, length = resp.getheader("ETag"), resp.getheader("Last-Modified"), resp.getheader("Content-Length")
check(etag and etag.startswith('"') and last_modified, "ETag and Last-Modified are set")
resp, body = get(f"/feeds/{token}.ics", headers={"If-None-Match": etag})
check(resp.status == 304 and body == b"" and resp.getheader("ETag") == etag, "If-None-Match gives 304 with the ETag")
resp, _ = get(f"/feeds/{token}.ics", headers={"If-Modified-Since": last_modified})
check(resp.status == 304, "If-Modified-Since gives 304")
resp, body = get(f"/feeds/{token}.ics", method="HEAD")
check(resp.status == 200 and body == b"" and resp.getheader("Content-Length") == length, "HEAD: headers of a GET, no body")
check(get("/feeds/AAAAAAAAAAAAAAAAAAAAAA.ics")[0].status == 404, "unknown token: 404")
check(get(f"/feeds/{revoked}.ics")[0].status == 404, "revoked token: 404")
check(get(f"/feeds/{token}.ics", method="POST", body="x")[0].status == 405, "POST to a feed: 405")
check(get(f"/feeds/{token}.ics", method="DELETE")[0].getheader("Allow") == "GET, HEAD", "405 names the allowed methods")
check(get("/nowhere")[0].status == 404, "unknown path: 404")
check(get("/feeds/" + "x" * 3000 + ".ics")[0].status == 414, "a 3000-character URL: 414")
check(get(f"/feeds/{token}.ics", method="POST", body="x" * 100000)[0].status == 413, "a 100 KB body: 413")
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"GARBAGE\r\n\r\n")
check(s.recv(100).startswith(b"HTTP/1.1 400"), "a malformed request: 400")
s.close()
late = subscribe("--role", "verneombud")
# The daemon polls for new and revoked subscriptions once a second.
check(wait_for(lambda: get(f"/feeds/{late}.ics")[0].status == 200), "a subscription made while the daemon runs is served")
check(cli("unsubscribe", late, "--db", db).returncode == 0, "unsubscribe while the daemon runs")
check(wait_for(lambda: get(f"/feeds/{late}.ics")[0].status == 404), "a token revoked while the daemon runs: 404 at its next poll")
slow = socket.create_connection(("127.0.0.1", port), timeout=5)
slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
time.sleep(1.6)
check(slow.recv(100) == b"", "a client too slow with its headers is disconnected after the request timeout")
slow.close()
resp, body = get("/healthz")
check(resp.status == 200 and body == b"ok\n", "/healthz")

conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
for i in range(3):
    resp, _ = get(f"/feeds/{token}.ics", headers={"If-None-Match": etag}, conn=conn)
check(resp.status == 304 and resp.getheader("Connection") != "close", "keep-alive: three requests on one connection")
conn.close()

# -- reload with a bad config: errors logged, old feed still served
wheel = os.path.join(cfg, "wheels", "partssamarbeid.toml")
good = open(wheel, encoding="utf-8").read()
open(wheel, "w", encoding="utf-8").write(good.replace("[[activity]]", "[[activity]]\nstrat = \"09:00\"", 1))
daemon.signal(signal.SIGHUP)
wait_for(lambda: "still serving the previous config" in open(proc_log, encoding="utf-8").read())
logtext = open(proc_log, encoding="utf-8").read()
check("still serving the previous config" in logtext and "unknown key \"strat\"" in logtext,
      "a bad reload logs the error with file and line and keeps the old config")
resp, _ = get(f"/feeds/{token}.ics", headers={"If-None-Match": etag})
check(resp.status == 304, "after a bad reload the feed is unchanged")

# -- a good reload: a moved meeting gets SEQUENCE 1, a removed activity becomes CANCELLED;
#    what took place before the reload stays as it was held
first_id = re.search(r'^id = "([a-z0-9-]+)"', good.split("[[activity]]")[1], re.M).group(1)
second_id = re.search(r'^id = "([a-z0-9-]+)"', good.split("[[activity]]")[2], re.M).group(1)
parts = good.split("[[activity]]")
parts[1] = re.sub(r'^start = "\d\d:\d\d"', 'start = "07:15"', parts[1], count=1, flags=re.M)
del parts[2]
open(wheel, "w", encoding="utf-8").write("[[activity]]".join(parts))
daemon.signal(signal.SIGHUP)
check(wait_for(lambda: "reload: ok" in open(proc_log, encoding="utf-8").read()), "a good reload is applied")
resp, data = get(f"/feeds/{token}.ics", headers={"If-None-Match": etag})
check(resp.status == 200 and resp.getheader("ETag") != etag, "after a good reload the feed has a new ETag")
evs = events(data)
# This test runs on the real clock: an event that ended within a minute or
# two of the reload could be either, so only the clear cases count.
reloaded = datetime.datetime.now(datetime.timezone.utc)


def ended(e):
    end = e["DTEND"].dt
    if not isinstance(end, datetime.datetime):
        end = datetime.datetime.combine(end, datetime.time(), ZoneInfo("Europe/Oslo"))
    if abs((end - reloaded).total_seconds()) < 120:
        return None
    return end < reloaded


moved = [e for e in evs if str(e["UID"]).startswith(first_id + ".") and ended(e) is False]
removed = [e for e in evs if str(e["UID"]).startswith(second_id + ".") and ended(e) is False]
held = [e for e in evs if str(e["UID"]).split(".")[0] in (first_id, second_id) and ended(e)]
check(moved and all(int(e["SEQUENCE"]) == 1 and e["DTSTART"].dt.strftime("%H:%M") == "07:15" and str(e["STATUS"]) == "CONFIRMED" for e in moved),
      f"changed activity {first_id}: {len(moved)} events ahead at 07:15 with SEQUENCE 1, same UIDs")
check(removed and all(str(e["STATUS"]) == "CANCELLED" and int(e["SEQUENCE"]) == 1 for e in removed),
      f"removed activity {second_id}: {len(removed)} events ahead STATUS:CANCELLED with SEQUENCE 1")
check(all(str(e["STATUS"]) == "CONFIRMED" and int(e["SEQUENCE"]) == 0 and e["DTSTART"].dt.strftime("%H:%M") != "07:15" for e in held),
      f"{len(held)} of their events that took place before the reload stay as held: CONFIRMED, SEQUENCE 0, old time")

resp, body = get("/metrics")
text = body.decode()
check('arshjul_http_requests_total{route="feed",status="304"}' in text and 'arshjul_config_reloads_total{result="failed"} 1' in text
      and 'arshjul_config_reloads_total{result="ok"} 1' in text and "arshjul_feeds_cached" in text,
      "/metrics counts requests by route and status, reloads and cached feeds")

code = daemon.stop(timeout=10)
check(code == 0, "SIGTERM stops the daemon cleanly")
check(len(re.findall(r'"GET /feeds/', open(proc_log, encoding="utf-8").read())) > 10 and token not in open(proc_log, encoding="utf-8").read(),
      "one access-log line per request, without the secret token")
check.done()
