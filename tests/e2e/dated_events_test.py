"""End to end: HR events dated ahead, through the API of a running daemon
under a simulated clock, with a receiver that checks every signature.

- a unit move PATCHed with `effective` is answered 202 and changes nothing
  until its day: the person, their tasks and the leaders' feeds stay;
- on its day (the daemon was down: it applies it when back) the person is
  in the new unit, the new leader owns only the tasks due after the day,
  the overdue one stays with the leader who owed it, and both leaders get
  `person.moved` with `on`;
- a new leader gets `leader.started` on their first day, with what is now
  theirs and who led before, once;
- a withdrawn dated change is never made.

Run: /usr/bin/python3 tests/e2e/dated_events_test.py BINARY CONFIG_DIR WORKDIR
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import Checks, Daemon  # noqa: E402
from receiver import Receiver  # noqa: E402

BINARY, CONFIG, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()

shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
db = os.path.join(WORK, "arshjul.db")
check.log_path = os.path.join(WORK, "daemon.log")
secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
rx = Receiver(secret)
HR = subprocess.run([BINARY, "token", "create", "--role", "hr", "--name", "hr-system", "--db", db],
                    capture_output=True, text=True, timeout=120).stdout.strip()
daemon = Daemon(check, BINARY, "--config", CONFIG, "--db", db, "--hook", rx.url(), "--hook-secret", secret)
base = None


def start(clock):
    global base
    check(daemon.start_ready("--clock", clock), f"the daemon started at {clock}")
    base = daemon.url()


def stop():
    check(daemon.stop(timeout=20) == 0, "the daemon stopped cleanly")


def api(method, path, body=None, content_type="application/json", headers=None):
    data = json.dumps(body).encode() if body is not None else None
    h = {"Authorization": "Bearer " + HR, **(headers or {})}
    if data is not None:
        h["Content-Type"] = content_type
    req = urllib.request.Request(base + "/api/v1" + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if raw else None), dict(r.headers)
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, (json.loads(raw) if raw else None), dict(e.headers)


def wait_until(what, holds, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if holds():
            return True
        time.sleep(0.2)
    return check(False, what)


def received(event):
    with rx.lock:
        return [p for _, _, p in rx.received if p["type"] == event]


def appraisals(subject):
    """Who owes `subject`'s appraisals, by the year they are due."""
    status, body, _ = api("GET", "/tasks?activity=medarbeidersamtaler&limit=100000")
    check(status == 200, "GET /tasks answers 200")
    return {t["due"][:4]: (t["assignee"], t["status"]) for t in body["tasks"] if t["subject"] == subject}


# ---- installed on 1 March; HR dates a move to 1 June ----------------------------------------------

start("2027-03-01T09:00:00+01:00")
status, person, headers = api("GET", "/people/helene-rugelsjoen")
check(status == 200 and person["unit"] == "sykehjem" and person["scheduled"] == [], "Helene Rugelsjøen is in sykehjem, nothing dated")

read_etag = headers["ETag"]
status, body, headers = api("PATCH", "/people/helene-rugelsjoen?effective=2027-06-01", {"unit": "skole"},
                            "application/merge-patch+json", {"If-Match": read_etag})
check(status == 202 and body["unit"] == "sykehjem", f"PATCH with effective=2027-06-01 is answered 202 and she stays in sykehjem ({status})")
check(body["scheduled"] == [{"effective": "2027-06-01", "changes": {"unit": "skole"}, "created": body["scheduled"][0]["created"],
                             "by": "hr-system"}], f"the answer lists the dated change ({body.get('scheduled')})")
check(headers["ETag"] != read_etag, "the person's version names the dated change")
status, _, _ = api("PATCH", "/people/helene-rugelsjoen?effective=2027-07-01", {"unit": "skole"},
                   "application/merge-patch+json", {"If-Match": read_etag})
check(status == 412, "a dated change to the version read before is a 412: someone changed it since")
# Another, to withdraw: Silje Feragen to helse-omsorg on 1 June, then not.
status, _, _ = api("PATCH", "/people/silje-feragen?effective=2027-06-01", {"unit": "helse-omsorg"},
                   "application/merge-patch+json")
check(status == 202, "a second dated move")
status, _, _ = api("DELETE", "/people/silje-feragen/scheduled/2027-06-01")
check(status == 204, "DELETE …/scheduled/2027-06-01 withdraws it")

owed = appraisals("helene-rugelsjoen")
check(owed.get("2027", (None,))[0] == "hanne-moen" and owed.get("2028", (None,))[0] == "hanne-moen",
      f"before the day both appraisals are Hanne Moen's ({owed})")
check(not received("person.moved"), "nobody is told before the day")
stop()

# ---- 1 June: the daemon was down at midnight and applies the move when it starts -----------------

start("2027-06-01T07:00:00+02:00")
wait_until("the move is applied on its day",
           lambda: api("GET", "/people/helene-rugelsjoen")[1]["unit"] == "skole")
status, person, _ = api("GET", "/people/helene-rugelsjoen")
check(person["leader"] == "eirik-molmann" and person["scheduled"] == [], "she is in skole under Eirik Molmann, nothing left dated")
check(api("GET", "/people/silje-feragen")[1]["unit"] == "stab", "the withdrawn move was not made")
owed = appraisals("helene-rugelsjoen")
check(owed.get("2027") == ("hanne-moen", "overdue"), f"the 2027 appraisal, due 30 April, stays Hanne Moen's, overdue ({owed.get('2027')})")
check(owed.get("2028", (None,))[0] == "eirik-molmann", f"the 2028 appraisal is Eirik Molmann's ({owed.get('2028')})")
wait_until("both leaders get person.moved", lambda: len(received("person.moved")) == 2)
moved = {m["data"]["recipient"]["id"]: m["data"] for m in received("person.moved")}
check(set(moved) == {"eirik-molmann", "hanne-moen"}, f"person.moved to the leader she joins and the one she leaves ({set(moved)})")
check(all(d["on"] == "2027-06-01" and d["to_unit"]["id"] == "skole" and d["person"]["id"] == "helene-rugelsjoen"
          for d in moved.values()), "each says she moves to skole on 2027-06-01")
check(moved["eirik-molmann"]["role"] == "new_leader" and moved["hanne-moen"]["role"] == "former_leader", "each names its role")
status, body, _ = api("GET", "/audit?action=person.change_applied")
check(status == 200 and [e["actor"] for e in body["entries"]] == ["hr-system"] and body["entries"][0]["door"] == "schedule",
      "the audit trail records the change as applied, made by hr-system")
stop()

# ---- 16 August: Tone Nesvold takes over the kindergartens from the acting leader -----------------

start("2027-08-16T07:00:00+02:00")
wait_until("the new leader gets leader.started",
           lambda: any(m["data"]["recipient"]["id"] == "tone-nesvold" for m in received("leader.started")))
started = [m["data"] for m in received("leader.started") if m["data"]["recipient"]["id"] == "tone-nesvold"]
d = started[0]
check(d["unit"]["id"] == "barnehage" and d["from"] == "2027-08-16" and d["acting"] is False,
      f"leader.started names the unit and the day ({d['unit']}, {d['from']})")
check(d["former_leader"] and d["former_leader"]["id"] == "gunhild-sletten", "and who led before: the acting leader")
check(d["open_tasks"] > 0 and all(t["due"] >= "2027-08-16" for t in d["tasks"]),
      f"it lists her open tasks, none due before her first day ({d['open_tasks']})")
time.sleep(3)
check(len([m for m in received("leader.started") if m["data"]["recipient"]["id"] == "tone-nesvold"]) == 1, "once")
check(not rx.bad, f"every delivery carried a valid signature ({rx.bad[:1]})")
stop()
check.done()
