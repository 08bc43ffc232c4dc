#!/usr/bin/python3
"""Independent interop check of an arshjul iCalendar export.

Usage: /usr/bin/python3 check_ics.py FILE.ics CONFIG_DIR YEAR

Run with Debian's /usr/bin/python3 (python3-icalendar, python3-dateutil,
python3-recurring-ical-events). Deliberately shares no code with arshjul:
the calendar is parsed by the icalendar package and the domain rules
(holidays, half days, blackouts) are recomputed here from DOMAIN.md and
the configuration file.

Checks: raw bytes (CRLF only, <= 75 octets a line, every physical line
valid UTF-8 on its own); VERSION/PRODID; one VTIMEZONE per TZID and one
for every TZID used; per VEVENT UID (unique), DTSTAMP, DTSTART, DTEND,
SUMMARY, SEQUENCE, DTEND > DTSTART; the VTIMEZONE gives every timed event
the same UTC offset as the tz database (zoneinfo); no timed, not cancelled
event starts on (or runs into) a weekend, public holiday or blackout day,
nor runs past 12:00 on a half day; recurring_ical_events finds exactly one
occurrence in the year per VEVENT.

Exits 1 with one line per problem on stderr; prints a one-line summary on
success.
"""

import datetime as dt
import sys
import tomllib
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from dateutil.easter import easter
from dateutil.rrule import rrulestr

MAX_ERRORS_SHOWN = 50


class Problems:
    def __init__(self):
        self.items = []

    def add(self, msg):
        self.items.append(msg)

    def __bool__(self):
        return bool(self.items)


# ---------------------------------------------------------------- raw bytes

def check_raw(raw, problems):
    """CRLF only, <= 75 octets per physical line, each line valid UTF-8."""
    if not raw:
        problems.add("raw: file is empty")
        return
    if not raw.endswith(b"\r\n"):
        problems.add("raw: file does not end with CRLF")
    body = raw[:-2] if raw.endswith(b"\r\n") else raw
    for lineno, line in enumerate(body.split(b"\r\n"), start=1):
        if b"\n" in line or b"\r" in line:
            problems.add(f"raw line {lineno}: bare LF or CR (line ends must be CRLF only): {line[:60]!r}")
        if len(line) > 75:
            problems.add(f"raw line {lineno}: {len(line)} octets, more than 75: {line[:80]!r}")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as e:
            problems.add(f"raw line {lineno}: not valid UTF-8 on its own "
                         f"(folding split a multi-byte sequence?): {e}: {line!r}")


# ------------------------------------------------------------------ structure

def tzid_of(prop):
    if prop is None or not hasattr(prop, "params"):
        return None
    return prop.params.get("TZID")


def check_structure(cal, problems):
    if cal.name != "VCALENDAR":
        problems.add(f"structure: top component is {cal.name}, not VCALENDAR")
    if str(cal.get("VERSION", "")) != "2.0":
        problems.add(f"structure: VERSION is {str(cal.get('VERSION', ''))!r}, expected 2.0")
    if not str(cal.get("PRODID", "")).strip():
        problems.add("structure: PRODID missing")

    tz_count = Counter(str(tz.get("TZID")) for tz in cal.walk("VTIMEZONE"))
    for tzid, n in tz_count.items():
        if n != 1:
            problems.add(f"structure: {n} VTIMEZONE components with TZID {tzid}, expected exactly one")

    events = cal.walk("VEVENT")
    used = set()
    uids = Counter()
    for i, ev in enumerate(events):
        uid = ev.get("UID")
        label = f"VEVENT #{i + 1} ({uid})"
        for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE"):
            if ev.get(name) is None:
                problems.add(f"{label}: {name} missing")
            elif name in ("UID", "SUMMARY") and not str(ev.get(name)).strip():
                problems.add(f"{label}: {name} is empty")
        if uid is not None:
            uids[str(uid)] += 1
        for name in ("DTSTART", "DTEND"):
            tzid = tzid_of(ev.get(name))
            if tzid:
                used.add(str(tzid))
        start, end = ev.get("DTSTART"), ev.get("DTEND")
        if start is not None and end is not None:
            s, e = start.dt, end.dt
            if isinstance(s, dt.datetime) != isinstance(e, dt.datetime):
                problems.add(f"{label}: DTSTART and DTEND have different value types")
            elif not e > s:
                problems.add(f"{label}: DTEND {e} is not after DTSTART {s}")
    for uid, n in uids.items():
        if n > 1:
            problems.add(f"structure: UID {uid} used by {n} VEVENTs")
    for tzid in sorted(used):
        if tz_count.get(tzid, 0) == 0:
            problems.add(f"structure: TZID {tzid} used by DTSTART/DTEND but no VTIMEZONE defines it")
    return events


# ------------------------------------------------- VTIMEZONE vs tz database

class VTimezoneRules:
    """The UTC offset a VTIMEZONE gives a wall-clock time, evaluated here.

    icalendar 4 resolves TZID=Europe/Oslo with pytz and ignores the
    VTIMEZONE, and its Timezone.to_tz() stops expanding RRULEs in 2038, so
    the VTIMEZONE a client like Outlook or ical.js would actually use is
    evaluated by hand: the observance in force is the one with the latest
    onset (DTSTART, RRULE, RDATE; in local wall time) not after the time.
    """

    def __init__(self, vtz):
        self.tzid = str(vtz.get("TZID"))
        self.observances = []
        for obs in vtz.subcomponents:
            if obs.name not in ("STANDARD", "DAYLIGHT"):
                continue
            start = obs["DTSTART"].dt
            to = obs["TZOFFSETTO"].td
            rule = None
            if obs.get("RRULE") is not None:
                rule = rrulestr(obs["RRULE"].to_ical().decode(), dtstart=start, forceset=True)
                for exdate in self._list(obs.get("EXDATE")):
                    for d in exdate.dts:
                        rule.exdate(d.dt.replace(tzinfo=None))
            rdates = [d.dt.replace(tzinfo=None) for r in self._list(obs.get("RDATE")) for d in r.dts]
            self.observances.append((obs.name, start, rule, rdates, to))

    @staticmethod
    def _list(v):
        return [] if v is None else v if isinstance(v, list) else [v]

    def offset(self, wall):
        best = None
        for name, start, rule, rdates, to in self.observances:
            onsets = [start] if start <= wall else []
            if rule is not None:
                o = rule.before(wall, inc=True)
                if o is not None:
                    onsets.append(o)
            onsets += [d for d in rdates if d <= wall]
            if onsets and (best is None or max(onsets) > best[0]):
                best = (max(onsets), to, name)
        return best


def check_vtimezones(cal, events, problems):
    """Each VTIMEZONE must give every timed event the tz database's offset."""
    rules = {}
    for vtz in cal.walk("VTIMEZONE"):
        try:
            rules[str(vtz.get("TZID"))] = VTimezoneRules(vtz)
        except Exception as e:  # noqa: BLE001
            problems.add(f"VTIMEZONE {vtz.get('TZID')}: cannot evaluate: {e!r}")
    for ev in events:
        for name in ("DTSTART", "DTEND"):
            prop = ev.get(name)
            tzid = tzid_of(prop)
            if not tzid or str(tzid) not in rules:
                continue
            tzid = str(tzid)
            try:
                tzdb = ZoneInfo(tzid)
            except Exception:  # noqa: BLE001 - not an IANA name: nothing to compare with
                continue
            wall = prop.dt.replace(tzinfo=None)
            got = rules[tzid].offset(wall)
            want = wall.replace(tzinfo=tzdb).utcoffset()
            if got is None:
                problems.add(f"{ev.get('UID')}: {name} {wall} lies before every observance of VTIMEZONE {tzid}")
            elif got[1] != want:
                problems.add(f"{ev.get('UID')}: {name} {wall} {tzid}: the VTIMEZONE says UTC{fmt_td(got[1])} "
                             f"({got[2]} from {got[0]}), the tz database says UTC{fmt_td(want)}")


def fmt_td(td):
    m = int(td.total_seconds() // 60)
    return f"{'-' if m < 0 else '+'}{abs(m) // 60:02d}:{abs(m) % 60:02d}"


# --------------------------------------------------------------------- domain

def norwegian_holidays(year):
    e = easter(year)
    d = dt.date
    td = dt.timedelta
    return {
        d(year, 1, 1): "1. nyttårsdag",
        e - td(days=3): "skjærtorsdag",
        e - td(days=2): "langfredag",
        e: "1. påskedag",
        e + td(days=1): "2. påskedag",
        d(year, 5, 1): "1. mai",
        d(year, 5, 17): "17. mai",
        e + td(days=39): "Kristi himmelfartsdag",
        e + td(days=49): "1. pinsedag",
        e + td(days=50): "2. pinsedag",
        d(year, 12, 25): "1. juledag",
        d(year, 12, 26): "2. juledag",
    }


def half_days(year):
    e = easter(year)
    return {
        e - dt.timedelta(days=4): "onsdag før skjærtorsdag",
        dt.date(year, 12, 24): "julaften",
        dt.date(year, 12, 31): "nyttårsaften",
    }


def mmdd(s):
    m, d = s.split("-")
    return int(m), int(d)


def blackout_matcher(blackouts):
    """Return f(date) -> name of the blackout containing date, or None."""
    rules = []
    for b in blackouts:
        name = b.get("name", "?")
        if "week" in b:
            rules.append(("week", name, int(b["week"])))
        else:
            rules.append(("range", name, mmdd(b["from"]), mmdd(b["to"])))

    def match(day):
        key = (day.month, day.day)
        for r in rules:
            if r[0] == "week":
                if day.isocalendar()[1] == r[2]:
                    return r[1]
            else:
                _, name, frm, to = r
                if frm <= to:
                    if frm <= key <= to:
                        return name
                elif key >= frm or key <= to:  # crosses New Year
                    return name
        return None

    return match


def check_domain(events, org, year, problems):
    zone = ZoneInfo(org.get("timezone", "Europe/Oslo"))
    holidays = norwegian_holidays(year) | norwegian_holidays(year + 1) | norwegian_holidays(year - 1) \
        if org.get("holidays", "NO") == "NO" else {}
    halves = (half_days(year) | half_days(year + 1) | half_days(year - 1)) \
        if org.get("half_days", True) else {}
    in_blackout = blackout_matcher(org.get("blackouts", []))

    def non_working(day):
        if day.weekday() >= 5:
            return "a " + ("Saturday" if day.weekday() == 5 else "Sunday")
        if day in holidays:
            return f"a public holiday ({holidays[day]})"
        if in_blackout(day):
            return f"in blackout {in_blackout(day)!r}"
        return None

    timed = 0
    for ev in events:
        if str(ev.get("STATUS", "")).upper() == "CANCELLED":
            continue
        if ev.get("DTSTART") is None or ev.get("DTEND") is None:
            continue
        start, end = ev["DTSTART"].dt, ev["DTEND"].dt
        if not isinstance(start, dt.datetime):
            continue  # all-day: deadlines and windows
        label = f"{ev.get('UID')} ({ev.get('SUMMARY')})"
        if start.tzinfo is None or end.tzinfo is None:
            problems.add(f"{label}: floating DTSTART/DTEND, expected a TZID or UTC")
            continue
        timed += 1
        ls = start.astimezone(zone)
        le = end.astimezone(zone)
        # The start day, and every further day a multi-day meeting runs into.
        last = (le - dt.timedelta(microseconds=1)).date()
        d = ls.date()
        while d <= last:
            why = non_working(d)
            if why:
                what = "starts" if d == ls.date() else "runs into"
                problems.add(f"{label}: {what} {d} ({d:%A}) which is {why}; "
                             f"event {ls:%Y-%m-%d %H:%M}-{le:%Y-%m-%d %H:%M} local")
            d += dt.timedelta(days=1)
        # No part of a timed event may lie after 12:00 on a half day.
        d = ls.date()
        while d <= le.date():
            if d in halves:
                noon = dt.datetime(d.year, d.month, d.day, 12, 0, tzinfo=zone)
                midnight = dt.datetime.combine(d + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
                if ls < midnight and le > noon:
                    problems.add(f"{label}: runs {ls:%Y-%m-%d %H:%M}-{le:%Y-%m-%d %H:%M} local, "
                                 f"past 12:00 on half day {d} ({halves[d]})")
            d += dt.timedelta(days=1)
    return timed


# ----------------------------------------------------------------------- main

def main(argv):
    if len(argv) != 4:
        print(f"usage: {argv[0]} FILE.ics CONFIG_DIR YEAR", file=sys.stderr)
        return 2
    ics, cfg_dir, year = Path(argv[1]), Path(argv[2]), int(argv[3])
    problems = Problems()

    try:
        raw = ics.read_bytes()
        with open(cfg_dir / "arshjul.toml", "rb") as f:
            org = tomllib.load(f)["organisation"]
    except (OSError, tomllib.TOMLDecodeError, KeyError) as e:
        print(f"check_ics.py: FAIL: cannot read input: {e!r}", file=sys.stderr)
        return 1
    check_raw(raw, problems)

    try:
        cal = icalendar.Calendar.from_ical(raw)
    except Exception as e:  # noqa: BLE001 - any parser failure is a failure
        print(f"check_ics.py: FAIL: {ics}: icalendar could not parse it: {e!r}", file=sys.stderr)
        return 1
    events = check_structure(cal, problems)
    if not events:
        problems.add("structure: no VEVENT at all")

    check_vtimezones(cal, events, problems)
    timed = check_domain(events, org, year, problems)

    # recurring_ical_events: no RRULE in our events, so 1:1 with VEVENTs.
    try:
        occ = recurring_ical_events.of(cal).between(
            dt.date(year, 1, 1), dt.date(year, 12, 31) + dt.timedelta(days=1))
        if len(occ) != len(events):
            got = Counter(str(o.get("UID")) for o in occ)
            want = Counter(str(e.get("UID")) for e in events)
            missing = sorted((want - got).elements())
            extra = sorted((got - want).elements())
            problems.add(f"recurring_ical_events: {len(occ)} occurrences in {year}, "
                         f"{len(events)} VEVENTs; missing {missing[:10]} extra {extra[:10]}")
    except Exception as e:  # noqa: BLE001
        problems.add(f"recurring_ical_events failed: {e!r}")

    if problems:
        shown = problems.items[:MAX_ERRORS_SHOWN]
        for p in shown:
            print(f"check_ics.py: {ics.name}: {p}", file=sys.stderr)
        if len(problems.items) > len(shown):
            print(f"check_ics.py: ... and {len(problems.items) - len(shown)} more", file=sys.stderr)
        print(f"check_ics.py: FAIL: {ics}: {len(problems.items)} problem(s)", file=sys.stderr)
        return 1
    print(f"check_ics.py: OK: {ics.name}: {len(events)} events ({timed} timed), "
          f"{len(cal.walk('VTIMEZONE'))} VTIMEZONE, {year} rules of {org.get('name', cfg_dir.name)} respected")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
