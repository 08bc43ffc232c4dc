// Delivers the outbox: due messages go by HTTP(S) POST to their hook,
// signed; a 2xx marks a message sent, anything else schedules a retry by
// the hook's schedule (with jitter; a 429 or 503 with Retry-After waits at
// least that long, at most kMaxRetryAfter), and the last failure makes it a
// dead letter that HR can replay. A 410 Gone makes the message dead at once
// and marks the hook gone (storage.h: GoneHook): its messages become dead
// letters without a request until HR replays the hook's dead letters or the
// config gives it another URL. At least once: a message is marked sent only
// after its receiver said 2xx. At most 16 deliveries are in flight per hook,
// over keep-alive connections reused from one message to the next.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "scheduler/clock.h"
#include "scheduler/engine.h"
#include "storage/storage.h"

namespace arshjul {

// Delay before attempt `attempt + 1` after `attempt` failures (1-based):
// schedule[attempt - 1], the last entry repeating; jitter is added by the
// caller. Without a schedule, Standard Webhooks' suggested one (Hook's
// default): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then 10 h.
Seconds retry_delay(int attempt);
Seconds retry_delay(const std::vector<Seconds>& schedule, int attempt);

// A Retry-After header's wait: delta-seconds, or an HTTP-date (IMF-fixdate,
// "Sun, 06 Nov 1994 08:49:37 GMT") measured from `wall_now`; a date in the
// past waits 0. nullopt when the value is neither. Not capped here.
std::optional<Seconds> parse_retry_after(std::string_view value, SysSeconds wall_now);

// The longest a Retry-After may hold a message back.
inline constexpr Seconds kMaxRetryAfter = std::chrono::hours{24};

class Dispatcher {
 public:
  using Log = std::function<void(const std::string&)>;

  // `clock` is the wheel's time (maybe simulated): what is due, and when to
  // retry. `wall` is real time, for the webhook-timestamp receivers check.
  Dispatcher(boost::asio::io_context& ioc, Storage& storage, const Clock& clock, const Clock& wall, Log log);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // What is current: hooks, and the occurrences a message may have outlived.
  void set_snapshot(std::shared_ptr<const Snapshot> snapshot);
  void start();
  void stop();  // no new deliveries; those in flight finish

  std::string metrics_text() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace arshjul
