#include "workflows/overrides.h"

#include <algorithm>

namespace arshjul {
namespace {

void set_time(Occurrence& o, const Override& ov, const date::time_zone* zone) {
  if (o.all_day) {
    o.first_day = ov.first_day;
    o.last_day = ov.last_day;
    o.start = to_utc(LocalSeconds{o.first_day}, zone);
    o.end = to_utc(LocalSeconds{o.last_day + date::days{1}}, zone);
  } else if (!o.sessions.empty()) {
    // A gathering moves as a block: each day at the new start's time of day, as long as before.
    const LocalSeconds first = to_local(ov.start, zone);
    for (std::size_t k = 0; k < o.sessions.size(); ++k) {
      const Seconds length = o.sessions[k].end - o.sessions[k].start;
      o.sessions[k].start = to_utc(first + date::days{static_cast<int>(k)}, zone);
      o.sessions[k].end = o.sessions[k].start + length;
    }
    o.start = o.sessions.front().start;
    o.end = o.sessions.back().end;
    o.first_day = date::floor<date::days>(first);
    o.last_day = date::floor<date::days>(to_local(o.end, zone));
  } else {
    o.start = ov.start;
    o.end = ov.end;
    o.first_day = date::floor<date::days>(to_local(o.start, zone));
    o.last_day = date::floor<date::days>(to_local(o.end, zone));
  }
}

}  // namespace

std::string_view override_kind_name(Override::Kind kind) {
  switch (kind) {
    case Override::Kind::move: return "move";
    case Override::Kind::cancel: return "cancel";
    case Override::Kind::extra: return "extra";
    case Override::Kind::agenda: return "agenda";
  }
  return "move";
}

std::string extra_uid(std::string_view organisation, long long id, std::string_view activity, std::string_view unit,
                      LocalDays day) {
  // The prefix keeps an extra meeting apart from one the rule may later put on the same day.
  return "extra-" + std::to_string(id) + "." + occurrence_uid(organisation, activity, unit, day);
}

std::vector<Occurrence> apply_overrides(Expansion& e, const std::vector<Override>& overrides) {
  std::vector<Occurrence> cancelled;
  if (overrides.empty() || !e.config) return cancelled;
  const Config& c = *e.config;
  const date::time_zone* zone = c.organisation.zone;
  auto find = [&](const std::string& uid) {
    return std::find_if(e.occurrences.begin(), e.occurrences.end(), [&](const Occurrence& o) { return o.uid == uid; });
  };
  for (const Override& ov : overrides) {
    switch (ov.kind) {
      case Override::Kind::move: {
        auto it = find(ov.uid);
        if (it == e.occurrences.end()) break;
        set_time(*it, ov, zone);
        it->moved_by_hr = true;
        it->change_reason = ov.reason;
        break;
      }
      case Override::Kind::cancel: {
        auto it = find(ov.uid);
        if (it == e.occurrences.end()) break;
        cancelled.push_back(std::move(*it));
        cancelled.back().change_reason = ov.reason;
        e.occurrences.erase(it);
        break;
      }
      case Override::Kind::agenda: {
        auto it = find(ov.uid);
        if (it == e.occurrences.end()) break;
        it->agenda = ov.agenda;
        it->documents = ov.documents;
        it->change_reason = ov.reason;
        break;
      }
      case Override::Kind::extra: {
        if (find(ov.uid) != e.occurrences.end()) break;
        Occurrence o;
        const Activity* a = c.find_activity(ov.activity, &o.wheel);
        if (!a) break;
        o.activity = a;
        if (!ov.unit.empty()) {
          o.unit = c.find_unit(ov.unit);
          if (!o.unit) break;
        }
        o.uid = ov.uid;
        o.all_day = a->kind != ActivityKind::meeting;
        set_time(o, ov, zone);
        o.original_day = o.first_day;
        o.extra = true;
        o.change_reason = ov.reason;
        e.occurrences.push_back(std::move(o));
        break;
      }
    }
  }
  std::sort(e.occurrences.begin(), e.occurrences.end(), [](const Occurrence& x, const Occurrence& y) {
    if (x.start != y.start) return x.start < y.start;
    return x.uid < y.uid;
  });
  return cancelled;
}

}  // namespace arshjul
