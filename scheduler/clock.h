// Where the daemon gets the time. Nothing else asks the system clock, so
// tests and demos can run a whole year in milliseconds.
#pragma once

#include <atomic>

#include "calendars/time.h"

namespace arshjul {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SysSeconds now() const = 0;
};

class SystemClock final : public Clock {
 public:
  SysSeconds now() const override;
};

// A clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(SysSeconds start) : now_(start.time_since_epoch().count()) {}
  SysSeconds now() const override { return SysSeconds{Seconds{now_.load()}}; }
  void set(SysSeconds t) { now_ = t.time_since_epoch().count(); }
  void advance(Seconds d) { now_ += d.count(); }

 private:
  std::atomic<long long> now_;
};

}  // namespace arshjul
