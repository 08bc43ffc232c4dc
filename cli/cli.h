// The `arshjul` command line: check, preview, export, sync.
#pragma once

#include <ostream>

#include "scheduler/clock.h"

namespace arshjul {

// Runs one command; returns the process exit code (0 ok, 1 failure the user
// can fix, 2 bad usage).
int run_cli(int argc, const char* const* argv, const Clock& clock, std::ostream& out, std::ostream& err);

}  // namespace arshjul
