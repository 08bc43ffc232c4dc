#include "server/log.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cctype>
#include <ctime>

#include <sys/stat.h>

#include <boost/json.hpp>

namespace arshjul {
namespace {

std::string now_text() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

// A message of several lines becomes one: journald and collectors read a line as an event.
std::string one_line(std::string_view message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.remove_suffix(1);
  std::string s;
  s.reserve(message.size());
  for (char c : message) {
    if (c == '\n') s += " | ";
    else if (c != '\r') s += c;
  }
  return s;
}

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

}  // namespace

bool parse_log_format(std::string_view name, LogFormat& format) {
  if (name == "text") format = LogFormat::text;
  else if (name == "json") format = LogFormat::json;
  else return false;
  return true;
}

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::error: return "error";
    case LogLevel::warning: return "warning";
    case LogLevel::notice: return "notice";
    case LogLevel::info: return "info";
  }
  return "info";
}

LogLevel level_of(std::string_view m) {
  // The daemon carries on with what it had; its reason may well say "cannot".
  if (contains(m, "keeping the last good copy")) return LogLevel::warning;
  if (contains(m, "internal error") || contains(m, "failed") || contains(m, "cannot") || contains(m, "has errors") ||
      contains(m, "have errors") || contains(m, "not starting"))
    return LogLevel::error;
  if (contains(m, "dead letter") || contains(m, "410 Gone") || contains(m, "dropped") || contains(m, "accept: ") ||
      contains(m, "stays pending"))
    return LogLevel::warning;
  if (m.rfind("SIGHUP", 0) == 0 || m.rfind("SIGTERM", 0) == 0 || m.rfind("SIGINT", 0) == 0 || m == "stopped" ||
      m.rfind("arshjul serving", 0) == 0)
    return LogLevel::notice;
  return LogLevel::info;
}

std::string loggable_target(std::string_view target) {
  const auto q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string out;
  if (path.rfind("/feeds/", 0) == 0) out = "/feeds/" + std::string(path.substr(7, 4)) + "…";
  else if (path.rfind("/me/", 0) == 0) out = "/me/" + std::string(path.substr(4, 4)) + "…";
  else out = std::string(path.substr(0, 200));
  if (q == std::string_view::npos) return out;
  // Query parameters: names kept, the values of secret-bearing ones replaced.
  static constexpr std::array<std::string_view, 9> kSecret{"code", "state", "token", "access_token", "id_token",
                                                          "session", "secret", "password", "key"};
  std::string_view query = target.substr(q + 1);
  out += '?';
  bool first = true;
  while (!query.empty() && out.size() < 200) {
    const auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    std::string name(pair.substr(0, eq));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool secret = false;
    for (auto s : kSecret) secret = secret || name == s;
    if (!first) out += '&';
    first = false;
    if (secret && eq != std::string_view::npos) out += std::string(pair.substr(0, eq)) + "=…";
    else out += pair;
  }
  if (out.size() > 200) out.resize(200);
  return out;
}

bool is_journal_stream(int fd) {
  const char* env = std::getenv("JOURNAL_STREAM");
  if (!env || !*env) return false;
  struct stat st{};
  if (::fstat(fd, &st) != 0) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(env, "%llu:%llu", &dev, &ino) != 2) return false;
  return dev == static_cast<unsigned long long>(st.st_dev) && ino == static_cast<unsigned long long>(st.st_ino);
}

std::string Logger::format(LogLevel level, std::string_view message) const {
  std::string line;
  if (journal_) line = "<" + std::to_string(static_cast<int>(level)) + ">";
  if (format_ == LogFormat::json) {
    boost::json::object o;
    if (!journal_) o["time"] = now_text();
    o["level"] = level_name(level);
    o["msg"] = one_line(message);
    line += boost::json::serialize(o);
  } else {
    if (!journal_) line += now_text() + " ";
    line += level_name(level);
    line += ' ';
    line += one_line(message);
  }
  line += '\n';
  return line;
}

std::string Logger::format_request(const RequestLogEntry& e) const {
  if (format_ == LogFormat::text)
    return format(LogLevel::info, std::string(e.peer) + " \"" + std::string(e.method) + " " + std::string(e.target) +
                                      "\" " + std::to_string(e.status) + " " + std::string(e.bytes) + " " +
                                      std::to_string(e.micros) + "us");
  std::string line;
  if (journal_) line = "<6>";
  boost::json::object o;
  if (!journal_) o["time"] = now_text();
  o["level"] = "info";
  o["event"] = "request";
  o["peer"] = e.peer;
  o["method"] = e.method;
  o["target"] = e.target;
  o["status"] = e.status;
  long long bytes = 0;
  for (char c : e.bytes) bytes = c >= '0' && c <= '9' ? bytes * 10 + (c - '0') : bytes;
  o["bytes"] = bytes;
  o["duration_us"] = e.micros;
  line += boost::json::serialize(o);
  line += '\n';
  return line;
}

void Logger::write(LogLevel level, std::string_view message) {
  const std::string line = format(level, message);
  MutexLock lock(&mu_);
  out_ << buffer_ << line << std::flush;
  buffer_.clear();
}

void Logger::request(const RequestLogEntry& entry) {
  const std::string line = format_request(entry);
  MutexLock lock(&mu_);
  buffer_ += line;
  if (buffer_.size() > 64 * 1024) {
    out_ << buffer_ << std::flush;
    buffer_.clear();
  }
}

void Logger::flush() {
  MutexLock lock(&mu_);
  if (buffer_.empty()) return;
  out_ << buffer_ << std::flush;
  buffer_.clear();
}

}  // namespace arshjul
