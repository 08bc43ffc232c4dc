#include "workflows/audience.h"

#include <algorithm>

namespace arshjul {
namespace {

bool has_role(const Person& p, Role r) {
  return std::find(p.roles.begin(), p.roles.end(), r) != p.roles.end();
}

bool any_selects(const Config& c, const std::vector<Selector>& sels, const Person& p, const Unit* unit) {
  for (const auto& s : sels)
    if (selects(c, s, p, unit)) return true;
  return false;
}

bool any_role(const std::vector<Selector>& sels, Role r) {
  for (const auto& s : sels)
    if ((s.kind == Selector::Kind::role || s.kind == Selector::Kind::role_at_level) && s.role == r) return true;
  return false;
}

}  // namespace

bool selects(const Config& c, const Selector& s, const Person& p, const Unit* unit) {
  switch (s.kind) {
    case Selector::Kind::participants: return false;
    case Selector::Kind::person: return p.id == s.ref;
    case Selector::Kind::committee:
      return std::find(p.committees.begin(), p.committees.end(), s.ref) != p.committees.end();
    case Selector::Kind::role:
      if (!has_role(p, s.role)) return false;
      // In a unit's series, unit-bound roles mean that unit's people.
      return !(unit && is_unit_bound(s.role)) || p.unit == unit->id;
    case Selector::Kind::role_at_level: {
      if (!has_role(p, s.role)) return false;
      const Unit* home = c.find_unit(p.unit);
      return home && home->level == s.ref;
    }
  }
  return false;
}

std::vector<const Person*> participants(const Config& c, const Occurrence& o) {
  std::vector<const Person*> out;
  for (const auto& p : c.people)
    if (any_selects(c, o.activity->participants, p, o.unit)) out.push_back(&p);
  return out;
}

std::string FeedFilter::to_string() const {
  switch (kind) {
    case Kind::all: return "all";
    case Kind::person: return "person:" + ref;
    case Kind::role: return "role:" + ref;
    case Kind::unit: return "unit:" + ref;
    case Kind::wheel: return "wheel:" + ref;
  }
  return "all";
}

Expected<FeedFilter> parse_feed_filter(const Config& c, std::string_view text) {
  if (text == "all") return FeedFilter{};
  const auto colon = text.find(':');
  if (colon == std::string_view::npos)
    return Error{"expected all, person:ID, role:ROLE, unit:ID or wheel:ID, got \"" + std::string(text) + "\""};
  const std::string kind(text.substr(0, colon)), ref(text.substr(colon + 1));
  if (kind == "person") {
    if (!c.find_person(ref)) return Error{"unknown person \"" + ref + "\""};
    return FeedFilter{FeedFilter::Kind::person, ref};
  }
  if (kind == "role") {
    if (!role_from_name(ref)) return Error{"unknown role \"" + ref + "\""};
    return FeedFilter{FeedFilter::Kind::role, ref};
  }
  if (kind == "unit") {
    if (!c.find_unit(ref)) return Error{"unknown unit \"" + ref + "\""};
    return FeedFilter{FeedFilter::Kind::unit, ref};
  }
  if (kind == "wheel") {
    if (!c.find_wheel(ref)) return Error{"unknown wheel \"" + ref + "\""};
    return FeedFilter{FeedFilter::Kind::wheel, ref};
  }
  return Error{"expected all, person:ID, role:ROLE, unit:ID or wheel:ID, got \"" + std::string(text) + "\""};
}

namespace {

// A person's feed, for a person already in hand (no lookup by id).
bool person_sees(const Config& c, const Person& p, const Occurrence& o) {
  const Activity& a = *o.activity;
  if (any_selects(c, a.participants, p, o.unit)) return true;
  if (a.notice && any_selects(c, a.notice->to, p, o.unit)) return true;
  // Windows and deadlines that name nobody are every leader's business.
  return a.participants.empty() && a.kind != ActivityKind::meeting && has_role(p, Role::leader) &&
         (!o.unit || o.unit->id == p.unit);
}

}  // namespace

bool feed_includes(const Config& c, const FeedFilter& f, const Occurrence& o) {
  const Activity& a = *o.activity;
  switch (f.kind) {
    case FeedFilter::Kind::all: return true;
    case FeedFilter::Kind::wheel: return o.wheel->id == f.ref;
    case FeedFilter::Kind::unit: return o.unit && o.unit->id == f.ref;
    case FeedFilter::Kind::role: {
      const auto role = role_from_name(f.ref);
      return role && (any_role(a.participants, *role) || (a.notice && any_role(a.notice->to, *role)));
    }
    case FeedFilter::Kind::person: {
      const Person* p = c.find_person(f.ref);
      return p && person_sees(c, *p, o);
    }
  }
  return false;
}

std::string audience_key(const Config& c, const Occurrence& o) {
  std::string key = "|";
  for (const auto& p : c.people)
    if (person_sees(c, p, o)) key += "p:" + p.id + "|";
  for (auto r : role_names())
    if (feed_includes(c, FeedFilter{FeedFilter::Kind::role, std::string(r)}, o)) key += "r:" + std::string(r) + "|";
  return key;
}

bool feed_includes_stored(const FeedFilter& f, std::string_view audience, std::string_view wheel,
                          std::string_view unit) {
  switch (f.kind) {
    case FeedFilter::Kind::all: return true;
    case FeedFilter::Kind::wheel: return wheel == f.ref;
    case FeedFilter::Kind::unit: return unit == f.ref;
    case FeedFilter::Kind::person: return audience.find("|p:" + f.ref + "|") != std::string_view::npos;
    case FeedFilter::Kind::role: return audience.find("|r:" + f.ref + "|") != std::string_view::npos;
  }
  return false;
}

std::string feed_name(const Config& c, const FeedFilter& f) {
  const std::string org = c.organisation.name;
  switch (f.kind) {
    case FeedFilter::Kind::all: return org + " – årshjul";
    case FeedFilter::Kind::person: {
      const Person* p = c.find_person(f.ref);
      return org + " – " + (p ? p->name : f.ref);
    }
    case FeedFilter::Kind::role: return org + " – " + f.ref;
    case FeedFilter::Kind::unit: {
      const Unit* u = c.find_unit(f.ref);
      return org + " – " + (u ? u->name : f.ref);
    }
    case FeedFilter::Kind::wheel: {
      const Wheel* w = c.find_wheel(f.ref);
      return org + " – " + (w ? w->name : f.ref);
    }
  }
  return org;
}

}  // namespace arshjul
