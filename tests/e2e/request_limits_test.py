"""End to end: how the daemon reads requests, as an attacker and a slow
client would try it.

- A large import body is read only for a token that may import: chunked
  uploads without a token are refused from their header, and the daemon's
  memory does not grow with them.
- A real roster file (1,000 rows, ~100 KB) posted with Content-Length is
  imported, not refused with 413.
- A body that keeps trickling in is not cut off by the request timeout;
  one that stalls is.
- Personal-page tokens never reach the access log; "bearer" in lower case
  is the Bearer scheme.

Run: /usr/bin/python3 tests/e2e/request_limits_test.py BINARY CONFIG_DIR WORKDIR
"""
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Checks, Daemon, run_cli, workspace  # noqa: E402

BINARY, CONFIG, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
check = Checks()
cfg, db = workspace(check, CONFIG, WORK)


def cli(*args):
    return run_cli(BINARY, *args)


HR = cli("token", "create", "--role", "hr", "--db", db).stdout.strip()
person = cli("subscribe", "--config", cfg, "--db", db, "--person",
             re.search(r'^id = "([a-z0-9-]+)"', open(os.path.join(cfg, "people.toml"), encoding="utf-8").read(),
                       re.M).group(1))
page_token = re.search(r"^token:\s+(\S+)", person.stdout, re.M).group(1)

daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, "--request-timeout", "2")
check(daemon.start() is not None, "the daemon starts")


def rss_kb():
    for line in open(f"/proc/{daemon.proc.pid}/status", encoding="ascii"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def raw(header, timeout=10):
    s = socket.create_connection(("127.0.0.1", daemon.port), timeout=timeout)
    s.sendall(header.encode())
    return s


def read_status(s):
    data = b""
    while b"\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    m = re.match(rb"HTTP/1\.1 (\d+)", data)
    return int(m.group(1)) if m else None


# ---- chunked uploads without a token --------------------------------------------------------
before = rss_kb()
statuses = []
lock = threading.Lock()


def upload_without_token():
    s = raw("POST /api/v1/people/import HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
            "Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"x" * (1 << 20)
    sent = 0
    try:
        s.settimeout(0.5)
        # Up to 60 MB, as the attack did; the daemon should answer long before.
        while sent < 60:
            s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            sent += 1
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass
    s.settimeout(10)
    try:
        status = read_status(s)
    except OSError:
        status = None
    with lock:
        statuses.append((status, sent))
    s.close()


threads = [threading.Thread(target=upload_without_token) for _ in range(6)]
for t in threads:
    t.start()
for t in threads:
    t.join(timeout=60)
after = rss_kb()
check(len(statuses) == 6 and all(st == 401 for st, _ in statuses),
      f"six chunked uploads without a token are each refused with 401 ({statuses})")
check(after - before < 64 * 1024,
      f"the daemon's memory did not grow with the refused uploads ({before // 1024} MB -> {after // 1024} MB)")
s = raw("POST /api/v1/people/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\n"
        "Content-Type: text/csv\r\nContent-Length: 60000000\r\n\r\n")
check(read_status(s) == 401, "an import announcing 60 MB with a wrong token is refused from its header")
s.close()

# ---- a refused upload is answered, not reset --------------------------------------------------
# http.client sends the whole body before it reads: a daemon that closed at
# once would reset the connection under it, and the 401 would be lost.
conn = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=30)
try:
    conn.request("POST", "/api/v1/people/import", body=b"x" * (16 << 20), headers={"Content-Type": "text/csv"})
    answer = conn.getresponse().status
except OSError as e:
    answer = repr(e)
conn.close()
check(answer == 401, f"a client that sends all of a 16 MB upload without a token before reading gets the 401 ({answer})")

# ---- a real roster file with Content-Length -------------------------------------------------
csv_text = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "people_csv.py"), "--people", "1000",
                           "--hires", "50", "--start", "2027-01-01", "--units-from",
                           os.path.join(cfg, "arshjul.toml")], capture_output=True, text=True, check=True).stdout
body = csv_text.encode()
check(len(body) > 64 * 1024, f"the roster file is larger than 64 KB ({len(body)} bytes)")
status, _, answer = daemon.request("POST", "/api/v1/people/import?dry_run=true", body=body,
                                   headers={"Authorization": "Bearer " + HR, "Content-Type": "text/csv"})
check(status == 200, f"a {len(body) // 1024} KB roster with Content-Length is read and checked (got {status}: {answer[:200]!r})")
check(len(json.loads(answer)["added"]) == 1000, "all 1,000 rows are in the dry run's answer")
status, _, _ = daemon.request("PUT", "/api/v1/people/x", body=b"{" + b" " * (70 * 1024) + b"}",
                              headers={"Authorization": "Bearer " + HR, "Content-Type": "application/json"})
check(status == 413, "a 70 KB body for any other route is refused with 413")

# ---- a slow upload that keeps coming, and one that stalls -----------------------------------
small = "\r\n".join(csv_text.splitlines()[:40]).encode() + b"\r\n"
s = raw(f"POST /api/v1/people/import?dry_run=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {HR}\r\n"
        f"Content-Type: text/csv\r\nContent-Length: {len(small)}\r\n\r\n", timeout=20)
pieces = [small[i:i + len(small) // 8 + 1] for i in range(0, len(small), len(small) // 8 + 1)]
started = time.time()
for piece in pieces:
    s.sendall(piece)
    time.sleep(0.6)  # each piece within the 2 s request timeout, the whole body well past it
check(time.time() - started > 4, "the upload trickled in over more than twice the request timeout")
check(read_status(s) == 200, "a body that keeps arriving is read to the end and answered")
s.close()
s = raw(f"POST /api/v1/people/import?dry_run=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {HR}\r\n"
        f"Content-Type: text/csv\r\nContent-Length: {len(small)}\r\n\r\n", timeout=20)
s.sendall(small[:100])
started = time.time()
closed = s.recv(4096) == b""
check(closed and time.time() - started < 10, "a body that stalls past the request timeout is dropped")
s.close()

# ---- secrets in the log, and the scheme's case ----------------------------------------------
status, _, _ = daemon.request("GET", "/me/" + page_token)
check(status == 200, "the personal page answers")
status, _, _ = daemon.request("GET", "/api/v1/people?limit=1", headers={"Authorization": "bearer " + HR})
check(status == 200, "\"bearer\" in lower case is accepted")
check(daemon.stop() == 0, "SIGTERM stops the daemon cleanly")
log = open(check.log_path, encoding="utf-8").read()
check("/me/" + page_token[:4] in log, "the access log shows the personal page's request")
check(page_token not in log, "the personal page's token is not in the log")
check.done()
