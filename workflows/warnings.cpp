#include "workflows/warnings.h"

#include <algorithm>
#include <iterator>
#include <set>

#include "workflows/expansion.h"

namespace arshjul {

std::string ConfigWarning::to_string() const {
  std::string out;
  if (!file.empty()) out = file + ":" + std::to_string(line) + ": ";
  if (!field.empty()) out += field + ": ";
  return out + message;
}

namespace {

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
  for (const Wheel& w : c.wheels) {
    agenda_in_warnings(c, w, first_year, last_year, out);
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
