// The HR system's roster as a CSV file: checked whole, then stored in one
// transaction, for the CLI and the API alike.
#pragma once

#include <string_view>
#include <vector>

#include "storage/storage.h"
#include "workflows/people.h"

namespace arshjul {

// The outcome of an import.
struct ImportResult {
  RosterChange change;
  std::vector<ConfigError> errors;  // non-empty: nothing was stored; the first kMaxReportedCsvErrors
  std::size_t error_count = 0;      // all of them, listed or not
  std::vector<ConfigError> warnings;  // columns ignored (parse_people_csv)
  bool dry_run = false;
};

// Reads a CSV roster, checks every row against `config` (the organisation
// and its current roster), and unless `dry_run` stores it (upsert; with
// `replace`, people the file does not list are removed) in one transaction.
// `strict` refuses columns arshjul does not know instead of ignoring them.
ImportResult import_people(Storage& storage, const Config& config, std::string_view path, std::string_view csv,
                           bool dry_run, bool replace, SysSeconds now, bool strict = false);

}  // namespace arshjul
