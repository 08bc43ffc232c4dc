// What the fuzz targets share: splitting one input into several texts, a
// check that stops the fuzzer with a message, and the test configuration.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/config_files.h"

namespace arshjul::fuzz {

// Fails the run (libFuzzer saves the input) when a promise is broken.
#define FUZZ_CHECK(cond, what)                                                  \
  do {                                                                          \
    if (!(cond)) {                                                              \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s: %s\n", #cond, std::string(what).c_str()); \
      std::abort();                                                             \
    }                                                                           \
  } while (0)

// `text` cut at each `sep`, at most `max` pieces (the last keeps the rest).
inline std::vector<std::string> split(std::string_view text, std::string_view sep, std::size_t max) {
  std::vector<std::string> out;
  while (out.size() + 1 < max) {
    const auto at = text.find(sep);
    if (at == std::string_view::npos) break;
    out.emplace_back(text.substr(0, at));
    text.remove_prefix(at + sep.size());
  }
  out.emplace_back(text);
  return out;
}

// tests/fixtures/mini, loaded once: a small organisation with every wheel kind.
inline const Config& mini_config() {
  static const Config config = [] {
    auto c = load_config_dir(std::string(ARSHJUL_SOURCE_DIR) + "/tests/fixtures/mini");
    if (!c) {
      std::fprintf(stderr, "tests/fixtures/mini does not load: %s\n", c.error().c_str());
      std::abort();
    }
    return std::move(c).value();
  }();
  return config;
}

}  // namespace arshjul::fuzz
