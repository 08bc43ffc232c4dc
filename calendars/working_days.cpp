#include "calendars/working_days.h"

#include <algorithm>

#include <date/iso_week.h>

#include "calendars/bokmal.h"
#include "calendars/holidays.h"

namespace arshjul {

bool Blackout::contains(LocalDays day) const {
  if (first) return *first <= day && day <= last.value_or(*first);
  if (iso_week != 0) {
    const iso_week::year_weeknum_weekday iso{date::sys_days{day.time_since_epoch()}};
    return static_cast<unsigned>(iso.weeknum()) == iso_week;
  }
  const date::year_month_day ymd{day};
  const MonthDay md{static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day())};
  if (from <= to) return from <= md && md <= to;
  return md >= from || md <= to;  // crosses New Year
}

std::string NonWorkingReason::describe() const {
  switch (kind) {
    case Kind::weekend: return "weekend";
    case Kind::public_holiday: return "public holiday (" + name + ")";
    case Kind::blackout: return "blackout (" + name + ")";
    case Kind::half_day: return "half day, work ends 12:00 (" + name + ")";
    case Kind::political_meeting: return "political meeting (" + name + ")";
  }
  return name;
}

WorkingCalendar::WorkingCalendar(WorkingDayRules rules) : rules_(std::move(rules)) {}

std::optional<NonWorkingReason> WorkingCalendar::why_not_working(LocalDays day, bool ends_after_noon,
                                                                 bool respect_blackouts) const {
  using K = NonWorkingReason::Kind;
  if (rules_.public_holidays) {
    if (const char* h = norwegian_holiday_name(day)) return NonWorkingReason{K::public_holiday, h};
  }
  const date::weekday wd{day};
  if (wd == date::Saturday || wd == date::Sunday) return NonWorkingReason{K::weekend, std::string(norwegian_weekday(wd))};
  if (respect_blackouts) {
    for (const auto& b : rules_.blackouts)
      if (b.contains(day)) return NonWorkingReason{b.political ? K::political_meeting : K::blackout, b.name};
  }
  if (rules_.half_days && ends_after_noon) {
    if (const char* h = norwegian_half_day_name(day)) return NonWorkingReason{K::half_day, h};
  }
  return std::nullopt;
}

Placement WorkingCalendar::place(LocalDays day, HolidayPolicy policy, bool ends_after_noon,
                                 bool respect_blackouts) const {
  return place_days(day, 1, policy, ends_after_noon, respect_blackouts);
}

Placement WorkingCalendar::place_days(LocalDays first, int days, HolidayPolicy policy, bool ends_after_noon,
                                      bool respect_blackouts) const {
  auto refused = [&](LocalDays start) -> std::optional<NonWorkingReason> {
    for (int k = 0; k < days; ++k)
      if (auto r = why_not_working(start + date::days{k}, ends_after_noon, respect_blackouts)) return r;
    return std::nullopt;
  };
  Placement p;
  p.reason = refused(first);
  if (!p.reason) {
    p.day = first;
    return p;
  }
  if (policy == HolidayPolicy::skip) return p;
  const date::days step{policy == HolidayPolicy::next_working_day ? 1 : -1};
  LocalDays candidate = first;
  for (int i = 0; i < kMaxShiftDays; ++i) {
    candidate += step;
    auto r = refused(candidate);
    if (!r) {
      p.day = candidate;
      return p;
    }
    if (r->kind != NonWorkingReason::Kind::weekend && *r != *p.reason &&
        std::find(p.passed.begin(), p.passed.end(), *r) == p.passed.end())
      p.passed.push_back(std::move(*r));
  }
  p.unplaceable = true;
  p.passed.clear();  // not moved: nothing was passed over
  return p;
}

}  // namespace arshjul
