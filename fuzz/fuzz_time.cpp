// Feeds the small text formats of the config and the API to their parsers:
// RRULEs (parse_local_rule, then a year's expansion), dates, month-days,
// clock times, durations, zone names and instants.
// None may crash, hang or throw; what parses must print back to text that
// parses to the same value, and a rule's days must lie in the asked range,
// in order.
#include <cstdint>

#include "calendars/recurrence.h"
#include "calendars/time.h"
#include "fuzz/fuzz_support.h"
#include "scheduler/clock.h"

using namespace arshjul;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text{reinterpret_cast<const char*>(data), size};

  if (auto d = parse_date(text)) {
    auto again = parse_date(format_date(*d));
    FUZZ_CHECK(again && *again == *d, format_date(*d));
  }
  if (auto t = parse_clock_time(text)) {
    auto again = parse_clock_time(format_clock(*t));
    FUZZ_CHECK(again && *again == *t, format_clock(*t));
  }
  if (auto t = parse_duration(text)) {
    FUZZ_CHECK(t->count() > 0, "a duration that is not positive");
    auto again = parse_duration(format_duration(*t));
    FUZZ_CHECK(again && *again == *t, format_duration(*t));
  }
  if (auto md = parse_month_day(text)) (void)in_year(*md, 2027);
  if (size < 64) (void)find_zone(text);
  (void)parse_instant(text);

  const LocalDays since{date::year{2027} / 1 / 1};
  if (auto rule = parse_local_rule(text, since)) {
    const LocalDays from{date::year{2027} / 1 / 1}, to{date::year{2027} / 12 / 31};
    const auto days = expand(*rule, from, to);
    for (std::size_t i = 0; i < days.size(); ++i) {
      FUZZ_CHECK(days[i] >= from && days[i] <= to, rule->rrule + ": " + format_date(days[i]));
      FUZZ_CHECK(i == 0 || days[i - 1] < days[i], rule->rrule + ": out of order at " + format_date(days[i]));
    }
    // Normalised, the rule means the same.
    auto again = parse_local_rule(rule->rrule, since);
    FUZZ_CHECK(again && again->rrule == rule->rrule, rule->rrule);
  }
  return 0;
}
