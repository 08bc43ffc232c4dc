// Who an occurrence is for: its participants and notice recipients resolved
// against the roster, and which subscription feeds it belongs in.
#pragma once

#include <string>
#include <vector>

#include "calendars/expected.h"
#include "workflows/expansion.h"

namespace arshjul {

class LeaderIndex;  // workflows/tasks.h

// Does `person` match `selector` for an occurrence of the series at `unit`
// (nullptr: the organisation)? Undated: every role counts whatever its dates,
// and own-leader matches nobody. "participants" never matches here.
bool selects(const Config& config, const Selector& selector, const Person& person, const Unit* unit);

// The same for one occurrence: roles are those held on its first day (a
// leader before leader_start_date is not one yet, an acting leader is), and
// own-leader is the leader of a personal series' person on that day.
bool selects(const Config& config, const Selector& selector, const Person& person, const Occurrence& occurrence);

// Is `unit` the unit `anchor` or one under it?
bool is_within(const Config& config, std::string_view unit, std::string_view anchor);

// Everyone who takes part: the activity's participants, the person of a
// personal series, and those registered for it.
std::vector<const Person*> participants(const Config& config, const Occurrence& occurrence);

// What a subscription feed shows.
struct FeedFilter {
  enum class Kind { all, person, role, unit, wheel };
  Kind kind = Kind::all;
  std::string ref;  // person id, role name, unit id or wheel id

  std::string to_string() const;  // "person:kari-nordmann", "all"
};

Expected<FeedFilter> parse_feed_filter(const Config& config, std::string_view text);

// A person sees what they take part in or get notice of, and (leaders) the
// windows and deadlines that name no participants; a role sees the
// activities that select it; a unit its own series; a wheel its activities.
bool feed_includes(const Config& config, const FeedFilter& filter, const Occurrence& occurrence);
// A person filter's test with the person already found: for a pass over
// every occurrence, one lookup instead of one each.
bool person_sees(const Config& config, const Person& person, const Occurrence& occurrence);

// Everyone an occurrence concerns, as stored beside it so a cancelled
// occurrence still reaches the feeds that showed it. It records the
// selectors ("|r:leader@u:skole|c:amu|p:kari|"), not the people, so its size
// does not grow with the roster. With `leaders` (made from `config`), a
// personal series' own leader is looked up there rather than by a scan:
// for a pass over every occurrence of a large roster.
std::string audience_key(const Config& config, const Occurrence& occurrence, const LeaderIndex* leaders = nullptr);

// Does a stored audience key (and wheel and unit) belong in this feed? A
// person is tested by their roles, unit and committees in `config`.
bool feed_includes_stored(const Config& config, const FeedFilter& filter, std::string_view audience,
                          std::string_view wheel, std::string_view unit);

// "Røros kommune – Kari Nordmann"
std::string feed_name(const Config& config, const FeedFilter& filter);

}  // namespace arshjul
