"""End to end: kill -9 the daemon at random points, again and again, and
check after each kill what a trusted service promises.

One daemon on a real SQLite file, with a hook to a local receiver that
records every delivery's webhook-id, under a simulated clock (4 January
2027, real speed, carried on across restarts so nothing due goes back in
time). Each round picks, from a seeded random shuffle, one of

- import: POST /api/v1/people/import of a few thousand rows: the same 2,000
  employees renamed for this round, a few hundred new hires with start
  dates (so registrations for an employee day and registration messages),
  and the hires of earlier rounds with their start dates cleared (so their
  registrations are cancelled and the days have room again);
- api: a burst of API writes from two clients: PUT of new hires and of
  hires losing their start date, and moves and cancellations of meetings;
- deliveries: nothing but the deliveries in flight after the last restart;

and kills the daemon with SIGKILL after a random delay (mid-request
included). While it is down the database file itself is checked:

- PRAGMA integrity_check says ok;
- nothing half stored: an import's rows are all there or none are; a
  client that got 2xx finds its change stored; every answer was a 2xx;
- every registration for a day ahead has its registration message to the
  hire and to the hire's leader in the outbox exactly once per hook, so has
  every registration given up this round because the hire's start date was
  cleared (registration.cancelled), and every meeting HR moved or cancelled
  that is stored as changed has its change messages in the outbox;
- no (hook, key) twice in the outbox;

then the daemon starts again and the next round waits for /readyz. At the
end the outbox drains: every message due is sent, the receiver saw every
webhook-id at least once, and a webhook-id came twice only if it was in
the at-least-once window of a kill (received, not yet marked sent) --
at most the dispatcher's 16 in flight plus the one being marked, per kill.

The seed is printed; ARSHJUL_KILL9_SEED=N repeats a run's rounds and delays.

Run: /usr/bin/python3 tests/e2e/kill9_fault_test.py BINARY CONFIG_DIR WORKDIR
"""
import collections
import csv
import datetime
import http.client
import io
import json
import os
import random
import sqlite3
import sys
import threading
import time
import tomllib

sys.path.insert(0, os.path.dirname(__file__))
from harness import SANITIZED, Checks, Daemon, run_cli, workspace  # noqa: E402
from receiver import Receiver  # noqa: E402

BINARY, CONFIG, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
SEED = int(os.environ.get("ARSHJUL_KILL9_SEED") or random.SystemRandom().randrange(1, 1_000_000))
print(f"seed {SEED} (ARSHJUL_KILL9_SEED={SEED} repeats these rounds and delays)", flush=True)
rng = random.Random(SEED)
check = Checks()
cfg, db = workspace(check, CONFIG, WORK)

ROUNDS = ["import"] * 7 + ["api"] * 7 + ["deliveries"] * 6
rng.shuffle(ROUNDS)
# Smaller imports under the sanitizers, which run several times slower.
FILLERS = 500 if SANITIZED else 2000  # employees every import lists again, renamed each round
HIRES = 100 if SANITIZED else 250     # new hires per import
HOOKS = ["cli"]      # --hook's id: the only hook (config/roros configures none)
# The dispatcher's at-least-once window (scheduler/dispatcher.h): at most 16
# deliveries in flight per hook, and completed() starts the next one before
# it commits mark_sent of the one that finished, so one more may have been
# answered but not yet marked when the kill comes.
WINDOW_PER_KILL = 16 + 1

ZONE = datetime.timezone(datetime.timedelta(hours=1))  # January in Norway
T0 = datetime.datetime(2027, 1, 4, 8, 0, tzinfo=ZONE)
TODAY = T0.date()
W0 = time.time()


def sim_now():
    """The daemon's clock: T0 when the test began, running at real speed."""
    return T0.timestamp() + (time.time() - W0)


def clock_arg():
    return datetime.datetime.fromtimestamp(int(sim_now()), ZONE).isoformat()


HR = run_cli(BINARY, "token", "create", "--role", "hr", "--db", db).stdout.strip()
check(HR != "", "an HR token is created")
with open(os.path.join(cfg, "people.toml"), "rb") as f:
    ROSTER = tomllib.load(f)["person"]
LEADER = {}  # unit -> the first leader people.toml lists there: the manager our hires get
for p in ROSTER:
    if "leader" in p.get("roles", []) and p.get("unit"):
        LEADER.setdefault(p["unit"], p["id"])
UNITS = sorted(LEADER)

secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
rx = Receiver(secret)
# A kill cuts the receiver's connections mid-request by design: no traceback for each.
rx.server.handle_error = lambda request, client_address: None
daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, "--hook", rx.url(), "--hook-secret", secret)


def wait_ready(timeout=60 if SANITIZED else 30):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if daemon.request("GET", "/readyz", timeout=5)[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def start():
    return daemon.start("--clock", clock_arg()) is not None and wait_ready()


def call(method, path, body=None, content_type="application/json", timeout=60):
    """(status, body), or (None, error) when the daemon died before it answered."""
    headers = {"Authorization": "Bearer " + HR}
    if body is not None:
        headers["Content-Type"] = content_type
    conn = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=timeout)
    try:
        conn.request(method, path, body=body.encode("utf-8") if isinstance(body, str) else body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    except (OSError, http.client.HTTPException) as e:
        return None, repr(e)
    finally:
        conn.close()


def connect():
    return sqlite3.connect(db, timeout=30, isolation_level=None)


# ---- what a person row must hold --------------------------------------------------------------

def person_fields(p):
    """A person as the person table stores it, for comparison."""
    return (p["name"], p["email"], p["unit"], p["roles"], p.get("start_date", ""), p.get("manager", ""), 0)


def stored_people(con, ids):
    rows = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        q = ("SELECT id, name, email, unit, roles, start_date, manager, removed FROM person WHERE id IN (%s)"
             % ",".join("?" * len(chunk)))
        for r in con.execute(q, chunk):
            rows[r[0]] = tuple(r[1:])
    return {i: rows.get(i) for i in ids}


def dated_hires(con):
    """Our hires (import and API) that still have a start date, as person dicts."""
    out = {}
    for r in con.execute("SELECT id, name, email, unit, roles, start_date, manager FROM person "
                         "WHERE id GLOB 'h[0-9]*' AND start_date <> '' AND removed = 0"):
        out[r[0]] = {"id": r[0], "name": r[1], "email": r[2], "unit": r[3], "roles": r[4],
                     "start_date": r[5], "manager": r[6]}
    return out


def new_hire(pid):
    unit = rng.choice(UNITS)
    # From this week to nearly two years ahead: the horizon's employee days
    # (every other month, 25 places each) fill up, and a few hires wait.
    start = TODAY + datetime.timedelta(days=rng.randrange(-3, 690))
    return {"id": pid, "name": f"Nyansatt {pid}", "email": f"{pid}@roros.kommune.no", "unit": unit,
            "roles": "employee", "start_date": start.isoformat(), "manager": LEADER[unit]}


def filler(i, rnd):
    return {"id": f"fast-{i}", "name": f"Fast ansatt {i} runde {rnd}", "email": f"fast-{i}@roros.kommune.no",
            "unit": UNITS[i % len(UNITS)], "roles": "employee", "start_date": "2015-08-01", "manager": ""}


def roster_csv(rows):
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=["id", "name", "email", "unit", "roles", "start_date", "manager"],
                       lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return out.getvalue()


def person_json(p):
    body = {"name": p["name"], "email": p["email"], "unit": p["unit"], "roles": p["roles"].split(";")}
    if p.get("start_date"):
        body["start_date"] = p["start_date"]
    if p.get("manager"):
        body["manager"] = p["manager"]
    return json.dumps(body)


# ---- the invariants, read from the database file while the daemon is down ------------------

outcomes = collections.Counter()  # what the kills hit, for the closing line
changed_meetings = {}  # uid -> ("move", start_utc) or ("cancel", None): every change HR asked for


def registrations_ahead(con):
    """(activity, person, occurrence uid) of every registration for a day after today."""
    today = datetime.datetime.fromtimestamp(sim_now(), ZONE).date().isoformat()
    return con.execute("SELECT activity, person, occurrence_uid FROM registration "
                       "WHERE occurrence_uid <> '' AND occurrence_day > ?", (today,)).fetchall()


def implied_messages_problems(con, registered_before):
    """What is stored but lacks the messages it implies, or has them twice.
    `registered_before`: registrations_ahead() when the round began."""
    problems = []
    # Registration messages by (hook, event, day, activity/person): who got one.
    told = collections.defaultdict(list)
    for hook, key in con.execute("SELECT hook, key FROM outbox WHERE event_type LIKE 'registration.%'"):
        event, uid, _, rule, recipient = key.split("|")
        event = "registration.created" if event == "registration.moved" else event  # either tells of the day
        told[(hook, event, uid, rule)].append(recipient)
    managers = dict(con.execute("SELECT id, manager FROM person WHERE manager <> '' AND removed = 0"))

    def told_once(event, activity, person, uid, hook):
        """The hire and their leader (our hires' manager) told once each, nobody else."""
        got = told.get((hook, event, uid, f"{activity}/{person}"), [])
        leader = managers.get(person)
        ok = got.count(person) == 1 and len(got) <= 2
        if leader:
            ok = ok and got.count(leader) == 1 and len(got) == 2
        return None if ok else f"{activity}/{person} on {uid} via {hook}: {event} to {got or 'nobody'}"

    registrations = registrations_ahead(con)
    missing = [m for a, p, uid in registrations for hook in HOOKS
               if (m := told_once("registration.created", a, p, uid, hook))]
    if missing:
        problems.append(f"{len(missing)} of {len(registrations)} registrations for days ahead lack their "
                        f"registration messages or have them twice, e.g. {missing[:3]}")
    # Hires whose start date was cleared this round lost their day ahead: they and their leader are told.
    cleared = {i for (i,) in con.execute("SELECT id FROM person WHERE start_date = '' AND removed = 0")}
    still = set(registrations)
    released = [(a, p, uid) for a, p, uid in registered_before if p in cleared and (a, p, uid) not in still]
    untold = [m for a, p, uid in released for hook in HOOKS
              if (m := told_once("registration.cancelled", a, p, uid, hook))]
    if untold:
        problems.append(f"{len(untold)} of {len(released)} registrations given up with a start date lack their "
                        f"cancellation messages or have them twice, e.g. {untold[:3]}")
    # Meetings HR changed, stored as changed: their change messages.
    silent = []
    for uid, (kind, start_utc) in changed_meetings.items():
        row = con.execute("SELECT status, start_utc, sequence FROM occurrence WHERE uid = ?", (uid,)).fetchone()
        if not row:
            continue
        status, start, sequence = row
        stored = status == "cancelled" if kind == "cancel" else (status == "scheduled" and start == start_utc)
        if not stored:
            continue  # not (yet) stored as changed: the next build owes it, messages and all
        event = "occurrence.cancelled" if kind == "cancel" else "occurrence.changed"
        for hook in HOOKS:
            n = con.execute("SELECT COUNT(*) FROM outbox WHERE hook = ? AND event_type = ? AND occurrence_uid = ? "
                            "AND sequence = ?", (hook, event, uid, sequence)).fetchone()[0]
            if n == 0:
                silent.append(f"{event} {uid} (sequence {sequence}) via {hook}")
    if silent:
        problems.append(f"{len(silent)} meetings stored as moved or cancelled by HR have no change message in "
                        f"the outbox: {silent[:3]}")
    twice = con.execute("SELECT hook, key, COUNT(*) FROM outbox GROUP BY hook, key HAVING COUNT(*) > 1 "
                        "LIMIT 3").fetchall()
    if twice:
        problems.append(f"outbox rows twice for one (hook, key): {twice}")
    return problems, len(registrations), len(released)


# ---- the rounds ---------------------------------------------------------------------------------

def import_round(n, con):
    hires = [new_hire(f"h{n:02d}i{k}") for k in range(HIRES)]
    cleared = [dict(p, start_date="") for p in dated_hires(con).values()]
    rows = [filler(i, n) for i in range(FILLERS)] + hires + cleared
    ids = [p["id"] for p in rows]
    before = stored_people(con, ids)
    body = roster_csv(rows)
    answer = {}

    def post():
        answer["status"], answer["body"] = call("POST", "/api/v1/people/import", body, "text/csv")
        answer["after"] = time.time() - began
    global import_seconds
    t = threading.Thread(target=post)
    began = time.time()
    t.start()
    # Anywhere from before the body is read to a while after the answer.
    time.sleep(rng.uniform(0, 1.6 * import_seconds))
    daemon.kill()
    t.join()
    killed_after = time.time() - began
    # What this import took, or at least: imports grow slower as the roster does.
    import_seconds = max(import_seconds, answer["after"] if answer["status"] == 200 else killed_after)

    def verdict(con):
        after = stored_people(con, ids)
        all_new = all(after[i] == person_fields(p) for i, p in zip(ids, rows))
        all_old = all(after[i] == before[i] for i in ids)
        status = answer.get("status")
        what = f"{len(rows)} rows ({len(hires)} hires, {len(cleared)} start dates cleared), killed after {killed_after:.2f} s"
        check(all_new or all_old, f"import {what}: all rows stored or none "
                                  f"({sum(after[i] == person_fields(p) for i, p in zip(ids, rows))} of {len(rows)} stored)")
        check(status in (None, 200), f"import: answered {status or 'nothing: killed first'}"
                                     + ("" if status in (None, 200) else f" {answer['body'][:300]!r}"))
        if status == 200:
            check(all_new, "import: answered 200, and every row is stored")
        outcomes["imports stored" if all_new else "imports not stored"] += 1
        return "stored" if all_new else "not stored"
    return verdict


def api_round(n, con):
    dated = list(dated_hires(con).values())
    rng.shuffle(dated)
    meetings = [meeting_pool.pop() for _ in range(min(len(meeting_pool), 6))]
    people_ops, meeting_ops = [], []
    for k in range(12):
        if k % 2 == 0 and dated:
            people_ops.append(("put", dict(dated.pop(), start_date="")))
        else:
            people_ops.append(("put", new_hire(f"h{n:02d}a{k}")))
    for m in meetings:
        if rng.random() < 0.5:
            start = datetime.datetime.fromisoformat(m["start"]) + datetime.timedelta(hours=1)
            meeting_ops.append(("move", m["uid"], int(start.timestamp()), start.strftime("%Y-%m-%dT%H:%M")))
        else:
            meeting_ops.append(("cancel", m["uid"], None, None))
    done = []  # (op, status)
    took = []  # seconds, of each write answered
    lock = threading.Lock()

    def client(ops):
        for op in ops:
            sent = time.time()
            if op[0] == "put":
                p = op[1]
                status, _ = call("PUT", "/api/v1/people/" + p["id"], person_json(p))
            else:
                kind, uid, start_utc, local = op
                changed_meetings[uid] = (kind, start_utc)
                body = {"reason": f"Feiltest runde {n}"}
                if kind == "move":
                    body["start"] = local
                status, _ = call("POST", f"/api/v1/occurrences/{uid}/{kind}", json.dumps(body))
            with lock:
                done.append((op, status))
                if status is not None:
                    took.append(time.time() - sent)
            if status is None:
                return
    threads = [threading.Thread(target=client, args=(ops,)) for ops in (people_ops, meeting_ops)]
    began = time.time()
    for t in threads:
        t.start()
    # Some writes answered, then the kill in the middle of the next ones.
    global write_seconds
    time.sleep(rng.uniform(0.05, 4 * write_seconds))
    daemon.kill()
    for t in threads:
        t.join()
    killed_after = time.time() - began
    write_seconds = max([write_seconds] + took)  # writes grow slower as the roster does

    def verdict(con):
        answered = [(op, s) for op, s in done if s is not None]
        check(all(200 <= s < 300 for _, s in answered),
              f"api: {len(answered)} writes answered before the kill after {killed_after:.2f} s, all 2xx "
              f"({[s for _, s in answered]})")
        lost = []
        for op, s in answered:
            if op[0] == "put":
                if stored_people(con, [op[1]["id"]])[op[1]["id"]] != person_fields(op[1]):
                    lost.append(f"PUT {op[1]['id']}")
            else:
                kind, uid, start_utc, _ = op
                occ = con.execute("SELECT status, start_utc FROM occurrence WHERE uid = ?", (uid,)).fetchone()
                ov = con.execute("SELECT COUNT(*) FROM override WHERE kind = ? AND uid = ?"
                                 + (" AND start_utc = ?" if kind == "move" else ""),
                                 (kind, uid, start_utc) if kind == "move" else (kind, uid)).fetchone()[0]
                ok = ov > 0 and occ is not None and (occ[0] == "cancelled" if kind == "cancel" else occ[1] == start_utc)
                if not ok:
                    lost.append(f"{kind} {uid}")
        check(not lost, f"api: every write answered 2xx is stored ({lost[:3]})")
        outcomes["API writes answered"] += len(answered)
        outcomes["API writes cut off by the kill"] += len(done) - len(answered)
        return f"{len(answered)} of {len(done)} answered"
    return verdict


def deliveries_round(n, con):
    time.sleep(rng.uniform(0.0, 0.8))
    daemon.kill()
    return lambda con: f"{len(rx.received)} delivered so far"


# ---- the run ------------------------------------------------------------------------------------

check(start(), "the daemon starts with a hook under a simulated clock and is ready")
# Meetings HR and the leader of stab take part in: each has someone to tell of a change.
status, body = call("GET", "/api/v1/occurrences?from=2027-01-20&to=2028-12-31&person=" + LEADER["stab"])
check(status == 200, "the meetings ahead are listed")
meeting_pool = [o for o in json.loads(body)["occurrences"]
                if o["kind"] == "meeting" and not o["all_day"] and o["activity"] != "ansattdag"]
rng.shuffle(meeting_pool)
check(len(meeting_pool) >= 6 * ROUNDS.count("api"), f"{len(meeting_pool)} meetings ahead to move or cancel")

# One import without a kill: the filler employees exist, and its time sets
# how long an import round may run before its kill.
rows = [filler(i, 0) for i in range(FILLERS)] + [new_hire(f"h00i{k}") for k in range(HIRES)]
began = time.time()
status, body = call("POST", "/api/v1/people/import", roster_csv(rows), "text/csv")
import_seconds = time.time() - began
check(status == 200, f"a first import of {len(rows)} rows answers 200 in {import_seconds:.2f} s"
                     + ("" if status == 200 else f" (got {status} {body[:300]!r})"))
hire = new_hire("h00p0")
began = time.time()
status, body = call("PUT", "/api/v1/people/h00p0", person_json(hire))
write_seconds = time.time() - began
check(status == 201, f"a PUT of a new hire answers 201 in {write_seconds:.2f} s"
                     + ("" if status == 201 else f" (got {status} {body[:300]!r})"))

window = []          # per kill: webhook-ids received but not marked sent
received_before = collections.Counter()
worst = 0
for n, kind in enumerate(ROUNDS, start=1):
    con = connect()
    registered_before = registrations_ahead(con)
    verdict = {"import": import_round, "api": api_round, "deliveries": deliveries_round}[kind](n, con)
    con.close()
    # Down: the file as the kill left it.
    con = connect()
    integrity = con.execute("PRAGMA integrity_check").fetchall()
    check(integrity == [("ok",)], f"round {n} ({kind}): PRAGMA integrity_check is ok after kill -9")
    what = verdict(con)
    problems, registrations, released = implied_messages_problems(con, registered_before)
    check(not problems, f"round {n}: {registrations} registrations ahead, {released} given up and "
                        f"{len(changed_meetings)} changed meetings have their messages in the outbox exactly once "
                        f"({what}); " + "; ".join(problems))
    pending = {w for (w,) in con.execute("SELECT webhook_id FROM outbox WHERE status = 'pending'")}
    con.close()
    # The dead daemon sends nothing more: what the receiver has now is all it got.
    time.sleep(0.05)
    now_received = collections.Counter(w for w, _, _ in list(rx.received))
    in_window = {w for w in pending if now_received[w] > received_before[w]}
    window.append(in_window)
    worst = max(worst, len(in_window))
    outcomes["deliveries in flight at a kill"] += len(in_window)
    check(len(in_window) <= WINDOW_PER_KILL,
          f"round {n}: {len(in_window)} deliveries received but not marked sent at the kill "
          f"(at most {WINDOW_PER_KILL})")
    received_before = now_received
    check(start(), f"round {n}: the daemon starts again and is ready")

# Let the outbox drain: everything due when the last round ended goes out. A
# fixed cutoff, so messages enqueued just before it are waited for too (a
# moving "now - 2 s" once let the wait end with 807 of them not yet sent).
# A loaded CI machine sends slowly (once 1,471 of 4,640 were left after a
# fixed 30 s), so wait as long as the count keeps falling: a dispatcher that
# stalls is the failure.
cutoff = int(sim_now())
stall = 120 if SANITIZED else 30
last, last_change, give_up = None, time.time(), time.time() + 600
while time.time() - last_change < stall and time.time() < give_up:
    con = connect()
    due = con.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND next_attempt_utc <= ?",
                      (cutoff,)).fetchone()[0]
    con.close()
    if due == 0:
        break
    if due != last:
        last, last_change = due, time.time()
    time.sleep(0.2)
check(daemon.stop(timeout=30) == 0, "after the last round the daemon drains its outbox and stops cleanly")
con = connect()
rows = con.execute("SELECT webhook_id, status, event_type, due_utc FROM outbox").fetchall()
con.close()
due = [(w, s, e) for w, s, e, at in rows if at <= cutoff]
# Only a reminder or notice may be dropped: its occurrence changed or began.
unsent = [(w, s, e) for w, s, e in due if not (s == "sent" or (s == "dropped" and e in ("reminder.due", "notice.early")))]
check(not unsent, f"every one of the {len(due)} outbox messages due is sent ({len(unsent)} not: {unsent[:3]})")
got = collections.Counter(w for w, _, _ in rx.received)
sent = {w for w, s, _, _ in rows if s == "sent"}
check(sent <= set(got), f"the receiver saw each of the {len(sent)} sent messages at least once "
                        f"({len(sent - set(got))} never arrived)")
check(set(got) <= {w for w, _, _, _ in rows}, "and nothing that is not in the outbox")
beyond = {w: c for w, c in got.items() if c - 1 > sum(w in win for win in window)}
dupes = sum(c - 1 for c in got.values())
check(not beyond, f"{dupes} duplicate deliveries over {len(ROUNDS)} kills, each of a message in the "
                  f"at-least-once window of a kill (at most {worst} at one kill); beyond it: {list(beyond.items())[:3]}")
rx.stop()
print(f"seed {SEED}: {len(ROUNDS)} kills ({', '.join(f'{k} {ROUNDS.count(k)}' for k in sorted(set(ROUNDS)))}); "
      + ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
      + f"; {sum(got.values())} deliveries of {len(got)} messages in {time.time() - W0:.0f} s")
check.done()
