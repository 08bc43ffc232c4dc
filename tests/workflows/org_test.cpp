// The organisation as it is (issue 14 part A): selectors over the unit tree,
// dated leadership and acting leaders, the person's own leader, folkevalgte,
// new leaders registered for shared course days, and 10-faktor's minimum
// group size, on the shipped configurations.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "tests/fixtures.h"
#include "workflows/audience.h"
#include "workflows/notifications.h"
#include "workflows/registrations.h"
#include "workflows/tasks.h"

using namespace arshjul;
using namespace date::literals;

namespace {

Config roros() { return test::load("config/roros"); }
Config midt_telemark() { return test::load("config/midt-telemark"); }

std::set<std::string> ids(const std::vector<const Person*>& people) {
  std::set<std::string> out;
  for (const Person* p : people) out.insert(p->id);
  return out;
}

const Occurrence& first_of(const Expansion& e, std::string_view activity, std::string_view unit) {
  for (const auto& o : e.occurrences)
    if (o.activity->id == activity && o.unit && o.unit->id == unit) return o;
  FAIL("no occurrence of " << activity << " for " << unit);
  throw 0;
}

const Occurrence& personal_of(const Expansion& e, std::string_view activity, std::string_view person) {
  for (const auto& o : e.occurrences)
    if (o.activity->id == activity && o.person && o.person->id == person) return o;
  FAIL("no occurrence of " << activity << " for " << person);
  throw 0;
}

std::set<std::string> notice_recipients(const Config& c, const Occurrence& o) {
  return ids(recipients(c, o.activity->notice->to, o));
}

// A person with the given roles in a unit, for tests that need one more.
Person person(std::string id, std::string unit, std::vector<Role> roles) {
  Person p;
  p.id = std::move(id);
  p.name = p.id;
  p.unit = std::move(unit);
  p.roles = std::move(roles);
  return p;
}

const Task* task_for(const std::vector<Task>& tasks, std::string_view activity, std::string_view unit) {
  for (const auto& t : tasks)
    if (t.activity == activity && t.unit == unit) return &t;
  return nullptr;
}

}  // namespace

// ---- selectors over the unit tree ------------------------------------------------

TEST_CASE("Roros: the MBM for Helse og omsorg invites the plasstillitsvalgte and verneombud of its sub-units") {
  const Config c = roros();
  const Expansion e = expand_year(c, 2027);
  const Occurrence& mbm = first_of(e, "mbm-virksomhet", "helse-omsorg");
  CHECK(ids(participants(c, mbm)) == std::set<std::string>{
                                         "ole-martin-gjelsvik",                   // the virksomhet's leader
                                         "marianne-tollefsen", "knut-sevaldsen",  // on the virksomhet itself
                                         "guro-jensas", "mari-haltli",            // Røros sykehjem
                                         "kjersti-nyhus"});                       // Hjemmetjenester
  CHECK(notice_recipients(c, mbm) ==
        std::set<std::string>{"marianne-tollefsen", "knut-sevaldsen", "guro-jensas", "mari-haltli", "kjersti-nyhus"});
}

TEST_CASE("A unit-bound role without below still means only the series' own unit") {
  const Config c = roros();
  const Expansion e = expand_year(c, 2027);
  // The avdeling meetings are unchanged: the sykehjem's own reps, not Hjemmetjenester's.
  const Occurrence& o = first_of(e, "samarbeid-avdeling", "sykehjem");
  CHECK(notice_recipients(c, o) == std::set<std::string>{"guro-jensas", "mari-haltli"});
}

TEST_CASE("A level under a unit selects the leaders of that area only, not of unrelated units") {
  const Config c = midt_telemark();
  const Expansion e = expand_year(c, 2028);
  const Occurrence& o = first_of(e, "tf-kommunalomrade", "helse-omsorg");
  const auto who = ids(participants(c, o));
  CHECK(who.count("marte-nordbo"));   // omsorgssenteret, under helse og omsorg
  CHECK(who.count("sara-momrak"));    // hjemmetjenesten, under helse og omsorg
  CHECK_FALSE(who.count("olav-kleppen"));  // Bø skule, under oppvekst
  CHECK_FALSE(who.count("eivind-sorbo"));  // drift og eiendom, under samfunn
}

TEST_CASE("Midt-Telemark: the kommunalområde meeting notifies the reps of every virksomhet under it") {
  const Config c = midt_telemark();
  const Expansion e = expand_year(c, 2027);
  const auto to = notice_recipients(c, first_of(e, "samarbeid-kommunalomrade", "helse-omsorg"));
  for (const char* rep : {"gunn-sonstebo", "jorunn-bratsberg", "tuva-nes", "mats-evensen", "elin-hortemo"})
    CHECK(to.count(rep));
  CHECK_FALSE(to.count("hanne-sandvik"));  // plasstillitsvalgt at Bø skule, under oppvekst
}

TEST_CASE("A tree selector with its own unit selects that unit and everything under it in any series") {
  Config c = roros();
  Selector s;
  s.kind = Selector::Kind::role_in_tree;
  s.role = Role::verneombud;
  s.unit = "helse-omsorg";
  s.below = true;
  const Person* mari = c.find_person("mari-haltli");         // sykehjem
  const Person* erlend = c.find_person("erlend-grytbakk");   // skole
  CHECK(selects(c, s, *mari, nullptr));
  CHECK_FALSE(selects(c, s, *erlend, nullptr));
  s.below = false;
  CHECK_FALSE(selects(c, s, *mari, nullptr));
  CHECK(selects(c, s, *c.find_person("knut-sevaldsen"), nullptr));
}

TEST_CASE("A stored audience keeps a tree selector, so a sub-unit rep's feed shows the meeting") {
  const Config c = roros();
  const Expansion e = expand_year(c, 2027);
  const Occurrence& mbm = first_of(e, "mbm-virksomhet", "helse-omsorg");
  const std::string key = audience_key(c, mbm);
  CHECK_THAT(key, Catch::Contains("|r:plasstillitsvalgt@t:helse-omsorg|"));
  CHECK(feed_includes_stored(c, {FeedFilter::Kind::person, "guro-jensas"}, key, "partssamarbeid", "helse-omsorg"));
  CHECK_FALSE(feed_includes_stored(c, {FeedFilter::Kind::person, "solveig-bakken"}, key, "partssamarbeid",
                                   "helse-omsorg"));
  CHECK(feed_includes(c, {FeedFilter::Kind::person, "guro-jensas"}, mbm));
}

TEST_CASE("A tree selector in an organisation-wide activity without a unit is refused with its place") {
  auto read = read_config_dir(std::string(ARSHJUL_SOURCE_DIR) + "/config/roros");
  REQUIRE(read);
  ConfigSources files = *read;
  for (auto& f : files.wheels)
    if (f.path.find("partssamarbeid") != std::string::npos)
      f.text.replace(f.text.find("participants = [\"leader@radmann\", \"hovedtillitsvalgt\", \"hovedverneombud\", \"hr\"]"),
                     std::string("participants = [\"leader@radmann\", \"hovedtillitsvalgt\", \"hovedverneombud\", \"hr\"]").size(),
                     "participants = [{ role = \"plasstillitsvalgt\", below = true }]");
  const auto r = load_config(files);
  REQUIRE_FALSE(r.config);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].field == "activity[0].participants[0]");
  CHECK_THAT(r.errors[0].message, Catch::Contains("needs a unit"));
}

// ---- dated leadership and acting leaders -------------------------------------------

TEST_CASE("A leader who starts in August owns no task due before then, and the acting leader does") {
  const Config c = roros();
  const auto tasks = expected_tasks(c, expand_year(c, 2027));
  // 10-faktor follow-up for the barnehager, due in February and March 2027.
  const Task* mote1 = task_for(tasks, "tf-mote-1", "barnehage");
  REQUIRE(mote1);
  CHECK(mote1->assignee == "gunhild-sletten");
  // Appraisals of the barnehage's employees, due 30 April 2027.
  for (const auto& t : tasks) {
    CHECK_FALSE((t.assignee == "tone-nesvold" &&
                 t.due < to_utc(LocalSeconds{LocalDays{2027_y / 8 / 16}}, c.organisation.zone)));
    if (t.activity == "medarbeidersamtaler" && t.subject == "liv-odegard") CHECK(t.assignee == "gunhild-sletten");
  }
}

TEST_CASE("A leader whose leadership has ended owns nothing due after it") {
  const Config c = roros();
  for (const auto& t : expected_tasks(c, expand_year(c, 2027))) CHECK(t.assignee != "oddny-rian");
  const auto before = expected_tasks(c, expand_year(c, 2026));
  const Task* handlingsplan = task_for(before, "tf-handlingsplan", "barnehage");
  REQUIRE(handlingsplan);  // due 15 March 2026, while she was still the leader
  CHECK(handlingsplan->assignee == "oddny-rian");
}

TEST_CASE("The leader in office on the day is the one leader_of gives, with an acting one first") {
  const Config c = roros();
  const Person& liv = *c.find_person("liv-odegard");
  CHECK(leader_of(c, liv, LocalDays{2026_y / 12 / 31})->id == "oddny-rian");
  CHECK(leader_of(c, liv, LocalDays{2027_y / 1 / 1})->id == "gunhild-sletten");
  CHECK(leader_of(c, liv, LocalDays{2027_y / 8 / 15})->id == "gunhild-sletten");
  CHECK(leader_of(c, liv, LocalDays{2027_y / 8 / 16})->id == "tone-nesvold");
  // The acting leader's own leader is the one above the unit, not herself.
  CHECK(leader_of(c, *c.find_person("gunhild-sletten"), LocalDays{2027_y / 3 / 1})->id == "kirsti-haugen");
}

TEST_CASE("The leader index gives every person the leader leader_of gives, on every day") {
  for (const Config& c : {roros(), midt_telemark()}) {
    const LeaderIndex leaders(c);
    for (const Person& p : c.people) {
      CHECK(leaders.leader_of(p) == leader_of(c, p));
      for (LocalDays day = LocalDays{2026_y / 1 / 1}; day < LocalDays{2028_y / 1 / 1}; day += date::days{13})
        CHECK(leaders.leader_of(p, day) == leader_of(c, p, day));
    }
  }
}

namespace {

// Who may lead `unit`, by a scan of the whole roster (what leaders_in indexes).
std::vector<const Person*> scanned_leaders(const Config& c, std::string_view unit) {
  std::vector<const Person*> out;
  for (const Person& p : c.people)
    if ((p.unit == unit && std::find(p.roles.begin(), p.roles.end(), Role::leader) != p.roles.end()) ||
        (p.acting && p.acting->unit == unit))
      out.push_back(&p);
  return out;
}

std::size_t employee_at(const Config& c) {
  for (std::size_t i = 0; i < c.people.size(); ++i)
    if (c.people[i].roles == std::vector<Role>{Role::employee} && !c.people[i].acting) return i;
  FAIL("no plain employee");
  return 0;
}

}  // namespace

TEST_CASE("leaders_in names each unit's leaders and acting leaders in roster order, as a scan of the roster does") {
  for (const Config& c : {roros(), midt_telemark()})
    for (const Unit& u : c.units) CHECK(c.leaders_in(u.id) == scanned_leaders(c, u.id));
}

TEST_CASE("leaders_in sees a person made leader after it was first asked") {
  Config c = roros();
  const std::size_t at = employee_at(c);
  const std::string unit = c.people[at].unit;
  const auto before = c.leaders_in(unit);
  c.people.mut(at).roles.push_back(Role::leader);
  CHECK(c.leaders_in(unit).size() == before.size() + 1);
  CHECK(c.leaders_in(unit) == scanned_leaders(c, unit));
}

TEST_CASE("A copy with one employee changed takes its original's leaders and finds them in its own roster") {
  const Config original = roros();
  for (const Unit& u : original.units) original.leaders_in(u.id);  // built
  Config copy = original;
  const std::size_t at = employee_at(copy);
  copy.people.mut(at).name = "Endret";
  copy.id_index.share_leaders(original.id_index, original.people, copy.people);
  for (const Unit& u : copy.units) {
    CHECK(copy.leaders_in(u.id) == scanned_leaders(copy, u.id));  // pointers into the copy, not the original
    for (const Person* p : copy.leaders_in(u.id)) CHECK(copy.people.index_of(p) < copy.people.size());
  }
}

TEST_CASE("Leaders built for an older roster are not shared: the copy builds its own") {
  Config original = roros();
  original.leaders_in(original.units.front().id);
  const std::size_t at = employee_at(original);
  const std::string unit = original.people[at].unit;
  original.people.mut(at).roles.push_back(Role::leader);  // the index is now stale
  Config copy = original;
  copy.id_index.share_leaders(original.id_index, original.people, copy.people);
  CHECK(copy.leaders_in(unit) == scanned_leaders(copy, unit));
}

TEST_CASE("Invitations go to whoever leads the unit on the meeting's day") {
  const Config c = roros();
  const Expansion e = expand_year(c, 2027);
  std::set<std::string> march, september;
  for (const auto& o : e.occurrences)
    if (o.activity->id == "mbm-virksomhet" && o.unit && o.unit->id == "barnehage") {
      const auto who = ids(participants(c, o));
      (o.first_day < LocalDays{2027_y / 8 / 16} ? march : september).insert(who.begin(), who.end());
    }
  CHECK(march.count("gunhild-sletten"));
  CHECK_FALSE(march.count("tone-nesvold"));
  CHECK_FALSE(march.count("oddny-rian"));
  CHECK(september.count("tone-nesvold"));
  CHECK_FALSE(september.count("gunhild-sletten"));
}

TEST_CASE("An overdue task escalates to the assignee's leader on the deadline's day") {
  Config c = roros();
  Task t;
  t.key = "x|barnehage|";
  t.activity = "tf-mote-1";
  t.occurrence_uid = "x";
  t.unit = "barnehage";
  t.assignee = "liv-odegard";
  t.due = to_utc(LocalSeconds{LocalDays{2027_y / 3 / 1}}, c.organisation.zone);
  const std::vector<TaskState> tasks{{1, t, false}};
  std::set<std::string> to;
  for (const auto& m : due_task_messages(c, tasks, t.due + std::chrono::hours{1})) to.insert(m.recipient->id);
  CHECK(to == std::set<std::string>{"liv-odegard", "gunhild-sletten"});
}

// ---- the person's own leader, folkevalgte ------------------------------------------------

TEST_CASE("own-leader invites a new leader's own leader on the day to the evaluation") {
  const Config c = roros();
  const Expansion e = expand(c, LocalDays{2027_y / 1 / 1}, LocalDays{2028_y / 12 / 31});
  CHECK(ids(participants(c, personal_of(e, "nyleder-evaluering", "ingvild-stensli"))) ==
        std::set<std::string>{"ingvild-stensli", "ole-martin-gjelsvik", "marit-sundt", "jon-olav-hessen",
                              "silje-feragen"});
  const auto tone = ids(participants(c, personal_of(e, "nyleder-evaluering", "tone-nesvold")));
  CHECK(tone.count("kirsti-haugen"));  // the barnehager's leader is Tone herself: the rådmann above
  CHECK_THAT(audience_key(c, personal_of(e, "nyleder-evaluering", "tone-nesvold")), Catch::Contains("|p:kirsti-haugen|"));
}

TEST_CASE("own-leader outside a personal series is refused") {
  auto read = read_config_dir(std::string(ARSHJUL_SOURCE_DIR) + "/config/roros");
  REQUIRE(read);
  ConfigSources files = *read;
  for (auto& f : files.wheels)
    if (f.path.find("lederutvikling") != std::string::npos) {
      const std::string was = "participants = [\"leader\", \"hr\"]";
      f.text.replace(f.text.find(was), was.size(), "participants = [\"leader\", \"own-leader\"]");
    }
  const auto r = load_config(files);
  REQUIRE(r.errors.size() == 1);
  CHECK_THAT(r.errors[0].message, Catch::Contains("\"own-leader\" is the leader of a personal series' person"));
}

TEST_CASE("folkevalgt is a role selectors can name: the ethics session invites the elected members") {
  const Config c = roros();
  const Expansion e = expand_year(c, 2027);
  for (const auto& o : e.occurrences)
    if (o.activity->id == "etikkrefleksjon") {
      const auto who = ids(participants(c, o));
      CHECK(who.count("isak-busch"));
      CHECK(who.count("elin-grove"));
      return;
    }
  FAIL("no etikkrefleksjon in 2027");
}

// ---- new leaders registered for shared course days --------------------------------------

TEST_CASE("New leaders are registered for the shared new-leader days from their leader_start_date") {
  const Config c = midt_telemark();
  const Expansion e = expand_year(c, 2027);
  const auto plan = plan_registrations(c, e, {}, to_utc(LocalSeconds{LocalDays{2027_y / 1 / 4}}, c.organisation.zone));
  std::map<std::string, std::string> dag1;  // person → day
  for (const auto& r : plan.registrations)
    if (r.activity == "nyleder-dag-1" && r.occurrence_day) dag1[r.person] = format_date(*r.occurrence_day);
  CHECK(dag1 == std::map<std::string, std::string>{{"sara-momrak", "2027-03-02"}, {"ragnhild-tveiten", "2027-09-07"}});
  for (const auto& ch : plan.changes)
    if (ch.activity == "nyleder-dag-1" && ch.person == "sara-momrak")
      CHECK(ch.reason == "Første fellesdag for nye ledere med ledig plass etter tiltredelse som leder mandag 1. februar 2027");
  // New hires who are not leaders are not new leaders.
  for (const auto& r : plan.registrations)
    if (r.activity == "nyleder-dag-1") CHECK(c.find_person(r.person)->leader_start_date);
}

// ---- 10-faktor: minimum group size ------------------------------------------------------------

TEST_CASE("A unit under the round's min_group is reported with its parent, whose leader gets the task") {
  const Config c = roros();
  const auto tasks = expected_tasks(c, expand_year(c, 2027));
  // Teknisk drift has two employees by March 2027: reported with the rådmann's unit.
  CHECK_FALSE(task_for(tasks, "tf-mote-1", "teknisk"));
  const Task* top = task_for(tasks, "tf-mote-1", "kommunen");
  REQUIRE(top);
  CHECK(top->assignee == "kirsti-haugen");
  // Units with three or more keep their own report and task.
  CHECK(task_for(tasks, "tf-mote-1", "skole"));
  CHECK(task_for(tasks, "tf-mote-1", "barnehage"));
}

TEST_CASE("Without min_group every unit with a leader keeps its own follow-up task") {
  Config c = roros();
  for (auto& w : c.wheels)
    if (w.round) w.round->min_group = 0;
  const auto tasks = expected_tasks(c, expand_year(c, 2027));
  REQUIRE(task_for(tasks, "tf-mote-1", "teknisk"));
  CHECK(task_for(tasks, "tf-mote-1", "teknisk")->assignee == "arne-vintervold");
}

TEST_CASE("A small unit grows to min_group with another person, and gets its own task back") {
  Config c = roros();
  c.people.push_back(person("ny-ingenior", "teknisk", {Role::employee}));
  const auto tasks = expected_tasks(c, expand_year(c, 2027));
  REQUIRE(task_for(tasks, "tf-mote-1", "teknisk"));
  CHECK(task_for(tasks, "tf-mote-1", "teknisk")->assignee == "arne-vintervold");
}

TEST_CASE("A committee seat counts from its first day to its last: AMU's new term invites its new member") {
  const Config c = roros();
  std::set<std::string> y2027, y2028;
  for (int year : {2027, 2028})
    for (const auto& o : expand_year(c, year).occurrences)
      if (o.activity->id == "amu") {
        const auto who = ids(participants(c, o));
        (year == 2027 ? y2027 : y2028).insert(who.begin(), who.end());
      }
  CHECK(y2027.count("lars-gullikstad"));
  CHECK_FALSE(y2027.count("ingrid-kjelsberg"));
  CHECK(y2028.count("ingrid-kjelsberg"));
  CHECK_FALSE(y2028.count("lars-gullikstad"));
  CHECK(y2028.count("unni-brekken"));  // an undated seat holds every year
}

TEST_CASE("The early notice of an AMU meeting goes to the members on the meeting's day") {
  const Config c = roros();
  for (int year : {2027, 2028})
    for (const auto& o : expand_year(c, year).occurrences)
      if (o.activity->id == "amu") {
        std::set<std::string> told;
        for (const Person* p : recipients(c, o.activity->notice->to, o)) told.insert(p->id);
        CHECK(told.count("lars-gullikstad") == (year == 2027 ? 1u : 0u));
        CHECK(told.count("ingrid-kjelsberg") == (year == 2028 ? 1u : 0u));
      }
}
