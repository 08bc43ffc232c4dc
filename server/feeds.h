// Subscription feeds: an immutable snapshot of the wheel that request
// threads share, and the iCalendar text of one subscription's view of it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "calendars/icalendar.h"
#include "scheduler/clock.h"
#include "scheduler/engine.h"
#include "storage/storage.h"
#include "workflows/audience.h"

namespace arshjul {

// Cancelled occurrences stay in feeds this long, so clients remove them.
inline constexpr Seconds kCancelledRetention = std::chrono::hours{24 * 60};

struct RenderedFeed {
  std::string body;
  std::string etag;           // strong, quoted, from the body
  SysSeconds last_modified{};
  std::string last_modified_http;  // as the Last-Modified header has it; empty when unknown
  std::size_t events = 0;
};

// The same snapshot, filter and day always give the same bytes.
RenderedFeed render_feed(const Snapshot& snapshot, const FeedFilter& filter, SysSeconds now);

// Feeds past this size stop importing in Google Calendar: worth a warning.
inline constexpr std::size_t kLargeFeedBytes = 1 << 20;

// What HR reads about a feed past kLargeFeedBytes (bokmål, vocabulary's
// large_feed_text); nullopt for a smaller one.
std::optional<std::string> large_feed_notice(const RenderedFeed& feed);

// Every event a snapshot's feeds can hold, each digested once per snapshot,
// so a feed rendered at an older snapshot is checked against a newer one
// without being rendered again: a change to one person leaves the feeds it
// does not touch, their bytes and ETags, as they were.
//
// Made from `previous` (the inputs of the snapshot published before) when
// the snapshot was built from that one by a change to a few people
// (Snapshot::narrowed_from): then it also keeps which people and events
// changed, between the two and (kept from `previous`) in the narrowed
// snapshots before, so a feed current at any of them is checked against
// those few alone, not against every event.
//
// Made before a snapshot is published (on the runner's thread, never an io
// thread); immutable after, so request threads share it. Throws only
// std::bad_alloc.
class FeedInputs {
 public:
  explicit FeedInputs(std::shared_ptr<const Snapshot> snapshot, const FeedInputs* previous = nullptr);
  const Snapshot& snapshot() const { return *snapshot_; }
  const std::shared_ptr<const Snapshot>& shared_snapshot() const { return snapshot_; }
  // A digest of everything render_feed(snapshot(), filter, now) writes: two
  // equal digests, of this snapshot or another, mean equal bytes. Costs a
  // pass over the snapshot's occurrences, not a rendering.
  std::string digest(const FeedFilter& filter, SysSeconds now) const;

  // Whether `body`, the feed of `filter` current at snapshot `generation`
  // (same day), is this snapshot's feed too. Known only when every snapshot
  // since was narrowed from the one before (the last kKeptSteps): then true
  // when the filter names none of the people changed since, `body` holds
  // none of the events that changed since, and the filter chooses none of
  // them now. False means only "not known": digest() decides. Costs a look
  // at the changed people and events, not at every event.
  bool unchanged_since(long long generation, const FeedFilter& filter, std::string_view body) const;

  // How many narrowed snapshots back unchanged_since can see.
  static constexpr std::size_t kKeptSteps = 256;

 private:
  std::shared_ptr<const Snapshot> snapshot_;
  struct Digests {
    std::string live;  // the event as the config has it now
    std::string held;  // as stored: held, or no longer in the config
    std::string who;   // whose personal series it is and who is registered: who takes part besides the selectors
    // The events digested, so the next snapshot digests only those that differ.
    CalendarEvent live_event;
    std::optional<CalendarEvent> held_event;
  };
  std::vector<Digests> live_;  // by position in the snapshot's expansion
  std::unordered_map<const StoredOccurrence*, std::string> gone_;  // the snapshot's gone rows
  std::unordered_map<const StoredOccurrence*, CalendarEvent> gone_events_;

  // One narrowed snapshot: what changed from snapshot `from` to the next.
  struct Step {
    long long from = -1;
    std::vector<std::string> people;  // sorted
    std::vector<std::string> uids;    // the events that changed, either side
  };
  std::vector<std::shared_ptr<const Step>> steps_;  // oldest first; the last is from the previous snapshot
  std::unordered_map<std::string_view, const Occurrence*> live_by_uid_;
  std::unordered_map<std::string_view, const StoredOccurrence*> gone_by_uid_;
};

// "Tue, 24 Nov 2026 16:00:00 GMT" (RFC 9110 IMF-fixdate).
std::string http_date(SysSeconds t);

// Whether an occurrence has ended by `now` as stored: then it is history,
// and feeds show it as it was held (stored_event), not as the config has it now.
inline bool held(const StoredOccurrence& stored, SysSeconds now) { return stored.end <= now; }

// A stored occurrence as subscribers last saw it: its stored time, title,
// place, description and wheel. A cancelled one adds why (vocabulary's
// cancelled_text) to its description. For a row that matches the config,
// the same bytes as the config's event.
CalendarEvent stored_event(const StoredOccurrence& stored, const date::time_zone* zone);

}  // namespace arshjul
