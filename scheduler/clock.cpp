#include "scheduler/clock.h"

#include <cctype>
#include <chrono>

namespace arshjul {

SysSeconds SystemClock::now() const {
  return date::floor<Seconds>(std::chrono::system_clock::now());
}

SimulatedClock::SimulatedClock(SysSeconds start, double speed)
    : start_(start), speed_(speed), origin_(std::chrono::steady_clock::now()) {}

SysSeconds SimulatedClock::now() const {
  const std::chrono::duration<double> real = std::chrono::steady_clock::now() - origin_;
  return start_ + Seconds{static_cast<long long>(real.count() * speed_)};
}

Expected<SysSeconds> parse_instant(std::string_view text) {
  const Error bad{"expected a time such as 2027-01-01T08:00:00+01:00 or 2027-01-01T07:00:00Z, got \"" +
                  std::string(text) + "\""};
  if (text.size() < 20 || text[10] != 'T') return bad;
  auto day = parse_date(text.substr(0, 10));
  if (!day) return bad;
  auto hm = parse_clock_time(text.substr(11, 5));
  if (!hm || text[16] != ':' || !std::isdigit(static_cast<unsigned char>(text[17])) ||
      !std::isdigit(static_cast<unsigned char>(text[18])))
    return bad;
  const int sec = (text[17] - '0') * 10 + (text[18] - '0');
  std::string_view zone = text.substr(19);
  Seconds offset{0};
  if (zone != "Z") {
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') return bad;
    auto off = parse_clock_time(zone.substr(1, 5));
    if (!off) return bad;
    offset = zone[0] == '+' ? *off : -*off;
  }
  if (sec > 59) return bad;
  return SysSeconds{day->time_since_epoch()} + *hm + Seconds{sec} - offset;
}

}  // namespace arshjul
