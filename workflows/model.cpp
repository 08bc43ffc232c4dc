#include "workflows/model.h"

#include <algorithm>
#include <array>
#include <functional>
#include <utility>

namespace arshjul {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 8> kRoles{{
    {Role::leader, "leader"},
    {Role::employee, "employee"},
    {Role::hr, "hr"},
    {Role::hovedtillitsvalgt, "hovedtillitsvalgt"},
    {Role::plasstillitsvalgt, "plasstillitsvalgt"},
    {Role::hovedverneombud, "hovedverneombud"},
    {Role::verneombud, "verneombud"},
    {Role::bht, "bht"},
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

std::string_view kind_name(ActivityKind kind) {
  switch (kind) {
    case ActivityKind::meeting: return "meeting";
    case ActivityKind::deadline: return "deadline";
    case ActivityKind::window: return "window";
  }
  return "?";
}

bool Hook::wants(std::string_view event_type) const {
  if (events.empty()) return true;
  for (const auto& e : events)
    if (e == event_type) return true;
  return false;
}

namespace detail {
namespace {

using Slot = std::pair<std::size_t, std::uint32_t>;

std::size_t hash_id(std::string_view id) { return std::hash<std::string_view>{}(id); }

template <class T>
void build(std::vector<Slot>& slots, const std::vector<T>& items) {
  slots.clear();
  slots.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) slots.emplace_back(hash_id(items[i].id), static_cast<std::uint32_t>(i));
  std::sort(slots.begin(), slots.end());  // by hash, then position: the first of equal ids comes first
}

enum class Probe { found, absent, stale };

template <class T>
Probe probe(const std::vector<Slot>& slots, const std::vector<T>& items, std::size_t hash, std::string_view id,
            const T*& out) {
  for (auto it = std::lower_bound(slots.begin(), slots.end(), Slot{hash, 0}); it != slots.end() && it->first == hash;
       ++it) {
    if (it->second >= items.size()) return Probe::stale;
    const T& item = items[it->second];
    if (item.id == id) {
      out = &item;
      return Probe::found;
    }
    if (hash_id(item.id) != hash) return Probe::stale;  // not a collision: moved or replaced since
  }
  return Probe::absent;
}

}  // namespace

IdIndex& IdIndex::operator=(const IdIndex&) noexcept {
  std::lock_guard lock(mu_);
  people_ = Slots{};
  units_ = Slots{};
  return *this;
}

template <class T>
const T* IdIndex::find(Slots& slots, const std::vector<T>& items, std::string_view id) const {
  const std::size_t hash = hash_id(id);
  {
    std::lock_guard lock(mu_);
    bool fresh = false;
    for (;;) {
      if (!slots.built) {
        build(slots.by_hash, items);
        slots.built = fresh = true;
      }
      const T* out = nullptr;
      const Probe p = probe(slots.by_hash, items, hash, id, out);
      if (p == Probe::found) return out;
      if (p == Probe::absent && fresh) return nullptr;
      if (p == Probe::absent) break;
      slots.built = false;  // stale: rebuild and look again
    }
  }
  // Absent from an index built earlier: the vector may have been edited since.
  for (const T& item : items)
    if (item.id == id) {
      std::lock_guard lock(mu_);
      slots.built = false;
      return &item;
    }
  return nullptr;
}

const Person* IdIndex::person(const std::vector<Person>& people, std::string_view id) const {
  return find(people_, people, id);
}

const Unit* IdIndex::unit(const std::vector<Unit>& units, std::string_view id) const { return find(units_, units, id); }

}  // namespace detail

const Unit* Config::find_unit(std::string_view id) const { return id_index.unit(units, id); }

const Person* Config::find_person(std::string_view id) const { return id_index.person(people, id); }

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
