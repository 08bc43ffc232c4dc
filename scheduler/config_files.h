// Reading a configuration folder from disk: DIR/arshjul.toml, the optional
// DIR/people.toml and DIR/politisk-kalender.ics, and every DIR/wheels/*.toml,
// in name order.
#pragma once

#include <optional>
#include <string>

#include "calendars/expected.h"
#include "storage/storage.h"
#include "threads/mutex.h"
#include "workflows/config_loader.h"

namespace arshjul {

Expected<ConfigSources> read_config_dir(const std::string& dir);

// Reads and validates; the error text lists every problem, one per line.
// `fetched` is the political calendar as last fetched from its URL (the
// daemon's stored copy), read when the config names that URL.
Expected<Config> load_config_dir(const std::string& dir,
                                 std::optional<ConfigSources::Fetched> fetched = std::nullopt);

// Validates sources already read; the error text as load_config_dir's.
Expected<Config> load_config_sources(const ConfigSources& sources);

// The daemon's config folder, with the political calendar's stored copy
// from `cache` (none when null). A reload on SIGHUP reads the folder again;
// a new møteplan from a fetch is applied to the folder as last loaded
// without errors, so an unsignalled half-edit is never applied with it and a
// broken folder does not hold the møteplan back.
//
// Thread-safe (one load at a time). Storage errors reading the stored copy
// throw, as Storage's do.
class ConfigFolder {
 public:
  ConfigFolder(std::string dir, Storage* cache) : dir_(std::move(dir)), cache_(cache) {}

  Expected<Config> load(bool reread_folder) EXCLUDES(mu_);

 private:
  const std::string dir_;
  Storage* const cache_;
  Mutex mu_;
  std::optional<ConfigSources> loaded_ GUARDED_BY(mu_);  // the folder as last loaded without errors
};

}  // namespace arshjul
