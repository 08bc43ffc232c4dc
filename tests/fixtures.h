// Test fixtures: the shipped and test configurations, loaded once per call.
#pragma once

#include <algorithm>
#include <array>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "scheduler/config_files.h"

namespace arshjul::test {

// A configuration folder relative to the source tree, e.g. "tests/fixtures/mini".
inline Config load(const std::string& dir) {
  auto c = load_config_dir(std::string(ARSHJUL_SOURCE_DIR) + "/" + dir);
  INFO((c ? "" : c.error()));
  REQUIRE(c);
  return std::move(c).value();
}

inline Config mini() { return load("tests/fixtures/mini"); }

// `c` with a hook `id` for every event type, as `serve --hook` adds one. Its
// URL refuses connections: a unit test reads the outbox, nothing is sent.
inline Config with_hook(Config c, std::string id = "test") {
  Hook h;
  h.id = std::move(id);
  h.url = "http://127.0.0.1:9/hook";
  h.secret = "whsec_YSBrZXkgb2YgdGhpcnR5LXR3byBieXRlcywgZXhhY3Q=";  // base64 of "a key of thirty-two bytes, exact"
  c.hooks.push_back(std::move(h));
  return c;
}

// The roster's person `id`, to change (their chunk of the roster unshared).
inline Person& person(Config& c, std::string_view id) {
  for (std::size_t i = 0; i < c.people.size(); ++i)
    if (c.people[i].id == id) return c.people.mut(i);
  FAIL("no person " << id);
  throw;
}

// `n` employees spread over the config's units, one in forty a leader and one
// in twenty a hire starting within the year (from 2027-03-01).
inline std::vector<Person> generated_roster(const Config& c, int n, std::mt19937& rng) {
  using namespace date::literals;
  std::vector<Person> out;
  const LocalDays today{2027_y / 3 / 1};
  for (int i = 0; i < n; ++i) {
    Person p;
    p.id = "generert-" + std::to_string(i);
    p.name = "Generert Person " + std::to_string(i);
    p.email = p.id + "@roros.kommune.no";
    p.unit = c.units[static_cast<std::size_t>(i) % c.units.size()].id;
    p.roles = {i % 40 == 0 ? Role::leader : Role::employee};
    p.start_date = i % 20 == 0 ? today + date::days{static_cast<int>(rng() % 300)} : LocalDays{2015_y / 1 / 1};
    out.push_back(std::move(p));
  }
  return out;
}

// The random edits the roster tests make: a role given or taken away, a
// seat in the AMU given or taken away, and a hire starting within 120 days
// of `today` in a random unit (the unit drawn before the start).
inline void toggle_random_role(Person& p, std::mt19937& rng) {
  const Role role = std::array{Role::leader, Role::employee, Role::plasstillitsvalgt, Role::hr}[rng() % 4];
  if (auto it = std::find(p.roles.begin(), p.roles.end(), role); it != p.roles.end()) p.roles.erase(it);
  else p.roles.push_back(role);
}

inline void toggle_amu_seat(Person& p) {
  if (p.committees.empty()) p.committees.push_back({"amu"});
  else p.committees.clear();
}

inline Person random_hire(int n, const std::vector<Unit>& units, LocalDays today, std::mt19937& rng) {
  Person hire;
  hire.id = "ny-" + std::to_string(n);
  hire.name = "Ny Ansatt " + std::to_string(n);
  hire.email = hire.id + "@roros.kommune.no";
  hire.unit = units[rng() % units.size()].id;
  hire.roles = {Role::employee};
  hire.start_date = today + date::days{static_cast<int>(rng() % 120)};
  return hire;
}

}  // namespace arshjul::test
