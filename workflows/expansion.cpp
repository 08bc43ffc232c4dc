#include "workflows/expansion.h"

#include <algorithm>

#include "calendars/recurrence.h"

namespace arshjul {
namespace {

// The days an activity's rule or dates give in [from, to].
std::vector<LocalDays> planned_days(const Activity& a, LocalDays from, LocalDays to) {
  std::vector<LocalDays> days;
  if (a.kind == ActivityKind::window) {
    const int y0 = static_cast<int>(date::year_month_day{from}.year());
    const int y1 = static_cast<int>(date::year_month_day{to}.year());
    for (int y = y0; y <= y1; ++y) {
      const LocalDays d = in_year(a.window_from, y);
      if (d >= from && d <= to) days.push_back(d);
    }
    return days;
  }
  if (a.rule) days = expand(*a.rule, from, to);
  for (LocalDays d : a.dates)
    if (d >= from && d <= to) days.push_back(d);
  if (!a.yearly_dates.empty()) {
    const int y0 = static_cast<int>(date::year_month_day{from}.year());
    const int y1 = static_cast<int>(date::year_month_day{to}.year());
    for (int y = y0; y <= y1; ++y)
      for (MonthDay md : a.yearly_dates) {
        const LocalDays d = in_year(md, y);
        if (d >= from && d <= to) days.push_back(d);
      }
  }
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  return days;
}

std::vector<const Unit*> series_units(const Config& c, const Activity& a) {
  switch (a.scope.kind) {
    case Scope::Kind::organisation: return {nullptr};
    case Scope::Kind::unit: return {c.find_unit(a.scope.ref)};
    case Scope::Kind::level: return c.units_at_level(a.scope.ref);
  }
  return {};
}

// Where one planned day ends up; independent of the unit, so computed once a series.
struct Planned {
  LocalDays original;
  Placement placement;
};

}  // namespace

std::string Occurrence::scope_id() const {
  return unit ? unit->id : std::string();
}

std::string occurrence_uid(std::string_view organisation, std::string_view activity, std::string_view unit,
                           LocalDays original_day) {
  // Ids never contain '.', so the parts cannot run into each other.
  const std::string day = date::format("%Y%m%d", original_day);
  std::string uid;
  uid.reserve(activity.size() + unit.size() + organisation.size() + 24);
  uid.append(activity);
  if (!unit.empty()) {
    uid += '.';
    uid.append(unit);
  }
  uid += '.';
  uid += day;
  uid += '@';
  uid.append(organisation);
  uid += ".arshjul";
  return uid;
}

Expansion expand(const Config& c, LocalDays from, LocalDays to, const ExpansionFilter& filter) {
  Expansion out;
  out.config = &c;
  const WorkingCalendar calendar(c.organisation.working_days);
  const date::time_zone* zone = c.organisation.zone;
  const std::string& org = c.organisation.id;
  for (const Wheel& w : c.wheels) {
    if (!filter.wheel.empty() && w.id != filter.wheel) continue;
    for (const Activity& a : w.activities) {
      const bool timed = a.kind == ActivityKind::meeting;
      // Only something timed that runs past noon collides with a half day.
      const bool after_noon = timed && a.start + a.duration > std::chrono::hours{12};
      std::vector<Planned> planned;
      for (LocalDays d : planned_days(a, from, to)) {
        Planned p{d, {}};
        if (a.kind == ActivityKind::window) p.placement.day = d;
        else p.placement = calendar.place(d, a.on_holiday, after_noon);
        planned.push_back(p);
      }
      for (const Unit* u : series_units(c, a)) {
        const std::string_view unit_id = u ? std::string_view(u->id) : std::string_view();
        for (const Planned& p : planned) {
          std::string uid = occurrence_uid(org, a.id, unit_id, p.original);
          if (!p.placement.day) {
            out.unplaced.push_back({std::move(uid), &w, &a, u, p.original, *p.placement.reason,
                                    a.on_holiday == HolidayPolicy::skip && !p.placement.unplaceable});
            continue;
          }
          Occurrence o;
          o.uid = std::move(uid);
          o.wheel = &w;
          o.activity = &a;
          o.unit = u;
          o.original_day = p.original;
          o.all_day = !timed;
          const LocalDays day = *p.placement.day;
          o.first_day = day;
          o.last_day = day;
          if (timed) {
            o.start = to_utc(LocalSeconds{day} + a.start, zone);
            o.end = o.start + a.duration;
            o.last_day = date::floor<date::days>(to_local(o.end, zone));
          } else {
            if (a.kind == ActivityKind::window) {
              const int y = static_cast<int>(date::year_month_day{day}.year());
              o.last_day = in_year(a.window_to, a.window_to < a.window_from ? y + 1 : y);
            }
            o.start = to_utc(LocalSeconds{o.first_day}, zone);
            o.end = to_utc(LocalSeconds{o.last_day + date::days{1}}, zone);
          }
          if (p.placement.reason) o.moved = Move{p.original, *p.placement.reason};
          out.occurrences.push_back(std::move(o));
        }
      }
    }
  }
  std::sort(out.occurrences.begin(), out.occurrences.end(), [](const Occurrence& x, const Occurrence& y) {
    if (x.start != y.start) return x.start < y.start;
    return x.uid < y.uid;
  });
  std::sort(out.unplaced.begin(), out.unplaced.end(), [](const Unplaced& x, const Unplaced& y) {
    if (x.day != y.day) return x.day < y.day;
    return x.uid < y.uid;
  });
  return out;
}

Expansion expand_year(const Config& c, int year, const ExpansionFilter& filter) {
  return expand(c, LocalDays{date::year{year} / 1 / 1}, LocalDays{date::year{year} / 12 / 31}, filter);
}

}  // namespace arshjul
