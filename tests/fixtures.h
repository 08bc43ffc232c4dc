// Test fixtures: the shipped and test configurations, loaded once per call.
#pragma once

#include <string>

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

}  // namespace arshjul::test
