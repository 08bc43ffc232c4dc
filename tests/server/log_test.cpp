#include <algorithm>
#include <sstream>
#include <string>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "server/log.h"

using namespace arshjul;

TEST_CASE("a text log line has the time, the level and the message, a message of several lines as one line") {
  std::ostringstream out;
  Logger log(out, LogFormat::text, false);
  log.write(LogLevel::error, "reload: the config has errors:\nwheels/a.toml:3:1: unknown key\n");
  const std::string line = out.str();
  CHECK(line.find(" error reload: the config has errors: | wheels/a.toml:3:1: unknown key\n") == 24);
  CHECK(line[4] == '-');
  CHECK(line[23] == 'Z');
  CHECK(std::count(line.begin(), line.end(), '\n') == 1);
}

TEST_CASE("a JSON log line is one object with time, level and msg") {
  std::ostringstream out;
  Logger log(out, LogFormat::json, false);
  log.write(LogLevel::warning, "outbox: dead letter \"x\"\nsecond line");
  const auto v = boost::json::parse(out.str()).as_object();
  CHECK(v.at("level").as_string() == "warning");
  CHECK(v.at("msg").as_string() == "outbox: dead letter \"x\" | second line");
  CHECK(v.contains("time"));
}

TEST_CASE("under journald a line starts with its syslog priority and carries no time") {
  std::ostringstream out;
  Logger log(out, LogFormat::text, true);
  log.write(LogLevel::notice, "stopped");
  log.write(LogLevel::error, "cannot listen");
  CHECK(out.str() == "<5>notice stopped\n<3>error cannot listen\n");
}

TEST_CASE("request lines wait for flush, or for the next event, in order") {
  std::ostringstream out;
  Logger log(out, LogFormat::json, true);
  log.request(RequestLogEntry{"127.0.0.1", "GET", "/healthz", 200, "3", 51});
  CHECK(out.str().empty());
  log.write(LogLevel::notice, "SIGTERM");
  CHECK(out.str() ==
        "<6>{\"level\":\"info\",\"event\":\"request\",\"peer\":\"127.0.0.1\",\"method\":\"GET\",\"target\":\"/healthz\","
        "\"status\":200,\"bytes\":3,\"duration_us\":51}\n<5>{\"level\":\"notice\",\"msg\":\"SIGTERM\"}\n");
  log.request(RequestLogEntry{"::1", "HEAD", "/", 404, "0", 7});
  log.flush();
  CHECK(out.str().find("\"peer\":\"::1\"") != std::string::npos);
}

TEST_CASE("a logged target cuts feed and personal-page tokens to four characters") {
  CHECK(loggable_target("/feeds/AbCdEfGhIjKlMnOpQrStUv.ics") == "/feeds/AbCd…");
  CHECK(loggable_target("/me/AbCdEfGhIjKlMnOpQrStUv?year=2027") == "/me/AbCd…?year=2027");
}

TEST_CASE("a logged target masks the values of secret query parameters and keeps the others") {
  CHECK(loggable_target("/auth/callback?code=s3cret&state=xyz&iss=https%3A%2F%2Fidp") ==
        "/auth/callback?code=…&state=…&iss=https%3A%2F%2Fidp");
  CHECK(loggable_target("/api/v1/people?limit=5&Token=abc&access_token=def") == "/api/v1/people?limit=5&Token=…&access_token=…");
  CHECK(loggable_target("/x?flag&key=") == "/x?flag&key=…");
  CHECK(loggable_target(std::string(500, 'a')).size() == 200);
}

TEST_CASE("lines from parts that log only text get a level from what they say") {
  CHECK(level_of("tick: cannot rebuild the wheel or plan its messages: database is locked") == LogLevel::error);
  CHECK(level_of("internal error (incident 7f3a) in GET /api/v1/people: boom") == LogLevel::error);
  CHECK(level_of("outbox: dead letter msg_1 (occurrence.changed) after 8 attempts") == LogLevel::warning);
  CHECK(level_of("arshjul serving Røros kommune (...)") == LogLevel::notice);
  CHECK(level_of("reload: ok: 0 new, 0 changed") == LogLevel::info);
}

TEST_CASE("a log format is text or json, nothing else") {
  LogFormat f = LogFormat::text;
  CHECK(parse_log_format("json", f));
  CHECK(f == LogFormat::json);
  CHECK_FALSE(parse_log_format("xml", f));
  CHECK(f == LogFormat::json);
}
