// Reading a configuration folder from disk: DIR/arshjul.toml, the optional
// DIR/people.toml and DIR/politisk-kalender.ics, and every DIR/wheels/*.toml,
// in name order.
#pragma once

#include <string>

#include "calendars/expected.h"
#include "workflows/config_loader.h"

namespace arshjul {

Expected<ConfigSources> read_config_dir(const std::string& dir);

// Reads and validates; the error text lists every problem, one per line.
Expected<Config> load_config_dir(const std::string& dir);

}  // namespace arshjul
