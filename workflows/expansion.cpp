#include "workflows/expansion.h"

#include <map>
#include <unordered_map>
#include <unordered_set>

#include <algorithm>

#include "calendars/recurrence.h"
#include "workflows/vocabulary.h"

namespace arshjul {
namespace {

int year_of(LocalDays d) {
  return static_cast<int>(date::year_month_day{d}.year());
}

// A day a rule, date or round puts an activity on; for windows also its last day.
struct Day {
  LocalDays first;
  LocalDays last;
  friend bool operator==(const Day&, const Day&) = default;
};

bool round_runs(const Round& r, int year) {
  return year >= r.since && (year - r.since) % r.every == 0;
}

LocalDays round_day(const Round& r, int year, RoundDay d) {
  const int after_opening = (d.anchor == RoundDay::Anchor::close ? r.open_days - 1 : 0) + d.offset_days;
  return in_year(r.opens, year) + date::days{after_opening};
}

// The days of a round activity whose original day is in [from, to]. An
// occurrence belongs to the round it is anchored in, whatever year the offset
// carries it into, so rounds of the years around [from, to] count too
// (offsets reach a year at most, plus the time the round is open).
std::vector<Day> round_days(const Round& r, const Activity& a, LocalDays from, LocalDays to) {
  std::vector<Day> days;
  for (int y = year_of(from) - 2; y <= year_of(to) + 1; ++y) {
    if (!round_runs(r, y)) continue;
    if (a.kind == ActivityKind::window) {
      if (!a.round_from || !a.round_to) continue;
      const LocalDays first = round_day(r, y, *a.round_from);
      if (first >= from && first <= to) days.push_back({first, round_day(r, y, *a.round_to)});
      continue;
    }
    for (RoundDay rd : a.round_dates) {
      const LocalDays d = round_day(r, y, rd);
      if (d >= from && d <= to) days.push_back({d, d});
    }
  }
  return days;
}

// The days an activity's rule, dates or round give in [from, to].
std::vector<Day> planned_days(const Wheel& w, const Activity& a, LocalDays from, LocalDays to) {
  std::vector<Day> days;
  if (w.round) {
    days = round_days(*w.round, a, from, to);
  } else if (a.kind == ActivityKind::window) {
    for (int y = year_of(from); y <= year_of(to); ++y) {
      const LocalDays d = in_year(a.window_from, y);
      if (d >= from && d <= to) days.push_back({d, in_year(a.window_to, a.window_to < a.window_from ? y + 1 : y)});
    }
  } else {
    if (a.rule)
      for (LocalDays d : expand(*a.rule, from, to)) days.push_back({d, d});
    for (LocalDays d : a.dates)
      if (d >= from && d <= to) days.push_back({d, d});
    for (int y = year_of(from); !a.yearly_dates.empty() && y <= year_of(to); ++y)
      for (MonthDay md : a.yearly_dates) {
        const LocalDays d = in_year(md, y);
        if (d >= from && d <= to) days.push_back({d, d});
      }
  }
  std::sort(days.begin(), days.end(), [](const Day& x, const Day& y) { return x.first < y.first; });
  days.erase(std::unique(days.begin(), days.end()), days.end());
  return days;
}


// Where one planned day ends up; independent of the unit, so computed once a series.
struct Planned {
  Day day;
  Placement placement;
};

class Expander {
 public:
  Expander(const Config& c, Expansion& out)
      : calendar_(c.organisation.working_days),
        not_meetings_(without_political(c.organisation.working_days)),
        zone_(c.organisation.zone),
        org_(c.organisation.id),
        out_(out) {}

  Planned plan(const Activity& a, Day d) const {
    Planned p{d, {}};
    // Only something timed that runs past noon collides with a half day.
    const bool after_noon = a.kind == ActivityKind::meeting && a.start + a.duration > std::chrono::hours{12};
    if (a.kind == ActivityKind::window) p.placement.day = d.first;
    else if (a.kind == ActivityKind::meeting && a.days > 1)
      p.placement = calendar_.place_days(d.first, a.days, a.on_holiday, after_noon);  // every day checked
    else if (a.kind == ActivityKind::meeting) p.placement = calendar_.place(d.first, a.on_holiday, after_noon);
    else p.placement = not_meetings_.place(d.first, a.on_holiday, after_noon);
    return p;
  }

  // `scope` goes into the UID: the unit id, "person.ID", or empty.
  void add(const Wheel& w, const Activity& a, const Planned& p, const Unit* u, const Person* person,
           std::string_view scope) {
    std::string uid = occurrence_uid(org_, a.id, scope, p.day.first);
    if (!p.placement.day) {
      out_.unplaced.push_back({std::move(uid), &w, &a, u, p.day.first, *p.placement.reason,
                               a.on_holiday == HolidayPolicy::skip && !p.placement.unplaceable});
      return;
    }
    const bool timed = a.kind == ActivityKind::meeting;
    Occurrence o;
    o.uid = std::move(uid);
    o.wheel = &w;
    o.activity = &a;
    o.unit = u;
    o.person = person;
    o.original_day = p.day.first;
    o.all_day = !timed;
    const LocalDays day = *p.placement.day;
    o.first_day = day;
    o.last_day = a.kind == ActivityKind::window ? p.day.last : day;
    if (timed && a.days > 1) {
      for (int k = 0; k < a.days; ++k) {
        const SysSeconds s = to_utc(LocalSeconds{day + date::days{k}} + a.start, zone_);
        o.sessions.push_back({s, s + a.duration});
      }
      o.start = o.sessions.front().start;
      o.end = o.sessions.back().end;
      o.last_day = date::floor<date::days>(to_local(o.end, zone_));
    } else if (timed) {
      o.start = to_utc(LocalSeconds{day} + a.start, zone_);
      o.end = o.start + a.duration;
      o.last_day = date::floor<date::days>(to_local(o.end, zone_));
    } else {
      o.start = to_utc(LocalSeconds{o.first_day}, zone_);
      o.end = to_utc(LocalSeconds{o.last_day + date::days{1}}, zone_);
    }
    if (p.placement.reason) o.moved = Move{p.day.first, *p.placement.reason, p.placement.passed};
    if (!a.agenda_in.empty())
      if (auto added = agenda_additions(a, p.day.first); !added.empty()) o.config_agenda = with_additions(a.agenda, added);
    out_.occurrences.push_back(std::move(o));
  }

 private:
  // Only meetings avoid the political calendar's days: a deadline may fall on a council day.
  static WorkingDayRules without_political(WorkingDayRules rules) {
    std::erase_if(rules.blackouts, [](const Blackout& b) { return b.political; });
    return rules;
  }

  WorkingCalendar calendar_;      // meetings
  WorkingCalendar not_meetings_;  // deadlines
  const date::time_zone* zone_;
  std::string org_;
  Expansion& out_;
};

std::optional<LocalDays> anchor_date(const Person& person, PersonalAnchor::Date date) {
  return date == PersonalAnchor::Date::start_date ? person.start_date : person.leader_start_date;
}

}  // namespace

std::vector<const Unit*> series_units(const Config& c, const Activity& a) {
  switch (a.scope.kind) {
    case Scope::Kind::organisation: return {nullptr};
    case Scope::Kind::unit: {
      if (a.scope.units.empty()) return {c.find_unit(a.scope.ref)};
      std::vector<const Unit*> out;
      for (const auto& id : a.scope.units) out.push_back(c.find_unit(id));
      return out;
    }
    case Scope::Kind::level: return c.units_at_level(a.scope.ref);
  }
  return {};
}

std::string Occurrence::scope_id() const {
  if (person) return "person." + person->id;
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

std::string session_uid(std::string_view uid, std::size_t index) {
  std::string out(uid);
  if (index == 0) return out;
  const auto at = out.find('@');
  out.insert(at == std::string::npos ? out.size() : at, "-" + std::to_string(index + 1));
  return out;
}

std::vector<std::string> agenda_additions(const Activity& a, LocalDays original_day) {
  std::vector<std::string> items;
  for (const AgendaAddition& add : a.agenda_in)
    if (add.applies_to(original_day)) items.insert(items.end(), add.items.begin(), add.items.end());
  return items;
}

std::vector<std::string> with_additions(const std::vector<std::string>& agenda,
                                        const std::vector<std::string>& additions) {
  auto closing = agenda.end();
  if (!agenda.empty() && is_any_other_business(agenda.back())) --closing;
  std::vector<std::string> out(agenda.begin(), closing);
  out.insert(out.end(), additions.begin(), additions.end());
  out.insert(out.end(), closing, agenda.end());
  return out;
}

Expansion expand(const Config& c, LocalDays from, LocalDays to, const ExpansionFilter& filter) {
  Expansion out;
  out.config = &c;
  Expander expander(c, out);
  for (const Wheel& w : c.wheels) {
    if (!filter.wheel.empty() && w.id != filter.wheel) continue;
    for (const Activity& a : w.activities) {
      if (!filter.activity.empty() && a.id != filter.activity) continue;
      if (a.personal) {
        for (const Person& person : c.people) {
          const auto date = anchor_date(person, a.personal->date);
          if (!date) continue;
          const LocalDays d = *date + date::days{a.personal->offset_days};
          if (d < from || d > to) continue;
          const Unit* u = person.unit.empty() ? nullptr : c.find_unit(person.unit);
          expander.add(w, a, expander.plan(a, {d, d}), u, &person, "person." + person.id);
        }
        continue;
      }
      std::vector<Planned> planned;
      for (const Day& d : planned_days(w, a, from, to)) planned.push_back(expander.plan(a, d));
      for (const Unit* u : series_units(c, a)) {
        const std::string_view unit_id = u ? std::string_view(u->id) : std::string_view();
        for (const Planned& p : planned) expander.add(w, a, p, u, nullptr, unit_id);
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

namespace {

// "amu.skole.20270317@roros.arshjul" -> "amu.skole": the series without the day.
std::string_view series_of(std::string_view uid) {
  uid = uid.substr(0, uid.find('@'));
  const auto dot = uid.rfind('.');
  return dot == std::string_view::npos ? uid : uid.substr(0, dot);
}

}  // namespace

void keep_identities(Expansion& e, const std::vector<EarlierOccurrence>& earlier, SysSeconds now) {
  std::unordered_set<std::string_view> stored;  // views into `earlier`, which outlives them
  std::unordered_set<std::string> taken;        // copies: renaming changes the expansion's UIDs
  std::map<std::pair<std::string_view, LocalDays>, const EarlierOccurrence*> by_day;  // (series, original_day)
  for (const auto& s : earlier) {
    stored.insert(s.uid);
    if (s.uid.rfind("extra-", 0) == 0) continue;
    auto& slot = by_day[{series_of(s.uid), s.original_day}];
    if (!slot || (slot->cancelled && !s.cancelled)) slot = &s;
  }
  for (const auto& o : e.occurrences) taken.insert(o.uid);
  // 1. Pairings made before, remembered in storage.
  std::vector<Occurrence*> newcomers;
  for (auto& o : e.occurrences) {
    if (stored.count(o.uid)) continue;
    auto it = by_day.find({series_of(o.uid), o.original_day});
    if (it != by_day.end() && !taken.count(it->second->uid)) {
      o.uid = it->second->uid;
      taken.insert(o.uid);
    } else if (o.end > now) {
      newcomers.push_back(&o);
    }
  }
  // 2. New pairings of what is ahead: the orphans are stored, ahead and unclaimed.
  std::unordered_map<std::string_view, std::vector<const EarlierOccurrence*>> orphans;
  for (const auto& s : earlier)
    if (s.end > now && !taken.count(s.uid) && s.uid.rfind("extra-", 0) != 0)
      orphans[series_of(s.uid)].push_back(&s);
  if (orphans.empty()) return;
  struct Pair {
    Seconds distance;
    Occurrence* newcomer;
    const EarlierOccurrence* orphan;
  };
  std::vector<Pair> pairs;
  for (Occurrence* o : newcomers) {
    auto it = orphans.find(series_of(o->uid));
    if (it == orphans.end()) continue;
    for (const EarlierOccurrence* s : it->second) {
      const Seconds d = std::chrono::abs(o->start - s->start);
      if (d <= kIdentityReach) pairs.push_back({d, o, s});
    }
  }
  // Nearest first; ties by time and UID, so the result does not depend on the order of either list.
  std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) {
    return std::tie(a.distance, a.newcomer->start, a.newcomer->uid, a.orphan->uid) <
           std::tie(b.distance, b.newcomer->start, b.newcomer->uid, b.orphan->uid);
  });
  std::vector<std::pair<Occurrence*, const EarlierOccurrence*>> chosen;
  std::unordered_set<const Occurrence*> paired;
  std::unordered_set<const EarlierOccurrence*> used;
  for (const Pair& p : pairs)
    if (!paired.count(p.newcomer) && !used.count(p.orphan)) {
      paired.insert(p.newcomer);
      used.insert(p.orphan);
      chosen.emplace_back(p.newcomer, p.orphan);
    }
  for (auto& [o, s] : chosen) o->uid = s->uid;  // after the sort, which reads the UIDs
}

}  // namespace arshjul
