"""End to end: a hook over HTTPS is delivered only to a certificate arshjul can verify.

A local TLS receiver with a certificate from a throwaway CA: with the CA
named in ca_file the message arrives; with a hook that does not trust it,
the delivery fails with a certificate error and is retried, never sent in
the clear. Run: /usr/bin/python3 tests/e2e/webhook_tls_test.py BINARY CONFIG_DIR WORKDIR
"""
import base64
import os
import re
import shutil
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Checks, Daemon  # noqa: E402
from receiver import Receiver  # noqa: E402

BINARY, CONFIG, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()



def run(*cmd):
    subprocess.run(cmd, check=True, capture_output=True, cwd=WORK)


shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
    "-subj", "/CN=arshjul test CA")
run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
open(os.path.join(WORK, "san.ext"), "w").write("subjectAltName=DNS:localhost\n")
run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
    "-out", "server.pem", "-days", "2", "-extfile", "san.ext")

secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
rx = Receiver(secret)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(os.path.join(WORK, "server.pem"), os.path.join(WORK, "server.key"))
rx.server.socket = ctx.wrap_socket(rx.server.socket, server_side=True)

cfg = os.path.join(WORK, "config")
shutil.copytree(CONFIG, cfg)
with open(os.path.join(cfg, "arshjul.toml"), "a", encoding="utf-8") as f:
    f.write(f'\n[[hook]]\nid = "trusted"\nurl = "https://localhost:{rx.port}/hook"\nsecret = "{secret}"\n'
            f'ca_file = "{os.path.join(WORK, "ca.pem")}"\nevents = ["notice.early"]\n')
    f.write(f'\n[[hook]]\nid = "untrusted"\nurl = "https://localhost:{rx.port}/hook"\nsecret = "{secret}"\n'
            f'events = ["reminder.due"]\n')
db = os.path.join(WORK, "arshjul.db")
check.log_path = os.path.join(WORK, "daemon.log")
daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, "--clock", "2027-03-07T12:00:00+01:00")
daemon.start()
end = time.time() + 20
while time.time() < end and not rx.received:
    time.sleep(0.2)
time.sleep(2)
daemon.stop(timeout=20)
check(rx.received and all(p["type"] == "notice.early" for _, _, p in rx.received) and not rx.bad,
      f"over HTTPS with the CA in ca_file: {len(rx.received)} notices delivered, signatures valid")
out = subprocess.run([BINARY, "outbox", "list", "--db", db, "--limit", "100000"], capture_output=True, text=True).stdout
untrusted = [l for l in out.splitlines() if " untrusted " in l and not re.match(r"^\d+\s+\w+\s+0\s", l)]
check(untrusted and all(re.match(r"^\d+\s+pending\s", l) and "certificate verify failed" in l for l in untrusted),
      f"to a hook that does not trust the certificate: {len(untrusted)} deliveries refused for the certificate, kept for retry")
rx.stop()
check.done()
