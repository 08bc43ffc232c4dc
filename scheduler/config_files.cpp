#include "scheduler/config_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "scheduler/political_fetch.h"

namespace arshjul {
namespace fs = std::filesystem;
namespace {

Expected<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Error{p.string() + ": cannot read the file"};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Expected<ConfigSources> read_config_dir(const std::string& dir) {
  const fs::path root(dir);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return Error{dir + ": not a configuration folder (expected DIR/arshjul.toml)"};
  ConfigSources s;
  const fs::path org = root / "arshjul.toml";
  auto text = read_file(org);
  if (!text) return Error{text.error()};
  s.organisation = {org.string(), std::move(text).value()};
  const fs::path people = root / "people.toml";
  if (fs::exists(people, ec)) {
    auto t = read_file(people);
    if (!t) return Error{t.error()};
    s.people = SourceFile{people.string(), std::move(t).value()};
  }
  const fs::path political = root / "politisk-kalender.ics";
  if (fs::exists(political, ec)) {
    auto t = read_file(political);
    if (!t) return Error{t.error()};
    s.political_calendar = SourceFile{political.string(), std::move(t).value()};
  }
  std::vector<fs::path> wheels;
  if (fs::is_directory(root / "wheels", ec))
    for (const auto& e : fs::directory_iterator(root / "wheels"))
      if (e.is_regular_file() && e.path().extension() == ".toml") wheels.push_back(e.path());
  std::sort(wheels.begin(), wheels.end());
  for (const auto& w : wheels) {
    auto t = read_file(w);
    if (!t) return Error{t.error()};
    s.wheels.push_back({w.string(), std::move(t).value()});
  }
  return s;
}

Expected<Config> load_config_dir(const std::string& dir, std::optional<ConfigSources::Fetched> fetched) {
  auto read = read_config_dir(dir);
  if (!read) return Error{read.error()};
  ConfigSources sources = std::move(read).value();
  sources.fetched_political_calendar = std::move(fetched);
  return load_config_sources(sources);
}

Expected<Config> load_config_sources(const ConfigSources& sources) {
  LoadResult r = load_config(sources);
  if (r.ok()) return std::move(*r.config);
  std::string msg;
  for (const auto& e : r.errors) msg += e.to_string() + "\n";
  msg += std::to_string(r.errors.size()) + (r.errors.size() == 1 ? " error" : " errors");
  return Error{msg};
}

Expected<Config> ConfigFolder::load(bool reread_folder) {
  MutexLock lock(&mu_);
  std::optional<ConfigSources> read;
  if (reread_folder || !loaded_) {
    auto r = read_config_dir(dir_);
    if (!r) return Error{r.error()};
    read = std::move(r).value();
  }
  ConfigSources sources = read ? *read : *loaded_;
  if (cache_) sources.fetched_political_calendar = stored_political_calendar(*cache_);
  auto c = load_config_sources(sources);
  if (c && read) loaded_ = std::move(read);
  return c;
}

}  // namespace arshjul
