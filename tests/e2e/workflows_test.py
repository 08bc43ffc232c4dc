"""End to end: the wheels as workflows, driven through the HR API of a running
daemon under a simulated clock, with a receiver that checks every signature.

- ansattdag: hires posted through the API land on the right employee day,
  overflow goes to the next one, a cancelled day re-registers its people and
  they are told, a withdrawn hire is deregistered, one who cannot be placed
  in time makes HR hear of it;
- medarbeidersamtaler: a year of appraisals, some completed through the API,
  gives reminders and overdue notices to exactly the right leaders;
- 10-faktor: a round gives every unit's follow-up tasks to its leader;
- bad input gets a clear 4xx and changes nothing stored.

Run: /usr/bin/python3 tests/e2e/workflows_test.py BINARY CONFIG_DIR WORKDIR
"""
import base64
import collections
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import Checks, Daemon  # noqa: E402
from receiver import Receiver  # noqa: E402

BINARY, CONFIG, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()

shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
cfg = os.path.join(WORK, "config")
shutil.copytree(CONFIG, cfg)
# Three places a day, so a handful of hires shows the overflow, and 200 days'
# wait, so the people of a cancelled day can all be placed again.
path = os.path.join(cfg, "wheels", "ansattdag.toml")
text = open(path, encoding="utf-8").read()
text, n = re.subn(r"registration = \{ capacity = \d+, lead_days = 7, max_wait_days = \d+(, name = \"[^\"]*\")? \}",
                  r"registration = { capacity = 3, lead_days = 7, max_wait_days = 200\1 }", text)
assert n == 1, "the ansattdag wheel has a registration rule"
open(path, "w", encoding="utf-8").write(text)

db = os.path.join(WORK, "arshjul.db")
log_path = check.log_path = os.path.join(WORK, "daemon.log")
secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
rx = Receiver(secret)


def cli(*args):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=120)


HR = cli("token", "create", "--role", "hr", "--name", "e2e", "--db", db).stdout.strip()
READ = cli("token", "create", "--role", "read", "--db", db).stdout.strip()
check(re.fullmatch(r"[A-Za-z0-9_-]{22}", HR) is not None, "arshjul token create prints a 22-character token")

daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, "--hook", rx.url(), "--hook-secret", secret)
base = None


def start(clock, speed=1):
    global base
    check(daemon.start_ready("--clock", clock, "--clock-speed", str(speed)), f"the daemon started at {clock}")
    base = daemon.url()


def stop():
    check(daemon.stop(timeout=20) == 0, "the daemon stopped cleanly")
    with open(log_path, "a", encoding="utf-8") as f:
        f.write("--- restart ---\n")


def api(method, path, body=None, token=None, content_type="application/json"):
    data = None
    headers = {}
    if token is not False:
        headers["Authorization"] = "Bearer " + (token or HR)
    if body is not None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        headers["Content-Type"] = content_type
    req = urllib.request.Request(base + "/api/v1" + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if raw else None), dict(r.headers)
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, (json.loads(raw) if raw else None), dict(e.headers)


def messages(event=None, settle=1.5):
    """What the receiver has, after deliveries due now have had time to arrive."""
    time.sleep(settle)
    with rx.lock:
        got = [p for _, _, p in rx.received]
    return [p for p in got if event is None or p["type"] == event]


def registrations():
    status, body, _ = api("GET", "/registrations?activity=ansattdag")
    check(status == 200, "GET /registrations answers 200")
    return {r["person"]: r["occurrence_uid"] or r["status"] for r in body["registrations"]}, body["days"]


def day(date):
    return f"ansattdag.{date.replace('-', '')}@roros.arshjul"


def db_counts():
    c = sqlite3.connect(db)
    try:
        return {t: c.execute(f"SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM {t}").fetchone()
                for t in ("person", "override", "registration", "task")}
    finally:
        c.close()


# ---- ansattdag: registration of new hires ------------------------------------------------------

start("2027-01-04T08:00:00+01:00")
regs, days = registrations()
first = {d["uid"]: d for d in days}
check(first[day("2027-02-10")]["registered"] == 1 and first[day("2027-02-10")]["capacity"] == 3,
      "before any hire is posted, 10 February has one of its three places taken (from the demo roster)")

hires = [  # id, start date, the employee day expected (lead 7 days, 3 places a day)
    ("e2e-ada", "2027-02-01", "2027-02-10"),   # first day on or after start + 7
    ("e2e-bo", "2027-02-03", "2027-02-10"),    # fills the day
    ("e2e-cas", "2027-02-02", "2027-04-14"),   # full: the next one
    ("e2e-dag", "2027-02-08", "2027-04-14"),   # 15 Feb is past the lead: the next day anyway
    ("e2e-eli", "2027-04-10", "2027-06-09"),   # 14 April is within the lead: the one after
]
for pid, start_date, _ in hires:
    status, body, _ = api("PUT", f"/people/{pid}", {"name": f"Ny ansatt {pid[4:].title()}", "unit": "skole",
                                                    "email": f"{pid}@roros.kommune.no",
                                                    "roles": ["employee"], "start_date": start_date})
    check(status == 201 and body["leader"] == "eirik-molmann",
          f"PUT /people/{pid} (start {start_date}) creates the hire, whose leader is the unit's leader")
regs, days = registrations()
for pid, _, expected in hires:
    check(regs.get(pid) == day(expected), f"{pid} is registered for the employee day {expected} (got {regs.get(pid)})")
created = {m["data"]["recipient"]["id"]: m for m in messages("registration.created")}
for pid, _, expected in hires:
    m = created.get(pid)
    check(m is not None and m["data"]["occurrence"]["uid"] == day(expected),
          f"the receiver got registration.created for {pid} with the day {expected}")
    check(m["data"]["occurrence"]["agenda"], f"{pid}'s registration carries the day's fixed agenda")
leaders_told = {m["data"]["person"]["id"] for m in messages("registration.created", 0)
                if m["data"]["recipient"]["id"] == "eirik-molmann"}
check({h[0] for h in hires} <= leaders_told, "the hires' leader is told of each registration too")

feed_url = created["e2e-ada"]["data"]["feed_url"]
check(feed_url.startswith(base + "/feeds/") and feed_url.endswith(".ics"),
      f"registration.created carries the hire's own feed URL ({feed_url[:40]}…)")
ics = urllib.request.urlopen(feed_url, timeout=10).read().decode()
check(f"UID:{day('2027-02-10')}" in ics.replace("\r\n ", ""), "the hire's feed shows the employee day at once")
check(created["e2e-bo"]["data"]["feed_url"] != feed_url, "every hire gets a feed of their own")
page_url = created["e2e-ada"]["data"]["page_url"]
page = urllib.request.urlopen(page_url, timeout=10).read().decode()
check(page_url == feed_url.replace("/feeds/", "/me/")[:-4] and "webcal://" in page and "Ansattdag" in page,
      "registration.created also carries the hire's own page, with the day and the subscribe links")

# Cancel 10 February: its people move to the next days with room, and are told why.
on_tenth = [p for p, u in regs.items() if u == day("2027-02-10")]
status, body, _ = api("POST", f"/occurrences/{day('2027-02-10')}/cancel", {"reason": "Kursholder er syk"})
check(status == 200 and body["status"] == "cancelled", "POST /occurrences/UID/cancel cancels 10 February")
regs, days = registrations()
check(not [p for p, u in regs.items() if u == day("2027-02-10")], "nobody is registered for the cancelled day")
taken = collections.Counter(regs.values())
check(all(n <= 3 for u, n in taken.items() if u != "waiting"), f"no day is over capacity after re-registration ({dict(taken)})")
check(all(regs.get(p) for p in on_tenth), f"everyone of the cancelled day has a new day ({[(p, regs.get(p)) for p in on_tenth]})")
# 14 April is full; 9 June has two places, taken in order of start date; 11 August the rest.
check(regs["ahmad-rahimi"] == day("2027-06-09") and regs["e2e-ada"] == day("2027-06-09") and regs["e2e-bo"] == day("2027-08-11"),
      "they go to the next days with room, earliest start first")
moved = {m["data"]["recipient"]["id"]: m for m in messages("registration.moved")}
for p in on_tenth:
    m = moved.get(p)
    check(m is not None and m["data"]["previous_occurrence_uid"] == day("2027-02-10")
          and m["data"]["occurrence"]["uid"] == regs[p] and "avlyst" in m["data"]["reason"],
          f"{p} is told by registration.moved of the new day {regs[p]}, and why")
cancelled = messages("occurrence.cancelled", 0)
check(any(m["data"]["occurrence"]["uid"] == day("2027-02-10") and m["data"]["occurrence"].get("reason") == "Kursholder er syk"
          for m in cancelled), "the day's participants get occurrence.cancelled with HR's reason")

# A withdrawn hire is deregistered; one who cannot be placed in time waits, and HR hears of it.
status, _, _ = api("DELETE", "/people/e2e-eli")
check(status == 204, "DELETE /people/e2e-eli withdraws the hire")
regs, _ = registrations()
check("e2e-eli" not in regs, "the withdrawn hire is no longer registered")
check(any(m["data"]["person"]["id"] == "e2e-eli" for m in messages("registration.cancelled")),
      "registration.cancelled goes out for the withdrawn hire")
status, _, _ = api("PUT", "/people/e2e-late", {"name": "Sen Ansatt", "unit": "skole", "roles": ["employee"],
                                               "start_date": "2028-12-20"})
regs, _ = registrations()
check(status == 201 and regs.get("e2e-late") == "waiting", "a hire with no employee day within the maximum wait waits")
waiting = messages("registration.waiting")
check(waiting and {m["data"]["recipient"]["id"] for m in waiting} >= {"marit-sundt", "jon-olav-hessen"},
      "HR is told by registration.waiting")
check(all(m["data"]["count"] == len(m["data"]["people"]) for m in waiting)
      and any(p["id"] == "e2e-late" and p["start_date"] == "2028-12-20" for m in waiting for p in m["data"]["people"]),
      "registration.waiting lists the hires who wait, one message per HR person rather than one per hire")

# ---- bad input: a clear 4xx, and nothing stored changes ---------------------------------------

before = db_counts()
people_before = api("GET", "/people")[1]
bad = [
    ("PUT", "/people/x", '{"name": "x",', "application/json", 400, "malformed JSON"),
    ("PUT", "/people/x", {"name": 7, "unit": "skole"}, "application/json", 422, "a number for a name"),
    ("PUT", "/people/x", {"name": "X", "unit": "skolen"}, "application/json", 422, "an unknown unit"),
    ("PUT", "/people/x", {"name": "X", "unit": "skole", "manager": "nobody"}, "application/json", 422, "an unknown manager"),
    ("PUT", "/people/x", {"name": "X", "unit": "skole"}, "text/plain", 415, "a body that is not JSON"),
    ("DELETE", "/people/nobody", None, None, 404, "an unknown person"),
    ("POST", "/occurrences/nope.20270101@roros.arshjul/move", {"start": "2027-03-01T10:00", "reason": "x"},
     "application/json", 404, "an unknown occurrence"),
    ("POST", f"/occurrences/{day('2027-04-14')}/move", {"start": "10:00"}, "application/json", 422,
     "a move without a reason and with a bad time"),
    ("POST", "/occurrences", {"activity": "amu", "unit": "skole", "start": "2027-03-10T12:00", "reason": "x"},
     "application/json", 422, "an extra meeting in a unit for an organisation-wide series"),
    ("POST", "/tasks/999999/complete", None, None, 404, "an unknown task"),
    ("POST", "/people/import", open(os.path.join(os.path.dirname(__file__), "..", "fixtures", "people", "broken.csv"),
                                    encoding="utf-8").read(), "text/csv", 422, "a CSV with broken rows"),
    ("GET", "/occurrences?from=2027-13-01", None, None, 400, "a bad date in the query"),
]
for method, p, body, ctype, expected, what in bad:
    status, problem, headers = api(method, p, body, content_type=ctype or "application/json")
    check(status == expected and headers.get("Content-Type") == "application/problem+json" and problem["detail"],
          f"{what}: {method} {p} answers {expected} with problem+json ({status}: {problem and problem.get('detail')})")
status, problem, _ = api("POST", "/people/import", open(os.path.join(os.path.dirname(__file__), "..", "fixtures", "people",
                                                                     "broken.csv"), encoding="utf-8").read(),
                         content_type="text/csv")
check(len(problem["errors"]) >= 5 and all({"line", "column", "field", "detail"} <= set(e) for e in problem["errors"]),
      f"the broken CSV's {len(problem['errors'])} errors each name line, column and field")
status, problem, _ = api("PUT", "/people/x", {"name": 7, "unit": "skolen", "roles": ["lederr"]})
check({e["pointer"] for e in problem["errors"]} == {"/name", "/roles/0", "/unit"},
      f"every problem in a body is reported at once, each at its JSON pointer ({problem['errors']})")
status, _, headers = api("GET", "/people", token=False)
check(status == 401 and headers.get("WWW-Authenticate", "").startswith("Bearer"), "no token: 401 with WWW-Authenticate")
status, _, _ = api("GET", "/people", token="x" * 22)
check(status == 401, "a wrong token: 401")
status, _, _ = api("PUT", "/people/x", {"name": "X", "unit": "skole"}, token=READ)
check(status == 403, "a read token may not change anything: 403")
check(db_counts() == before, f"after all that bad input nothing stored changed ({db_counts()} vs {before})")
check(api("GET", "/people")[1] == people_before, "the roster reads exactly as before")

# ---- medarbeidersamtaler: reminders and overdue notices to the right leaders ---------------------

WINDOW = "medarbeidersamtaler.20270201@roros.arshjul"
status, body, _ = api("GET", f"/tasks?occurrence={WINDOW}")
tasks = body["tasks"]
check(status == 200 and len(tasks) > 20, f"the 2027 appraisal window gives one task per leader-employee pair ({len(tasks)})")
leader_of = {}
for t in tasks:
    if t["subject"] not in leader_of:
        leader_of[t["subject"]] = api("GET", f"/people/{t['subject']}")[1]["leader"]
starts = {p["id"]: p["leader_start_date"] for p in api("GET", "/people")[1]["people"]}


def leads_on_deadline(t):
    # `leader` is today's (4 January); a leader who starts before the deadline owns the task.
    starting = starts.get(t["assignee"])
    return t["assignee"] == leader_of[t["subject"]] or (starting and "2027-01-04" < starting <= t["due"][:10])


check(all(leads_on_deadline(t) for t in tasks), "each task is the employee's own leader's on the deadline")
check(any(t["assignee"] == "ingvild-stensli" and leader_of[t["subject"]] != "ingvild-stensli" for t in tasks),
      "a leader who starts on 1 March owns her unit's appraisals due in April, not today's leader above")
check(any(t["subject"] == "e2e-ada" for t in tasks), "a hire who starts before the deadline gets an appraisal too")
# Complete every task of some leaders and half of another's; the rest stay open.
by_leader = collections.defaultdict(list)
for t in tasks:
    by_leader[t["assignee"]].append(t)
leaders = sorted(by_leader)
done_leaders = set(leaders[::2])
half = leaders[1]
completed = set()
for t in tasks:
    if t["assignee"] in done_leaders or (t["assignee"] == half and len([c for c in completed if c[0] == half]) < len(by_leader[half]) // 2):
        status, body, _ = api("POST", f"/tasks/{t['id']}/complete")
        check(status == 200 and body["status"] == "done", f"POST /tasks/{t['id']}/complete marks it done")
        completed.add((t["assignee"], t["id"]))
open_by_leader = {l: {t["id"] for t in ts if (l, t["id"]) not in completed} for l, ts in by_leader.items()}
open_by_leader = {l: ids for l, ids in open_by_leader.items() if ids}
progress = api("GET", f"/progress?activity=medarbeidersamtaler&occurrence={WINDOW}")[1]
check(progress["done"] == len(completed) and progress["open"] == len(tasks) - len(completed),
      f"progress counts {progress['done']} done and {progress['open']} open")
check(sum(u["total"] for u in progress["units"]) == len(tasks), "progress per unit adds up to every task")
stop()

# Two weeks before the deadline (30 April): one reminder per leader with open tasks.
start("2027-04-20T09:00:00+02:00")
due = messages("task.due", settle=3)
due = [m for m in due if m["data"]["occurrence"]["uid"] == WINDOW]
got = {m["data"]["recipient"]["id"]: {t["id"] for t in m["data"]["tasks"]} for m in due}
check(got == open_by_leader, f"task.due reaches exactly the leaders with open appraisals, listing only those "
                             f"({sorted(got)} vs {sorted(open_by_leader)})")
check(len(due) == len(got), "one reminder per leader, not one per task")
# The half-done leader finishes before the deadline; the others do not.
for tid in open_by_leader.pop(half, set()):
    api("POST", f"/tasks/{tid}/complete")
stop()

start("2027-05-01T09:00:00+02:00")
overdue = [m for m in messages("task.overdue", settle=3) if m["data"]["occurrence"]["uid"] == WINDOW]
to_assignee = {m["data"]["assignee"]["id"]: {t["id"] for t in m["data"]["tasks"]}
               for m in overdue if m["data"]["recipient"]["id"] == m["data"]["assignee"]["id"]}
check(to_assignee == open_by_leader, f"task.overdue goes to each leader with open appraisals after the deadline "
                                     f"({sorted(to_assignee)} vs {sorted(open_by_leader)})")
check(half not in to_assignee, "a leader who finished in time hears nothing more")
for l in open_by_leader:
    above = api("GET", f"/people/{l}")[1]["leader"]
    if above:
        check(any(m["data"]["recipient"]["id"] == above and m["data"]["assignee"]["id"] == l for m in overdue),
              f"{l}'s own leader {above} is told of the overdue appraisals")
progress = api("GET", f"/progress?activity=medarbeidersamtaler&occurrence={WINDOW}")[1]
check(progress["overdue"] == sum(len(v) for v in open_by_leader.values()), "progress shows the overdue ones")
stop()

# ---- 10-faktor: every unit's follow-up tasks ------------------------------------------------------

start("2027-12-20T09:00:00+01:00")
conf = tomllib.load(open(os.path.join(cfg, "arshjul.toml"), "rb"))
roster = api("GET", "/people")[1]["people"]
unit_leader = {}
for p in roster:
    # Leadership is dated: one who left before 2028 leads no unit then.
    if "leader" in p["roles"] and not (p.get("leader_end_date") or "9999") < "2028-":
        unit_leader.setdefault(p["unit"], p["id"])
virksomheter = {u["id"] for u in conf["unit"] if u["level"] == "virksomhet"}
for activity in ("tf-mote-1", "tf-mote-2", "tf-handlingsplan"):
    ts = [t for t in api("GET", f"/tasks?activity={activity}")[1]["tasks"] if t["due"] >= "2028-"]
    check({t["unit"] for t in ts} == virksomheter and len(ts) == len(virksomheter),
          f"the 2027 round gives one {activity} task per virksomhet ({sorted(t['unit'] for t in ts)})")
    check(all(t["assignee"] == unit_leader[t["unit"]] for t in ts), f"each {activity} task is the unit leader's")
stop()

with rx.lock:
    check(not rx.bad, f"every webhook carried a valid signature ({rx.bad[:2]})")
rx.stop()
check.done()
