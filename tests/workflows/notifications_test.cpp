#include <catch2/catch.hpp>

#include <set>

#include "scheduler/config_files.h"
#include "tests/fixtures.h"
#include "workflows/notifications.h"

using namespace arshjul;
using namespace date::literals;
using namespace std::chrono_literals;

namespace {
using test::mini;
}  // namespace

TEST_CASE("The union rep's early notice goes out 14 days ahead at 08:00, with the documents deadline") {
  const Config c = mini();
  const Expansion e = expand_year(c, 2027);
  const auto plan = plan_messages(c, e, SysSeconds{date::sys_days{2027_y / 1 / 1}}, SysSeconds{date::sys_days{2028_y / 1 / 1}}, [](const auto&) { return 0; });
  const PlannedMessage* n = nullptr;
  for (const auto& m : plan)
    if (m.event_type == "notice.early" && m.occurrence->uid == "drofting.20270315@mini.arshjul") n = &m;
  REQUIRE(n);
  CHECK(n->recipient->id == "kari");
  CHECK(n->due == SysSeconds{date::sys_days{2027_y / 3 / 1}} + 7h);  // 08:00 CET
  CHECK(n->documents_due == LocalDays{2027_y / 3 / 8});
}

TEST_CASE("Reminders go to the activity's participants the configured time before") {
  const Config c = mini();
  const Expansion e = expand_year(c, 2027);
  const auto plan = plan_messages(c, e, SysSeconds{date::sys_days{2027_y / 1 / 1}}, SysSeconds{date::sys_days{2028_y / 1 / 1}}, [](const auto&) { return 0; });
  std::set<std::string> who;
  for (const auto& m : plan)
    if (m.event_type == "reminder.due" && m.occurrence->uid == "drofting.20270315@mini.arshjul") {
      who.insert(m.recipient->id);
      CHECK(m.due == m.occurrence->start - 48h);
    }
  CHECK(who == std::set<std::string>{"ola", "kari"});  // leader@top and hovedtillitsvalgt
}

TEST_CASE("Nothing is planned for occurrences that have begun, and keys carry the sequence") {
  const Config c = mini();
  const Expansion e = expand_year(c, 2027);
  const SysSeconds june{date::sys_days{2027_y / 6 / 1}};
  const auto plan = plan_messages(c, e, june, june + date::days{30}, [](const auto&) { return 3; });
  for (const auto& m : plan) {
    CHECK(m.occurrence->start > june);
    CHECK_THAT(m.key, Catch::Contains("|3|"));
  }
  std::set<std::string> keys;
  for (const auto& m : plan) keys.insert(m.key);
  CHECK(keys.size() == plan.size());
}

TEST_CASE("Only what falls due within the planning window is planned") {
  const Config c = mini();
  const Expansion e = expand_year(c, 2027);
  const SysSeconds jan{date::sys_days{2027_y / 1 / 1}};
  const auto month = plan_messages(c, e, jan, jan + date::days{31}, [](const auto&) { return 0; });
  const auto year = plan_messages(c, e, jan, jan + date::days{365}, [](const auto&) { return 0; });
  CHECK(month.size() < year.size());
  for (const auto& m : month) CHECK(m.due <= jan + date::days{31});
}
