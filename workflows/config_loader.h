// Loading and validating HR's configuration (TOML).
//
// The loader is handed the text of each file, so it does no I/O and tests
// can feed it strings. It reports every error at once, each with the file,
// line and column, the field, and what was expected; a config with any
// error yields no Config at all, so a bad reload never half-applies.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "workflows/model.h"

namespace arshjul {

struct SourceFile {
  std::string path;  // as it should appear in messages, e.g. "config/roros/arshjul.toml"
  std::string text;
};

struct ConfigSources {
  SourceFile organisation;            // arshjul.toml
  std::optional<SourceFile> people;   // people.toml
  std::vector<SourceFile> wheels;     // wheels/*.toml
  // politisk-kalender.ics: the political meeting calendar (iCalendar); its
  // meetings become political blackouts that meetings avoid.
  std::optional<SourceFile> political_calendar;
  // The last good body fetched from a URL (the daemon keeps it in its
  // database): read when organisation.political_calendar.url is `url`, and
  // ignored otherwise, so a changed URL never shows another URL's meetings.
  struct Fetched {
    std::string url;
    std::string body;
  };
  std::optional<Fetched> fetched_political_calendar;
};

struct ConfigError {
  std::string file;
  int line = 0;
  int column = 0;
  std::string field;    // "activity[2].on_holiday"; empty for syntax errors
  std::string message;  // what was expected, and what was found

  // "file:line:column: field: message"
  std::string to_string() const;
};

struct LoadResult {
  std::optional<Config> config;
  std::vector<ConfigError> errors;
  bool ok() const { return config.has_value(); }
};

LoadResult load_config(const ConfigSources& sources);

// Why a webhook URL or secret is not acceptable, if it is not.
std::optional<std::string> check_hook_url(std::string_view url, bool insecure);
std::optional<std::string> check_hook_secret(std::string_view secret);

// An id as the config and the roster take it: 1-64 of a-z, 0-9 and '-',
// not starting or ending with '-'.
bool valid_id(std::string_view id);

// The closest of `candidates` to `word`, if it is close enough to be a typo.
std::optional<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace arshjul
