"""End to end: an online backup of a serving daemon's database, restored as
docs/operations.md says (stop, copy the backup over the database, remove
-wal and -shm, start), serves what the original did.

A daemon with feed subscriptions, people imported by the HR API and an HR
override (a moved meeting) is backed up with `arshjul backup` while clients
read its feeds; then stopped; the backup is restored into a new path and a
daemon started on it under the same clock: the same feeds answer with the
same events and the API lists the same people and the same override. What
was written after the backup is not in it: a backup is one moment.

Run: /usr/bin/python3 tests/e2e/backup_test.py BINARY CONFIG_DIR WORKDIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import Checks, Daemon, workspace  # noqa: E402

BINARY, CONFIG, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()
cfg, db = workspace(check, CONFIG, WORK)
CLOCK = "2027-01-04T08:00:00+01:00"


def cli(*args):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=120)


def api(daemon, method, path, token, body=None, content_type="application/json"):
    headers = {"Authorization": "Bearer " + token}
    data = None
    if body is not None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        headers["Content-Type"] = content_type
    req = urllib.request.Request(daemon.url("/api/v1" + path), data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def events(daemon, token):
    """A feed's events, each as its lines without DTSTAMP (the time of rendering)."""
    status, _, body = daemon.request("GET", f"/feeds/{token}.ics")
    if status != 200:
        return status, None
    text = body.decode("utf-8").replace("\r\n ", "")
    found = re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", text, re.S)
    return status, sorted("\n".join(l for l in e.split("\r\n") if l and not l.startswith("DTSTAMP")) for e in found)


def wait_for_feed(daemon, token):
    for _ in range(100):
        status, evs = events(daemon, token)
        if status == 200:
            return evs
        threading.Event().wait(0.1)
    return None


HR = cli("token", "create", "--role", "hr", "--name", "backup-e2e", "--db", db).stdout.strip()
check(len(HR) == 22, "an HR token is created in the new database")

daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, "--clock", CLOCK, "--clock-speed", "1")
check(daemon.start() is not None, "the daemon starts")

subs = {}
for what in (["--all"], ["--person", "hanne-moen"], ["--wheel", "partssamarbeid"]):
    out = cli("subscribe", "--config", cfg, "--db", db, *what).stdout
    m = re.search(r"/feeds/([A-Za-z0-9_-]+)\.ics", out)
    check(m is not None, f"arshjul subscribe {' '.join(what)} beside the running daemon prints a feed URL")
    subs[what[-1]] = m.group(1)

csv = ("id,name,email,unit,roles,union,committees,start_date,leader_start_date,manager\n"
       "backup-ansatt,Berit Backup,berit.backup@roros.kommune.no,sykehjem,employee,,,2027-01-18,,\n"
       "backup-leder,Rolf Restore,rolf.restore@roros.kommune.no,sykehjem,leader;employee,,,,2027-01-11,\n")
status, body = api(daemon, "POST", "/people/import", HR, csv, "text/csv")
check(status == 200 and sorted(body["added"]) == ["backup-ansatt", "backup-leder"],
      f"the HR API imports two people ({status} {body})")

amu = "amu.20270217@roros.arshjul"
status, body = api(daemon, "POST", f"/occurrences/{amu}/move", HR,
                   {"start": "2027-02-24T09:00", "reason": "Kollisjon med kommunestyremøtet"})
check(status == 200 and body["sequence"] >= 1, f"HR moves the AMU meeting of 17 February ({status})")

before = {name: wait_for_feed(daemon, token) for name, token in subs.items()}
check(all(before.values()), "every subscription's feed answers 200 from the daemon")
check(any("DTSTART;TZID=Europe/Oslo:20270224T090000" in e and "arbeidsmiljøutvalget" in e for e in before["--all"]),
      "the whole-wheel feed has the moved AMU meeting on 24 February")
people_before = api(daemon, "GET", "/people?limit=100000", HR)[1]
amu_before = api(daemon, "GET", f"/occurrences/{amu}", HR)[1]

# Clients keep reading feeds while the backup runs.
reading = threading.Event()
failures = []


def keep_reading():
    while not reading.is_set():
        status, _ = events(daemon, subs["--all"])
        if status != 200:
            failures.append(status)


reader = threading.Thread(target=keep_reading)
reader.start()
backup = os.path.join(WORK, "backups", "arshjul-backup.db")
os.makedirs(os.path.dirname(backup))
done = cli("backup", backup, "--db", db)
reading.set()
reader.join()
check(done.returncode == 0, f"arshjul backup exits 0 while the daemon serves ({done.stderr.strip()})")
check(re.search(r"backup: .*arshjul-backup\.db \(\d+ bytes, \d+ pages, schema version \d+, integrity ok\)",
                done.stdout) is not None, f"and says what it wrote ({done.stdout.strip()})")
check(not failures, f"feeds answered 200 all through the backup ({failures[:3]})")
check(os.path.exists(backup) and not os.path.exists(backup + ".tmp"), "the backup is in place, no temp file left")

refused = cli("backup", db, "--db", db)
check(refused.returncode == 1 and "is the database itself" in refused.stderr,
      f"a backup over the database itself is refused ({refused.stderr.strip()})")

# Written after the backup: not in it.
status, _ = api(daemon, "POST", "/people/import", HR,
                "id,name,unit,roles\netter-backup,Etter Backup,sykehjem,employee\n", "text/csv")
check(status == 200, "a person added after the backup")
check(daemon.stop() == 0, "the daemon stops cleanly")

# Restore: into a new path, as docs/operations.md describes.
restored = os.path.join(WORK, "restored", "arshjul.db")
os.makedirs(os.path.dirname(restored))
shutil.copyfile(backup, restored)
for suffix in ("-wal", "-shm"):
    if os.path.exists(restored + suffix):
        os.remove(restored + suffix)
again = Daemon(check, BINARY, "--config", cfg, "--db", restored, "--clock", CLOCK, "--clock-speed", "1",
               log_path=os.path.join(WORK, "restored.log"))
check(again.start() is not None, "a daemon starts on the restored database")

after = {name: wait_for_feed(again, token) for name, token in subs.items()}
for name in subs:
    check(after[name] == before[name], f"the {name} feed answers with the same {len(before[name] or [])} events")
people_after = api(again, "GET", "/people?limit=100000", HR)[1]
check(people_after == people_before, f"the API lists the same {people_before['total']} people")
check(api(again, "GET", "/people/etter-backup", HR)[0] == 404, "the person added after the backup is not in it")
amu_after = api(again, "GET", f"/occurrences/{amu}", HR)[1]
check(amu_after == amu_before and amu_after["start"].startswith("2027-02-24")
      and amu_after["reason"] == "Kollisjon med kommunestyremøtet",
      "the HR override is there: the AMU meeting on 24 February, with its reason")
check(again.stop() == 0, "the restored daemon stops cleanly")

missing = cli("backup", os.path.join(WORK, "x.db"), "--db", os.path.join(WORK, "nowhere.db"))
check(missing.returncode == 1 and "nowhere.db: no such database" in missing.stderr,
      f"a backup of a database that is not there names it ({missing.stderr.strip()})")
check.done()
