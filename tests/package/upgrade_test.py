"""An upgrade keeps the data: the package of an earlier commit installed,
filled through the HR API and the CLI, then this build's package installed
over it. Its preinst takes a checked backup (with the old binary, before the
new one migrates the database); the new daemon, run as the unit would (as
systemd's try-restart after the upgrade), answers every feed 304 to the ETag
the old one gave, and every outbox message is still there. The old package
ships the old commit's example config, which the admin has tailored, so the
upgrade keeps it (confold) and the new daemon must read it as it is.

The earlier commit, OLD_COMMIT below, is the last one before the project had
packaging: its `arshjul` is built from `git archive` of that commit (at -O0,
once per build directory: BUILD/package-upgrade/HASH) and put into this
build's package in place of the new binary, with a lower version. A shallow
clone lacks the commit: `git fetch --unshallow` first.

Run as root: /usr/bin/python3 tests/package/upgrade_test.py SOURCE_DIR BUILD_DIR WORKDIR
"""
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import debpkg  # noqa: E402
from debpkg import sh  # noqa: E402
from harness import Checks  # noqa: E402

OLD_COMMIT = "e650edfff920d99f086598482be67ef7736bbe4e"
SOURCE, BUILD, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
DB = "/var/lib/arshjul/arshjul.db"
check = Checks()
lock = debpkg.take_machine()
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
run_dir = tempfile.mkdtemp(prefix="arshjul-upgrade-")
os.chmod(run_dir, 0o755)


def events_of(ics):
    """UID -> (DTSTART, DTEND, STATUS, SUMMARY) of a feed's VEVENTs, lines unfolded."""
    text = ics.replace("\r\n ", "").replace("\n ", "")
    out = {}
    for block in text.split("BEGIN:VEVENT")[1:]:
        fields = {}
        for line in block.split("END:VEVENT")[0].splitlines():
            name, _, value = line.partition(":")
            fields[name.split(";")[0]] = (name, value)
        out[fields.get("UID", ("", ""))[1] + fields.get("RECURRENCE-ID", ("", ""))[1]] = tuple(
            fields.get(k) for k in ("DTSTART", "DTEND", "STATUS", "SUMMARY"))
    return out


def old_binary():
    """The old commit's arshjul, built once per build directory."""
    cache = os.path.join(BUILD, "package-upgrade", OLD_COMMIT[:12])
    binary = os.path.join(cache, "build", "arshjul")
    if os.path.exists(binary):
        return binary, "cached"
    if sh("git", "-C", SOURCE, "cat-file", "-e", OLD_COMMIT + "^{commit}", check=False).returncode != 0:
        check(False, f"commit {OLD_COMMIT[:12]} is in this clone (a shallow clone: git fetch --unshallow)")
    src = os.path.join(cache, "src")
    shutil.rmtree(cache, ignore_errors=True)
    os.makedirs(src)
    subprocess.run(f"git -C '{SOURCE}' archive {OLD_COMMIT} | tar -x -C '{src}'", shell=True, check=True)
    t0 = time.monotonic()
    sh("cmake", "-S", src, "-B", os.path.join(cache, "build"), "-G", "Ninja", "-DCMAKE_BUILD_TYPE=None",
       "-DCMAKE_CXX_FLAGS=-O0", "-DBUILD_TESTING=OFF", "-DARSHJUL_WERROR=OFF")
    sh("cmake", "--build", os.path.join(cache, "build"), "-j", str(os.cpu_count() or 2), "--target", "arshjul")
    return binary, f"built in {time.monotonic() - t0:.0f} s"


def old_deb(new_deb, binary, version):
    """This build's package with the old binary, the old commit's example
    config in /etc/arshjul (an old binary cannot read keys added since, and
    an admin upgrading has the old files) and a lower version."""
    root = os.path.join(WORK, "old-deb")
    shutil.rmtree(root, ignore_errors=True)
    sh("dpkg-deb", "-R", new_deb, root)
    target = os.path.join(root, "usr", "bin", "arshjul")
    shutil.copy(binary, target)
    sh("strip", target)
    etc = os.path.join(root, "etc", "arshjul")
    shutil.rmtree(etc)
    shutil.copytree(os.path.join(os.path.dirname(os.path.dirname(binary)), "src", "config", "roros"), etc)
    control = os.path.join(root, "DEBIAN", "control")
    text = re.sub(r"^Version: .*$", f"Version: {version}", open(control).read(), flags=re.M)
    open(control, "w").write(text)
    files = sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs
                   if not os.path.relpath(d, root).startswith("DEBIAN"))
    with open(os.path.join(root, "DEBIAN", "conffiles"), "w") as f:
        f.write("".join(f"/{p}\n" for p in files if p.startswith("etc/")))
    with open(os.path.join(root, "DEBIAN", "md5sums"), "w") as f:
        f.write(sh("md5sum", *files, cwd=root).stdout)
    out = os.path.join(WORK, f"arshjul_{version}_amd64.deb")
    sh("dpkg-deb", "--root-owner-group", "-b", root, out)
    return out


def as_user(*argv):
    return sh(*debpkg.as_unit_user(debpkg.unit_settings(), ["/usr/bin/arshjul", *argv]), check=False)


def api(unit, method, path, token, body=None, content_type="application/json"):
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        headers["Content-Type"] = content_type
    req = urllib.request.Request(unit.url("/api/v1" + path), data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def outbox():
    """Every outbox message: id -> (event, recipient, webhook-id, occurrence)."""
    out = as_user("outbox", "list", "--db", DB, "--limit", "1000000").stdout.splitlines()[1:]
    rows = {}
    for line in out:
        c = line.split()
        rows[c[0]] = (c[4], c[6], c[7], c[8])
    return rows


try:
    new_deb = debpkg.build_deb(BUILD, os.path.join(WORK, "deb"))
    binary, how = old_binary()
    check(os.path.exists(binary), f"the arshjul of commit {OLD_COMMIT[:12]} ({how})")
    new_version = sh("dpkg-deb", "-f", new_deb, "Version").stdout.strip()
    old_version = f"{new_version}~git.{OLD_COMMIT[:7]}"
    old = old_deb(new_deb, binary, old_version)
    r = sh("dpkg", "-i", old, check=False)
    check(r.returncode == 0, f"the package of {OLD_COMMIT[:7]} installs as version {old_version} ({r.stderr[-300:]})")
    debpkg.mark_state()

    # The admin's settings: a port, the wheel's clock (notices due at once), a hook nobody answers.
    secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    with open("/etc/default/arshjul", "a", encoding="utf-8") as f:
        f.write('ARSHJUL_OPTS="--listen 127.0.0.1:0 --clock 2027-01-04T08:00:00+01:00 '
                '--hook http://127.0.0.1:9/arshjul"\n')
        f.write(f"ARSHJUL_HOOK_SECRET={secret}\n")
    settings_before = open("/etc/default/arshjul").read()

    hr = as_user("token", "create", "--role", "hr", "--name", "upgrade-test", "--db", DB).stdout.strip()
    check(len(hr) == 22, "an HR token, from the old arshjul")
    unit = debpkg.UnitProcess(run_dir)
    ready = unit.ready(notify=False)
    check(ready, "the old daemon serves, run as the unit runs it" + ("" if ready else f": {unit.said()[-800:]}"))
    subs = {}
    for what in (["--all"], ["--person", "hanne-moen"], ["--wheel", "partssamarbeid"], ["--unit", "sykehjem"]):
        out = as_user("subscribe", "--config", "/etc/arshjul", "--db", DB, *what).stdout
        m = re.search(r"/feeds/([A-Za-z0-9_-]+)\.ics", out)
        check(m is not None, f"subscribe {' '.join(what)}")
        subs[what[-1]] = m.group(1)
    csv = ("id,name,email,unit,roles,union,committees,start_date,leader_start_date,manager\n"
           "oppgradering-ansatt,Berit Oppgradering,berit.o@roros.kommune.no,sykehjem,employee,,,2027-01-18,,\n"
           "oppgradering-leder,Rolf Versjon,rolf.v@roros.kommune.no,sykehjem,leader;employee,,,,2027-01-11,\n")
    status, body = api(unit, "POST", "/people/import", hr, csv, "text/csv")
    check(status == 200 and len(body["added"]) == 2, f"the HR API imports two people ({status})")
    amu = "amu.20270217@roros.arshjul"
    status, body = api(unit, "POST", f"/occurrences/{amu}/move", hr,
                       {"start": "2027-02-24T09:00", "reason": "Kollisjon med kommunestyremøtet"})
    check(status == 200, f"HR moves the AMU meeting of 17 February ({status})")
    etags, bodies = {}, {}
    for name, token in subs.items():
        status, body, etag = debpkg.get_feed(unit.url(f"/feeds/{token}.ics"))
        check(status == 200 and etag, f"the old daemon serves the {name} feed with an ETag")
        etags[name], bodies[name] = etag, body
    time.sleep(2)  # a tick or two: messages planned, first attempts at the hook that does not answer
    before = outbox()
    check(len(before) > 0, f"the outbox holds {len(before)} messages for the hook")

    # ---- the upgrade, with the old daemon serving -------------------------------------------------
    # The admin has made the wheels their own (a line in every file), so the
    # upgrade keeps them, as apt does unattended (confdef, then confold):
    # the new daemon must read the old config and render the same feeds.
    tailored = []
    for d, _, fs in os.walk("/etc/arshjul"):
        for f in fs:
            tailored.append(os.path.join(d, f))
            with open(tailored[-1], "a", encoding="utf-8") as out:
                out.write("# Tilpasset av kommunen\n")
    r = sh("dpkg", "-i", "--force-confdef", "--force-confold", new_deb, check=False)
    check(r.returncode == 0 and "backed up the database before the upgrade" in r.stdout,
          f"dpkg -i of {new_version} over it: preinst backs up the database ({r.stdout.strip()[-200:]})")
    backups = os.listdir("/var/lib/arshjul/backups")
    check(len(backups) == 1 and backups[0].startswith(f"arshjul-{old_version}-before-{new_version}-"),
          f"the backup is named by both versions: {backups}")
    check(unit.stop() == 0, "the old daemon stops (systemd's try-restart)")
    unit = debpkg.UnitProcess(run_dir)
    kept = [f for f in tailored if open(f, encoding="utf-8").read().endswith("# Tilpasset av kommunen\n")]
    check(len(kept) == len(tailored), f"the admin's {len(tailored)} config files are kept ({len(kept)} kept)")
    check(unit.ready(), "the new daemon opens (and migrates) the database and tells READY=1")
    for name, token in subs.items():
        status, body, _ = debpkg.get_feed(unit.url(f"/feeds/{token}.ics"), etag=etags[name])
        if status == 304:
            check(True, f"the {name} feed answers 304 to the ETag the old daemon gave")
            continue
        # A newer version may word an event anew (a move note that now names
        # the half day it also passed): then the feed changes, but the same
        # events stay at the same times, under the same UIDs.
        old_events, new_events = events_of(bodies[name]), events_of(body)
        changed = sorted(uid for uid in old_events if old_events[uid] != new_events.get(uid))
        check(status == 200 and old_events == new_events,
              f"the {name} feed answers 304 to the old ETag, or 200 with the same events at the same times "
              f"({status}; {len(old_events)} events before, {len(new_events)} after; differing: {changed[:3]})")
    after = outbox()
    lost = [i for i in before if i not in after or after[i] != before[i]]
    check(not lost, f"all {len(before)} outbox messages are still there, same webhook-ids ({lost[:3]})")
    status, body = api(unit, "GET", "/people/oppgradering-leder", hr)
    check(status == 200 and body["name"] == "Rolf Versjon", "the imported people and the HR token are kept")
    check(open("/etc/default/arshjul").read() == settings_before, "the admin's /etc/default/arshjul is kept")
    check(unit.stop() == 0, "the new daemon stops cleanly")
    backup = os.path.join("/var/lib/arshjul/backups", backups[0])
    r = sh("/usr/bin/arshjul", "backup", os.path.join(run_dir, "check.db"), "--db", backup, check=False)
    check(r.returncode == 0 and "integrity ok" in r.stdout, f"the pre-upgrade backup is a sound database ({r.stdout.strip()})")
finally:
    debpkg.clean_machine()
    shutil.rmtree(run_dir, ignore_errors=True)
check.done()
