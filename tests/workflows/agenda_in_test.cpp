// agenda_in: items the config adds to some of a series' meetings (issue 14:
// "the February meeting handles AMU's annual report"), from the loader to
// the meeting's agenda and check's warnings.
#include <catch2/catch.hpp>

#include "tests/fixtures.h"
#include "workflows/config_loader.h"
#include "workflows/events.h"
#include "workflows/overrides.h"
#include "workflows/warnings.h"

using namespace arshjul;
using namespace date::literals;

namespace {

const char* kOrg = R"([organisation]
id = "t"
name = "Test kommune"

[[level]]
id = "top"
name = "Topp"

[[unit]]
id = "kommunen"
name = "Kommunen"
level = "top"
)";

// Five lines, so an activity written after it starts on line 6.
const std::string kWheelHead = "[wheel]\nid = \"w\"\nname = \"W\"\ncolor = \"#123456\"\n\n";

// AMU on the third Wednesday of February and May, with an agenda ending in Eventuelt.
const std::string kAmu = R"([[activity]]
id = "amu"
title = "AMU"
rule = "FREQ=MONTHLY;BYMONTH=2,5;BYDAY=WE;BYSETPOS=3"
start = "09:00"
duration = "2h"
agenda = ["Godkjenning", "Sykefravær", "Eventuelt"]
)";

LoadResult load_wheel(const std::string& wheel) {
  ConfigSources s;
  s.organisation = {"arshjul.toml", kOrg};
  s.wheels.push_back({"wheels/w.toml", wheel});
  return load_config(s);
}

std::string all_errors(const LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.to_string() + "\n";
  return out;
}

const Occurrence* meeting(const Expansion& e, std::string_view activity, LocalDays original_day) {
  for (const auto& o : e.occurrences)
    if (o.activity->id == activity && o.original_day == original_day) return &o;
  return nullptr;
}

const LocalDays kRorosFebruary{2027_y / 2 / 17}, kRorosMay{2027_y / 5 / 19};  // AMU: third Wednesday

std::vector<std::string> with_item_before_last(std::vector<std::string> agenda, const std::string& item) {
  agenda.insert(agenda.end() - 1, item);
  return agenda;
}

}  // namespace

// ---- the loader ------------------------------------------------------------------------

TEST_CASE("agenda_in is read as months or one date, each with its items in order") {
  auto r = load_wheel(kWheelHead + kAmu + R"(agenda_in = [
  { months = [2, 5, 2], items = ["Årsrapport", "Valg av leder"] },
  { date = "2027-05-19", items = ["Revisjon av HMS-mål"] },
]
)");
  INFO(all_errors(r));
  REQUIRE(r.ok());
  const auto& in = r.config->wheels[0].activities[0].agenda_in;
  REQUIRE(in.size() == 2);
  CHECK(in[0].months == std::vector<int>{2, 5});
  CHECK_FALSE(in[0].date);
  CHECK(in[0].items == std::vector<std::string>{"Årsrapport", "Valg av leder"});
  CHECK(in[0].line == 14);
  CHECK(in[1].months.empty());
  CHECK(in[1].date == LocalDays{2027_y / 5 / 19});
  CHECK(in[1].items == std::vector<std::string>{"Revisjon av HMS-mål"});
}

TEST_CASE("A bad agenda_in entry is refused at its file, line and field") {
  auto r = load_wheel(kWheelHead + kAmu + R"(agenda_in = [
  { months = [2, 13], items = ["Årsrapport"] },
  { date = "2027-02-30", items = ["Revisjon"] },
  { months = [5], items = [] },
  { months = [5], item = ["Valg"] },
  { months = [5], items = [7, "Tab\tinne", ""] },
  { months = [5], date = "2027-05-19", items = ["Valg"] },
  { items = ["Valg"] },
  "Årsrapport",
  { months = "februar", items = ["Valg"] },
]
)");
  REQUIRE_FALSE(r.ok());
  const std::string e = all_errors(r);
  INFO(e);
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:14:18: activity[0].agenda_in[0].months[1]: expected a month from 1 to 12, got 13"));
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:15:12: activity[0].agenda_in[1].date: \"2027-02-30\" is not a calendar date"));
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:16:27: activity[0].agenda_in[2].items: expected at least one agenda item"));
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:17:19: activity[0].agenda_in[3].item: unknown key \"item\" (did you mean \"items\"?)"));
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:18:28: activity[0].agenda_in[4].items[0]: expected a string, got integer"));
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:18:31: activity[0].agenda_in[4].items[1]: expected text without control "
                                "characters, got U+0009 at character 4"));
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:18:44: activity[0].agenda_in[4].items[2]: expected a non-empty agenda item"));
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:19:26: activity[0].agenda_in[5]: give months or date, not both"));
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:20:3: activity[0].agenda_in[6]: say which meetings: months = [2]"));
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:21:3: activity[0].agenda_in[7]: expected { months = [2], items = [\"...\"] } "
                                "or { date = \"YYYY-MM-DD\", items = [\"...\"] }, got string"));
  CHECK_THAT(e, Catch::Contains("wheels/w.toml:22:14: activity[0].agenda_in[8].months: expected an array of months from 1 "
                                "to 12, such as [2], got string"));
  CHECK(r.errors.size() == 11);  // a misspelt items is not also reported missing
}

TEST_CASE("agenda_in that is not an array of entries is refused with the shape it takes") {
  auto r = load_wheel(kWheelHead + kAmu + "agenda_in = { months = [2], items = [\"Årsrapport\"] }\n");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(all_errors(r), Catch::Contains("wheels/w.toml:13:13: activity[0].agenda_in: expected an array of "
                                            "{ months = [2], items = [\"...\"] }"));
}

// ---- the meeting's agenda ----------------------------------------------------------------

TEST_CASE("Items agenda_in adds go before a closing Eventuelt, or last when the agenda has none") {
  CHECK(with_additions({"Godkjenning", "Eventuelt"}, {"Årsrapport", "Valg"}) ==
        std::vector<std::string>{"Godkjenning", "Årsrapport", "Valg", "Eventuelt"});
  CHECK(with_additions({"Godkjenning", " eventuelt. "}, {"Årsrapport"}) ==
        std::vector<std::string>{"Godkjenning", "Årsrapport", " eventuelt. "});
  CHECK(with_additions({"Godkjenning", "Evt."}, {"Årsrapport"}) ==
        std::vector<std::string>{"Godkjenning", "Årsrapport", "Evt."});
  CHECK(with_additions({"Eventuelt", "Godkjenning"}, {"Årsrapport"}) ==
        std::vector<std::string>{"Eventuelt", "Godkjenning", "Årsrapport"});
  CHECK(with_additions({}, {"Årsrapport"}) == std::vector<std::string>{"Årsrapport"});
  CHECK_FALSE(is_any_other_business("Eventuelle innspill"));
}

TEST_CASE("Røros' February AMU meeting has the annual report on its agenda before Eventuelt and the May meeting does not") {
  const Config c = test::load("config/roros");
  const Expansion e = expand_year(c, 2027);
  const Occurrence* february = meeting(e, "amu", kRorosFebruary);
  const Occurrence* may = meeting(e, "amu", kRorosMay);
  REQUIRE(february);
  REQUIRE(may);
  const auto& standing = february->activity->agenda;
  REQUIRE(standing.back() == "Eventuelt");
  CHECK(agenda_of(*february) == with_item_before_last(standing, "AMUs årsrapport for fjoråret"));
  CHECK(agenda_of(*may) == standing);
  CHECK_FALSE(may->config_agenda);  // only the meetings that differ carry a copy
  CHECK_THAT(occurrence_description(*february),
             Catch::Contains("7. AMUs årsrapport for fjoråret\n8. Eventuelt") && !Catch::Contains("Februarmøtet"));
  CHECK_THAT(occurrence_description(*may), !Catch::Contains("årsrapport"));
}

TEST_CASE("Midt-Telemark's March AMU meeting has the annual reports on its agenda and the June meeting does not") {
  const Config c = test::load("config/midt-telemark");
  const Expansion e = expand_year(c, 2027);
  const Occurrence* march = meeting(e, "amu", LocalDays{2027_y / 3 / 9});
  const Occurrence* june = meeting(e, "amu", LocalDays{2027_y / 6 / 8});
  REQUIRE(march);
  REQUIRE(june);
  CHECK(agenda_of(*march) == with_item_before_last(march->activity->agenda, "Årsrapport for AMU og bedriftshelsetjenesten"));
  CHECK(agenda_of(*june) == june->activity->agenda);
}

TEST_CASE("HR's own agenda for the February meeting replaces the config's, the annual report item included") {
  const Config c = test::load("config/roros");
  Expansion e = expand_year(c, 2027);
  const Occurrence* february = meeting(e, "amu", kRorosFebruary);
  REQUIRE(february);
  Override ov;
  ov.kind = Override::Kind::agenda;
  ov.uid = february->uid;
  ov.agenda = {"Godkjenning av innkalling og protokoll", "Budsjettrevisjon", "Eventuelt"};
  ov.reason = "Årsrapporten er utsatt til mai";
  apply_overrides(e, {ov});
  february = meeting(e, "amu", kRorosFebruary);
  REQUIRE(february);
  CHECK(agenda_of(*february) == ov.agenda);
  CHECK_THAT(config_agenda_of(*february), Catch::VectorContains(std::string("AMUs årsrapport for fjoråret")));
  CHECK_THAT(occurrence_description(*february), !Catch::Contains("årsrapport for fjoråret"));
}

TEST_CASE("A meeting a holiday moves keeps the items of the day its rule gives it") {
  auto r = load_wheel(kWheelHead + R"([[activity]]
id = "amu"
title = "AMU"
dates = ["2027-05-17", "2027-06-01"]
start = "09:00"
duration = "2h"
agenda = ["Godkjenning", "Eventuelt"]
agenda_in = [{ date = "2027-05-17", items = ["Årsrapport"] }, { months = [6], items = ["Valg"] }]
)");
  INFO(all_errors(r));
  REQUIRE(r.ok());
  const Expansion e = expand_year(*r.config, 2027);
  const Occurrence* may = meeting(e, "amu", LocalDays{2027_y / 5 / 17});
  REQUIRE(may);
  REQUIRE(may->moved);  // Grunnlovsdag: held on the 18th
  CHECK(agenda_of(*may) == std::vector<std::string>{"Godkjenning", "Årsrapport", "Eventuelt"});
  const Occurrence* june = meeting(e, "amu", LocalDays{2027_y / 6 / 1});
  REQUIRE(june);
  CHECK(agenda_of(*june) == std::vector<std::string>{"Godkjenning", "Valg", "Eventuelt"});
}

TEST_CASE("An extra meeting HR adds has its activity's standing agenda, not the items of its month") {
  const Config c = test::load("config/roros");
  Expansion e = expand_year(c, 2027);
  Override ov;
  ov.kind = Override::Kind::extra;
  ov.activity = "amu";
  ov.uid = "extra-1.amu.20270224@roros.arshjul";
  ov.start = to_utc(LocalSeconds{LocalDays{2027_y / 2 / 24}} + std::chrono::hours{9}, c.organisation.zone);
  ov.end = ov.start + std::chrono::hours{3};
  ov.reason = "To medlemmer krever det";
  apply_overrides(e, {ov});
  const Occurrence* extra = nullptr;
  for (const auto& o : e.occurrences)
    if (o.uid == ov.uid) extra = &o;
  REQUIRE(extra);
  CHECK(agenda_of(*extra) == extra->activity->agenda);
}

// ---- check's warnings --------------------------------------------------------------------

TEST_CASE("agenda_in for a month without a meeting, or a day the rule does not give, is a check warning") {
  auto r = load_wheel(kWheelHead + kAmu + R"(agenda_in = [
  { months = [2, 3], items = ["Årsrapport"] },
  { date = "2027-05-20", items = ["Revisjon"] },
  { date = "2027-05-19", items = ["Valg"] },
  { date = "2026-05-20", items = ["Før horisonten"] },
]
)");
  INFO(all_errors(r));
  REQUIRE(r.ok());
  std::vector<std::string> warnings;
  for (const auto& w : config_warnings(*r.config, 2027, 2028))
    if (w.field.find("agenda_in") != std::string::npos) warnings.push_back(w.to_string());
  CHECK(warnings == std::vector<std::string>{
                        "wheels/w.toml:14: activity amu.agenda_in[0].months: no meeting in month 3 in 2027-2028 (the "
                        "rule puts none there, or on_holiday skips it): its items are on no agenda",
                        "wheels/w.toml:15: activity amu.agenda_in[1].date: the rule puts no meeting on 2027-05-20 (the "
                        "nearest is 2027-05-19): its items are on no agenda; give the day the rule gives the meeting"});
}

TEST_CASE("The shipped configurations' agenda_in matches meetings, so check warns of none") {
  for (const char* dir : {"config/roros", "config/midt-telemark"}) {
    const Config c = test::load(dir);
    for (const auto& w : config_warnings(c, 2027, 2028)) {
      INFO(dir << ": " << w.to_string());
      CHECK(w.field.find("agenda_in") == std::string::npos);
    }
  }
}
