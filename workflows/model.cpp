#include "workflows/model.h"

#include <array>
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

const Unit* Config::find_unit(std::string_view id) const {
  for (const auto& u : units)
    if (u.id == id) return &u;
  return nullptr;
}

const Person* Config::find_person(std::string_view id) const {
  for (const auto& p : people)
    if (p.id == id) return &p;
  return nullptr;
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
