// The engine: builds of the roros wheel over a real SQLite file, under a
// manual clock, with one hook so planning fills the outbox.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <boost/json.hpp>
#include <unistd.h>

#include "scheduler/clock.h"
#include "scheduler/engine.h"
#include "scheduler/tokens.h"
#include "scheduler/webhooks.h"
#include "tests/fixtures.h"

using namespace arshjul;
using namespace date::literals;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

struct TempDb {
  std::string path;
  TempDb() {
    path = (std::filesystem::temp_directory_path() /
            ("arshjul-engine-" + std::to_string(::getpid()) + "-" +
             std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".db"))
               .string();
    std::filesystem::remove(path);
  }
  ~TempDb() {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
  }
};

SysSeconds oslo(LocalDays day, Seconds time_of_day) {
  return to_utc(LocalSeconds{day} + time_of_day, *find_zone("Europe/Oslo"));
}

long long seconds(SysSeconds t) { return t.time_since_epoch().count(); }  // readable in a failure

const SysSeconds kJan4 = oslo(LocalDays{2027_y / 1 / 4}, 9h);  // a Monday morning
constexpr Seconds kPlanAhead = 24h * 31;                       // as the daemon plans

// The roros config with a hook, as `serve --hook-url` adds one.
Config roros_with_hook() { return test::with_hook(test::load("config/roros")); }

// One wheel: its config files, its database and its clock.
struct Harness {
  TempDb db;
  std::unique_ptr<Storage> storage;
  ManualClock clock;
  Config files = roros_with_hook();
  long long generation = 0;

  explicit Harness(SysSeconds start) : storage(open(db.path)), clock(start) {}

  static std::unique_ptr<Storage> open(const std::string& path) {
    auto s = open_sqlite_storage(path);
    REQUIRE(s);
    return std::move(s).value();
  }

  std::shared_ptr<const Snapshot> build() { return build_snapshot(files, *storage, clock, ++generation); }
  void plan(const Snapshot& s) { plan_outbox(s, *storage, clock.now(), clock.now() + kPlanAhead); }
  std::shared_ptr<const Snapshot> build_and_plan() {
    auto s = build();
    plan(*s);
    return s;
  }
  std::vector<OutboxMessage> outbox() { return storage->outbox("", 1000000); }
};

std::vector<OutboxMessage> of_type(const std::vector<OutboxMessage>& rows, std::string_view event,
                                   std::string_view uid = {}) {
  std::vector<OutboxMessage> out;
  for (const auto& m : rows)
    if (m.event_type == event && (uid.empty() || m.occurrence_uid == uid)) out.push_back(m);
  return out;
}

std::set<std::string> recipients(const std::vector<OutboxMessage>& rows) {
  std::set<std::string> out;
  for (const auto& m : rows) out.insert(m.recipient);
  return out;
}

json::object data_of(const OutboxMessage& m) { return json::parse(m.payload).as_object().at("data").as_object(); }

// Everyone in drofting-htv: leader@radmann, the hovedtillitsvalgte, the hovedverneombud and HR.
const std::set<std::string> kDroftingPeople{
    "kirsti-haugen",  "unni-brekken",   "ingrid-kjelsberg", "lars-gullikstad", "siri-aasen",
    "per-arne-stuedal", "randi-kokkvoll", "marit-sundt",      "jon-olav-hessen", "silje-feragen"};

const std::string kMarch9 = occurrence_uid("roros", "drofting-htv", "", LocalDays{2027_y / 3 / 9});

Person person(std::string id, std::string unit) {
  Person p;
  p.id = id;
  p.name = id;
  p.email = id + "@roros.kommune.no";
  p.unit = std::move(unit);
  p.roles = {Role::employee};
  return p;
}

const Person* find(const Config& c, std::string_view id) {
  for (const auto& p : c.people)
    if (p.id == id) return &p;
  return nullptr;
}

const Registration* registration_of(const std::vector<Registration>& regs, std::string_view person) {
  for (const auto& r : regs)
    if (r.person == person) return &r;
  return nullptr;
}

}  // namespace

// ---- planning ------------------------------------------------------------------------

TEST_CASE("Planning the outbox twice enqueues each reminder and notice once", "[engine]") {
  Harness h(kJan4);
  auto s = h.build();
  h.plan(*s);
  const auto first = h.outbox();
  REQUIRE_FALSE(of_type(first, "reminder.due").empty());
  REQUIRE_FALSE(of_type(first, "notice.early").empty());

  h.plan(*s);
  h.plan(*h.build());  // a rebuild of the same config plans the same messages
  const auto again = h.outbox();
  CHECK(again.size() == first.size());
  std::set<std::pair<std::string, std::string>> keys;
  for (const auto& m : again) CHECK(keys.insert({m.hook, m.key}).second);
}

TEST_CASE("A rebuild after HR cancels a meeting marks it cancelled and tells everyone in it HR's reason",
          "[engine]") {
  Harness h(kJan4);
  REQUIRE(h.build_and_plan()->stored.count(kMarch9));
  Override ov;
  ov.kind = Override::Kind::cancel;
  ov.uid = kMarch9;
  ov.reason = "Rådmannen er på KS-konferanse";
  ov.created = h.clock.now();
  h.storage->add_override(ov, nullptr);

  auto s = h.build();
  REQUIRE(s->stored.count(kMarch9));
  CHECK(s->stored.at(kMarch9).cancelled);
  CHECK(s->stored.at(kMarch9).sequence == 1);
  h.plan(*s);
  const auto told = of_type(h.outbox(), "occurrence.cancelled", kMarch9);
  CHECK(recipients(told) == kDroftingPeople);
  for (const auto& m : told) {
    CHECK(m.sequence == 1);
    CHECK(data_of(m).at("occurrence").at("reason").as_string() == ov.reason);
    CHECK(data_of(m).at("occurrence").at("status").as_string() == "cancelled");
  }
}

TEST_CASE("A config change tells those reminded of a meeting ahead, and nobody of one that took place", "[engine]") {
  Harness h(kJan4);
  h.build_and_plan();
  for (const auto& m : h.outbox()) h.storage->mark_sent(m.id, h.clock.now());
  const std::string jan12 = occurrence_uid("roros", "drofting-htv", "", LocalDays{2027_y / 1 / 12});
  const std::string feb9 = occurrence_uid("roros", "drofting-htv", "", LocalDays{2027_y / 2 / 9});
  REQUIRE_FALSE(h.storage->told_about(jan12).empty());
  REQUIRE_FALSE(h.storage->told_about(feb9).empty());
  h.clock.set(oslo(LocalDays{2027_y / 1 / 20}, 9h));  // 12 January has been held
  for (auto& w : h.files.wheels)
    for (auto& a : w.activities)
      if (a.id == "drofting-htv") a.start = 7h + 15min;
  auto s = h.build();
  CHECK(s->stored.at(jan12).sequence == 0);
  h.plan(*s);
  CHECK(of_type(h.outbox(), "occurrence.changed", jan12).empty());
  CHECK_FALSE(of_type(h.outbox(), "occurrence.changed", feb9).empty());
}

TEST_CASE("A rebuild after HR moves a meeting raises its SEQUENCE and tells everyone in it of the change",
          "[engine]") {
  Harness h(kJan4);
  auto before = h.build_and_plan();
  REQUIRE(before->stored.count(kMarch9));
  const StoredOccurrence& was = before->stored.at(kMarch9);
  Override ov;
  ov.kind = Override::Kind::move;
  ov.uid = kMarch9;
  ov.start = was.start + 24h;
  ov.end = was.end + 24h;
  ov.reason = "Kommunestyret møtes samme dag";
  ov.created = h.clock.now();
  h.storage->add_override(ov, nullptr);

  auto s = h.build();
  const StoredOccurrence& now = s->stored.at(kMarch9);
  CHECK(now.sequence == 1);
  CHECK_FALSE(now.cancelled);
  CHECK(now.start == ov.start);
  h.plan(*s);
  const auto told = of_type(h.outbox(), "occurrence.changed", kMarch9);
  CHECK(recipients(told) == kDroftingPeople);
  for (const auto& m : told) {
    CHECK(m.sequence == 1);
    CHECK(data_of(m).at("occurrence").at("start").as_string() == "2027-03-10T09:00:00+01:00");
    CHECK(data_of(m).at("occurrence").at("reason").as_string() == ov.reason);
  }
}

// ---- agenda_in: the config's items for some of a series' meetings ---------------------

namespace {
const std::string kAmuFebruary = occurrence_uid("roros", "amu", "", LocalDays{2027_y / 2 / 17});
const std::string kAmuMay = occurrence_uid("roros", "amu", "", LocalDays{2027_y / 5 / 19});

std::vector<std::string> agenda_in(const OutboxMessage& m) {
  std::vector<std::string> items;
  const json::object data = data_of(m);  // the loop below would outlive a temporary
  for (const auto& item : data.at("occurrence").at("agenda").as_array())
    items.emplace_back(item.as_string());
  return items;
}

Activity& amu(Config& c) {
  Activity* found = nullptr;
  for (auto& w : c.wheels)
    for (auto& a : w.activities)
      if (a.id == "amu") found = &a;
  REQUIRE(found);
  return *found;
}
}  // namespace

TEST_CASE("The early notice of Røros' February AMU meeting carries its annual report item and May's notice does not",
          "[engine]") {
  Harness h(kJan4);
  h.build_and_plan();  // plans to 4 February: February's notice goes on the 3rd
  const auto february = of_type(h.outbox(), "notice.early", kAmuFebruary);
  REQUIRE_FALSE(february.empty());
  for (const auto& m : february) {
    const auto items = agenda_in(m);
    REQUIRE(items.size() == 8);
    CHECK(items[6] == "AMUs årsrapport for fjoråret");
    CHECK(items[7] == "Eventuelt");
  }
  h.clock.set(oslo(LocalDays{2027_y / 5 / 1}, 9h));
  h.build_and_plan();
  const auto may = of_type(h.outbox(), "notice.early", kAmuMay);
  REQUIRE_FALSE(may.empty());
  for (const auto& m : may) CHECK(agenda_in(m) == amu(h.files).agenda);
}

TEST_CASE("New agenda_in items for a meeting whose notice went out reach those told as occurrence.changed", "[engine]") {
  Harness h(kJan4);
  h.build_and_plan();
  for (const auto& m : h.outbox()) h.storage->mark_sent(m.id, h.clock.now());
  const auto noticed = recipients(of_type(h.outbox(), "notice.early", kAmuFebruary));
  REQUIRE_FALSE(noticed.empty());
  h.clock.set(oslo(LocalDays{2027_y / 2 / 5}, 9h));  // the notice went out on the 3rd
  amu(h.files).agenda_in.front().items = {"AMUs årsrapport for fjoråret", "Valg av leder"};
  auto s = h.build();
  CHECK(s->stored.at(kAmuFebruary).sequence == 1);
  CHECK(s->stored.at(kAmuMay).sequence == 0);  // its agenda did not change
  h.plan(*s);
  const auto changed = of_type(h.outbox(), "occurrence.changed", kAmuFebruary);
  CHECK(recipients(changed) == noticed);
  for (const auto& m : changed) {
    CHECK(m.sequence == 1);
    const auto items = agenda_in(m);
    REQUIRE(items.size() == 9);
    CHECK(items[7] == "Valg av leder");
  }
  CHECK(of_type(h.outbox(), "occurrence.changed", kAmuMay).empty());
}

// ---- the roster ------------------------------------------------------------------------

TEST_CASE("Stored people replace the config's by id, and new ones join the roster", "[engine]") {
  const Config files = test::load("config/roros");
  StoredPerson renamed{*find(files, "hilde-aune")};
  renamed.person.name = "Hilde Aune Sødal";
  const StoredPerson hired{person("nora-nyansatt", "skole")};
  const Config c = with_stored_people(files, {renamed, hired});
  CHECK(c.people.size() == files.people.size() + 1);
  REQUIRE(find(c, "hilde-aune"));
  CHECK(find(c, "hilde-aune")->name == "Hilde Aune Sødal");
  REQUIRE(find(c, "nora-nyansatt"));
  CHECK(find(c, "nora-nyansatt")->unit == "skole");
}

TEST_CASE("A stored removal takes even a person of the config's own roster out", "[engine]") {
  const Config files = test::load("config/roros");
  REQUIRE(find(files, "helene-rugelsjoen"));
  StoredPerson gone{person("helene-rugelsjoen", "")};
  gone.removed = true;
  const Config c = with_stored_people(files, {gone});
  CHECK(c.people.size() == files.people.size() - 1);
  CHECK_FALSE(find(c, "helene-rugelsjoen"));
}

TEST_CASE("A manager no longer in the roster is dropped, not left dangling", "[engine]") {
  const Config files = test::load("config/roros");
  REQUIRE(find(files, "hilde-aune")->manager == "kirsti-haugen");
  StoredPerson gone{person("kirsti-haugen", "")};
  gone.removed = true;
  StoredPerson hired{person("nora-nyansatt", "stab")};
  hired.person.manager = "kirsti-haugen";
  const Config c = with_stored_people(files, {gone, hired});
  CHECK_FALSE(find(c, "kirsti-haugen"));
  CHECK(find(c, "hilde-aune")->manager.empty());
  CHECK(find(c, "nora-nyansatt")->manager.empty());
}

// ---- registrations -----------------------------------------------------------------

TEST_CASE("A registration for a day before the horizon is kept as history across a rebuild in a later year",
          "[engine]") {
  Harness h(kJan4);
  const std::string feb10 = occurrence_uid("roros", "ansattdag", "", LocalDays{2027_y / 2 / 10});
  h.build_and_plan();
  const auto before = h.storage->registrations();
  const Registration* r = registration_of(before, "ahmad-rahimi");  // started 11 January
  REQUIRE(r);
  REQUIRE(r->occurrence_uid == feb10);

  h.clock.set(oslo(LocalDays{2028_y / 1 / 10}, 9h));
  auto s = h.build();
  CHECK(s->horizon_from == LocalDays{2028_y / 1 / 1});
  const auto after = h.storage->registrations();
  r = registration_of(after, "ahmad-rahimi");
  REQUIRE(r);
  CHECK(r->occurrence_uid == feb10);
  CHECK(r->occurrence_day == LocalDays{2027_y / 2 / 10});
  for (const auto& ch : s->registration_changes) CHECK(ch.person != "ahmad-rahimi");
}

TEST_CASE("The stored day, not the UID, tells a registration before the horizon apart as history", "[engine]") {
  Harness h(kJan4);
  const Registration earlier{"ansattdag", "tidligere-ansatt", "ansattdag-juni@et-annet-system",
                             LocalDays{2026_y / 6 / 10}};
  h.storage->save_registrations({earlier}, h.clock.now());
  auto s = h.build();
  const auto after = h.storage->registrations();
  const Registration* r = registration_of(after, "tidligere-ansatt");
  REQUIRE(r);
  CHECK(*r == earlier);
  for (const auto& ch : s->registration_changes) CHECK(ch.person != "tidligere-ansatt");
}

// ---- personal feeds ------------------------------------------------------------------

TEST_CASE("A new hire's own feed subscription is created at the wheel's time", "[engine]") {
  Harness h(kJan4);
  Person nora = person("nora-nyansatt", "skole");
  nora.start_date = LocalDays{2027_y / 1 / 18};
  h.storage->store_people({nora}, {}, h.clock.now());
  h.build_and_plan();
  REQUIRE(recipients(of_type(h.outbox(), "registration.created")).count("nora-nyansatt"));
  const auto subscriptions = h.storage->active_subscriptions();
  const auto it = std::find_if(subscriptions.begin(), subscriptions.end(),
                               [](const auto& s) { return s.second.filter == "person:nora-nyansatt"; });
  REQUIRE(it != subscriptions.end());
  CHECK(seconds(it->second.created) == seconds(h.clock.now()));
}

TEST_CASE("A new hire's registration message links their own feed and page by one token, their leader's neither",
          "[engine]") {
  Harness h(kJan4);
  const std::string base = "https://arshjul.roros.kommune.no";
  h.storage->set_setting("public_url", base);
  Person nora = person("nora-nyansatt", "skole");
  nora.start_date = LocalDays{2027_y / 1 / 18};
  h.storage->store_people({nora}, {}, h.clock.now());
  h.build_and_plan();
  const auto created = of_type(h.outbox(), "registration.created");
  auto to = [&](std::string_view who) {
    return std::find_if(created.begin(), created.end(), [&](const auto& m) { return m.recipient == who; });
  };
  const auto own = to("nora-nyansatt");
  REQUIRE(own != created.end());
  const json::object data = data_of(*own);
  const std::string feed(data.at("feed_url").as_string());
  REQUIRE(feed.starts_with(base + "/feeds/"));
  REQUIRE(feed.ends_with(".ics"));
  const std::string token = feed.substr(base.size() + 7, feed.size() - base.size() - 7 - 4);
  CHECK(data.at("page_url").as_string() == base + "/me/" + token);
  CHECK(h.storage->subscription_revoked(token_hash(token)) == std::optional<bool>(false));

  const auto leaders = to("eirik-molmann");  // leads skole
  REQUIRE(leaders != created.end());
  CHECK_FALSE(data_of(*leaders).contains("feed_url"));
  CHECK_FALSE(data_of(*leaders).contains("page_url"));
}

TEST_CASE("A waiting hire who loses their start date had no day to lose: no cancellation goes to them or their leader",
          "[engine]") {
  Harness h(kJan4);
  h.storage->store_people({person("vera-ventet", "skole")}, {}, h.clock.now());  // no start date (any more)
  h.storage->save_registrations({Registration{"ansattdag", "vera-ventet", "", std::nullopt}}, h.clock.now());
  const auto snap = h.build_and_plan();
  CHECK(registration_of(snap->registrations, "vera-ventet") == nullptr);  // given up
  const auto cancelled = of_type(h.outbox(), "registration.cancelled");
  CHECK_FALSE(recipients(cancelled).count("vera-ventet"));
  CHECK_FALSE(recipients(cancelled).count("eirik-molmann"));
}

TEST_CASE("A wheel first run in May owes no task whose deadline had passed before it", "[engine]") {
  const SysSeconds may10 = oslo(LocalDays{2027_y / 5 / 10}, 9h);
  Harness h(may10);
  h.build();
  const auto tasks = h.storage->tasks();
  REQUIRE_FALSE(tasks.empty());
  for (const auto& t : tasks) CHECK(seconds(t.task.due) >= seconds(may10));
}

TEST_CASE("Tasks that fall due while the wheel runs stay owed, however late the next rebuild", "[engine]") {
  Harness h(kJan4);
  h.build();
  const auto before = h.storage->tasks();
  h.clock.set(oslo(LocalDays{2027_y / 5 / 10}, 9h));
  h.build();
  const auto after = h.storage->tasks();
  CHECK(after.size() >= before.size());
  const bool some_overdue = std::any_of(after.begin(), after.end(), [&](const TaskState& t) {
    return t.task.due < h.clock.now() && !t.completed;
  });
  CHECK(some_overdue);
}

TEST_CASE("Changing a series' weekday keeps each meeting ahead as itself: same UID, SEQUENCE raised, nothing cancelled",
          "[engine]") {
  Harness h(kJan4);
  h.build_and_plan();
  for (const auto& m : h.outbox()) h.storage->mark_sent(m.id, h.clock.now());
  h.clock.set(oslo(LocalDays{2027_y / 3 / 1}, 9h));
  auto before = h.build();
  std::map<std::string, StoredOccurrence> ahead;  // the May-December meetings ahead, by UID
  for (const auto& [uid, s] : before->stored)
    if (s.activity == "drofting-htv" && s.start > h.clock.now() && !s.cancelled) ahead.emplace(uid, s);
  REQUIRE(ahead.size() >= 8);
  // The second Tuesday becomes the second Thursday, as an HR adviser would edit the rule.
  for (auto& w : h.files.wheels)
    for (auto& a : w.activities)
      if (a.id == "drofting-htv")
        a.rule = parse_local_rule("FREQ=MONTHLY;BYMONTH=1,2,3,4,5,6,8,9,10,11,12;BYDAY=TH;BYSETPOS=2", a.rule->since).value();
  auto after = h.build();
  CHECK(after->sync.cancelled == 0);
  for (const auto& [uid, st] : after->stored) {
    INFO(uid);
    if (!before->stored.count(uid)) CHECK(st.start < h.clock.now());  // new only where the old rule's past was
  }
  for (const auto& [uid, was] : ahead) {
    INFO(uid);
    REQUIRE(after->stored.count(uid));
    const StoredOccurrence& now = after->stored.at(uid);
    CHECK_FALSE(now.cancelled);
    CHECK(now.sequence == was.sequence + 1);
    // The second Thursday, or where the holiday rule puts it (13 April 2028 is Skjærtorsdag: the 18th).
    CHECK(std::chrono::abs(now.start - was.start) <= date::days{7});
  }
  h.plan(*after);
  CHECK(of_type(h.outbox(), "occurrence.cancelled").empty());
  // Stateless: the next build pairs them the same way and changes nothing.
  auto again = h.build();
  CHECK(again->sync.changed == 0);
  CHECK(again->sync.inserted == 0);
  CHECK(again->sync.cancelled == 0);
  // Once a kept meeting is over (11 March), it stays under its UID: no second event on its day.
  h.clock.set(oslo(LocalDays{2027_y / 3 / 20}, 9h));
  auto later = h.build();
  CHECK(later->sync.inserted == 0);
  CHECK(later->stored.count(occurrence_uid("roros", "drofting-htv", "", LocalDays{2027_y / 3 / 9})));
  CHECK_FALSE(later->stored.count(occurrence_uid("roros", "drofting-htv", "", LocalDays{2027_y / 3 / 11})));
}

TEST_CASE("A meeting HR cancelled stays cancelled when its series moves to another weekday", "[engine]") {
  Harness h(oslo(LocalDays{2027_y / 3 / 1}, 9h));
  h.build();
  const std::string june = occurrence_uid("roros", "drofting-htv", "", LocalDays{2027_y / 6 / 8});
  Override cancel;
  cancel.kind = Override::Kind::cancel;
  cancel.uid = june;
  cancel.reason = "Sommeravslutning";
  h.storage->add_override(cancel, nullptr);
  REQUIRE(h.build()->stored.at(june).cancelled);
  for (auto& w : h.files.wheels)
    for (auto& a : w.activities)
      if (a.id == "drofting-htv")
        a.rule = parse_local_rule("FREQ=MONTHLY;BYMONTH=1,2,3,4,5,6,8,9,10,11,12;BYDAY=TH;BYSETPOS=2", a.rule->since).value();
  auto after = h.build();
  CHECK(after->stored.at(june).cancelled);
  CHECK_FALSE(after->stored.count(occurrence_uid("roros", "drofting-htv", "", LocalDays{2027_y / 6 / 10})));
  for (const auto& o : after->expansion.occurrences) CHECK(o.uid != june);
}
