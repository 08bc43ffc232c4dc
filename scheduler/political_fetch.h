// The political calendar from a URL (organisation.political_calendar): the
// municipality's published møteplan, fetched over HTTPS at start, every
// `refresh` and on fetch_now() (SIGHUP), and kept in the database. A fetch
// that got no usable answer is tried again after 5 minutes (or `refresh`).
//
// Only a body that read_political_calendar accepts replaces the stored
// copy; a failed fetch or a rejected body keeps the last good one, logs a
// warning naming the URL and the reason, and counts in metrics_text(). A
// stored body that changed calls `changed`, which the daemon makes a reload,
// so meetings move and change notices go out as after SIGHUP. The copy is a
// setting in the database (not a file beside it): `arshjul backup` takes it
// along, and a restart without network still avoids the council's days.
//
// Thread-safety: the fetcher runs on its own thread and io_context, so a
// slow or hanging server never holds the runner or an io thread;
// fetch_now(), stop() and metrics_text() may be called from any thread.
// `current` and `changed` are called on the fetcher's thread. Nothing throws
// out of it: every failure is a log line and a count.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "scheduler/engine.h"
#include "storage/storage.h"
#include "workflows/config_loader.h"

namespace arshjul {

// Limits of one fetch.
inline constexpr Seconds kPoliticalFetchTimeout{20};
inline constexpr std::size_t kPoliticalMaxBytes = 2u << 20;

// The stored copy (url and body) for load_config, if there is one.
std::optional<ConfigSources::Fetched> stored_political_calendar(Storage& storage);

class PoliticalCalendarFetcher {
 public:
  using Log = std::function<void(const std::string&)>;
  // The config as the runner has it (url, refresh, ca_file, zone).
  using Current = std::function<std::shared_ptr<const Snapshot>()>;

  PoliticalCalendarFetcher(Storage& storage, Current current, std::function<void()> changed, Log log);
  ~PoliticalCalendarFetcher();  // stops
  PoliticalCalendarFetcher(const PoliticalCalendarFetcher&) = delete;
  PoliticalCalendarFetcher& operator=(const PoliticalCalendarFetcher&) = delete;

  // Starts the thread; the first fetch begins at once when a URL is configured.
  void start();
  // A fetch as soon as the one under way (if any) is done.
  void fetch_now();
  // A fetch under way is abandoned; the thread is joined. Idempotent.
  void stop();

  std::string metrics_text() const;

 private:
  void wake();
  void fetch();

  Storage& storage_;
  const Current current_;
  const std::function<void()> changed_;
  const Log log_;
  boost::asio::io_context io_;  // its thread runs it; what follows is touched only there
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> keep_running_;
  boost::asio::steady_timer timer_;
  std::thread thread_;
  std::string last_url_;  // what the last attempt fetched
  std::chrono::steady_clock::time_point next_{};
  bool busy_ = false;
  bool again_ = false;

  std::atomic<bool> stopping_{false};
  std::atomic<unsigned long long> ok_{0}, not_modified_{0}, failed_{0}, rejected_{0};
};

}  // namespace arshjul
