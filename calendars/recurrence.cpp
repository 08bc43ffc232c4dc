#include "calendars/recurrence.h"

#include <array>
#include <memory>

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

}  // namespace

Expected<LocalRule> parse_local_rule(std::string_view text, LocalDays since) {
  const std::string rule = upper(text);
  if (rule.empty()) return Error{"the rule is empty (expected an RRULE such as \"FREQ=MONTHLY;BYDAY=1TU\")"};
  bool has_freq = false, has_count = false, has_until = false;
  std::size_t start = 0;
  while (start <= rule.size()) {
    const std::size_t end = std::min(rule.find(';', start), rule.size());
    const std::string_view part = std::string_view(rule).substr(start, end - start);
    const auto eq = part.find('=');
    if (part.empty() || eq == std::string_view::npos || eq == 0 || eq + 1 == part.size())
      return Error{"rule part \"" + std::string(part) + "\" is not NAME=VALUE"};
    const std::string_view name = part.substr(0, eq), value = part.substr(eq + 1);
    if (name == "BYHOUR" || name == "BYMINUTE" || name == "BYSECOND")
      return Error{"rule part " + std::string(name) + " is not allowed: the time of day comes from `start`"};
    bool known = false;
    for (auto p : kAllowedParts) known = known || p == name;
    if (!known) return Error{"unknown rule part \"" + std::string(name) + "\""};
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
