#include <exception>
#include <iostream>

#include "cli/cli.h"

int main(int argc, char** argv) {
  try {
    arshjul::SystemClock clock;
    return arshjul::run_cli(argc, argv, clock, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "arshjul: internal error: " << e.what() << "\n";
    return 70;
  }
}
