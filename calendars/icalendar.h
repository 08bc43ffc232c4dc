// iCalendar (RFC 5545) text for subscription feeds and exports.
//
// Output is what Outlook, Google, Apple Calendar and Thunderbird accept:
// CRLF line ends, lines folded at 75 octets without splitting a UTF-8
// sequence, escaped TEXT values, and a compact VTIMEZONE we write ourselves
// from the zone's current rules (libical's built-in one carries a century
// of history and a TZID prefix that Outlook does not map).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "calendars/time.h"

namespace arshjul {

struct CalendarEvent {
  enum class Status { confirmed, tentative, cancelled };

  std::string uid;
  SysSeconds stamp{};           // DTSTAMP
  SysSeconds last_modified{};   // LAST-MODIFIED; omitted when zero
  int sequence = 0;
  Status status = Status::confirmed;

  bool all_day = false;
  SysSeconds start{}, end{};    // timed: instants, written in the calendar's zone
  LocalDays first_day{}, last_day{};  // all-day: inclusive days

  std::string summary;
  std::string description;
  std::string location;
  std::string url;
  std::vector<std::string> categories;
  bool transparent = false;     // does not block free/busy (windows, deadlines)

  // A timed event over several days (a two-day gathering): written as one
  // VEVENT per day with that day's UID, times and summary, and everything
  // else shared. Empty: one VEVENT from start to end.
  struct Day {
    std::string uid;
    SysSeconds start{}, end{};
    std::string summary;
    bool operator==(const Day&) const = default;
  };
  std::vector<Day> days;

  bool operator==(const CalendarEvent&) const = default;
};

// Who publishes the events: RFC 5546 requires ORGANIZER in every VEVENT of a
// METHOD:PUBLISH calendar. Written as ORGANIZER;CN="name":mailto:email.
struct CalendarOrganizer {
  std::string name;   // CN; may not hold '"' (a quoted parameter value cannot)
  std::string email;  // empty: no ORGANIZER is written
};

struct CalendarHeader {
  std::string prodid = "-//arshjul//arshjul//NB";
  std::string name;             // NAME and X-WR-CALNAME
  std::string description;      // X-WR-CALDESC; omitted when empty
  Seconds refresh_interval{0};  // REFRESH-INTERVAL and X-PUBLISHED-TTL; omitted when zero
  CalendarOrganizer organizer;  // in every VEVENT
};

// A whole VCALENDAR with one VTIMEZONE for `zone`.
std::string render_calendar(const CalendarHeader& header, const date::time_zone* zone,
                            std::span<const CalendarEvent> events);

// The VEVENTs render_calendar writes for `events`, alone: what a calendar
// holds of them, without its header and VTIMEZONE.
std::string render_events(const CalendarOrganizer& organizer, const date::time_zone* zone,
                          std::span<const CalendarEvent> events);

// The VTIMEZONE component for `zone` as its rules stand in `year`.
std::string render_vtimezone(const date::time_zone* zone, int year);

// RFC 5545 TEXT escaping: backslash, semicolon, comma, newline.
std::string escape_text(std::string_view text);

// Appends `line` folded at 75 octets, each physical line ended by CRLF.
void append_folded(std::string& out, std::string_view line);

}  // namespace arshjul
