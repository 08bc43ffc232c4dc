"""End to end: the organisation as it is (issue 14 part A), through the HR API
of a running daemon on config/roros under a simulated clock, with a receiver
that checks every signature.

- the MBM for Helse og omsorg lists and notifies (notice.early) the
  plasstillitsvalgte and verneombud of the avdelinger under it;
- dated leadership: a leader who starts on 16 August 2027 owns no task due
  before then, the acting leader does; a leadership ended and an acting
  leader posted through the API (PUT /people) take the unit's tasks, the
  overdue notice and the people's `leader` from the day they begin;
- the CSV import reads the new columns and old exports stay valid;
- a dated committee seat from the CSV import invites its member to the
  meetings on or after its first day only.

Run: /usr/bin/python3 tests/e2e/org_test.py BINARY CONFIG_DIR WORKDIR
"""
import base64
import datetime
import sqlite3
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Checks, Daemon, run_cli, workspace  # noqa: E402
from receiver import Receiver  # noqa: E402

BINARY, CONFIG, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()
cfg, db = workspace(check, CONFIG, WORK)
secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
rx = Receiver(secret)
HR = run_cli(BINARY, "token", "create", "--role", "hr", "--name", "e2e", "--db", db).stdout.strip()
# The wheel has run on this database since New Year 2027, so February's tasks are owed
# (a wheel first run in March would not owe them).
with sqlite3.connect(db) as conn:
    conn.execute("INSERT INTO setting (key, value) VALUES ('tasks_since', ?)",
                 (str(int(datetime.datetime(2027, 1, 1, tzinfo=datetime.timezone.utc).timestamp())),))
daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, "--hook", rx.url(), "--hook-secret", secret)


def start(clock):
    check(daemon.start_ready("--clock", clock, "--clock-speed", "1"), f"the daemon started at {clock}")


def stop():
    check(daemon.stop(timeout=20) == 0, "the daemon stopped cleanly")


def api(method, path, body=None, content_type="application/json"):
    return daemon.api(method, path, HR, body, content_type)


def messages(event, settle=2.0):
    time.sleep(settle)
    with rx.lock:
        return [p for _, _, p in rx.received if p["type"] == event]


def tasks(activity):
    status, body = api("GET", f"/tasks?activity={activity}")
    check(status == 200, f"GET /tasks?activity={activity} answers 200")
    return body["tasks"] if body else []


# ---- the MBM for Helse og omsorg reaches the reps of its sub-units --------------------------------

# 10 March 2027: the notice for the March MBM (23 March, moved from Skjærtorsdag) fell due on 9 March.
start("2027-03-10T09:00:00+01:00")
MBM = "mbm-virksomhet.helse-omsorg.20270325@roros.arshjul"
SUB_UNIT_REPS = {"guro-jensas", "mari-haltli", "kjersti-nyhus"}  # Røros sykehjem, Hjemmetjenester
OWN_REPS = {"marianne-tollefsen", "knut-sevaldsen"}
status, occ = api("GET", f"/occurrences/{MBM}")
check(status == 200 and occ["start"].startswith("2027-03-23"), f"GET /occurrences/{MBM} finds the March MBM on 23 March")
check(SUB_UNIT_REPS | OWN_REPS | {"ole-martin-gjelsvik"} == set(occ.get("participants", [])),
      f"it lists the plasstillitsvalgte and verneombud of the avdelinger under Helse og omsorg ({occ.get('participants')})")
notified = {m["data"]["recipient"]["id"] for m in messages("notice.early") if m["data"]["occurrence"]["uid"] == MBM}
check(notified == SUB_UNIT_REPS | OWN_REPS,
      f"notice.early for the MBM reaches every rep of Helse og omsorg and its avdelinger ({sorted(notified)})")
other = {m["data"]["recipient"]["id"] for m in messages("notice.early", 0)
         if m["data"]["occurrence"]["uid"] == "mbm-virksomhet.skole.20270325@roros.arshjul"}
check(not (other & (SUB_UNIT_REPS | OWN_REPS)), "the reps of Helse og omsorg get no notice of Røros skole's MBM")

# ---- dated leadership from people.toml: the barnehager ------------------------------------------------

mote = {t["unit"]: t for t in tasks("tf-mote-1") if "2027-01" <= t["due"] < "2027-03"}
check(mote.get("barnehage", {}).get("assignee") == "gunhild-sletten",
      f"the barnehager's 10-faktor task due in February 2027 is the acting leader's ({mote.get('barnehage')})")
status, body = api("GET", "/tasks?assignee=tone-nesvold")
early = [t for t in (body or {}).get("tasks", []) if t["due"] < "2027-08-16"]
check(status == 200 and not early, f"Tone Nesvold, leader from 16 August 2027, owns no task due before then ({early[:2]})")
status, liv = api("GET", "/people/liv-odegard")
check(status == 200 and liv["leader"] == "gunhild-sletten", "GET /people/liv-odegard: her leader today is the acting one")
status, tone = api("GET", "/people/tone-nesvold")
check(tone["leader_start_date"] == "2027-08-16" and tone["acting"] is None and tone["leader_end_date"] is None,
      "the person JSON carries leader_start_date, leader_end_date and acting")

# ---- dated leadership through the API: Røros skole gets an acting leader from 6 March ----------------

status, eirik = api("GET", "/people/eirik-molmann")
person = {k: eirik[k] for k in ("name", "email", "unit", "roles", "union", "committees", "start_date",
                                "leader_start_date", "manager")}
status, body = api("PUT", "/people/eirik-molmann", {**person, "leader_end_date": "2027-03-05"})
check(status == 200 and body["leader_end_date"] == "2027-03-05", "PUT /people/eirik-molmann ends his leadership on 5 March")
status, body = api("PUT", "/people/e2e-konstituert", {"name": "Konstituert Rektor", "unit": "skole", "roles": ["employee"],
                                                      "acting": {"unit": "skole", "from": "2027-03-06", "to": "2027-12-31"}})
check(status == 201 and body["acting"] == {"unit": "skole", "from": "2027-03-06", "to": "2027-12-31"},
      "PUT /people/e2e-konstituert makes an acting leader of Røros skole, answered with the acting period")
status, body = api("PUT", "/people/e2e-feil", {"name": "Feil", "unit": "skole", "roles": ["employee"],
                                               "acting": {"unit": "skolen", "from": "2027-03-06", "to": "2027-03-01"}})
pointers = sorted(e["pointer"] for e in (body or {}).get("errors", []))
check(status == 422 and pointers == ["/acting/to", "/acting/unit"],
      f"an acting period in an unknown unit that ends before it starts is refused at its JSON pointers ({pointers})")
status, magnus = api("GET", "/people/solveig-bakken")
check(magnus["leader"] == "e2e-konstituert", "a Røros skole employee's leader today is the acting leader")
mote1 = {t["unit"]: t for t in tasks("tf-mote-1") if "2027-01" <= t["due"] < "2027-03"}
mote2 = {t["unit"]: t for t in tasks("tf-mote-2") if "2027-03" <= t["due"] < "2027-04"}
check(mote1["skole"]["assignee"] == "eirik-molmann", "the skole's task due 5 February stays with the leader of then")
check(mote2["skole"]["assignee"] == "e2e-konstituert", "the skole's task due 12 March goes to the acting leader")
stop()

# 13 March: tf-mote-2 (due 12 March) is overdue; the acting leaders and the rådmann hear of it.
start("2027-03-13T09:00:00+01:00")
overdue = messages("task.overdue", 3.0)
about = {(t["assignee"], m["data"]["recipient"]["id"]) for m in overdue for t in m["data"]["tasks"]
         if t["activity"] == "tf-mote-2"}
check(("e2e-konstituert", "e2e-konstituert") in about and ("e2e-konstituert", "kirsti-haugen") in about,
      f"task.overdue for the skole goes to the acting leader and the rådmann above ({sorted(about)})")
check(("gunhild-sletten", "gunhild-sletten") in about, "task.overdue for the barnehager goes to their acting leader")
check(not {a for a, _ in about} & {"tone-nesvold", "eirik-molmann", "oddny-rian"},
      "no overdue notice names a leader who was not in office on the deadline")

# ---- the CSV import: new optional columns, old exports still valid ---------------------------------

old_csv = "id,name,email,unit,roles,union,committees,start_date,leader_start_date,manager\n" \
          "e2e-gammel,Gammel Eksport,,skole,employee,,,,,\n"
status, body = api("POST", "/people/import", old_csv, "text/csv")
check(status == 200 and body["added"] == ["e2e-gammel"], f"an export with the old columns imports as before ({status})")
new_csv = "id,name,unit,roles,acting_unit,acting_from,acting_to\n" \
          "e2e-ny,Ny Eksport,sykehjem,employee,sykehjem,2027-06-01,2027-06-30\n"
status, body = api("POST", "/people/import", new_csv, "text/csv")
check(status == 200 and body["added"] == ["e2e-ny"], f"an export with the acting columns imports ({status} {body})")
status, ny = api("GET", "/people/e2e-ny")
check(ny["acting"] == {"unit": "sykehjem", "from": "2027-06-01", "to": "2027-06-30"}, "the acting period is stored")
# A dated committee seat, from the CSV's committees column: AMU's May meeting is before it, September's after.
seat_csv = "id,name,unit,roles,committees\ne2e-amu,Ny i AMU,sykehjem,employee,ia;amu:2027-06-01..\n"
status, body = api("POST", "/people/import", seat_csv, "text/csv")
check(status == 200 and body["added"] == ["e2e-amu"], f"an export with a dated AMU seat imports ({status} {body})")
status, seat = api("GET", "/people/e2e-amu")
check(status == 200 and seat["committees"] == ["ia", {"id": "amu", "from": "2027-06-01", "to": None}],
      f"the seat is stored with its first day ({seat.get('committees') if seat else status})")
for uid, member in (("amu.20270519@roros.arshjul", False), ("amu.20270915@roros.arshjul", True)):
    status, occ = api("GET", f"/occurrences/{uid}")
    check(status == 200 and ("e2e-amu" in occ.get("participants", [])) == member,
          f"{uid} {'invites' if member else 'does not invite'} the member whose seat starts 1 June ({status})")
status, body = api("POST", "/people/import", "id,name,unit,committees\ne2e-feil,Feil,sykehjem,amu:2027-06-31..\n",
                   "text/csv")
check(status == 422 and any(e.get("field") == "committees[0]" and e.get("line") == 2
                            for e in (body or {}).get("errors", [])),
      f"a seat with a date that does not exist is refused at its line and field ({status} {body})")
half = "id,name,unit,roles,acting_unit\ne2e-halv,Halv,sykehjem,employee,sykehjem\n"
status, body = api("POST", "/people/import", half, "text/csv")
check(status == 422 and any("acting_from" in e.get("field", "") for e in (body or {}).get("errors", [])),
      f"an acting unit without its dates is refused, naming the missing column ({status})")
stop()

with rx.lock:
    check(not rx.bad, f"every webhook carried a valid signature ({rx.bad[:2]})")
rx.stop()
check.done()
