#include "server/feeds.h"

#include <algorithm>

#include "scheduler/tokens.h"
#include "workflows/events.h"
#include "workflows/vocabulary.h"

namespace arshjul {

std::string http_date(SysSeconds t) {
  return date::format("%a, %d %b %Y %H:%M:%S GMT", t);
}

CalendarEvent stored_event(const StoredOccurrence& s, const date::time_zone* zone) {
  CalendarEvent ev;
  ev.uid = s.uid;
  ev.stamp = s.updated;
  ev.last_modified = s.updated;
  ev.sequence = s.sequence;
  ev.status = s.cancelled ? CalendarEvent::Status::cancelled : CalendarEvent::Status::confirmed;
  ev.all_day = s.all_day;
  ev.start = s.start;
  ev.end = s.end;
  ev.first_day = date::floor<date::days>(to_local(s.start, zone));
  ev.last_day = ev.all_day ? date::floor<date::days>(to_local(s.end, zone)) - date::days{1}
                           : date::floor<date::days>(to_local(s.end, zone));
  if (ev.last_day < ev.first_day) ev.last_day = ev.first_day;
  ev.summary = s.title;
  ev.location = s.location;
  ev.description = s.description;
  if (s.cancelled) ev.description += (ev.description.empty() ? "" : "\n\n") + cancelled_text(s.cancel_reason);
  if (!s.wheel_name.empty()) ev.categories.push_back(s.wheel_name);
  // A cancelled event no longer blocks anyone's time.
  ev.transparent = s.all_day || s.cancelled;
  return ev;
}

RenderedFeed render_feed(const Snapshot& snap, const FeedFilter& filter, SysSeconds now) {
  const Config& c = snap.config;
  std::vector<CalendarEvent> events;
  SysSeconds newest{};
  auto add_stored = [&](const StoredOccurrence& s, const Occurrence* same) {
    if (s.cancelled && s.updated + kCancelledRetention < now) return;
    newest = std::max(newest, s.updated);
    events.push_back(stored_event(s, c.organisation.zone));
    // A gathering held when and as long as the config still has it keeps
    // its event a day (the stored row holds the whole span).
    if (same && same->sessions.size() > 1 && same->start == s.start && same->end == s.end) {
      const CalendarEvent days = to_calendar_event(*same, {});
      events.back().days = days.days;
      for (std::size_t k = 0; k < events.back().days.size(); ++k)
        events.back().days[k].summary = s.title + " (" + gathering_day(k + 1, events.back().days.size()) + ")";
    }
  };
  std::unordered_map<std::string_view, bool> live;
  for (const Occurrence& o : snap.expansion.occurrences) {
    live.emplace(o.uid, true);
    if (!feed_includes(c, filter, o)) continue;
    EventState state;
    if (auto it = snap.stored.find(o.uid); it != snap.stored.end()) {
      // A meeting that took place reads as it was held, whatever the config says now.
      if (held(it->second, now)) {
        add_stored(it->second, &o);
        continue;
      }
      state = {it->second.sequence, false, it->second.updated, it->second.updated};
    }
    newest = std::max(newest, state.stamp);
    events.push_back(to_calendar_event(o, state));
  }
  // What the config no longer has: cancelled ones, so clients remove them,
  // and those that took place before the config dropped them, as history.
  for (const auto& [uid, s] : snap.stored) {
    if (live.count(uid) || !(s.cancelled || held(s, now))) continue;
    if (!feed_includes_stored(c, filter, s.audience, s.wheel, s.unit)) continue;
    add_stored(s, nullptr);
  }
  // Cancelled ones come from a hash map: order by start and UID for stable bytes.
  std::sort(events.begin(), events.end(), [](const CalendarEvent& a, const CalendarEvent& b) {
    if (a.start != b.start) return a.start < b.start;
    return a.uid < b.uid;
  });
  CalendarHeader h;
  h.name = feed_name(c, filter);
  h.description = "Årshjul for " + c.organisation.name + " (arshjul)";
  h.refresh_interval = std::chrono::hours{1};
  h.organizer = c.organisation.organizer;
  RenderedFeed f;
  f.events = events.size();
  f.body = render_calendar(h, c.organisation.zone, events);
  f.etag = "\"" + sha256_hex(f.body).substr(0, 32) + "\"";
  f.last_modified = newest;
  if (newest.time_since_epoch().count() > 0) f.last_modified_http = http_date(newest);
  return f;
}

}  // namespace arshjul
