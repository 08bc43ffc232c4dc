// The daemon: an HTTP/1.1 server (Boost.Beast) for calendar feeds, health
// (/healthz: the process answers; /readyz: the database takes a write, the
// outbox is not stuck; docs/operations.md) and metrics, over a snapshot of
// the wheel that SIGHUP reloads.
//
// SIGTERM and SIGINT stop accepting, let in-flight requests finish and close
// idle keep-alive connections. A reload with a bad config logs every error
// and keeps serving the old snapshot.
#pragma once

#include <chrono>
#include <functional>
#include <ostream>
#include <string>

#include "scheduler/clock.h"
#include "server/log.h"

namespace arshjul {

struct ServerOptions {
  std::string config_dir = "config/roros";
  std::string db_path = "var/arshjul.db";
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  int threads = 2;
  std::chrono::seconds request_timeout{10};  // to read one request, headers and body
  std::chrono::seconds idle_timeout{30};     // keep-alive wait for the next request
  std::size_t max_target = 2048;             // longer URLs get 414
  std::size_t max_header = 16 * 1024;        // larger headers get 431
  std::size_t max_body = 64 * 1024;          // larger bodies get 413
  std::size_t max_import_body = 64 << 20;    // the roster import: 50,000 people is about 5 MB
  // Open connections at most; 0: the descriptor limit (RLIMIT_NOFILE) less
  // 32 for the database, hooks and logs. At the limit, idle keep-alive
  // connections are closed to make room.
  std::size_t max_connections = 0;
  std::size_t feed_cache_bytes = 256u << 20;  // rendered feeds kept in memory, least recently used out first
  std::string hook_url;                      // a quick-start hook for every event type
  std::string hook_secret;                   // its "whsec_..." secret
  std::string public_url;                    // how subscribers reach us, for feed URLs in messages
  LogFormat log_format = LogFormat::text;
  bool journal = false;                      // the log is journald's stream: "<N>" priority prefixes, no time
  // The service manager (systemd's sd_notify, from cli/): told "READY=1"
  // once the first build is done and the port listens, "RELOADING=1" and
  // then "READY=1" around a SIGHUP reload, "STOPPING=1" at SIGTERM, and
  // "WATCHDOG=1" every watchdog_interval (0: never) from the io threads.
  // Called from the io and worker threads.
  std::function<void(const std::string&)> notify;
  std::chrono::microseconds watchdog_interval{0};
};

// Runs until SIGTERM or SIGINT; returns the exit code. Startup problems
// (bad config, port taken, a read-only database) are written to `log` and give 1. `clock` is the
// wheel's time (maybe simulated); webhook timestamps use the real time.
int serve(const ServerOptions& options, const Clock& clock, std::ostream& log);

}  // namespace arshjul
