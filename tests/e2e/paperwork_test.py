"""End to end: a meeting owner's paperwork (issue 14), through the HR API of
a running daemon on config/roros with a receiver that checks every
signature.

- AMU's secretary (person:jon-olav-hessen) owes the February meeting's
  documents by the end of 10 February (7 days ahead, as the notice says)
  and its minutes by the end of 24 February, and is reminded of the
  documents by task.due two days ahead, with the task's kind;
- HR's move of the meeting moves both deadlines; a task completed through
  the API is done; a cancelled meeting owes nothing;
- the drøftingsmøte's paperwork is the personal- og organisasjonssjef's,
  a virksomhet's MBM its own leader's.

Run: /usr/bin/python3 tests/e2e/paperwork_test.py BINARY CONFIG_DIR WORKDIR
"""
import base64
import json
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
daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, "--hook", rx.url(), "--hook-secret", secret)
AMU_FEB = "amu.20270217@roros.arshjul"
AMU_MAY = "amu.20270519@roros.arshjul"


def api(method, path, body=None):
    return daemon.api(method, path, HR, body)


def tasks(query):
    status, body = api("GET", "/tasks?" + query)
    check(status == 200, f"GET /tasks?{query} answers 200")
    return {t["kind"]: t for t in body["tasks"]}


def wait_for(pred, seconds=15):
    end = time.time() + seconds
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.2)
    return pred()


# Tuesday 9 February 2027, 08:00: two days before the documents deadline's end.
check(daemon.start_ready("--clock", "2027-02-09T08:00:00+01:00", "--clock-speed", "1"), "the daemon started on 9 February")

feb = tasks("occurrence=" + AMU_FEB)
check(set(feb) == {"documents", "minutes"}, f"the February AMU owes documents and minutes ({sorted(feb)})")
check(all(t["assignee"] == "jon-olav-hessen" and t["subject"] is None for t in feb.values()),
      "both are the AMU secretary's, about no employee")
check(feb["documents"]["due"] == "2027-02-11T00:00:00+01:00" and feb["documents"]["status"] == "open",
      f"the documents are due at the end of 10 February, 7 days ahead ({feb['documents']['due']})")
check(feb["minutes"]["due"] == "2027-02-25T00:00:00+01:00",
      f"the minutes are due at the end of 24 February, 7 days after ({feb['minutes']['due']})")
check(feb["documents"]["key"].startswith(AMU_FEB + "|") and feb["documents"]["key"].endswith("|#documents"),
      f"the documents task's key names its meeting and kind ({feb['documents']['key']})")


def reminders():
    with rx.lock:
        return [p["data"] for _, _, p in rx.received if p["type"] == "task.due"
                and p["data"].get("occurrence", {}).get("uid") == AMU_FEB]


check(wait_for(lambda: reminders()), "task.due reaches the receiver for the February AMU")
due = reminders()[0]
check(due["recipient"]["id"] == "jon-olav-hessen" and due["deadline"] == "2027-02-11T00:00:00+01:00",
      "to the secretary, with the documents' deadline")
check([t["kind"] for t in due["tasks"]] == ["documents"] and due["reminder"]["before"] == "2d",
      "listing the documents task alone, two days ahead (the minutes are not due yet)")

# HR moves the meeting a week on: the paperwork follows it.
status, moved = api("POST", f"/occurrences/{AMU_FEB}/move", {"start": "2027-02-24T09:00", "reason": "Kollisjon med kommunestyret"})
check(status == 200 and moved["start"].startswith("2027-02-24"), f"HR moves the February AMU to 24 February ({status})")
feb = tasks("occurrence=" + AMU_FEB)
check(feb["documents"]["due"] == "2027-02-18T00:00:00+01:00" and feb["minutes"]["due"] == "2027-03-04T00:00:00+01:00",
      f"its documents are now due by 17 February and its minutes by 3 March ({feb['documents']['due']}, {feb['minutes']['due']})")

status, only = api("GET", f"/tasks?occurrence={AMU_FEB}&kind=minutes")
check(status == 200 and [t["kind"] for t in only["tasks"]] == ["minutes"], "GET /tasks?kind=minutes lists the minutes alone")
status, bad = api("GET", "/tasks?kind=referat")
check(status == 400 and "follow_up, documents or minutes" in json.dumps(bad), f"an unknown kind is a 400 that names the kinds ({status})")

status, done = api("POST", f"/tasks/{feb['documents']['id']}/complete")
check(status == 200 and done["status"] == "done" and done["kind"] == "documents", "completing the documents task marks it done")
check(tasks("occurrence=" + AMU_FEB)["minutes"]["status"] == "open", "the minutes stay open")

may = tasks("occurrence=" + AMU_MAY)
check(set(may) == {"documents", "minutes"}, "the May AMU owes its paperwork too")
status, _ = api("POST", f"/occurrences/{AMU_MAY}/cancel", {"reason": "Ingen saker"})
check(status == 200, f"HR cancels the May AMU ({status})")
check(tasks("occurrence=" + AMU_MAY) == {}, "a cancelled meeting owes nothing")

drofting = tasks("occurrence=drofting-htv.20270309@roros.arshjul")
check(set(drofting) == {"documents", "minutes"} and {t["assignee"] for t in drofting.values()} == {"marit-sundt"},
      "the March drøftingsmøte's documents and minutes are the personal- og organisasjonssjef's")
mbm = tasks("occurrence=mbm-virksomhet.helse-omsorg.20270325@roros.arshjul")
check({t["assignee"] for t in mbm.values()} == {"ole-martin-gjelsvik"} and mbm["documents"]["due"] == "2027-03-17T00:00:00+01:00",
      "Helse og omsorg's MBM (23 March) is its leader's, documents by 16 March")

check(daemon.stop(timeout=20) == 0, "the daemon stopped cleanly")
check(not rx.bad, f"every webhook carried a valid signature ({rx.bad[:2]})")
rx.stop()
check.done()
