// Runs the `arshjul` command line in-process, as a test's subject: the exit
// code and what it wrote, at a fixed wheel time (24 November 2026).
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace arshjul::test {

struct Run {
  int code;
  std::string out, err;
};

inline Run run_arshjul(std::vector<std::string> args) {
  using namespace date::literals;
  ManualClock clock(SysSeconds{date::sys_days{2026_y / 11 / 24}});
  args.insert(args.begin(), "arshjul");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  const int code = run_cli(static_cast<int>(argv.size()), argv.data(), clock, out, err);
  return {code, out.str(), err.str()};
}

}  // namespace arshjul::test
