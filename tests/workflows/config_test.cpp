#include <catch2/catch.hpp>

#include "scheduler/config_files.h"
#include "workflows/config_loader.h"

using namespace arshjul;

namespace {

const char* kOrg = R"([organisation]
id = "t"
name = "Test kommune"

[[level]]
id = "top"
name = "Topp"

[[level]]
id = "virksomhet"
name = "Virksomhet"

[[unit]]
id = "kommunen"
name = "Kommunen"
level = "top"

[[unit]]
id = "skole"
name = "Skolen"
level = "virksomhet"
parent = "kommunen"
)";

LoadResult load_wheel(const std::string& wheel, const std::string& org = kOrg) {
  ConfigSources s;
  s.organisation = {"arshjul.toml", org};
  s.wheels.push_back({"wheels/w.toml", wheel});
  return load_config(s);
}

std::string all_errors(const LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.to_string() + "\n";
  return out;
}

const std::string kWheelHead = "[wheel]\nid = \"w\"\nname = \"W\"\ncolor = \"#123456\"\n\n";

}  // namespace

TEST_CASE("The shipped configurations are valid") {
  for (const char* dir : {"/config/roros", "/config/midt-telemark"}) {
    auto c = load_config_dir(std::string(ARSHJUL_SOURCE_DIR) + dir);
    INFO(dir << "\n" << (c ? "" : c.error()));
    REQUIRE(c);
    CHECK(c->wheels.size() == 5);
    CHECK(c->people.size() >= 25);
    CHECK(c->units.size() >= 5);
  }
}

TEST_CASE("A config with three planted errors reports all three with file and line") {
  auto c = load_config_dir(std::string(ARSHJUL_SOURCE_DIR) + "/tests/fixtures/three-errors");
  REQUIRE_FALSE(c);
  const std::string& e = c.error();
  CHECK_THAT(e, Catch::Contains("three-errors/arshjul.toml:4:12: organisation.timezone: unknown time zone \"Europe/Olso\""));
  CHECK_THAT(e, Catch::Contains("wheels/ansattdag.toml:12:14: activity[0].on_holiday:"));
  CHECK_THAT(e, Catch::Contains("(did you mean \"next-working-day\"?)"));
  CHECK_THAT(e, Catch::Contains("wheels/ansattdag.toml:19:1: activity[1].duraton: unknown key \"duraton\" (did you mean \"duration\"?)"));
  CHECK_THAT(e, Catch::EndsWith("3 errors"));
}

TEST_CASE("TOML syntax errors name the line and column") {
  auto r = load_wheel(kWheelHead + "[[activity]]\nid = \"a\"\ntitle = \"unterminated\n");
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].file == "wheels/w.toml");
  CHECK(r.errors[0].line == 8);
  CHECK_THAT(r.errors[0].message, Catch::StartsWith("TOML syntax"));
}

TEST_CASE("Wrong types say what was expected and what was found") {
  auto r = load_wheel(kWheelHead + "[[activity]]\nid = \"a\"\ntitle = 5\nrule = \"FREQ=MONTHLY\"\nstart = \"09:00\"\nduration = \"1h\"\n");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(all_errors(r), Catch::Contains("wheels/w.toml:8:9: activity[0].title: expected a string, got integer"));
}

TEST_CASE("References to unknown levels, units, committees and people are errors with suggestions") {
  auto r = load_wheel(kWheelHead + R"([[activity]]
id = "a"
title = "A"
scope = { level = "virksomhett" }
rule = "FREQ=MONTHLY;BYDAY=1TU"
start = "09:00"
duration = "1h"
participants = ["leader@topp", "committee:amu", "person:nobody", "plastillitsvalgt"]
)");
  REQUIRE_FALSE(r.ok());
  const auto e = all_errors(r);
  CHECK_THAT(e, Catch::Contains("activity[0].scope.level: unknown level \"virksomhett\" (did you mean \"virksomhet\"?)"));
  CHECK_THAT(e, Catch::Contains("activity[0].participants[0]: unknown level \"topp\" (did you mean \"top\"?)"));
  CHECK_THAT(e, Catch::Contains("activity[0].participants[1]: unknown committee \"amu\""));
  CHECK_THAT(e, Catch::Contains("activity[0].participants[2]: unknown person \"nobody\""));
  CHECK_THAT(e, Catch::Contains("unknown role \"plastillitsvalgt\" (did you mean \"plasstillitsvalgt\"?)"));
  CHECK(r.errors.size() == 5);
}

TEST_CASE("A bad RRULE is reported on its line with the reason") {
  auto r = load_wheel(kWheelHead + "[[activity]]\nid = \"a\"\ntitle = \"A\"\nrule = \"FREQ=MONTHLY;BYHOUR=9\"\nstart = \"09:00\"\nduration = \"1h\"\n");
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].line == 9);
  CHECK(r.errors[0].field == "activity[0].rule");
  CHECK_THAT(r.errors[0].message, Catch::Contains("BYHOUR"));
}

TEST_CASE("An activity needs a rule or dates, and a meeting a start and duration") {
  auto r = load_wheel(kWheelHead + "[[activity]]\nid = \"a\"\ntitle = \"A\"\n");
  const auto e = all_errors(r);
  CHECK_THAT(e, Catch::Contains("missing `rule` (an RRULE) or `dates`"));
  CHECK_THAT(e, Catch::Contains("activity[0].start: missing required key \"start\""));
  CHECK_THAT(e, Catch::Contains("activity[0].duration: missing required key \"duration\""));
}

TEST_CASE("Activity ids are unique across wheels") {
  ConfigSources s;
  s.organisation = {"arshjul.toml", kOrg};
  const std::string act = "[[activity]]\nid = \"same\"\ntitle = \"A\"\nkind = \"deadline\"\ndates = [\"03-01\"]\n";
  s.wheels.push_back({"wheels/a.toml", "[wheel]\nid = \"a\"\nname = \"A\"\ncolor = \"#000000\"\n" + act});
  s.wheels.push_back({"wheels/b.toml", "[wheel]\nid = \"b\"\nname = \"B\"\ncolor = \"#000000\"\n" + act});
  auto r = load_config(s);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(all_errors(r), Catch::Contains("wheels/b.toml:6:6: activity[0].id: duplicate activity id \"same\""));
  CHECK_THAT(all_errors(r), Catch::Contains("first defined at wheels/a.toml:6"));
}

TEST_CASE("A unit cannot sit under a unit at its own or a lower level") {
  std::string org = kOrg;
  org += "\n[[unit]]\nid = \"klasse\"\nname = \"K\"\nlevel = \"top\"\nparent = \"skole\"\n";
  auto r = load_wheel(kWheelHead, org);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(all_errors(r), Catch::Contains("cannot sit under \"skole\""));
}

TEST_CASE("People with union roles need a union and unit-bound roles need a unit") {
  ConfigSources s;
  s.organisation = {"arshjul.toml", kOrg};
  s.people = SourceFile{"people.toml", "[[person]]\nid = \"p\"\nname = \"P\"\nroles = [\"plasstillitsvalgt\"]\n"};
  auto r = load_config(s);
  const auto e = all_errors(r);
  CHECK_THAT(e, Catch::Contains("people.toml:4:9: person[0].unit: role \"plasstillitsvalgt\" needs the person's unit"));
  CHECK_THAT(e, Catch::Contains("person[0].union: role \"plasstillitsvalgt\" needs `union`"));
}

TEST_CASE("Windows take from and to, and refuse rules") {
  auto ok = load_wheel(kWheelHead + "[[activity]]\nid = \"a\"\ntitle = \"A\"\nkind = \"window\"\nfrom = \"12-01\"\nto = \"01-31\"\n");
  CHECK(ok.ok());
  auto bad = load_wheel(kWheelHead + "[[activity]]\nid = \"a\"\ntitle = \"A\"\nkind = \"window\"\nfrom = \"12-01\"\nto = \"01-31\"\nrule = \"FREQ=YEARLY\"\n");
  CHECK_FALSE(bad.ok());
}

TEST_CASE("Hooks: plain http only to loopback, a whsec_ secret, known event types") {
  std::string org = kOrg;
  org += R"(
[[hook]]
id = "intranett"
url = "http://intranett.kommune.no/arshjul"
secret = "not-a-secret"
events = ["reminder.due", "notice.erly"]
)";
  auto r = load_wheel(kWheelHead, org);
  REQUIRE_FALSE(r.ok());
  const auto e = all_errors(r);
  CHECK_THAT(e, Catch::Contains("hook[0].url: plain http:// is only allowed to loopback addresses"));
  CHECK_THAT(e, Catch::Contains("hook[0].secret: expected \"whsec_\""));
  CHECK_THAT(e, Catch::Contains("hook[0].events[1]: unknown event type \"notice.erly\" (did you mean \"notice.early\"?)"));
  std::string ok = kOrg;
  ok += "\n[[hook]]\nid = \"lokal\"\nurl = \"http://127.0.0.1:9000/h\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n"
        "[[hook]]\nid = \"https\"\nurl = \"https://hooks.kommune.no/h\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n"
        "timeout_seconds = 5\nmax_attempts = 3\n";
  auto good = load_wheel(kWheelHead, ok);
  INFO(all_errors(good));
  REQUIRE(good.ok());
  CHECK(good.config->hooks.size() == 2);
  CHECK(good.config->hooks[1].max_attempts == 3);
}
