// Delivers the outbox: due messages go by HTTP(S) POST to their hook,
// signed; a 2xx marks a message sent, anything else schedules a retry with
// exponential backoff and jitter, and the last failure makes it a dead
// letter that HR can replay. At least once: a message is marked sent only
// after its receiver said 2xx. At most 16 deliveries are in flight per hook,
// over keep-alive connections reused from one message to the next.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "scheduler/clock.h"
#include "scheduler/engine.h"
#include "storage/storage.h"

namespace arshjul {

// Delay before attempt `attempt + 1` after `attempt` failures (1-based):
// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then 10 h; jitter is added by the caller.
Seconds retry_delay(int attempt);

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
