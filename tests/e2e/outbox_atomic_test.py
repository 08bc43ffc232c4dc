"""End to end: what is stored and the messages it implies commit together.

A trigger put on the outbox table by another connection makes every enqueue
fail with SQLite's own error, as a full disk would at that step. A new hire
sent through the API, the CSV import or `arshjul import` then answers 500
(exit 1) and stores nothing: no person, no registration (it used to store
both and answer 500, and the registration messages were never sent). Once
the fault is gone the same requests store the hire, and its registration
messages are in the outbox exactly once and are delivered.

Run: /usr/bin/python3 tests/e2e/outbox_atomic_test.py BINARY CONFIG_DIR WORKDIR
"""
import json
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Checks, Daemon, run_cli, workspace  # noqa: E402
from receiver import Receiver  # noqa: E402

BINARY, CONFIG, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()
cfg, db = workspace(check, CONFIG, WORK)

HR = run_cli(BINARY, "token", "create", "--role", "hr", "--name", "atomic", "--db", db).stdout.strip()
secret = "whsec_" + "Q2hlY2tzIHRoYXQgbm90aGluZyBpcyBsb3N0"
rx = Receiver(secret)
# The hook in the config, so `arshjul import` plans messages too.
with open(os.path.join(cfg, "arshjul.toml"), "a", encoding="utf-8") as f:
    f.write(f'\n[[hook]]\nid = "test"\nurl = "{rx.url()}"\nsecret = "{secret}"\n')
daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, "--clock", "2027-01-04T08:00:00+01:00")
check(daemon.start() is not None, "the daemon starts with a hook")


def api(method, path, body=None, content_type="application/json"):
    headers = {"Authorization": "Bearer " + HR}
    if body is not None:
        headers["Content-Type"] = content_type
        body = body if isinstance(body, str) else json.dumps(body)
    return daemon.request(method, "/api/v1" + path, body=body, headers=headers, timeout=60)


def stored(sql, *args):
    c = sqlite3.connect(db, timeout=30)
    try:
        return c.execute(sql, args).fetchone()[0]
    finally:
        c.close()


def fault(on):
    c = sqlite3.connect(db, timeout=30, isolation_level=None)
    try:
        if on:
            c.execute("CREATE TRIGGER test_outbox_full BEFORE INSERT ON outbox "
                      "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
        else:
            c.execute("DROP TRIGGER test_outbox_full")
    finally:
        c.close()


def hire(pid, start):
    return {"name": "Ny ansatt " + pid, "unit": "skole", "email": pid + "@roros.kommune.no",
            "roles": ["employee"], "start_date": start}


def regs_messages(pid):
    return stored("SELECT COUNT(*) FROM outbox WHERE event_type LIKE 'registration.%' AND recipient = ?", pid)


outbox_before = stored("SELECT COUNT(*) FROM outbox")
fault(True)

status, _, _ = api("PUT", "/people/atomic-ada", hire("atomic-ada", "2027-02-01"))
check(status == 500, f"a PUT whose messages cannot be stored answers 500 (got {status})")
check(stored("SELECT COUNT(*) FROM person WHERE id = 'atomic-ada'") == 0, "and the person is not stored")
check(stored("SELECT COUNT(*) FROM registration WHERE person = 'atomic-ada'") == 0, "nor a registration for them")
check(api("GET", "/people/atomic-ada")[0] == 404, "GET /people/atomic-ada answers 404")

csv = ("id,name,email,unit,roles,start_date\n"
       "atomic-bo,Bo Ny,bo@roros.kommune.no,skole,employee,2027-02-03\n"
       "atomic-cas,Cas Ny,cas@roros.kommune.no,skole,employee,2027-02-02\n")
status, _, _ = api("POST", "/people/import", csv, content_type="text/csv")
check(status == 500, f"an import whose messages cannot be stored answers 500 (got {status})")
check(stored("SELECT COUNT(*) FROM person WHERE id LIKE 'atomic-%'") == 0, "and none of its people are stored")

csv_path = os.path.join(WORK, "hires.csv")
with open(csv_path, "w", encoding="utf-8") as f:
    f.write(csv.replace("atomic-bo", "atomic-dag").replace("atomic-cas", "atomic-eli"))
cli = run_cli(BINARY, "import", "people", csv_path, "--config", cfg, "--db", db)
check(cli.returncode != 0, f"`arshjul import` whose messages cannot be stored fails (exit {cli.returncode})")
check("database or disk is full" in cli.stderr, f"and says why: {cli.stderr.strip()[-200:]!r}")
check(stored("SELECT COUNT(*) FROM person WHERE id LIKE 'atomic-%'") == 0, "and stores none of its people")
check(stored("SELECT COUNT(*) FROM outbox") == outbox_before, "the outbox is as it was")
check(daemon.request("GET", "/healthz")[0] == 200, "the daemon keeps serving")

fault(False)
status, _, _ = api("PUT", "/people/atomic-ada", hire("atomic-ada", "2027-02-01"))
check(status == 201, f"once the fault is gone the same PUT answers 201 (got {status})")
check(stored("SELECT COUNT(*) FROM registration WHERE person = 'atomic-ada' AND occurrence_uid <> ''") == 1,
      "the hire is registered for an employee day")
check(regs_messages("atomic-ada") == 1, f"and its registration message is in the outbox once ({regs_messages('atomic-ada')})")
status, _, _ = api("POST", "/people/import", csv, content_type="text/csv")
check(status == 200, f"the same import answers 200 (got {status})")
check(all(regs_messages(p) == 1 for p in ("atomic-bo", "atomic-cas")),
      "and each hire's registration message is in the outbox once")

deadline = time.time() + 20
want = {"atomic-ada", "atomic-bo", "atomic-cas"}
while time.time() < deadline:
    with rx.lock:
        got = {p["data"]["recipient"]["id"] for _, _, p in rx.received if p["type"].startswith("registration.")}
    if want <= got:
        break
    time.sleep(0.1)
check(want <= got, f"the hires' registration messages are delivered (got {sorted(got & want)})")
check(daemon.stop() == 0, "SIGTERM stops the daemon cleanly")
check(stored("PRAGMA integrity_check") == "ok", "the database passes PRAGMA integrity_check")
rx.stop()
check.done()
