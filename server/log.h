// The daemon's one log: one line per event, each with a level, as text for
// people or JSON for log collectors (--log-format json), and with the
// syslog priority prefix ("<3>", sd-daemon(3)) when stderr is journald's
// stream (systemd sets JOURNAL_STREAM), so the journal records each line's
// level (PRIORITY) and its own time.
//
//   text:    2027-03-01T07:00:00.123Z info arshjul serving ...
//   json:    {"time":"2027-03-01T07:00:00.123Z","level":"info","msg":"arshjul serving ..."}
//   journal: <6>info arshjul serving ...    (text, no time: journald stamps it)
//
// Access-log lines are buffered and written by flush() (the daemon calls it
// every second), so a request costs no syscall; everything else is written
// at once. Thread-safety: every member may be called from any thread.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "threads/mutex.h"

namespace arshjul {

// syslog priorities, as journald reads them.
enum class LogLevel { error = 3, warning = 4, notice = 5, info = 6 };
enum class LogFormat { text, json };

// "text" or "json" into `format`; false (and `format` untouched) for anything else.
bool parse_log_format(std::string_view name, LogFormat& format);
const char* level_name(LogLevel level);

// The level of a line from a part that logs only text (the runner, the
// dispatcher, the API host): failures and internal errors are errors,
// dropped or dead messages and refused accepts are warnings, the rest info.
LogLevel level_of(std::string_view message);

// A request target as it may be logged: feed and personal-page tokens cut
// to 4 characters, the values of query parameters that carry secrets
// (code, state, token, access_token, id_token, session, secret, password,
// key) replaced by "…", and at most 200 bytes.
std::string loggable_target(std::string_view target);

struct RequestLogEntry {
  std::string_view peer, method, target;  // target already loggable_target()
  unsigned status = 0;
  std::string_view bytes;  // Content-Length as sent
  long long micros = 0;
};

// True when the environment's JOURNAL_STREAM ("DEV:INODE") names `fd`.
bool is_journal_stream(int fd);

class Logger {
 public:
  Logger(std::ostream& out, LogFormat format, bool journal) : out_(out), format_(format), journal_(journal) {}
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // One event, written at once (after any buffered request lines). A
  // message of several lines (a config's error list) stays one line: its
  // lines are joined with " | ".
  void write(LogLevel level, std::string_view message) EXCLUDES(mu_);
  void request(const RequestLogEntry& entry) EXCLUDES(mu_);
  void flush() EXCLUDES(mu_);

  std::string format(LogLevel level, std::string_view message) const;  // one line with its '\n'

 private:
  std::string format_request(const RequestLogEntry& e) const;

  std::ostream& out_;
  const LogFormat format_;
  const bool journal_;
  Mutex mu_;
  std::string buffer_ GUARDED_BY(mu_);
};

}  // namespace arshjul
