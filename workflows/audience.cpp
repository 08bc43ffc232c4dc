#include "workflows/audience.h"

#include <algorithm>

#include "workflows/tasks.h"

namespace arshjul {
namespace {

bool has_role(const Person& p, Role r) {
  return std::find(p.roles.begin(), p.roles.end(), r) != p.roles.end();
}

bool any_selects(const Config& c, const std::vector<Selector>& sels, const Person& p, const Occurrence& o) {
  for (const auto& s : sels)
    if (selects(c, s, p, o)) return true;
  return false;
}

bool nobody_named(const Occurrence& o) {
  return o.activity->participants.empty() && o.activity->kind != ActivityKind::meeting && !o.person &&
         o.registered.empty();
}

bool any_role(const std::vector<Selector>& sels, Role r) {
  for (const auto& s : sels)
    if ((s.kind == Selector::Kind::role || s.kind == Selector::Kind::role_at_level ||
         s.kind == Selector::Kind::role_in_tree) &&
        s.role == r)
      return true;
  return false;
}

}  // namespace

namespace {

// selects with what the occurrence adds: the day roles are held on (none:
// undated) and the personal series' person (for own-leader).
bool selects_on(const Config& c, const Selector& s, const Person& p, const Unit* unit, std::optional<LocalDays> day,
                const Person* subject) {
  switch (s.kind) {
    case Selector::Kind::participants: return false;
    case Selector::Kind::person: return p.id == s.ref;
    case Selector::Kind::committee: return is_member(p, s.ref, day);
    case Selector::Kind::role:
      for (std::string_view u : role_units(p, s.role, day))
        // In a unit's series, unit-bound roles mean that unit's people.
        if (!(unit && is_unit_bound(s.role)) || u == unit->id) return true;
      return false;
    case Selector::Kind::role_at_level:
      for (std::string_view u : role_units(p, s.role, day))
        if (const Unit* home = c.find_unit(u); home && home->level == s.ref) return true;
      return false;
    case Selector::Kind::role_in_tree: {
      const std::string_view anchor = !s.unit.empty() ? std::string_view(s.unit) : unit ? std::string_view(unit->id)
                                                                                         : std::string_view();
      if (anchor.empty()) return false;
      for (std::string_view u : role_units(p, s.role, day)) {
        if (!s.below) {
          if (u == anchor) return true;
          continue;
        }
        if (!is_within(c, u, anchor)) continue;
        if (s.ref.empty()) return true;
        if (const Unit* home = c.find_unit(u); home && home->level == s.ref) return true;
      }
      return false;
    }
    case Selector::Kind::own_leader: {
      if (!subject || !day || subject->id == p.id) return false;
      // Only a leader (or the named manager) can be anyone's leader: the walk
      // is skipped for everyone else.
      if (role_units(p, Role::leader, day).count == 0 && subject->manager != p.id) return false;
      const Person* l = leader_of(c, *subject, day);
      return l && l->id == p.id;
    }
  }
  return false;
}

}  // namespace

bool is_within(const Config& c, std::string_view unit, std::string_view anchor) {
  // A cycle in the unit tree must not hang the daemon.
  for (std::size_t step = 0; !unit.empty() && step <= c.units.size(); ++step) {
    if (unit == anchor) return true;
    const Unit* u = c.find_unit(unit);
    if (!u) return false;
    unit = u->parent;
  }
  return false;
}

bool selects(const Config& c, const Selector& s, const Person& p, const Unit* unit) {
  return selects_on(c, s, p, unit, std::nullopt, nullptr);
}

bool selects(const Config& c, const Selector& s, const Person& p, const Occurrence& o) {
  return selects_on(c, s, p, o.unit, o.first_day, o.person);
}

bool is_registered(const Occurrence& o, const Person& p) {
  return std::find(o.registered.begin(), o.registered.end(), p.id) != o.registered.end();
}

bool takes_part(const Config& c, const Occurrence& o, const Person& p) {
  if (o.person == &p || (o.person && o.person->id == p.id)) return true;
  return any_selects(c, o.activity->participants, p, o) || is_registered(o, p);
}

std::vector<const Person*> participants(const Config& c, const Occurrence& o) {
  std::vector<const Person*> out;
  for (const auto& p : c.people)
    if (takes_part(c, o, p)) out.push_back(&p);
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

bool person_sees(const Config& c, const Person& p, const Occurrence& o) {
  const Activity& a = *o.activity;
  if (takes_part(c, o, p)) return true;
  if (a.notice && any_selects(c, a.notice->to, p, o)) return true;
  // Windows and deadlines that name nobody are every leader's business.
  return nobody_named(o) && has_role(p, Role::leader) && (!o.unit || o.unit->id == p.unit);
}

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

// The audience is stored as the selectors it was chosen by, resolved to
// tokens a person can be tested against later, not as the list of people:
// that list would be as long as the roster for an organisation-wide window.
//   p:ID            a person (person selector, personal series, registration)
//   r:ROLE          everyone with the role
//   r:ROLE@u:UNIT   the role in one unit (unit-bound role in a unit's series)
//   r:ROLE@l:LEVEL  the role at a level
//   r:ROLE@t:UNIT[@l:LEVEL]  the role in a unit and every unit under it (at a level)
//   c:COMMITTEE     a committee's members
//   n:leader[@u:UNIT]  leaders, for windows and deadlines that name nobody
namespace {

void add_token(std::string& key, std::string_view token) {
  std::string wrapped = "|" + std::string(token) + "|";
  if (key.find(wrapped) != std::string::npos) return;
  key.append(wrapped, 1, std::string::npos);
}

void add_selectors(std::string& key, const Config& c, const std::vector<Selector>& sels, const Occurrence& o,
                   const LeaderIndex* leaders) {
  const Unit* unit = o.unit;
  for (const auto& s : sels) {
    switch (s.kind) {
      case Selector::Kind::participants: break;
      case Selector::Kind::own_leader:
        // Resolved now: the leader on the occurrence's day is who it concerns.
        if (o.person)
          if (const Person* l = leaders ? leaders->leader_of(*o.person, o.first_day) : leader_of(c, *o.person, o.first_day))
            add_token(key, "p:" + l->id);
        break;
      case Selector::Kind::role_in_tree: {
        const std::string anchor = !s.unit.empty() ? s.unit : unit ? unit->id : std::string();
        if (anchor.empty()) break;
        std::string t = "r:" + std::string(role_name(s.role)) + (s.below ? "@t:" : "@u:") + anchor;
        if (!s.ref.empty()) t += "@l:" + s.ref;
        add_token(key, t);
        break;
      }
      case Selector::Kind::person: add_token(key, "p:" + s.ref); break;
      case Selector::Kind::committee: add_token(key, "c:" + s.ref); break;
      case Selector::Kind::role: {
        std::string t = "r:" + std::string(role_name(s.role));
        if (unit && is_unit_bound(s.role)) t += "@u:" + unit->id;
        add_token(key, t);
        break;
      }
      case Selector::Kind::role_at_level:
        add_token(key, "r:" + std::string(role_name(s.role)) + "@l:" + s.ref);
        break;
    }
  }
}

// The tokens that stand for `p` in a stored audience.
std::vector<std::string> person_tokens(const Config& c, const Person& p) {
  std::vector<std::string> out{"p:" + p.id};
  const Unit* home = c.find_unit(p.unit);
  for (Role r : p.roles) {
    const std::string name = "r:" + std::string(role_name(r));
    out.push_back(name);
    if (!p.unit.empty()) out.push_back(name + "@u:" + p.unit);
    if (home) out.push_back(name + "@l:" + home->level);
    // Trees the person's unit hangs in: "r:ROLE@t:ANCESTOR", also at their level.
    std::string_view u = p.unit;
    for (std::size_t step = 0; !u.empty() && step <= c.units.size(); ++step) {
      out.push_back(name + "@t:" + std::string(u));
      if (home) out.push_back(name + "@t:" + std::string(u) + "@l:" + home->level);
      const Unit* up = c.find_unit(u);
      if (!up) break;
      u = up->parent;
    }
  }
  // Stored audiences are matched without dates: any seat, past or coming.
  for (const auto& m : p.committees) out.push_back("c:" + m.committee);
  if (has_role(p, Role::leader)) {
    out.push_back("n:leader");
    if (!p.unit.empty()) out.push_back("n:leader@u:" + p.unit);
  }
  return out;
}

bool contains_token(std::string_view audience, std::string_view token) {
  for (std::size_t at = audience.find(token); at != std::string_view::npos; at = audience.find(token, at + 1))
    if (at > 0 && audience[at - 1] == '|' && at + token.size() < audience.size() && audience[at + token.size()] == '|')
      return true;
  return false;
}

}  // namespace

std::string audience_key(const Config& c, const Occurrence& o, const LeaderIndex* leaders) {
  std::string key = "|";
  const Activity& a = *o.activity;
  if (o.person) add_token(key, "p:" + o.person->id);
  for (const auto& id : o.registered) add_token(key, "p:" + id);
  add_selectors(key, c, a.participants, o, leaders);
  if (a.notice) add_selectors(key, c, a.notice->to, o, leaders);
  if (nobody_named(o)) add_token(key, o.unit ? "n:leader@u:" + o.unit->id : std::string("n:leader"));
  return key;
}

bool feed_includes_stored(const Config& c, const FeedFilter& f, std::string_view audience, std::string_view wheel,
                          std::string_view unit) {
  switch (f.kind) {
    case FeedFilter::Kind::all: return true;
    case FeedFilter::Kind::wheel: return wheel == f.ref;
    case FeedFilter::Kind::unit: return unit == f.ref;
    case FeedFilter::Kind::person: {
      const Person* p = c.find_person(f.ref);
      if (!p) return contains_token(audience, "p:" + f.ref);
      for (const auto& t : person_tokens(c, *p))
        if (contains_token(audience, t)) return true;
      return false;
    }
    case FeedFilter::Kind::role: {
      const std::string r = "r:" + f.ref;
      return contains_token(audience, r) || audience.find("|" + r + "@") != std::string_view::npos;
    }
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
