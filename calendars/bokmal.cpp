#include "calendars/bokmal.h"

#include <array>

namespace arshjul {

std::string_view norwegian_weekday(date::weekday day) {
  static constexpr std::array<std::string_view, 7> days{"søndag", "mandag", "tirsdag", "onsdag",
                                                        "torsdag", "fredag", "lørdag"};
  return days[day.c_encoding() % 7];
}

std::string_view norwegian_month(unsigned month) {
  static constexpr std::array<std::string_view, 12> months{"januar", "februar", "mars", "april", "mai", "juni",
                                                           "juli", "august", "september", "oktober", "november",
                                                           "desember"};
  return months[(month - 1) % 12];
}

std::string norwegian_date(LocalDays day) {
  const date::year_month_day ymd{day};
  return std::string(norwegian_weekday(date::weekday{day})) + " " + std::to_string(static_cast<unsigned>(ymd.day())) +
         ". " + std::string(norwegian_month(static_cast<unsigned>(ymd.month()))) + " " +
         std::to_string(static_cast<int>(ymd.year()));
}

}  // namespace arshjul
