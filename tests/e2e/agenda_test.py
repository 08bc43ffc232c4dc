"""End to end: one meeting's own agenda (issue 14), through the HR API of a
running daemon on config/roros under a simulated clock, with a receiver that
checks every signature.

- HR gives the May meeting with the hovedtillitsvalgte an agenda and a
  document of its own (PUT /occurrences/UID/agenda); nobody has been told of
  it yet, so nothing goes out, but the API and the feed show it;
- 14 days ahead, notice.early carries that meeting's own agenda, its
  documents and its deadline for documents to the reps;
- an agenda change after the notice reaches the same reps again as
  occurrence.changed with the new agenda and HR's reason;
- a bad agenda is refused with the JSON pointer of each problem and stores
  nothing; a held meeting's agenda cannot be changed.

Run: /usr/bin/python3 tests/e2e/agenda_test.py BINARY CONFIG_DIR WORKDIR
"""
import base64
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
MAY = "drofting-htv.20270511@roros.arshjul"  # second Tuesday of May; notice 14 days ahead, documents 7
HTV = {"unni-brekken", "ingrid-kjelsberg"}    # two of the hovedtillitsvalgte the notice goes to


def start(clock):
    check(daemon.start_ready("--clock", clock, "--clock-speed", "1"), f"the daemon started at {clock}")


def stop():
    check(daemon.stop(timeout=20) == 0, "the daemon stopped cleanly")


def api(method, path, body=None):
    return daemon.api(method, path, HR, body)


def about_may(event, settle=2.0):
    time.sleep(settle)
    with rx.lock:
        return [p for _, _, p in rx.received if p["type"] == event and p["data"]["occurrence"]["uid"] == MAY]


OWN = ["Godkjenning av innkalling og saksliste", "Budsjettrevisjon 1. tertial", "Eventuelt"]
DOCS = [{"title": "Tertialrapport 1", "url": "https://roros.kommune.no/dok/tertial-1.pdf"}]

# ---- 20 April: HR sets the May meeting's own agenda before anyone is told ----------------------
start("2027-04-20T09:00:00+02:00")
status, before = api("GET", f"/occurrences/{MAY}")
check(status == 200 and before["agenda"] and before["agenda"] != OWN, f"GET {MAY}: the activity's standing agenda")
status, body = api("PUT", f"/occurrences/{MAY}/agenda",
                   {"agenda": ["Godkjenning", "To\nlinjer", ""], "documents": [{"title": "X", "url": "ftp://x"}],
                    "reason": "Test"})
pointers = sorted(p["pointer"] for p in (body or {}).get("errors", []))
check(status == 422 and pointers == ["/agenda/1", "/agenda/2", "/documents/0/url"],
      f"a bad agenda is refused (422) with a pointer per problem ({status} {pointers})")
status, same = api("GET", f"/occurrences/{MAY}")
check(same["agenda"] == before["agenda"] and same["sequence"] == before["sequence"], "and nothing is stored")
status, body = api("PUT", f"/occurrences/{MAY}/agenda",
                   {"agenda": None, "documents": [{"url": "https://x.no/a.pdf", "side": 2}], "reason": "Test"})
pointers = sorted(p["pointer"] for p in (body or {}).get("errors", []))
check(status == 422 and pointers == ["/agenda", "/documents/0/side", "/documents/0/title"],
      f"a null agenda and a document without a title or with an unknown member are named by their pointers ({pointers})")
status, body = api("PUT", f"/occurrences/{MAY}/agenda", {"agenda": OWN, "documents": DOCS, "reason": "Tertialrapporten"})
check(status == 200 and body["agenda"] == OWN and body["documents"] == DOCS and body["sequence"] > before["sequence"],
      f"PUT /occurrences/{MAY}/agenda answers 200 with the meeting's own agenda and documents ({status})")
check(not about_may("occurrence.changed"), "nobody has been told of the meeting yet, so no change goes out")
status, held = api("PUT", "/occurrences/drofting-htv.20270413@roros.arshjul/agenda", {"agenda": OWN, "reason": "x"})
check(status == 409, f"a held meeting keeps its agenda (409, got {status})")
status, audit = api("GET", "/audit?action=occurrence.agenda")
check(status == 200 and len(audit["entries"]) == 1 and audit["entries"][0]["reason"] == "Tertialrapporten",
      f"the audit trail has the agenda change with its reason ({status})")
stop()

# ---- 27 April 09:00: the notice went out at 08:00 with that meeting's agenda --------------------
start("2027-04-27T09:00:00+02:00")
notices = about_may("notice.early", 4.0)
told = {m["data"]["recipient"]["id"] for m in notices}
check(HTV <= told, f"notice.early for the May meeting reaches the hovedtillitsvalgte ({sorted(told)})")
check(notices and all(m["data"]["occurrence"]["agenda"] == OWN and m["data"]["occurrence"].get("documents") == DOCS
                      and m["data"]["notice"]["documents_due"] == "2027-05-04" for m in notices),
      "every notice carries the meeting's own agenda, its document and the deadline for documents (4 May)")

# ---- an agenda change after the notice reaches the reps again ------------------------------------
NEW = OWN[:2] + ["Sykefravær 1. kvartal", "Eventuelt"]
status, body = api("PUT", f"/occurrences/{MAY}/agenda", {"agenda": NEW, "documents": DOCS, "reason": "Ny sak: sykefravær"})
check(status == 200 and body["agenda"] == NEW, f"the agenda is changed after the notice ({status})")
changed = about_may("occurrence.changed", 4.0)
reached = {m["data"]["recipient"]["id"] for m in changed}
check(told and reached == told, f"occurrence.changed reaches everyone who had the notice ({sorted(reached)})")
check(changed and all(m["data"]["occurrence"]["agenda"] == NEW and m["data"]["occurrence"].get("reason") == "Ny sak: sykefravær"
                      for m in changed), "with the new agenda and HR's reason")
stop()

with rx.lock:
    check(not rx.bad, f"every webhook carried a valid signature ({rx.bad[:2]})")
rx.stop()
check.done()
