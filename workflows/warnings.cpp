#include "workflows/warnings.h"

#include <set>

namespace arshjul {

std::string ConfigWarning::to_string() const {
  std::string out;
  if (!file.empty()) out = file + ":" + std::to_string(line) + ": ";
  if (!field.empty()) out += field + ": ";
  return out + message;
}

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
