"""End to end: a reload in mid-year changes only what is still ahead (issue 12, defect 14).

The daemon runs on a simulated clock at 23:30 on 15 June 2027. The wheel's
first activity gets a new time and its second is removed; after SIGHUP the
log's "changed" and "cancelled" count only the meetings ahead, the ones
already held are "kept as held", and every event that has ended reads in the
feed byte for byte as before the reload. A cancelled one keeps its
description and says why.

Run: /usr/bin/python3 tests/e2e/history_test.py BINARY CONFIG_DIR WORKDIR
"""
import datetime
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import SANITIZED, Checks, Daemon, run_cli, workspace  # noqa: E402
import icalendar

BINARY, CONFIG, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()
cfg, db = workspace(check, CONFIG, WORK)
CLOCK = "2027-06-15T23:30:00+02:00"  # no event ends within minutes of it
NOW = datetime.datetime.fromisoformat(CLOCK)
ZONE = datetime.timezone(datetime.timedelta(hours=2))

r = run_cli(BINARY, "subscribe", "--config", cfg, "--db", db, "--all")
check(r.returncode == 0, f"subscribe --all ({r.stderr.strip()})")
token = re.search(r"^token:\s+(\S+)", r.stdout, re.M).group(1)

daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, "--clock", CLOCK, "--clock-speed", "1")
check(daemon.start() is not None, f"the daemon starts at {CLOCK}")


def feed():
    status, _, body = daemon.request("GET", f"/feeds/{token}.ics")
    check(status == 200, "the feed answers 200")
    text = body.decode("utf-8").replace("\r\n ", "")
    blocks = {re.search(r"\r\nUID:(\S+)\r\n", b).group(1): b
              for b in re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT", "\r\n" + text, re.S)}
    events = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}
    return blocks, events


def ended(e):
    end = e["DTEND"].dt
    if not isinstance(end, datetime.datetime):
        end = datetime.datetime.combine(end, datetime.time(), ZONE)
    return end <= NOW


def of(events, activity):
    return [uid for uid in events if uid.startswith(activity + ".")]


blocks_before, before = feed()
wheel = os.path.join(cfg, "wheels", "partssamarbeid.toml")
parts = open(wheel, encoding="utf-8").read().split("[[activity]]")
moved_id = re.search(r'^id = "([a-z0-9-]+)"', parts[1], re.M).group(1)
removed_id = re.search(r'^id = "([a-z0-9-]+)"', parts[2], re.M).group(1)
moved_past = [u for u in of(before, moved_id) if ended(before[u])]
moved_ahead = [u for u in of(before, moved_id) if not ended(before[u])]
removed_past = [u for u in of(before, removed_id) if ended(before[u])]
removed_ahead = [u for u in of(before, removed_id) if not ended(before[u])]
check(moved_past and moved_ahead and removed_past and removed_ahead,
      f"{moved_id} has {len(moved_past)} held and {len(moved_ahead)} ahead, "
      f"{removed_id} {len(removed_past)} held and {len(removed_ahead)} ahead")

parts[1] = re.sub(r'^start = "\d\d:\d\d"', 'start = "07:15"', parts[1], count=1, flags=re.M)
del parts[2]
open(wheel, "w", encoding="utf-8").write("[[activity]]".join(parts))
daemon.signal(signal.SIGHUP)
line = None
end = time.time() + (60 if SANITIZED else 15)
while line is None and time.time() < end:
    line = re.search(r"reload: ok: (\d+) new, (\d+) changed, (\d+) cancelled, (\d+) restored, (?:(\d+) kept as held, )?",
                     open(check.log_path, encoding="utf-8").read())
    time.sleep(0.1)
check(line is not None, "the reload is applied")
new, changed, cancelled, restored, kept = (int(g or 0) for g in line.groups())
check(changed == len(moved_ahead), f"the reload changed {changed}: only the {len(moved_ahead)} meetings ahead")
check(cancelled == len(removed_ahead), f"the reload cancelled {cancelled}: only the {len(removed_ahead)} meetings ahead")
check(kept == len(moved_past) + len(removed_past),
      f"the log says {kept} kept as held: the {len(moved_past)} + {len(removed_past)} that took place")

blocks_after, after = feed()
held = [uid for uid, e in before.items() if ended(e)]
differ = [uid for uid in held if blocks_after.get(uid) != blocks_before[uid]]
check(not differ, f"all {len(held)} events that have ended read byte for byte as before the reload {differ[:3]}")
check(all(int(after[u]["SEQUENCE"]) == 1 and after[u]["DTSTART"].dt.strftime("%H:%M") == "07:15" for u in moved_ahead),
      f"the {len(moved_ahead)} {moved_id} meetings ahead are at 07:15 with SEQUENCE 1")
check(all(str(after[u]["STATUS"]) == "CANCELLED" and int(after[u]["SEQUENCE"]) == 1 for u in removed_ahead),
      f"the {len(removed_ahead)} {removed_id} meetings ahead are CANCELLED with SEQUENCE 1")
check(all(str(after[u].get("DESCRIPTION", "")) == str(before[u]["DESCRIPTION"]) + "\n\nAvlyst: tatt ut av årshjulet"
          for u in removed_ahead),
      "a cancelled meeting keeps its description and says it was taken out of the wheel")

check(daemon.stop(timeout=10) == 0, "SIGTERM stops the daemon cleanly")
check.done()
