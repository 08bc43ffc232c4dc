// The political meeting calendar (kommunestyre, formannskap, hovedutvalg)
// read from an iCalendar file, as municipalities publish their møteplan.
//
// Every VEVENT that is not cancelled becomes a political Blackout over the
// local days it covers, named by its SUMMARY ("Kommunestyret"), so the
// municipality's own meetings avoid those days and say why. Parsed with
// libical; pure (the caller reads the file). Thread-safe: no shared state.
#pragma once

#include <string_view>
#include <vector>

#include "calendars/expected.h"
#include "calendars/working_days.h"

namespace arshjul {

// The meetings of an iCalendar text, in date order. Timed events count on
// the local day (in `zone`) of their start through that of their end (an
// end at midnight does not count the day it begins); all-day events on
// DTSTART up to, not including, DTEND. An RRULE is refused (a møteplan
// lists each meeting), as are a missing DTSTART or SUMMARY; the error names
// the event by UID or SUMMARY and says what was expected.
Expected<std::vector<Blackout>> read_political_calendar(std::string_view ics, const date::time_zone* zone);

}  // namespace arshjul
