#include <catch2/catch.hpp>

#include <sstream>

#include "scheduler/cli.h"

using namespace arshjul;
using namespace date::literals;

namespace {

struct Run {
  int code;
  std::string out, err;
};

Run run(std::vector<std::string> args) {
  ManualClock clock(SysSeconds{date::sys_days{2026_y / 11 / 24}});
  args.insert(args.begin(), "arshjul");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  const int code = run_cli(static_cast<int>(argv.size()), argv.data(), clock, out, err);
  return {code, out.str(), err.str()};
}

std::string path(const char* rel) { return std::string(ARSHJUL_SOURCE_DIR) + "/" + rel; }

}  // namespace

TEST_CASE("check exits 0 on the shipped configs") {
  for (const char* dir : {"config/roros", "config/midt-telemark"}) {
    const Run r = run({"check", path(dir)});
    INFO(r.err);
    CHECK(r.code == 0);
    CHECK_THAT(r.out, Catch::Contains(": ok:"));
  }
}

TEST_CASE("check exits 1 and prints every error of a bad config") {
  const Run r = run({"check", path("tests/fixtures/three-errors")});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("3 errors"));
}

TEST_CASE("check on a folder without arshjul.toml says what it expected") {
  const Run r = run({"check", path("tests")});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("arshjul.toml"));
}

TEST_CASE("preview shows the year with moves explained") {
  const Run r = run({"preview", path("tests/fixtures/mini"), "--year", "2027"});
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("2027-05-18  Tue  09:00-11:00"));
  CHECK_THAT(r.out, Catch::Contains("moved from Mon 17 May: public holiday (Grunnlovsdag)"));
  CHECK_THAT(r.out, Catch::Contains("skipped: public holiday (Grunnlovsdag)"));
}

TEST_CASE("preview defaults to the clock's year and filters by wheel") {
  const Run r = run({"preview", path("tests/fixtures/mini"), "--wheel", "partssamarbeid"});
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("— 2026 — wheel partssamarbeid"));
  CHECK(run({"preview", path("tests/fixtures/mini"), "--wheel", "nope"}).code == 1);
}

TEST_CASE("Bad usage exits 2 with a message") {
  CHECK(run({}).code == 2);
  CHECK(run({"frobnicate"}).code == 2);
  CHECK(run({"preview", path("tests/fixtures/mini"), "--year"}).code == 2);
  CHECK(run({"preview", path("tests/fixtures/mini"), "--year", "20x7"}).code == 2);
  CHECK(run({"preview", path("tests/fixtures/mini"), "--colour", "red"}).code == 2);
}

TEST_CASE("export writes one VCALENDAR with a VTIMEZONE and one VEVENT per occurrence") {
  const Run r = run({"export", path("tests/fixtures/mini"), "--year", "2027"});
  REQUIRE(r.code == 0);
  CHECK(r.out.rfind("BEGIN:VCALENDAR\r\n", 0) == 0);
  std::size_t events = 0;
  for (std::size_t p = r.out.find("BEGIN:VEVENT"); p != std::string::npos; p = r.out.find("BEGIN:VEVENT", p + 1)) ++events;
  CHECK(events == 20);
  CHECK_THAT(r.out, Catch::Contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Oslo\r\n"));
  CHECK_THAT(r.out, Catch::Contains("UID:drofting.20270517@mini.arshjul\r\n"));
}
