"""End to end: packaging/nginx/arshjul.conf, the example TLS proxy, in front of
the daemon with Debian's nginx and a throwaway certificate (openssl req):
a feed and the HR pages over https, the personal page's https:// and
webcal:// links, the HR sign-in cookie Secure, plain http redirected.

The example is used as shipped except for what a test machine needs: its
ports (the daemon's, and free ones for nginx on 127.0.0.1 instead of 443/80
on every address), the certificate, and the log and temp paths.

Run: /usr/bin/python3 tests/e2e/nginx_tls_test.py BINARY CONFIG_DIR WORKDIR EXAMPLE_CONF
"""
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import Checks, Daemon, run_cli, workspace  # noqa: E402

BINARY, CONFIG, WORK, EXAMPLE = sys.argv[1:5]
NAME = "arshjul.example.kommune.no"
check = Checks()
cfg, db = workspace(check, CONFIG, WORK)
if not shutil.which("nginx"):
    check(False, "nginx is installed (scripts/setup.sh --tests installs nginx-light)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# nginx's workers run as nobody when started by root: everything they touch is in a 0755/0777 folder of /tmp.
ngx = tempfile.mkdtemp(prefix="arshjul-nginx-")
os.chmod(ngx, 0o755)
for d in ("temp", "logs"):
    os.makedirs(os.path.join(ngx, d))
    os.chmod(os.path.join(ngx, d), 0o777)
cert, key = os.path.join(ngx, "cert.pem"), os.path.join(ngx, "key.pem")
r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={NAME}",
                    "-addext", f"subjectAltName=DNS:{NAME}", "-keyout", key, "-out", cert],
                   capture_output=True, text=True)
check(r.returncode == 0, "a throwaway certificate for arshjul.example.kommune.no (openssl req)")

https_port, http_port = free_port(), free_port()
public = f"https://{NAME}:{https_port}"
hr_token = run_cli(BINARY, "token", "create", "--role", "hr", "--db", db).stdout.strip()
daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, "--public-url", public)
port = daemon.start()
check(port is not None, f"the daemon starts with --public-url {public}")

conf = open(EXAMPLE, encoding="utf-8").read()
conf = conf.replace("server 127.0.0.1:8080;", f"server 127.0.0.1:{port};")
conf = re.sub(r"^\s*listen \[::\]:.*\n", "", conf, flags=re.M)
conf = conf.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
conf = conf.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
conf = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", conf)
conf = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", conf)
conf = conf.replace("/var/log/nginx/arshjul.access.log", os.path.join(ngx, "logs", "access.log"))
check(f"127.0.0.1:{https_port} ssl" in conf and cert in conf, "the example config with this machine's ports and certificate")
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
{conf}
}}
""")
r = subprocess.run(["nginx", "-p", ngx, "-c", os.path.join(ngx, "nginx.conf"), "-t"], capture_output=True, text=True)
check(r.returncode == 0, f"nginx -t accepts it ({r.stderr.strip()[-300:]})")
subprocess.run(["nginx", "-p", ngx, "-c", os.path.join(ngx, "nginx.conf")], check=True)


def stop_nginx():
    subprocess.run(["nginx", "-p", ngx, "-c", os.path.join(ngx, "nginx.conf"), "-s", "stop"], capture_output=True)


ctx = ssl.create_default_context(cafile=cert)


class Https(http.client.HTTPSConnection):
    """To NAME at 127.0.0.1: SNI and certificate checks for the name, no DNS."""

    def connect(self):
        self.sock = self._context.wrap_socket(socket.create_connection(("127.0.0.1", self.port), timeout=30),
                                              server_hostname=self.host)


def get(path, headers=None, method="GET", body=None):
    conn = Https(NAME, https_port, context=ctx, timeout=30)
    for _ in range(50):  # nginx may take a moment to listen
        try:
            conn.request(method, path, body=body, headers=headers or {})
            break
        except ConnectionRefusedError:
            time.sleep(0.1)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data.decode("utf-8", "replace"), r.headers


try:
    out = run_cli(BINARY, "subscribe", "--config", cfg, "--db", db, "--person", "hanne-moen").stdout
    token = re.search(r"/feeds/([A-Za-z0-9_-]+)\.ics", out).group(1)
    for _ in range(50):
        status, h, body, _ = get(f"/feeds/{token}.ics")
        if status != 404:
            break
        time.sleep(0.2)
    check(status == 200 and body.startswith("BEGIN:VCALENDAR"), "a feed over https through nginx (certificate verified)")
    check(h.get("strict-transport-security", "").startswith("max-age="), "with Strict-Transport-Security")
    status, _, _, _ = get(f"/feeds/{token}.ics", {"If-None-Match": h["etag"]})
    check(status == 304, "and 304 to its ETag through the proxy")

    status, h, body, _ = get(f"/me/{token}")
    check(status == 200 and f"webcal://{NAME}:{https_port}/feeds/{token}.ics" in body
          and f"https://{NAME}:{https_port}/feeds/{token}.ics" in body and f"http://{NAME}" not in body,
          "the personal page over https links the feed as https:// and webcal://, never http://")

    status, h, body, _ = get("/hr/login")
    check(status == 200 and 'action="/hr/login"' in body, "the HR sign-in page over https")
    form = urllib.parse.urlencode({"token": hr_token})
    status, h, body, raw = get("/hr/login", {"Origin": public, "Content-Type": "application/x-www-form-urlencoded"},
                               "POST", form)
    cookie = raw.get("Set-Cookie", "")
    check(status in (302, 303) and "; Secure" in cookie and "HttpOnly" in cookie,
          f"signing in over https sets a Secure, HttpOnly cookie ({status}, {cookie.split(';', 1)[-1].strip()})")
    status, h, body, _ = get("/hr", {"Cookie": cookie.split(";", 1)[0]})
    check(status == 200 and "/hr/logout" in body, f"the HR page over https with that cookie ({status})")

    conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    conn.request("GET", f"/feeds/{token}.ics", headers={"Host": NAME})
    r = conn.getresponse()
    check(r.status == 301 and r.getheader("Location", "").startswith(f"https://{NAME}/feeds/"),
          "plain http is redirected to https")
    conn.close()
    log = open(os.path.join(ngx, "logs", "access.log"), encoding="utf-8").read()
    check(log.count(f"/feeds/{token}") >= 2, "nginx's access log has the requests (keep it private: tokens)")
finally:
    stop_nginx()
check(daemon.stop() == 0, "the daemon stops cleanly")
shutil.rmtree(ngx, ignore_errors=True)
check.done()
