#include <catch2/catch.hpp>

#include <algorithm>

#include "tests/fixtures.h"
#include "workflows/registrations.h"

using namespace arshjul;
using namespace date::literals;
using namespace std::chrono_literals;

namespace {

// Employee days on four Wednesdays of spring 2027, 09:00-15:00.
constexpr LocalDays kMar10{2027_y / 3 / 10}, kApr14{2027_y / 4 / 14}, kMay12{2027_y / 5 / 12},
    kJun9{2027_y / 6 / 9};

Activity employee_day(std::string id, RegistrationRule rule) {
  Activity a;
  a.id = std::move(id);
  a.wheel = "ansattdag";
  a.title = "Ansattdag";
  a.start = 9h;
  a.duration = 6h;
  a.dates = {kMar10, kApr14, kMay12, kJun9};
  a.registration = rule;
  a.registration->name = "ansattdag";  // as config/roros calls its days in messages
  return a;
}

Person hire(std::string id, std::optional<LocalDays> start, std::string unit = "skole") {
  Person p;
  p.id = std::move(id);
  p.name = p.id;
  p.unit = std::move(unit);
  p.roles = {Role::employee};
  p.start_date = start;
  return p;
}

Config org(RegistrationRule rule = {}) {
  Config c;
  c.organisation.id = "test";
  c.organisation.zone = *find_zone("Europe/Oslo");
  c.levels = {{"top", "Kommunedirektør"}, {"virksomhet", "Virksomhetsledere"}};
  c.units = {{"kommunen", "Kommunen", "top", ""},
             {"skole", "Skolen", "virksomhet", "kommunen"},
             {"helse", "Helse og omsorg", "virksomhet", "kommunen"}};
  Wheel w;
  w.id = "ansattdag";
  w.name = "Ansattdag";
  w.activities = {employee_day("ansattdag", rule)};
  c.wheels = {w};
  return c;
}

Expansion spring(const Config& c) {
  return expand(c, LocalDays{2027_y / 1 / 1}, LocalDays{2027_y / 12 / 31});
}

std::string uid(LocalDays day, std::string_view activity = "ansattdag", std::string_view unit = "") {
  return occurrence_uid("test", activity, unit, day);
}

// What storage holds for a hire on a day, and for one waiting.
Registration registered(std::string person, LocalDays day, std::string_view unit = "") {
  return {"ansattdag", std::move(person), uid(day, "ansattdag", unit), day};
}
Registration waiting_for(std::string person) { return {"ansattdag", std::move(person), "", std::nullopt}; }

SysSeconds oslo(LocalDays day, std::chrono::hours h) {
  return to_utc(LocalSeconds{day} + h, *find_zone("Europe/Oslo"));
}

const SysSeconds kFeb1 = oslo(LocalDays{2027_y / 2 / 1}, 12h);

std::string day_of(const RegistrationPlan& plan, std::string_view person, std::string_view activity = "ansattdag") {
  for (const auto& r : plan.registrations)
    if (r.person == person && r.activity == activity) return r.occurrence_uid;
  return "(none)";
}

const RegistrationChange* change_of(const RegistrationPlan& plan, std::string_view person) {
  for (const auto& ch : plan.changes)
    if (ch.person == person) return &ch;
  return nullptr;
}

}  // namespace

TEST_CASE("A new hire is registered for the first employee day after starting, and told why", "[registrations]") {
  Config c = org();
  c.people = {hire("ny", LocalDays{2027_y / 3 / 1})};
  const auto plan = plan_registrations(c, spring(c), {}, kFeb1);
  CHECK(day_of(plan, "ny") == uid(kMar10));
  REQUIRE(plan.changes.size() == 1);
  CHECK(plan.changes[0].kind == RegistrationChange::Kind::created);
  CHECK(plan.changes[0].to_uid == uid(kMar10));
  CHECK(plan.changes[0].reason == "Første ansattdag med ledig plass etter tiltredelse mandag 1. mars 2027");
}

TEST_CASE("A registration carries its occurrence's original day, and a waiting one none", "[registrations]") {
  Config c = org({.capacity = 1, .lead_days = 0, .max_wait_days = 30});
  c.people = {hire("ny", LocalDays{2027_y / 3 / 1}), hire("venter", LocalDays{2027_y / 3 / 2})};
  const auto plan = plan_registrations(c, spring(c), {}, kFeb1);
  REQUIRE(plan.registrations.size() == 2);
  CHECK(plan.registrations[0] == registered("ny", kMar10));
  CHECK(plan.registrations[1] == waiting_for("venter"));  // 10 March is full, 14 April too late
}

TEST_CASE("A registration kept without a stored day gets its occurrence's day", "[registrations]") {
  Config c = org();
  c.people = {hire("ny", LocalDays{2027_y / 3 / 1})};
  const Registration undated{"ansattdag", "ny", uid(kMar10), std::nullopt};
  const auto plan = plan_registrations(c, spring(c), {undated}, kFeb1);
  CHECK(plan.changes.empty());
  REQUIRE(plan.registrations.size() == 1);
  CHECK(plan.registrations[0].occurrence_day == kMar10);
}

TEST_CASE("A hire starting the day after an employee day goes to the next one", "[registrations]") {
  Config c = org();
  c.people = {hire("ny", LocalDays{2027_y / 3 / 11}), hire("samme", kMar10)};
  const auto plan = plan_registrations(c, spring(c), {}, kFeb1);
  CHECK(day_of(plan, "ny") == uid(kApr14));
  CHECK(day_of(plan, "samme") == uid(kMar10));  // starting on the day itself is in time
}

TEST_CASE("Lead days move the earliest day a hire can attend", "[registrations]") {
  Config c = org({.capacity = 30, .lead_days = 7, .max_wait_days = 120});
  c.people = {hire("tidsnok", LocalDays{2027_y / 3 / 3}), hire("forsent", LocalDays{2027_y / 3 / 4})};
  const auto plan = plan_registrations(c, spring(c), {}, kFeb1);
  CHECK(day_of(plan, "tidsnok") == uid(kMar10));  // 3 March + 7 days is the day itself
  CHECK(day_of(plan, "forsent") == uid(kApr14));
}

TEST_CASE("When a day is full the next hire goes to the following day, by start date then id", "[registrations]") {
  Config c = org({.capacity = 2, .lead_days = 0, .max_wait_days = 120});
  c.people = {hire("b", LocalDays{2027_y / 3 / 2}), hire("a", LocalDays{2027_y / 3 / 2}),
              hire("c", LocalDays{2027_y / 3 / 1})};
  const auto plan = plan_registrations(c, spring(c), {}, kFeb1);
  CHECK(day_of(plan, "c") == uid(kMar10));
  CHECK(day_of(plan, "a") == uid(kMar10));
  CHECK(day_of(plan, "b") == uid(kApr14));
}

TEST_CASE("A hire with no day with room within the maximum wait is waiting, and HR is told once",
          "[registrations]") {
  Config c = org({.capacity = 30, .lead_days = 0, .max_wait_days = 30});
  c.people = {hire("ny", LocalDays{2027_y / 3 / 11})};  // 14 April is 34 days later
  const auto first = plan_registrations(c, spring(c), {}, kFeb1);
  REQUIRE(first.registrations.size() == 1);
  CHECK(first.registrations[0].occurrence_uid.empty());
  REQUIRE(first.changes.size() == 1);
  CHECK(first.changes[0].kind == RegistrationChange::Kind::waiting);
  CHECK(first.changes[0].reason == "Ingen ansattdag med ledig plass innen 30 dager etter tiltredelse");

  const auto again = plan_registrations(c, spring(c), first.registrations, kFeb1 + 24h);
  CHECK(again.changes.empty());
  CHECK(day_of(again, "ny").empty());
}

TEST_CASE("A waiting hire is registered once a day with room appears", "[registrations]") {
  Config c = org({.capacity = 30, .lead_days = 0, .max_wait_days = 30});
  c.people = {hire("ny", LocalDays{2027_y / 3 / 11})};
  const std::vector<Registration> waiting{waiting_for("ny")};
  c.wheels[0].activities[0].dates.push_back(LocalDays{2027_y / 3 / 24});
  const auto plan = plan_registrations(c, spring(c), waiting, kFeb1);
  CHECK(day_of(plan, "ny") == uid(LocalDays{2027_y / 3 / 24}));
  REQUIRE(plan.changes.size() == 1);
  CHECK(plan.changes[0].kind == RegistrationChange::Kind::created);
  CHECK(plan.changes[0].from_uid.empty());
}

TEST_CASE("Existing registrations stay put even past capacity, and newcomers go to the next day", "[registrations]") {
  Config c = org({.capacity = 2, .lead_days = 0, .max_wait_days = 120});
  c.people = {hire("a", LocalDays{2027_y / 3 / 1}), hire("b", LocalDays{2027_y / 3 / 1}),
              hire("c", LocalDays{2027_y / 3 / 1}), hire("d", LocalDays{2027_y / 2 / 20})};
  const std::vector<Registration> current{
      registered("a", kMar10), registered("b", kMar10), registered("c", kMar10)};
  const auto plan = plan_registrations(c, spring(c), current, kFeb1);
  CHECK(day_of(plan, "a") == uid(kMar10));
  CHECK(day_of(plan, "b") == uid(kMar10));
  CHECK(day_of(plan, "c") == uid(kMar10));
  CHECK(day_of(plan, "d") == uid(kApr14));  // earlier start, but the kept ones hold the places
  REQUIRE(plan.changes.size() == 1);
  CHECK(plan.changes[0].person == "d");
}

TEST_CASE("Hires on a cancelled day are moved to the next one, and told it was cancelled", "[registrations]") {
  Config c = org();
  c.people = {hire("ny", LocalDays{2027_y / 3 / 1})};
  Expansion e = spring(c);
  std::erase_if(e.occurrences, [](const Occurrence& o) { return o.uid == uid(kMar10); });  // as HR's cancel does
  const auto plan = plan_registrations(c, e, {registered("ny", kMar10)}, kFeb1);
  CHECK(day_of(plan, "ny") == uid(kApr14));
  REQUIRE(plan.changes.size() == 1);
  const auto& ch = plan.changes[0];
  CHECK(ch.kind == RegistrationChange::Kind::moved);
  CHECK(ch.from_uid == uid(kMar10));
  CHECK(ch.to_uid == uid(kApr14));
  CHECK(ch.reason == "Ansattdag onsdag 10. mars 2027 er avlyst");
}

TEST_CASE("A cancelled day is named by the registration's day, whatever its UID looks like", "[registrations]") {
  Config c = org();
  c.people = {hire("ny", LocalDays{2027_y / 3 / 1})};
  const Registration on_a_day_gone{"ansattdag", "ny", "ansattdag-i-mars@et-annet-system", kMar10};
  const auto plan = plan_registrations(c, spring(c), {on_a_day_gone}, kFeb1);
  REQUIRE(plan.changes.size() == 1);
  CHECK(plan.changes[0].kind == RegistrationChange::Kind::moved);
  CHECK(plan.changes[0].reason == "Ansattdag onsdag 10. mars 2027 er avlyst");
}

TEST_CASE("A hire whose cancelled day has no replacement in time waits, with both reasons", "[registrations]") {
  Config c = org({.capacity = 30, .lead_days = 0, .max_wait_days = 20});
  c.people = {hire("ny", LocalDays{2027_y / 3 / 1})};
  Expansion e = spring(c);
  std::erase_if(e.occurrences, [](const Occurrence& o) { return o.uid == uid(kMar10); });
  const auto plan = plan_registrations(c, e, {registered("ny", kMar10)}, kFeb1);
  CHECK(day_of(plan, "ny").empty());
  REQUIRE(plan.changes.size() == 1);
  CHECK(plan.changes[0].kind == RegistrationChange::Kind::waiting);
  CHECK(plan.changes[0].from_uid == uid(kMar10));
  CHECK(plan.changes[0].reason ==
        "Ansattdag onsdag 10. mars 2027 er avlyst. Ingen ansattdag med ledig plass innen 20 dager etter tiltredelse");
}

TEST_CASE("A day moved before a hire's start is given up for the next one, and others on it stay", "[registrations]") {
  Config c = org();
  c.people = {hire("ny", LocalDays{2027_y / 3 / 9}), hire("tidlig", LocalDays{2027_y / 3 / 1})};
  Expansion e = spring(c);
  for (auto& o : e.occurrences)
    if (o.uid == uid(kMar10)) {  // as HR's move does
      o.first_day = o.last_day = LocalDays{2027_y / 3 / 8};
      o.start = oslo(o.first_day, 9h);
      o.end = o.start + 6h;
      o.change_reason = "Flyttet på grunn av budsjettseminar";
      o.moved_by_hr = true;
    }
  const std::vector<Registration> current{registered("ny", kMar10), registered("tidlig", kMar10)};
  const auto plan = plan_registrations(c, e, current, kFeb1);
  CHECK(day_of(plan, "tidlig") == uid(kMar10));
  CHECK(day_of(plan, "ny") == uid(kApr14));
  REQUIRE(plan.changes.size() == 1);
  CHECK(plan.changes[0].kind == RegistrationChange::Kind::moved);
  CHECK_THAT(plan.changes[0].reason, Catch::Contains("flyttet til mandag 8. mars 2027") &&
                                         Catch::Contains("tirsdag 9. mars 2027"));
}

TEST_CASE("Someone who left, or lost their start date, loses a day ahead", "[registrations]") {
  Config c = org();
  c.people = {hire("udatert", std::nullopt)};
  const std::vector<Registration> current{registered("sluttet", kMar10),
                                          registered("udatert", kApr14),
                                          waiting_for("ventet")};
  const auto plan = plan_registrations(c, spring(c), current, kFeb1);
  CHECK(plan.registrations.empty());
  REQUIRE(plan.changes.size() == 3);
  CHECK(plan.changes[0].person == "sluttet");
  CHECK(plan.changes[0].kind == RegistrationChange::Kind::cancelled);
  CHECK(plan.changes[0].from_uid == uid(kMar10));
  CHECK(plan.changes[0].reason == "Personen er ikke lenger i personallisten");
  CHECK(plan.changes[1].person == "udatert");
  CHECK(plan.changes[1].kind == RegistrationChange::Kind::cancelled);
  CHECK(plan.changes[1].reason == "Personen har ikke lenger tiltredelsesdato");
  CHECK(plan.changes[2].person == "ventet");
  CHECK(plan.changes[2].kind == RegistrationChange::Kind::cancelled);
}

TEST_CASE("Registrations for days that have begun are kept as they were", "[registrations]") {
  Config c = org({.capacity = 1, .lead_days = 0, .max_wait_days = 120});
  c.people = {hire("var-der", LocalDays{2027_y / 3 / 1}), hire("flyttet-start", LocalDays{2027_y / 4 / 1})};
  const std::vector<Registration> current{registered("sluttet", kMar10),
                                          registered("var-der", kMar10),
                                          registered("flyttet-start", kMar10)};
  const auto plan = plan_registrations(c, spring(c), current, oslo(kMar10, 10h));
  CHECK(plan.changes.empty());
  CHECK(plan.registrations.size() == 3);
  CHECK(day_of(plan, "sluttet") == uid(kMar10));
  CHECK(day_of(plan, "flyttet-start") == uid(kMar10));  // now before the start date, but it has happened
}

TEST_CASE("A day that has started takes no more hires", "[registrations]") {
  Config c = org();
  c.people = {hire("ny", LocalDays{2027_y / 3 / 1})};
  const SysSeconds utc_midnight{date::sys_days{2027_y / 3 / 10}};  // 09:00 CET is 08:00 UTC
  CHECK(day_of(plan_registrations(c, spring(c), {}, utc_midnight + 7h + 59min), "ny") == uid(kMar10));
  CHECK(day_of(plan_registrations(c, spring(c), {}, utc_midnight + 8h), "ny") == uid(kApr14));
}

TEST_CASE("Someone whose maximum wait is long past is not a new hire", "[registrations]") {
  Config c = org();
  c.people = {hire("gammel", LocalDays{2026_y / 9 / 1}), hire("ny", LocalDays{2027_y / 1 / 4})};
  const auto plan = plan_registrations(c, spring(c), {}, kFeb1);
  CHECK(day_of(plan, "gammel") == "(none)");  // 1 September + 120 days was 30 December
  CHECK(day_of(plan, "ny") == uid(kMar10));
  CHECK(plan.changes.size() == 1);
}

TEST_CASE("Each activity with a registration rule registers independently, in a stable order", "[registrations]") {
  Config c = org({.capacity = 1, .lead_days = 0, .max_wait_days = 120});
  c.wheels[0].activities.push_back(employee_day("kurs", {.capacity = 1, .lead_days = 0, .max_wait_days = 120}));
  c.people = {hire("b", LocalDays{2027_y / 3 / 1}), hire("a", LocalDays{2027_y / 3 / 2})};
  const auto plan = plan_registrations(c, spring(c), {}, kFeb1);
  REQUIRE(plan.registrations.size() == 4);
  CHECK(plan.registrations[0].activity == "ansattdag");
  CHECK(plan.registrations[0].person == "a");
  CHECK(plan.registrations[2].activity == "kurs");
  CHECK(day_of(plan, "b", "ansattdag") == uid(kMar10));
  CHECK(day_of(plan, "a", "ansattdag") == uid(kApr14));
  CHECK(day_of(plan, "b", "kurs") == uid(kMar10, "kurs"));
  CHECK(day_of(plan, "a", "kurs") == uid(kApr14, "kurs"));
  REQUIRE(plan.changes.size() == 4);
  CHECK(plan.changes[0].activity == "ansattdag");
  CHECK(plan.changes[0].person == "a");
  CHECK(plan.changes[3].activity == "kurs");
  CHECK(plan.changes[3].person == "b");
}

TEST_CASE("A unit's employee day takes only that unit's hires", "[registrations]") {
  Config c = org();
  c.wheels[0].activities[0].scope = {Scope::Kind::level, "virksomhet"};
  c.people = {hire("lærer", LocalDays{2027_y / 3 / 1}, "skole"), hire("sykepleier", LocalDays{2027_y / 3 / 1}, "helse"),
              hire("rådgiver", LocalDays{2027_y / 3 / 1}, "kommunen")};
  const auto plan = plan_registrations(c, spring(c), {}, kFeb1);
  CHECK(day_of(plan, "lærer") == uid(kMar10, "ansattdag", "skole"));
  CHECK(day_of(plan, "sykepleier") == uid(kMar10, "ansattdag", "helse"));
  CHECK(day_of(plan, "rådgiver").empty());  // no series for the top unit
}

TEST_CASE("A hire who changed unit before their day is moved to their new unit's day", "[registrations]") {
  Config c = org();
  c.wheels[0].activities[0].scope = {Scope::Kind::level, "virksomhet"};
  c.people = {hire("ny", LocalDays{2027_y / 3 / 1}, "helse")};
  const auto plan =
      plan_registrations(c, spring(c), {registered("ny", kMar10, "skole")}, kFeb1);
  CHECK(day_of(plan, "ny") == uid(kMar10, "ansattdag", "helse"));
  REQUIRE(change_of(plan, "ny"));
  CHECK(change_of(plan, "ny")->kind == RegistrationChange::Kind::moved);
}

TEST_CASE("Change kinds have the names messages use", "[registrations]") {
  CHECK(change_kind_name(RegistrationChange::Kind::created) == "created");
  CHECK(change_kind_name(RegistrationChange::Kind::moved) == "moved");
  CHECK(change_kind_name(RegistrationChange::Kind::cancelled) == "cancelled");
  CHECK(change_kind_name(RegistrationChange::Kind::waiting) == "waiting");
}

// ---- a second activity with registration: its days go by its own name -----------------------

namespace {

// tests/fixtures/two-registrations: an ansattdag named "ansattdag" and
// "Introduksjonsdag for ledere" (1 April and 2 September 2027, one place
// each, at most 60 days' wait), with hires Nina (1 March) and Petter (2 March).
Config two_registrations() { return test::load("tests/fixtures/two-registrations"); }

const RegistrationChange* change_of(const RegistrationPlan& plan, std::string_view person, std::string_view activity) {
  for (const auto& ch : plan.changes)
    if (ch.person == person && ch.activity == activity) return &ch;
  return nullptr;
}

}  // namespace

TEST_CASE("A hire placed on a day of a registration activity is told it by the activity's own title",
          "[registrations]") {
  const Config c = two_registrations();
  const auto plan = plan_registrations(c, spring(c), {}, kFeb1);
  const RegistrationChange* nina = change_of(plan, "nina", "lederintro");
  REQUIRE(nina);
  CHECK(nina->kind == RegistrationChange::Kind::created);
  CHECK(nina->reason == "Første Introduksjonsdag for ledere med ledig plass etter tiltredelse mandag 1. mars 2027");
  CHECK_THAT(nina->reason, !Catch::Contains("ansattdag", Catch::CaseSensitive::No));
}

TEST_CASE("A hire left waiting for a registration activity is told so by the activity's own title",
          "[registrations]") {
  const Config c = two_registrations();
  const auto plan = plan_registrations(c, spring(c), {}, kFeb1);
  const RegistrationChange* petter = change_of(plan, "petter", "lederintro");
  REQUIRE(petter);
  CHECK(petter->kind == RegistrationChange::Kind::waiting);
  CHECK(petter->reason == "Ingen Introduksjonsdag for ledere med ledig plass innen 60 dager etter tiltredelse");
  CHECK_THAT(petter->reason, !Catch::Contains("ansattdag", Catch::CaseSensitive::No));
}

TEST_CASE("A hire whose day of a registration activity is cancelled is told by the activity's own title",
          "[registrations]") {
  const Config c = two_registrations();
  const std::string day = occurrence_uid("mini", "lederintro", "", LocalDays{2027_y / 4 / 1});
  Expansion e = spring(c);
  std::erase_if(e.occurrences, [&](const Occurrence& o) { return o.uid == day; });  // as HR's cancel does
  const auto plan = plan_registrations(c, e, {{"lederintro", "nina", day, LocalDays{2027_y / 4 / 1}}}, kFeb1);
  const RegistrationChange* nina = change_of(plan, "nina", "lederintro");
  REQUIRE(nina);
  CHECK(nina->kind == RegistrationChange::Kind::waiting);
  CHECK(nina->from_uid == day);
  CHECK(nina->reason == "Introduksjonsdag for ledere torsdag 1. april 2027 er avlyst. Ingen Introduksjonsdag for ledere "
                        "med ledig plass innen 60 dager etter tiltredelse");
  CHECK_THAT(nina->reason, !Catch::Contains("ansattdag", Catch::CaseSensitive::No));
}

TEST_CASE("A registration activity with a configured name is told by that name, not its title", "[registrations]") {
  const Config c = two_registrations();
  const auto plan = plan_registrations(c, spring(c), {}, kFeb1);
  const RegistrationChange* nina = change_of(plan, "nina", "ansattdag");
  REQUIRE(nina);
  CHECK(nina->to_uid == occurrence_uid("mini", "ansattdag", "", LocalDays{2027_y / 3 / 10}));
  CHECK(nina->reason == "Første ansattdag med ledig plass etter tiltredelse mandag 1. mars 2027");
}

// ---- why a hire waits (the HR page) ------------------------------------------------------

namespace {

// The expansion as the snapshot holds it: each day with the people the plan put there.
Expansion with_registered(const Config& c, const RegistrationPlan& plan) {
  Expansion e = spring(c);
  for (auto& o : e.occurrences)
    for (const auto& r : plan.registrations)
      if (r.occurrence_uid == o.uid) o.registered.push_back(r.person);
  return e;
}

}  // namespace

TEST_CASE("A hire with no day within the maximum wait is told the next day and how long after starting it is",
          "[registrations]") {
  Config c = org({.capacity = 30, .lead_days = 0, .max_wait_days = 30});
  c.people = {hire("ny", LocalDays{2027_y / 3 / 11})};
  const auto plan = plan_registrations(c, spring(c), {}, kFeb1);
  const auto why = waiting_reason(with_registered(c, plan), c.wheels[0].activities[0], c.people[0], kFeb1);
  REQUIRE(why);
  CHECK(why->earliest == LocalDays{2027_y / 3 / 11});
  CHECK(why->latest == LocalDays{2027_y / 4 / 10});
  CHECK(why->full_days == 0);
  CHECK(why->next == kApr14);
  CHECK(why->text == "Ingen ansattdag innen 30 dager etter tiltredelse torsdag 11. mars 2027; neste ansattdag er "
                     "onsdag 14. april 2027, 34 dager etter tiltredelse");
}

TEST_CASE("A hire whose days within reach are full is told how many are full and the next with room",
          "[registrations]") {
  Config c = org({.capacity = 1, .lead_days = 3, .max_wait_days = 40});
  c.people = {hire("forst", LocalDays{2027_y / 3 / 1}), hire("venter", LocalDays{2027_y / 3 / 2}),
              hire("senere", LocalDays{2027_y / 4 / 1})};
  const auto plan = plan_registrations(c, spring(c), {}, kFeb1);
  REQUIRE(day_of(plan, "venter").empty());
  // 10 March is forst's; 14 April is senere's, after the reach of venter (2 March + 40 days).
  const auto why = waiting_reason(with_registered(c, plan), c.wheels[0].activities[0], c.people[1], kFeb1);
  REQUIRE(why);
  CHECK(why->full_days == 1);
  CHECK(why->next == kMay12);
  CHECK(why->text == "Ingen ansattdag med ledig plass innen 40 dager etter tiltredelse tirsdag 2. mars 2027 (tidligst "
                     "fredag 5. mars 2027): 1 dag er full (1 plass); neste ansattdag med ledig plass er onsdag 12. mai "
                     "2027, 71 dager etter tiltredelse");
}

TEST_CASE("A hire after the last day of the period is told no later day has room", "[registrations]") {
  Config c = org({.capacity = 30, .lead_days = 0, .max_wait_days = 30});
  c.people = {hire("ny", LocalDays{2027_y / 6 / 10})};
  const auto why = waiting_reason(spring(c), c.wheels[0].activities[0], c.people[0], kFeb1);
  REQUIRE(why);
  CHECK_FALSE(why->next);
  CHECK_THAT(why->text, Catch::EndsWith("; ingen ansattdag med ledig plass senere i perioden"));
  // No date to count from: no reason to give.
  Person no_date = c.people[0];
  no_date.start_date.reset();
  CHECK_FALSE(waiting_reason(spring(c), c.wheels[0].activities[0], no_date, kFeb1));
}
