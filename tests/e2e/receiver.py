"""A webhook receiver for tests: verifies every Standard Webhooks signature
itself (Python's hmac, not arshjul's code) and records what arrived.

Modes are switched by POST /control with a JSON body {"mode": "...", "count": N}:
  ok       answer 204
  fail     answer 500 for the next `count` requests, then ok
  slow     sleep 5 s before answering (the sender's timeout is shorter)
"""
import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, secret, port=0):
        self.key = base64.b64decode(secret.removeprefix("whsec_"))
        self.lock = threading.Lock()
        self.received = []       # (webhook_id, headers dict, payload dict)
        self.bad = []            # reasons for rejected requests
        self.attempts = {}       # webhook_id -> attempts seen
        self.mode, self.count = "ok", 0
        self.connections = set()  # open sockets, severed by stop()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                with receiver.lock:
                    receiver.connections.add(self.connection)

            def finish(self):
                with receiver.lock:
                    receiver.connections.discard(self.connection)
                super().finish()

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path == "/control":
                    cmd = json.loads(body)
                    with receiver.lock:
                        receiver.mode, receiver.count = cmd["mode"], cmd.get("count", 0)
                    return self.answer(204)
                wid = self.headers.get("webhook-id", "")
                ts = self.headers.get("webhook-timestamp", "")
                sigs = self.headers.get("webhook-signature", "")
                expected = base64.b64encode(hmac.new(receiver.key, f"{wid}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
                ok_sig = any(s.split(",", 1) == ["v1", expected] for s in sigs.split())
                fresh = ts.isdigit() and abs(time.time() - int(ts)) <= 300
                with receiver.lock:
                    receiver.attempts[wid] = receiver.attempts.get(wid, 0) + 1
                    mode = receiver.mode
                    if mode == "fail":
                        receiver.count -= 1
                        if receiver.count <= 0:
                            receiver.mode = "ok"
                if not ok_sig or not fresh or not wid:
                    with receiver.lock:
                        receiver.bad.append(f"{wid}: signature ok={ok_sig}, timestamp fresh={fresh}")
                    return self.answer(401)
                if mode == "slow":
                    time.sleep(5)
                if mode == "fail":
                    return self.answer(500)
                with receiver.lock:
                    receiver.received.append((wid, dict(self.headers), json.loads(body)))
                self.answer(204)

            def answer(self, code):
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def stop(self):
        # A receiver that goes away takes its kept-alive connections with it:
        # shutting the listener alone leaves their handler threads answering
        # the sender's pooled connections.
        self.server.shutdown()
        self.server.server_close()
        with self.lock:
            open_now = list(self.connections)
        for c in open_now:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
