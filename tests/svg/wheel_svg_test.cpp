#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
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

namespace {

// An attribute's value in the first tag of `element`, or "".
std::string attribute(const std::string& element, const std::string& name) {
  const auto at = element.find(" " + name + "=\"");
  if (at == std::string::npos || at > element.find('>')) return "";
  const auto from = at + name.size() + 3;
  return element.substr(from, element.find('"', from) - from);
}

// Each <text ...>...</text> element in `svg` from `from` to `to`, whole.
std::vector<std::string> texts(const std::string& svg, std::size_t from = 0, std::size_t to = std::string::npos) {
  std::vector<std::string> r;
  for (auto p = svg.find("<text ", from); p != std::string::npos && p < to; p = svg.find("<text ", p + 1))
    r.push_back(svg.substr(p, svg.find("</text>", p) + 7 - p));
  return r;
}

std::string content(const std::string& element) {
  const auto open = element.find('>') + 1;
  return element.substr(open, element.find("</text>") - open);
}

// The legend's key: number -> the activity's title as the legend writes it
// (its lines joined; a title cut short ends in " …").
std::map<std::string, std::string> legend_key(const std::string& svg) {
  std::map<std::string, std::string> key;
  for (auto g = svg.find("<g class=\"legend-key\">"); g != std::string::npos;
       g = svg.find("<g class=\"legend-key\">", g + 1)) {
    std::string number;
    for (const auto& t : texts(svg, g, svg.find("</g>", g))) {
      if (attribute(t, "text-anchor") == "end") {
        number = content(t);
        key[number];
      } else if (!number.empty()) {
        key[number] += (key[number].empty() ? "" : " ") + content(t);
      }
    }
  }
  return key;
}

// The key number drawn in a mark, or "" (and how many there are).
std::vector<std::string> mark_keys(const std::string& mark) {
  std::vector<std::string> r;
  for (const auto& t : texts(mark))
    if (attribute(t, "class") == "key") r.push_back(content(t));
  return r;
}

std::string mark_title(const std::string& mark) {
  const auto from = mark.find("<title>") + 7;
  return mark.substr(from, mark.find("</title>") - from);
}

struct Box {
  double left, top, right, bottom;
};

// A key number's box: centred on x, from its baseline up; DejaVu Sans Bold digits are 0.7 em wide.
Box key_box(const std::string& text) {
  const double x = std::stod(attribute(text, "x")), y = std::stod(attribute(text, "y"));
  const double size = std::stod(attribute(text, "font-size"));
  const double w = 0.7 * size * static_cast<double>(content(text).size());
  return {x - w / 2, y - 0.73 * size, x + w / 2, y};
}

bool boxes_meet(const Box& a, const Box& b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

// How far a point is from a box, per axis (0 inside its span).
std::pair<double, double> gap(const Box& b, double x, double y) {
  return {std::max({0.0, b.left - x, x - b.right}), std::max({0.0, b.top - y, y - b.bottom})};
}

}  // namespace

TEST_CASE("every mark on the printed wheel carries the number that the legend gives its activity") {
  for (const char* dir : {"config/roros", "config/midt-telemark"}) {
    INFO(dir);
    const Config c = test::load(dir);
    const std::string svg = render(c, 2027);
    const auto key = legend_key(svg);
    REQUIRE(!key.empty());
    std::set<std::string> used;
    for (const auto& m : marks(svg)) {
      INFO(m);
      const auto numbers = mark_keys(m);
      REQUIRE(numbers.size() == 1);
      REQUIRE(key.count(numbers[0]) == 1);
      const std::string& title = key.at(numbers[0]);
      // A mark's title starts with its activity's ("… – Røros skole" for a unit's).
      const std::string whole = title.substr(0, title.find(" …"));
      CHECK_THAT(mark_title(m), Catch::StartsWith(whole));
      used.insert(numbers[0]);
    }
    CHECK(used.size() == key.size());  // the legend names only activities drawn
  }
}

TEST_CASE("on the printed wheel the AMU meeting and the MBM carry different numbers that the legend names") {
  const std::string svg = render(test::load("config/roros"), 2027);
  const auto key = legend_key(svg);
  std::set<std::string> amu, mbm;
  for (const auto& m : marks(svg)) {
    if (mark_title(m).rfind("Møte i arbeidsmiljøutvalget (AMU)", 0) == 0) amu.insert(mark_keys(m).at(0));
    if (mark_title(m).rfind("Medbestemmelsesmøte (MBM) i virksomheten", 0) == 0) mbm.insert(mark_keys(m).at(0));
  }
  REQUIRE(amu.size() == 1);
  REQUIRE(mbm.size() == 1);
  CHECK(*amu.begin() != *mbm.begin());
  CHECK(key.at(*amu.begin()) == "Møte i arbeidsmiljøutvalget (AMU)");
  CHECK(key.at(*mbm.begin()) == "Medbestemmelsesmøte (MBM) i virksomheten");
}

TEST_CASE("no key number on the printed wheel touches another number or another meeting's or deadline's mark") {
  for (const char* dir : {"config/roros", "config/midt-telemark"}) {
    INFO(dir);
    const std::string svg = render(test::load(dir), 2027);
    std::vector<Box> keys;
    struct Shape {
      bool circle;
      double x, y, r;  // a circle's centre and radius; a diamond's centre and half diagonal
    };
    std::vector<Shape> shapes;
    for (const auto& m : marks(svg)) {
      for (const auto& t : texts(m))
        if (attribute(t, "class") == "key") keys.push_back(key_box(t));
      const auto circle = m.find("<circle class=\"shape\"");
      if (circle != std::string::npos) {
        const std::string tag = m.substr(circle, m.find('>', circle) - circle + 1);
        shapes.push_back({true, std::stod(attribute(tag, "cx")), std::stod(attribute(tag, "cy")),
                          std::stod(attribute(tag, "r"))});
      } else if (m.find("mark-deadline") != std::string::npos) {
        // d="Mx y-hLx+h yL..."
        const auto d = m.find(" d=\"M", m.find("<path class=\"shape\"")) + 5;
        double x = 0, top = 0, right = 0;
        std::sscanf(m.c_str() + d, "%lf %lfL%lf", &x, &top, &right);
        shapes.push_back({false, x, top + (right - x), right - x});
      }
    }
    REQUIRE(keys.size() == marks(svg).size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      for (std::size_t j = i + 1; j < keys.size(); ++j) {
        INFO("keys " << i << " and " << j);
        CHECK_FALSE(boxes_meet(keys[i], keys[j]));
      }
      for (const Shape& s : shapes) {
        const auto [dx, dy] = gap(keys[i], s.x, s.y);
        INFO("key " << i << " and the mark at " << s.x << " " << s.y);
        CHECK((s.circle ? std::hypot(dx, dy) : dx + dy) > s.r);
      }
    }
  }
}

TEST_CASE("the printed wheel's legend with its key ends above the footer for both shipped configs") {
  for (const char* dir : {"config/roros", "config/midt-telemark"}) {
    INFO(dir);
    const std::string svg = render(test::load(dir), 2027);
    const auto legend = svg.find("<g class=\"legend\">");
    REQUIRE(legend != std::string::npos);
    const auto all = texts(svg, legend);
    REQUIRE(all.size() > 2);
    double lowest = 0;
    for (std::size_t i = 0; i + 1 < all.size(); ++i) lowest = std::max(lowest, std::stod(attribute(all[i], "y")));
    CHECK(lowest < 297 - 10 - 3);  // the footer's line is at 287
    // Titles are whole, not cut short, at least in Røros.
    if (std::string(dir) == "config/roros")
      for (const auto& [number, title] : legend_key(svg)) CHECK_THAT(title, !Catch::EndsWith("…"));
  }
}

TEST_CASE("the page's interactive wheel has no key numbers: its marks show details on hover") {
  WheelSvgOptions o;
  o.size = WheelSvgOptions::Size::inline_web;
  o.interactive = true;
  const std::string svg = render(test::load("config/roros"), 2027, o);
  CHECK(count(svg, "class=\"key\"") == 0);
  CHECK(count(svg, "class=\"legend-key\"") == 0);
}
