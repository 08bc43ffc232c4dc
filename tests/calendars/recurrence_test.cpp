#include <catch2/catch.hpp>

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
