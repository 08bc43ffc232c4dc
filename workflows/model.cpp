#include "workflows/model.h"

#include <algorithm>
#include <array>
#include <functional>
#include <utility>

#include "workflows/text.h"

namespace arshjul {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 9> kRoles{{
    {Role::leader, "leader"},
    {Role::employee, "employee"},
    {Role::hr, "hr"},
    {Role::hovedtillitsvalgt, "hovedtillitsvalgt"},
    {Role::plasstillitsvalgt, "plasstillitsvalgt"},
    {Role::hovedverneombud, "hovedverneombud"},
    {Role::verneombud, "verneombud"},
    {Role::bht, "bht"},
    {Role::folkevalgt, "folkevalgt"},
}};

}  // namespace

std::optional<Role> role_from_name(std::string_view name) {
  for (const auto& [role, n] : kRoles)
    if (n == name) return role;
  return std::nullopt;
}

std::string_view role_name(Role role) {
  for (const auto& [r, n] : kRoles)
    if (r == role) return n;
  return "?";
}

std::vector<std::string_view> role_names() {
  std::vector<std::string_view> out;
  for (const auto& entry : kRoles) out.push_back(entry.second);
  return out;
}

bool is_unit_bound(Role role) {
  return role == Role::leader || role == Role::employee || role == Role::plasstillitsvalgt ||
         role == Role::verneombud;
}

RoleUnits role_units(const Person& p, Role role, std::optional<LocalDays> day) {
  RoleUnits out;
  if (std::find(p.roles.begin(), p.roles.end(), role) != p.roles.end()) {
    const bool in_office = role != Role::leader || !day ||
                           ((!p.leader_start_date || *p.leader_start_date <= *day) &&
                            (!p.leader_end_date || *day <= *p.leader_end_date));
    if (in_office) out.units[out.count++] = p.unit;
  }
  if (role == Role::leader && day && p.acting && p.acting->from <= *day && *day <= p.acting->to &&
      !(out.count == 1 && out.units[0] == p.acting->unit))
    out.units[out.count++] = p.acting->unit;
  return out;
}

bool holds_role(const Person& p, Role role, std::string_view unit, std::optional<LocalDays> day) {
  for (std::string_view u : role_units(p, role, day))
    if (u == unit) return true;
  return false;
}

bool is_member(const Person& p, std::string_view committee, std::optional<LocalDays> day) {
  for (const auto& m : p.committees)
    if (m.committee == committee && (!day || m.held_on(*day))) return true;
  return false;
}

std::string membership_text(const Membership& m) {
  if (!m.from && !m.to) return m.committee;
  return m.committee + ":" + (m.from ? format_date(*m.from) : "") + ".." + (m.to ? format_date(*m.to) : "");
}

Expected<Membership> parse_membership(std::string_view text) {
  Membership m;
  const auto colon = text.find(':');
  m.committee = std::string(text.substr(0, colon));
  if (colon == std::string_view::npos) return m;
  const std::string_view span = text.substr(colon + 1);
  const auto dots = span.find("..");
  if (dots == std::string_view::npos || (dots == 0 && span.size() == 2))
    return Error{"expected a committee id, or one with its dates as ID:FROM..TO (\"amu:2027-01-01..2028-12-31\", "
                 "either date may be left out), got \"" + printable(text) + "\""};
  for (auto [part, date] : {std::pair{span.substr(0, dots), &m.from}, std::pair{span.substr(dots + 2), &m.to}}) {
    if (part.empty()) continue;
    auto d = parse_date(part);
    if (!d) return Error{"in \"" + printable(text) + "\": " + d.error()};
    *date = *d;
  }
  return m;
}

std::string_view kind_name(ActivityKind kind) {
  switch (kind) {
    case ActivityKind::meeting: return "meeting";
    case ActivityKind::deadline: return "deadline";
    case ActivityKind::window: return "window";
  }
  return "?";
}

bool AgendaAddition::applies_to(LocalDays original_day) const {
  if (date) return *date == original_day;
  const int month = static_cast<int>(static_cast<unsigned>(date::year_month_day{original_day}.month()));
  return std::find(months.begin(), months.end(), month) != months.end();
}

bool Hook::wants(std::string_view event_type) const {
  if (events.empty()) return true;
  for (const auto& e : events)
    if (e == event_type) return true;
  return false;
}

namespace detail {
namespace {

using Position = std::uint64_t;
using Slot = std::pair<std::size_t, Position>;

std::size_t hash_id(std::string_view id) { return std::hash<std::string_view>{}(id); }

// A flat sequence (a vector, or the roster's shared chunks) of things with an `id`: a position is an index.
template <class T, class Items = std::vector<T>>
struct Flat {
  const Items& items;
  const T* at(Position pos) const { return pos < items.size() ? &items[pos] : nullptr; }
  template <class F>
  void each(F&& f) const {
    for (std::size_t i = 0; i < items.size(); ++i) f(items[i], static_cast<Position>(i));
  }
};

// The activities of every wheel: a position is (wheel << 32 | activity).
struct Activities {
  const std::vector<Wheel>& wheels;
  static Position position(std::size_t wheel, std::size_t activity) {
    return (static_cast<Position>(wheel) << 32) | static_cast<Position>(activity);
  }
  const Wheel* wheel_at(Position pos) const {
    const auto w = static_cast<std::size_t>(pos >> 32);
    return w < wheels.size() ? &wheels[w] : nullptr;
  }
  const Activity* at(Position pos) const {
    const Wheel* w = wheel_at(pos);
    const auto a = static_cast<std::size_t>(pos & 0xffffffffu);
    return w && a < w->activities.size() ? &w->activities[a] : nullptr;
  }
  template <class F>
  void each(F&& f) const {
    for (std::size_t w = 0; w < wheels.size(); ++w)
      for (std::size_t a = 0; a < wheels[w].activities.size(); ++a) f(wheels[w].activities[a], position(w, a));
  }
};

template <class Items>
void build(std::vector<Slot>& slots, const Items& items) {
  slots.clear();
  items.each([&](const auto& item, Position pos) { slots.emplace_back(hash_id(item.id), pos); });
  std::sort(slots.begin(), slots.end());  // by hash, then position: the first of equal ids comes first
}

enum class Probe { found, absent, stale };

template <class Items>
Probe probe(const std::vector<Slot>& slots, const Items& items, std::size_t hash, std::string_view id, Position& out) {
  for (auto it = std::lower_bound(slots.begin(), slots.end(), Slot{hash, 0}); it != slots.end() && it->first == hash;
       ++it) {
    const auto* item = items.at(it->second);
    if (!item) return Probe::stale;
    if (item->id == id) {
      out = it->second;
      return Probe::found;
    }
    if (hash_id(item->id) != hash) return Probe::stale;  // not a collision: moved or replaced since
  }
  return Probe::absent;
}

}  // namespace

IdIndex& IdIndex::operator=(const IdIndex&) noexcept {
  std::lock_guard lock(mu_);
  people_ = Slots{};
  units_ = Slots{};
  activities_ = Slots{};
  leaders_ = Leaders{};
  return *this;
}

std::vector<const Person*> IdIndex::leaders(const Roster& people, std::string_view unit) const {
  std::lock_guard lock(mu_);
  if (!leaders_.by_unit || leaders_.version != people.version()) {
    auto by_unit = std::make_shared<std::unordered_map<std::string, std::vector<std::size_t>>>();
    for (std::size_t i = 0; i < people.size(); ++i) {
      const Person& p = people[i];
      if (std::find(p.roles.begin(), p.roles.end(), Role::leader) != p.roles.end()) (*by_unit)[p.unit].push_back(i);
      if (p.acting) (*by_unit)[p.acting->unit].push_back(i);
    }
    leaders_ = Leaders{std::move(by_unit), people.version()};
  }
  std::vector<const Person*> out;
  if (const auto it = leaders_.by_unit->find(std::string(unit)); it != leaders_.by_unit->end())
    for (std::size_t i : it->second)
      if (i < people.size()) out.push_back(&people[i]);
  return out;
}

void IdIndex::share_leaders(const IdIndex& from, const Roster& from_people, const Roster& people) {
  if (&from == this) return;
  Leaders copy;
  {
    std::lock_guard lock(from.mu_);
    if (!from.leaders_.by_unit || from.leaders_.version != from_people.version()) return;
    copy = from.leaders_;
  }
  copy.version = people.version();
  std::lock_guard lock(mu_);
  leaders_ = std::move(copy);
}

void IdIndex::share_people(const IdIndex& from) {
  if (&from == this) return;
  Slots copy;
  {
    std::lock_guard lock(from.mu_);
    copy = from.people_;
  }
  std::lock_guard lock(mu_);
  people_ = std::move(copy);
}

template <class Items>
std::optional<std::uint64_t> IdIndex::find(Slots& slots, const Items& items, std::string_view id) const {
  const std::size_t hash = hash_id(id);
  {
    std::lock_guard lock(mu_);
    bool fresh = false;
    for (;;) {
      if (!slots.built) {
        build(slots.by_hash, items);
        slots.built = fresh = true;
      }
      Position out = 0;
      const Probe p = probe(slots.by_hash, items, hash, id, out);
      if (p == Probe::found) return out;
      if (p == Probe::absent && fresh) return std::nullopt;
      if (p == Probe::absent) break;
      slots.built = false;  // stale: rebuild and look again
    }
  }
  // Absent from an index built earlier: the vectors may have been edited since.
  std::optional<Position> found;
  items.each([&](const auto& item, Position pos) {
    if (!found && item.id == id) found = pos;
  });
  if (found) {
    std::lock_guard lock(mu_);
    slots.built = false;
  }
  return found;
}

const Person* IdIndex::person(const Roster& people, std::string_view id) const {
  const Flat<Person, Roster> items{people};
  const auto pos = find(people_, items, id);
  return pos ? items.at(*pos) : nullptr;
}

const Unit* IdIndex::unit(const std::vector<Unit>& units, std::string_view id) const {
  const Flat<Unit> items{units};
  const auto pos = find(units_, items, id);
  return pos ? items.at(*pos) : nullptr;
}

const Activity* IdIndex::activity(const std::vector<Wheel>& wheels, std::string_view id, const Wheel** wheel) const {
  const Activities items{wheels};
  const auto pos = find(activities_, items, id);
  if (!pos) return nullptr;
  if (wheel) *wheel = items.wheel_at(*pos);
  return items.at(*pos);
}

}  // namespace detail

const Unit* Config::find_unit(std::string_view id) const { return id_index.unit(units, id); }

const Person* Config::find_person(std::string_view id) const { return id_index.person(people, id); }

std::vector<const Person*> Config::leaders_in(std::string_view unit) const { return id_index.leaders(people, unit); }

const Activity* Config::find_activity(std::string_view id, const Wheel** wheel) const {
  return id_index.activity(wheels, id, wheel);
}

const Wheel* Config::find_wheel(std::string_view id) const {
  for (const auto& w : wheels)
    if (w.id == id) return &w;
  return nullptr;
}

int Config::level_index(std::string_view level_id) const {
  for (std::size_t i = 0; i < levels.size(); ++i)
    if (levels[i].id == level_id) return static_cast<int>(i);
  return -1;
}

std::vector<const Unit*> Config::units_at_level(std::string_view level_id) const {
  std::vector<const Unit*> out;
  for (const auto& u : units)
    if (u.level == level_id) out.push_back(&u);
  return out;
}

std::size_t Config::activity_count() const {
  std::size_t n = 0;
  for (const auto& w : wheels) n += w.activities.size();
  return n;
}

}  // namespace arshjul
