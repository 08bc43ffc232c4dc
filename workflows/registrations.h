// Automatic registration for days for new hires (the ansattdag, or any other
// activity with a RegistrationRule): which day each new hire goes to, within
// each day's capacity. Reasons name the day as vocabulary.h says.
//
// Pure: given the roster, the occurrences and what is registered now, it
// says what should be registered and what changed, so storage can record it
// and the hires (or HR) can be told.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "workflows/expansion.h"

namespace arshjul {

struct Registration {
  std::string activity;        // the activity with the RegistrationRule
  std::string person;
  std::string occurrence_uid;  // empty: waiting, no day with room within max_wait_days
  // The occurrence's original day (Occurrence::original_day), kept with the
  // registration so a day gone from the expansion (cancelled, or before the
  // horizon) can still be named and placed in time; none while waiting.
  std::optional<LocalDays> occurrence_day;

  bool operator==(const Registration&) const = default;
};

struct RegistrationChange {
  enum class Kind { created, moved, cancelled, waiting };
  Kind kind = Kind::created;
  std::string activity;
  std::string person;
  std::string from_uid;  // moved, cancelled: the day they were registered for
  std::string to_uid;    // created, moved: the day they are registered for now
  std::string reason;    // bokmål, for the message: why it moved, was cancelled or waits
};

struct RegistrationPlan {
  std::vector<Registration> registrations;  // the whole wanted state, by activity then person
  std::vector<RegistrationChange> changes;  // what differs from `current`
};

// `current` is what storage holds. "Start date" below is the rule's `after`:
// start_date (new hires, the default) or leader_start_date (new leaders, for
// shared new-leader course days). Rules, per activity with a registration:
// - a new hire is a person with a start date for whom start_date +
//   max_wait_days is not yet past (by `now`), or who is registered already;
// - a registration on an occurrence that still exists, has not been moved
//   before start_date + lead_days, and (if it has not started) is kept, even
//   past capacity, so people are not pushed around;
// - otherwise the hire gets the first occurrence that starts after `now`, on
//   or after start_date + lead_days and no later than start_date +
//   max_wait_days, with fewer than `capacity` places taken; hires are placed
//   in order of start date, then id;
// - none: waiting (HR is told once, as a `waiting` change);
// - a person no longer in the roster, or without a start date, loses a
//   registration for a day that has not started (cancelled).
// An occurrence of a unit-scoped activity only takes people of its unit.
RegistrationPlan plan_registrations(const Config& config, const Expansion& expansion,
                                    const std::vector<Registration>& current, SysSeconds now);

std::string_view change_kind_name(RegistrationChange::Kind kind);  // "created", "moved", ...

// Why a hire waits for a day of `activity` (their registration has none),
// as plan_registrations decided it: no day ahead within their reach
// (start + lead_days to start + max_wait_days), or every one of them full;
// and the next day after it, with room, if the expansion has one. For HR's
// page, which otherwise shows a name and no reason. The days' places taken
// are `Occurrence::registered`, as the snapshot holds them.
struct WaitingReason {
  LocalDays counts_from;           // the hire's start_date (or leader_start_date)
  LocalDays earliest, latest;      // the days they can be placed on
  int full_days = 0;               // days ahead within reach, all full (0: there are none)
  std::optional<LocalDays> next;   // the first day after `latest` with room
  // Bokmål: "Ingen ansattdag innen 30 dager etter tiltredelse mandag 1.
  // mars 2027; neste ansattdag er mandag 10. mai 2027 (70 dager etter), så
  // max_wait_days = 70 eller en dag til ville gitt plass"
  std::string text;
};
// Empty when the person has no date the rule counts from, or the activity no registration.
std::optional<WaitingReason> waiting_reason(const Expansion& expansion, const Activity& activity,
                                            const Person& person, SysSeconds now);

}  // namespace arshjul
