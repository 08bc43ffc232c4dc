#include "calendars/time.h"

#include <array>
#include <charconv>
#include <cstdio>

namespace arshjul {
namespace {

bool parse_uint(std::string_view s, unsigned& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

}  // namespace

namespace {

// How far back to read a day's rules: whole 28-year cycles past kLastListedYear.
date::days cycle_shift(LocalDays day) {
  const date::year_month_day ymd{day};
  const int y = static_cast<int>(ymd.year());
  if (y <= kLastListedYear) return date::days{0};
  const int cycles = (y - kLastListedYear + 27) / 28;
  // 28 years keep leap years aligned up to 2099; past that, 29 February falls back to the 28th.
  const date::year earlier_year = ymd.year() - date::years{28 * cycles};
  date::year_month_day earlier{earlier_year, ymd.month(), ymd.day()};
  if (!earlier.ok()) earlier = date::year_month_day{earlier_year / ymd.month() / date::last};
  return day - LocalDays{earlier};
}

}  // namespace

LocalSeconds to_local(SysSeconds t, const date::time_zone* zone) {
  const date::days shift = cycle_shift(LocalDays{date::floor<date::days>(t).time_since_epoch()});
  const date::sys_info info = zone->get_info(t - shift);
  return LocalSeconds{t.time_since_epoch() + info.offset};
}

SysSeconds to_utc(LocalSeconds in, const date::time_zone* zone) {
  const date::days shift = cycle_shift(date::floor<date::days>(in));
  const LocalSeconds local = in - shift;
  const date::local_info info = zone->get_info(local);
  switch (info.result) {
    case date::local_info::unique:
    case date::local_info::ambiguous:  // first is the earlier instant
      return SysSeconds{in.time_since_epoch() - info.first.offset};
    case date::local_info::nonexistent:
      // Moving forward by the gap is the same as reading the wall time with
      // the offset that was in force before the gap.
      return SysSeconds{in.time_since_epoch() - info.first.offset};
  }
  return SysSeconds{in.time_since_epoch() - info.first.offset};
}

Expected<const date::time_zone*> find_zone(std::string_view name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return Error{"unknown time zone \"" + std::string(name) +
                 "\" (expected an IANA name such as \"Europe/Oslo\")"};
  }
}

Expected<Seconds> parse_clock_time(std::string_view text) {
  unsigned h = 0, m = 0;
  if (text.size() != 5 || text[2] != ':' || !all_digits(text.substr(0, 2)) ||
      !all_digits(text.substr(3, 2)) || !parse_uint(text.substr(0, 2), h) ||
      !parse_uint(text.substr(3, 2), m) || h > 23 || m > 59)
    return Error{"expected a time of day as HH:MM (00:00-23:59), got \"" + std::string(text) + "\""};
  return Seconds{h * 3600 + m * 60};
}

Expected<Seconds> parse_duration(std::string_view text) {
  const std::string bad = "expected a duration such as \"90m\", \"2h\", \"1h30m\", \"2d\" or \"1w\", got \"" +
                          std::string(text) + "\"";
  if (text.empty()) return Error{bad};
  long long total = 0;
  std::size_t i = 0;
  char last_unit = 0;
  const std::string_view order = "wdhm";
  while (i < text.size()) {
    std::size_t j = i;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    if (j == i || j == text.size()) return Error{bad};
    unsigned n = 0;
    if (!parse_uint(text.substr(i, j - i), n) || n > 100000) return Error{bad};
    const char unit = text[j];
    const auto pos = order.find(unit);
    if (pos == std::string_view::npos) return Error{bad};
    if (last_unit && order.find(last_unit) >= pos) return Error{bad};  // "30m1h" or "1h1h"
    last_unit = unit;
    static constexpr std::array<long long, 4> scale{7 * 86400, 86400, 3600, 60};
    total += static_cast<long long>(n) * scale[pos];
    i = j + 1;
  }
  if (total <= 0) return Error{bad};
  // At most 100000h, so format_duration's "…h" reads back (each number is at most 100000).
  if (total > kMaxDurationHours * 3600)
    return Error{"expected a duration of at most " + std::to_string(kMaxDurationHours) + "h (about 11 years), got \"" +
                 std::string(text) + "\""};
  return Seconds{total};
}

Expected<LocalDays> parse_date(std::string_view text) {
  unsigned y = 0, m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !all_digits(text.substr(0, 4)) ||
      !parse_uint(text.substr(0, 4), y) || !all_digits(text.substr(5, 2)) ||
      !parse_uint(text.substr(5, 2), m) || !all_digits(text.substr(8, 2)) ||
      !parse_uint(text.substr(8, 2), d))
    return Error{"expected a date as YYYY-MM-DD, got \"" + std::string(text) + "\""};
  const date::year_month_day ymd{date::year{static_cast<int>(y)}, date::month{m}, date::day{d}};
  if (!ymd.ok() || y < 1900 || y > 2200)
    return Error{"\"" + std::string(text) + "\" is not a calendar date between 1900 and 2200"};
  return LocalDays{ymd};
}

Expected<MonthDay> parse_month_day(std::string_view text) {
  unsigned m = 0, d = 0;
  if (text.size() != 5 || text[2] != '-' || !all_digits(text.substr(0, 2)) ||
      !parse_uint(text.substr(0, 2), m) || !all_digits(text.substr(3, 2)) ||
      !parse_uint(text.substr(3, 2), d))
    return Error{"expected a day of the year as MM-DD, got \"" + std::string(text) + "\""};
  // 2000 is a leap year, so this accepts every day that exists in some year.
  const date::year_month_day ymd{date::year{2000}, date::month{m}, date::day{d}};
  if (!ymd.ok()) return Error{"\"" + std::string(text) + "\" is not a day of the year"};
  if (m == 2 && d == 29) return Error{"\"02-29\" exists only in leap years; use 02-28 or 03-01"};
  return MonthDay{m, d};
}

LocalDays in_year(MonthDay md, int year) {
  return LocalDays{date::year{year} / date::month{md.month} / date::day{md.day}};
}

std::string format_date(LocalDays day) {
  return date::format("%F", day);
}

std::string format_clock(Seconds s) {
  char buf[8];
  const auto m = s.count() / 60;
  std::snprintf(buf, sizeof buf, "%02lld:%02lld", static_cast<long long>(m / 60 % 100),
                static_cast<long long>(m % 60));
  return buf;
}

std::string format_duration(Seconds d) {
  auto s = d.count();
  std::string out;
  if (s >= 86400 && s % 3600 == 0 && s / 86400 * 86400 == s) return std::to_string(s / 86400) + "d";
  if (s >= 3600) out += std::to_string(s / 3600) + "h";
  if (s % 3600 >= 60) out += std::to_string(s % 3600 / 60) + "m";
  return out.empty() ? "0m" : out;
}

std::string weekday_name(LocalDays day) {
  static constexpr std::array<const char*, 7> names{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  return names[date::weekday{day}.c_encoding()];
}

std::string month_day_name(LocalDays day) {
  static constexpr std::array<const char*, 12> names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const date::year_month_day ymd{day};
  return std::to_string(static_cast<unsigned>(ymd.day())) + " " +
         names[static_cast<unsigned>(ymd.month()) - 1];
}

}  // namespace arshjul
