// Local wall time in a named zone, and the small time formats of the config.
//
// Rules are written in the organisation's wall time; instants are UTC
// seconds. A wall time in a spring-forward gap moves forward by the gap
// (02:30 on 29 March 2026 in Oslo is 03:30 CEST); an ambiguous wall time
// in the autumn overlap takes the earlier instant (02:30 CEST).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <date/date.h>
#include <date/tz.h>

#include "calendars/expected.h"

namespace arshjul {

using Seconds = std::chrono::seconds;
using SysSeconds = date::sys_seconds;
using LocalSeconds = date::local_seconds;
using LocalDays = date::local_days;

// A month and day that recur every year ("07-01").
struct MonthDay {
  unsigned month = 1;
  unsigned day = 1;
  friend bool operator==(const MonthDay&, const MonthDay&) = default;
  friend auto operator<=>(const MonthDay&, const MonthDay&) = default;
};

// The UTC instant of a local wall time, resolving gaps and overlaps as above.
SysSeconds to_utc(LocalSeconds local, const date::time_zone* zone);

// The local wall time of a UTC instant.
LocalSeconds to_local(SysSeconds instant, const date::time_zone* zone);

// The zone's database lists transitions up to this year only (Debian's
// date-tz ignores the rule that continues them), so later times are read
// with the rules of a year 28 years earlier: same weekdays, same leap days.
inline constexpr int kLastListedYear = 2037;

// The zone by IANA name, or an error naming it.
Expected<const date::time_zone*> find_zone(std::string_view name);

// "09:00" → 9 h. Hours 00-23, minutes 00-59.
Expected<Seconds> parse_clock_time(std::string_view text);

// "2h", "90m", "1h30m", "2d", "1w" → seconds. Positive, at most
// kMaxDurationHours, so that what format_duration writes reads back.
inline constexpr long long kMaxDurationHours = 100000;
Expected<Seconds> parse_duration(std::string_view text);

// "2027-05-17" → that day.
Expected<LocalDays> parse_date(std::string_view text);

// "05-17" → every 17 May. 02-29 is refused: it would vanish in most years.
Expected<MonthDay> parse_month_day(std::string_view text);

// The day a MonthDay falls on in a year.
LocalDays in_year(MonthDay md, int year);

// Formatting helpers used by the CLI and feeds.
std::string format_date(LocalDays day);                 // 2027-05-17
std::string format_clock(Seconds since_midnight);       // 09:00
std::string format_duration(Seconds d);                 // 1h30m
std::string weekday_name(LocalDays day);                // Mon
std::string month_day_name(LocalDays day);              // 17 May

}  // namespace arshjul
