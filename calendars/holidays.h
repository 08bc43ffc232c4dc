// Norwegian public holidays (helligdager) and the municipal half days.
//
// Twelve holidays a year: 1 January; Maundy Thursday, Good Friday, Easter
// Sunday and Monday; 1 May; 17 May; Ascension Day; Whit Sunday and Monday;
// 25 and 26 December. Easter by the Gregorian computus, valid 1900-2200.
#pragma once

#include <string_view>
#include <vector>

#include "calendars/time.h"

namespace arshjul {

struct Holiday {
  LocalDays day;
  std::string_view name;  // Norwegian, e.g. "Grunnlovsdag"
};

LocalDays easter_sunday(int year);

// The twelve holidays of a year, in date order.
std::vector<Holiday> norwegian_public_holidays(int year);

// The holiday on a day, or nullptr.
const char* norwegian_holiday_name(LocalDays day);

// The half day on a day (work ends 12:00), or nullptr: the Wednesday before
// Maundy Thursday, 24 December and 31 December.
const char* norwegian_half_day_name(LocalDays day);

}  // namespace arshjul
