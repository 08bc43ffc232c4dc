#include <catch2/catch.hpp>

#include "calendars/political.h"

using namespace arshjul;
using namespace date::literals;

namespace {
const date::time_zone* oslo() { return date::locate_zone("Europe/Oslo"); }

std::string calendar(const std::string& events) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//NB\r\n" + events + "END:VCALENDAR\r\n";
}
}  // namespace

TEST_CASE("A møteplan's meetings become political blackouts named by SUMMARY, on their local days") {
  const auto r = read_political_calendar(
      calendar("BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20270309T230000Z\r\nDTEND:20270309T233000Z\r\n"
               "SUMMARY:Formannskapet\r\nEND:VEVENT\r\n"
               "BEGIN:VEVENT\r\nUID:b\r\nDTSTART;VALUE=DATE:20270614\r\nDTEND;VALUE=DATE:20270616\r\n"
               "SUMMARY:Kommunestyret\\, budsjett\r\nEND:VEVENT\r\n"),
      oslo());
  REQUIRE(r);
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].name == "Formannskapet");
  CHECK(*(*r)[0].first == LocalDays{2027_y / 3 / 10});  // 23:00 UTC is past midnight in Oslo
  CHECK((*r)[0].political);
  CHECK((*r)[1].name == "Kommunestyret, budsjett");
  CHECK(*(*r)[1].first == LocalDays{2027_y / 6 / 14});
  CHECK(*(*r)[1].last == LocalDays{2027_y / 6 / 15});  // DTEND of a date is exclusive
}

TEST_CASE("A political calendar event without SUMMARY is refused with its UID") {
  const auto r = read_political_calendar(
      calendar("BEGIN:VEVENT\r\nUID:uten-navn\r\nDTSTART;VALUE=DATE:20270614\r\nEND:VEVENT\r\n"), oslo());
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error(), Catch::Contains("uten-navn") && Catch::Contains("SUMMARY"));
  CHECK_FALSE(read_political_calendar("not a calendar", oslo()));
}
