// The roster as HR and the HR system maintain it: people checked against
// the organisation, and the CSV export an HR system delivers.
//
// Pure: callers hand in text and get people or errors, never half of both.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "workflows/config_loader.h"
#include "workflows/model.h"

namespace arshjul {

// One problem with one person: the field ("unit", "roles[1]", "start_date")
// and what was expected.
struct PersonProblem {
  std::string field;
  std::string message;
};

// Why `person` cannot join `config`'s roster: text that is not UTF-8 or
// holds control characters (check_text; only a name may hold a line break),
// a bad id, an unknown unit, role or committee, a union rep without a union,
// a unit-bound role without a unit, a manager who is not in `config.people`,
// a leader_end_date without the leader role or before leader_start_date, an
// acting period in an unknown unit or ending before it starts.
// Empty when fine; messages quote the input printable (always valid UTF-8).
// The one rule set for a person, wherever it comes from: people.toml
// (load_config), the CSV import (parse_people_csv) and the API all use it.
std::vector<PersonProblem> check_person(const Config& config, const Person& person);

// A change dated ahead, applied on its day over the person as they are then
// (`current`): each field the change made differ (`before` → `after`) takes
// its new value; every other field stays as it is now, so an e-mail stored
// in between survives a unit move scheduled before it.
Person apply_dated_change(const Person& current, const Person& before, const Person& after);

// check_person for every person of `config.people`, with the lookups built
// once; each problem names the index of its person in `config.people`.
struct RosterProblem {
  std::size_t person = 0;
  PersonProblem problem;
};
std::vector<RosterProblem> check_people(const Config& config);

// The CSV columns, by header name, in any order; only id, name and unit are
// required. Lists (roles, committees) are separated by ";"; dates are
// YYYY-MM-DD; union names the union of a tillitsvalgt. leader_end_date and
// the acting period (acting_unit, acting_from, acting_to: all three or none)
// are newer and optional, so older exports stay valid.
inline constexpr std::string_view kPeopleCsvColumns[] = {
    "id",         "name",    "email",           "unit",        "roles",       "union",     "committees",
    "start_date", "leader_start_date", "manager", "leader_end_date", "acting_unit", "acting_from", "acting_to"};

// How many of a CSV's errors are listed; the rest are only counted, so a file
// of 200,000 bad rows gives a short report in little memory.
inline constexpr std::size_t kMaxReportedCsvErrors = 100;

struct PeopleCsv {
  std::vector<Person> people;          // every row, in file order, when there is no error
  std::vector<ConfigError> errors;     // the first kMaxReportedCsvErrors by line and column: file, line,
                                       // column, field (column name) and message, always valid UTF-8
  std::size_t error_count = 0;         // every error found, listed or not
  // What was read but not used: columns arshjul does not know (an HR
  // export's extra fields), each with the header's line and column; the
  // first kMaxReportedCsvErrors, then one that counts the rest.
  std::vector<ConfigError> warnings;
  bool ok() const { return error_count == 0; }
};

// Parses an HR system's export (RFC 4180: quoted fields may hold commas,
// quotes and line breaks; UTF-8 with or without BOM; CRLF or LF) and checks
// every row against `config`, where the file's own people count as known
// (a manager may be another row). Every field must be UTF-8 text without
// control characters (check_person; a name may hold a line break). Finds
// every bad row, never just the first, and lists the first of them.
// A column arshjul does not know is ignored with a warning, unless its name
// is near a required column the header lacks ("unti": a typo, an error) or
// `strict` is set (every unknown column an error).
PeopleCsv parse_people_csv(std::string_view path, std::string_view text, const Config& config, bool strict = false);

// What an import would do to the roster: ids added, changed, unchanged and
// (for a full replacement) removed.
struct RosterChange {
  std::vector<std::string> added, changed, unchanged, removed;  // person ids
};
RosterChange diff_roster(const Roster& before, const std::vector<Person>& after);

bool same_person(const Person& a, const Person& b);

// Roles and committee seats are sets: a role or an identical seat given
// twice (HR exports repeat them) is kept once, in first-given order. The CSV
// import and the API store people so.
void drop_repeats(Person& p);

}  // namespace arshjul
