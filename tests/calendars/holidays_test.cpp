#include <catch2/catch.hpp>

#include <set>

#include "calendars/holidays.h"

using namespace arshjul;
using namespace date::literals;

namespace {
LocalDays d(date::year_month_day ymd) { return LocalDays{ymd}; }
}  // namespace

TEST_CASE("Easter Sunday matches the known dates 2024-2030") {
  CHECK(easter_sunday(2024) == d(2024_y / 3 / 31));
  CHECK(easter_sunday(2025) == d(2025_y / 4 / 20));
  CHECK(easter_sunday(2026) == d(2026_y / 4 / 5));
  CHECK(easter_sunday(2027) == d(2027_y / 3 / 28));
  CHECK(easter_sunday(2028) == d(2028_y / 4 / 16));
  CHECK(easter_sunday(2029) == d(2029_y / 4 / 1));
  CHECK(easter_sunday(2030) == d(2030_y / 4 / 21));
}

TEST_CASE("Easter stays within 22 March and 25 April for every year 1900-2200") {
  for (int y = 1900; y <= 2200; ++y) {
    const LocalDays e = easter_sunday(y);
    INFO(y);
    CHECK(date::weekday{e} == date::Sunday);
    CHECK(e >= LocalDays{date::year{y} / 3 / 22});
    CHECK(e <= LocalDays{date::year{y} / 4 / 25});
  }
}

TEST_CASE("A year has the twelve Norwegian public holidays, 2027 as published") {
  const auto h = norwegian_public_holidays(2027);
  REQUIRE(h.size() == 12);
  const std::vector<LocalDays> expected{
      d(2027_y / 1 / 1),  d(2027_y / 3 / 25), d(2027_y / 3 / 26), d(2027_y / 3 / 28),
      d(2027_y / 3 / 29), d(2027_y / 5 / 1),  d(2027_y / 5 / 6),  d(2027_y / 5 / 16),
      d(2027_y / 5 / 17), d(2027_y / 5 / 17), d(2027_y / 12 / 25), d(2027_y / 12 / 26)};
  // 2027: Whit Monday and Constitution Day are both 17 May.
  std::vector<LocalDays> got;
  for (const auto& x : h) got.push_back(x.day);
  CHECK(got == expected);
}

TEST_CASE("Every listed holiday is recognised by name and nothing else is, 2024-2030") {
  for (int y = 2024; y <= 2030; ++y) {
    std::set<LocalDays> holidays;
    for (const auto& x : norwegian_public_holidays(y)) {
      holidays.insert(x.day);
      CHECK(norwegian_holiday_name(x.day) != nullptr);
    }
    int count = 0;
    for (LocalDays day{date::year{y} / 1 / 1}; day <= LocalDays{date::year{y} / 12 / 31}; day += date::days{1})
      count += norwegian_holiday_name(day) != nullptr;
    CHECK(count == static_cast<int>(holidays.size()));
  }
}

TEST_CASE("Constitution Day and Ascension Day 2026 are named") {
  CHECK(std::string(norwegian_holiday_name(d(2026_y / 5 / 17))) == "Grunnlovsdag");
  CHECK(std::string(norwegian_holiday_name(d(2026_y / 5 / 14))) == "Kristi himmelfartsdag");
  CHECK(norwegian_holiday_name(d(2026_y / 5 / 18)) == nullptr);
}

TEST_CASE("The half days are the Wednesday before Maundy Thursday, 24 and 31 December") {
  CHECK(norwegian_half_day_name(d(2026_y / 4 / 1)) != nullptr);   // Easter 5 April
  CHECK(norwegian_half_day_name(d(2027_y / 3 / 24)) != nullptr);  // Easter 28 March
  CHECK(norwegian_half_day_name(d(2027_y / 12 / 24)) != nullptr);
  CHECK(norwegian_half_day_name(d(2027_y / 12 / 31)) != nullptr);
  CHECK(norwegian_half_day_name(d(2027_y / 3 / 23)) == nullptr);
}
