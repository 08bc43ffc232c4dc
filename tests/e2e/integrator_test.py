"""End to end, issue 16's integrator walk-through: an HR system connected
through the API alone, against a running daemon on config/roros.

1. The nightly export as Excel writes it in Norway: separated by `;`, in
   windows-1252, with a column of the HR system's own (ansattnummer). It
   imports with `charset=windows-1252`, the extra column is named in the
   answer's warnings, and names with æ, ø and å are stored as they were.
2. A paged read of the whole roster (50,000 people; 10,000 under a
   sanitizer) and of their tasks, following `next` until it is null: every
   person and task once, as many as `total` says.
3. Single changes with `If-Match`: PATCH (JSON merge patch) with the ETag
   of a GET; two clients doing read-modify-write, where the second one's
   stale ETag is a 412 with the current ETag and nothing is lost; a PATCH
   of one member keeps the others; If-None-Match gives 304.
4. An incremental read with `updated_since` (the first page's `as_of`):
   only the people changed since, those removed under `removed`, and the
   tasks completed since. The same nightly file again changes nobody, so
   the next incremental read is empty.
5. A meeting moved onto 17 May is moved, and the answer warns of the
   public holiday.

Run: /usr/bin/python3 tests/e2e/integrator_test.py BINARY CONFIG_DIR WORKDIR SOURCE_DIR
"""
import csv
import io
import json
import os
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import SANITIZED, Checks, Daemon, run_cli, workspace  # noqa: E402

BINARY, CONFIG, WORK, SOURCE = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
PEOPLE = 10000 if SANITIZED else 50000
check = Checks()
cfg, db = workspace(check, CONFIG, WORK)
HR = run_cli(BINARY, "token", "create", "--role", "hr", "--name", "hr-system", "--db", db).stdout.strip()
daemon = Daemon(check, BINARY, "--config", cfg, "--db", db)
check(daemon.start_ready("--clock", "2027-01-10T08:00:00+01:00", "--clock-speed", "1"), "the daemon started")


def call(method, path, body=None, content_type="application/json", headers=None, timeout=300):
    """(status, headers, JSON body or None) of one call under /api/v1."""
    h = {"Authorization": "Bearer " + HR}
    h.update(headers or {})
    if body is not None:
        h["Content-Type"] = content_type
        if not isinstance(body, (str, bytes)):
            body = json.dumps(body)
    status, got, raw = daemon.request(method, "/api/v1" + path, body=body, headers=h, timeout=timeout)
    return status, got, (json.loads(raw) if raw else None)


# ---- 1. the nightly export: ';', windows-1252, a column of its own ---------------------------------

made = subprocess.run([sys.executable, os.path.join(SOURCE, "bench", "people_csv.py"), "--people", str(PEOPLE),
                       "--hires", str(PEOPLE // 10), "--start", "2027-01-01", "--units-from",
                       os.path.join(cfg, "arshjul.toml")], capture_output=True, text=True, timeout=120)
check(made.returncode == 0, f"bench/people_csv.py wrote {PEOPLE} people" + ("" if made.returncode == 0 else ": " + made.stderr))
rows = list(csv.reader(io.StringIO(made.stdout)))
header, people_rows = rows[0], rows[1:]


def nightly(rows_now):
    """The export as Excel's Norwegian default writes it, with the HR system's employee number."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(header + ["ansattnummer"])
    for i, r in enumerate(rows_now):
        w.writerow(r + [str(100000 + i)])
    return out.getvalue().encode("cp1252")


export = nightly(people_rows)
check(b";" in export.split(b"\r\n")[0] and b"," not in export.split(b"\r\n")[0], "the export's header is separated by ';'")
status, _, answer = call("POST", "/people/import", export,
                         content_type="text/csv; charset=windows-1252")
check(status == 200, f"the nightly CSV imports: 200 (got {status} {str(answer)[:300]})")
check(len(answer["added"]) == PEOPLE, f"everyone in it is added ({len(answer['added'])})")
warned = [w["field"] for w in answer["warnings"]]
check(warned == ["ansattnummer"] and answer["warnings"][0]["line"] == 1
      and answer["warnings"][0]["column"] == len(header) + 1,
      f"the HR system's own column is ignored with a warning that says where it is ({answer['warnings']})")
status, _, strict = call("POST", "/people/import?strict=true&dry_run=true", export, content_type="text/csv; charset=windows-1252")
check(status == 422 and strict["errors"][0]["field"] == "ansattnummer", f"with strict=true the same file is refused, naming the column ({status})")
norwegian = next(r for r in people_rows if any(ch in r[1] for ch in "æøåÆØÅ"))
status, _, stored = call("GET", "/people/" + norwegian[0])
check(status == 200 and stored["name"] == norwegian[1], f"a name read in windows-1252 is stored as it was: {stored and stored['name']!r}")

# ---- 2. a paged read of everyone and their tasks ---------------------------------------------------

# Stamps are whole seconds: what changed in the second of an answer's as_of may
# come again. A change a second after the import moves the daemon's wheel on,
# as the HR system's next edits would, so the import's own second is behind it.
time.sleep(1.1)
first_hire = people_rows[1][0]
status, _, _ = call("PATCH", "/people/" + first_hire, {"email": "forste@roros.kommune.no"},
                    content_type="application/merge-patch+json")
check(status == 200, f"a PATCH a second after the import: 200 ({status})")


def read_all(path, member, key):
    """Follows `next` from `path`; returns (items by key, pages, the first page's as_of, total)."""
    seen, pages, as_of, total, link = {}, 0, None, None, path
    while link:
        status, _, page = call("GET", link[len("/api/v1"):] if link.startswith("/api/v1") else link)
        check(status == 200, f"GET {link}: 200 (got {status} {str(page)[:200]})")
        pages += 1
        as_of = as_of or page["as_of"]
        total = page["total"] if total is None else total
        for item in page[member]:
            check(item[key] not in seen, f"{member} {item[key]} comes once over the pages")
            seen[item[key]] = item
        link = page["next"]
        check(pages < 1000, "the pages end")
    return seen, pages, as_of, total


everyone, pages, as_of, total = read_all("/people?limit=5000", "people", "id")
check(len(everyone) == total and total >= PEOPLE and pages == -(-total // 5000),
      f"the paged read gives all {total} people once, in {pages} pages of 5000")
check(list(everyone) == sorted(everyone), "by id")
tasks, task_pages, tasks_as_of, task_total = read_all("/tasks?limit=5000", "tasks", "id")
check(len(tasks) == task_total and task_total > PEOPLE // 2,
      f"the paged read gives all {task_total} tasks once, in {task_pages} pages")
status, _, first = call("GET", "/tasks")
check(status == 200 and len(first["tasks"]) == 1000 and first["next"], "an unpaged read of the tasks is one page of 1000 with a next link, not one answer of every task")

# ---- 3. single changes with If-Match; a lost update refused --------------------------------------

who = norwegian[0]
status, got, person = call("GET", "/people/" + who)
etag = got.get("etag", "")
check(status == 200 and etag.startswith('"'), f"GET a person gives its ETag ({etag})")
status, got, _ = call("GET", "/people/" + who, headers={"If-None-Match": etag})
check(status == 304 and got.get("etag") == etag, f"If-None-Match with the current ETag: 304 ({status})")

# Two clients read the same version; the first changes the e-mail.
status, got, after_a = call("PATCH", "/people/" + who, {"email": "ny.adresse@roros.kommune.no"},
                            content_type="application/merge-patch+json", headers={"If-Match": etag})
check(status == 200 and after_a["email"] == "ny.adresse@roros.kommune.no", f"client A's PATCH with If-Match: 200 ({status})")
etag_a = got.get("etag")
check(etag_a and etag_a != etag, "and a new ETag")
check(after_a["name"] == person["name"] and after_a["unit"] == person["unit"] and after_a["roles"] == person["roles"],
      "a merge patch of the e-mail keeps every other member")
# The second, from the version it read, would overwrite it: refused.
stale = dict(person, email=person["email"], unit=person["unit"])
stale = {k: v for k, v in stale.items() if k not in ("leader", "registrations")}
stale["name"] = person["name"] + " Berg"
status, got, problem = call("PUT", "/people/" + who, stale, headers={"If-Match": etag})
check(status == 412 and got.get("etag") == etag_a, f"client B's PUT from the old version: 412 with the current ETag ({status} {problem})")
status, _, now = call("GET", "/people/" + who)
check(now["email"] == "ny.adresse@roros.kommune.no" and now["name"] == person["name"], "nothing of A's change was lost, nothing of B's stored")
# B reads again and makes its change to what it is now.
status, got, _ = call("PATCH", "/people/" + who, {"name": person["name"] + " Berg"},
                      content_type="application/merge-patch+json", headers={"If-Match": etag_a})
check(status == 200, f"client B's PATCH on the current version: 200 ({status})")
status, _, now = call("GET", "/people/" + who)
check(now["email"] == "ny.adresse@roros.kommune.no" and now["name"] == person["name"] + " Berg", "both changes are kept")
status, _, _ = call("DELETE", "/people/" + who, headers={"If-Match": etag})
check(status == 412, f"a DELETE on an old version: 412 ({status}); the person stays")
gone = people_rows[5][0]
time.sleep(1.1)  # the removal a second after the changes above: as_of below is its second, not theirs
status, got, _ = call("GET", "/people/" + gone)
status, _, _ = call("DELETE", "/people/" + gone, headers={"If-Match": got["etag"]})
check(status == 204, f"a DELETE with the current ETag: 204 ({status})")
status, _, _ = call("DELETE", "/people/" + gone, headers={"If-Match": got["etag"]})
check(status == 204, f"and again (a retry after a lost answer): 204 ({status})")

# ---- 4. what changed since the first read --------------------------------------------------------

open_task = next(t for t in tasks.values() if t["status"] == "open")
status, _, done = call("POST", f"/tasks/{open_task['id']}/complete")
check(status == 200 and done["status"] == "done", "a task completed")
status, _, changed = call("GET", "/people?updated_since=" + urllib.parse.quote(as_of))
changed_ids = [p["id"] for p in changed["people"]]
check(status == 200 and who in changed_ids and set(changed_ids) <= {who, first_hire} and changed["removed"] == [gone],
      f"updated_since gives only who changed ({changed_ids[:10]}, {changed['total']} in all) and who left ({changed['removed'][:10]})")
status, _, changed_tasks = call("GET", "/tasks?updated_since=" + urllib.parse.quote(tasks_as_of))
by_id = {t["id"]: t for t in changed_tasks["tasks"]}
check(open_task["id"] in by_id and by_id[open_task["id"]]["status"] == "done",
      f"the tasks changed since include the one completed, as done ({changed_tasks['total']} changed)")
check(changed_tasks["total"] < task_total // 10, f"and not every task ({changed_tasks['total']} of {task_total})")
as_of_2 = changed["as_of"]
time.sleep(1.1)

# The same nightly file again (without the person removed by the API, as the HR system has them now).
again = [r for r in people_rows if r[0] != gone]
for r in again:
    if r[0] == who:
        r[1], r[2] = person["name"] + " Berg", "ny.adresse@roros.kommune.no"
    if r[0] == first_hire:
        r[2] = "forste@roros.kommune.no"
status, _, answer = call("POST", "/people/import", nightly(again), content_type="text/csv; charset=windows-1252")
check(status == 200 and answer["added"] == [] and answer["changed"] == [], f"the same export again changes nobody ({status}, {answer and answer['changed'][:5]})")
status, _, changed = call("GET", "/people?updated_since=" + urllib.parse.quote(as_of_2))
check(status == 200 and changed["people"] == [] and set(changed["removed"]) <= {gone},
      f"so the next incremental read is empty ({[p['id'] for p in changed['people']][:5]}, {changed['total']} in all)")
status, _, bad = call("GET", "/people?updated_since=yesterday")
check(status == 400 and bad["errors"][0]["parameter"] == "updated_since", "a bad updated_since is a 400 naming it")

# ---- 5. a meeting moved onto 17 May is moved, with a warning ---------------------------------------

status, _, listing = call("GET", "/occurrences?activity=amu&from=2027-03-01")
meeting = listing["occurrences"][0]
status, got, moved = call("POST", f"/occurrences/{urllib.parse.quote(meeting['uid'], safe='@')}/move",
                          {"start": "2027-05-17T09:00", "reason": "Flyttet etter ønske fra AMU"})
check(status == 200 and moved["start"].startswith("2027-05-17"), f"the move to 17 May is made ({status})")
check(any("Grunnlovsdag" in w for w in moved.get("warnings", [])), f"and the answer warns of the public holiday ({moved.get('warnings')})")
status, _, _ = call("POST", f"/occurrences/{urllib.parse.quote(meeting['uid'], safe='@')}/cancel",
                    {"reason": "Avlyst"}, headers={"If-Match": '"stale"'})
check(status == 412, f"a cancel with a stale ETag is a 412 ({status})")

check(daemon.stop() == 0, "the daemon stopped cleanly")
check.done()
