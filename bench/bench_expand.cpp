// Expands every wheel of a generated municipality of 60 units for ten years.
// Target (issue #3): under 50 ms on the 2-core CI machine.
//
//   build/bench/bench_expand [CONFIG_DIR=config/roros] [--smoke]
//
// --smoke expands once and exits 0 if that worked, whatever it took: the test
// command runs it so a benchmark that breaks fails CI (timing is for people).
// The wheels come from CONFIG_DIR; the organisation is generated: one top
// unit, 11 units at the second level and 48 at the third, with the level
// and committee ids of CONFIG_DIR so every wheel applies.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <regex>
#include <string>
#include <vector>

#include "workflows/config_loader.h"
#include "workflows/expansion.h"
#include "scheduler/config_files.h"

using namespace arshjul;

int main(int argc, char** argv) {
  std::string dir = "config/roros";
  bool smoke = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--smoke") smoke = true;
    else dir = a;
  }
  auto sources = read_config_dir(dir);
  auto base = load_config_dir(dir);
  if (!sources || !base) {
    std::fprintf(stderr, "%s\n", sources ? base.error().c_str() : sources.error().c_str());
    return 1;
  }
  const Config& b = *base;
  if (b.levels.size() < 3) {
    std::fprintf(stderr, "bench_expand: %s needs three leader levels\n", dir.c_str());
    return 1;
  }
  std::string org = "[organisation]\nid = \"bench\"\nname = \"Benchmark kommune\"\ntimezone = \"Europe/Oslo\"\n"
                    "blackouts = [{ name = \"Fellesferie\", from = \"07-01\", to = \"08-05\" },"
                    " { name = \"Jul\", from = \"12-22\", to = \"01-02\" }, { name = \"Vinterferie\", week = 9 }]\n";
  for (const auto& l : b.levels) org += "[[level]]\nid = \"" + l.id + "\"\nname = \"" + l.name + "\"\n";
  for (const auto& c : b.committees) org += "[[committee]]\nid = \"" + c.id + "\"\nname = \"" + c.name + "\"\n";
  org += "[[unit]]\nid = \"top\"\nname = \"Top\"\nlevel = \"" + b.levels[0].id + "\"\n";
  for (int i = 0; i < 11; ++i)
    org += "[[unit]]\nid = \"v" + std::to_string(i) + "\"\nname = \"Virksomhet " + std::to_string(i) +
           "\"\nlevel = \"" + b.levels[1].id + "\"\nparent = \"top\"\n";
  for (int i = 0; i < 48; ++i)
    org += "[[unit]]\nid = \"a" + std::to_string(i) + "\"\nname = \"Avdeling " + std::to_string(i) +
           "\"\nlevel = \"" + b.levels[2].id + "\"\nparent = \"v" + std::to_string(i % 11) + "\"\n";
  ConfigSources s = *sources;
  s.organisation = {"generated.toml", org};
  // The wheels name people (a course's teacher, HR): keep the roster, every
  // person (and every acting leadership) moved into the generated top unit.
  if (s.people) {
    static const std::regex unit_key(R"(\bunit = "[^"]*")");
    s.people->text = std::regex_replace(s.people->text, unit_key, "unit = \"top\"");
  }
  LoadResult r = load_config(s);
  if (!r.ok()) {
    for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 1;
  }
  const Config& c = *r.config;
  const LocalDays from{date::year{2027} / 1 / 1}, to{date::year{2036} / 12 / 31};

  std::vector<double> ms;
  std::size_t count = 0;
  for (int run = 0; run < (smoke ? 1 : 15); ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    const Expansion e = expand(c, from, to);
    const auto t1 = std::chrono::steady_clock::now();
    count = e.occurrences.size() + e.unplaced.size();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("expand: %zu units, %zu activities, 10 years (2027-2036): %zu occurrences\n", c.units.size(),
              c.activity_count(), count);
  std::printf("expand: median %.1f ms, min %.1f ms, max %.1f ms over %zu runs (target < 50 ms)\n",
              ms[ms.size() / 2], ms.front(), ms.back(), ms.size());
  if (smoke) return count > 0 ? 0 : 1;
  return ms[ms.size() / 2] < 50.0 ? 0 : 3;
}
