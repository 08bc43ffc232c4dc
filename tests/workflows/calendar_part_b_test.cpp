// Issue 14 part B on the shipped Røros config: multi-day gatherings, one-off
// blackouts, the political calendar, and the warnings `check` gives.
#include <catch2/catch.hpp>

#include <set>

#include <algorithm>
#include <optional>

#include "scheduler/config_files.h"
#include "tests/fixtures.h"
#include "workflows/events.h"
#include "workflows/expansion.h"
#include "workflows/warnings.h"

using namespace arshjul;
using namespace date::literals;
using namespace std::chrono_literals;

namespace {

// The shipped Røros folder, with an extra wheel file and a political calendar.
LoadResult roros_with(const std::string& wheel, const std::optional<std::string>& ics = std::nullopt,
                      const std::string& org_extra = "") {
  auto s = read_config_dir(std::string(ARSHJUL_SOURCE_DIR) + "/config/roros");
  REQUIRE(s);
  ConfigSources sources = std::move(s).value();
  if (!org_extra.empty()) {
    const auto at = sources.organisation.text.find("blackouts = [");
    REQUIRE(at != std::string::npos);
    sources.organisation.text.insert(at + std::string("blackouts = [").size(), "\n" + org_extra + "\n");
  }
  if (!wheel.empty()) sources.wheels.push_back({"test/kurs.toml", wheel});
  if (ics) sources.political_calendar = SourceFile{"test/politisk-kalender.ics", *ics};
  return load_config(sources);
}

Config roros_ok(const std::string& wheel, const std::optional<std::string>& ics = std::nullopt,
                const std::string& org_extra = "") {
  LoadResult r = roros_with(wheel, ics, org_extra);
  for (const auto& e : r.errors) INFO(e.to_string());
  REQUIRE(r.ok());
  return std::move(*r.config);
}

// The shipped Røros folder with `line` as line 12 of arshjul.toml, just
// under [organisation], the daemon's stored copy of a fetched møteplan and
// maybe a politisk-kalender.ics beside it.
LoadResult roros_url(const std::string& line, const std::optional<ConfigSources::Fetched>& fetched = std::nullopt,
                     const std::optional<std::string>& ics = std::nullopt) {
  auto s = read_config_dir(std::string(ARSHJUL_SOURCE_DIR) + "/config/roros");
  REQUIRE(s);
  ConfigSources sources = std::move(s).value();
  const auto at = sources.organisation.text.find("[organisation]\n");
  REQUIRE(at != std::string::npos);
  REQUIRE(std::count(sources.organisation.text.begin(), sources.organisation.text.begin() + static_cast<long>(at), '\n') == 10);
  sources.organisation.text.insert(at + std::string("[organisation]\n").size(), line + "\n");
  sources.organisation.path = "test/arshjul.toml";
  sources.fetched_political_calendar = fetched;
  if (ics) sources.political_calendar = SourceFile{"test/politisk-kalender.ics", *ics};
  return load_config(sources);
}

std::string first_error(const LoadResult& r) {
  REQUIRE_FALSE(r.ok());
  return r.errors.front().to_string();
}

const Occurrence* find(const Expansion& e, const std::string& uid) {
  for (const auto& o : e.occurrences)
    if (o.uid == uid) return &o;
  return nullptr;
}

// A two-day course whose second day is Kristi himmelfartsdag (6 May 2027).
std::string course(const std::string& policy) {
  return R"([wheel]
id = "kurs"
name = "Kurs"
color = "#123456"

[[activity]]
id = "todagers"
title = "Todagers kurs"
dates = ["2027-05-05"]
start = "09:00"
duration = "6h"
days = 2
on_holiday = ")" + policy + R"("
participants = ["leader"]
)";
}

SysSeconds oslo(date::year_month_day day, std::chrono::hours utc_hour) { return SysSeconds{date::sys_days{day}} + utc_hour; }

const std::string kCouncil =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Røros kommune//Møteplan//NB\r\n"
    "BEGIN:VEVENT\r\nUID:ks-2027-03-09@roros.kommune.no\r\nDTSTAMP:20261101T000000Z\r\n"
    "DTSTART;TZID=Europe/Oslo:20270309T100000\r\nDTEND;TZID=Europe/Oslo:20270309T150000\r\n"
    "SUMMARY:Kommunestyret\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:ks-2027-01-29@roros.kommune.no\r\nDTSTAMP:20261101T000000Z\r\n"
    "DTSTART;VALUE=DATE:20270129\r\nSUMMARY:Formannskapet\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:avlyst@roros.kommune.no\r\nDTSTAMP:20261101T000000Z\r\n"
    "DTSTART;VALUE=DATE:20270413\r\nSUMMARY:Kommunestyret\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n";

}  // namespace

// ---- multi-day gatherings ----------------------------------------------------------

TEST_CASE("Røros' ledersamling is two days, 09:00-15:00 each, one occurrence with a session a day") {
  const Config c = test::load("config/roros");
  const Expansion e = expand_year(c, 2027);
  const Occurrence* o = find(e, "ledersamling.20270317@roros.arshjul");
  REQUIRE(o);
  REQUIRE(o->sessions.size() == 2);
  CHECK(o->sessions[0].start == oslo(2027_y / 3 / 17, 8h));  // 09:00 CET
  CHECK(o->sessions[0].end == oslo(2027_y / 3 / 17, 14h));
  CHECK(o->sessions[1].start == oslo(2027_y / 3 / 18, 8h));
  CHECK(o->sessions[1].end == oslo(2027_y / 3 / 18, 14h));
  CHECK(o->start == o->sessions[0].start);
  CHECK(o->end == o->sessions[1].end);
  CHECK(o->last_day == LocalDays{2027_y / 3 / 18});
}

TEST_CASE("A two-day course whose second day is Kristi himmelfartsdag moves as a block to the next two working days") {
  const Config c = roros_ok(course("next-working-day"));
  const Expansion e = expand_year(c, 2027);
  const Occurrence* o = find(e, "todagers.20270505@roros.arshjul");
  REQUIRE(o);
  REQUIRE(o->moved);
  CHECK(o->moved->reason.kind == NonWorkingReason::Kind::public_holiday);
  CHECK(o->moved->reason.name == "Kristi himmelfartsdag");
  REQUIRE(o->sessions.size() == 2);
  CHECK(o->first_day == LocalDays{2027_y / 5 / 10});  // Thu holiday, Fri+Sat and Sat+Sun refused: Monday
  CHECK(o->last_day == LocalDays{2027_y / 5 / 11});
  CHECK_THAT(occurrence_description(*o), Catch::Contains("Kristi himmelfartsdag"));
}

TEST_CASE("A two-day course over Kristi himmelfartsdag with on_holiday = skip is reported, not half held") {
  const Config c = roros_ok(course("skip"));
  const Expansion e = expand_year(c, 2027);
  CHECK_FALSE(find(e, "todagers.20270505@roros.arshjul"));
  bool reported = false;
  for (const Unplaced& u : e.unplaced)
    if (u.uid == "todagers.20270505@roros.arshjul")
      reported = u.skipped && u.reason.name == "Kristi himmelfartsdag";
  CHECK(reported);
}

TEST_CASE("A gathering is one VEVENT a day, day one keeping the occurrence's UID and later days a stable suffix") {
  const Config c = test::load("config/roros");
  const Expansion e = expand_year(c, 2027);
  const Occurrence* o = find(e, "ledersamling.20271020@roros.arshjul");
  REQUIRE(o);
  const CalendarEvent ev = to_calendar_event(*o, {});
  CalendarHeader h;
  const std::string ics = render_calendar(h, c.organisation.zone, std::span(&ev, 1));
  CHECK_THAT(ics, Catch::Contains("UID:ledersamling.20271020@roros.arshjul\r\n"));
  CHECK_THAT(ics, Catch::Contains("UID:ledersamling.20271020-2@roros.arshjul\r\n"));
  CHECK_THAT(ics, Catch::Contains("DTSTART;TZID=Europe/Oslo:20271021T090000\r\nDTEND;TZID=Europe/Oslo:20271021T150000"));
  CHECK_THAT(ics, Catch::Contains("SUMMARY:Ledersamling for alle ledere (dag 2 av 2)"));
}

TEST_CASE("days on a meeting that runs past midnight is refused with the field and what to do") {
  std::string wheel = course("next-working-day");
  wheel.replace(wheel.find("duration = \"6h\""), 15, "duration = \"20h\"");
  const LoadResult r = roros_with(wheel);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.errors.front().to_string(), Catch::Contains("test/kurs.toml:") &&
                                               Catch::Contains("activity[0].duration") &&
                                               Catch::Contains("must end the same day"));
}

// ---- one-off blackouts and the political calendar ------------------------------------------

TEST_CASE("A meeting on a council date moves to the next working day with the council meeting named as the reason") {
  const Config c = roros_ok("", kCouncil);
  const Expansion e = expand_year(c, 2027);
  const Occurrence* o = find(e, "drofting-htv.20270309@roros.arshjul");
  REQUIRE(o);
  CHECK(o->first_day == LocalDays{2027_y / 3 / 10});
  REQUIRE(o->moved);
  CHECK(o->moved->reason.kind == NonWorkingReason::Kind::political_meeting);
  CHECK(o->moved->reason.name == "Kommunestyret");
  CHECK(o->moved->reason.describe() == "political meeting (Kommunestyret)");
  CHECK_THAT(occurrence_description(*o),
             Catch::Contains("Flyttet fra tirsdag 9. mars 2027 (politisk møte: Kommunestyret)"));
}

TEST_CASE("A deadline may fall on a council date: only meetings avoid the political calendar") {
  const Config c = roros_ok("", kCouncil);
  const Expansion e = expand_year(c, 2027);
  const Occurrence* o = find(e, "lederavtaler-frist.20270131@roros.arshjul");
  REQUIRE(o);
  CHECK(o->first_day == LocalDays{2027_y / 1 / 29});  // Sunday to Friday, a Formannskapet day
}

TEST_CASE("A cancelled meeting in the political calendar keeps no day clear") {
  const Config c = roros_ok("", kCouncil);
  for (const Blackout& b : c.organisation.working_days.blackouts)
    CHECK_FALSE((b.first && *b.first == LocalDays{2027_y / 4 / 13}));
}

TEST_CASE("A political calendar with a recurring meeting is refused, naming the file and the event") {
  std::string ics = kCouncil;
  ics.insert(ics.find("SUMMARY:Kommunestyret"), "RRULE:FREQ=MONTHLY\r\n");
  const LoadResult r = roros_with("", ics);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.errors.front().to_string(),
             Catch::StartsWith("test/politisk-kalender.ics:") && Catch::Contains("ks-2027-03-09@roros.kommune.no") &&
                 Catch::Contains("RRULE"));
}

// ---- the political calendar from a URL ------------------------------------------------------

TEST_CASE("A møteplan fetched from the configured URL moves a meeting off a council date, naming the council meeting") {
  const std::string url = "https://www.roros.kommune.no/moteplan.ics";
  const LoadResult r = roros_url(R"(political_calendar = { url = "https://www.roros.kommune.no/moteplan.ics" })",
                                 ConfigSources::Fetched{url, kCouncil});
  for (const auto& e : r.errors) INFO(e.to_string());
  REQUIRE(r.ok());
  CHECK(r.config->organisation.political_calendar.url == url);
  CHECK(r.config->organisation.political_calendar.refresh == 6h);
  const Expansion e = expand_year(*r.config, 2027);
  const Occurrence* o = find(e, "drofting-htv.20270309@roros.arshjul");
  REQUIRE(o);
  CHECK(o->first_day == LocalDays{2027_y / 3 / 10});
  REQUIRE(o->moved);
  CHECK(o->moved->reason.name == "Kommunestyret");
}

TEST_CASE("A stored møteplan of another URL is not read, so a changed URL never shows the old one's meetings") {
  const LoadResult r = roros_url(R"(political_calendar = { url = "https://ny.example.no/moteplan.ics" })",
                                 ConfigSources::Fetched{"https://www.roros.kommune.no/moteplan.ics", kCouncil});
  REQUIRE(r.ok());
  const Expansion e = expand_year(*r.config, 2027);
  const Occurrence* o = find(e, "drofting-htv.20270309@roros.arshjul");
  REQUIRE(o);
  CHECK_FALSE(o->moved);
}

TEST_CASE("A stored møteplan that no longer reads is a warning, not an error, so the daemon still starts") {
  const std::string url = "https://www.roros.kommune.no/moteplan.ics";
  std::string recurring = kCouncil;
  recurring.insert(recurring.find("SUMMARY:Kommunestyret"), "RRULE:FREQ=MONTHLY\r\n");
  const LoadResult r = roros_url(R"(political_calendar = { url = "https://www.roros.kommune.no/moteplan.ics" })",
                                 ConfigSources::Fetched{url, recurring});
  for (const auto& e : r.errors) INFO(e.to_string());
  REQUIRE(r.ok());
  const Expansion e = expand_year(*r.config, 2027);  // kept: find() points into it
  const Occurrence* o = find(e, "drofting-htv.20270309@roros.arshjul");
  REQUIRE(o);
  CHECK_FALSE(o->moved);
  std::string warned;
  for (const auto& w : config_warnings(*r.config, 2027, 2028))
    if (w.field == "organisation.political_calendar") warned = w.to_string();
  CHECK_THAT(warned, Catch::Contains("the copy of " + url + " stored at the last good fetch no longer reads ("));
  CHECK_THAT(warned, Catch::Contains("meetings are placed without the council's dates until the next good fetch"));
}

TEST_CASE("A political calendar URL over plain http to another machine is refused at its file and line, asking for https") {
  CHECK_THAT(first_error(roros_url(R"(political_calendar = { url = "http://www.roros.kommune.no/moteplan.ics" })")),
             Catch::StartsWith("test/arshjul.toml:12:") && Catch::Contains("organisation.political_calendar.url: ") &&
                 Catch::EndsWith("; use https://"));
}

TEST_CASE("A political calendar URL over plain http to this machine is accepted, as for hooks") {
  const LoadResult r = roros_url(R"(political_calendar = { url = "http://127.0.0.1:8443/moteplan.ics" })");
  for (const auto& e : r.errors) INFO(e.to_string());
  CHECK(r.ok());
}

TEST_CASE("A political calendar refresh under 5 minutes or over 7 days is refused with the range expected") {
  CHECK(first_error(roros_url(R"(political_calendar = { url = "https://a.no/m.ics", refresh = "1m" })")) ==
        "test/arshjul.toml:12:62: organisation.political_calendar.refresh: expected from \"5m\" to \"7d\", got \"1m\"");
  CHECK_THAT(first_error(roros_url(R"(political_calendar = { url = "https://a.no/m.ics", refresh = "8d" })")),
             Catch::EndsWith("expected from \"5m\" to \"7d\", got \"8d\""));
  const LoadResult ok = roros_url(R"(political_calendar = { url = "https://a.no/m.ics", refresh = "30m", ca_file = "/etc/ca.pem" })");
  REQUIRE(ok.ok());
  CHECK(ok.config->organisation.political_calendar.refresh == 30min);
  CHECK(ok.config->organisation.political_calendar.ca_file == "/etc/ca.pem");
}

TEST_CASE("A political calendar refresh that is not a duration is refused at its line") {
  CHECK_THAT(first_error(roros_url(R"(political_calendar = { url = "https://a.no/m.ics", refresh = "often" })")),
             Catch::StartsWith("test/arshjul.toml:12:62: organisation.political_calendar.refresh: "));
}

TEST_CASE("A political calendar without a url, or not a table, is refused saying what is expected") {
  CHECK_THAT(first_error(roros_url(R"(political_calendar = { refresh = "6h" })")),
             Catch::StartsWith("test/arshjul.toml:12:") &&
                 Catch::EndsWith("organisation.political_calendar.url: missing required key \"url\""));
  CHECK_THAT(first_error(roros_url(R"(political_calendar = "https://a.no/m.ics")")),
             Catch::StartsWith("test/arshjul.toml:12:22: organisation.political_calendar: expected { url = "));
}

TEST_CASE("A misspelt key in the political calendar gets a did-you-mean") {
  CHECK_THAT(first_error(roros_url(R"(political_calendar = { url = "https://a.no/m.ics", refesh = "6h" })")),
             Catch::Contains("organisation.political_calendar.refesh: unknown key \"refesh\" (did you mean \"refresh\"?)"));
}

TEST_CASE("A politisk-kalender.ics beside a political calendar URL is refused, saying to remove one of them") {
  CHECK(first_error(roros_url(R"(political_calendar = { url = "https://a.no/m.ics" })", std::nullopt, kCouncil)) ==
        "test/arshjul.toml:12:30: organisation.political_calendar.url: the political calendar is given twice: remove "
        "test/politisk-kalender.ics or this url (organisation.political_calendar), keep one");
}

TEST_CASE("A one-off blackout in config moves a meeting off its date and names the reason") {
  const Config c = roros_ok("", std::nullopt, R"(  { name = "Kommunevalget", date = "2027-09-14" },)");
  const Expansion e = expand_year(c, 2027);
  const Occurrence* o = find(e, "drofting-htv.20270914@roros.arshjul");
  REQUIRE(o);
  CHECK(o->first_day == LocalDays{2027_y / 9 / 15});
  REQUIRE(o->moved);
  CHECK(o->moved->reason.kind == NonWorkingReason::Kind::blackout);
  CHECK(o->moved->reason.name == "Kommunevalget");
  // Only that year: a one-off period does not recur.
  const Expansion later = expand_year(c, 2028);  // kept: find() points into it
  const Occurrence* next = find(later, "drofting-htv.20280912@roros.arshjul");
  REQUIRE(next);
  CHECK_FALSE(next->moved);
}

namespace {

// A wheel whose one activity has `scope = { units = UNITS }` on line 9.
std::string hms_runde(const std::string& units) {
  return "[wheel]\nid = \"kurs\"\nname = \"Kurs\"\ncolor = \"#123456\"\n\n[[activity]]\nid = \"hms-runde\"\n"
         "title = \"HMS-runde\"\nscope = { units = " + units + " }\nrule = \"FREQ=MONTHLY;BYMONTH=3;BYDAY=1TU\"\n"
         "start = \"09:00\"\nduration = \"1h\"\nparticipants = [\"leader\", \"verneombud\"]\n";
}

}  // namespace

TEST_CASE("scope with several units holds one series in each named unit and none elsewhere") {
  const Config c = roros_ok(hms_runde(R"(["skole", "barnehage"])"));
  std::set<std::string> units;
  for (const auto& o : expand_year(c, 2027).occurrences)
    if (o.activity->id == "hms-runde") units.insert(o.unit ? o.unit->id : "");
  CHECK(units == std::set<std::string>{"skole", "barnehage"});
}

TEST_CASE("scope with an unknown or repeated unit is refused at its place") {
  const LoadResult r = roros_with(hms_runde(R"(["skole", "skole", "skule"])"));
  REQUIRE_FALSE(r.ok());
  std::string all;
  for (const auto& e : r.errors) all += e.to_string() + "\n";
  CHECK_THAT(all, Catch::Contains("test/kurs.toml:9:29: activity[0].scope.units[1]: unit \"skole\" is named twice"));
  CHECK_THAT(all, Catch::Contains("test/kurs.toml:9:38: activity[0].scope.units[2]: unknown unit \"skule\""));
}

TEST_CASE("A blackout over several ISO weeks keeps each of them clear, and a bad week is refused at its place") {
  const Config c = roros_ok("", std::nullopt, R"(  { name = "Opplæringsuker", weeks = [2, 3] },)");
  const WorkingCalendar cal(c.organisation.working_days);
  for (const LocalDays day : {LocalDays{2027_y / 1 / 11}, LocalDays{2027_y / 1 / 20}}) {
    const auto why = cal.why_not_working(day);
    REQUIRE(why);
    CHECK(why->name == "Opplæringsuker");
  }
  CHECK_FALSE(cal.why_not_working(LocalDays{2027_y / 1 / 25}));  // week 4
  const LoadResult bad = roros_with("", std::nullopt, R"(  { name = "Stengt", weeks = [2, 54, "3"] },)");
  REQUIRE_FALSE(bad.ok());
  std::string all;
  for (const auto& e : bad.errors) all += e.to_string() + "\n";
  CHECK_THAT(all, Catch::Contains("organisation.blackouts[0].weeks[1]: expected an ISO week number 1-53, got 54"));
  CHECK_THAT(all, Catch::Contains("organisation.blackouts[0].weeks[2]: expected an ISO week number 1-53, got string"));
}

TEST_CASE("A one-off blackout range is inclusive and refuses an end before its start") {
  const Config c = roros_ok("", std::nullopt, R"(  { name = "Budsjettseminar", from = "2027-06-07", to = "2027-06-08" },)");
  const Expansion e = expand_year(c, 2027);
  const Occurrence* o = find(e, "drofting-htv.20270608@roros.arshjul");
  REQUIRE(o);
  CHECK(o->first_day == LocalDays{2027_y / 6 / 9});
  const LoadResult bad = roros_with("", std::nullopt, R"(  { name = "Feil", from = "2027-06-08", to = "2027-06-07" },)");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.errors.front().to_string(),
             Catch::Contains("organisation.blackouts[0].to") && Catch::Contains("ends on or after its start"));
}

// ---- check's warnings ----------------------------------------------------------------

TEST_CASE("Midt-Telemark's dated leader-programme days and budget meetings leave 2028 empty, which check warns about") {
  const Config c = test::load("config/midt-telemark");
  const auto warnings = config_warnings(c, 2027, 2028);
  auto warned = [&](const std::string& activity) {
    for (const auto& w : warnings)
      if (w.field == "activity " + activity + ".dates" && w.message.find("no date in 2028") != std::string::npos)
        return true;
    return false;
  };
  CHECK(warned("lup-verdigrunnlag"));
  CHECK(warned("lup-rekruttering-fravaer"));
  for (const auto& w : warnings) CHECK(w.message.find("2027") == std::string::npos);
  for (const auto& w : warnings) INFO(w.to_string());
  CHECK_THAT(warnings.front().to_string(), Catch::Contains("wheels/"));
}

TEST_CASE("Røros' budget vote has no date in 2028, and a year before an activity's first date is not a gap") {
  const Config c = test::load("config/roros");
  bool vote_2028 = false;
  for (const auto& w : config_warnings(c, 2027, 2028))
    vote_2028 |= w.message.find("no date in 2028") != std::string::npos;
  CHECK(vote_2028);
  for (const auto& w : config_warnings(c, 2026, 2026)) CHECK(w.message.find("2026") == std::string::npos);
}

TEST_CASE("A config without organizer is warned about, since feeds then lack ORGANIZER") {
  LoadResult r = roros_with("");
  REQUIRE(r.ok());
  Config c = std::move(*r.config);
  CHECK(c.organisation.organizer.email == "hr@roros.kommune.no");
  c.organisation.organizer = {};
  const auto warnings = config_warnings(c, 2027, 2028);
  REQUIRE_FALSE(warnings.empty());
  CHECK(warnings.front().field == "organisation.organizer");
}
