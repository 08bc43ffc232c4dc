// From a configuration to the occurrences of a period.
//
// Each activity's rule or dates give local days; the working-day policy
// moves or skips those that fall on non-working days; a unit-scoped
// activity becomes one series per unit. Every occurrence has a stable UID
// derived from (organisation, activity, scope, original local start), so it
// survives restarts and reloads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calendars/working_days.h"
#include "workflows/model.h"

namespace arshjul {

struct Move {
  LocalDays from;            // where the rule put it
  NonWorkingReason reason;   // why it could not stay there
  std::vector<NonWorkingReason> passed{};  // what else it passed over (Placement::passed)
};

// A document HR links to one meeting (saksdokumenter, a report).
struct Document {
  std::string title;
  std::string url;  // https://...
  bool operator==(const Document&) const = default;
};

// One day of a multi-day gathering (Activity::days > 1).
struct Session {
  SysSeconds start, end;
};

struct Occurrence {
  std::string uid;
  const Wheel* wheel = nullptr;
  const Activity* activity = nullptr;
  const Unit* unit = nullptr;     // nullptr: the whole organisation

  LocalDays original_day;         // where the rule put it; part of the identity
  bool all_day = false;
  SysSeconds start{}, end{};      // timed occurrences
  LocalDays first_day, last_day;  // all-day occurrences (inclusive); for timed, the local day
  std::optional<Move> moved;
  // A gathering over several days: each day's times, the first included;
  // start and end above then span from the first day's start to the last
  // day's end. Empty for an occurrence on one day.
  std::vector<Session> sessions;
  const Person* person = nullptr; // personal series (Activity::personal): whose it is
  // The config's agenda for this meeting when agenda_in adds items on its
  // day: the activity's with them. Unset (the activity's agenda stands)
  // for the rest, so only the few meetings that differ carry a copy.
  std::optional<std::vector<std::string>> config_agenda{};

  // Set by apply_overrides: HR moved it, or added it as an extra meeting,
  // or gave it an agenda of its own (replacing the activity's) and documents.
  bool extra = false;
  bool moved_by_hr = false;
  std::string change_reason;      // "" unless HR changed it
  std::optional<std::vector<std::string>> agenda;
  std::vector<Document> documents;

  // Person ids registered for it (RegistrationRule), set by the scheduler
  // from storage: they take part like its participants.
  std::vector<std::string> registered;

  std::string scope_id() const;   // unit id, "person.ID" for a personal series, or "" for the organisation
};

// An occurrence the policy did not place: skipped on purpose, or no working
// day within WorkingCalendar::kMaxShiftDays. Reported, never silently dropped.
struct Unplaced {
  std::string uid;
  const Wheel* wheel = nullptr;
  const Activity* activity = nullptr;
  const Unit* unit = nullptr;
  LocalDays day;
  NonWorkingReason reason;
  bool skipped = false;      // on_holiday = skip
};

struct Expansion {
  const Config* config = nullptr;       // what the pointers below point into
  std::vector<Occurrence> occurrences;  // ordered by start, then UID
  std::vector<Unplaced> unplaced;
};

struct ExpansionFilter {
  std::string wheel{};     // empty: every wheel
  std::string activity{};  // empty: every activity
};

// Occurrences whose original day lies in [from, to].
Expansion expand(const Config& config, LocalDays from, LocalDays to, const ExpansionFilter& filter = {});

// Convenience: one calendar year.
Expansion expand_year(const Config& config, int year, const ExpansionFilter& filter = {});

// The units an activity has a series in: {nullptr} for the organisation's.
std::vector<const Unit*> series_units(const Config& c, const Activity& a);

// The items agenda_in adds to the meeting the rule puts on `original_day`,
// entry by entry in the order the config gives them.
std::vector<std::string> agenda_additions(const Activity& a, LocalDays original_day);

// `agenda` with `additions` before its closing "Eventuelt" (any other
// business ends a Norwegian agenda), or after its last item without one.
std::vector<std::string> with_additions(const std::vector<std::string>& agenda,
                                        const std::vector<std::string>& additions);

// "drofting-htv.20270302@roros.arshjul"; unit series insert the unit id.
// An activity fires at most once a day, so the original day identifies the
// occurrence, and a new time of day is a change (SEQUENCE), not a new event.
std::string occurrence_uid(std::string_view organisation, std::string_view activity, std::string_view unit,
                           LocalDays original_day);

// The UID of day `index` (0-based) of a multi-day gathering: day 0 is the
// occurrence's own UID, later days insert "-N" (N = index + 1) before the
// '@': "ledersamling.20270317-2@roros.arshjul". Stable as long as the
// occurrence's UID is, so each day stays one event in calendar clients.
std::string session_uid(std::string_view uid, std::size_t index);

// An occurrence as stored by an earlier build. `original_day` is the day
// of the rule that gave it last, which differs from its UID's day once
// keep_identities has paired it (storage's sync keeps it up to date).
struct EarlierOccurrence {
  std::string uid;
  LocalDays original_day;
  SysSeconds start{}, end{};
  bool cancelled = false;
};

// Identities that survive a series change (BYDAY=3WE to 3TH). An
// occurrence whose UID was never stored takes the UID of
//   1. the stored occurrence of its series (activity and scope) already
//      paired with its day (`original_day`), whenever it is, held or ahead;
//   2. else, while both are ahead, the nearest stored occurrence of its
//      series the expansion no longer has, at most kIdentityReach away
//      (nearest pairs first; HR's extras never; a cancelled one too, so a
//      meeting HR cancelled stays cancelled on its new day),
// so subscribers see a move (SEQUENCE raised), not a cancellation beside a
// new event, and registrations, tasks and HR's overrides stay attached.
// `earlier`: every stored occurrence of the horizon, cancelled ones too.
inline constexpr auto kIdentityReach = date::days{15};
void keep_identities(Expansion& expansion, const std::vector<EarlierOccurrence>& earlier, SysSeconds now);

}  // namespace arshjul
