#include <catch2/catch.hpp>

#include "calendars/icalendar.h"

using namespace arshjul;
using namespace date::literals;
using namespace std::chrono_literals;

namespace {
std::vector<std::string> physical_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    auto end = s.find("\r\n", start);
    REQUIRE(end != std::string::npos);
    out.push_back(s.substr(start, end - start));
    start = end + 2;
  }
  return out;
}

bool valid_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}
}  // namespace

TEST_CASE("Folding keeps every physical line within 75 octets and never splits æ, ø, å") {
  for (std::size_t prefix = 0; prefix < 8; ++prefix) {
    std::string line = "SUMMARY:" + std::string(prefix, 'x');
    for (int i = 0; i < 60; ++i) line += "æøå";
    std::string out;
    append_folded(out, line);
    std::string unfolded;
    for (const auto& l : physical_lines(out)) {
      CHECK(l.size() <= 75);
      CHECK(valid_utf8(l));
      unfolded += l.empty() || l[0] != ' ' ? l : l.substr(1);
    }
    CHECK(unfolded == line);
  }
}

TEST_CASE("Short lines are not folded and end in CRLF") {
  std::string out;
  append_folded(out, "UID:a");
  CHECK(out == "UID:a\r\n");
}

TEST_CASE("TEXT values escape backslash, semicolon, comma and newline") {
  CHECK(escape_text("a\\b;c,d\ne\r") == "a\\\\b\\;c\\,d\\ne");
}

TEST_CASE("The Oslo VTIMEZONE is compact: CET/CEST on the last Sundays of March and October") {
  const std::string tz = render_vtimezone(date::locate_zone("Europe/Oslo"), 2027);
  CHECK(tz.find("TZID:Europe/Oslo\r\n") != std::string::npos);
  CHECK(tz.find("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU") != std::string::npos);
  CHECK(tz.find("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU") != std::string::npos);
  CHECK(tz.find("DTSTART:19700329T020000") != std::string::npos);
  CHECK(tz.find("DTSTART:19701025T030000") != std::string::npos);
  CHECK(tz.find("TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST") != std::string::npos);
  CHECK(tz.find("freeassociation") == std::string::npos);
  CHECK(tz.size() < 500);
}

TEST_CASE("A calendar writes timed events in the zone and all-day events as dates") {
  CalendarEvent timed;
  timed.uid = "a@x";
  timed.stamp = SysSeconds{date::sys_days{2027_y / 1 / 1}};
  timed.start = SysSeconds{date::sys_days{2027_y / 6 / 1}} + 7h;  // 09:00 CEST
  timed.end = timed.start + 2h;
  timed.summary = "Drøfting, budsjett";
  CalendarEvent window;
  window.uid = "b@x";
  window.all_day = true;
  window.first_day = LocalDays{2027_y / 1 / 15};
  window.last_day = LocalDays{2027_y / 4 / 30};
  window.transparent = true;
  window.status = CalendarEvent::Status::cancelled;
  const std::vector<CalendarEvent> events{timed, window};
  CalendarHeader h;
  h.name = "Røros";
  const std::string ics = render_calendar(h, date::locate_zone("Europe/Oslo"), events);
  CHECK(ics.find("DTSTART;TZID=Europe/Oslo:20270601T090000\r\n") != std::string::npos);
  CHECK(ics.find("DTEND;TZID=Europe/Oslo:20270601T110000\r\n") != std::string::npos);
  CHECK(ics.find("SUMMARY:Drøfting\\, budsjett\r\n") != std::string::npos);
  CHECK(ics.find("DTSTART;VALUE=DATE:20270115\r\nDTEND;VALUE=DATE:20270501\r\n") != std::string::npos);
  CHECK(ics.find("STATUS:CANCELLED") != std::string::npos);
  CHECK(ics.find("TRANSP:TRANSPARENT") != std::string::npos);
  CHECK(ics.rfind("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", 0) == 0);
  CHECK(ics.size() > 2);
  CHECK(ics.substr(ics.size() - 15) == "END:VCALENDAR\r\n");
}

TEST_CASE("The VTIMEZONE keeps summer time for years past the tz database's last listed transition") {
  const std::string tz = render_vtimezone(date::locate_zone("Europe/Oslo"), 2040);
  CHECK(tz.find("BEGIN:DAYLIGHT") != std::string::npos);
  CHECK(tz.find("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU") != std::string::npos);
}

TEST_CASE("Every event names the organizer with its CN, as RFC 5546 requires under METHOD:PUBLISH") {
  CalendarEvent a, b;
  a.uid = "a@x";
  b.uid = "b@x";
  b.status = CalendarEvent::Status::cancelled;
  const std::vector<CalendarEvent> events{a, b};
  CalendarHeader h;
  h.organizer = {"HR-avdelingen, Røros kommune", "hr@roros.kommune.no"};
  const std::string ics = render_calendar(h, date::locate_zone("Europe/Oslo"), events);
  const std::string line = "ORGANIZER;CN=\"HR-avdelingen, Røros kommune\":mailto:hr@roros.kommune.no\r\n";
  const auto first = ics.find(line);
  REQUIRE(first != std::string::npos);
  CHECK(ics.find(line, first + 1) != std::string::npos);  // in both events
  CHECK(render_calendar({}, date::locate_zone("Europe/Oslo"), events).find("ORGANIZER") == std::string::npos);
}
