"""End to end: `arshjul serve` as a systemd service sees it, without systemd.
A Python AF_UNIX datagram socket stands in for systemd's notify socket
(sd_notify(3)'s protocol, received as systemd receives it): READY=1 once the
port answers, WATCHDOG=1 at half of WATCHDOG_USEC, RELOADING=1 then READY=1
around SIGHUP, STOPPING=1 at SIGTERM. The log: one line per event with its
level, `--log-format json` lines a JSON parser reads, the "<N>" priority
prefix journald reads when JOURNAL_STREAM names stderr, and no secret from
a request's path or query.

Run: /usr/bin/python3 tests/e2e/service_test.py BINARY CONFIG_DIR WORKDIR
"""
import json
import os
import re
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import SANITIZED, Checks, Daemon, run_cli, workspace  # noqa: E402

BINARY, CONFIG, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()
cfg, db = workspace(check, CONFIG, WORK)

# ---- sd_notify ---------------------------------------------------------------------------------
sock_path = os.path.join(WORK, "notify.sock")
notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
notify.bind(sock_path)
notify.settimeout(60 if SANITIZED else 15)
states = []  # (monotonic time, datagram)


def receive_until(pred, what):
    end = time.monotonic() + (60 if SANITIZED else 15)
    while time.monotonic() < end:
        try:
            data = notify.recv(4096).decode()
        except socket.timeout:
            break
        states.append((time.monotonic(), data))
        if pred(data):
            check(True, what)
            return data
    check(False, f"{what} (received: {[s for _, s in states][-8:]})")


WATCHDOG_USEC = 600_000  # WatchdogSec=0.6s: pings every 0.3 s
daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, "--log-format", "json",
                env={"NOTIFY_SOCKET": sock_path, "WATCHDOG_USEC": str(WATCHDOG_USEC)})
port = daemon.start(wait=False)
ready = receive_until(lambda s: "READY=1" in s.split("\n"), "the daemon tells the notify socket READY=1")
check(all(not s.startswith("WATCHDOG") for _, s in states[:-1]), "READY=1 is the first state it sends")
port = None
for _ in range(200):
    m = re.search(r"on http://127\.0\.0\.1:(\d+) ", open(check.log_path, encoding="utf-8").read())
    if m:
        port = int(m.group(1))
        break
    time.sleep(0.02)
daemon.port = port
check(port is not None and daemon.request("GET", "/healthz")[0] == 200,
      "when READY=1 arrives the daemon already answers on its port")
check("STATUS=serving" in ready, f"READY=1 comes with a STATUS= line ({ready!r})")

t0 = time.monotonic()
receive_until(lambda s: s == "WATCHDOG=1", "WATCHDOG=1 follows")
receive_until(lambda s: s == "WATCHDOG=1", "and again")
receive_until(lambda s: s == "WATCHDOG=1", "and again")
pings = [t for t, s in states if s == "WATCHDOG=1"]
gaps = [b - a for a, b in zip(pings, pings[1:])]
check(all(0.2 <= g <= (1.5 if SANITIZED else 0.55) for g in gaps),
      f"WATCHDOG=1 comes at half of WATCHDOG_USEC (0.3 s): gaps {[round(g, 2) for g in gaps]}")

daemon.signal(signal.SIGHUP)
receive_until(lambda s: s == "RELOADING=1", "SIGHUP: RELOADING=1")
receive_until(lambda s: s == "READY=1", "then READY=1 when the reload is done")
daemon.signal(signal.SIGTERM)
receive_until(lambda s: s == "STOPPING=1", "SIGTERM: STOPPING=1")
rc = daemon.proc.wait(timeout=60 if SANITIZED else 20)  # a second SIGTERM (stop()) could land after its handler is gone
daemon.stop()
check(rc == 0, f"and the daemon stops cleanly ({rc})")

# ---- the log as JSON ------------------------------------------------------------------------------
lines = open(check.log_path, encoding="utf-8").read().splitlines()
parsed = []
for line in lines:
    try:
        parsed.append(json.loads(line))
    except ValueError:
        check(False, f"every log line is one JSON object: {line!r}")
check(all(p.get("level") in ("error", "warning", "notice", "info") and "time" in p for p in parsed),
      f"every JSON line has a time and a level ({len(parsed)} lines)")
check(any(p.get("level") == "notice" and p.get("msg", "").startswith("arshjul serving") for p in parsed),
      "the start is a notice")
check(any(p.get("event") == "request" and p.get("target") == "/healthz" and p.get("status") == 200
          and isinstance(p.get("duration_us"), int) for p in parsed),
      "a request is one JSON line with its target, status and duration")

# ---- secrets never reach the log; journald's priorities ---------------------------------------------
log2 = os.path.join(WORK, "journal.log")
open(log2, "w").close()  # the daemon's stderr will be this file: JOURNAL_STREAM names it
st = os.stat(log2)
token = run_cli(BINARY, "subscribe", "--config", cfg, "--db", db, "--all").stdout
feed = re.search(r"/feeds/([A-Za-z0-9_-]+)\.ics", token)
check(feed is not None, "a feed subscription to request")
feed_token = feed.group(1)
daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, log_path=log2,
                env={"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"})
check(daemon.start() is not None, "the daemon starts with JOURNAL_STREAM naming its stderr")
check(daemon.request("GET", f"/feeds/{feed_token}.ics")[0] == 200, "a feed answers")
daemon.request("GET", "/auth/callback?code=SECRETCODE123&state=SECRETSTATE456&x=1")
daemon.request("GET", "/api/v1/people?token=SECRETQUERY789&limit=5")
check(daemon.stop(timeout=20) == 0, "and stops cleanly")
text = open(log2, encoding="utf-8").read()
jl = text.splitlines()
check(all(re.match(r"<[3-6]>(error|warning|notice|info) ", line) for line in jl),
      f"under journald every line starts with its syslog priority and level, and no time: {jl[:2]}")
check(any(line.startswith("<5>notice arshjul serving") for line in jl), "the start is priority 5 (notice)")
check(feed_token not in text and feed_token[:4] in text, "the feed's token is cut to 4 characters in the log")
check("SECRETCODE123" not in text and "SECRETSTATE456" not in text and "code=…" in text and "x=1" in text,
      "an OpenID code and state in a query are masked, other parameters kept")
check("SECRETQUERY789" not in text and "limit=5" in text, "a token= query parameter is masked")

# ---- errors are error lines --------------------------------------------------------------------
bad = run_cli(BINARY, "serve", "--config", os.path.join(WORK, "missing"), "--db", db, "--listen", "127.0.0.1:0")
check(bad.returncode == 1 and re.search(r"^\S+ error .*missing", bad.stderr, re.M),
      f"a start that fails says so on an error line ({bad.stderr.strip()[:160]})")
usage = run_cli(BINARY, "serve", "--log-format", "xml")
check(usage.returncode == 2 and "--log-format expects text or json" in usage.stderr, "--log-format xml is bad usage")
check.done()
