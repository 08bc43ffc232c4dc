#include "server/feeds.h"

#include <algorithm>
#include <span>
#include <unordered_set>

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

namespace {

// The event of a live occurrence, with what storing it gave it (SEQUENCE, stamps).
CalendarEvent live_event(const Occurrence& o, const StoredOccurrence* stored) {
  EventState state;
  if (stored) state = {stored->sequence, false, stored->updated, stored->updated};
  return to_calendar_event(o, state);
}

// A stored row as subscribers last saw it. A gathering held when and as long
// as the config (`same`) still has it keeps its event a day (the stored row
// holds the whole span).
CalendarEvent held_event(const StoredOccurrence& s, const Occurrence* same, const date::time_zone* zone) {
  CalendarEvent ev = stored_event(s, zone);
  if (same && same->sessions.size() > 1 && same->start == s.start && same->end == s.end) {
    ev.days = to_calendar_event(*same, {}).days;
    for (std::size_t k = 0; k < ev.days.size(); ++k)
      ev.days[k].summary = s.title + " (" + gathering_day(k + 1, ev.days.size()) + ")";
  }
  return ev;
}

// Which events a feed holds, and in which form: `live(o, stored)` for an
// occurrence shown as the config has it, `held(s, same)` for a stored row
// shown as it was (held, or cancelled and not yet aged out). render_feed and
// FeedInputs::digest both choose through here, so they cannot disagree.
template <class Live, class Held>
void choose_events(const Snapshot& snap, const FeedFilter& filter, SysSeconds now, Live live, Held held) {
  const Config& c = snap.config;
  auto keep = [&](const StoredOccurrence& s) { return !(s.cancelled && s.updated + kCancelledRetention < now); };
  const Person* person = filter.kind == FeedFilter::Kind::person ? c.find_person(filter.ref) : nullptr;
  for (const Occurrence& o : snap.expansion.occurrences) {
    if (person ? !person_sees(c, *person, o) : !feed_includes(c, filter, o)) continue;
    auto it = snap.stored.find(o.uid);
    const StoredOccurrence* stored = it == snap.stored.end() ? nullptr : &it->second;
    // A meeting that took place reads as it was held, whatever the config says now.
    if (stored && arshjul::held(*stored, now)) {
      if (keep(*stored)) held(*stored, &o);
    } else {
      live(o, stored);
    }
  }
  // What the config no longer has: cancelled ones, so clients remove them,
  // and those that took place before the config dropped them, as history.
  for (const StoredOccurrence* s : snap.gone) {
    if (!(s->cancelled || arshjul::held(*s, now))) continue;
    if (!feed_includes_stored(c, filter, s->audience, s->wheel, s->unit)) continue;
    if (keep(*s)) held(*s, nullptr);
  }
}

CalendarHeader feed_header(const Config& c, const FeedFilter& filter) {
  CalendarHeader h;
  h.name = feed_name(c, filter);
  h.description = "Årshjul for " + c.organisation.name + " (arshjul)";
  h.refresh_interval = std::chrono::hours{1};
  h.organizer = c.organisation.organizer;
  return h;
}

}  // namespace

RenderedFeed render_feed(const Snapshot& snap, const FeedFilter& filter, SysSeconds now) {
  const Config& c = snap.config;
  std::vector<CalendarEvent> events;
  SysSeconds newest{};
  choose_events(
      snap, filter, now,
      [&](const Occurrence& o, const StoredOccurrence* stored) {
        events.push_back(live_event(o, stored));
        newest = std::max(newest, events.back().stamp);
      },
      [&](const StoredOccurrence& s, const Occurrence* same) {
        events.push_back(held_event(s, same, c.organisation.zone));
        newest = std::max(newest, s.updated);
      });
  // Cancelled ones come from a hash map: order by start and UID for stable bytes.
  std::sort(events.begin(), events.end(), [](const CalendarEvent& a, const CalendarEvent& b) {
    if (a.start != b.start) return a.start < b.start;
    return a.uid < b.uid;
  });
  RenderedFeed f;
  f.events = events.size();
  f.body = render_calendar(feed_header(c, filter), c.organisation.zone, events);
  // Built by appending, so up to twice its size: a cached feed should cost what it holds.
  f.body.shrink_to_fit();
  f.etag = "\"" + sha256_hex(f.body).substr(0, 32) + "\"";
  f.last_modified = newest;
  if (newest.time_since_epoch().count() > 0) f.last_modified_http = http_date(newest);
  return f;
}

std::optional<std::string> large_feed_notice(const RenderedFeed& feed) {
  if (feed.body.size() <= kLargeFeedBytes) return std::nullopt;
  return large_feed_text(feed.body.size() / 1024, feed.events);
}

namespace {

// One event's bytes as any feed writes it (the organizer is in the header's
// digest; the VTIMEZONE follows from the zone and the events' years).
std::string event_digest(const CalendarEvent& ev, const date::time_zone* zone) {
  return sha256_hex(render_events({}, zone, std::span<const CalendarEvent>(&ev, 1))).substr(0, 32);
}

}  // namespace

namespace {

std::string who_takes_part(const Occurrence& o) {
  std::string who = o.person ? o.person->id : std::string();
  for (const std::string& id : o.registered) (who += '\x1f') += id;
  return who;
}

// Whether a rendered feed may hold the event `uid`: its UID line's first
// physical line (folding cuts at 75 octets) starts with this prefix. A
// prefix other events share, or a UID the writer would not write as it is,
// only makes the answer yes, never a wrong no.
bool may_hold(std::string_view body, std::string_view uid) {
  if (uid.find_first_of(",;\\\r\n") != std::string_view::npos) return true;
  std::string line = "\r\nUID:";
  line += uid.substr(0, 60);
  return body.find(line) != std::string_view::npos;
}

}  // namespace

FeedInputs::FeedInputs(std::shared_ptr<const Snapshot> snapshot, const FeedInputs* previous)
    : snapshot_(std::move(snapshot)) {
  const Snapshot& snap = *snapshot_;
  const date::time_zone* zone = snap.config.organisation.zone;
  // The previous snapshot's digests of the event with this UID, if it had one.
  const auto digests_before = [&](std::string_view uid) -> const Digests* {
    if (!previous) return nullptr;
    auto it = previous->live_by_uid_.find(uid);
    if (it == previous->live_by_uid_.end()) return nullptr;
    return &previous->live_[static_cast<std::size_t>(it->second - previous->snapshot().expansion.occurrences.data())];
  };
  // Digesting renders the event: one that reads as it did at the previous
  // snapshot keeps its digest (a digest depends on the event and the zone only).
  const FeedInputs* earlier = previous && previous->snapshot().config.organisation.zone == zone ? previous : nullptr;
  live_.reserve(snap.expansion.occurrences.size());
  live_by_uid_.reserve(snap.expansion.occurrences.size());
  for (const Occurrence& o : snap.expansion.occurrences) {
    auto it = snap.stored.find(o.uid);
    const StoredOccurrence* stored = it == snap.stored.end() ? nullptr : &it->second;
    const Digests* was = earlier ? digests_before(o.uid) : nullptr;
    Digests& d = live_.emplace_back();
    d.live_event = live_event(o, stored);
    d.live = was && was->live_event == d.live_event ? was->live : event_digest(d.live_event, zone);
    if (stored) {
      d.held_event = held_event(*stored, &o, zone);
      d.held = was && was->held_event == d.held_event ? was->held : event_digest(*d.held_event, zone);
    }
    d.who = who_takes_part(o);
    live_by_uid_.emplace(o.uid, &o);
  }
  for (const StoredOccurrence* s : snap.gone) {
    CalendarEvent ev = held_event(*s, nullptr, zone);
    std::string digest;
    if (earlier)
      if (auto row = earlier->gone_by_uid_.find(s->uid); row != earlier->gone_by_uid_.end())
        if (earlier->gone_events_.at(row->second) == ev) digest = earlier->gone_.at(row->second);
    if (digest.empty()) digest = event_digest(ev, zone);
    gone_.emplace(s, std::move(digest));
    gone_events_.emplace(s, std::move(ev));
    gone_by_uid_.emplace(s->uid, s);
  }

  if (!previous || snap.narrowed_from < 0 || snap.narrowed_from != previous->snapshot().generation) return;
  // What changed between the two: events whose bytes or whose people (a
  // registration, a personal series) differ, and those only one side has.
  auto step = std::make_shared<Step>();
  step->from = snap.narrowed_from;
  step->people = snap.changed_people;
  std::sort(step->people.begin(), step->people.end());
  const auto changed_person = [&](std::string_view id) {
    return std::binary_search(step->people.begin(), step->people.end(), id);
  };
  for (std::size_t i = 0; i < snap.expansion.occurrences.size(); ++i) {
    const Occurrence& o = snap.expansion.occurrences[i];
    const Digests& now = live_[i];
    const Digests* was = digests_before(o.uid);
    // A changed person's personal series: their leader sees it, and who
    // that is may be what changed, though the event reads the same.
    const bool same = was && !(o.person && changed_person(o.person->id)) && was->live == now.live &&
                      was->held == now.held && was->who == now.who;
    if (!same) step->uids.push_back(o.uid);
  }
  for (const auto& [uid, o] : previous->live_by_uid_)
    if (!live_by_uid_.count(uid)) step->uids.emplace_back(uid);
  for (const auto& [row, digest] : gone_) {
    auto it = previous->gone_by_uid_.find(row->uid);
    if (it == previous->gone_by_uid_.end() || previous->gone_.at(it->second) != digest) step->uids.push_back(row->uid);
  }
  for (const auto& [uid, row] : previous->gone_by_uid_)
    if (!gone_by_uid_.count(uid)) step->uids.emplace_back(uid);
  const std::size_t keep = std::min(previous->steps_.size(), kKeptSteps - 1);
  steps_.assign(previous->steps_.end() - static_cast<std::ptrdiff_t>(keep), previous->steps_.end());
  steps_.push_back(std::move(step));
}

bool FeedInputs::unchanged_since(long long generation, const FeedFilter& filter, std::string_view body) const {
  auto first = std::find_if(steps_.begin(), steps_.end(), [&](const auto& step) { return step->from == generation; });
  if (first == steps_.end()) return false;
  const Config& c = snapshot_->config;
  const Person* person = nullptr;
  if (filter.kind == FeedFilter::Kind::person) {
    person = c.find_person(filter.ref);
    if (!person) return false;
  }
  for (auto it = first; it != steps_.end(); ++it) {
    const Step& step = **it;
    // Their own change may change anything in their feed, its name too.
    if (person && std::binary_search(step.people.begin(), step.people.end(), filter.ref)) return false;
    for (const std::string& uid : step.uids) {
      if (may_hold(body, uid)) return false;
      // choose_events' tests, without its time-dependent ones (held, aged
      // out): a superset, so a changed event the feed might show is never missed.
      if (auto live = live_by_uid_.find(uid); live != live_by_uid_.end() &&
                                             (person ? person_sees(c, *person, *live->second)
                                                     : feed_includes(c, filter, *live->second)))
        return false;
      if (auto gone = gone_by_uid_.find(uid); gone != gone_by_uid_.end() &&
                                             feed_includes_stored(c, filter, gone->second->audience,
                                                                  gone->second->wheel, gone->second->unit))
        return false;
    }
  }
  return true;
}

std::string FeedInputs::digest(const FeedFilter& filter, SysSeconds now) const {
  const Snapshot& snap = *snapshot_;
  // Which events and in which form, then the header: render_feed sorts the
  // events by what they hold, so their set (sorted here by UID) decides the bytes.
  std::vector<std::pair<std::string_view, const std::string*>> chosen;
  const Occurrence* first = snap.expansion.occurrences.data();
  choose_events(
      snap, filter, now,
      [&](const Occurrence& o, const StoredOccurrence*) { chosen.emplace_back(o.uid, &live_[&o - first].live); },
      [&](const StoredOccurrence& s, const Occurrence* same) {
        chosen.emplace_back(s.uid, same ? &live_[same - first].held : &gone_.at(&s));
      });
  std::sort(chosen.begin(), chosen.end());
  const CalendarHeader h = feed_header(snap.config, filter);
  std::string text = h.name + '\n' + h.description + '\n' + h.organizer.name + '\n' + h.organizer.email + '\n' +
                     std::string(snap.config.organisation.zone->name()) + '\n';
  text.reserve(text.size() + chosen.size() * 33);
  for (const auto& [uid, digest] : chosen) text += *digest + ' ';
  return sha256_hex(text);
}

}  // namespace arshjul
