#!/usr/bin/env node
// Independent interop check of an arshjul iCalendar export with ical.js.
//
// Usage: node check_ics.mjs FILE.ics CONFIG_DIR YEAR
//
// Parses with ICAL.parse + ICAL.Component, registers every VTIMEZONE with
// ICAL.TimezoneService, builds an ICAL.Event per VEVENT and checks UID,
// SUMMARY, DTSTART/DTEND and DTEND > DTSTART. For timed events it checks
// that the instant ical.js computes (toJSDate) is the one the wall-clock
// time means in its zone, computed two independent ways:
//   - for Europe/Oslo, the EU summer-time rule written out here (CEST +02:00
//     from the last Sunday of March 02:00 to the last Sunday of October
//     03:00 local, CET +01:00 otherwise);
//   - for every zone, Node's ICU time zone data (Intl.DateTimeFormat).
// Exits 1 with one line per problem on stderr; prints a summary on success.

import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import ICAL from "ical.js";

// Make sure a zone ical.js failed to resolve (floating time, read in the
// process's local zone) cannot pass by accident on a machine set to Oslo.
process.env.TZ = "UTC";

const ICALJS_VERSION = JSON.parse(
  readFileSync(new URL("./node_modules/ical.js/package.json", import.meta.url), "utf8")).version;
const MAX_SHOWN = 50;
const problems = [];
const fail = (msg) => problems.push(msg);

function usage() {
  console.error("usage: node check_ics.mjs FILE.ics CONFIG_DIR YEAR");
  process.exit(2);
}

const [icsPath, cfgDir, yearArg] = process.argv.slice(2);
if (!icsPath || !cfgDir || !/^\d{4}$/.test(yearArg ?? "")) usage();
const year = Number(yearArg);

// Only to name the organisation's zone in messages; not a TOML parser.
let orgZone = "Europe/Oslo";
try {
  const toml = readFileSync(join(cfgDir, "arshjul.toml"), "utf8");
  const m = toml.match(/^\s*timezone\s*=\s*"([^"]+)"/m);
  if (m) orgZone = m[1];
} catch (e) {
  fail(`cannot read ${join(cfgDir, "arshjul.toml")}: ${e.message}`);
}

// ------------------------------------------------------------- time helpers

const pad = (n, w = 2) => String(n).padStart(w, "0");
const wallString = (t) =>
  `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
const fmtOffset = (sec) => {
  const s = sec < 0 ? "-" : "+";
  const a = Math.abs(sec);
  return `${s}${pad(Math.floor(a / 3600))}:${pad(Math.floor((a % 3600) / 60))}`;
};

// Day of month of the last Sunday of a month (month 1-12).
function lastSunday(y, month) {
  const last = new Date(Date.UTC(y, month, 0)); // day 0 of next month
  return last.getUTCDate() - last.getUTCDay();
}

// Expected UTC offset (seconds) of a Europe/Oslo wall-clock time by the EU
// rule, or null for wall times that do not exist (spring gap).
function osloOffset(t) {
  const key = (mo, d, h, mi) => ((mo * 100 + d) * 100 + h) * 100 + mi;
  const wall = key(t.month, t.day, t.hour, t.minute);
  const mar = lastSunday(t.year, 3);
  const oct = lastSunday(t.year, 10);
  if (wall < key(3, mar, 2, 0)) return 3600;
  if (wall < key(3, mar, 3, 0)) return null; // 02:00-02:59 does not exist
  // 02:00-02:59 on the October day happens twice; RFC 5545 3.3.5 says the
  // first one (still summer time) is meant.
  if (wall < key(10, oct, 3, 0)) return 7200;
  return 3600;
}

// Wall-clock fields of an instant in an IANA zone, from ICU.
const formatters = new Map();
function wallIn(zone, date) {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(date).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}
function isIanaZone(zone) {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

// Check one DTSTART/DTEND value of a timed event.
function checkInstant(label, what, t) {
  const tzid = t.timezone || (t.zone && t.zone.tzid);
  const isUtc = t.zone === ICAL.Timezone.utcTimezone;
  if (!isUtc && (!t.zone || t.zone === ICAL.Timezone.localTimezone || t.zone.tzid === "floating")) {
    fail(`${label}: ${what} ${wallString(t)} is floating in ical.js (TZID ${tzid ?? "none"} not resolved)`);
    return;
  }
  const js = t.toJSDate();
  if (Number.isNaN(js.getTime())) {
    fail(`${label}: ${what} ${wallString(t)}: toJSDate() is invalid`);
    return;
  }
  const icalOffset = t.utcOffset();
  const wallUtcMs = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  if (js.getTime() !== wallUtcMs - icalOffset * 1000) {
    fail(`${label}: ${what}: toJSDate() ${js.toISOString()} disagrees with utcOffset() ${fmtOffset(icalOffset)}`);
  }
  if (isUtc) return;
  const zone = t.zone.tzid;
  if (zone === "Europe/Oslo") {
    const want = osloOffset(t);
    if (want === null) {
      fail(`${label}: ${what} ${wallString(t)} Europe/Oslo does not exist (spring-forward gap)`);
    } else if (icalOffset !== want) {
      fail(`${label}: ${what} ${wallString(t)} Europe/Oslo: ical.js offset ${fmtOffset(icalOffset)}, ` +
           `expected ${fmtOffset(want)} (${want === 7200 ? "CEST, summer" : "CET, winter"}); ` +
           `toJSDate ${js.toISOString()}`);
    }
  }
  if (isIanaZone(zone)) {
    const icu = wallIn(zone, js);
    if (icu !== wallString(t)) {
      fail(`${label}: ${what} ${wallString(t)} ${zone}: ical.js instant ${js.toISOString()} ` +
           `is ${icu} in ${zone} by ICU tz data`);
    }
  }
}

// ------------------------------------------------------------------- parse

let text;
try {
  text = readFileSync(icsPath, "utf8");
} catch (e) {
  console.error(`check_ics.mjs: FAIL: cannot read ${icsPath}: ${e.message}`);
  process.exit(1);
}

let cal;
try {
  cal = new ICAL.Component(ICAL.parse(text));
} catch (e) {
  console.error(`check_ics.mjs: FAIL: ${icsPath}: ical.js could not parse it: ${e.message}`);
  process.exit(1);
}

if (cal.name !== "vcalendar") fail(`top component is ${cal.name}, not vcalendar`);
if (cal.getFirstPropertyValue("version") !== "2.0") {
  fail(`VERSION is ${JSON.stringify(cal.getFirstPropertyValue("version"))}, expected 2.0`);
}
if (!cal.getFirstPropertyValue("prodid")) fail("PRODID missing");

const tzids = new Set();
for (const vtz of cal.getAllSubcomponents("vtimezone")) {
  const tzid = vtz.getFirstPropertyValue("tzid");
  if (!tzid) { fail("VTIMEZONE without TZID"); continue; }
  if (tzids.has(tzid)) fail(`VTIMEZONE ${tzid} defined more than once`);
  tzids.add(tzid);
  ICAL.TimezoneService.register(vtz);
  if (!ICAL.TimezoneService.has(tzid)) fail(`VTIMEZONE ${tzid}: TimezoneService did not register it`);
}

// ------------------------------------------------------------------ events

const vevents = cal.getAllSubcomponents("vevent");
if (vevents.length === 0) fail("no VEVENT at all");
const uids = new Map();
let timed = 0, allDay = 0, summer = 0, winter = 0;

vevents.forEach((comp, i) => {
  let ev;
  try {
    ev = new ICAL.Event(comp);
  } catch (e) {
    fail(`VEVENT #${i + 1}: ICAL.Event failed: ${e.message}`);
    return;
  }
  const label = `VEVENT #${i + 1} (${ev.uid ?? "no UID"})`;
  if (!ev.uid) fail(`${label}: UID missing`);
  else uids.set(ev.uid, (uids.get(ev.uid) ?? 0) + 1);
  if (!ev.summary) fail(`${label}: SUMMARY missing or empty`);
  if (!comp.hasProperty("dtstart")) fail(`${label}: DTSTART missing`);
  if (!comp.hasProperty("dtend")) fail(`${label}: DTEND missing`);
  const s = ev.startDate, e = ev.endDate;
  if (!s || !e) { fail(`${label}: startDate/endDate missing`); return; }
  if (s.isDate !== e.isDate) fail(`${label}: DTSTART and DTEND differ in value type (DATE vs DATE-TIME)`);
  if (e.compare(s) <= 0) fail(`${label}: endDate ${e.toString()} is not after startDate ${s.toString()}`);
  for (const [what, t] of [["DTSTART", s], ["DTEND", e]]) {
    const tzid = comp.getFirstProperty(what.toLowerCase())?.getParameter("tzid");
    if (tzid && !tzids.has(tzid)) fail(`${label}: ${what} TZID ${tzid} has no VTIMEZONE`);
    if (!t.isDate) checkInstant(label, what, t);
  }
  if (s.isDate) {
    allDay++;
  } else {
    timed++;
    if (s.zone?.tzid === "Europe/Oslo") (s.utcOffset() === 7200 ? summer++ : winter++);
  }
});

for (const [uid, n] of uids) if (n > 1) fail(`UID ${uid} used by ${n} VEVENTs`);

// ------------------------------------------------------------------ result

const name = basename(icsPath);
if (problems.length) {
  for (const p of problems.slice(0, MAX_SHOWN)) console.error(`check_ics.mjs: ${name}: ${p}`);
  if (problems.length > MAX_SHOWN) console.error(`check_ics.mjs: ... and ${problems.length - MAX_SHOWN} more`);
  console.error(`check_ics.mjs: FAIL: ${icsPath}: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`check_ics.mjs: OK: ${name}: ${vevents.length} events (${timed} timed: ` +
            `${summer} CEST, ${winter} CET; ${allDay} all-day), ${tzids.size} VTIMEZONE, ` +
            `ical.js ${ICALJS_VERSION}, org zone ${orgZone}, ${year}`);
