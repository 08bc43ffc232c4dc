// Subscription feeds: an immutable snapshot of the wheel that request
// threads share, and the iCalendar text of one subscription's view of it.
#pragma once

#include <memory>
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
