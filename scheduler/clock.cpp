#include "scheduler/clock.h"

#include <chrono>

namespace arshjul {

SysSeconds SystemClock::now() const {
  return date::floor<Seconds>(std::chrono::system_clock::now());
}

}  // namespace arshjul
