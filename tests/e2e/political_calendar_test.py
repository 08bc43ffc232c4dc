"""End to end: the political calendar from a URL (organisation.political_calendar),
served over HTTPS by Debian's nginx with a certificate from a throwaway CA
that the config names in ca_file.

The møteplan puts Kommunestyret on Tuesday 9 March 2027, the day of the
drøftingsmøte with the hovedtillitsvalgte: the daemon fetches it at start and
the meeting moves to the 10th, naming Kommunestyret. Fetched again unchanged,
nginx answers 304 to the conditional GET. nginx then serves a new møteplan
(Formannskapet on the 9th and the 10th): after SIGHUP's fetch the meeting
moves to the 11th with a raised SEQUENCE. A body that is not iCalendar keeps
the stored copy and is logged and counted. With nginx stopped, a restarted
daemon still avoids the days from its stored copy and warns that it could
not fetch.

Run: /usr/bin/python3 tests/e2e/political_calendar_test.py BINARY CONFIG_DIR WORKDIR
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import SANITIZED, Checks, Daemon, run_cli, workspace  # noqa: E402

BINARY, CONFIG, WORK = sys.argv[1:4]
check = Checks()
cfg, db = workspace(check, CONFIG, WORK)
if not shutil.which("nginx"):
    check(False, "nginx is installed (scripts/setup.sh --tests installs nginx-light)")
UID = "drofting-htv.20270309@roros.arshjul"


def run(*cmd):
    subprocess.run(cmd, check=True, capture_output=True, cwd=WORK)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
    "-subj", "/CN=arshjul test CA")
run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
open(os.path.join(WORK, "san.ext"), "w").write("subjectAltName=DNS:localhost\n")
run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
    "-out", "server.pem", "-days", "2", "-extfile", "san.ext")

# nginx's workers run as nobody when started by root: what they read is in a 0755 folder of /tmp.
ngx = tempfile.mkdtemp(prefix="arshjul-polcal-nginx-")
os.chmod(ngx, 0o755)
for d in ("temp", "logs", "www"):
    os.makedirs(os.path.join(ngx, d))
    os.chmod(os.path.join(ngx, d), 0o777)
port = free_port()
temp = os.path.join(ngx, "temp")
with open(os.path.join(ngx, "nginx.conf"), "w", encoding="utf-8") as f:
    f.write(f"""worker_processes 1;
pid {ngx}/nginx.pid;
error_log {ngx}/logs/error.log;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    access_log {ngx}/logs/access.log;
    types {{ text/calendar ics; }}
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {WORK}/server.pem;
        ssl_certificate_key {WORK}/server.key;
        root {ngx}/www;
    }}
}}
""")
NGINX = ["nginx", "-p", ngx, "-c", os.path.join(ngx, "nginx.conf")]
ICS = os.path.join(ngx, "www", "moteplan.ics")
URL = f"https://localhost:{port}/moteplan.ics"


def serve_ics(events, mtime):
    """The møteplan nginx serves: (DTSTART date, SUMMARY) pairs, with a Last-Modified of `mtime`."""
    body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Røros kommune//Møteplan//NB\r\n"
    for day, summary in events:
        body += (f"BEGIN:VEVENT\r\nUID:{day}-{summary.lower()}@roros.kommune.no\r\nDTSTAMP:20261101T000000Z\r\n"
                 f"DTSTART;TZID=Europe/Oslo:{day}T100000\r\nDTEND;TZID=Europe/Oslo:{day}T150000\r\n"
                 f"SUMMARY:{summary}\r\nEND:VEVENT\r\n")
    write_raw(body + "END:VCALENDAR\r\n", mtime)


def write_raw(text, mtime):
    with open(ICS, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(ICS, 0o644)
    os.utime(ICS, (mtime, mtime))


def log_text():
    with open(check.log_path, encoding="utf-8", errors="replace") as f:
        return f.read()


def metric(result):
    _, _, body = daemon.request("GET", "/metrics")
    m = re.search(r'arshjul_political_calendar_fetches_total\{result="%s"\} (\d+)' % result, body.decode())
    return int(m.group(1)) if m else None


def occurrence():
    status, body = daemon.api("GET", "/occurrences/" + UID, token)
    return body if status == 200 else {}


def feed_event():
    """The meeting as subscribers see it: its VEVENT in the --all feed, unfolded."""
    status, _, body = daemon.request("GET", f"/feeds/{feed}.ics")
    text = body.decode("utf-8").replace("\r\n ", "")
    for event in text.split("BEGIN:VEVENT")[1:]:
        if f"UID:{UID}\r\n" in event:
            return event
    return ""


def wait_for(cond, seconds=60 if SANITIZED else 20):
    end = time.time() + seconds
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.2)
    return False


now = time.time()
serve_ics([("20270309", "Kommunestyret")], now - 3600)
r = subprocess.run(NGINX + ["-t"], capture_output=True, text=True)
check(r.returncode == 0, f"nginx -t accepts a static https server for the møteplan ({r.stderr.strip()[-300:]})")
subprocess.run(NGINX, check=True)


def stop_nginx():
    subprocess.run(NGINX + ["-s", "stop"], capture_output=True)
    for _ in range(50):
        if not os.path.exists(os.path.join(ngx, "nginx.pid")):
            return
        time.sleep(0.1)


toml = os.path.join(cfg, "arshjul.toml")
text = open(toml, encoding="utf-8").read()
text = text.replace("[organisation]\n", "[organisation]\npolitical_calendar = { url = \"%s\", refresh = \"6h\", ca_file = \"%s\" }\n"
                    % (URL, os.path.join(WORK, "ca.pem")), 1)
open(toml, "w", encoding="utf-8").write(text)

try:
    r = run_cli(BINARY, "check", cfg)
    check(r.returncode == 0 and f"the political calendar {URL} is fetched by the daemon" in r.stderr,
          f"check does not fetch the URL, and says the daemon does ({r.stderr.strip()[:200]})")

    token = run_cli(BINARY, "token", "create", "--role", "read", "--db", db).stdout.strip()
    out = run_cli(BINARY, "subscribe", "--config", cfg, "--db", db, "--all").stdout
    feed = re.search(r"/feeds/([A-Za-z0-9_-]+)\.ics", out).group(1)
    daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, "--clock", "2027-01-05T12:00:00+01:00")
    check(daemon.start_ready(), "the daemon starts with a political calendar URL")

    moved = wait_for(lambda: occurrence().get("start", "").startswith("2027-03-10"))
    o = occurrence()
    check(moved and o.get("move_reason") == "political meeting (Kommunestyret)",
          f"fetched at start over https (ca_file): the drøftingsmøte moves from 9 to 10 March naming Kommunestyret "
          f"({o.get('start')}, {o.get('move_reason')})")
    event = feed_event()
    check("DTSTART;TZID=Europe/Oslo:20270310T090000" in event
          and "Flyttet fra tirsdag 9. mars 2027 (politisk møte: Kommunestyret)" in event,
          "and its feed tells subscribers in bokmål: «Flyttet fra tirsdag 9. mars 2027 (politisk møte: Kommunestyret)»")
    first_sequence = o.get("sequence", -1)
    check(metric("ok") == 1 and re.search(r"political calendar \S+: new møteplan with 1 meetings", log_text()),
          "one fetch ok in /metrics, and the new møteplan in the log")

    daemon.signal(signal.SIGHUP)
    check(wait_for(lambda: metric("not_modified") == 1),
          "fetched again unchanged (SIGHUP): nginx answers the conditional GET with 304, counted as not_modified")
    access = open(os.path.join(ngx, "logs", "access.log"), encoding="utf-8").read()
    check(re.search(r'"GET /moteplan.ics HTTP/1.1" 304 ', access), "nginx's access log shows the 304")

    serve_ics([("20270309", "Formannskapet"), ("20270310", "Formannskapet")], now)
    daemon.signal(signal.SIGHUP)
    moved = wait_for(lambda: occurrence().get("start", "").startswith("2027-03-11"))
    o = occurrence()
    check(moved and "Formannskapet" in o.get("move_reason", "") and o.get("sequence", -1) > first_sequence,
          f"nginx serves a new møteplan: after the fetch the meeting moves on to 11 March, naming Formannskapet, "
          f"SEQUENCE {first_sequence} -> {o.get('sequence')}")
    check("(politisk møte: Formannskapet)" in feed_event(), "and its feed names Formannskapet")

    write_raw("<html>Siden er flyttet</html>\n", now + 60)
    daemon.signal(signal.SIGHUP)
    check(wait_for(lambda: metric("rejected") == 1), "a body that is not iCalendar is counted as rejected")
    check(re.search(r"political calendar " + re.escape(URL) + r": the body is not a usable møteplan: .*; keeping the last good copy",
                    log_text()), "and logged as a warning naming the URL and the reason")
    time.sleep(1)
    o = occurrence()
    check(o.get("start", "").startswith("2027-03-11") and "Formannskapet" in o.get("move_reason", ""),
          "the stored copy stays: the meeting is still on 11 March")

    write_raw("BEGIN:VCALENDAR\r\n" + "X-FILL:" + "x" * (3 << 20) + "\r\nEND:VCALENDAR\r\n", now + 120)
    daemon.signal(signal.SIGHUP)
    check(wait_for(lambda: metric("failed") == 1)
          and re.search(r"political calendar \S+: not fetched: reading the answer: the body is larger than 2 MB; "
                        r"keeping the last good copy", log_text()),
          "a body over 2 MB is not taken: counted as failed, logged with the limit")

    # Without ca_file the test CA is not trusted: the certificate is verified, not just the channel encrypted.
    open(toml, "w", encoding="utf-8").write(re.sub(r', ca_file = "[^"]*"', "", text, count=1))
    reloads = log_text().count("reload: ok")
    daemon.signal(signal.SIGHUP)
    check(wait_for(lambda: log_text().count("reload: ok") > reloads), "the config without ca_file is reloaded")
    failed = metric("failed")
    daemon.signal(signal.SIGHUP)
    # Waits for the reason, not a count: a fetch begun before may still end as another failure.
    check(wait_for(lambda: re.search(r"political calendar \S+: not fetched: TLS handshake with localhost: certificate "
                                     r"verify failed", log_text()) and metric("failed") > failed),
          "without ca_file the test CA's certificate is refused (certificate verify failed)")
    o = occurrence()
    check(o.get("start", "").startswith("2027-03-11"), "and the stored copy still holds the meeting on 11 March")
    check(daemon.stop() == 0, "SIGTERM stops the daemon")

    stop_nginx()
    check(daemon.start_ready(), "with nginx stopped, the daemon starts again")
    o = occurrence()
    check(o.get("start", "").startswith("2027-03-11") and "Formannskapet" in o.get("move_reason", ""),
          f"from its stored copy it still avoids the council days: 11 March ({o.get('start')})")
    check(wait_for(lambda: (metric("failed") or 0) >= 1)
          and re.search(r"political calendar " + re.escape(URL) + r": not fetched: connecting to localhost:\d+: .*; "
                        r"keeping the last good copy \(fetched ", log_text()),
          "the failed fetch is counted and logged with the URL, the reason and the copy kept")
    check(daemon.stop() == 0, "SIGTERM stops the daemon")

    r = run_cli(BINARY, "check", cfg, "--db", db)
    check(r.returncode == 0 and "as the daemon last stored it is checked" in r.stderr,
          f"check --db reads the stored copy ({r.stderr.strip()[:200]})")
finally:
    stop_nginx()
    shutil.rmtree(ngx, ignore_errors=True)
check.done()
