"""What the package tests share: they install the arshjul .deb on this
machine (dpkg -i, as root), so they run one at a time (a lock file), only
on a machine they may change: root, no arshjul package or /var/lib/arshjul
that a test did not leave (marker file), and they purge what they installed.
The daemon is run "the way the unit would": the installed unit's ExecStart
with $VARS from its EnvironmentFile, as its User and Group with its UMask,
NoNewPrivileges, no capabilities, HOME at the state directory, cwd /, and a
Python AF_UNIX datagram socket as NOTIFY_SOCKET (systemd's notify protocol).
"""
import fcntl
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

UNIT = "/lib/systemd/system/arshjul.service"
STATE = "/var/lib/arshjul"
MARKER = os.path.join(STATE, ".left-by-package-test")
SKIP = 77  # ctest's SKIP_RETURN_CODE for these tests


def sh(*cmd, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


def installed():
    r = sh("dpkg-query", "-W", "-f=${Status}", "arshjul", check=False)
    return r.returncode == 0 and "installed" in r.stdout and "not-installed" not in r.stdout


def take_machine():
    """Skip (exit 77) unless this machine is ours to change; then hold the lock."""
    if os.geteuid() != 0 or not shutil.which("dpkg"):
        print("skipped: the package tests install a .deb with dpkg and need root (CI's throwaway Debian machine)")
        sys.exit(SKIP)
    lock = open("/run/lock/arshjul-package-test.lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)  # the package and upgrade tests, and other builds' runs, one at a time
    if (installed() or os.path.exists(STATE)) and not os.path.exists(MARKER):
        print("skipped: arshjul is installed here, or /var/lib/arshjul exists, and not by a package test: "
              "not touching it")
        sys.exit(SKIP)
    clean_machine()
    return lock


def clean_machine():
    """Purge the package and the data a test left (the marker says it was a test's)."""
    sh("dpkg", "--purge", "arshjul", check=False)
    if os.path.exists(MARKER) or not os.path.exists(STATE):
        shutil.rmtree(STATE, ignore_errors=True)


def mark_state():
    os.makedirs(STATE, exist_ok=True)
    open(MARKER, "w").close()


def build_deb(build_dir, out_dir):
    """cpack -G DEB from the build directory; the .deb's path."""
    shutil.rmtree(out_dir, ignore_errors=True)
    sh("cpack", "-G", "DEB", "--config", os.path.join(build_dir, "CPackConfig.cmake"), "-B", out_dir)
    debs = [f for f in os.listdir(out_dir) if f.endswith(".deb")]
    return os.path.join(out_dir, debs[0])


def unit_settings(path=UNIT):
    """[Service] settings of a unit file: name -> list of values, in order."""
    settings, section = {}, None
    for raw in open(path, encoding="utf-8"):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]" and "=" in line:
            k, v = line.split("=", 1)
            settings.setdefault(k, []).append(v)
    return settings


def env_file(path):
    """KEY=VALUE lines of an EnvironmentFile, quotes removed, comments skipped."""
    env = {}
    if not os.path.exists(path):
        return env
    for raw in open(path, encoding="utf-8"):
        line = raw.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        k, v = line.split("=", 1)
        env[k.strip()] = " ".join(shlex.split(v)) if v.strip()[:1] in "'\"" else v.strip()
    return env


def exec_start(settings, env):
    """ExecStart as systemd expands it: $VAR splits at whitespace, ${VAR} is one word."""
    words = []
    for w in shlex.split(settings["ExecStart"][-1].lstrip("-@:+!")):
        m = re.fullmatch(r"\$(\w+)|\$\{(\w+)\}", w)
        if m and m.group(1):
            words += env.get(m.group(1), "").split()
        elif m:
            words.append(env.get(m.group(2), ""))
        else:
            words.append(w)
    return words


def unit_env(settings, extra=None):
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
    user = settings["User"][-1]
    env.update({"USER": user, "LOGNAME": user, "HOME": STATE, "SHELL": "/usr/sbin/nologin"})
    for e in settings.get("Environment", []):
        for kv in shlex.split(e):
            k, v = kv.split("=", 1)
            env[k] = v
    for f in settings.get("EnvironmentFile", []):
        env.update(env_file(f.lstrip("-")))
    env.update(extra or {})
    return env


def as_unit_user(settings, argv):
    """argv run as the unit's User/Group, without privileges, as systemd would."""
    return ["setpriv", f"--reuid={settings['User'][-1]}", f"--regid={settings['Group'][-1]}", "--init-groups",
            "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", *argv]


class NotifySocket:
    """systemd's side of sd_notify: a datagram socket the unit's user may write to."""

    def __init__(self, directory):
        os.makedirs(directory, exist_ok=True)
        os.chmod(directory, 0o755)
        self.path = os.path.join(directory, "notify.sock")
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o666)
        self.received = []

    def wait_for(self, state, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.sock.settimeout(max(0.01, end - time.monotonic()))
            try:
                data = self.sock.recv(4096).decode()
            except socket.timeout:
                break
            self.received.append(data)
            if state in data.split("\n"):
                return data
        return None


class UnitProcess:
    """The unit's ExecStart, run as the unit would run it; its stderr in a log."""
    LISTENING = re.compile(r"on http://127\.0\.0\.1:(\d+) ")

    def __init__(self, work, extra_env=None):
        self.settings = unit_settings()
        self.notify = NotifySocket(os.path.join(work, "notify"))
        env = unit_env(self.settings, {"NOTIFY_SOCKET": self.notify.path, **(extra_env or {})})
        self.argv = exec_start(self.settings, env)
        self.log_path = os.path.join(work, "unit.log")
        self.log = open(self.log_path, "a", encoding="utf-8")
        self.log_offset = self.log.tell()  # this run's lines start here
        umask = int(self.settings.get("UMask", ["0022"])[-1], 8)
        self.proc = subprocess.Popen(as_unit_user(self.settings, self.argv), env=env, cwd="/",
                                     stdout=self.log, stderr=self.log, preexec_fn=lambda: os.umask(umask))
        self.port = None

    def ready(self, timeout=30, notify=True):
        """READY=1 on the notify socket (or, for a binary without sd_notify,
        only the log's line); then the port from the log."""
        if notify and self.notify.wait_for("READY=1", timeout) is None:
            return False
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.proc.poll() is None:
            m = self.LISTENING.search(self.said())
            if m:
                self.port = int(m.group(1))
                return True
            time.sleep(0.05)
        return False

    def said(self):
        """What this run has logged."""
        with open(self.log_path, encoding="utf-8") as f:
            f.seek(self.log_offset)
            return f.read()

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()
        finally:
            self.log.close()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


def get_feed(url, etag=None, timeout=15):
    """(status, body text, ETag) of a feed; a new subscription made by another
    process is seen by the daemon's next tick, so a 404 is asked again for a while."""
    end = time.monotonic() + timeout
    while True:
        req = urllib.request.Request(url, headers={"If-None-Match": etag} if etag else {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read().decode(), r.headers.get("ETag")
        except urllib.error.HTTPError as e:
            if e.code != 404 or time.monotonic() > end:
                return e.code, e.read().decode(errors="replace"), e.headers.get("ETag")
        time.sleep(0.2)
