#include "calendars/holidays.h"

#include <algorithm>

namespace arshjul {

LocalDays easter_sunday(int year) {
  // Anonymous Gregorian algorithm (Meeus/Jones/Butcher).
  const int a = year % 19, b = year / 100, c = year % 100;
  const int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4, k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = (h + l - 7 * m + 114) % 31 + 1;
  return LocalDays{date::year{year} / date::month{static_cast<unsigned>(month)} /
                   date::day{static_cast<unsigned>(day)}};
}

std::vector<Holiday> norwegian_public_holidays(int year) {
  using date::days;
  const LocalDays easter = easter_sunday(year);
  auto fixed = [year](unsigned m, unsigned d) {
    return LocalDays{date::year{year} / date::month{m} / date::day{d}};
  };
  std::vector<Holiday> out{
      {fixed(1, 1), "1. nyttårsdag"},
      {easter - days{3}, "Skjærtorsdag"},
      {easter - days{2}, "Langfredag"},
      {easter, "1. påskedag"},
      {easter + days{1}, "2. påskedag"},
      {fixed(5, 1), "Offentlig høytidsdag"},
      {fixed(5, 17), "Grunnlovsdag"},
      {easter + days{39}, "Kristi himmelfartsdag"},
      {easter + days{49}, "1. pinsedag"},
      {easter + days{50}, "2. pinsedag"},
      {fixed(12, 25), "1. juledag"},
      {fixed(12, 26), "2. juledag"},
  };
  // Ascension can coincide with 1 or 17 May; keep date order, both names stay.
  std::stable_sort(out.begin(), out.end(),
                   [](const Holiday& x, const Holiday& y) { return x.day < y.day; });
  return out;
}

const char* norwegian_holiday_name(LocalDays day) {
  const date::year_month_day ymd{day};
  const unsigned m = static_cast<unsigned>(ymd.month()), d = static_cast<unsigned>(ymd.day());
  if (m == 1 && d == 1) return "1. nyttårsdag";
  if (m == 5 && d == 1) return "Offentlig høytidsdag";
  if (m == 5 && d == 17) return "Grunnlovsdag";
  if (m == 12 && d == 25) return "1. juledag";
  if (m == 12 && d == 26) return "2. juledag";
  // Easter-dependent holidays fall between 19 March (Maundy Thursday) and
  // 14 June (Whit Monday); skip the computus outside that range.
  if (m < 3 || m > 6) return nullptr;
  const auto offset = (day - easter_sunday(static_cast<int>(ymd.year()))).count();
  switch (offset) {
    case -3: return "Skjærtorsdag";
    case -2: return "Langfredag";
    case 0: return "1. påskedag";
    case 1: return "2. påskedag";
    case 39: return "Kristi himmelfartsdag";
    case 49: return "1. pinsedag";
    case 50: return "2. pinsedag";
    default: return nullptr;
  }
}

const char* norwegian_half_day_name(LocalDays day) {
  const date::year_month_day ymd{day};
  const unsigned m = static_cast<unsigned>(ymd.month()), d = static_cast<unsigned>(ymd.day());
  if (m == 12 && d == 24) return "Julaften";
  if (m == 12 && d == 31) return "Nyttårsaften";
  if (m == 3 || m == 4) {
    if ((day - easter_sunday(static_cast<int>(ymd.year()))).count() == -4) return "Onsdag før skjærtorsdag";
  }
  return nullptr;
}

}  // namespace arshjul
