// Dated HR events: a change HR makes ahead takes effect on its day, hands
// over only what falls after it, and tells the leaders concerned.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include <boost/json.hpp>
#include <unistd.h>

#include "scheduler/runner.h"
#include "tests/fixtures.h"

using namespace arshjul;
using namespace date::literals;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

SysSeconds at(date::year_month_day day, Seconds time = 9h) { return SysSeconds{date::sys_days{day}} + time; }

// Røros with a hook, run by a runner on a clock the test moves: installed
// on 1 March 2027, before the year's appraisals are due.
struct Roros {
  std::string path =
      (std::filesystem::temp_directory_path() / ("arshjul-dated-test-" + std::to_string(::getpid()) + ".db")).string();
  std::unique_ptr<Storage> storage;
  ManualClock clock{at(2027_y / 3 / 1)};
  std::unique_ptr<WheelRunner> runner;

  Roros() {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
    storage = std::move(open_sqlite_storage(path)).value();
    const Config files = test::with_hook(test::load("config/roros"), "hr-system");
    runner = std::make_unique<WheelRunner>(
        *storage, clock, [files](bool) -> Expected<Config> { return files; }, [](const std::string&) {});
    REQUIRE(runner->start(files));
  }
  ~Roros() {
    runner.reset();
    storage.reset();
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
  }

  // Waits (real time, with a deadline) until the runner's tick has made
  // `holds` true of the current snapshot.
  template <class Pred>
  bool wait_for(Pred holds) {
    for (int i = 0; i < 300; ++i) {
      if (holds(*runner->snapshot())) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  std::vector<OutboxMessage> messages(std::string_view event) {
    OutboxQuery q;
    q.event_type = std::string(event);
    q.limit = 1000;
    return storage->outbox(q);
  }

  // Who owes `subject`'s appraisal due in `year`, and whether it is open.
  std::optional<TaskState> appraisal(std::string_view subject, int year) {
    for (const TaskState& t : storage->tasks())
      if (t.task.subject == subject && t.task.activity == "medarbeidersamtaler" &&
          date::year_month_day{date::floor<date::days>(t.task.due)}.year() == date::year{year})
        return t;
    return std::nullopt;
  }
};

ScheduledChange move_to(const Person& before, std::string unit, LocalDays on, SysSeconds made) {
  Person after = before;
  after.unit = std::move(unit);
  return ScheduledChange{before.id, on, before, after, made, "hr-test"};
}

}  // namespace

TEST_CASE("A unit move dated ahead changes nothing before its day") {
  Roros r;
  r.clock.set(at(2027_y / 5 / 20));
  const Person helene = *r.runner->snapshot()->config.find_person("helene-rugelsjoen");
  r.storage->schedule_change(move_to(helene, "skole", LocalDays{2027_y / 6 / 1}, r.clock.now()));
  std::this_thread::sleep_for(2500ms);  // two ticks on the day before
  CHECK(r.runner->snapshot()->config.find_person("helene-rugelsjoen")->unit == "sykehjem");
  REQUIRE(r.appraisal("helene-rugelsjoen", 2028));
  CHECK(r.appraisal("helene-rugelsjoen", 2028)->task.assignee == "hanne-moen");
  CHECK(r.storage->scheduled_changes("helene-rugelsjoen").size() == 1);
  CHECK(r.messages("person.moved").empty());
}

TEST_CASE("On its day a unit move hands the new leader only the tasks due after it, and tells both leaders") {
  Roros r;
  r.clock.set(at(2027_y / 5 / 20));
  const Person helene = *r.runner->snapshot()->config.find_person("helene-rugelsjoen");
  r.storage->schedule_change(move_to(helene, "skole", LocalDays{2027_y / 6 / 1}, r.clock.now()));
  r.clock.set(at(2027_y / 6 / 1, 6h));
  REQUIRE(r.wait_for([](const Snapshot& s) { return s.config.find_person("helene-rugelsjoen")->unit == "skole"; }));

  // The 2027 appraisal, due 30 April and not held, stays owed by the leader she had then.
  REQUIRE(r.appraisal("helene-rugelsjoen", 2027));
  CHECK(r.appraisal("helene-rugelsjoen", 2027)->task.assignee == "hanne-moen");
  CHECK_FALSE(r.appraisal("helene-rugelsjoen", 2027)->completed);
  REQUIRE(r.appraisal("helene-rugelsjoen", 2028));
  CHECK(r.appraisal("helene-rugelsjoen", 2028)->task.assignee == "eirik-molmann");

  const auto moved = r.messages("person.moved");
  REQUIRE(moved.size() == 2);
  std::set<std::string> told;
  for (const auto& m : moved) {
    told.insert(m.recipient);
    const auto data = json::parse(m.payload).at("data");
    CHECK(data.at("on") == "2027-06-01");
    CHECK(data.at("to_unit").at("id") == "skole");
    CHECK(data.at("new_leader").at("id") == "eirik-molmann");
  }
  CHECK(told == std::set<std::string>{"eirik-molmann", "hanne-moen"});
  CHECK(r.storage->scheduled_changes().empty());

  AuditQuery q;
  q.action = "person.change_applied";
  const auto rows = r.storage->audit(q);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].actor == "hr-test");
  CHECK(rows[0].door == "schedule");
  CHECK(rows[0].reason == "effective 2027-06-01");
}

TEST_CASE("A dated change applies only the fields it changed, over what was stored in between") {
  Roros r;
  const Person helene = *r.runner->snapshot()->config.find_person("helene-rugelsjoen");
  r.storage->schedule_change(move_to(helene, "skole", LocalDays{2027_y / 6 / 1}, r.clock.now()));
  Person new_mail = helene;
  new_mail.email = "helene.rugelsjoen@skole.roros.kommune.no";
  r.runner->write("e-mail", [&](Storage& s, const std::shared_ptr<const Snapshot>&) {
    s.store_people({new_mail}, {}, r.clock.now());
    return true;
  });
  r.clock.set(at(2027_y / 6 / 1, 6h));
  REQUIRE(r.wait_for([](const Snapshot& s) { return s.config.find_person("helene-rugelsjoen")->unit == "skole"; }));
  CHECK(r.runner->snapshot()->config.find_person("helene-rugelsjoen")->email == new_mail.email);
}

TEST_CASE("A dated change that no longer fits on its day is dropped with its reason in the audit trail") {
  Roros r;
  // Made when a unit "kultur" was in the config; a reload since took it away.
  const Person helene = *r.runner->snapshot()->config.find_person("helene-rugelsjoen");
  r.storage->schedule_change(move_to(helene, "kultur", LocalDays{2027_y / 6 / 1}, r.clock.now()));
  r.clock.set(at(2027_y / 6 / 1, 6h));
  AuditQuery q;
  q.action = "person.change_dropped";
  bool dropped = false;
  for (int i = 0; i < 300 && !dropped; ++i) {
    dropped = !r.storage->audit(q).empty();
    if (!dropped) std::this_thread::sleep_for(100ms);
  }
  REQUIRE(dropped);
  const AuditEntry row = r.storage->audit(q)[0];
  CHECK_THAT(row.reason, Catch::StartsWith("effective 2027-06-01: unit: ") && Catch::Contains("kultur"));
  CHECK(json::parse(row.after).at("unit") == "kultur");  // what it would have made, kept in the trail
  CHECK(r.storage->scheduled_changes().empty());
  CHECK(r.runner->snapshot()->config.find_person("helene-rugelsjoen")->unit == "sykehjem");
  CHECK(r.messages("person.moved").empty());
}

TEST_CASE("A new leader is told on their first day what is theirs and who led before, once") {
  Roros r;
  // Tone Nesvold leads the kindergartens from 16 August; Gunhild Sletten acts until then.
  auto started = [&] {
    std::vector<OutboxMessage> out;
    for (auto& m : r.messages("leader.started"))
      if (m.recipient == "tone-nesvold") out.push_back(std::move(m));
    return out;
  };
  r.clock.set(at(2027_y / 8 / 15, 12h));
  std::this_thread::sleep_for(2500ms);
  CHECK(started().empty());
  r.clock.set(at(2027_y / 8 / 16, 7h));
  std::vector<OutboxMessage> told;
  for (int i = 0; i < 300 && told.empty(); ++i) {
    told = started();
    if (told.empty()) std::this_thread::sleep_for(100ms);
  }
  REQUIRE(told.size() == 1);
  const auto data = json::parse(told[0].payload).at("data");
  CHECK(data.at("unit").at("id") == "barnehage");
  CHECK(data.at("from") == "2027-08-16");
  CHECK(data.at("acting") == false);
  CHECK(data.at("former_leader").at("id") == "gunhild-sletten");
  // Her tasks: the kindergarten employees' 2028 appraisals, none due before she started.
  REQUIRE(data.at("open_tasks").as_int64() > 0);
  for (const auto& t : data.at("tasks").as_array())
    CHECK(std::string(t.at("due").as_string()) > std::string("2027-08-16"));
  r.clock.advance(24h);
  std::this_thread::sleep_for(2500ms);
  CHECK(started().size() == 1);
}

TEST_CASE("A new install does not greet the leaders who started before it") {
  Roros r;
  std::this_thread::sleep_for(2500ms);
  // Ingvild Stensli starts on the install day: told. Leaders before it are not.
  std::set<std::string> told;
  for (const auto& m : r.messages("leader.started")) told.insert(m.recipient);
  CHECK(told == std::set<std::string>{"ingvild-stensli"});
}

TEST_CASE("A dated change is applied over what another process stored since the last build, not over the snapshot") {
  Roros r;
  const Person helene = *r.runner->snapshot()->config.find_person("helene-rugelsjoen");
  r.storage->schedule_change(move_to(helene, "skole", LocalDays{2027_y / 6 / 1}, r.clock.now()));
  // arshjul import, in another process, just before midnight: the runner has not rebuilt on it yet.
  r.clock.set(at(2027_y / 6 / 1, 6h));
  {
    auto other = std::move(open_sqlite_storage(r.path)).value();
    Person imported = helene;
    imported.email = "helene@import.no";
    other->store_people({imported}, {}, r.clock.now());
  }
  REQUIRE(r.wait_for([](const Snapshot& s) { return s.config.find_person("helene-rugelsjoen")->unit == "skole"; }));
  CHECK(r.runner->snapshot()->config.find_person("helene-rugelsjoen")->email == "helene@import.no");
}

TEST_CASE("On a reorganisation day the one who joins is announced to the unit's new leader, who hears who led before") {
  Roros r;
  const Config& c = r.runner->snapshot()->config;
  const LocalDays day{2027_y / 4 / 5};
  Person eirik = *c.find_person("eirik-molmann"), magnus = *c.find_person("magnus-lovas"),
         ahmad = *c.find_person("ahmad-rahimi");
  Person eirik_after = eirik, magnus_after = magnus;
  eirik_after.roles = {Role::employee};
  magnus_after.roles = {Role::leader};
  magnus_after.leader_start_date = day;
  r.storage->schedule_change({eirik.id, day, eirik, eirik_after, r.clock.now(), "hr-test"});
  r.storage->schedule_change({magnus.id, day, magnus, magnus_after, r.clock.now(), "hr-test"});
  r.storage->schedule_change(move_to(ahmad, "skole", day, r.clock.now()));
  r.clock.set(at(2027_y / 4 / 5, 6h));
  REQUIRE(r.wait_for([](const Snapshot& s) { return s.config.find_person("ahmad-rahimi")->unit == "skole"; }));

  std::map<std::string, std::string> moved;  // recipient → role
  for (const auto& m : r.messages("person.moved"))
    moved[m.recipient] = std::string(json::parse(m.payload).at("data").at("role").as_string());
  CHECK(moved == std::map<std::string, std::string>{{"hanne-moen", "former_leader"}, {"magnus-lovas", "new_leader"}});
  const auto started = r.messages("leader.started");
  REQUIRE(started.size() == 1);
  CHECK(started[0].recipient == "magnus-lovas");
  const auto data = json::parse(started[0].payload).at("data");
  CHECK(data.at("former_leader").at("id") == "eirik-molmann");
  CHECK(data.at("from") == "2027-04-05");

  AuditQuery q;
  q.action = "person.change_applied";
  q.target = "person/magnus-lovas";
  const auto rows = r.storage->audit(q);
  REQUIRE(rows.size() == 1);
  CHECK(json::parse(rows[0].after).at("leader_start_date") == "2027-04-05");  // the whole record, not only the summary
}

TEST_CASE("A leader moved to lead another unit on a dated day is told what is theirs there") {
  Roros r;
  const Person arne = *r.runner->snapshot()->config.find_person("arne-vintervold");  // leads teknisk
  Person eirik = *r.runner->snapshot()->config.find_person("eirik-molmann");
  Person eirik_after = eirik;
  eirik_after.roles = {Role::employee};
  const LocalDays day{2027_y / 4 / 5};
  r.storage->schedule_change({eirik.id, day, eirik, eirik_after, r.clock.now(), "hr-test"});
  r.storage->schedule_change(move_to(arne, "skole", day, r.clock.now()));
  r.clock.set(at(2027_y / 4 / 5, 6h));
  REQUIRE(r.wait_for([](const Snapshot& s) { return s.config.find_person("arne-vintervold")->unit == "skole"; }));
  const auto started = r.messages("leader.started");
  REQUIRE(started.size() == 1);
  CHECK(started[0].recipient == "arne-vintervold");
  const auto data = json::parse(started[0].payload).at("data");
  CHECK(data.at("unit").at("id") == "skole");
  CHECK(data.at("former_leader").at("id") == "eirik-molmann");
}

TEST_CASE("A dated change is applied on its day although another process commits every fraction of a second") {
  Roros r;
  const Person helene = *r.runner->snapshot()->config.find_person("helene-rugelsjoen");
  r.storage->schedule_change(move_to(helene, "skole", LocalDays{2027_y / 6 / 1}, r.clock.now()));
  std::atomic<bool> stop{false};
  std::thread busy([&] {
    auto other = std::move(open_sqlite_storage(r.path)).value();
    Person hanne = *r.runner->snapshot()->config.find_person("hanne-moen");
    for (int i = 0; !stop; ++i) {
      hanne.email = "hanne" + std::to_string(i) + "@roros.kommune.no";
      other->store_people({hanne}, {}, r.clock.now());
      std::this_thread::sleep_for(200ms);
    }
  });
  r.clock.set(at(2027_y / 6 / 1, 6h));
  const bool applied =
      r.wait_for([](const Snapshot& s) { return s.config.find_person("helene-rugelsjoen")->unit == "skole"; });
  stop = true;
  busy.join();
  CHECK(applied);
}

TEST_CASE("Changes of several days applied after a downtime are told day by day, each from that day's organisation") {
  Roros r;
  const Person ahmad = *r.runner->snapshot()->config.find_person("ahmad-rahimi");  // sykehjem, Hanne Moen
  Person in_skole = ahmad;
  in_skole.unit = "skole";
  r.storage->schedule_change({ahmad.id, LocalDays{2027_y / 4 / 21}, ahmad, in_skole, r.clock.now(), "hr-test"});
  r.storage->schedule_change(move_to(in_skole, "teknisk", LocalDays{2027_y / 4 / 28}, r.clock.now()));
  r.clock.set(at(2027_y / 5 / 5));
  REQUIRE(r.wait_for([](const Snapshot& s) { return s.config.find_person("ahmad-rahimi")->unit == "teknisk"; }));
  std::set<std::string> told;  // on|recipient|role|to
  for (const auto& m : r.messages("person.moved")) {
    const auto d = json::parse(m.payload).at("data");
    told.insert(std::string(d.at("on").as_string()) + "|" + m.recipient + "|" + std::string(d.at("role").as_string()) +
                "|" + std::string(d.at("to_unit").at("id").as_string()));
  }
  CHECK(told == std::set<std::string>{"2027-04-21|hanne-moen|former_leader|skole",
                                      "2027-04-21|eirik-molmann|new_leader|skole",
                                      "2027-04-28|eirik-molmann|former_leader|teknisk",
                                      "2027-04-28|arne-vintervold|new_leader|teknisk"});
}

TEST_CASE("A dated change that starts an acting period a few days before its own day announces it once") {
  Roros r;
  const Person bjorn = *r.runner->snapshot()->config.find_person("bjorn-holm");
  Person acting = bjorn;
  acting.acting = Person::Acting{"teknisk", LocalDays{2027_y / 4 / 8}, LocalDays{2027_y / 6 / 30}};
  r.storage->schedule_change({bjorn.id, LocalDays{2027_y / 4 / 12}, bjorn, acting, r.clock.now(), "hr-test"});
  r.clock.set(at(2027_y / 4 / 12, 6h));
  REQUIRE(r.wait_for([](const Snapshot& s) { return s.config.find_person("bjorn-holm")->acting.has_value(); }));
  std::this_thread::sleep_for(2500ms);  // the tick's own leader check has run too
  std::vector<std::string> from;
  for (const auto& m : r.messages("leader.started"))
    if (m.recipient == "bjorn-holm") from.emplace_back(json::parse(m.payload).at("data").at("from").as_string());
  CHECK(from == std::vector<std::string>{"2027-04-08"});
}

TEST_CASE("A change written right after another process's commit starts from that commit, not from the snapshot before it") {
  Roros r;
  {
    auto other = std::move(open_sqlite_storage(r.path)).value();  // arshjul import, a moment ago
    Person imported = *r.runner->snapshot()->config.find_person("helene-rugelsjoen");
    imported.email = "helene@import.no";
    other->store_people({imported}, {}, r.clock.now());
  }
  // What an API PATCH of her name does on the writer: read her from the snapshot it is handed, store her whole.
  r.runner->write(
      "person helene-rugelsjoen stored",
      [&](Storage& s, const std::shared_ptr<const Snapshot>& current) {
        Person p = *current->config.find_person("helene-rugelsjoen");
        p.name = "Helene Rugelsjøen Aas";
        s.store_people({p}, {}, r.clock.now());
        return true;
      },
      {"helene-rugelsjoen"});
  const Person* now = r.runner->snapshot()->config.find_person("helene-rugelsjoen");
  CHECK(now->name == "Helene Rugelsjøen Aas");
  CHECK(now->email == "helene@import.no");
}
