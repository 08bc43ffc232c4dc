// check's warnings from issue 16 ("HR's first week"): a window that opens in
// a blackout, a unit meeting without any rep, a max_wait_days shorter than
// the gap between two registration days, and two leaders in one unit; each
// at the file and line of the entry to change, saying what to do.
#include <catch2/catch.hpp>

#include "workflows/config_loader.h"
#include "workflows/registrations.h"
#include "workflows/warnings.h"

using namespace arshjul;

namespace {

const char* kOrg = R"([organisation]
id = "t"
name = "Test kommune"
organizer = { name = "HR", email = "hr@t.kommune.no" }
blackouts = [{ name = "Fellesferie", from = "07-01", to = "08-05" }, { name = "Vinterferie", week = 9 }]

[[level]]
id = "top"
name = "Topp"

[[level]]
id = "virksomhet"
name = "Virksomhet"

[[level]]
id = "avdeling"
name = "Avdeling"

[[unit]]
id = "kommunen"
name = "Kommunen"
level = "top"

[[unit]]
id = "skole"
name = "Skolen"
level = "virksomhet"
parent = "kommunen"

[[unit]]
id = "helse"
name = "Helse"
level = "virksomhet"
parent = "kommunen"

[[unit]]
id = "avdeling"
name = "Avdeling under helse"
level = "avdeling"
parent = "helse"
)";

// Five lines, so an activity written after it starts on line 6.
const std::string kWheelHead = "[wheel]\nid = \"w\"\nname = \"W\"\ncolor = \"#123456\"\n\n";

// A yearly deadline, for a wheel that must have an activity.
const std::string kDeadline = R"([[activity]]
id = "frist"
title = "Frist"
kind = "deadline"
dates = ["03-15"]
)";

const std::string kLeaders = R"([[person]]
id = "kd"
name = "Kommunedirektør"
unit = "kommunen"
roles = ["leader"]
)";

LoadResult load(const std::string& wheel, const std::string& people = kLeaders) {
  ConfigSources s;
  s.organisation = {"arshjul.toml", kOrg};
  s.people = SourceFile{"people.toml", people};
  s.wheels.push_back({"wheels/w.toml", wheel});
  return load_config(s);
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string all_errors(const LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.to_string() + "\n";
  return out;
}

// The warnings of 2027-2028 whose field starts with `field`, as check prints them.
std::vector<std::string> warnings(const std::string& wheel, const std::string& people, std::string_view field) {
  const LoadResult r = load(wheel, people);
  INFO(all_errors(r));
  REQUIRE(r.ok());
  std::vector<std::string> out;
  for (const auto& w : config_warnings(*r.config, 2027, 2028))
    if (w.field.rfind(field, 0) == 0) out.push_back(w.as_check_line());
  return out;
}

}  // namespace

TEST_CASE("Check prints a warning in the compilers' shape with the file and line first") {
  const ConfigWarning w{"wheels/w.toml", 6, "activity x.from", "what to do"};
  CHECK(w.as_check_line() == "wheels/w.toml:6: warning: activity x.from: what to do");
  CHECK(ConfigWarning{"", 0, "organisation.organizer", "add it"}.as_check_line() ==
        "warning: organisation.organizer: add it");
}

// ---- a window in a blackout ----------------------------------------------------------------

TEST_CASE("A window that opens inside a yearly blackout is warned about at its line with the first day after it") {
  const auto w = warnings(kWheelHead + R"([[activity]]
id = "medarbeidersamtaler"
title = "Medarbeidersamtaler"
kind = "window"
from = "07-15"
to = "09-30"
)", kLeaders, "activity medarbeidersamtaler");
  REQUIRE(w.size() == 1);
  CHECK(w[0] == "wheels/w.toml:6: warning: activity medarbeidersamtaler.from: the window opens on 2027-07-15, inside "
                "the blackout Fellesferie (07-01 to 08-05): nobody is at work to begin it; let it open after the "
                "blackout (2027-08-06 is the first day outside it)");
}

TEST_CASE("A window that opens in a blackout week is warned about and one that opens after it is not") {
  // 2027-03-01 is the Monday of ISO week 9.
  const auto in_week = warnings(kWheelHead + R"([[activity]]
id = "samtaler"
title = "Medarbeidersamtaler"
kind = "window"
from = "03-01"
to = "04-30"
)", kLeaders, "activity samtaler");
  REQUIRE(in_week.size() == 1);
  CHECK_THAT(in_week[0], Catch::Contains("inside the blackout Vinterferie (week 9)") &&
                             Catch::Contains("(2027-03-08 is the first day outside it)"));
  CHECK(warnings(kWheelHead + R"([[activity]]
id = "samtaler"
title = "Medarbeidersamtaler"
kind = "window"
from = "03-15"
to = "04-30"
)", kLeaders, "activity samtaler").empty());
}

// ---- a unit meeting without reps -----------------------------------------------------------

const std::string kMbm = R"([[activity]]
id = "mbm"
title = "Medbestemmelsesmøte"
scope = { level = "virksomhet" }
rule = "FREQ=MONTHLY;BYMONTH=3,10;BYDAY=3WE"
start = "09:00"
duration = "1h"
participants = ["leader", "plasstillitsvalgt", "verneombud"]
)";

TEST_CASE("A unit meeting with the parties in units whose roster has no union or safety rep names those units") {
  const std::string people = kLeaders + R"(
[[person]]
id = "tv-skole"
name = "Tillitsvalgt Skole"
unit = "skole"
roles = ["plasstillitsvalgt"]
union = "Utdanningsforbundet"

[[person]]
id = "vo-avdeling"
name = "Verneombud Avdeling"
unit = "avdeling"
roles = ["verneombud"]
)";
  const auto w = warnings(kWheelHead + kMbm, people, "activity mbm");
  REQUIRE(w.size() == 1);
  // helse has none itself, but its avdeling has one: below = true would reach them.
  CHECK(w[0] == "wheels/w.toml:6: warning: activity mbm.participants: no plasstillitsvalgt or verneombud in the "
                "roster for helse (1 of 2 units): its meetings there have no union or safety rep; give the "
                "unit's reps their roles in the roster, or invite the reps of the units under it: { role = "
                "\"plasstillitsvalgt\", below = true }");
}

TEST_CASE("A unit meeting reaching reps below with below = true is not warned about for that unit") {
  const std::string wheel = replaced(kWheelHead + kMbm, R"("plasstillitsvalgt", "verneombud")",
                                     R"({ role = "plasstillitsvalgt", below = true }, { role = "verneombud", below = true })");
  const std::string people = kLeaders + R"(
[[person]]
id = "vo-avdeling"
name = "Verneombud Avdeling"
unit = "avdeling"
roles = ["verneombud"]
)";
  const auto w = warnings(wheel, people, "activity mbm");
  REQUIRE(w.size() == 1);
  CHECK_THAT(w[0], Catch::Contains("for skole (1 of 2 units)") && !Catch::Contains("below = true"));
}

TEST_CASE("A unit meeting without reps among its participants or a config without a roster is not warned about") {
  const std::string leaders_only = replaced(kWheelHead + kMbm, R"(, "plasstillitsvalgt", "verneombud")", "");
  CHECK(warnings(leaders_only, kLeaders, "activity mbm").empty());
  // Without people.toml the roster comes from the HR system: nothing to judge by.
  ConfigSources s;
  s.organisation = {"arshjul.toml", kOrg};
  s.wheels.push_back({"wheels/w.toml", kWheelHead + kMbm});
  const LoadResult r = load_config(s);
  REQUIRE(r.ok());
  for (const auto& w : config_warnings(*r.config, 2027, 2028)) CHECK(w.field != "activity mbm.participants");
}

// ---- max_wait_days and the gaps between days -----------------------------------------------

// Ansattdager with one gap longer than the rest: 5 May to 1 September 2027, 119 days.
const std::string kAnsattdag = R"([[activity]]
id = "ansattdag"
title = "Ansattdag: Velkommen"
dates = ["2027-02-03", "2027-03-10", "2027-05-05", "2027-09-01", "2027-10-06", "2027-12-01",
         "2028-02-02", "2028-04-05", "2028-06-07", "2028-08-09", "2028-10-04", "2028-12-06"]
start = "09:00"
duration = "6h"
registration = { capacity = 30, lead_days = 7, max_wait_days = MAX, name = "ansattdag" }
)";

TEST_CASE("A max_wait_days shorter than the longest gap between two registration days names the gap's days") {
  const auto w = warnings(kWheelHead + replaced(kAnsattdag, "MAX", "60"), kLeaders, "activity ansattdag");
  REQUIRE(w.size() == 1);
  CHECK(w[0] == "wheels/w.toml:6: warning: activity ansattdag.registration.max_wait_days: no ansattdag between "
                "2027-05-05 and 2027-09-01 (119 days): a hire starting 2027-04-29 waits 125 days, more than "
                "max_wait_days = 60, and is left waiting; raise max_wait_days to 125 or add a day between them");
}

TEST_CASE("The max_wait_days the warning asks for is exactly the one that places the hire it names") {
  const std::string hire = kLeaders + R"(
[[person]]
id = "ny"
name = "Ny Ansatt"
unit = "skole"
roles = ["employee"]
start_date = "2027-04-29"
)";
  const SysSeconds now = to_utc(LocalSeconds{LocalDays{date::year{2027} / 1 / 1}}, *find_zone("Europe/Oslo"));
  auto placed = [&](const std::string& max) {
    const LoadResult r = load(kWheelHead + replaced(kAnsattdag, "MAX", max), hire);
    REQUIRE(r.ok());
    const Expansion e = expand(*r.config, LocalDays{date::year{2027} / 1 / 1}, LocalDays{date::year{2028} / 12 / 31});
    const RegistrationPlan plan = plan_registrations(*r.config, e, {}, now);
    REQUIRE(plan.registrations.size() == 1);
    return !plan.registrations[0].occurrence_uid.empty();
  };
  CHECK(placed("125"));
  CHECK_FALSE(placed("124"));
  CHECK(warnings(kWheelHead + replaced(kAnsattdag, "MAX", "125"), kLeaders, "activity ansattdag").empty());
  CHECK(warnings(kWheelHead + replaced(kAnsattdag, "MAX", "124"), kLeaders, "activity ansattdag").size() == 1);
}

// ---- two leaders in one unit ----------------------------------------------------------------

const std::string kTwoLeaders = kLeaders + R"(
[[person]]
id = "anne"
name = "Anne Rektor"
unit = "skole"
roles = ["leader"]
leader_end_date = "2027-07-31"

[[person]]
id = "bjorn"
name = "Bjørn Rektor"
unit = "skole"
roles = ["leader"]
leader_start_date = "START"
)";

std::string two_leaders(const std::string& start, const std::string& acting = "") {
  return replaced(kTwoLeaders, "START", start) + acting;
}

TEST_CASE("Two leaders of one unit on the same days are warned about at the second one's entry") {
  const auto w = warnings(kWheelHead + kDeadline, two_leaders("2027-07-01"), "person");
  REQUIRE(w.size() == 1);
  CHECK(w[0] == "people.toml:14: warning: person bjorn.roles: anne and bjorn both lead skole from 2027-07-01: tasks "
                "and notices go to anne alone; give one a leader_end_date or leader_start_date, or make the other "
                "acting = { unit = \"skole\", from = ..., to = ... }");
}

TEST_CASE("A leader who takes over the day after the last one ends is no warning") {
  CHECK(warnings(kWheelHead + kDeadline, two_leaders("2027-08-01"), "person").empty());
}

TEST_CASE("An acting leader named for the days two leaders share makes them intended") {
  const std::string acting = R"(
[[person]]
id = "konstituert"
name = "Konstituert Rektor"
unit = "skole"
roles = ["employee"]
acting = { unit = "skole", from = "2027-07-01", to = "2027-07-31" }
)";
  CHECK(warnings(kWheelHead + kDeadline, two_leaders("2027-07-01", acting), "person").empty());
  // Covering only part of it leaves the rest shared.
  const auto w =
      warnings(kWheelHead + kDeadline, two_leaders("2027-07-01", replaced(acting, "2027-07-31", "2027-07-15")), "person");
  REQUIRE(w.size() == 1);
  CHECK_THAT(w[0], Catch::Contains("both lead skole from 2027-07-16"));
}
