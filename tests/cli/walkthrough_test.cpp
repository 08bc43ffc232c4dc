// Issue 16's first walk-through: an HR adviser in a 150-employee
// municipality writes their own config from docs/config.md alone, rules
// taken from its cookbook, and `arshjul check` tells them, at the file and
// line to change, what will go wrong and what to do. Written to a folder of
// its own and checked through the command line, as the adviser would.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "tests/cli_run.h"

namespace {

using arshjul::test::Run;

// Fjellvik: a kommunedirektør, three virksomheter and two avdelinger under them.
const std::string kOrganisation = R"([organisation]
id = "fjellvik"
name = "Fjellvik kommune"
timezone = "Europe/Oslo"
holidays = "NO"
organizer = { name = "HR, Fjellvik kommune", email = "hr@fjellvik.kommune.no" }
blackouts = [
  { name = "Sommerstengt", weeks = [28, 29, 30] },
  { name = "Jul og nyttår", from = "12-22", to = "01-02" },
  { name = "Vinterferie", week = 9 },
]

[[level]]
id = "kommunedirektor"
name = "Kommunedirektør"

[[level]]
id = "virksomhet"
name = "Virksomhetsledere"

[[level]]
id = "avdeling"
name = "Avdelingsledere"

[[unit]]
id = "kommunen"
name = "Fjellvik kommune"
level = "kommunedirektor"

[[unit]]
id = "oppvekst"
name = "Oppvekst"
level = "virksomhet"
parent = "kommunen"

[[unit]]
id = "skole"
name = "Fjellvik skole"
level = "avdeling"
parent = "oppvekst"

[[unit]]
id = "helse"
name = "Helse og omsorg"
level = "virksomhet"
parent = "kommunen"

[[unit]]
id = "sykehjem"
name = "Fjellvik sykehjem"
level = "avdeling"
parent = "helse"

[[unit]]
id = "teknisk"
name = "Teknisk drift"
level = "virksomhet"
parent = "kommunen"

[[committee]]
id = "amu"
name = "Arbeidsmiljøutvalget"
)";

// Rules from the cookbook: every second month on its first Tuesday.
const std::string kAnsattdag = R"([wheel]
id = "ansattdag"
name = "Ansattdag"
color = "#2f855a"

[[activity]]
id = "ansattdag"
title = "Ansattdag: Velkommen til Fjellvik kommune"
rule = "FREQ=MONTHLY;INTERVAL=2;BYDAY=1TU"
since = "2027-02-01"
start = "09:00"
duration = "6h"
participants = ["hr", "hovedtillitsvalgt"]
registration = { capacity = 20, lead_days = 7, max_wait_days = 45, name = "ansattdag" }
)";

// Appraisals right after Christmas, the window as the section on windows shows it.
const std::string kSamtaler = R"([wheel]
id = "medarbeidersamtaler"
name = "Medarbeidersamtaler"
color = "#dd6b20"

[[activity]]
id = "medarbeidersamtaler"
title = "Medarbeidersamtaler"
kind = "window"
from = "01-02"
to = "03-31"
participants = ["leader", "employee"]
tasks = { per = "employee", reminders = ["14d"] }
)";

// The first Tuesday of every month except July; four times a year; twice a
// year, each virksomhet with the reps of its avdelinger.
const std::string kParter = R"([wheel]
id = "partssamarbeid"
name = "Partssamarbeid"
color = "#2b6cb0"

[[activity]]
id = "drofting"
title = "Informasjons- og drøftingsmøte med hovedtillitsvalgte"
rule = "FREQ=MONTHLY;BYMONTH=1,2,3,4,5,6,8,9,10,11,12;BYDAY=1TU"
start = "09:00"
duration = "2h"
participants = ["leader@kommunedirektor", "hovedtillitsvalgt", "hovedverneombud", "hr"]
agenda = ["Orientering", "Saker til drøfting", "Eventuelt"]
notice = { to = ["hovedtillitsvalgt"], days_before = 14 }

[[activity]]
id = "amu"
title = "Arbeidsmiljøutvalget"
rule = "FREQ=MONTHLY;BYMONTH=2,5,9,11;BYDAY=3WE"
start = "12:00"
duration = "2h"
participants = ["committee:amu"]

[[activity]]
id = "mbm"
title = "Medbestemmelsesmøte i virksomheten"
scope = { level = "virksomhet" }
rule = "FREQ=MONTHLY;BYMONTH=3,10;BYDAY=3WE"
start = "13:00"
duration = "1h30m"
participants = ["leader", { role = "plasstillitsvalgt", below = true }, { role = "verneombud", below = true }]
)";

std::string person(const std::string& id, const std::string& unit, const std::string& roles,
                   const std::string& extra = "") {
  return "[[person]]\nid = \"" + id + "\"\nname = \"" + id + "\"\nunit = \"" + unit + "\"\nroles = [" + roles +
         "]\n" + extra + "\n";
}

// 150 people: leaders, the parties, HR, five hires and employees. The
// sykehjem's new styrer starts before the old one has left; Teknisk drift
// has no rep of either kind.
std::string people(bool clean) {
  std::string out = person("kd", "kommunen", "\"leader\"") + person("hr", "kommunen", "\"hr\"", "committees = [\"amu\"]\n") +
                    person("htv", "skole", "\"hovedtillitsvalgt\", \"employee\"", "union = \"Fagforbundet\"\ncommittees = [\"amu\"]\n") +
                    person("hvo", "sykehjem", "\"hovedverneombud\", \"employee\"", "committees = [\"amu\"]\n") +
                    person("leder-oppvekst", "oppvekst", "\"leader\"") + person("rektor", "skole", "\"leader\"") +
                    person("leder-helse", "helse", "\"leader\"") + person("leder-teknisk", "teknisk", "\"leader\"") +
                    person("styrer", "sykehjem", "\"leader\"", "leader_end_date = \"2027-06-30\"\n") +
                    person("ny-styrer", "sykehjem", "\"leader\"",
                           clean ? "leader_start_date = \"2027-07-01\"\n" : "leader_start_date = \"2027-06-01\"\n") +
                    person("ptv-skole", "skole", "\"plasstillitsvalgt\", \"employee\"", "union = \"Utdanningsforbundet\"\n") +
                    person("vo-skole", "skole", "\"verneombud\", \"employee\"") +
                    person("ptv-sykehjem", "sykehjem", "\"plasstillitsvalgt\", \"employee\"", "union = \"NSF\"\n") +
                    person("vo-sykehjem", "sykehjem", "\"verneombud\", \"employee\"");
  int n = 14;
  if (clean) {
    out += person("vo-teknisk", "teknisk", "\"verneombud\", \"employee\"");
    ++n;
  }
  const char* units[] = {"skole", "sykehjem", "teknisk", "oppvekst", "helse"};
  for (int i = 0; n < 150; ++i, ++n) {
    const std::string start = i < 5 ? "start_date = \"2027-0" + std::to_string(i + 2) + "-15\"\n" : "";
    out += person("ansatt-" + std::to_string(i), units[i % 5], "\"employee\"", start);
  }
  return out;
}

// The folder, written under the system's temp directory and removed afterwards.
struct Municipality {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("arshjul-walkthrough-" + std::to_string(::getpid()) + "-" +
                               std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  std::string people_toml, ansattdag = kAnsattdag, samtaler = kSamtaler, parter = kParter;

  explicit Municipality(bool clean) : people_toml(people(clean)) {
    if (clean) {
      ansattdag = replaced(ansattdag, "max_wait_days = 45", "max_wait_days = 69");
      samtaler = replaced(samtaler, "from = \"01-02\"", "from = \"01-04\"");
    }
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir / "wheels");
    write("arshjul.toml", kOrganisation);
    write("people.toml", people_toml);
    write("wheels/ansattdag.toml", ansattdag);
    write("wheels/medarbeidersamtaler.toml", samtaler);
    write("wheels/partssamarbeid.toml", parter);
  }
  ~Municipality() { std::filesystem::remove_all(dir); }

  static std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
  }
  void write(const std::string& name, const std::string& text) const { std::ofstream(dir / name) << text; }
  std::string path(const std::string& name) const { return (dir / name).string(); }

  // The line of the table header just above the first line holding `needle`.
  static int table_line(const std::string& text, const std::string& needle) {
    const auto at = text.find(needle);
    REQUIRE(at != std::string::npos);
    const auto header = text.rfind("[[", at);
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(header), '\n'));
  }

  Run check() const { return arshjul::test::run_arshjul({"check", dir.string(), "--year", "2027"}); }
};

std::vector<std::string> warning_lines(const std::string& err) {
  std::vector<std::string> out;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);)
    if (line.find("warning: ") != std::string::npos) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("A small municipality's config written from the cookbook gets exactly the warnings its mistakes deserve") {
  const Municipality m(false);
  const Run r = m.check();
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains(": ok: Fjellvik kommune, 3 wheels, 5 activities, 3 leader levels, 6 units, 150 people"));
  const std::vector<std::string> expected = {
      // people.toml first: two styrere in June.
      m.path("people.toml") + ":" + std::to_string(Municipality::table_line(m.people_toml, "id = \"ny-styrer\"")) +
          ": warning: person ny-styrer.roles: styrer and ny-styrer both lead sykehjem from 2027-06-01: tasks and "
          "notices go to styrer alone; give one a leader_end_date or leader_start_date, or make the other acting = "
          "{ unit = \"sykehjem\", from = ..., to = ... }",
      // Every second month is 63 days between February and April: 45 days leaves hires waiting.
      m.path("wheels/ansattdag.toml") + ":6: warning: activity ansattdag.registration.max_wait_days: no ansattdag "
          "between 2027-02-02 and 2027-04-06 (63 days): a hire starting 2027-01-27 waits 69 days, more than "
          "max_wait_days = 45, and is left waiting; raise max_wait_days to 69 or add a day between them",
      m.path("wheels/medarbeidersamtaler.toml") + ":6: warning: activity medarbeidersamtaler.from: the window opens "
          "on 2027-01-02, inside the blackout Jul og nyttår (12-22 to 01-02): nobody is at work to begin it; let it "
          "open after the blackout (2027-01-03 is the first day outside it)",
      m.path("wheels/partssamarbeid.toml") + ":" + std::to_string(Municipality::table_line(m.parter, "id = \"mbm\"")) +
          ": warning: activity mbm.participants: no plasstillitsvalgt or verneombud in the roster for teknisk (1 of "
          "3 units): its meetings there have no union or safety rep; give the unit's reps their roles in the roster",
  };
  CHECK(warning_lines(r.err) == expected);
  CHECK_THAT(r.err, Catch::Contains("4 warnings for 2027-2028 in " + m.dir.string()));
}

TEST_CASE("The same municipality with its mistakes put right gets no warning at all") {
  const Municipality m(true);
  const Run r = m.check();
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("150 people"));
  CHECK(warning_lines(r.err).empty());
}
