// What `check` and a reload warn about: a config that loads but will
// surprise someone later. Warnings never stop a config from loading.
//
// - An activity with fixed dates (`dates = ["2027-02-10"]`) whose dates
//   leave a year of the horizon empty once it has started: dated
//   activities do not roll over, so the year goes by without them.
// - An `agenda_in` entry no meeting of the horizon matches (a month the
//   rule has no meeting in, or a date that is not a day the rule gives):
//   its items would reach no agenda.
// - No `organisation.organizer`: the feeds then carry no ORGANIZER, which
//   RFC 5546 requires under METHOD:PUBLISH.
// - The political calendar's stored copy no longer reads: the council's
//   dates are not kept clear until the next good fetch.
// - A window that opens inside a blackout: nobody is at work to begin it.
// - A unit-scoped meeting with the parties (its participants name union or
//   safety reps) in a unit where the roster has neither: it would be held
//   without the employees' side.
// - A registration whose max_wait_days is shorter than a gap between two
//   of its days: a hire starting just after the first is left waiting.
// - Two people with the role leader in one unit on the same days, where no
//   acting leader covers them: tasks and notices go to the first one only.
// Pure; thread-safe on a Config nobody is changing.
#pragma once

#include <string>
#include <vector>

#include "workflows/model.h"

namespace arshjul {

struct ConfigWarning {
  std::string file;     // empty for the organisation file as a whole
  int line = 0;
  std::string field;    // "activity lup-verdigrunnlag.dates", "organisation.organizer"
  std::string message;  // what is missing and what to do

  // "file:line: field: message" (or "field: message" without a file).
  std::string to_string() const;
  // As `check` prints it: "file:line: warning: field: message" (or
  // "warning: field: message"), the compilers' shape, which editors follow.
  std::string as_check_line() const;
};

// Warnings for the horizon [first_year, last_year] (the daemon keeps the
// current year and the next): the organisation's, the people's, then the
// wheels' in the order of their files.
std::vector<ConfigWarning> config_warnings(const Config& config, int first_year, int last_year);

}  // namespace arshjul
