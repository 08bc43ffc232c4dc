#include <catch2/catch.hpp>

#include "scheduler/config_files.h"
#include "workflows/config_loader.h"

using namespace arshjul;
using namespace std::chrono_literals;

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
  CHECK_THAT(e, Catch::Contains("people.toml:4:9: person[0].union: role \"plasstillitsvalgt\" needs the union the person "
                                "represents (e.g. \"Fagforbundet\")"));
}

TEST_CASE("An e-mail in people.toml needs exactly one '@', as in the CSV import and the API") {
  ConfigSources s;
  s.organisation = {"arshjul.toml", kOrg};
  s.people = SourceFile{"people.toml", R"([[person]]
id = "ola"
name = "Ola"
unit = "kommunen"
roles = ["leader"]
email = "ola@x@y.no"
)"};
  auto r = load_config(s);
  REQUIRE_FALSE(r.ok());
  CHECK(all_errors(r) == "people.toml:6:9: person[0].email: expected an e-mail address with one '@' (name@example.no), "
                         "got \"ola@x@y.no\"\n");
}

TEST_CASE("A leader_start_date in people.toml needs the role leader, as in the CSV import and the API") {
  ConfigSources s;
  s.organisation = {"arshjul.toml", kOrg};
  s.people = SourceFile{"people.toml", R"([[person]]
id = "per"
name = "Per"
unit = "skole"
roles = ["employee"]
leader_start_date = "2027-03-01"
)"};
  auto r = load_config(s);
  REQUIRE_FALSE(r.ok());
  CHECK(all_errors(r) == "people.toml:6:21: person[0].leader_start_date: a leader_start_date needs the role "
                         "\"leader\", got roles [employee]\n");
}

namespace {

// Per, an employee of skole, in an organisation with AMU; `committees` is line 6 of people.toml.
LoadResult per_with_seats(const std::string& committees) {
  ConfigSources s;
  s.organisation = {"arshjul.toml", std::string(kOrg) + "\n[[committee]]\nid = \"amu\"\nname = \"AMU\"\n"};
  s.people = SourceFile{"people.toml", "[[person]]\nid = \"per\"\nname = \"Per\"\nunit = \"skole\"\n"
                                       "roles = [\"employee\"]\n" + committees + "\n"};
  return load_config(s);
}

}  // namespace

TEST_CASE("A dated committee seat in people.toml is read with its dates") {
  auto r = per_with_seats(
      R"(committees = [{ id = "amu", from = "2027-01-01", to = "2028-12-31" }, { id = "amu", from = "2030-01-01" }])");
  INFO(all_errors(r));
  REQUIRE(r.ok());
  const auto& seats = r.config->find_person("per")->committees;
  REQUIRE(seats.size() == 2);
  CHECK(seats[0] == Membership{"amu", LocalDays{date::year{2027} / 1 / 1}, LocalDays{date::year{2028} / 12 / 31}});
  CHECK(seats[1] == Membership{"amu", LocalDays{date::year{2030} / 1 / 1}, std::nullopt});
}

TEST_CASE("A committee seat in people.toml with a bad date, an unknown key or its end before its start is refused at its place") {
  auto r = per_with_seats(R"(committees = [{ id = "amu", from = "2027-13-01" }, { id = "amu", until = "2028-01-01" }, 7,
              { id = "amu", from = "2028-01-01", to = "2027-12-31" }, { id = "amy" }])");
  REQUIRE_FALSE(r.ok());
  const std::string e = all_errors(r);
  CHECK_THAT(e, Catch::Contains("people.toml:6:36: person[0].committees[0].from: \"2027-13-01\" is not a calendar date"));
  CHECK_THAT(e, Catch::Contains("people.toml:6:66: person[0].committees[1].until: unknown key"));
  CHECK_THAT(e, Catch::Contains("people.toml:6:90: person[0].committees[2]: expected a committee id or { id = \"ID\""));
  CHECK_THAT(e, Catch::Contains("people.toml:7:55: person[0].committees[3].to: expected the last day on the committee on "
                                "or after from (2028-01-01), got 2027-12-31"));
  CHECK_THAT(e, Catch::Contains("people.toml:7:78: person[0].committees[4]: unknown committee \"amy\" (did you mean \"amu\"?)"));
}

TEST_CASE("A name with a control character in people.toml is refused at its line and field, as in the CSV import") {
  ConfigSources s;
  s.organisation = {"arshjul.toml", kOrg};
  s.people = SourceFile{"people.toml", "[[person]]\nid = \"per\"\nname = \"Per\\u0007Hansen\"\nunit = \"skole\"\n"
                                       "roles = [\"employee\"]\n"};
  auto r = load_config(s);
  REQUIRE_FALSE(r.ok());
  CHECK(all_errors(r) == "people.toml:3:8: person[0].name: expected text without control characters (a line break is "
                         "allowed), got U+0007 at character 4\n");
}

TEST_CASE("A string left open is reported as a missing closing quote at its line, not as a control character") {
  for (const std::string eol : {"\n", "\r\n"}) {
    const auto r = load_wheel("[wheel]" + eol + "id = \"w\"" + eol + "name = \"Wheel" + eol + "color = \"#123456\"" + eol);
    REQUIRE_FALSE(r.ok());
    CHECK(all_errors(r) == "wheels/w.toml:3:14: TOML syntax: a string is not closed: expected a closing '\"' before the "
                           "end of line 3 (a \"...\" string ends on its own line; use \"\"\"...\"\"\" for text over several "
                           "lines)\n");
  }
  // toml++ counts characters: the line's "ø" and "å" are two bytes each.
  const auto r = load_wheel("[wheel]\nid = \"w\"\nname = \"Møte på\ncolor = \"#123456\"\n");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(all_errors(r), Catch::Contains("a string is not closed"));
}

TEST_CASE("A people.toml that is not UTF-8 is refused by the TOML parser at its line") {
  ConfigSources s;
  s.organisation = {"arshjul.toml", kOrg};
  s.people = SourceFile{"people.toml", "[[person]]\nid = \"per\"\nname = \"P\xE6r\"\nunit = \"skole\"\n"};
  auto r = load_config(s);
  REQUIRE_FALSE(r.ok());
  INFO(all_errors(r));
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].line == 3);
  CHECK_THAT(r.errors[0].message, Catch::StartsWith("TOML syntax:"));
}

TEST_CASE("A people.toml the CSV import would refuse is refused with every error by file, line and field") {
  auto c = load_config_dir(std::string(ARSHJUL_SOURCE_DIR) + "/tests/fixtures/bad-people");
  REQUIRE_FALSE(c);
  const std::string& e = c.error();
  CHECK_THAT(e, Catch::Contains("bad-people/people.toml:8:9: person[0].email: expected an e-mail address with one '@'"));
  CHECK_THAT(e, Catch::Contains("bad-people/people.toml:15:21: person[1].leader_start_date: a leader_start_date needs "
                                "the role \"leader\""));
  CHECK_THAT(e, Catch::EndsWith("2 errors"));
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

TEST_CASE("A hook URL whose host only starts with 127. is no loopback address") {
  const auto why = check_hook_url("http://127.attacker.example/", false);
  REQUIRE(why);
  CHECK_THAT(*why, Catch::StartsWith("plain http:// is only allowed to loopback addresses"));
  CHECK(check_hook_url("http://localhost.attacker.example/", false));
  CHECK(check_hook_url("http://127.0.0.1.attacker.example/", false));
  CHECK(check_hook_url("http://127.1/", false));      // a resolver reads it as 127.0.0.1; we take it as a name
  CHECK(check_hook_url("http://0x7f.0.0.1/", false));
  CHECK(check_hook_url("http://127.0.0.256/", false));
  CHECK(check_hook_url("http://[::2]/", false));
}

TEST_CASE("Plain http goes to a loopback IP literal or localhost") {
  for (const char* url : {"http://127.0.0.1:9/x", "http://127.1.2.3/", "http://localhost:8080/h", "http://LOCALHOST/",
                          "http://[::1]:8080/", "http://[0:0:0:0:0:0:0:1]/", "http://[::ffff:127.0.0.1]/h?x=1"}) {
    INFO(url);
    CHECK_FALSE(check_hook_url(url, false));
  }
  CHECK_FALSE(check_hook_url("http://intranett.kommune.no/h", true));  // insecure = true
}

TEST_CASE("A hook URL with a line break, a space or a control character is refused, even when insecure") {
  for (const char* url : {"https://example.org/hook\r\nX: y", "https://example.org/a b", "https://example.org/\x7F",
                          "https://exa\tmple.org/", "https://example.org/h\n", "https://example.org/\xC3\xA6"}) {
    INFO(url);
    const auto why = check_hook_url(url, true);
    REQUIRE(why);
    CHECK_THAT(*why, Catch::StartsWith("expected a URL without spaces, control characters or non-ASCII characters"));
  }
}

TEST_CASE("A hook URL is http or https with a host, no user:password@, a sound port and an encoded path") {
  CHECK_FALSE(check_hook_url("https://hooks.kommune.no:8443/a/b?c=d&e=%20", false));
  CHECK_THAT(*check_hook_url("ftp://example.org/", true), Catch::StartsWith("expected an http:// or https:// URL"));
  CHECK_THAT(*check_hook_url("https://user:pw@example.org/", true), Catch::Contains("user:password@"));
  CHECK_THAT(*check_hook_url("http://evil.example@127.0.0.1/", false), Catch::Contains("user:password@"));
  CHECK_THAT(*check_hook_url("https:///path", true), Catch::StartsWith("expected a URL with a host"));
  CHECK_THAT(*check_hook_url("https://exa%6dple.org/", true), Catch::StartsWith("expected a host name"));
  CHECK_THAT(*check_hook_url("https://[::1/", true), Catch::StartsWith("expected an IPv6 address"));
  CHECK_THAT(*check_hook_url("https://[::1]x/", true), Catch::StartsWith("expected ':' and a port"));
  for (const char* url : {"https://example.org:/", "https://example.org:0/", "https://example.org:65536/",
                          "https://example.org:8a/"})
    CHECK_THAT(*check_hook_url(url, true), Catch::StartsWith("expected a port from 1 to 65535"));
  CHECK_THAT(*check_hook_url("https://example.org/a%2", true), Catch::StartsWith("expected two hex digits"));
  CHECK_THAT(*check_hook_url("https://example.org/{x}", true), Catch::StartsWith("expected '{' percent-encoded"));
}

// ---- rounds ------------------------------------------------------------------

namespace {
const std::string kRoundHead =
    "[wheel]\nid = \"w\"\nname = \"W\"\ncolor = \"#123456\"\n"
    "round = { opens = \"11-01\", open_days = 21, every = 2, since = 2025 }\n\n";
}  // namespace

TEST_CASE("A round is read from the wheel, and its dates and window ends relative to it") {
  auto r = load_wheel(kRoundHead + R"([[activity]]
id = "plan"
title = "Planlegging"
dates = ["open-6w", "close+12d", "open"]
start = "09:00"
duration = "1h"

[[activity]]
id = "apen"
title = "Åpen"
kind = "window"
from = "open"
to = "close+3w"
)");
  INFO(all_errors(r));
  REQUIRE(r.ok());
  const Wheel& w = r.config->wheels[0];
  REQUIRE(w.round);
  CHECK(w.round->opens == MonthDay{11, 1});
  CHECK(w.round->open_days == 21);
  CHECK(w.round->every == 2);
  CHECK(w.round->since == 2025);
  const auto& dates = w.activities[0].round_dates;
  REQUIRE(dates.size() == 3);
  CHECK((dates[0].anchor == RoundDay::Anchor::open && dates[0].offset_days == -42));
  CHECK((dates[1].anchor == RoundDay::Anchor::close && dates[1].offset_days == 12));
  CHECK((dates[2].anchor == RoundDay::Anchor::open && dates[2].offset_days == 0));
  CHECK(w.activities[0].yearly_dates.empty());
  REQUIRE(w.activities[1].round_from);
  REQUIRE(w.activities[1].round_to);
  CHECK(w.activities[1].round_to->anchor == RoundDay::Anchor::close);
  CHECK(w.activities[1].round_to->offset_days == 21);
}

TEST_CASE("A plain date or a rule in a wheel with a round is an error naming the relative form") {
  auto r = load_wheel(kRoundHead + R"([[activity]]
id = "plan"
title = "Planlegging"
dates = ["09-21", "open+2x"]
start = "09:00"
duration = "1h"

[[activity]]
id = "mote"
title = "Møte"
rule = "FREQ=YEARLY;BYMONTH=1"
start = "09:00"
duration = "1h"

[[activity]]
id = "vindu"
title = "Vindu"
kind = "window"
from = "01-11"
to = "close+10d"
)");
  REQUIRE_FALSE(r.ok());
  const auto e = all_errors(r);
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:10:10: activity[0].dates[0]: expected \"open±N(d|w)\" or "
                                "\"close±N(d|w)\" (e.g. \"open-6w\", \"close+12d\"), got \"09-21\": in a wheel with a "
                                "round, the round's cadence governs every activity"));
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:10:19: activity[0].dates[1]: expected \"open±N(d|w)\""));
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:17:8: activity[1].rule: a wheel with a round has no `rule`"));
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:25:8: activity[2].from: expected \"open±N(d|w)\" or \"close±N(d|w)\""));
  CHECK(r.errors.size() == 4);
}

TEST_CASE("A date relative to a round outside a wheel with one names the missing round") {
  auto r = load_wheel(kWheelHead + R"([[activity]]
id = "frist"
title = "Frist"
kind = "deadline"
dates = ["close+12d"]
)");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].line == 10);
  CHECK(r.errors[0].field == "activity[0].dates[0]");
  CHECK_THAT(r.errors[0].message, Catch::StartsWith("\"close+12d\" is relative to a round, but wheel \"w\" has no `round`"));
}

TEST_CASE("A round needs an opening day and a first year, and a window in it cannot end before it begins") {
  auto r = load_wheel(std::string("[wheel]\nid = \"w\"\nname = \"W\"\ncolor = \"#123456\"\n") +
                      "round = { opens = \"11-31\", every = 0 }\n\n" + R"([[activity]]
id = "vindu"
title = "Vindu"
kind = "window"
from = "close"
to = "open+1w"
)");
  REQUIRE_FALSE(r.ok());
  const auto e = all_errors(r);
  CHECK_THAT(e, Catch::Contains("wheel.round.opens:"));
  CHECK_THAT(e, Catch::Contains("wheel.round.every: expected an integer from 1 to 10, got 0"));
  CHECK_THAT(e, Catch::Contains("wheel.round.since: missing required key \"since\""));
  CHECK_THAT(e, Catch::Contains("activity[0].to: the window would end before it begins: \"open+1w\" is before \"close\""));
}

// ---- personal series, registration, tasks ------------------------------------------

TEST_CASE("A personal series is placed after a person's date, in days or weeks") {
  auto r = load_wheel(kWheelHead + R"([[activity]]
id = "intro"
title = "Introduksjon"
personal = { after = "leader_start_date", days = 14 }
start = "09:00"
duration = "2h"

[[activity]]
id = "frist"
title = "Frist"
kind = "deadline"
personal = { after = "start_date", weeks = 2 }
)");
  INFO(all_errors(r));
  REQUIRE(r.ok());
  const auto& acts = r.config->wheels[0].activities;
  REQUIRE(acts[0].personal);
  CHECK(acts[0].personal->date == PersonalAnchor::Date::leader_start_date);
  CHECK(acts[0].personal->offset_days == 14);
  REQUIRE(acts[1].personal);
  CHECK(acts[1].personal->date == PersonalAnchor::Date::start_date);
  CHECK(acts[1].personal->offset_days == 14);
}

TEST_CASE("A personal series has no rule, dates, window or scope of its own") {
  auto r = load_wheel(kWheelHead + R"([[activity]]
id = "intro"
title = "Introduksjon"
personal = { after = "leder_start_date", days = -1 }
scope = { level = "virksomhet" }
rule = "FREQ=YEARLY"
start = "09:00"
duration = "2h"

[[activity]]
id = "vindu"
title = "Vindu"
kind = "window"
personal = { after = "start_date", days = 3, weeks = 1 }
)");
  REQUIRE_FALSE(r.ok());
  const auto e = all_errors(r);
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:9:22: activity[0].personal.after: expected one of start_date, "
                                "leader_start_date; got \"leder_start_date\" (did you mean \"leader_start_date\"?)"));
  CHECK_THAT(e, Catch::Contains("activity[0].personal.days: expected an integer from 0 to 3660, got -1"));
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:10:9: activity[0].scope: a personal series falls on each person's "
                                "start date plus the offset; remove `scope`"));
  CHECK_THAT(e, Catch::Contains("activity[0].rule: a personal series falls on each person's"));
  CHECK_THAT(e, Catch::Contains("activity[1].personal.weeks: give `days` or `weeks`, not both"));
  CHECK_THAT(e, Catch::Contains("activity[1].personal: a personal series is a meeting or a deadline, not a window"));
}

TEST_CASE("A registration may name its days for messages and headings, and without a name it has none of its own") {
  const std::string meeting = "rule = \"FREQ=MONTHLY;INTERVAL=2\"\nstart = \"09:00\"\nduration = \"6h\"\n";
  auto r = load_wheel(kWheelHead + "[[activity]]\nid = \"a\"\ntitle = \"Ansattdag: Velkommen\"\n" + meeting +
                      "registration = { name = \"ansattdag\" }\n\n[[activity]]\nid = \"b\"\ntitle = \"Introduksjonsdag\"\n" +
                      meeting + "registration = {}\n");
  INFO(all_errors(r));
  REQUIRE(r.ok());
  CHECK(r.config->find_activity("a")->registration->name == "ansattdag");
  CHECK(r.config->find_activity("b")->registration->name.empty());

  auto bad = load_wheel(kWheelHead + "[[activity]]\nid = \"a\"\ntitle = \"A\"\n" + meeting + "registration = { name = \"\" }\n");
  CHECK(all_errors(bad) == "wheels/w.toml:12:25: activity[0].registration.name: expected the name of one day in running "
                          "text (e.g. \"ansattdag\"), got an empty one\n");
}

TEST_CASE("Registration is read on meetings, within its limits") {
  auto ok = load_wheel(kWheelHead + R"([[activity]]
id = "ansattdag"
title = "Ansattdag"
rule = "FREQ=MONTHLY;INTERVAL=2"
start = "09:00"
duration = "6h"
registration = { capacity = 25, lead_days = 7, max_wait_days = 120 }
)");
  INFO(all_errors(ok));
  REQUIRE(ok.ok());
  const auto& reg = ok.config->wheels[0].activities[0].registration;
  REQUIRE(reg);
  CHECK(reg->capacity == 25);
  CHECK(reg->lead_days == 7);
  CHECK(reg->max_wait_days == 120);

  auto bad = load_wheel(kWheelHead + R"([[activity]]
id = "ansattdag"
title = "Ansattdag"
rule = "FREQ=MONTHLY;INTERVAL=2"
start = "09:00"
duration = "6h"
registration = { capacity = 0, lead_days = 30, max_wait_days = 14, lead = 1 }

[[activity]]
id = "frist"
title = "Frist"
kind = "deadline"
dates = ["03-01"]
registration = { capacity = 10 }
)");
  REQUIRE_FALSE(bad.ok());
  const auto e = all_errors(bad);
  CHECK_THAT(e, Catch::Contains("activity[0].registration.capacity: expected an integer from 1 to 10000, got 0"));
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:12:64: activity[0].registration.max_wait_days: expected at least "
                                "lead_days (30)"));
  CHECK_THAT(e, Catch::Contains("activity[0].registration.lead: unknown key \"lead\""));
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:19:16: activity[1].registration: registration is for meetings the new "
                                "hires come to, not a deadline"));
  CHECK(bad.errors.size() == 4);
}

TEST_CASE("Tasks are read on windows and deadlines, with known levels and reminder durations") {
  auto ok = load_wheel(kWheelHead + R"([[activity]]
id = "samtaler"
title = "Medarbeidersamtaler"
kind = "window"
from = "02-01"
to = "04-30"
tasks = { per = "employee", reminders = ["14d", "3d"] }

[[activity]]
id = "handlingsplan"
title = "Handlingsplan"
kind = "deadline"
dates = ["03-15"]
tasks = { per = "unit", levels = ["virksomhet"] }
)");
  INFO(all_errors(ok));
  REQUIRE(ok.ok());
  const auto& acts = ok.config->wheels[0].activities;
  REQUIRE(acts[0].tasks);
  CHECK(acts[0].tasks->per == TaskRule::Per::employee);
  CHECK(acts[0].tasks->reminders == std::vector<Seconds>{std::chrono::hours{24 * 14}, std::chrono::hours{24 * 3}});
  REQUIRE(acts[1].tasks);
  CHECK(acts[1].tasks->per == TaskRule::Per::unit);
  CHECK(acts[1].tasks->levels == std::vector<std::string>{"virksomhet"});

  auto bad = load_wheel(kWheelHead + R"([[activity]]
id = "mote"
title = "Møte"
rule = "FREQ=YEARLY"
start = "09:00"
duration = "1h"
tasks = { per = "unit" }

[[activity]]
id = "handlingsplan"
title = "Handlingsplan"
kind = "deadline"
dates = ["03-15"]
tasks = { per = "unit", levels = ["virksomhett"], reminders = ["3 dager"] }

[[activity]]
id = "samtaler"
title = "Samtaler"
kind = "window"
from = "02-01"
to = "04-30"
tasks = { per = "employee", levels = ["virksomhet"] }

[[activity]]
id = "frist"
title = "Frist"
kind = "deadline"
dates = ["03-15"]
tasks = { per = "unti" }
)");
  REQUIRE_FALSE(bad.ok());
  const auto e = all_errors(bad);
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:12:17: activity[0].tasks.per: a meeting's tasks are its owner's "
                                "paperwork: per = \"meeting\""));
  CHECK_THAT(e, Catch::Contains("follow-up per employee or unit is due at the end of a window or on a deadline"));
  CHECK_THAT(e, Catch::Contains("activity[3].tasks.per: expected one of employee, unit, meeting; got \"unti\" (did you "
                                "mean \"unit\"?)"));
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:19:35: activity[1].tasks.levels[0]: unknown level \"virksomhett\" "
                                "(did you mean \"virksomhet\"?)"));
  CHECK_THAT(e, Catch::Contains("activity[1].tasks.reminders[0]: expected a duration such as"));
  CHECK_THAT(e, Catch::Contains("activity[2].tasks.levels: levels go with per = \"unit\""));
  CHECK(bad.errors.size() == 5);
}

TEST_CASE("A meeting's tasks are its owner's documents and minutes, with a known owner") {
  auto ok = load_wheel(kWheelHead + R"([[activity]]
id = "amu"
title = "AMU"
rule = "FREQ=MONTHLY;BYMONTH=2,5;BYDAY=TU;BYSETPOS=2"
start = "09:00"
duration = "2h"
notice = { to = ["hovedtillitsvalgt"], days_before = 14, documents_days_before = 10 }
tasks = { per = "meeting", documents = true, minutes_days_after = 7, owner = "leader@virksomhet", reminders = ["2d"] }
)");
  INFO(all_errors(ok));
  REQUIRE(ok.ok());
  const auto& rule = ok.config->wheels[0].activities[0].tasks;
  REQUIRE(rule);
  CHECK(rule->per == TaskRule::Per::meeting);
  CHECK(rule->documents);
  CHECK(rule->minutes_days_after == 7);
  CHECK(rule->owner_level == "virksomhet");
  CHECK(rule->reminders == std::vector<Seconds>{std::chrono::hours{48}});

  auto bad = load_wheel(kWheelHead + R"([[activity]]
id = "amu"
title = "AMU"
rule = "FREQ=YEARLY"
start = "09:00"
duration = "2h"
tasks = { per = "meeting" }

[[activity]]
id = "mbm"
title = "MBM"
rule = "FREQ=YEARLY"
start = "09:00"
duration = "2h"
tasks = { per = "meeting", minutes_days_after = 0, owner = "hr" }

[[activity]]
id = "frist"
title = "Frist"
kind = "deadline"
dates = ["03-15"]
tasks = { per = "meeting", documents = true }

[[activity]]
id = "samtaler"
title = "Samtaler"
kind = "window"
from = "02-01"
to = "04-30"
tasks = { per = "employee", owner = "person:nobody" }
)");
  REQUIRE_FALSE(bad.ok());
  const auto e = all_errors(bad);
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:12:9: activity[0].tasks: per = \"meeting\" makes the owner's paperwork: "
                                "say documents = true"));
  CHECK_THAT(e, Catch::Contains("activity[1].tasks.minutes_days_after: expected an integer from 1 to 90, got 0"));
  CHECK_THAT(e, Catch::Contains("activity[1].tasks.owner: expected \"leader\" (the series unit's leader, the default), "
                                "\"leader@LEVEL\""));
  CHECK_THAT(e, Catch::Contains("activity[2].tasks.per: per = \"meeting\" is for meetings (documents and minutes); a "
                                "deadline takes per = \"employee\" or \"unit\""));
  CHECK_THAT(e, Catch::Contains("activity[3].tasks.owner: owner goes with per = \"meeting\""));
  CHECK(bad.errors.size() == 5);
}

TEST_CASE("A person's manager must be another person in the roster") {
  ConfigSources s;
  s.organisation = {"arshjul.toml", kOrg};
  s.people = SourceFile{"people.toml", R"([[person]]
id = "kari"
name = "Kari"
unit = "skole"
roles = ["leader"]
manager = "kari"

[[person]]
id = "ola"
name = "Ola"
unit = "skole"
roles = ["employee"]
manager = "karri"

[[person]]
id = "per"
name = "Per"
unit = "skole"
roles = ["employee"]
manager = "kari"
)"};
  auto r = load_config(s);
  REQUIRE_FALSE(r.ok());
  const auto e = all_errors(r);
  CHECK_THAT(e, Catch::Contains("people.toml:6:11: person[0].manager: a person cannot be their own manager"));
  CHECK_THAT(e, Catch::Contains("people.toml:13:11: person[1].manager: unknown person \"karri\" (did you mean \"kari\"?)"));
  CHECK(r.errors.size() == 2);
}

TEST_CASE("The shipped configurations run 10-faktor as rounds, register new hires and create tasks") {
  const std::string dir = ARSHJUL_SOURCE_DIR;
  auto roros = load_config_dir(dir + "/config/roros");
  auto mt = load_config_dir(dir + "/config/midt-telemark");
  REQUIRE(roros);
  REQUIRE(mt);
  const Wheel* rt = roros->find_wheel("10-faktor");
  const Wheel* mtt = mt->find_wheel("10-faktor");
  REQUIRE((rt && rt->round && mtt && mtt->round));
  CHECK(rt->round->every == 1);
  CHECK(mtt->round->every == 2);
  CHECK(mtt->round->since == 2025);
  CHECK(mtt->round->opens == MonthDay{11, 22});
  CHECK(mtt->round->open_days == 22);

  const auto activity = [](const Config& c, std::string_view wheel, std::string_view id) -> const Activity* {
    for (const auto& a : c.find_wheel(wheel)->activities)
      if (a.id == id) return &a;
    return nullptr;
  };
  const Activity* day = activity(*roros, "ansattdag", "ansattdag");
  REQUIRE((day && day->registration));
  CHECK(day->registration->capacity == 25);
  CHECK(day->registration->lead_days == 7);
  CHECK(day->registration->max_wait_days == 120);
  const Activity* talks = activity(*roros, "medarbeidersamtaler", "medarbeidersamtaler");
  REQUIRE((talks && talks->tasks));
  CHECK(talks->tasks->per == TaskRule::Per::employee);
  const Activity* plan = activity(*roros, "10-faktor", "tf-handlingsplan");
  REQUIRE((plan && plan->tasks));
  CHECK(plan->tasks->levels == std::vector<std::string>{"virksomhet"});

  for (const Config* c : {&*roros, &*mt}) {
    int new_leaders = 0, with_manager = 0;
    for (const auto& p : c->people) {
      if (p.leader_start_date && date::year_month_day{*p.leader_start_date}.year() == date::year{2027}) ++new_leaders;
      if (!p.manager.empty()) ++with_manager;
    }
    CHECK(new_leaders >= 2);
    CHECK(with_manager >= 1);
  }
}

// ---- a hook's retry schedule and the outbox's retention ------------------------

namespace {
const std::string kHook =
    "\n[[hook]]\nid = \"epost\"\nurl = \"https://hooks.kommune.no/h\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n";

// The 1-based line of the first line of `text` that starts with `start`.
int line_of(const std::string& text, const std::string& start) {
  int line = 1;
  for (std::size_t at = 0; at < text.size(); at = text.find('\n', at) + 1, ++line)
    if (text.compare(at, start.size(), start) == 0) return line;
  return -1;
}
}  // namespace

TEST_CASE("A hook retries on Standard Webhooks' schedule unless it gives its own") {
  auto standard = load_wheel(kWheelHead, kOrg + kHook);
  INFO(all_errors(standard));
  REQUIRE(standard.ok());
  CHECK(standard.config->hooks[0].retry == std::vector<Seconds>{5s, 5min, 30min, 2h, 5h, 10h, 10h});
  CHECK(standard.config->hooks[0].max_attempts == 8);

  auto own = load_wheel(kWheelHead, kOrg + kHook + "retry = [\"10s\", \"1m\", \"1h30m\"]\n");
  INFO(all_errors(own));
  REQUIRE(own.ok());
  CHECK(own.config->hooks[0].retry == std::vector<Seconds>{10s, 1min, 90min});
  CHECK(own.config->hooks[0].max_attempts == 4);  // one more than its delays

  auto both = load_wheel(kWheelHead, kOrg + kHook + "retry = [\"10s\"]\nmax_attempts = 6\n");
  REQUIRE(both.ok());
  CHECK(both.config->hooks[0].max_attempts == 6);  // the last delay repeats
}

TEST_CASE("A bad retry schedule is an error at its file, line and entry") {
  const std::string org = kOrg + kHook + "retry = [\"5s\", \"soon\", \"8d\"]\n";
  auto r = load_wheel(kWheelHead, org);
  REQUIRE_FALSE(r.ok());
  const auto e = all_errors(r);
  const std::string at = "arshjul.toml:" + std::to_string(line_of(org, "retry = "));
  CHECK_THAT(e, Catch::Contains(at) && Catch::Contains("hook[0].retry[1]: expected a delay such as \"5s\", \"5m\", \"2h\" or \"1h30m\", got \"soon\""));
  CHECK_THAT(e, Catch::Contains("hook[0].retry[2]: a retry delay may be at most 7 days, got \"8d\""));
  auto empty = load_wheel(kWheelHead, kOrg + kHook + "retry = []\n");
  CHECK_THAT(all_errors(empty), Catch::Contains("hook[0].retry: expected at least one delay"));
  auto not_list = load_wheel(kWheelHead, kOrg + kHook + "retry = \"5s\"\n");
  CHECK_THAT(all_errors(not_list), Catch::Contains("hook[0].retry: expected an array of strings"));
}

TEST_CASE("The outbox keeps delivered messages 90 days unless [outbox] retention says otherwise, at least 30 days") {
  auto standard = load_wheel(kWheelHead);
  REQUIRE(standard.ok());
  CHECK(standard.config->outbox_retention == date::days{90});
  auto own = load_wheel(kWheelHead, kOrg + std::string("\n[outbox]\nretention = \"1w\"\n"));
  REQUIRE_FALSE(own.ok());
  CHECK_THAT(all_errors(own), Catch::Contains("outbox.retention: expected at least \"30d\", got \"1w\""));
  auto year = load_wheel(kWheelHead, kOrg + std::string("\n[outbox]\nretention = \"365d\"\n"));
  INFO(all_errors(year));
  REQUIRE(year.ok());
  CHECK(year.config->outbox_retention == date::days{365});
  auto typo = load_wheel(kWheelHead, kOrg + std::string("\n[outbox]\nretension = \"365d\"\n"));
  CHECK_THAT(all_errors(typo), Catch::Contains("retension"));
}

// ---- [sign_in] -----------------------------------------------------------------------

TEST_CASE("[sign_in] reads the provider, the client, where its secret is, and the claims, with defaults") {
  auto r = load_wheel(kWheelHead, kOrg + std::string("\n[sign_in]\nissuer = \"https://login.microsoftonline.com/t/v2.0\"\n"
                                                     "client_id = \"app\"\nclient_secret_env = \"ARSHJUL_OIDC_SECRET\"\n"
                                                     "hr_claim = \"groups\"\nhr_value = \"g-hr\"\n"));
  INFO(all_errors(r));
  REQUIRE(r.ok());
  REQUIRE(r.config->sign_in);
  CHECK(r.config->sign_in->issuer == "https://login.microsoftonline.com/t/v2.0");
  CHECK(r.config->sign_in->client_secret_env == "ARSHJUL_OIDC_SECRET");
  CHECK(r.config->sign_in->redirect_path == "/login/callback");
  CHECK(r.config->sign_in->person_claim == "email");
  CHECK(r.config->sign_in->hr_value == "g-hr");
  CHECK(r.config->sign_in->session_length == std::chrono::hours{8});
  CHECK_FALSE(load_wheel(kWheelHead).config->sign_in);
}

TEST_CASE("[sign_in] refuses plain http to a provider off this machine, two or no secret sources, and an HR claim without its value") {
  const std::string head = kOrg + std::string("\n[sign_in]\nclient_id = \"app\"\n");
  auto http = load_wheel(kWheelHead, head + "issuer = \"http://idp.example\"\nclient_secret_env = \"S\"\n");
  CHECK_THAT(all_errors(http), Catch::Contains("sign_in.issuer: plain http:// is only allowed to loopback addresses"));
  CHECK(load_wheel(kWheelHead, head + "issuer = \"http://127.0.0.1:9000\"\nclient_secret_env = \"S\"\n").ok());
  auto both = load_wheel(kWheelHead, head + "issuer = \"https://idp.example\"\nclient_secret_env = \"S\"\nclient_secret_file = \"f\"\n");
  CHECK_THAT(all_errors(both), Catch::Contains("sign_in: expected exactly one of client_secret_file"));
  auto none = load_wheel(kWheelHead, head + "issuer = \"https://idp.example\"\n");
  CHECK_THAT(all_errors(none), Catch::Contains("sign_in: expected exactly one of client_secret_file"));
  auto half = load_wheel(kWheelHead, head + "issuer = \"https://idp.example\"\nclient_secret_env = \"S\"\nhr_claim = \"groups\"\n");
  CHECK_THAT(all_errors(half), Catch::Contains("sign_in.hr_value: expected hr_claim and hr_value together"));
  auto path = load_wheel(kWheelHead, head + "issuer = \"https://idp.example\"\nclient_secret_env = \"S\"\nredirect_path = \"/cb\"\n");
  CHECK_THAT(all_errors(path), Catch::Contains("sign_in.redirect_path: expected a path under /login/"));
}
