#include <catch2/catch.hpp>

#include <set>

#include "scheduler/config_files.h"
#include "tests/fixtures.h"
#include "workflows/events.h"
#include "workflows/expansion.h"

using namespace arshjul;
using namespace date::literals;
using namespace std::chrono_literals;

namespace {
using test::mini;

const Occurrence* find(const Expansion& e, const std::string& uid) {
  for (const auto& o : e.occurrences)
    if (o.uid == uid) return &o;
  return nullptr;
}
}  // namespace

TEST_CASE("A monthly meeting that falls on 17 May 2027 is held on 18 May, and says why") {
  const Config c = mini();
  const Expansion e = expand_year(c, 2027);
  const Occurrence* o = find(e, "drofting.20270517@mini.arshjul");
  REQUIRE(o);
  CHECK(o->first_day == LocalDays{2027_y / 5 / 18});
  REQUIRE(o->moved);
  CHECK(o->moved->from == LocalDays{2027_y / 5 / 17});
  CHECK(o->start == SysSeconds{date::sys_days{2027_y / 5 / 18}} + 7h);  // 09:00 CEST
  CHECK_THAT(occurrence_description(*o), Catch::Contains("Flyttet fra mandag 17. mai 2027 (helligdag: Grunnlovsdag)"));
}

TEST_CASE("A unit-level activity becomes one series per unit at that level") {
  const Config c = mini();
  const Expansion e = expand_year(c, 2027);
  int skole = 0, helse = 0;
  for (const auto& o : e.occurrences)
    if (o.activity->id == "virksomhetsmote") (o.unit->id == "skole" ? skole : helse)++;
  // Quarterly on the 17th from February; 17 May is a holiday and the policy is skip.
  CHECK(skole == 3);
  CHECK(helse == 3);
  CHECK(find(e, "virksomhetsmote.skole.20270817@mini.arshjul"));
}

TEST_CASE("Skipped occurrences are reported, not silently dropped") {
  const Expansion e = expand_year(mini(), 2027);
  int skipped = 0, unplaceable = 0;
  for (const auto& u : e.unplaced) (u.skipped ? skipped : unplaceable)++;
  CHECK(skipped == 2);      // 17 May 2027, one per unit
  CHECK(unplaceable == 1);  // the July meeting: fellesferie runs past 14 days
}

TEST_CASE("Expanding twice gives the same UIDs in the same order") {
  const Config c = mini();
  const Expansion a = expand_year(c, 2027), b = expand_year(c, 2027);
  REQUIRE(a.occurrences.size() == b.occurrences.size());
  for (std::size_t i = 0; i < a.occurrences.size(); ++i) CHECK(a.occurrences[i].uid == b.occurrences[i].uid);
}

TEST_CASE("No timed occurrence lands on a weekend, holiday or blackout") {
  const Config c = mini();
  const WorkingCalendar cal(c.organisation.working_days);
  for (int y = 2024; y <= 2030; ++y)
    for (const auto& o : expand_year(c, y).occurrences) {
      if (o.all_day && o.activity->kind == ActivityKind::window) continue;
      INFO(o.uid);
      CHECK_FALSE(cal.why_not_working(o.first_day));
    }
}

TEST_CASE("A window that crosses New Year ends in the next year") {
  const Expansion e = expand_year(mini(), 2027);
  const Occurrence* w = find(e, "samtaler.20271201@mini.arshjul");
  REQUIRE(w);
  CHECK(w->all_day);
  CHECK(w->last_day == LocalDays{2028_y / 1 / 31});
}

TEST_CASE("A deadline on a holiday moves to the working day before") {
  const Expansion e = expand_year(mini(), 2027);
  const Occurrence* f = find(e, "frist.20271225@mini.arshjul");
  REQUIRE(f);
  CHECK(f->first_day == LocalDays{2027_y / 12 / 21});  // 22-24 Dec are in the Christmas blackout
}

TEST_CASE("The wheel filter keeps one wheel") {
  const Config c = mini();
  CHECK(expand_year(c, 2027, {"partssamarbeid"}).occurrences.size() == expand_year(c, 2027).occurrences.size());
  CHECK(expand_year(c, 2027, {"nope"}).occurrences.empty());
}

TEST_CASE("The shipped Røros config has a full 2027 with every wheel present") {
  auto c = load_config_dir(std::string(ARSHJUL_SOURCE_DIR) + "/config/roros");
  REQUIRE(c);
  const Expansion e = expand_year(*c, 2027);
  std::set<std::string> wheels;
  for (const auto& o : e.occurrences) wheels.insert(o.wheel->id);
  CHECK(wheels.size() == 5);
  CHECK(e.occurrences.size() > 100);
}
