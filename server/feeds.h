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
// Made after a snapshot is published (on the runner's thread, never an io
// thread); immutable after, so request threads share it. Throws only
// std::bad_alloc.
class FeedInputs {
 public:
  explicit FeedInputs(std::shared_ptr<const Snapshot> snapshot);
  const Snapshot& snapshot() const { return *snapshot_; }
  // A digest of everything render_feed(snapshot(), filter, now) writes: two
  // equal digests, of this snapshot or another, mean equal bytes. Costs a
  // pass over the snapshot's occurrences, not a rendering.
  std::string digest(const FeedFilter& filter, SysSeconds now) const;

 private:
  std::shared_ptr<const Snapshot> snapshot_;
  struct Digests {
    std::string live;  // the event as the config has it now
    std::string held;  // as stored: held, or no longer in the config
  };
  std::vector<Digests> live_;  // by position in the snapshot's expansion
  std::unordered_map<const StoredOccurrence*, std::string> gone_;  // the snapshot's gone rows
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
