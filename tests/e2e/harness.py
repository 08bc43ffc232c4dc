"""What every end-to-end test script shares: checks that print as they pass
and stop at the first failure with the daemon's log tail, the closing line
ctest reads ("N passed, 0 failed"), and the daemon itself (Daemon): started on
a free port with its output in a log, stopped with SIGTERM, and never left
running when the script exits, however it exits."""
import atexit
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

# Set by scripts/test.sh for the ASan/UBSan build, which runs several times slower.
SANITIZED = bool(os.environ.get("ARSHJUL_SANITIZED"))


def wait_for(pred, seconds=30):
    """Whether `pred()` came true within `seconds` (polled every 0.1 s). For
    what the daemon does in its own time (a reload, a poll): a fixed sleep
    fails on a loaded machine, a deadline only when it never happens."""
    end = time.time() + seconds
    while True:
        if pred():
            return True
        if time.time() >= end:
            return False
        time.sleep(0.1)


class Checks:
    def __init__(self):
        self.passed = 0
        self.log_path = None  # the daemon's log, shown when a check fails

    def __call__(self, cond, what):
        if not cond:
            print(f"FAILED: {what}")
            if self.log_path and os.path.exists(self.log_path):
                print("--- daemon log (tail) ---")
                print("".join(open(self.log_path, encoding="utf-8").readlines()[-25:]))
            sys.exit(1)
        self.passed += 1
        print(f"ok: {what}")

    def done(self):
        print(f"{self.passed} passed, 0 failed")


_daemons = []  # every Daemon of this script, for _no_daemon_left_behind


@atexit.register
def _no_daemon_left_behind():
    # A failed check exits at once (sys.exit in Checks), an exception ends the
    # script: either way no daemon may outlive it and hold on to its port or db.
    # Kill first, then say so: stdout/stderr may be a closed pipe by now.
    for d in _daemons:
        if d.running():
            d.proc.kill()
            d.proc.wait()
            try:
                print(f"harness: killed the daemon still running at exit (pid {d.proc.pid})", file=sys.stderr)
            except OSError:
                pass


def _exit_on_sigterm(signum, frame):
    sys.exit(128 + signum)  # so that the atexit handler above runs


class Daemon:
    """`BINARY serve --listen 127.0.0.1:0 ARGS...`, its stdout and stderr in
    log_path (check.log_path unless given, so a failed check shows its tail).

        daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, env={"TZ": "UTC"})
        port = daemon.start()            # None if it did not say where it listens
        daemon.request("GET", "/healthz")  # -> (status, headers, body)
        daemon.signal(signal.SIGHUP)
        check(daemon.stop(timeout=10) == 0, "SIGTERM stops the daemon cleanly")

    start() may be called again after stop() or kill() (a restart, with the
    log appended to); its extra arguments apply to that run only."""

    LISTENING = re.compile(rb"on http://127\.0\.0\.1:(\d+) ")

    def __init__(self, check, binary, *args, env=None, log_path=None):
        self.check = check
        self.binary = binary
        self.args = list(args)
        self.env = env
        self.log_path = log_path or check.log_path
        if not self.log_path:
            raise ValueError("Daemon needs a log path: set check.log_path or pass log_path")
        self.proc = None
        self.port = None
        self._log = None
        self._runs = 0
        _daemons.append(self)
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _exit_on_sigterm)

    def start(self, *extra, wait=True, timeout=None):
        """Start the daemon; with wait, wait until its log says where it
        listens (up to timeout seconds: 15, 60 for a sanitizer build) and
        return the port, or None if it exited or did not say so in time.
        Without wait, return None at once (port stays None)."""
        if self.running():
            raise RuntimeError("the daemon is already running")
        self._close_log()
        self._log = open(self.log_path, "w" if self._runs == 0 else "a", encoding="utf-8")
        offset = self._log.tell()
        self._runs += 1
        self.port = None
        env = None
        if self.env:
            env = dict(os.environ)
            env.update(self.env)
        self.proc = subprocess.Popen([self.binary, "serve", "--listen", "127.0.0.1:0", *self.args, *extra],
                                     stdout=self._log, stderr=self._log, env=env)
        if not wait:
            return None
        end = time.time() + (timeout if timeout is not None else (60 if SANITIZED else 15))
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            seen = b""
            while True:
                exited = self.proc.poll() is not None
                seen += f.read()
                m = self.LISTENING.search(seen)
                if m:
                    self.port = int(m.group(1))
                    return self.port
                if exited or time.time() >= end:
                    return None
                time.sleep(0.02)

    def start_ready(self, *extra):
        """Start, then wait until /healthz answers 200 (the first build done);
        False if it exits or never does."""
        if self.start(*extra) is None:
            return False
        end = time.time() + (60 if SANITIZED else 10)
        while self.running() and time.time() < end:
            try:
                if self.request("GET", "/healthz", timeout=2)[0] == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def api(self, method, path, token, body=None, content_type="application/json"):
        """One call under /api/v1 with a bearer token: (status, the JSON body
        or None). A str body is sent as is, anything else as JSON."""
        headers = {"Authorization": "Bearer " + token}
        if body is not None:
            body = body if isinstance(body, str) else json.dumps(body)
            headers["Content-Type"] = content_type
        status, _, raw = self.request(method, "/api/v1" + path, body=body, headers=headers, timeout=60)
        return status, (json.loads(raw) if raw else None)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def url(self, path=""):
        return f"http://127.0.0.1:{self.port}{path}"

    def request(self, method, path, body=None, headers=None, timeout=30):
        """One request on a connection of its own: (status, headers with
        lower-case names, body bytes). A str body is sent as UTF-8."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body.encode("utf-8") if isinstance(body, str) else body,
                         headers=headers or {})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=20):
        """SIGTERM, and the exit code once it has stopped. A daemon still
        running after timeout seconds is killed with -9 and the check fails."""
        if self.running():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._close_log()
                self.check(False, f"the daemon stops within {timeout} s of SIGTERM (it had to be killed with -9)")
        self._close_log()
        return self.proc.returncode

    def kill(self):
        """SIGKILL: no chance to finish anything. Returns the exit code (-9)."""
        if self.running():
            self.proc.kill()
        code = self.proc.wait()
        self._close_log()
        return code

    def _close_log(self):
        if self._log is not None:
            self._log.close()
            self._log = None


def workspace(check, config, work):
    """A fresh `work` folder with a copy of `config` (a test may change it):
    returns (config copy, database path), and the daemon's log goes to
    work/daemon.log, which a failed check shows."""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    cfg = os.path.join(work, "config")
    shutil.copytree(config, cfg)
    check.log_path = os.path.join(work, "daemon.log")
    return cfg, os.path.join(work, "arshjul.db")


def run_cli(binary, *args, timeout=120):
    """One `arshjul` command: its CompletedProcess with text output."""
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout)

