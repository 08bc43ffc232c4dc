#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <sstream>

#include "calendars/recurrence.h"

using namespace arshjul;
using namespace date::literals;

namespace {
LocalDays d(date::year_month_day ymd) { return LocalDays{ymd}; }

std::vector<LocalDays> days_of(const char* rule, date::year_month_day since, date::year_month_day from,
                               date::year_month_day to) {
  auto r = parse_local_rule(rule, d(since));
  INFO(rule);
  REQUIRE(r);
  return expand(*r, d(from), d(to));
}
}  // namespace

TEST_CASE("BYSETPOS picks the first Tuesday of each month") {
  auto days = days_of("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=1", 2024_y / 1 / 1, 2027_y / 1 / 1, 2027_y / 4 / 30);
  CHECK(days == std::vector<LocalDays>{d(2027_y / 1 / 5), d(2027_y / 2 / 2), d(2027_y / 3 / 2), d(2027_y / 4 / 6)});
}

TEST_CASE("BYDAY=-1FR is the last Friday of the month") {
  auto days = days_of("FREQ=MONTHLY;BYDAY=-1FR", 2024_y / 1 / 1, 2027_y / 1 / 1, 2027_y / 3 / 31);
  CHECK(days == std::vector<LocalDays>{d(2027_y / 1 / 29), d(2027_y / 2 / 26), d(2027_y / 3 / 26)});
}

TEST_CASE("The last weekday of the month via BYSETPOS=-1") {
  auto days = days_of("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", 2024_y / 1 / 1, 2027_y / 1 / 1,
                      2027_y / 4 / 30);
  CHECK(days == std::vector<LocalDays>{d(2027_y / 1 / 29), d(2027_y / 2 / 26), d(2027_y / 3 / 31),
                                       d(2027_y / 4 / 30)});
}

TEST_CASE("INTERVAL=2 counts from since, also when expansion starts later") {
  // Every second year from 2025: the 10-faktor cadence.
  auto days = days_of("FREQ=YEARLY;INTERVAL=2;BYMONTH=11;BYMONTHDAY=1", 2025_y / 1 / 1, 2026_y / 1 / 1,
                      2030_y / 12 / 31);
  CHECK(days == std::vector<LocalDays>{d(2027_y / 11 / 1), d(2029_y / 11 / 1)});
  auto weeks = days_of("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", 2027_y / 1 / 6, 2027_y / 2 / 1, 2027_y / 2 / 28);
  CHECK(weeks == std::vector<LocalDays>{d(2027_y / 2 / 3), d(2027_y / 2 / 17)});
}

TEST_CASE("COUNT limits the series from since") {
  auto days = days_of("FREQ=MONTHLY;COUNT=3;BYMONTHDAY=10", 2027_y / 1 / 1, 2027_y / 1 / 1, 2027_y / 12 / 31);
  CHECK(days == std::vector<LocalDays>{d(2027_y / 1 / 10), d(2027_y / 2 / 10), d(2027_y / 3 / 10)});
  auto later = days_of("FREQ=MONTHLY;COUNT=3;BYMONTHDAY=10", 2027_y / 1 / 1, 2027_y / 3 / 1, 2027_y / 12 / 31);
  CHECK(later == std::vector<LocalDays>{d(2027_y / 3 / 10)});
}

TEST_CASE("UNTIL ends the series on that day, inclusive") {
  auto days = days_of("FREQ=WEEKLY;BYDAY=MO;UNTIL=20270125", 2027_y / 1 / 1, 2027_y / 1 / 1, 2027_y / 12 / 31);
  CHECK(days == std::vector<LocalDays>{d(2027_y / 1 / 4), d(2027_y / 1 / 11), d(2027_y / 1 / 18),
                                       d(2027_y / 1 / 25)});
  auto with_time = days_of("FREQ=WEEKLY;BYDAY=MO;UNTIL=20270111T235959Z", 2027_y / 1 / 1, 2027_y / 1 / 1,
                           2027_y / 12 / 31);
  CHECK(with_time.size() == 2);
}

TEST_CASE("Rules that cannot work are refused with a reason") {
  const LocalDays since = d(2024_y / 1 / 1);
  auto hour = parse_local_rule("FREQ=DAILY;BYHOUR=9", since);
  REQUIRE_FALSE(hour);
  CHECK(hour.error().find("start") != std::string::npos);
  CHECK_FALSE(parse_local_rule("FREQ=HOURLY", since));
  CHECK_FALSE(parse_local_rule("BYDAY=MO", since));
  CHECK_FALSE(parse_local_rule("FREQ=MONTHLY;BYDAY=XX", since));
  CHECK_FALSE(parse_local_rule("FREQ=MONTHLY;COUNT=2;UNTIL=20270101", since));
  CHECK_FALSE(parse_local_rule("FREQ=MONTHLY;BYDAI=MO", since));
  CHECK_FALSE(parse_local_rule("FREQ=MONTHLY;;BYDAY=MO", since));
  CHECK_FALSE(parse_local_rule("", since));
}

TEST_CASE("Lower-case rules are accepted and normalised") {
  auto r = parse_local_rule("freq=monthly;byday=1tu", d(2024_y / 1 / 1));
  REQUIRE(r);
  CHECK(r->rrule == "FREQ=MONTHLY;BYDAY=1TU");
}

TEST_CASE("Every rule in the cookbook of docs/config.md gives the days the table lists") {
  std::ifstream in(std::string(ARSHJUL_SOURCE_DIR) + "/docs/config.md");
  REQUIRE(in);
  std::string line;
  int rows = 0;
  // | the meeting | `RULE` | SINCE | DAY, DAY, ... |
  const std::regex row(R"(^\| [^|]+ \| `(FREQ=[^`]+)` \| (\d{4}-\d{2}-\d{2}) \| ([0-9, -]+) \|$)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, row)) continue;
    ++rows;
    INFO(line);
    const auto since = parse_date(m[2].str());
    REQUIRE(since);
    std::vector<LocalDays> listed;
    std::stringstream days(m[3].str());
    for (std::string day; std::getline(days, day, ',');) {
      const auto parsed = parse_date(day.substr(day.find_first_not_of(' ')));
      REQUIRE(parsed);
      listed.push_back(*parsed);
    }
    auto rule = parse_local_rule(m[1].str(), *since);
    REQUIRE(rule);
    auto got = expand(*rule, *since, *since + date::days{3 * 366});
    REQUIRE(got.size() >= listed.size());
    got.resize(listed.size());
    CHECK(got == listed);
  }
  CHECK(rows >= 10);
}

TEST_CASE("A rule written in words is refused with the RRULE to write, in English or bokmål") {
  const LocalDays since = d(2027_y / 1 / 1);
  const auto first_monday = parse_local_rule("every first Monday", since);
  REQUIRE_FALSE(first_monday);
  CHECK(first_monday.error() == "\"every first Monday\" is not an RRULE; for that, write \"FREQ=MONTHLY;BYDAY=1MO\" "
                                "(more in docs/config.md, \"Rules for everyday meetings\")");
  CHECK(rule_for_words("siste fredag i måneden") == "FREQ=MONTHLY;BYDAY=-1FR");
  CHECK(rule_for_words("tredje onsdag") == "FREQ=MONTHLY;BYDAY=3WE");
  CHECK(rule_for_words("annenhver mandag") == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO");
  CHECK(rule_for_words("every second week") == "FREQ=WEEKLY;INTERVAL=2");
  CHECK(rule_for_words("hver tirsdag") == "FREQ=WEEKLY;BYDAY=TU");
  CHECK(rule_for_words("månedlig") == "FREQ=MONTHLY");
  CHECK_FALSE(rule_for_words("når det passer"));
}

TEST_CASE("A rule part in the wrong form is named with the form it takes and an example") {
  const LocalDays since = d(2027_y / 1 / 1);
  const auto range = parse_local_rule("FREQ=MONTHLY;BYMONTH=1-6,8-12;BYDAY=1MO", since);
  REQUIRE_FALSE(range);
  CHECK(range.error() == "rule part BYMONTH=1-6,8-12: expected months 1-12 separated by commas (BYMONTH=2,5,9,11); "
                         "RRULE has no ranges such as 1-6, so write BYMONTH=1,2,3,4,5,6,8,9,10,11,12");
  const auto day = parse_local_rule("FREQ=MONTHLY;BYDAY=FIRSTMO", since);
  REQUIRE_FALSE(day);
  CHECK_THAT(day.error(), Catch::StartsWith("rule part BYDAY=FIRSTMO: expected weekdays MO, TU, WE, TH, FR, SA, SU"));
  const auto interval = parse_local_rule("FREQ=WEEKLY;INTERVAL=0", since);
  REQUIRE_FALSE(interval);
  CHECK(interval.error() == "rule part INTERVAL=0: expected a whole number from 1 (INTERVAL=2)");
  const auto until = parse_local_rule("FREQ=WEEKLY;UNTIL=2028-12-31", since);
  REQUIRE_FALSE(until);
  CHECK(until.error() == "rule part UNTIL=2028-12-31: expected the last date as YYYYMMDD (UNTIL=20281231)");
}
