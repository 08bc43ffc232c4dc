#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <unistd.h>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>

#include "cli/cli.h"
#include "tests/cli_run.h"
#include "storage/storage.h"
#include "scheduler/engine.h"
#include "scheduler/tokens.h"
#include "tests/fixtures.h"

using namespace arshjul;
using namespace date::literals;

namespace {

using test::Run;
Run run(std::vector<std::string> args) { return test::run_arshjul(std::move(args)); }

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

TEST_CASE("check warns, with file and line, about dated activities that leave a year of the horizon empty, and exits 0") {
  const Run r = run({"check", path("config/midt-telemark"), "--year", "2027"});
  CHECK(r.code == 0);
  CHECK_THAT(r.err, Catch::Contains(path("config/midt-telemark") +
                                    "/wheels/lederutvikling.toml:51: warning: activity lup-verdigrunnlag.dates: no date in 2028"));
  CHECK_THAT(r.err, Catch::Contains("activity budsjettdrofting.dates: no date in 2028"));
  CHECK_THAT(r.err, Catch::Contains("6 warnings for 2027-2028"));
  // This year (2026) comes before the programme began: not a gap.
  CHECK_THAT(run({"check", path("config/midt-telemark")}).err, !Catch::Contains("lup-verdigrunnlag"));
}

TEST_CASE("check exits 1 and prints every error of a bad config") {
  const Run r = run({"check", path("tests/fixtures/three-errors")});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("3 errors"));
}

TEST_CASE("check exits 1 on a people.toml with a person the CSV import and the API would refuse") {
  const Run r = run({"check", path("tests/fixtures/bad-people")});
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::Contains("people.toml:8:9: person[0].email:"));
  CHECK_THAT(r.err, Catch::Contains("people.toml:15:21: person[1].leader_start_date:"));
  CHECK_THAT(r.err, Catch::Contains("2 errors"));
}

TEST_CASE("check on a folder without arshjul.toml says what it expected") {
  const Run r = run({"check", path("tests")});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("arshjul.toml"));
}

TEST_CASE("preview shows the year with moves explained") {
  const Run r = run({"preview", path("tests/fixtures/mini"), "--year", "2027"});
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("2027-05-18  tirsdag  09:00-11:00"));
  CHECK_THAT(r.out, Catch::Contains("Flyttet fra mandag 17. mai 2027 (helligdag: Grunnlovsdag)"));
  CHECK_THAT(r.out, Catch::Contains("Hoppet over (helligdag: Grunnlovsdag)"));
}

TEST_CASE("preview writes its headings and notes and summary in bokmål") {
  const Run r = run({"preview", path("config/roros"), "--year", "2027"});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("Røros kommune — Årshjul 2027\n"));
  CHECK_THAT(r.out, Catch::Contains("\ndato        dag      tid          årshjul"));
  CHECK_THAT(r.out, Catch::Contains("tittel") && Catch::Contains("gjelder") && Catch::Contains("merknad"));
  CHECK_THAT(r.out, Catch::Contains("Hele organisasjonen"));
  CHECK_THAT(r.out, Catch::Contains("hele dagen"));
  CHECK_THAT(r.out, Catch::Contains("Periode til "));
  CHECK_THAT(r.out, Catch::Contains(" forekomster"));
  CHECK_THAT(r.out, Catch::Contains(" flyttet, ") && Catch::Contains(" hoppet over"));
  for (const char* english : {"occurrences", "moved from", "organisation", "all day", "skipped", "window until",
                              "deadline", "agenda adds", "cancelled", "day 1 of", "NOT PLACED", "\ndate "}) {
    INFO(english);
    CHECK_THAT(r.out, !Catch::Contains(english));
  }
}

TEST_CASE("--help names preview --participants and what it lists") {
  const Run r = run({"--help"});
  CHECK_THAT(r.out, Catch::Contains("preview DIR [--year YYYY] [--wheel ID] [--db FILE] [--participants]"));
  CHECK_THAT(r.out, Catch::Contains("who is registered for each day with registration"));
}

TEST_CASE("preview lists nobody under its rows unless asked with --participants") {
  const Run r = run({"preview", path("config/roros"), "--year", "2027", "--wheel", "partssamarbeid"});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, !Catch::Contains("Deltakere"));
  CHECK_THAT(r.out, !Catch::Contains("(lars-gullikstad)"));
}

TEST_CASE("preview --participants lists under each meeting who takes part by name and id on its day") {
  const Run r = run({"preview", path("config/roros"), "--year", "2027", "--wheel", "partssamarbeid", "--participants"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto row = r.out.find("\n2027-02-17  onsdag");
  REQUIRE(row != std::string::npos);
  REQUIRE_THAT(r.out.substr(row, 200), Catch::Contains("Møte i arbeidsmiljøutvalget (AMU)"));
  const auto next_row = r.out.find("\n20", row + 1);
  const std::string under = r.out.substr(r.out.find('\n', row + 1) + 1, next_row - r.out.find('\n', row + 1));
  CHECK_THAT(under, Catch::StartsWith("    Deltakere ("));
  CHECK_THAT(under, Catch::Contains("Marit Sundt (marit-sundt)"));
  // Committee membership is dated: Lars sits in AMU until New Year 2028, Ingrid from then on.
  CHECK_THAT(under, Catch::Contains("Lars Gullikstad (lars-gullikstad)"));
  CHECK_THAT(under, !Catch::Contains("ingrid-kjelsberg"));
  CHECK_THAT(under, !Catch::Contains("Påmeldt"));
}

TEST_CASE("preview --participants lists who is registered for each ansattdag") {
  const Run r = run({"preview", path("config/roros"), "--year", "2027", "--wheel", "ansattdag", "--participants"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("Røros kommune — Årshjul 2027 — Ansattdag for nyansatte\n"));
  const auto row = r.out.find("\n2027-02-10  onsdag");
  REQUIRE(row != std::string::npos);
  const std::string under = r.out.substr(row, r.out.find("\n20", row + 1) - row);
  CHECK_THAT(under, Catch::Contains("\n    Deltakere ("));
  CHECK_THAT(under, Catch::EndsWith("\n    Påmeldt (1 av 25): Ahmad Rahimi (ahmad-rahimi)"));
  // Three who start in August and September are too late for August's day and share October's.
  const auto october = r.out.find("\n2027-10-13  onsdag");
  REQUIRE(october != std::string::npos);
  const std::string in_october = r.out.substr(october, r.out.find("\n20", october + 1) - october);
  CHECK_THAT(in_october, Catch::Contains("\n    Påmeldt (3 av 25): Tone Nesvold (tone-nesvold), Magnus Løvås"));
  CHECK_THAT(in_october, Catch::Contains("Camilla Ryen (camilla-ryen)"));
}

TEST_CASE("preview --participants says that nobody waits when every hire in Røros has a day") {
  const Run r = run({"preview", path("config/roros"), "--year", "2027", "--wheel", "ansattdag", "--participants"});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("\n\nVenter på ledig ansattdag (0): ingen\n\n6 forekomster"));
}

TEST_CASE("preview --participants names the hires who wait when max_wait_days is shorter than the gap between ansattdager") {
  // Røros with a wait of 30 days where its ansattdager come every second month.
  const auto dir = std::filesystem::temp_directory_path() / ("arshjul-preview-wait-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::copy(path("config/roros"), dir, std::filesystem::copy_options::recursive);
  const auto wheel = dir / "wheels" / "ansattdag.toml";
  std::string toml;
  {
    std::ifstream in(wheel);
    toml.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = toml.find("max_wait_days = 120");
  REQUIRE(at != std::string::npos);
  toml.replace(at, 19, "max_wait_days = 30");
  std::ofstream(wheel) << toml;
  const Run r = run({"preview", dir.string(), "--year", "2027", "--wheel", "ansattdag", "--participants"});
  std::filesystem::remove_all(dir);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("Påmeldt (1 av 25): Ahmad Rahimi (ahmad-rahimi)"));
  CHECK_THAT(r.out, Catch::Contains("Påmeldt (1 av 25): Sunniva Flatmo (sunniva-flatmo)"));
  const auto waiting = r.out.find("\nVenter på ledig ansattdag (3): Camilla Ryen (camilla-ryen), Magnus Løvås");
  REQUIRE(waiting != std::string::npos);
  CHECK_THAT(r.out.substr(waiting), Catch::Contains("Tone Nesvold (tone-nesvold)\n\n6 forekomster"));
}

TEST_CASE("preview names the items agenda_in adds to a meeting, on that meeting's row only") {
  const Run r = run({"preview", path("config/roros"), "--year", "2027", "--wheel", "partssamarbeid"});
  CHECK(r.code == 0);
  const auto at = r.out.find("Agendaen får i tillegg: AMUs årsrapport for fjoråret");
  REQUIRE(at != std::string::npos);
  CHECK(r.out.find("Agendaen får i tillegg:", at + 1) == std::string::npos);
  const std::string row = r.out.substr(r.out.rfind('\n', at) + 1, at - r.out.rfind('\n', at) - 1);
  CHECK_THAT(row, Catch::StartsWith("2027-02-17") && Catch::Contains("Møte i arbeidsmiljøutvalget (AMU)"));
}

TEST_CASE("preview defaults to the clock's year and filters by wheel") {
  const Run r = run({"preview", path("tests/fixtures/mini"), "--wheel", "partssamarbeid"});
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("— Årshjul 2026 — Partssamarbeid\n"));
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

namespace {

// A database file of its own per test, removed afterwards.
struct ImportDb {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("arshjul-cli-import-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".db"))
                         .string();
  ImportDb() { std::filesystem::remove(path); }
  ~ImportDb() {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
  }
};

}  // namespace

namespace {

// Røros' folder copied, with a political calendar URL under [organisation]; removed afterwards.
struct UrlConfig {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("arshjul-cli-polcal-" + std::to_string(::getpid()) + "-" +
                               std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  explicit UrlConfig(const std::string& url) {
    std::filesystem::remove_all(dir);
    std::filesystem::copy(path("config/roros"), dir, std::filesystem::copy_options::recursive);
    std::ifstream in(dir / "arshjul.toml");
    std::stringstream text;
    text << in.rdbuf();
    std::string toml = text.str();
    toml.replace(toml.find("[organisation]\n"), 15, "[organisation]\npolitical_calendar = { url = \"" + url + "\" }\n");
    std::ofstream(dir / "arshjul.toml") << toml;
  }
  ~UrlConfig() { std::filesystem::remove_all(dir); }
};

// What the daemon's fetcher stores (scheduler/political_fetch.cpp), for a test database.
void store_fetched(const std::string& db, const std::string& url, const std::string& body) {
  auto s = open_sqlite_storage(db);
  REQUIRE(s);
  (*s)->set_setting("political_calendar/url", url);
  (*s)->set_setting("political_calendar/body", body);
}

}  // namespace

TEST_CASE("check does not fetch a political calendar URL and says the daemon does") {
  // TEST-NET-1 answers nobody: a check that tried would hang, not pass.
  const UrlConfig cfg("https://192.0.2.1/moteplan.ics");
  const Run r = run({"check", cfg.dir.string()});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK_THAT(r.err, Catch::Contains("note: the political calendar https://192.0.2.1/moteplan.ics is fetched by the "
                                    "daemon (arshjul serve), not by check; give --db FILE to check the copy it stored"));
}

TEST_CASE("check --db checks the møteplan the daemon stored, and warns of one that no longer reads") {
  const UrlConfig cfg("https://192.0.2.1/moteplan.ics");
  ImportDb db;
  store_fetched(db.path, "https://192.0.2.1/moteplan.ics",
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//NB\r\nBEGIN:VEVENT\r\nUID:ks@t\r\n"
                "DTSTAMP:20261101T000000Z\r\nDTSTART;VALUE=DATE:20270309\r\nSUMMARY:Kommunestyret\r\n"
                "END:VEVENT\r\nEND:VCALENDAR\r\n");
  const Run ok = run({"check", cfg.dir.string(), "--db", db.path});
  INFO(ok.err);
  CHECK(ok.code == 0);
  CHECK_THAT(ok.err, Catch::Contains("the political calendar https://192.0.2.1/moteplan.ics as the daemon last stored it is checked"));
  // A recurring meeting: read_political_calendar refuses it.
  store_fetched(db.path, "https://192.0.2.1/moteplan.ics",
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//NB\r\nBEGIN:VEVENT\r\nUID:ks@t\r\n"
                "DTSTAMP:20261101T000000Z\r\nDTSTART;VALUE=DATE:20270309\r\nRRULE:FREQ=MONTHLY\r\n"
                "SUMMARY:Kommunestyret\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
  // The daemon still starts with such a copy, so check does not refuse the config over it.
  const Run bad = run({"check", cfg.dir.string(), "--db", db.path});
  INFO(bad.err);
  CHECK(bad.code == 0);
  CHECK_THAT(bad.err, Catch::Contains("warning: organisation.political_calendar: the copy of https://192.0.2.1/moteplan.ics "
                                      "stored at the last good fetch no longer reads (") &&
                          Catch::Contains("RRULE"));
}

TEST_CASE("check --db with a database that does not exist says so and creates none") {
  const std::string missing = (std::filesystem::temp_directory_path() / "arshjul-no-such-check.db").string();
  const Run r = run({"check", path("config/roros"), "--db", missing});
  CHECK(r.code == 1);
  CHECK(r.err == "arshjul check: --db: " + missing + " does not exist\n");
  CHECK_FALSE(std::filesystem::exists(missing));
}

TEST_CASE("import people --dry-run lists what would change and stores nothing") {
  ImportDb db;
  const Run r = run({"import", "people", path("tests/fixtures/people/hires.csv"), "--config", path("config/roros"),
                     "--db", db.path, "--dry-run"});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("would add 6"));
  CHECK_THAT(r.out, Catch::Contains("  add emma-hyttbakk"));
  auto storage = open_sqlite_storage(db.path);
  REQUIRE(storage);
  CHECK(storage.value()->people().empty());
}

TEST_CASE("import people stores the roster and registers the new hires for employee days") {
  ImportDb db;
  const Run r = run({"import", "people", path("tests/fixtures/people/hires.csv"), "--config", path("config/roros"),
                     "--db", db.path});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("added 6"));
  auto storage = open_sqlite_storage(db.path);
  REQUIRE(storage);
  CHECK(storage.value()->people().size() == 6);
  int hires = 0;
  for (const auto& reg : storage.value()->registrations())
    if (reg.person == "emma-hyttbakk") hires += !reg.occurrence_uid.empty();
  CHECK(hires == 1);
  // The same file again changes nothing.
  const Run again = run({"import", "people", path("tests/fixtures/people/hires.csv"), "--config", path("config/roros"),
                         "--db", db.path});
  CHECK_THAT(again.out, Catch::Contains("added 0, changed 0, removed 0;"));
}

TEST_CASE("import people reads a file in UTF-16 with its byte order mark, as Excel saves Unicode text") {
  ImportDb db;
  // hires.csv converted by iconv to UTF-16LE, the mark in front.
  const Run r = run({"import", "people", path("tests/fixtures/people/hires-utf16le.csv"), "--config",
                     path("config/roros"), "--db", db.path});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("added 6"));
  auto storage = open_sqlite_storage(db.path);
  REQUIRE(storage);
  const Run utf8 = run({"import", "people", path("tests/fixtures/people/hires.csv"), "--config", path("config/roros"),
                        "--db", db.path});
  CHECK_THAT(utf8.out, Catch::Contains("added 0, changed 0, removed 0;"));  // the same people, the same names
}

TEST_CASE("import people with broken rows exits 1, prints every error and stores nothing") {
  ImportDb db;
  const Run r = run({"import", "people", path("tests/fixtures/people/broken.csv"), "--config", path("config/roros"),
                     "--db", db.path});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("broken.csv:2:4: unit:"));
  CHECK_THAT(r.err, Catch::Contains("nothing was imported"));
  auto storage = open_sqlite_storage(db.path);
  REQUIRE(storage);
  CHECK(storage.value()->people().empty());
}

TEST_CASE("import people with 200,000 broken rows prints the first 100 errors and the true count") {
  ImportDb db;
  const std::string csv = db.path + ".csv";
  {
    std::ofstream f(csv, std::ios::binary);
    f << "id,name,unit\n";
    for (int i = 0; i < 200000; ++i) f << "person-" << i << ",Person,skolen\n";
  }
  const Run r = run({"import", "people", csv, "--config", path("config/roros"), "--db", db.path});
  std::filesystem::remove(csv);
  CHECK(r.code == 1);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 101);
  CHECK_THAT(r.err, Catch::StartsWith(csv + ":2:3: unit:"));
  CHECK_THAT(r.err, Catch::EndsWith(": 200000 errors (the first 100 are shown); nothing was imported\n"));
  auto storage = open_sqlite_storage(db.path);
  REQUIRE(storage);
  CHECK(storage.value()->people().empty());
}

TEST_CASE("token create makes a token of the role asked for, and refuses an unknown role") {
  ImportDb db;
  const Run bad = run({"token", "create", "--role", "admin", "--db", db.path});
  CHECK(bad.code == 2);
  CHECK_THAT(bad.err, Catch::Contains("--role expects hr"));
  const Run ok = run({"token", "create", "--role", "read", "--db", db.path});
  REQUIRE(ok.code == 0);
  std::string token = ok.out;
  token.pop_back();  // newline
  CHECK(token.size() == 22);
  auto storage = open_sqlite_storage(db.path);
  REQUIRE(storage);
  const auto t = storage.value()->api_token(token_hash(token));
  REQUIRE(t);
  CHECK(t->role == "read");
}

TEST_CASE("token list shows each token's id, role, name, created and revoked, and never the token") {
  ImportDb db;
  const Run made = run({"token", "create", "--role", "hr", "--name", "HR-systemet", "--db", db.path});
  REQUIRE(made.code == 0);
  const std::string token = made.out.substr(0, made.out.size() - 1);
  const Run list = run({"token", "list", "--db", db.path});
  REQUIRE(list.code == 0);
  CHECK(list.out ==
        "id  role  name         created               revoked\n"
        "1   hr    HR-systemet  2026-11-24T00:00:00Z  -\n");
  CHECK_THAT(list.out, !Catch::Contains(token) && !Catch::Contains(token_hash(token)));
}

TEST_CASE("token revoke ID revokes that token: the API refuses it, and the list shows when") {
  ImportDb db;
  const Run made = run({"token", "create", "--role", "read", "--db", db.path});
  REQUIRE(made.code == 0);
  const std::string token = made.out.substr(0, made.out.size() - 1);
  const Run revoked = run({"token", "revoke", "1", "--db", db.path});
  CHECK(revoked.code == 0);
  CHECK(revoked.out == "API token 1 revoked\n");
  CHECK_THAT(run({"token", "list", "--db", db.path}).out, Catch::Contains("1   read        2026-11-24T00:00:00Z  2026-11-24T00:00:00Z"));
  auto storage = open_sqlite_storage(db.path);
  REQUIRE(storage);
  CHECK_FALSE(storage.value()->api_token(token_hash(token)));
}

TEST_CASE("token revoke of an unknown or already revoked id exits 1 saying which") {
  ImportDb db;
  REQUIRE(run({"token", "create", "--role", "read", "--db", db.path}).code == 0);
  const Run unknown = run({"token", "revoke", "7", "--db", db.path});
  CHECK(unknown.code == 1);
  CHECK_THAT(unknown.err, Catch::Contains("there is no API token 7"));
  REQUIRE(run({"token", "revoke", "1", "--db", db.path}).code == 0);
  const Run again = run({"token", "revoke", "1", "--db", db.path});
  CHECK(again.code == 1);
  CHECK_THAT(again.err, Catch::Contains("API token 1 is already revoked"));
}

TEST_CASE("token revoke without a numeric id is bad usage: exit 2") {
  ImportDb db;
  for (const auto& args : {std::vector<std::string>{"token", "revoke", "--db", db.path},
                           std::vector<std::string>{"token", "revoke", "abc", "--db", db.path}}) {
    const Run r = run(args);
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Contains("expects the token's id"));
  }
}

namespace {

// A database as the daemon leaves it after HR cancelled one meeting and added an extra one.
struct HrChangedDb {
  ImportDb db;
  std::string cancelled_uid, extra_uid;
  HrChangedDb() {
    auto storage = std::move(open_sqlite_storage(db.path)).value();
    const Config files = test::load("config/roros");
    ManualClock clock(SysSeconds{date::sys_days{2026_y / 11 / 24}});
    auto first = build_snapshot(files, *storage, clock, 1);
    for (const Occurrence& o : first->expansion.occurrences)
      if (o.activity->kind == ActivityKind::meeting && !o.unit && o.first_day > LocalDays{2027_y / 3 / 1}) {
        cancelled_uid = o.uid;
        break;
      }
    Override cancel;
    cancel.kind = Override::Kind::cancel;
    cancel.uid = cancelled_uid;
    cancel.reason = "Kolliderer med kommunestyremøtet";
    storage->add_override(cancel, nullptr);
    Override extra;
    extra.kind = Override::Kind::extra;
    extra.activity = "amu";
    extra.start = to_utc(LocalSeconds{LocalDays{2027_y / 6 / 15}} + std::chrono::hours{10}, files.organisation.zone);
    extra.end = extra.start + std::chrono::hours{2};
    extra.reason = "Ekstra møte om sommerferien";
    extra_uid = storage->add_override(extra, [&](long long id) {
      return arshjul::extra_uid(files.organisation.id, id, "amu", "", LocalDays{2027_y / 6 / 15});
    }).uid;
    build_snapshot(files, *storage, clock, 2);
  }
  std::map<std::string, StoredOccurrence> stored() {
    auto storage = std::move(open_sqlite_storage(db.path)).value();
    std::map<std::string, StoredOccurrence> out;
    for (auto& o : storage->occurrences("roros", LocalDays{2027_y / 1 / 1}, LocalDays{2028_y / 12 / 31}))
      out.emplace(o.uid, o);
    return out;
  }
};

}  // namespace

TEST_CASE("preview --db shows HR's cancellation and extra meeting and changes nothing stored") {
  HrChangedDb hr;
  const auto before = hr.stored();
  REQUIRE(before.at(hr.cancelled_uid).cancelled);
  REQUIRE_FALSE(before.at(hr.extra_uid).cancelled);
  const Run r = run({"preview", path("config/roros"), "--year", "2027", "--db", hr.db.path});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("Avlyst av HR: Kolliderer med kommunestyremøtet"));
  CHECK_THAT(r.out, Catch::Contains("2027-06-15"));
  const auto after = hr.stored();
  REQUIRE(after.size() == before.size());
  for (const auto& [uid, o] : before) {
    INFO(uid);
    CHECK(after.at(uid).cancelled == o.cancelled);
    CHECK(after.at(uid).sequence == o.sequence);
  }
}

TEST_CASE("preview --db --participants shows the registrations the daemon stored rather than planning its own") {
  HrChangedDb hr;
  {
    // HR's database says Ahmad waits, which a plan from the config alone would not.
    auto storage = std::move(open_sqlite_storage(hr.db.path)).value();
    std::vector<Registration> regs = storage->registrations();
    bool found = false;
    for (Registration& r : regs)
      if (r.person == "ahmad-rahimi") {
        r.occurrence_uid.clear();
        r.occurrence_day.reset();
        found = true;
      }
    REQUIRE(found);
    storage->save_registrations(regs, SysSeconds{date::sys_days{2026_y / 11 / 24}});
  }
  const Run stored = run({"preview", path("config/roros"), "--year", "2027", "--db", hr.db.path, "--participants"});
  INFO(stored.err);
  REQUIRE(stored.code == 0);
  CHECK_THAT(stored.out, Catch::Contains("\nVenter på ledig ansattdag (1): Ahmad Rahimi (ahmad-rahimi)\n"));
  CHECK_THAT(stored.out, !Catch::Contains("Påmeldt (1 av 25): Ahmad Rahimi"));
  const Run planned = run({"preview", path("config/roros"), "--year", "2027", "--participants"});
  CHECK_THAT(planned.out, Catch::Contains("Påmeldt (1 av 25): Ahmad Rahimi (ahmad-rahimi)"));
}

TEST_CASE("export --db gives HR's cancellation as cancelled and the extra meeting, and changes nothing stored") {
  HrChangedDb hr;
  const auto before = hr.stored();
  const Run r = run({"export", path("config/roros"), "--year", "2027", "--db", hr.db.path});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto at = r.out.find("UID:" + hr.cancelled_uid);
  REQUIRE(at != std::string::npos);
  const auto end = r.out.find("END:VEVENT", at);
  CHECK(r.out.substr(at, end - at).find("STATUS:CANCELLED") != std::string::npos);
  const auto extra = r.out.find("UID:" + hr.extra_uid);
  REQUIRE(extra != std::string::npos);
  CHECK(r.out.substr(extra, r.out.find("END:VEVENT", extra) - extra).find("STATUS:CANCELLED") == std::string::npos);
  const auto after = hr.stored();
  for (const auto& [uid, o] : before) {
    INFO(uid);
    CHECK(after.at(uid).cancelled == o.cancelled);
    CHECK(after.at(uid).sequence == o.sequence);
  }
}

TEST_CASE("preview --db on a database that does not exist says so and creates nothing") {
  const std::string missing = (std::filesystem::temp_directory_path() / "arshjul-no-such.db").string();
  std::filesystem::remove(missing);
  const Run r = run({"preview", path("config/roros"), "--db", missing});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("no such database"));
  CHECK_FALSE(std::filesystem::exists(missing));
}

// ---- the hook's secret out of `ps` ---------------------------------------------------------------

namespace {

// Sets an environment variable for one test and restores it after.
struct EnvVar {
  std::string name;
  std::optional<std::string> old;
  EnvVar(std::string n, const std::string& value) : name(std::move(n)) {
    if (const char* v = std::getenv(name.c_str())) old = v;
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~EnvVar() {
    if (old) ::setenv(name.c_str(), old->c_str(), 1);
    else ::unsetenv(name.c_str());
  }
};

constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

}  // namespace

TEST_CASE("serve refuses the hook's secret given two ways: exit 2 naming the three ways") {
  const Run both = run({"serve", "--hook", "http://127.0.0.1:9/h", "--hook-secret", kSecret, "--hook-secret-file",
                        path("README.md")});
  CHECK(both.code == 2);
  CHECK_THAT(both.err, Catch::Contains("one way: --hook-secret, --hook-secret-file or ARSHJUL_HOOK_SECRET"));
  EnvVar env("ARSHJUL_HOOK_SECRET", kSecret);
  const Run with_env = run({"serve", "--hook", "http://127.0.0.1:9/h", "--hook-secret", kSecret});
  CHECK(with_env.code == 2);
  CHECK_THAT(with_env.err, Catch::Contains("one way"));
}

TEST_CASE("serve with a --hook-secret-file it cannot read exits 1 naming the file and why") {
  const std::string missing = (std::filesystem::temp_directory_path() / "arshjul-no-such-secret").string();
  const Run r = run({"serve", "--hook", "http://127.0.0.1:9/h", "--hook-secret-file", missing});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("cannot read " + missing + ": No such file or directory"));
  const Run dir = run({"serve", "--hook", "http://127.0.0.1:9/h", "--hook-secret-file", path("docs")});
  CHECK(dir.code == 1);
  CHECK_THAT(dir.err, Catch::Contains("cannot read " + path("docs") + ": it is a directory"));
}

TEST_CASE("serve with an empty --hook-secret-file exits 1 saying what it expected") {
  ImportDb empty;  // a fresh path; make it an empty file
  { std::ofstream(empty.path).flush(); }
  const Run r = run({"serve", "--hook", "http://127.0.0.1:9/h", "--hook-secret-file", empty.path});
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains(empty.path + " is empty; expected whsec_..."));
}

TEST_CASE("serve with ARSHJUL_HOOK_SECRET but no --hook says they go together: exit 2") {
  EnvVar env("ARSHJUL_HOOK_SECRET", kSecret);
  const Run r = run({"serve", "--db", "/nonexistent/never-opened.db"});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("--hook and its secret"));
}

TEST_CASE("serve --help names the ways to give the hook's secret and warns that --hook-secret shows in ps") {
  const Run r = run({"--help"});
  CHECK_THAT(r.out, Catch::Contains("--hook-secret-file FILE") && Catch::Contains("ARSHJUL_HOOK_SECRET") &&
                        Catch::Contains("--hook-secret shows in `ps`"));
}

TEST_CASE("outbox retry --dead sends a hook's dead letters due in a period again and enables the hook") {
  ImportDb db;
  {
    auto s = std::move(open_sqlite_storage(db.path)).value();
    int n = 0;
    for (const auto& [hook, day] : {std::pair{"epost", 5}, std::pair{"epost", 20}, std::pair{"teams", 5}}) {
      OutboxMessage m;
      m.key = "k" + std::to_string(++n);
      m.hook = hook;
      m.webhook_id = "msg_" + m.key;
      m.event_type = "reminder.due";
      m.payload = "{}";
      m.due = m.next_attempt = SysSeconds{date::sys_days{2027_y / 1 / day}} + std::chrono::hours{8};
      s->enqueue({m}, m.due);
      s->mark_failed(s->outbox("", 1).front().id, 8, m.due, "HTTP 500", true, m.due);
    }
    set_hook_gone(*s, "epost", GoneHook{"https://hooks.kommune.no/h", SysSeconds{}});
  }
  const Run r = run({"outbox", "retry", "--dead", "--hook", "epost", "--from", "2027-01-01", "--to", "2027-01-10",
                     "--db", db.path});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.out == "1 dead letter will be sent again; hook epost is enabled\n");
  auto s = std::move(open_sqlite_storage(db.path)).value();
  CHECK(s->outbox("dead", 10).size() == 2);
  CHECK_FALSE(hook_gone(*s, "epost"));

  const Run backwards = run({"outbox", "retry", "--dead", "--from", "2027-01-10", "--to", "2027-01-01", "--db", db.path});
  CHECK(backwards.code == 2);
  CHECK_THAT(backwards.err, Catch::Contains("--to (2027-01-01) is before --from (2027-01-10)"));
  const Run bad = run({"outbox", "retry", "--dead", "--from", "1. januar", "--db", db.path});
  CHECK(bad.code == 2);
  CHECK_THAT(bad.err, Catch::Contains("--from: expected a date as YYYY-MM-DD"));
  CHECK(run({"outbox", "retry", "--dead", "--db", db.path}).out == "2 dead letters will be sent again\n");
}

TEST_CASE("token create without --db refuses to make a database nobody serves, and says which file it needs") {
  const auto before = std::filesystem::current_path();
  const auto dir = std::filesystem::temp_directory_path() / ("arshjul-token-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::current_path(dir);
  const Run r = run({"token", "create", "--role", "hr"});
  const bool made = std::filesystem::exists(dir / "var" / "arshjul.db");
  std::filesystem::current_path(before);
  std::filesystem::remove_all(dir);
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::Contains("var/arshjul.db does not exist") && Catch::Contains("--db FILE"));
  CHECK_FALSE(made);
}

TEST_CASE("token create names the database it wrote, and says so when that database is new") {
  ImportDb db;
  const Run first = run({"token", "create", "--role", "hr", "--db", db.path});
  REQUIRE(first.code == 0);
  CHECK_THAT(first.err, Catch::Contains("in " + std::filesystem::absolute(db.path).lexically_normal().string()));
  CHECK_THAT(first.err, Catch::Contains("is a new database; the daemon accepts this token only when started with --db"));
  const Run second = run({"token", "create", "--role", "read", "--db", db.path});
  REQUIRE(second.code == 0);
  CHECK_THAT(second.err, !Catch::Contains("new database"));
}

namespace {

// mini with a daily meeting whose long agenda makes the whole wheel's feed
// past 1 MB; removed afterwards.
struct LargeFeedConfig {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("arshjul-cli-large-" + std::to_string(::getpid()) + "-" +
                               std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  LargeFeedConfig() {
    std::filesystem::remove_all(dir);
    std::filesystem::copy(path("tests/fixtures/mini"), dir, std::filesystem::copy_options::recursive);
    std::string agenda;
    for (int i = 1; i <= 50; ++i)
      agenda += std::string(agenda.empty() ? "" : ", ") + "\"Sak " + std::to_string(i) +
                ": gjennomgang av rutiner, avvik og tiltak i enheten\"";
    std::ofstream(dir / "wheels" / "daglig.toml") << "[wheel]\nid = \"daglig\"\nname = \"Daglig\"\ncolor = \"#805ad5\"\n\n"
                                                     "[[activity]]\nid = \"morgenmote\"\ntitle = \"Morgenmøte\"\n"
                                                     "rule = \"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR\"\nstart = \"08:00\"\n"
                                                     "duration = \"30m\"\non_holiday = \"skip\"\nparticipants = [\"hr\"]\n"
                                                     "agenda = [" << agenda << "]\n";
  }
  ~LargeFeedConfig() { std::filesystem::remove_all(dir); }
};

}  // namespace

TEST_CASE("subscribe warns in bokmål when the feed is past 1 MB, where Google Calendar stops importing") {
  LargeFeedConfig config;
  ImportDb db;
  const Run all = run({"subscribe", "--config", config.dir.string(), "--db", db.path, "--all"});
  INFO(all.err);
  REQUIRE(all.code == 0);
  CHECK_THAT(all.err, Catch::Contains("warning: Kalenderen er ") && Catch::Contains("Google Kalender henter ikke kalendere over 1 MB"));
  CHECK_THAT(all.out, !Catch::Contains("warning:"));  // stdout holds the links alone
  const Run small = run({"subscribe", "--config", config.dir.string(), "--db", db.path, "--wheel", "partssamarbeid"});
  REQUIRE(small.code == 0);
  CHECK_THAT(small.err, !Catch::Contains("warning:"));
}

TEST_CASE("subscribe --everyone prints every person's own feed and page as CSV, the same links each time") {
  ImportDb db;
  const std::vector<std::string> args = {"subscribe", "--everyone", "--config", path("config/roros"), "--db", db.path,
                                         "--base-url", "https://arshjul.roros.kommune.no"};
  const Run first = run(args);
  REQUIRE(first.code == 0);
  std::istringstream lines(first.out);
  std::string header, line;
  std::getline(lines, header);
  CHECK(header == "id,name,email,feed_url,page_url");
  int people = 0;
  std::string marit;
  while (std::getline(lines, line)) {
    ++people;
    CHECK_THAT(line, Catch::Contains(",https://arshjul.roros.kommune.no/feeds/") && Catch::Contains(".ics,https://arshjul.roros.kommune.no/me/"));
    if (line.rfind("marit-sundt,", 0) == 0) marit = line;
  }
  CHECK(people == 39);
  CHECK(marit.find("Marit Sundt,marit.sundt@roros.kommune.no,") != std::string::npos);
  CHECK(run(args).out == first.out);  // derived from the database's secret: the links a hire's message has
  auto storage = open_sqlite_storage(db.path);
  REQUIRE(storage);
  CHECK((*storage)->active_subscriptions().size() == 39);
}
