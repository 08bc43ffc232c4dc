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
  // How many clock seconds pass in one real second.
  virtual double speed() const { return 1.0; }
};

class SystemClock final : public Clock {
 public:
  SysSeconds now() const override;
};

// A clock that runs `speed` times faster than real time from `start`, for
// demos and tests that run the wheel forward ("--clock-speed 3600": one real
// second is one simulated hour).
class SimulatedClock final : public Clock {
 public:
  SimulatedClock(SysSeconds start, double speed);
  SysSeconds now() const override;
  double speed() const override { return speed_; }

 private:
  SysSeconds start_;
  double speed_;
  std::chrono::steady_clock::time_point origin_;
};

// "2027-01-01T08:00:00+01:00" or "...Z" → the instant.
Expected<SysSeconds> parse_instant(std::string_view text);

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
