"""End to end: self-service feeds and the audit trail through the HR API.

- POST /api/v1/subscriptions creates a feed for a person, role, unit or
  wheel; its URL answers 200 at once (no sleep: the writer refreshes the
  feeds' index before the 201), a signed subscription.created webhook
  carries the link, and DELETE revokes it (the feed answers 404 at once);
- a read token may list but not create; a bad filter is a problem+json
  naming the JSON pointer; nothing is stored by a refused request;
- every change (API, CLI, reload) is in GET /api/v1/audit with who, door,
  what and why, filtered and paged; the database refuses to change a row.

Run: /usr/bin/python3 tests/e2e/selfservice_test.py BINARY CONFIG_DIR WORKDIR
"""
import base64
import json
import os
import signal
import sqlite3
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

HR = run_cli(BINARY, "token", "create", "--role", "hr", "--name", "Hanne HR", "--db", db).stdout.strip()
READ = run_cli(BINARY, "token", "create", "--role", "read", "--name", "Lesetilgang", "--db", db).stdout.strip()

daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, "--hook", rx.url(), "--hook-secret", secret,
                "--clock", "2027-01-04T08:00:00+01:00")
check(daemon.start() is not None, "the daemon starts")


def api(method, path, body=None, token=HR):
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    status, h, raw = daemon.request(method, "/api/v1" + path, body, headers)
    return status, h, (json.loads(raw) if raw else None)


def feed_status(url):
    return daemon.request("GET", url[url.index("/feeds/"):])[0]


# ---- creating feeds -------------------------------------------------------------------------
created = {}
for filt in ["unit:skole", "role:hovedtillitsvalgt", "wheel:partssamarbeid", "person:kirsti-haugen", "all"]:
    status, headers, body = api("POST", "/subscriptions", {"filter": filt, "reason": "ny leder"})
    check(status == 201 and body["filter"] == filt, f"POST /subscriptions {filt} answers 201 with the filter")
    check(headers.get("location") == f"/api/v1/subscriptions/{body['id']}", f"{filt}: Location names the new subscription")
    check(body["feed_url"].endswith(".ics") and body["token"] in body["feed_url"], f"{filt}: the answer carries the feed URL once")
    check(body["webcal_url"].startswith("webcal://"), f"{filt}: and its webcal:// form")
    # No sleep: the 201 came after the feeds' index knew the token.
    status = feed_status(body["feed_url"])
    check(status == 200, f"{filt}: the new feed answers 200 at once (got {status})")
    created[filt] = body
check("page_url" in created["person:kirsti-haugen"], "a person's feed comes with its /me page link")
ics = daemon.request("GET", created["unit:skole"]["feed_url"][created["unit:skole"]["feed_url"].index("/feeds/"):])[2]
check(b"BEGIN:VCALENDAR" in ics and b"BEGIN:VEVENT" in ics, "the unit feed is a calendar with events")

# The token itself is never stored: only its hash.
con = sqlite3.connect(db)
tokens_in_db = [r[0] for r in con.execute("SELECT token_hash FROM subscription")]
con.close()
check(all(c["token"] not in tokens_in_db for c in created.values()), "the subscription table holds hashes, not tokens")

# ---- refusals ---------------------------------------------------------------------------------
status, headers, body = api("POST", "/subscriptions", {"filter": "unit:skole"}, token=READ)
check(status == 403 and headers["content-type"].startswith("application/problem+json"),
      "a read token cannot create a feed: 403 problem+json")
status, headers, body = api("POST", "/subscriptions", {"filter": "unit:skolen"})
check(status == 422 and headers["content-type"].startswith("application/problem+json"), "a bad filter is a 422 problem+json")
check(body["errors"][0]["pointer"] == "/filter" and "skolen" in body["errors"][0]["detail"],
      f"the problem names /filter and the unknown unit: {body['errors'][0]}")
status, _, body = api("POST", "/subscriptions", {"filter": "team:x", "colour": "red"})
pointers = sorted(e["pointer"] for e in body["errors"])
check(status == 422 and pointers == ["/colour", "/filter"], f"every problem is named by its pointer: {pointers}")
status, _, body = api("POST", "/subscriptions", {})
check(status == 422 and body["errors"][0]["pointer"] == "/filter", "a missing filter is named")
status, _, body = api("GET", "/subscriptions")
check(status == 200 and len(body["subscriptions"]) >= 5, "refused requests stored nothing; the five feeds are listed")

# ---- listing ---------------------------------------------------------------------------------
status, _, body = api("GET", "/subscriptions?kind=unit", token=READ)
check(status == 200 and [s["filter"] for s in body["subscriptions"]] == ["unit:skole"], "a read token lists, filtered by kind")
check(all("token" not in s and "feed_url" not in s for s in body["subscriptions"]), "a listing never shows a token")
check(body["subscriptions"][0]["created_by"] == "Hanne HR", "a listed feed says who made it")
status, _, body = api("GET", "/subscriptions?kind=team")
check(status == 400 and body["errors"][0]["parameter"] == "kind", "an unknown kind is a 400 naming the parameter")

# ---- the webhook -------------------------------------------------------------------------------
end = time.time() + 10
while time.time() < end:
    with rx.lock:
        got = [p for _, _, p in rx.received if p["type"] == "subscription.created"]
    if len(got) >= 5:
        break
    time.sleep(0.05)
check(len(got) == 5 and not rx.bad, f"five signed subscription.created webhooks arrive ({len(got)})")
unit_msg = next(p for p in got if p["data"]["subscription"]["filter"] == "unit:skole")
check(unit_msg["data"]["subscription"]["feed_url"] == created["unit:skole"]["feed_url"], "the webhook carries the feed link")
check(unit_msg["data"]["subscription"]["created_by"] == "Hanne HR", "and who made it")
person_msg = next(p for p in got if p["data"]["subscription"]["filter"] == "person:kirsti-haugen")
check(person_msg["data"]["recipient"]["id"] == "kirsti-haugen", "a person's feed names the person as recipient")

# ---- revoking --------------------------------------------------------------------------------
sid = created["unit:skole"]["id"]
status, _, body = api("DELETE", f"/subscriptions/{sid}", token=READ)
check(status == 403, "a read token cannot revoke")
status, _, body = api("DELETE", f"/subscriptions/{sid}?reason=sluttet")
check(status == 200 and body["revoked"] is not None, "DELETE revokes the feed")
status = feed_status(created["unit:skole"]["feed_url"])
check(status == 404, f"the revoked feed answers 404 at once (got {status})")
status, _, body = api("DELETE", f"/subscriptions/{sid}")
check(status == 409, "revoking it again is a 409")
status, _, body = api("DELETE", "/subscriptions/99999")
check(status == 404, "an unknown subscription is a 404")
status, _, body = api("GET", "/subscriptions?include_revoked=true&kind=unit")
check(status == 200 and body["subscriptions"][0]["revoked"] is not None, "include_revoked lists revoked feeds too")

# ---- the CLI door: a feed made by `arshjul subscribe` beside the daemon ------------------------
r = run_cli(BINARY, "subscribe", "--config", cfg, "--db", db, "--unit", "teknisk")
url = next(line.split()[-1] for line in r.stdout.splitlines() if line.startswith("url:"))
check(r.returncode == 0, "arshjul subscribe beside a running daemon works")
status = feed_status(url)
check(status == 200, f"a feed made by the CLI answers 200 at once too (got {status})")

# ---- other changes, audited -------------------------------------------------------------------
status, _, _ = api("PUT", "/people/ny-person", {"name": "Ny Person", "unit": "skole", "roles": ["employee"]})
check(status == 201, "a person is stored")
status, _, occ = api("GET", "/occurrences?activity=amu")
uid = next(o["uid"] for o in occ["occurrences"] if o["start"] > "2027-02")
status, _, _ = api("POST", f"/occurrences/{uid}/cancel", {"reason": "for få saker"})
check(status == 200, "a meeting is cancelled")
daemon.signal(signal.SIGHUP)

end = time.time() + 10
while time.time() < end:
    status, _, body = api("GET", "/audit?action=config.reload")
    if body["entries"]:
        break
    time.sleep(0.05)
check(body["entries"] and body["entries"][0]["door"] == "reload" and body["entries"][0]["actor"] == "reload",
      "a reload is in the audit trail, by the reload door")

status, _, body = api("GET", "/audit?limit=1000")
actions = [(e["door"], e["actor"], e["action"]) for e in body["entries"]]
check(("cli", "cli", "token.create") in actions, "token create by the CLI is audited")
check(("api", "Hanne HR", "subscription.create") in actions, "a feed created through the API is audited with the token's name")
check(("api", "Hanne HR", "subscription.revoke") in actions, "its revocation too")
check(("cli", "cli", "subscription.create") in actions, "a feed created by the CLI is audited")
check(("api", "Hanne HR", "person.store") in actions, "a stored person is audited")
cancel = next(e for e in body["entries"] if e["action"] == "occurrence.cancel")
check(cancel["target"] == uid and cancel["reason"] == "for få saker" and cancel["before"]["uid"] == uid,
      "a cancellation is audited with the occurrence before and the reason")
revoke = next(e for e in body["entries"] if e["action"] == "subscription.revoke")
check(revoke["reason"] == "sluttet" and revoke["before"]["filter"] == "unit:skole", "a revocation keeps what it was and why")
check(all(e["at"].endswith("Z") and e["at"].startswith("2027-01") for e in body["entries"]
          if e["door"] != "cli"), "audit times are the daemon's clock")

status, _, body = api("GET", "/audit?actor=Hanne%20HR&action=subscription.create")
check(status == 200 and len(body["entries"]) == 5, "the audit trail filters by actor and action")
status, _, body = api("GET", "/audit?target=person/")
check(len(body["entries"]) == 1 and body["entries"][0]["target"] == "person/ny-person", "and by target prefix")
status, _, page1 = api("GET", "/audit?limit=2")
status, _, page2 = api("GET", f"/audit?limit=2&cursor={page1['next_cursor']}")
check(page1["next_cursor"] and page2["entries"][0]["id"] < page1["entries"][-1]["id"], "pages follow the cursor")
status, _, body = api("GET", "/audit?from=2027-13-01")
check(status == 400 and body["errors"][0]["parameter"] == "from", "a bad date is a 400 naming the parameter")
status, _, body = api("GET", "/audit", token=READ)
check(status == 403, "a read token may not read the audit trail")

con = sqlite3.connect(db)
try:
    con.execute("DELETE FROM audit")
    con.commit()
    deleted = True
except sqlite3.DatabaseError as e:
    deleted = "append-only" not in str(e)
con.close()
check(not deleted, "the database refuses to delete audit rows")

check(daemon.stop() == 0, "the daemon stops cleanly")

# ---- a feed past 1 MB -----------------------------------------------------------------------
# A weekday meeting with a long agenda makes the whole organisation's feed too
# large for Google Calendar: HR hears so when making it, the operator when it is served.
agenda = ", ".join(f'"Sak {i}: gjennomgang av rutiner, avvik og tiltak i enheten"' for i in range(1, 51))
with open(os.path.join(cfg, "wheels", "daglig.toml"), "w", encoding="utf-8") as f:
    f.write('[wheel]\nid = "daglig"\nname = "Daglig"\ncolor = "#805ad5"\n\n[[activity]]\nid = "morgenmote"\n'
            'title = "Morgenmøte"\nrule = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"\nstart = "08:00"\nduration = "30m"\n'
            f'on_holiday = "skip"\nparticipants = ["hr"]\nagenda = [{agenda}]\n')
check(daemon.start() is not None, "the daemon starts with a daily wheel")
status, _, big = api("POST", "/subscriptions", {"filter": "all"})
check(status == 201 and any("Google Kalender henter ikke kalendere over 1 MB" in w for w in big.get("warnings", [])),
      "a feed past 1 MB is created with a warning HR can act on")
status, _, small = api("POST", "/subscriptions", {"filter": "wheel:partssamarbeid"})
check(status == 201 and "warnings" not in small, "a smaller feed has none")
status, _, body = daemon.request("GET", big["feed_url"][big["feed_url"].index("/feeds/"):])
check(status == 200 and len(body) > 1 << 20, "the large feed is still served")
with open(check.log_path, encoding="utf-8") as f:
    check("past 1 MB, where Google Calendar stops importing" in f.read(), "and the log warns of it, naming the subscription")
check(daemon.stop() == 0, "the daemon stops cleanly")
rx.stop()
check.done()
