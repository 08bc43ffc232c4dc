#include <catch2/catch.hpp>

#include "calendars/working_days.h"

using namespace arshjul;
using namespace date::literals;

namespace {
LocalDays d(date::year_month_day ymd) { return LocalDays{ymd}; }

WorkingCalendar norwegian() {
  WorkingDayRules r;
  r.blackouts = {{"Fellesferie", {7, 1}, {8, 5}}, {"Jul og nyttår", {12, 22}, {1, 2}}};
  return WorkingCalendar(r);
}
}  // namespace

TEST_CASE("A meeting on 17 May is moved to 18 May") {
  const auto p = norwegian().place(d(2027_y / 5 / 17), HolidayPolicy::next_working_day);
  REQUIRE(p.day);
  CHECK(*p.day == d(2027_y / 5 / 18));
  REQUIRE(p.reason);
  CHECK(p.reason->kind == NonWorkingReason::Kind::public_holiday);
  CHECK(p.reason->name == "Grunnlovsdag");
}

TEST_CASE("A move off a holiday keeps each blackout it passed over once and leaves weekends out") {
  WorkingDayRules r;
  r.blackouts = {{"Budsjettseminar", {}, {}, 0, d(2027_y / 5 / 18), d(2027_y / 5 / 19)},
                 {"Samling", {}, {}, 0, d(2027_y / 5 / 20), d(2027_y / 5 / 21)}};
  const auto p = WorkingCalendar(r).place(d(2027_y / 5 / 17), HolidayPolicy::next_working_day);
  REQUIRE(p.day);
  CHECK(*p.day == d(2027_y / 5 / 24));  // past the weekend of 22-23 May
  CHECK(p.reason->name == "Grunnlovsdag");
  REQUIRE(p.passed.size() == 2);
  CHECK(p.passed[0].name == "Budsjettseminar");
  CHECK(p.passed[1].name == "Samling");
  // A plain holiday move passes over nothing.
  CHECK(norwegian().place(d(2027_y / 5 / 17), HolidayPolicy::next_working_day).passed.empty());
}

TEST_CASE("previous-working-day moves a Saturday deadline to Friday") {
  const auto p = norwegian().place(d(2027_y / 3 / 6), HolidayPolicy::previous_working_day);
  CHECK(*p.day == d(2027_y / 3 / 5));
  CHECK(p.reason->kind == NonWorkingReason::Kind::weekend);
}

TEST_CASE("Easter 2027 pushes a Thursday meeting past the whole holiday") {
  // Maundy Thursday 25 March → Good Friday, weekend, Easter Monday → Tuesday 30 March.
  const auto p = norwegian().place(d(2027_y / 3 / 25), HolidayPolicy::next_working_day);
  CHECK(*p.day == d(2027_y / 3 / 30));
}

TEST_CASE("skip leaves the occurrence out but says why") {
  const auto p = norwegian().place(d(2027_y / 5 / 6), HolidayPolicy::skip);
  CHECK_FALSE(p.day);
  CHECK_FALSE(p.unplaceable);
  CHECK(p.reason->name == "Kristi himmelfartsdag");
}

TEST_CASE("A blackout across New Year covers both sides of it") {
  const auto cal = norwegian();
  CHECK(cal.why_not_working(d(2027_y / 12 / 22)));
  CHECK(cal.why_not_working(d(2027_y / 12 / 30))->kind == NonWorkingReason::Kind::blackout);
  CHECK(cal.why_not_working(d(2029_y / 1 / 2))->name == "Jul og nyttår");  // a Tuesday
  CHECK_FALSE(cal.why_not_working(d(2028_y / 1 / 3)));
  const auto p = cal.place(d(2027_y / 12 / 28), HolidayPolicy::next_working_day);
  CHECK(*p.day == d(2028_y / 1 / 3));
  const auto back = cal.place(d(2027_y / 12 / 28), HolidayPolicy::previous_working_day);
  CHECK(*back.day == d(2027_y / 12 / 21));
}

TEST_CASE("An occurrence with no working day within 14 days is reported unplaceable") {
  const auto p = norwegian().place(d(2027_y / 7 / 6), HolidayPolicy::next_working_day);
  CHECK_FALSE(p.day);
  CHECK(p.unplaceable);
  CHECK(p.reason->name == "Fellesferie");
}

TEST_CASE("On a half day only what runs past noon is refused") {
  const auto cal = norwegian();
  const LocalDays wednesday_before_easter = d(2027_y / 3 / 24);
  CHECK_FALSE(cal.why_not_working(wednesday_before_easter, false));
  CHECK(cal.why_not_working(wednesday_before_easter, true)->kind == NonWorkingReason::Kind::half_day);
  WorkingDayRules no_half;
  no_half.half_days = false;
  CHECK_FALSE(WorkingCalendar(no_half).why_not_working(wednesday_before_easter, true));
}

TEST_CASE("Without public holidays only weekends and blackouts count") {
  WorkingDayRules r;
  r.public_holidays = false;
  CHECK_FALSE(WorkingCalendar(r).why_not_working(d(2027_y / 5 / 17)));
  CHECK(WorkingCalendar(r).why_not_working(d(2027_y / 5 / 16)));
}

TEST_CASE("A school break given as an ISO week covers Monday to Sunday of that week every year") {
  WorkingDayRules r;
  r.blackouts = {{"Vinterferie", {}, {}, 9}};
  const WorkingCalendar cal(r);
  CHECK(cal.why_not_working(d(2027_y / 3 / 1))->name == "Vinterferie");   // week 9 of 2027: 1-7 March
  CHECK(cal.why_not_working(d(2027_y / 3 / 5))->name == "Vinterferie");
  CHECK_FALSE(cal.why_not_working(d(2027_y / 2 / 26)));
  CHECK_FALSE(cal.why_not_working(d(2027_y / 3 / 8)));
  CHECK(cal.why_not_working(d(2028_y / 2 / 28))->name == "Vinterferie");  // week 9 of 2028: 28 Feb-5 Mar
}

TEST_CASE("A two-day block is placed only where both days are working days, with the refused day's reason") {
  // Wednesday 5 May 2027: its second day is Kristi himmelfartsdag.
  const auto p = norwegian().place_days(d(2027_y / 5 / 5), 2, HolidayPolicy::next_working_day);
  REQUIRE(p.day);
  CHECK(*p.day == d(2027_y / 5 / 10));
  REQUIRE(p.reason);
  CHECK(p.reason->name == "Kristi himmelfartsdag");
  const auto back = norwegian().place_days(d(2027_y / 5 / 5), 2, HolidayPolicy::previous_working_day);
  CHECK(*back.day == d(2027_y / 5 / 4));
  CHECK_FALSE(norwegian().place_days(d(2027_y / 5 / 5), 2, HolidayPolicy::skip).day);
}

TEST_CASE("A one-off blackout holds only its own dates, and a political one names the meeting") {
  WorkingDayRules r;
  Blackout council{"Kommunestyret", {}, {}, 0, d(2027_y / 3 / 9), d(2027_y / 3 / 9), true};
  r.blackouts = {council};
  const WorkingCalendar cal(r);
  const auto why = cal.why_not_working(d(2027_y / 3 / 9));
  REQUIRE(why);
  CHECK(why->kind == NonWorkingReason::Kind::political_meeting);
  CHECK(why->describe() == "political meeting (Kommunestyret)");
  CHECK_FALSE(cal.why_not_working(d(2028_y / 3 / 9)));
  CHECK_FALSE(cal.why_not_working(d(2027_y / 3 / 10)));
}
