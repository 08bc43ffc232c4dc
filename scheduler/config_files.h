// Reading a configuration folder from disk: DIR/arshjul.toml, the optional
// DIR/people.toml and DIR/politisk-kalender.ics, and every DIR/wheels/*.toml,
// in name order.
#pragma once

#include <optional>
#include <string>

#include "calendars/expected.h"
#include "workflows/config_loader.h"

namespace arshjul {

Expected<ConfigSources> read_config_dir(const std::string& dir);

// Reads and validates; the error text lists every problem, one per line.
// `fetched` is the political calendar as last fetched from its URL (the
// daemon's stored copy), read when the config names that URL.
Expected<Config> load_config_dir(const std::string& dir,
                                 std::optional<ConfigSources::Fetched> fetched = std::nullopt);

}  // namespace arshjul
