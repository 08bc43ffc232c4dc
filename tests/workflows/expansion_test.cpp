#include <catch2/catch.hpp>

#include <set>

#include "scheduler/config_files.h"
#include "tests/fixtures.h"
#include "workflows/events.h"
#include "workflows/expansion.h"

using namespace arshjul;
using namespace date::literals;
using namespace std::chrono_literals;

namespace {
using test::mini;

const Occurrence* find(const Expansion& e, const std::string& uid) {
  for (const auto& o : e.occurrences)
    if (o.uid == uid) return &o;
  return nullptr;
}
}  // namespace

TEST_CASE("A monthly meeting that falls on 17 May 2027 is held on 18 May, and says why") {
  const Config c = mini();
  const Expansion e = expand_year(c, 2027);
  const Occurrence* o = find(e, "drofting.20270517@mini.arshjul");
  REQUIRE(o);
  CHECK(o->first_day == LocalDays{2027_y / 5 / 18});
  REQUIRE(o->moved);
  CHECK(o->moved->from == LocalDays{2027_y / 5 / 17});
  CHECK(o->start == SysSeconds{date::sys_days{2027_y / 5 / 18}} + 7h);  // 09:00 CEST
  CHECK_THAT(occurrence_description(*o), Catch::Contains("Flyttet fra mandag 17. mai 2027 (helligdag: Grunnlovsdag)"));
}

TEST_CASE("A meeting moved off a holiday and past a blackout says both in its move note") {
  Config c = mini();
  Blackout seminar;
  seminar.name = "Budsjettseminar";
  seminar.first = LocalDays{2027_y / 5 / 18};
  seminar.last = LocalDays{2027_y / 5 / 19};
  c.organisation.working_days.blackouts.push_back(seminar);
  const Expansion e = expand_year(c, 2027);
  const Occurrence* o = find(e, "drofting.20270517@mini.arshjul");
  REQUIRE(o);
  CHECK(o->first_day == LocalDays{2027_y / 5 / 20});
  REQUIRE(o->moved);
  CHECK(o->moved->reason.name == "Grunnlovsdag");
  REQUIRE(o->moved->passed.size() == 1);
  CHECK(o->moved->passed[0].name == "Budsjettseminar");
  CHECK_THAT(occurrence_description(*o),
             Catch::Contains("Flyttet fra mandag 17. mai 2027 (helligdag: Grunnlovsdag; ferieperiode: Budsjettseminar)."));
}

TEST_CASE("A unit-level activity becomes one series per unit at that level") {
  const Config c = mini();
  const Expansion e = expand_year(c, 2027);
  int skole = 0, helse = 0;
  for (const auto& o : e.occurrences)
    if (o.activity->id == "virksomhetsmote") (o.unit->id == "skole" ? skole : helse)++;
  // Quarterly on the 17th from February; 17 May is a holiday and the policy is skip.
  CHECK(skole == 3);
  CHECK(helse == 3);
  CHECK(find(e, "virksomhetsmote.skole.20270817@mini.arshjul"));
}

TEST_CASE("Skipped occurrences are reported, not silently dropped") {
  const Expansion e = expand_year(mini(), 2027);
  int skipped = 0, unplaceable = 0;
  for (const auto& u : e.unplaced) (u.skipped ? skipped : unplaceable)++;
  CHECK(skipped == 2);      // 17 May 2027, one per unit
  CHECK(unplaceable == 1);  // the July meeting: fellesferie runs past 14 days
}

TEST_CASE("Expanding twice gives the same UIDs in the same order") {
  const Config c = mini();
  const Expansion a = expand_year(c, 2027), b = expand_year(c, 2027);
  REQUIRE(a.occurrences.size() == b.occurrences.size());
  for (std::size_t i = 0; i < a.occurrences.size(); ++i) CHECK(a.occurrences[i].uid == b.occurrences[i].uid);
}

TEST_CASE("No timed occurrence lands on a weekend, holiday or blackout") {
  const Config c = mini();
  const WorkingCalendar cal(c.organisation.working_days);
  for (int y = 2024; y <= 2030; ++y)
    for (const auto& o : expand_year(c, y).occurrences) {
      if (o.all_day && o.activity->kind == ActivityKind::window) continue;
      INFO(o.uid);
      CHECK_FALSE(cal.why_not_working(o.first_day));
    }
}

TEST_CASE("A window that crosses New Year ends in the next year") {
  const Expansion e = expand_year(mini(), 2027);
  const Occurrence* w = find(e, "samtaler.20271201@mini.arshjul");
  REQUIRE(w);
  CHECK(w->all_day);
  CHECK(w->last_day == LocalDays{2028_y / 1 / 31});
}

TEST_CASE("A deadline on a holiday moves to the working day before") {
  const Expansion e = expand_year(mini(), 2027);
  const Occurrence* f = find(e, "frist.20271225@mini.arshjul");
  REQUIRE(f);
  CHECK(f->first_day == LocalDays{2027_y / 12 / 21});  // 22-24 Dec are in the Christmas blackout
}

TEST_CASE("The wheel filter keeps one wheel") {
  const Config c = mini();
  CHECK(expand_year(c, 2027, {"partssamarbeid"}).occurrences.size() == expand_year(c, 2027).occurrences.size());
  CHECK(expand_year(c, 2027, {"nope"}).occurrences.empty());
}

TEST_CASE("The shipped Røros config has a full 2027 with every wheel present") {
  auto c = load_config_dir(std::string(ARSHJUL_SOURCE_DIR) + "/config/roros");
  REQUIRE(c);
  const Expansion e = expand_year(*c, 2027);
  std::set<std::string> wheels;
  for (const auto& o : e.occurrences) wheels.insert(o.wheel->id);
  CHECK(wheels.size() == 5);
  CHECK(e.occurrences.size() > 100);
}

// ---- rounds ------------------------------------------------------------------

namespace {
const Config& roros() {
  static const Config c = test::load("config/roros");
  return c;
}
const Config& midt_telemark() {
  static const Config c = test::load("config/midt-telemark");
  return c;
}
int count(const Expansion& e, std::string_view activity) {
  return static_cast<int>(std::count_if(e.occurrences.begin(), e.occurrences.end(),
                                        [&](const Occurrence& o) { return o.activity->id == activity; }));
}
}  // namespace

TEST_CASE("A round every second year has no survey in the years between") {
  const Config& c = midt_telemark();
  for (int y : {2026, 2028, 2030}) {
    INFO(y);
    const Expansion e = expand_year(c, y, {"10-faktor"});
    CHECK(count(e, "tf-undersokelse") == 0);
    CHECK(count(e, "tf-planlegging") == 0);
  }
  for (int y : {2025, 2027, 2029}) {
    INFO(y);
    CHECK(count(expand_year(c, y, {"10-faktor"}), "tf-undersokelse") == 1);
  }
  const Expansion e2027 = expand_year(c, 2027);
  const Occurrence* survey = find(e2027, "tf-undersokelse.20271122@midt-telemark.arshjul");
  REQUIRE(survey);
  CHECK(survey->last_day == LocalDays{2027_y / 12 / 13});  // open 22 days: 22 November to 13 December
}

TEST_CASE("A round's follow-up in January belongs to the round of the autumn before") {
  const Config& c = midt_telemark();
  // No round ran in 2026, so nothing follows up in early 2027; the 2027 round is followed up in 2028.
  CHECK(count(expand_year(c, 2027, {"10-faktor"}), "tf-mote-1") == 0);
  const Expansion e = expand_year(c, 2028, {"10-faktor"});
  CHECK(count(e, "tf-mote-1") == 4);  // one per virksomhet
  const Occurrence* m = find(e, "tf-mote-1.bo-skole.20280131@midt-telemark.arshjul");
  REQUIRE(m);
  CHECK(m->last_day == LocalDays{2028_y / 2 / 25});
  // The same when the period starts in the new year: the previous year's round is looked at too.
  const Expansion q1 = expand(c, LocalDays{2028_y / 1 / 15}, LocalDays{2028_y / 3 / 31}, {"10-faktor"});
  CHECK(find(q1, "tf-mote-1.bo-skole.20280131@midt-telemark.arshjul"));
  CHECK(count(q1, "tf-handlingsplan") == 1);
}

TEST_CASE("Round dates count from the opening and closing day") {
  const Expansion e = expand_year(roros(), 2027, {"10-faktor"});
  CHECK(find(e, "tf-planlegging.20270921@roros.arshjul"));  // open-41d
  CHECK(find(e, "tf-resultater.20271203@roros.arshjul"));   // close+12d
  const Occurrence* w = find(e, "tf-undersokelse.20271101@roros.arshjul");
  REQUIRE(w);
  CHECK(w->last_day == LocalDays{2027_y / 11 / 21});         // open .. close, 21 days
  // A yearly round: its January follow-up of the 2026 round is there too.
  CHECK(find(e, "tf-mote-1.skole.20270111@roros.arshjul"));
}

TEST_CASE("A round date on a weekend moves by the activity's policy and keeps its UID") {
  // The 2025 round closes Saturday 13 December; close+5w is Saturday 17 January 2026.
  const Expansion e = expand_year(midt_telemark(), 2026);
  const Occurrence* o = find(e, "tf-ledergruppe.20260117@midt-telemark.arshjul");
  REQUIRE(o);
  CHECK(o->first_day == LocalDays{2026_y / 1 / 16});  // previous-working-day
  REQUIRE(o->moved);
  CHECK(o->moved->from == LocalDays{2026_y / 1 / 17});
}

// ---- personal series ---------------------------------------------------------

TEST_CASE("A personal series gives each new leader their own occurrences from leader_start_date") {
  const Expansion e = expand_year(roros(), 2027, {"lederutvikling"});
  CHECK(count(e, "nyleder-introduksjon") == 2);  // Ingvild Stensli and Tone Nesvold start as leaders in 2027
  const Occurrence* o = find(e, "nyleder-introduksjon.person.ingvild-stensli.20270315@roros.arshjul");
  REQUIRE(o);
  REQUIRE(o->person);
  CHECK(o->person->id == "ingvild-stensli");
  REQUIRE(o->unit);
  CHECK(o->unit->id == "hjemmetjenester");
  CHECK(o->scope_id() == "person.ingvild-stensli");
  CHECK(o->start == SysSeconds{date::sys_days{2027_y / 3 / 15}} + 8h);  // 09:00 CET
  CHECK(occurrence_title(*o) == "Opplæringsløp nye ledere 1: introduksjon med HR – Ingvild Stensli");
}

TEST_CASE("A personal occurrence on a non-working day moves by the activity's policy and keeps its UID") {
  // 180 days after 1 March 2027 is Saturday 28 August.
  const Expansion e = expand_year(roros(), 2027);
  const Occurrence* o = find(e, "nyleder-evaluering.person.ingvild-stensli.20270828@roros.arshjul");
  REQUIRE(o);
  CHECK(o->original_day == LocalDays{2027_y / 8 / 28});
  CHECK(o->first_day == LocalDays{2027_y / 8 / 30});
  REQUIRE(o->moved);
  CHECK(o->moved->reason.kind == NonWorkingReason::Kind::weekend);
}

TEST_CASE("A personal series' UIDs stay the same when other people join the roster") {
  Config c = roros();
  const auto uids = [](const Config& config) {
    std::set<std::string> out;
    for (const auto& o : expand_year(config, 2027, {"lederutvikling"}).occurrences)
      if (o.person) out.insert(o.uid);
    return out;
  };
  const auto before = uids(c);
  Person p;
  p.id = "ny-leder";
  p.name = "Ny Leder";
  p.unit = "skole";
  p.roles = {Role::leader};
  p.leader_start_date = LocalDays{2027_y / 5 / 3};
  c.people.insert(c.people.begin(), p);
  const auto after = uids(c);
  CHECK(after.size() == before.size() + 3);  // day 14, 60 and 120 fall in 2027; day 180 in 2028
  CHECK(std::includes(after.begin(), after.end(), before.begin(), before.end()));
  CHECK(after.count("nyleder-introduksjon.person.ny-leder.20270517@roros.arshjul"));
}

TEST_CASE("People without the anchor date get no personal occurrences") {
  const Expansion e = expand_year(midt_telemark(), 2027, {"lederutvikling"});
  for (const auto& o : e.occurrences)
    if (o.person) CHECK(o.person->leader_start_date);
  CHECK(count(e, "nyleder-oppstart") == 2);
}

TEST_CASE("A meeting ahead on a day never stored takes the UID of its series' nearest orphan, within reach, nearest first") {
  const Config c = test::mini();
  Expansion e = expand_year(c, 2027);
  // The first four of the series only, so nothing else is within reach of the ones placed here.
  std::erase_if(e.occurrences, [](const Occurrence& o) {
    return o.activity->id == "drofting" && o.original_day > LocalDays{date::year{2027} / 4 / 30};
  });
  std::vector<Occurrence*> drofting;
  for (auto& o : e.occurrences)
    if (o.activity->id == "drofting") drofting.push_back(&o);
  REQUIRE(drofting.size() == 4);
  const SysSeconds now = drofting[0]->end;  // the first one is over
  const std::string held = drofting[0]->uid;
  // Stored before the rule changed: each meeting a day earlier, under another day's UID.
  auto stored_as = [](const Occurrence& o, std::string uid, LocalDays day) {
    return EarlierOccurrence{std::move(uid), day, o.start - date::days{1}, o.end - date::days{1}, false};
  };
  const LocalDays jan1{date::year{2027} / 1 / 1};
  std::vector<EarlierOccurrence> earlier{
      {held, drofting[0]->original_day, drofting[0]->start, drofting[0]->end, false},  // held: left alone
      stored_as(*drofting[1], "drofting.20270101@mini.arshjul", jan1),                  // a day off: paired
      stored_as(*drofting[2], "drofting.20270102@mini.arshjul", jan1 + date::days{1}),
      {"drofting.20271231@mini.arshjul", jan1 + date::days{364}, drofting[3]->start + date::days{20},
       drofting[3]->end + date::days{20}, false},                                        // too far
      {"extra-3.drofting.20270103@mini.arshjul", jan1, drofting[3]->start, drofting[3]->end, false},  // HR's extra: never
      // Cancelled (by HR, say): paired too, so its cancel override keeps it cancelled on the new day.
      {"drofting.20270104@mini.arshjul", jan1 + date::days{3}, drofting[3]->start + date::days{1},
       drofting[3]->end + date::days{1}, true},
  };
  keep_identities(e, earlier, now);
  CHECK(drofting[0]->uid == held);
  CHECK(drofting[1]->uid == "drofting.20270101@mini.arshjul");
  CHECK(drofting[2]->uid == "drofting.20270102@mini.arshjul");
  CHECK(drofting[3]->uid == "drofting.20270104@mini.arshjul");  // not the extra at the same time, nor the one too far
}

TEST_CASE("A pairing stored as the kept row's original day holds after the meeting is over") {
  const Config c = test::mini();
  Expansion e = expand_year(c, 2027);
  Occurrence* second = nullptr;
  for (auto& o : e.occurrences)
    if (o.activity->id == "drofting" && !second && o.original_day > LocalDays{date::year{2027} / 1 / 31}) second = &o;
  REQUIRE(second);
  const std::vector<EarlierOccurrence> earlier{
      {"drofting.20270215@mini.arshjul", second->original_day, second->start, second->end, false}};
  keep_identities(e, earlier, second->end + date::days{30});  // long over: no pairing by time any more
  CHECK(second->uid == "drofting.20270215@mini.arshjul");
}
