// The wheel in motion. HR's config files, merged with what the API and the
// HR system stored (people, overrides), are expanded over the horizon and
// stored; registrations and tasks are reconciled; what that owes people goes
// into the outbox.
//
// The daemon builds a snapshot at start, on reload and after every change
// through the API; `arshjul sync` and `arshjul import` build one and exit.
// A snapshot is immutable once built, so request threads share it freely.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "scheduler/clock.h"
#include "scheduler/webhooks.h"
#include "storage/storage.h"

namespace arshjul {

struct Snapshot {
  Config config;        // the files' config with the stored roster
  Expansion expansion;  // points into `config`: a Snapshot never moves
  std::unordered_map<std::string, StoredOccurrence> stored;  // by UID, the horizon
  std::vector<const StoredOccurrence*> gone;  // those of `stored` the expansion no longer has
  LocalDays horizon_from, horizon_to;
  long long generation = 0;
  SyncStats sync;       // what storing it changed
  std::vector<Override> overrides;
  std::vector<Occurrence> cancelled_by_hr;  // taken out by HR's overrides, with the reason
  std::vector<Registration> registrations;
  std::vector<RegistrationChange> registration_changes;  // what this build changed
  std::vector<Person> departed;  // removed from the roster, still owed word that their registration is cancelled
  // What this build redid only in part (a PeopleChange), for /metrics and tests.
  bool roster_patched = false;  // the previous roster with the changed people read again
  bool tasks_scoped = false;    // only the changed people's own tasks computed and synced
  bool registrations_kept = false;  // the previous plan kept: nothing it reads changed
  // Set when this snapshot was built from snapshot `narrowed_from` by a
  // change to `changed_people` that can change nobody else's view of an
  // event other than through the event itself: none of them leads, acts or
  // is anyone's manager, before or after (tasks_scoped). Feeds of everyone
  // else are then checked against the events that changed alone. -1 otherwise.
  long long narrowed_from = -1;
  std::vector<std::string> changed_people;
  SysSeconds built_at{};        // the clock when it was built
};

// What a change to the roster touched, so the next build redoes only that.
// `previous` is the snapshot the change was made against, built from the
// same files and with nothing else stored since; `people` are the ids whose
// stored rows the change wrote. A step that cannot be narrowed safely (a
// person who joins, leaves or leads) runs whole: the result is always what
// a full build gives.
struct PeopleChange {
  const Snapshot& previous;
  std::vector<std::string> people;
};

// The config's roster with the stored people upserted over it by id and
// the removed ones taken out; references (manager) to people no longer there
// are dropped rather than left dangling.
Config with_stored_people(Config files, std::vector<StoredPerson> stored);

// The stored occurrences of [from, to], cancelled ones too, for keep_identities.
std::vector<EarlierOccurrence> earlier_occurrences(Storage& storage, std::string_view organisation, LocalDays from,
                                                   LocalDays to);

// Expands the config (with the stored roster and overrides) over this year
// and next (by `clock`), registers new hires, stores occurrences and tasks,
// and returns the snapshot of the result.
std::shared_ptr<const Snapshot> build_snapshot(Config files, Storage& storage, const Clock& clock,
                                               long long generation, const PeopleChange* change = nullptr);

// Puts in the outbox every reminder and notice due by `until`, word of the
// snapshot's changes and cancellations (with HR's reason) to those who heard
// of them, and the registration messages of the build. Keys are unique, so
// planning twice sends once. Returns a line for the log.
std::string plan_outbox(const Snapshot& snapshot, Storage& storage, SysSeconds now, SysSeconds until);

// Enqueues the task reminders and overdue notices due at `now` (computed
// when due, so a task completed in time is never nagged about). Returns how
// many were new. `planned` remembers the keys already enqueued, so a message
// due for days is not rebuilt on every call.
int plan_task_messages(const Snapshot& snapshot, Storage& storage, SysSeconds now,
                       std::unordered_set<std::string>& planned);

// Enqueues `leader.started` for each leader whose leader_start_date, and
// each acting leader whose first day, came in the last week (and not before
// the wheel first ran on this database), listing the open tasks now theirs.
// Returns how many were new; `planned` as for plan_task_messages.
int plan_leader_messages(const Snapshot& snapshot, Storage& storage, SysSeconds now,
                         std::unordered_set<std::string>& planned);

// The URL of a person's own feed, creating its subscription on first use.
// The token is derived from a secret kept in storage, so it is never stored
// itself and stays the same; empty if the person revoked it. A subscription
// created here is dated `now` (the wheel's clock).
std::string personal_feed_url(Storage& storage, std::string_view person_id, SysSeconds now);

// personal_feed_url's feed and page for each of `person_ids`, in order (the
// secret read once), at `base_url` (empty: the public_url the daemon
// stored); empty links for a person who revoked theirs. Run it in one
// storage unit: creating 50,000 subscriptions is then one commit.
std::vector<PersonalLinks> personal_links(Storage& storage, const std::vector<std::string>& person_ids, SysSeconds now,
                                          const std::string& base_url = "");

}  // namespace arshjul
