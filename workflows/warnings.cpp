#include "workflows/warnings.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <map>
#include <set>

#include "workflows/audience.h"
#include "workflows/expansion.h"
#include "workflows/vocabulary.h"

namespace arshjul {

std::string ConfigWarning::to_string() const {
  std::string out;
  if (!file.empty()) out = file + ":" + std::to_string(line) + ": ";
  if (!field.empty()) out += field + ": ";
  return out + message;
}

std::string ConfigWarning::as_check_line() const {
  std::string out;
  if (!file.empty()) out = file + ":" + std::to_string(line) + ": ";
  out += "warning: ";
  if (!field.empty()) out += field + ": ";
  return out + message;
}

namespace {

std::string iso(LocalDays d) { return date::format("%F", d); }

std::string month_day(MonthDay md) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02u-%02u", md.month % 100, md.day % 100);
  return buf;
}

// "Fellesferie (07-01 to 08-05)", "Vinterferie (week 9)", "Kommunevalget (2027-09-13)".
std::string blackout_text(const Blackout& b) {
  if (b.first) {
    const LocalDays last = b.last.value_or(*b.first);
    return b.name + " (" + iso(*b.first) + (last == *b.first ? "" : " to " + iso(last)) + ")";
  }
  if (b.iso_week != 0) return b.name + " (week " + std::to_string(b.iso_week) + ")";
  return b.name + " (" + month_day(b.from) + " to " + month_day(b.to) + ")";
}

// The blackout (not a council meeting: those keep only meetings away) that holds `day`.
const Blackout* blackout_on(const Config& c, LocalDays day) {
  for (const Blackout& b : c.organisation.working_days.blackouts)
    if (!b.political && b.contains(day)) return &b;
  return nullptr;
}

LocalDays horizon_from(int first_year) { return LocalDays{date::year{first_year} / 1 / 1}; }
LocalDays horizon_to(int last_year) { return LocalDays{date::year{last_year} / 12 / 31}; }

// A window is never moved, so one that opens in a blackout opens while
// everyone is away: the appraisals' first weeks are lost.
void window_warnings(const Config& c, const Wheel& w, int first_year, int last_year, std::vector<ConfigWarning>& out) {
  for (const Activity& a : w.activities) {
    if (a.kind != ActivityKind::window || a.personal) continue;
    for (const Occurrence& o : expand(c, horizon_from(first_year), horizon_to(last_year), {w.id, a.id}).occurrences) {
      const Blackout* b = blackout_on(c, o.first_day);
      if (!b) continue;
      LocalDays after = o.first_day;
      for (int i = 0; i < 400 && blackout_on(c, after); ++i) after += date::days{1};
      out.push_back({a.defined_at.file, a.defined_at.line, "activity " + a.id + ".from",
                     "the window opens on " + iso(o.first_day) + ", inside the blackout " + blackout_text(*b) +
                         ": nobody is at work to begin it; let it open after the blackout (" + iso(after) +
                         " is the first day outside it)"});
      break;  // once an activity: the same from every year
    }
  }
}

bool is_rep_role(Role r) {
  return r == Role::plasstillitsvalgt || r == Role::verneombud || r == Role::hovedtillitsvalgt ||
         r == Role::hovedverneombud;
}

bool names_a_role(const Selector& s) {
  return s.kind == Selector::Kind::role || s.kind == Selector::Kind::role_at_level ||
         s.kind == Selector::Kind::role_in_tree;
}

// A unit's meeting with the parties (a participant is a union or safety
// rep) where the roster holds no such rep for the unit: the meeting would
// be management alone. Only said of a roster that has people at all: a
// config whose roster comes from the HR system has none to judge by.
void unit_rep_warnings(const Config& c, const Wheel& w, std::vector<ConfigWarning>& out) {
  if (c.people.empty()) return;
  for (const Activity& a : w.activities) {
    if (a.kind != ActivityKind::meeting || a.personal || a.scope.kind == Scope::Kind::organisation) continue;
    std::vector<const Selector*> reps;
    std::vector<std::string> roles;
    for (const Selector& s : a.participants)
      if (names_a_role(s) && is_rep_role(s.role)) {
        reps.push_back(&s);
        const std::string name(role_name(s.role));
        if (std::find(roles.begin(), roles.end(), name) == roles.end()) roles.push_back(name);
      }
    if (reps.empty()) continue;
    std::vector<std::string> bare;
    bool reps_below = false;
    const auto units = series_units(c, a);
    for (const Unit* u : units) {
      if (!u) continue;
      const bool any = std::any_of(c.people.begin(), c.people.end(), [&](const Person& p) {
        return std::any_of(reps.begin(), reps.end(), [&](const Selector* s) { return selects(c, *s, p, u); });
      });
      if (any) continue;
      bare.push_back(u->id);
      // Reps registered on the avdelinger under it: the config reaches them with `below = true`.
      for (const Person& p : c.people)
        if (p.unit != u->id && is_within(c, p.unit, u->id) &&
            std::any_of(p.roles.begin(), p.roles.end(), [](Role r) { return is_rep_role(r); }))
          reps_below = true;
    }
    if (bare.empty()) continue;
    std::string list;
    for (std::size_t i = 0; i < bare.size() && i < 5; ++i) list += (i ? ", " : "") + bare[i];
    if (bare.size() > 5) list += " and " + std::to_string(bare.size() - 5) + " more";
    std::string role_list;
    for (std::size_t i = 0; i < roles.size(); ++i) role_list += (i == 0 ? "" : i + 1 == roles.size() ? " or " : ", ") + roles[i];
    std::string msg = "no " + role_list + " in the roster for " + list + " (" + std::to_string(bare.size()) + " of " +
                      std::to_string(units.size()) + (units.size() == 1 ? " unit" : " units") +
                      "): its meetings there have no union or safety rep; give the unit's reps their roles in the "
                      "roster";
    if (reps_below)
      msg += ", or invite the reps of the units under it: { role = \"" + roles.front() + "\", below = true }";
    out.push_back({a.defined_at.file, a.defined_at.line, "activity " + a.id + ".participants", std::move(msg)});
  }
}

// A hire who starts just after one day can wait the whole gap to the next;
// when that is longer than max_wait_days they are left waiting (HR sees
// them only on the HR page). Capacity is the roster's matter, not the
// config's: only the days themselves are judged.
void registration_gap_warnings(const Config& c, const Wheel& w, int first_year, int last_year,
                               std::vector<ConfigWarning>& out) {
  for (const Activity& a : w.activities) {
    if (!a.registration || a.personal) continue;
    const RegistrationRule& rule = *a.registration;
    std::map<std::string, std::vector<LocalDays>> series;  // by unit: each unit's hires wait for their own days
    for (const Occurrence& o : expand(c, horizon_from(first_year), horizon_to(last_year), {w.id, a.id}).occurrences)
      series[o.scope_id()].push_back(o.first_day);
    std::optional<std::pair<LocalDays, LocalDays>> worst;
    for (auto& [scope, days] : series) {
      std::sort(days.begin(), days.end());
      for (std::size_t i = 1; i < days.size(); ++i)
        if (!worst || days[i] - days[i - 1] > worst->second - worst->first) worst = std::pair{days[i - 1], days[i]};
    }
    if (!worst) continue;
    // A hire whose earliest day (start + lead_days) is the day after `before`
    // reaches `next` only if it lies within start + max_wait_days.
    const auto [before, next] = *worst;
    const int gap = static_cast<int>((next - before).count());
    const int needed = gap - 1 + rule.lead_days;
    if (needed <= rule.max_wait_days) continue;
    const std::string name = registration_name(a);
    out.push_back({a.defined_at.file, a.defined_at.line, "activity " + a.id + ".registration.max_wait_days",
                   "no " + name + " between " + iso(before) + " and " + iso(next) + " (" + std::to_string(gap) +
                       " days): a hire starting " + iso(before + date::days{1 - rule.lead_days}) + " waits " +
                       std::to_string(needed) + " days, more than max_wait_days = " +
                       std::to_string(rule.max_wait_days) + ", and is left waiting; raise max_wait_days to " +
                       std::to_string(needed) + " or add a day between them"});
  }
}

// A person's leadership of their own unit as days (either end open).
struct Span {
  std::optional<LocalDays> from, to;
};

Span leadership(const Person& p) { return {p.leader_start_date, p.leader_end_date}; }

// The first day of [from, to] no acting leader of `unit` covers, if any:
// an acting leader is named for the days two leaders would share, and
// leads on them (pick_leader), so those days are meant.
std::optional<std::optional<LocalDays>> uncovered(const Config& c, std::string_view unit, Span s) {
  std::optional<LocalDays> cursor = s.from;
  for (bool moved = true; moved;) {
    moved = false;
    if (cursor && s.to && *cursor > *s.to) return std::nullopt;
    for (const Person* p : c.leaders_in(unit)) {
      if (!p->acting || p->acting->unit != unit) continue;
      if (cursor ? (p->acting->from <= *cursor && *cursor <= p->acting->to) : false) {
        cursor = p->acting->to + date::days{1};
        moved = true;
      }
    }
  }
  if (cursor && s.to && *cursor > *s.to) return std::nullopt;
  return cursor;
}

// Two people with the role leader in one unit on the same days: the first
// in the roster gets every task and notice, the other none.
void leader_warnings(const Config& c, std::vector<ConfigWarning>& out) {
  std::set<std::string> reported;
  for (const Unit& u : c.units) {
    std::vector<const Person*> leaders;
    for (const Person* p : c.leaders_in(u.id))
      if (p->unit == u.id && std::find(p->roles.begin(), p->roles.end(), Role::leader) != p->roles.end())
        leaders.push_back(p);
    for (std::size_t j = 1; j < leaders.size(); ++j)
      for (std::size_t i = 0; i < j; ++i) {
        const Span x = leadership(*leaders[i]), y = leadership(*leaders[j]);
        Span both;
        both.from = !x.from ? y.from : !y.from ? x.from : std::max(*x.from, *y.from);
        both.to = !x.to ? y.to : !y.to ? x.to : std::min(*x.to, *y.to);
        if (both.from && both.to && *both.from > *both.to) continue;
        const auto first = uncovered(c, u.id, both);
        if (!first) continue;
        const Person& second = *leaders[j];
        if (!reported.insert(second.id).second) continue;
        SourcePosition at;
        if (c.person_defined_at)
          if (auto it = c.person_defined_at->find(second.id); it != c.person_defined_at->end()) at = it->second;
        const std::string when = *first ? "from " + iso(**first) : "with no dates to keep them apart";
        out.push_back({at.file, at.line, "person " + second.id + ".roles",
                       leaders[i]->id + " and " + second.id + " both lead " + u.id + " " + when +
                           ": tasks and notices go to " + leaders[i]->id + " alone; give one a leader_end_date or "
                           "leader_start_date, or make the other acting = { unit = \"" + u.id +
                           "\", from = ..., to = ... }"});
      }
  }
}


// agenda_in entries that match no meeting of the horizon: the items would
// silently reach no agenda (a month the rule skips, a date that is not the
// rule's day).
void agenda_in_warnings(const Config& c, const Wheel& w, int first_year, int last_year,
                        std::vector<ConfigWarning>& out) {
  const LocalDays from{date::year{first_year} / 1 / 1}, to{date::year{last_year} / 12 / 31};
  const std::string years = std::to_string(first_year) + (last_year == first_year ? "" : "-" + std::to_string(last_year));
  for (const Activity& a : w.activities) {
    // A personal series' days depend on who is hired when; there is no rule to check against.
    if (a.agenda_in.empty() || a.personal) continue;
    std::set<LocalDays> days;
    for (const Occurrence& o : expand(c, from, to, {w.id, a.id}).occurrences) days.insert(o.original_day);
    for (std::size_t i = 0; i < a.agenda_in.size(); ++i) {
      const AgendaAddition& add = a.agenda_in[i];
      const std::string field = "activity " + a.id + ".agenda_in[" + std::to_string(i) + "]";
      for (int m : add.months) {
        const bool met = std::any_of(days.begin(), days.end(), [&](LocalDays d) {
          return static_cast<unsigned>(date::year_month_day{d}.month()) == static_cast<unsigned>(m);
        });
        if (!met)
          out.push_back({a.defined_at.file, add.line, field + ".months",
                         "no meeting in month " + std::to_string(m) + " in " + years +
                             " (the rule puts none there, or on_holiday skips it): its items are on no agenda"});
      }
      if (!add.date || *add.date < from || *add.date > to || days.count(*add.date)) continue;
      std::string nearest;
      if (!days.empty()) {
        auto after = days.lower_bound(*add.date);
        LocalDays best = after == days.end() ? *std::prev(after) : *after;
        if (after != days.begin() && after != days.end() && *add.date - *std::prev(after) < *after - *add.date)
          best = *std::prev(after);
        nearest = " (the nearest is " + date::format("%F", best) + ")";
      }
      out.push_back({a.defined_at.file, add.line, field + ".date",
                     "the rule puts no meeting on " + date::format("%F", *add.date) + nearest +
                         ": its items are on no agenda; give the day the rule gives the meeting"});
    }
  }
}

}  // namespace

std::vector<ConfigWarning> config_warnings(const Config& c, int first_year, int last_year) {
  std::vector<ConfigWarning> out;
  if (c.organisation.organizer.email.empty())
    out.push_back({"", 0, "organisation.organizer",
                   "not set: the feeds carry no ORGANIZER, which RFC 5546 requires for a published calendar; add "
                   "organizer = { name = \"HR\", email = \"hr@...\" }"});
  if (const auto& pc = c.organisation.political_calendar; !pc.stored_copy_problem.empty())
    out.push_back({"", 0, "organisation.political_calendar",
                   "the copy of " + pc.url + " stored at the last good fetch no longer reads (" +
                       pc.stored_copy_problem +
                       "): meetings are placed without the council's dates until the next good fetch"});
  leader_warnings(c, out);  // people.toml comes before the wheels
  for (const Wheel& w : c.wheels) {
    agenda_in_warnings(c, w, first_year, last_year, out);
    window_warnings(c, w, first_year, last_year, out);
    unit_rep_warnings(c, w, out);
    registration_gap_warnings(c, w, first_year, last_year, out);
    // A round's dates and a personal series' days come from elsewhere; only fixed dates run out.
    if (w.round) continue;
    for (const Activity& a : w.activities) {
      if (a.dates.empty() || a.rule || !a.yearly_dates.empty() || a.personal) continue;
      std::set<int> years;
      for (LocalDays d : a.dates) years.insert(static_cast<int>(date::year_month_day{d}.year()));
      // Years before its first date are before it began, not a gap.
      for (int y = std::max(first_year, *years.begin()); y <= last_year; ++y) {
        if (years.count(y)) continue;
        out.push_back({a.defined_at.file, a.defined_at.line, "activity " + a.id + ".dates",
                       "no date in " + std::to_string(y) + " (fixed dates do not roll over): add " +
                           std::to_string(y) + "'s dates, or give it a rule"});
      }
    }
  }
  return out;
}

}  // namespace arshjul
