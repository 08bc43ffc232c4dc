// The calendar's own words in bokmål: weekday and month names, and a day
// written out as a municipal user reads it.
//
// They live here, below workflows/, because the calendar core names days
// itself (a weekend's NonWorkingReason is "lørdag" or "søndag") and must not
// depend on workflows/. Everything else a user reads is in
// workflows/vocabulary.h, which re-exports these: include that one.
// Holiday names stay with their table in calendars/holidays.cpp.
#pragma once

#include <string>
#include <string_view>

#include "calendars/time.h"

namespace arshjul {

// "mandag" … "søndag".
std::string_view norwegian_weekday(date::weekday day);

// "januar" for 1 … "desember" for 12.
std::string_view norwegian_month(unsigned month);

// "mandag 17. mai 2027"
std::string norwegian_date(LocalDays day);

}  // namespace arshjul
