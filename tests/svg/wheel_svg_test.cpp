#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "tests/fixtures.h"
#include "cli/cli.h"
#include "tests/cli_run.h"
#include "svg/wheel_svg.h"
#include "workflows/expansion.h"

using namespace arshjul;
using namespace date::literals;

namespace {

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + needle.size())) ++n;
  return n;
}

// Each mark element from its opening tag to its closing tag.
std::vector<std::string> marks(const std::string& svg) {
  std::vector<std::string> r;
  for (auto p = svg.find("<g class=\"mark "); p != std::string::npos; p = svg.find("<g class=\"mark ", p + 1))
    r.push_back(svg.substr(p, svg.find("</g>", p) - p));
  return r;
}

std::string render(const Config& c, int year, WheelSvgOptions options = {}) {
  return render_wheel_svg(c, expand_year(c, year), year, options);
}

}  // namespace

TEST_CASE("the roros 2027 wheel has one mark per activity and day, as counted from the expansion") {
  const Config c = test::load("config/roros");
  const Expansion e = expand_year(c, 2027);
  const LocalDays jan1{2027_y / 1 / 1}, dec31{2027_y / 12 / 31};
  std::set<std::tuple<std::string, LocalDays, LocalDays>> expected;
  for (const Occurrence& o : e.occurrences) {
    const bool in_year = o.activity->kind == ActivityKind::window ? o.last_day >= jan1 && o.first_day <= dec31
                                                                   : o.first_day >= jan1 && o.first_day <= dec31;
    if (!in_year) continue;
    if (o.sessions.empty()) expected.insert({o.activity->id, o.first_day, o.last_day});
    for (const Session& day : o.sessions) {  // a gathering: a mark a day
      const LocalDays d = date::floor<date::days>(to_local(day.start, c.organisation.zone));
      expected.insert({o.activity->id, d, d});
    }
  }
  const std::string svg = render_wheel_svg(c, e, 2027, {});
  CHECK(marks(svg).size() == expected.size());
  CHECK(expected.size() < e.occurrences.size());  // unit series were grouped
  // The MBM in the five virksomheter, moved off Maundy Thursday, is one mark.
  CHECK(count(svg, "<title>Medbestemmelsesmøte (MBM) i virksomheten, tirsdag 23. mars 2027 kl. 13.00–15.00 "
                   "(møte, 5 enheter)</title>") == 1);
}

TEST_CASE("meetings, deadlines and windows have different shapes") {
  const std::string svg = render(test::load("config/roros"), 2027);
  for (const auto& m : marks(svg)) {
    INFO(m);
    if (m.find("mark-meeting") != std::string::npos) CHECK(m.find("<circle class=\"shape\"") != std::string::npos);
    if (m.find("mark-deadline") != std::string::npos) CHECK(m.find("<path class=\"shape\" d=\"M") != std::string::npos);
    if (m.find("mark-window") != std::string::npos) CHECK(m.find("A") != std::string::npos);
  }
  CHECK(count(svg, "mark-meeting") > 0);
  CHECK(count(svg, "mark-deadline") > 0);
  CHECK(count(svg, "mark-window") > 0);
}

TEST_CASE("every mark has a title and a description") {
  const std::string svg = render(test::load("config/roros"), 2027);
  const auto all = marks(svg);
  REQUIRE(!all.empty());
  for (const auto& m : all) {
    INFO(m);
    const auto title = m.find("><title>");
    const auto desc = m.find("</title><desc>");
    REQUIRE(title != std::string::npos);
    REQUIRE(desc != std::string::npos);
    CHECK(desc > title + 8);                                        // a title that says something
    CHECK(m.find("</desc>") > desc + 14);                           // and a description
    CHECK(m.find(" 2027") != std::string::npos);                    // with the date
  }
}

TEST_CASE("the mark of Røros' February AMU meeting shows the annual report in its agenda, May's does not") {
  const std::string svg = render(test::load("config/roros"), 2027);
  std::string february, may;
  for (const auto& m : marks(svg)) {
    if (m.find("arbeidsmiljøutvalget (AMU), onsdag 17. februar 2027") != std::string::npos) february = m;
    if (m.find("arbeidsmiljøutvalget (AMU), onsdag 19. mai 2027") != std::string::npos) may = m;
  }
  REQUIRE_FALSE(february.empty());
  REQUIRE_FALSE(may.empty());
  CHECK_THAT(february, Catch::Contains("Saker fra hovedverneombudet; AMUs årsrapport for fjoråret; Eventuelt."));
  CHECK_THAT(may, Catch::Contains("Saker fra hovedverneombudet; Eventuelt.") && !Catch::Contains("årsrapport"));
}

TEST_CASE("public holidays and blackouts are shaded with their names") {
  const std::string svg = render(test::load("config/roros"), 2027);
  CHECK(count(svg, "class=\"holiday\"") == 12);
  CHECK(count(svg, "<title>Grunnlovsdag: mandag 17. mai 2027 (helligdag)</title>") == 1);
  CHECK(count(svg, "<title>Fellesferie: torsdag 1. juli 2027 – fredag 6. august 2027 (ferieperiode)</title>") == 1);
  CHECK(count(svg, "<title>Vinterferie (uke 9): mandag 1. mars 2027 – søndag 7. mars 2027") == 1);
  CHECK(count(svg, "<title>Høstferie (uke 40)") == 1);
  // Christmas to New Year crosses the year: its end in January, its start in December.
  CHECK(count(svg, "<title>Jul og nyttår: fredag 1. januar 2027 – lørdag 2. januar 2027") == 1);
  CHECK(count(svg, "<title>Jul og nyttår: onsdag 22. desember 2027 – fredag 31. desember 2027") == 1);
}

TEST_CASE("today's hand is drawn only when today falls in the year") {
  const Config c = test::load("config/roros");
  const Expansion e = expand_year(c, 2027);
  WheelSvgOptions o;
  CHECK(render_wheel_svg(c, e, 2027, o).find("class=\"today\"") == std::string::npos);
  o.today = LocalDays{2027_y / 3 / 2};
  const std::string inside = render_wheel_svg(c, e, 2027, o);
  CHECK(count(inside, "<title>I dag: tirsdag 2. mars 2027</title>") == 1);
  o.today = LocalDays{2028_y / 1 / 1};
  CHECK(render_wheel_svg(c, e, 2027, o).find("class=\"today\"") == std::string::npos);
  o.today = LocalDays{2026_y / 12 / 31};
  CHECK(render_wheel_svg(c, e, 2027, o).find("class=\"today\"") == std::string::npos);
}

TEST_CASE("titles with ampersands and angle brackets are escaped") {
  Config c = test::load("config/roros");
  for (Wheel& w : c.wheels)
    for (Activity& a : w.activities)
      if (a.id == "amu") a.title = "AMU & <IA> \"felles\" 'møte'";
  c.organisation.name = "Røros & <Holtålen>";
  const std::string svg = render(c, 2027);
  CHECK(svg.find("AMU &amp; &lt;IA&gt; &quot;felles&quot; &apos;møte&apos;, onsdag 17. februar 2027") !=
        std::string::npos);
  CHECK(svg.find("Røros &amp; &lt;Holtålen&gt; – årshjul 2027") != std::string::npos);
  CHECK(svg.find("<IA>") == std::string::npos);
  CHECK(svg.find("<Holtålen>") == std::string::npos);
  CHECK(svg.find("& ") == std::string::npos);
}

TEST_CASE("the same input gives the same bytes") {
  const Config c = test::load("config/roros");
  WheelSvgOptions o;
  o.today = LocalDays{2027_y / 6 / 1};
  o.interactive = true;
  CHECK(render(c, 2027, o) == render(test::load("config/roros"), 2027, o));
}

TEST_CASE("the web variant scales with its page and lets a script find each mark") {
  WheelSvgOptions o;
  o.size = WheelSvgOptions::Size::inline_web;
  o.interactive = true;
  o.id_prefix = "roros";
  const std::string svg = render(test::load("config/roros"), 2027, o);
  CHECK(svg.rfind("<svg ", 0) == 0);  // no XML declaration inside HTML
  CHECK(svg.find("width=\"420mm\"") == std::string::npos);
  CHECK(svg.find("viewBox=\"0 0 420 297\"") != std::string::npos);
  const auto all = marks(svg);
  REQUIRE(!all.empty());
  for (const auto& m : all) {
    INFO(m);
    CHECK(m.find(" tabindex=\"0\"") != std::string::npos);
    CHECK(m.find(" data-uid=\"") != std::string::npos);
    CHECK(m.find("@roros.arshjul") != std::string::npos);
    CHECK(m.find(" data-wheel=\"") != std::string::npos);
    CHECK(m.find(" data-date=\"2027-") != std::string::npos);
  }
  CHECK(svg.find("aria-labelledby=\"roros-title\"") != std::string::npos);
  CHECK(svg.find("id=\"roros-m0\"") != std::string::npos);
}

TEST_CASE("the print variant is an A3 image with a title and a description") {
  const std::string svg = render(test::load("config/roros"), 2027);
  CHECK(svg.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 0) == 0);
  CHECK(svg.find("width=\"420mm\" height=\"297mm\"") != std::string::npos);
  CHECK(svg.find("role=\"img\" aria-labelledby=\"arshjul-title\" aria-describedby=\"arshjul-desc\"") !=
        std::string::npos);
  CHECK(svg.find("<title id=\"arshjul-title\">Røros kommune – årshjul 2027</title>") != std::string::npos);
  CHECK(svg.find("<desc id=\"arshjul-desc\">") != std::string::npos);
  CHECK(svg.find("tabindex") == std::string::npos);
}

TEST_CASE("only the chosen wheels get rings and marks") {
  const Config c = test::load("config/roros");
  WheelSvgOptions o;
  o.wheels = {"medarbeidersamtaler"};
  const std::string svg = render(c, 2027, o);
  CHECK(count(svg, "class=\"ring\"") == 1);
  for (const auto& m : marks(svg)) CHECK(m.find("Årshjul: Medarbeidersamtaler.") != std::string::npos);
  CHECK(marks(svg).size() == 5);  // the leaders' forum, the window and three deadlines
}

TEST_CASE("marks link to their occurrence when a link base is given") {
  WheelSvgOptions o;
  o.interactive = true;
  o.link_base = "/hendelser/";
  const std::string svg = render(test::load("config/roros"), 2027, o);
  CHECK(svg.find("<a class=\"mark mark-") != std::string::npos);
  CHECK(svg.find("href=\"/hendelser/amu.20270217%40roros.arshjul\"") != std::string::npos);
}

namespace {

using test::Run;
Run run_cli_with(std::vector<std::string> args) { return test::run_arshjul(std::move(args)); }

const std::string kRoros = std::string(ARSHJUL_SOURCE_DIR) + "/config/roros";

}  // namespace

TEST_CASE("render writes the wheel to a file and says so") {
  const auto file = std::filesystem::temp_directory_path() / "arshjul-wheel-test.svg";
  const Run r = run_cli_with({"render", kRoros, "--year", "2027", "--wheel", "partssamarbeid", "--output", file.string()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.err, Catch::Contains("wrote the 2027 wheel"));
  std::ifstream in(file);
  const std::string svg((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(count(svg, "class=\"ring\"") == 1);
  CHECK(svg.find("Partssamarbeid") != std::string::npos);
  std::filesystem::remove(file);
}

TEST_CASE("render refuses an unknown wheel, a bad year and an unwritable file") {
  const Run wheel = run_cli_with({"render", kRoros, "--year", "2027", "--wheel", "nope"});
  CHECK(wheel.code == 1);
  CHECK_THAT(wheel.err, Catch::Contains("unknown wheel \"nope\""));
  const Run year = run_cli_with({"render", kRoros, "--year", "27"});
  CHECK(year.code == 2);
  CHECK_THAT(year.err, Catch::Contains("--year expects a year"));
  const Run file = run_cli_with({"render", kRoros, "--year", "2027", "--output", "/nonexistent/dir/wheel.svg"});
  CHECK(file.code == 1);
  CHECK_THAT(file.err, Catch::Contains("cannot write the file"));
}

TEST_CASE("Røros' two-day ledersamling is a mark on each of its days, each saying which day it is") {
  const std::string svg = render(test::load("config/roros"), 2027);
  CHECK(count(svg, "<title>Ledersamling for alle ledere, onsdag 17. mars 2027 kl. 09.00–15.00 (møte, dag 1 av 2)</title>") == 1);
  CHECK(count(svg, "<title>Ledersamling for alle ledere, torsdag 18. mars 2027 kl. 09.00–15.00 (møte, dag 2 av 2)</title>") == 1);
}
