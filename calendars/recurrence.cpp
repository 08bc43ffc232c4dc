#include "calendars/recurrence.h"

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <libical/ical.h>

namespace arshjul {
namespace {

constexpr std::array<std::string_view, 11> kAllowedParts{
    "FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY",
    "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST"};

icaltimetype to_ical_date(LocalDays day) {
  const date::year_month_day ymd{day};
  icaltimetype t = icaltime_null_date();
  t.year = static_cast<int>(ymd.year());
  t.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  t.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  // icaltime_null_date() leaves the time fields at -1, which throws off
  // libical's INTERVAL arithmetic; a DATE must read as midnight.
  t.hour = t.minute = t.second = 0;
  t.is_date = 1;
  return t;
}

LocalDays from_ical(const icaltimetype& t) {
  return LocalDays{date::year{t.year} / date::month{static_cast<unsigned>(t.month)} /
                   date::day{static_cast<unsigned>(t.day)}};
}

struct IteratorFree {
  void operator()(icalrecur_iterator* it) const { icalrecur_iterator_free(it); }
};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

bool is_int(std::string_view v, int lo, int hi, bool signed_ok) {
  if (signed_ok && !v.empty() && (v[0] == '+' || v[0] == '-')) v.remove_prefix(1);
  if (v.empty() || v.size() > 3) return false;
  int n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  return n >= lo && n <= hi;
}

constexpr std::array<std::string_view, 7> kWeekdays{"MO", "TU", "WE", "TH", "FR", "SA", "SU"};

bool is_weekday(std::string_view v) {
  for (auto d : kWeekdays)
    if (v == d) return true;
  return false;
}

// [+-][1-53]MO: a weekday, maybe with its place in the month or year.
bool is_byday(std::string_view v) {
  if (v.size() < 2 || !is_weekday(v.substr(v.size() - 2))) return false;
  const std::string_view n = v.substr(0, v.size() - 2);
  return n.empty() || is_int(n, 1, 53, true);
}

template <class F>
bool each_item(std::string_view list, F&& ok) {
  for (std::size_t start = 0;;) {
    const std::size_t end = std::min(list.find(',', start), list.size());
    if (!ok(list.substr(start, end - start))) return false;
    if (end == list.size()) return true;
    start = end + 1;
  }
}

// "1-6,8-12" written out, for the message about a range: "1,2,3,4,5,6,8,...".
std::optional<std::string> ranges_written_out(std::string_view list, int lo, int hi) {
  std::string out;
  bool had_range = false;
  const bool ok = each_item(list, [&](std::string_view item) {
    const auto dash = item.find('-');
    std::string_view a = item.substr(0, dash), b = dash == std::string_view::npos ? a : item.substr(dash + 1);
    if (!is_int(a, lo, hi, false) || !is_int(b, lo, hi, false)) return false;
    had_range = had_range || dash != std::string_view::npos;
    for (int n = std::stoi(std::string(a)); n <= std::stoi(std::string(b)); ++n)
      out += (out.empty() ? "" : ",") + std::to_string(n);
    return true;
  });
  if (!ok || !had_range) return std::nullopt;
  return out;
}

// What a part's value must look like, when it does not: the part, the
// expected form and an example, so a user can fix it without the RFC.
std::optional<std::string> check_part_value(std::string_view name, std::string_view value) {
  const std::string part = std::string(name) + "=" + std::string(value);
  const auto numbers = [&](int lo, int hi, bool signed_ok, const std::string& what) -> std::optional<std::string> {
    if (each_item(value, [&](std::string_view v) { return is_int(v, lo, hi, signed_ok); })) return std::nullopt;
    std::string msg = "rule part " + part + ": expected " + what;
    if (auto written = ranges_written_out(value, lo, hi))
      msg += "; RRULE has no ranges such as 1-6, so write " + std::string(name) + "=" + *written;
    return msg;
  };
  if (name == "INTERVAL" || name == "COUNT") {
    if (is_int(value, 1, 999, false)) return std::nullopt;
    return "rule part " + part + ": expected a whole number from 1 (" + std::string(name) + "=2)";
  }
  if (name == "BYMONTH") return numbers(1, 12, false, "months 1-12 separated by commas (BYMONTH=2,5,9,11)");
  if (name == "BYMONTHDAY")
    return numbers(1, 31, true, "days of the month 1-31 separated by commas, -1 for the last (BYMONTHDAY=15)");
  if (name == "BYSETPOS")
    return numbers(1, 366, true, "positions in the set separated by commas, -1 for the last (BYSETPOS=1)");
  if (name == "BYWEEKNO") return numbers(1, 53, true, "ISO weeks 1-53 separated by commas (BYWEEKNO=2,36)");
  if (name == "BYYEARDAY") return numbers(1, 366, true, "days of the year 1-366 separated by commas (BYYEARDAY=1)");
  if (name == "BYDAY") {
    if (each_item(value, is_byday)) return std::nullopt;
    return "rule part " + part +
           ": expected weekdays MO, TU, WE, TH, FR, SA, SU separated by commas, each maybe with its place in front "
           "(1MO the first Monday, -1FR the last Friday, 3WE the third Wednesday)";
  }
  if (name == "WKST") {
    if (is_weekday(value)) return std::nullopt;
    return "rule part " + part + ": expected a weekday MO, TU, WE, TH, FR, SA or SU";
  }
  if (name == "UNTIL") {
    const auto digits = [&](std::size_t from, std::size_t n) {
      return std::all_of(value.begin() + static_cast<std::ptrdiff_t>(from),
                         value.begin() + static_cast<std::ptrdiff_t>(from + n), [](char c) { return c >= '0' && c <= '9'; });
    };
    const bool date_only = value.size() == 8 && digits(0, 8);
    const bool date_time = value.size() == 16 && digits(0, 8) && value[8] == 'T' && digits(9, 6) && value.back() == 'Z';
    if (date_only || date_time) return std::nullopt;
    return "rule part " + part + ": expected the last date as YYYYMMDD (UNTIL=20281231)";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> rule_for_words(std::string_view text) {
  std::vector<std::string> words;
  std::string w;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == ',' || c == '.') {
      if (!w.empty()) words.push_back(std::move(w));
      w.clear();
    } else {
      w += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
  }
  if (!w.empty()) words.push_back(std::move(w));
  struct Word {
    std::string_view word;
    std::string_view code;
  };
  static constexpr Word kDays[] = {
      {"monday", "MO"},   {"mondays", "MO"},   {"mandag", "MO"},   {"mandager", "MO"},  {"tuesday", "TU"},
      {"tuesdays", "TU"}, {"tirsdag", "TU"},   {"tirsdager", "TU"}, {"wednesday", "WE"}, {"wednesdays", "WE"},
      {"onsdag", "WE"},   {"onsdager", "WE"},  {"thursday", "TH"}, {"thursdays", "TH"}, {"torsdag", "TH"},
      {"torsdager", "TH"}, {"friday", "FR"},   {"fridays", "FR"},  {"fredag", "FR"},    {"fredager", "FR"}};
  static constexpr Word kPlaces[] = {{"first", "1"},  {"første", "1"}, {"1st", "1"},    {"second", "2"}, {"andre", "2"},
                                     {"2nd", "2"},    {"third", "3"},  {"tredje", "3"}, {"3rd", "3"},    {"fourth", "4"},
                                     {"fjerde", "4"}, {"4th", "4"},    {"last", "-1"},  {"siste", "-1"}};
  std::string day, place;
  bool every_other = false, week = false, month = false, year = false;
  for (const auto& word : words) {
    for (const auto& d : kDays)
      if (word == d.word) day = d.code;
    for (const auto& p : kPlaces)
      if (word == p.word) place = p.code;
    every_other = every_other || word == "annenhver" || word == "other" || word == "fortnightly";
    week = week || word == "week" || word == "weeks" || word == "uke" || word == "weekly" || word == "ukentlig";
    month = month || word == "month" || word == "monthly" || word == "måned" || word == "måneden" ||
            word == "månedlig" || word == "mnd";
    year = year || word == "year" || word == "yearly" || word == "annually" || word == "år" || word == "året" ||
           word == "årlig";
  }
  // "every second week" / "annenhver uke" without a place is a fortnight, not the second of the month.
  if (place == "2" && week && !month) {
    every_other = true;
    place.clear();
  }
  if (!place.empty() && !day.empty() && !year) return "FREQ=MONTHLY;BYDAY=" + place + day;
  if (every_other) return "FREQ=WEEKLY;INTERVAL=2" + (day.empty() ? std::string() : ";BYDAY=" + day);
  if (!day.empty()) return "FREQ=WEEKLY;BYDAY=" + day;
  if (week) return "FREQ=WEEKLY";
  if (month) return "FREQ=MONTHLY";
  if (year) return "FREQ=YEARLY";
  return std::nullopt;
}

Expected<LocalRule> parse_local_rule(std::string_view text, LocalDays since) {
  const std::string rule = upper(text);
  if (rule.empty()) return Error{"the rule is empty (expected an RRULE such as \"FREQ=MONTHLY;BYDAY=1TU\")"};
  bool has_freq = false, has_count = false, has_until = false;
  std::size_t start = 0;
  while (start <= rule.size()) {
    const std::size_t end = std::min(rule.find(';', start), rule.size());
    const std::string_view part = std::string_view(rule).substr(start, end - start);
    const auto eq = part.find('=');
    if (part.empty() || eq == std::string_view::npos || eq == 0 || eq + 1 == part.size()) {
      if (rule.find('=') == std::string::npos)
        if (auto suggested = rule_for_words(text))
          return Error{"\"" + std::string(text) + "\" is not an RRULE; for that, write \"" + *suggested +
                       "\" (more in docs/config.md, \"Rules for everyday meetings\")"};
      return Error{"rule part \"" + std::string(part) + "\" is not NAME=VALUE (expected an RRULE such as "
                   "\"FREQ=MONTHLY;BYDAY=1TU\", the first Tuesday of every month)"};
    }
    const std::string_view name = part.substr(0, eq), value = part.substr(eq + 1);
    if (name == "BYHOUR" || name == "BYMINUTE" || name == "BYSECOND")
      return Error{"rule part " + std::string(name) + " is not allowed: the time of day comes from `start`"};
    bool known = false;
    for (auto p : kAllowedParts) known = known || p == name;
    if (!known)
      return Error{"unknown rule part \"" + std::string(name) +
                   "\" (expected FREQ, INTERVAL, COUNT, UNTIL, BYDAY, BYMONTHDAY, BYYEARDAY, BYWEEKNO, BYMONTH, "
                   "BYSETPOS or WKST)"};
    if (auto problem = check_part_value(name, value)) return Error{*problem};
    if (name == "FREQ") {
      if (value != "DAILY" && value != "WEEKLY" && value != "MONTHLY" && value != "YEARLY")
        return Error{"FREQ=" + std::string(value) + " is not supported (expected DAILY, WEEKLY, MONTHLY or YEARLY)"};
      has_freq = true;
    }
    has_count = has_count || name == "COUNT";
    has_until = has_until || name == "UNTIL";
    if (end == rule.size()) break;
    start = end + 1;
  }
  if (!has_freq) return Error{"the rule has no FREQ"};
  if (has_count && has_until) return Error{"a rule may have COUNT or UNTIL, not both"};

  icalerror_clear_errno();
  icalrecurrencetype r = icalrecurrencetype_from_string(rule.c_str());
  if (r.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) {
    icalerror_clear_errno();
    return Error{"\"" + std::string(text) + "\" is not a valid RRULE (RFC 5545)"};
  }
  if (r.interval < 1) return Error{"INTERVAL must be at least 1"};
  if (has_count && r.count < 1) return Error{"COUNT must be at least 1"};
  return LocalRule{rule, since, has_count};
}

std::vector<LocalDays> expand(const LocalRule& rule, LocalDays from, LocalDays to) {
  std::vector<LocalDays> out;
  if (to < from || to < rule.since) return out;
  icalrecurrencetype r = icalrecurrencetype_from_string(rule.rrule.c_str());
  if (!icaltime_is_null_time(r.until)) {
    // DTSTART is a DATE, so UNTIL must be one too (RFC 5545 3.3.10).
    r.until.is_date = 1;
    r.until.hour = r.until.minute = r.until.second = 0;
    r.until.zone = nullptr;
  }
  std::unique_ptr<icalrecur_iterator, IteratorFree> it(icalrecur_iterator_new(r, to_ical_date(rule.since)));
  if (!it) return out;
  // Jumping ahead is only defined without COUNT, which counts from DTSTART.
  if (!rule.has_count && from > rule.since) icalrecur_iterator_set_start(it.get(), to_ical_date(from));
  for (icaltimetype t = icalrecur_iterator_next(it.get()); !icaltime_is_null_time(t);
       t = icalrecur_iterator_next(it.get())) {
    const LocalDays day = from_ical(t);
    if (day > to) break;
    if (day >= from) out.push_back(day);
  }
  return out;
}

}  // namespace arshjul
