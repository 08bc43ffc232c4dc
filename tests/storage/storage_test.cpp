#include <catch2/catch.hpp>

#include <map>

#include <atomic>
#include <filesystem>
#include <thread>
#include <fstream>

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scheduler/config_files.h"
#include "tests/fixtures.h"
#include "storage/storage.h"

using namespace arshjul;
using namespace date::literals;
using namespace std::chrono_literals;

namespace {

struct TempDb {
  std::string path;
  TempDb() {
    path = (std::filesystem::temp_directory_path() /
            ("arshjul-test-" + std::to_string(::getpid()) + "-" +
             std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".db"))
               .string();
    std::filesystem::remove(path);
  }
  ~TempDb() {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
  }
};

using test::mini;

const LocalDays kFrom{2027_y / 1 / 1}, kTo{2027_y / 12 / 31};
const SysSeconds kNow{date::sys_days{2026_y / 12 / 1}};

std::unique_ptr<Storage> open(const TempDb& db) {
  auto s = open_sqlite_storage(db.path);
  REQUIRE(s);
  return std::move(s).value();
}

const StoredOccurrence* find(const std::vector<StoredOccurrence>& v, const std::string& uid) {
  for (const auto& s : v)
    if (s.uid == uid) return &s;
  return nullptr;
}

}  // namespace

TEST_CASE("Opening a new database applies every migration") {
  TempDb db;
  auto s = open(db);
  CHECK(s->schema_version() == 16);
  s.reset();
  CHECK(open(db)->schema_version() == 16);  // reopening applies nothing twice
}

TEST_CASE("Storing the same config twice changes nothing") {
  TempDb db;
  auto s = open(db);
  const Config c = mini();
  const Expansion e = expand(c, kFrom, kTo);
  const SyncStats first = s->sync("mini", e, kFrom, kTo, kNow);
  CHECK(first.inserted == static_cast<int>(e.occurrences.size()));
  const SyncStats second = s->sync("mini", e, kFrom, kTo, kNow + 1h);
  CHECK_FALSE(second.any_change());
  CHECK(second.unchanged == first.inserted);
  for (const auto& o : s->occurrences("mini", kFrom, kTo)) CHECK(o.sequence == 0);
}

TEST_CASE("A changed meeting time raises SEQUENCE and keeps the UID") {
  TempDb db;
  auto s = open(db);
  Config c = mini();
  s->sync("mini", expand(c, kFrom, kTo), kFrom, kTo, kNow);
  c.wheels[0].activities[0].location = "Kommunestyresalen";
  const SyncStats st = s->sync("mini", expand(c, kFrom, kTo), kFrom, kTo, kNow + 1h);
  CHECK(st.changed == 11);  // every placed drofting meeting of 2027
  CHECK(st.inserted == 0);
  const auto rows = s->occurrences("mini", kFrom, kTo);
  const auto* o = find(rows, "drofting.20270118@mini.arshjul");
  REQUIRE(o);
  CHECK(o->sequence == 1);
  CHECK(o->location == "Kommunestyresalen");
}

TEST_CASE("An activity removed from the config is cancelled, not deleted, and can come back") {
  TempDb db;
  auto s = open(db);
  Config c = mini();
  s->sync("mini", expand(c, kFrom, kTo), kFrom, kTo, kNow);
  Config without = c;
  without.wheels[0].activities.erase(without.wheels[0].activities.begin());
  const SyncStats st = s->sync("mini", expand(without, kFrom, kTo), kFrom, kTo, kNow + 1h);
  CHECK(st.cancelled == 11);
  const auto after_removal = s->occurrences("mini", kFrom, kTo);
  const auto* o = find(after_removal, "drofting.20270118@mini.arshjul");
  REQUIRE(o);
  CHECK(o->cancelled);
  CHECK(o->sequence == 1);
  // Cancelling again is not another change.
  CHECK_FALSE(s->sync("mini", expand(without, kFrom, kTo), kFrom, kTo, kNow + 2h).any_change());
  const SyncStats back = s->sync("mini", expand(c, kFrom, kTo), kFrom, kTo, kNow + 3h);
  CHECK(back.restored == 11);
  const auto after_return = s->occurrences("mini", kFrom, kTo);
  o = find(after_return, "drofting.20270118@mini.arshjul");
  REQUIRE(o);
  CHECK_FALSE(o->cancelled);
  CHECK(o->sequence == 2);
}

// ---- history: what has ended by `now` stays as it was held ---------------------

namespace {
const SysSeconds kJune{date::sys_days{2027_y / 6 / 1}};  // drofting Jan-May and virksomhetsmote in Feb have ended

// mini with drofting at 10:00 instead of 09:00 and virksomhetsmote gone.
Config mini_moved_and_removed() {
  Config c = mini();
  c.wheels[0].activities[0].start = std::chrono::hours{10};
  c.wheels[0].activities.erase(c.wheels[0].activities.begin() + 1);
  return c;
}
}  // namespace

TEST_CASE("A sync leaves an occurrence that has ended as it was held, while those ahead follow the config") {
  TempDb db;
  auto s = open(db);
  s->sync("mini", expand(mini(), kFrom, kTo), kFrom, kTo, kNow);
  const auto before = s->occurrences("mini", kFrom, kTo);
  const SyncStats st = s->sync("mini", expand(mini_moved_and_removed(), kFrom, kTo), kFrom, kTo, kJune);
  CHECK(st.kept_past == 7);  // drofting 18.1., 15.2., 15.3., 19.4., 18.5.; virksomhetsmote 17.2. at two units
  CHECK(st.changed == 6);    // drofting from June
  CHECK(st.cancelled == 4);  // virksomhetsmote 17.8. and 17.11. at two units
  const auto after = s->occurrences("mini", kFrom, kTo);
  for (const char* uid : {"drofting.20270118@mini.arshjul", "drofting.20270517@mini.arshjul",
                          "virksomhetsmote.skole.20270217@mini.arshjul"}) {
    INFO(uid);
    const auto* was = find(before, uid);
    const auto* now = find(after, uid);
    REQUIRE(was);
    REQUIRE(now);
    CHECK(now->sequence == 0);
    CHECK_FALSE(now->cancelled);
    CHECK(now->start == was->start);
    CHECK(now->end == was->end);
    CHECK(now->title == was->title);
    CHECK(now->description == was->description);
    CHECK(now->updated == was->updated);
  }
  const auto* june = find(after, "drofting.20270621@mini.arshjul");
  REQUIRE(june);
  CHECK(june->sequence == 1);
  CHECK(june->start == find(before, june->uid)->start + 1h);
  const auto* august = find(after, "virksomhetsmote.skole.20270817@mini.arshjul");
  REQUIRE(august);
  CHECK(august->cancelled);
  CHECK(august->sequence == 1);
  for (const auto& uid : st.changed_uids) CHECK(find(after, uid)->end > kJune);
  for (const auto& uid : st.cancelled_uids) CHECK(find(after, uid)->end > kJune);
  // History stays history: syncing the same again changes nothing.
  CHECK_FALSE(s->sync("mini", expand(mini_moved_and_removed(), kFrom, kTo), kFrom, kTo, kJune + 1h).any_change());
}

TEST_CASE("A sync does not bring back an occurrence cancelled before it would have taken place") {
  TempDb db;
  auto s = open(db);
  Config without = mini();
  without.wheels[0].activities.erase(without.wheels[0].activities.begin());
  s->sync("mini", expand(mini(), kFrom, kTo), kFrom, kTo, kNow);
  s->sync("mini", expand(without, kFrom, kTo), kFrom, kTo, kNow + 1h);
  const SyncStats back = s->sync("mini", expand(mini(), kFrom, kTo), kFrom, kTo, kJune);
  CHECK(back.restored == 6);  // June on
  CHECK(back.kept_past == 5);
  const auto rows = s->occurrences("mini", kFrom, kTo);
  CHECK(find(rows, "drofting.20270118@mini.arshjul")->cancelled);
  CHECK_FALSE(find(rows, "drofting.20270621@mini.arshjul")->cancelled);
}

TEST_CASE("A stored occurrence keeps its description, and a cancelled one HR's reason or none") {
  TempDb db;
  auto s = open(db);
  const Config c = mini();
  Expansion e = expand(c, kFrom, kTo);
  s->sync("mini", e, kFrom, kTo, kNow);
  const std::string march = "drofting.20270315@mini.arshjul", april = "drofting.20270419@mini.arshjul";
  const std::string agenda = find(s->occurrences("mini", kFrom, kTo), march)->description;
  CHECK_THAT(agenda, Catch::Contains("Agenda:\n1. Orientering"));
  CHECK(find(s->occurrences("mini", kFrom, kTo), march)->wheel_name == "Partssamarbeid");
  Override ov;
  ov.kind = Override::Kind::cancel;
  ov.uid = march;
  ov.reason = "Kollisjon med budsjettmøtet";
  s->add_override(ov, nullptr);
  apply_overrides(e, s->overrides());
  std::erase_if(e.occurrences, [&](const Occurrence& o) { return o.uid == april; });  // as if the config dropped it
  s->sync("mini", e, kFrom, kTo, kNow + 1h);
  const auto rows = s->occurrences("mini", kFrom, kTo);
  CHECK(find(rows, march)->cancelled);
  CHECK(find(rows, march)->cancel_reason == ov.reason);
  CHECK(find(rows, march)->description == agenda);
  CHECK(find(rows, april)->cancelled);
  CHECK(find(rows, april)->cancel_reason.empty());
  CHECK_THAT(find(rows, april)->description, Catch::Contains("Agenda:"));
}

TEST_CASE("A row stored before descriptions were gets its description on the next sync, past ones too, as no change") {
  TempDb db;
  auto s = open(db);
  const Config c = mini();
  const Expansion e = expand(c, kFrom, kTo);
  s->sync("mini", e, kFrom, kTo, kNow);
  {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(db.path.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw, "UPDATE occurrence SET description='', wheel_name=''", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
    sqlite3_close(raw);
  }
  const SyncStats st = s->sync("mini", e, kFrom, kTo, kJune);
  CHECK_FALSE(st.any_change());
  CHECK(st.kept_past == 0);
  for (const auto& o : s->occurrences("mini", kFrom, kTo)) {
    INFO(o.uid);
    CHECK_FALSE(o.description.empty());
    CHECK(o.wheel_name == "Partssamarbeid");
    CHECK(o.sequence == 0);
  }
}

TEST_CASE("Upgrading to schema 6 gives the cancellations already stored HR's reason") {
  TempDb db;
  {
    auto s = open(db);
    const Config c = mini();
    Expansion e = expand(c, kFrom, kTo);
    s->sync("mini", e, kFrom, kTo, kNow);
    Override ov;
    ov.kind = Override::Kind::cancel;
    ov.uid = "drofting.20270315@mini.arshjul";
    ov.reason = "Kollisjon med budsjettmøtet";
    s->add_override(ov, nullptr);
    apply_overrides(e, s->overrides());
    s->sync("mini", e, kFrom, kTo, kNow + 1h);
    s->sync_tasks({Task{"o|u|a", "samtaler", "o", "u", "leder", "a", kNow + 24h}}, kNow, kNow);
  }
  {
    // Back to version 5, as a database written before this version was.
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(db.path.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw,
                         "DROP TABLE registration_gone; DROP TABLE person_change; "  // versions 16, 15
                         "DROP INDEX task_by_updated; ALTER TABLE task DROP COLUMN updated_utc; DROP INDEX outbox_by_updated; "  // version 14
                         "ALTER TABLE outbox DROP COLUMN updated_utc; DROP INDEX person_by_updated; DROP INDEX registration_by_updated; "
                         "DROP TRIGGER subscription_added; DROP TRIGGER subscription_changed; "  // version 13
                         "DROP TRIGGER subscription_removed; DROP TABLE subscription_stamp; "
                         "ALTER TABLE occurrence DROP COLUMN description; ALTER TABLE occurrence DROP COLUMN wheel_name; "
                         "ALTER TABLE occurrence DROP COLUMN cancel_reason; DELETE FROM schema_migrations WHERE version >= 7; "
                         "DROP TABLE audit; ALTER TABLE subscription DROP COLUMN created_by; "  // and versions 8, 9
                         "DROP TABLE web_session; DROP TABLE pending_sign_in; DROP INDEX subscription_by_owner; "
                         "ALTER TABLE subscription DROP COLUMN owner; ALTER TABLE task DROP COLUMN kind; "  // and 11
                         "DROP INDEX task_by_subject",  // and 12
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
  }
  auto s = open(db);
  CHECK(s->schema_version() == 16);
  const auto rows = s->occurrences("mini", kFrom, kTo);
  CHECK(find(rows, "drofting.20270315@mini.arshjul")->cancel_reason == "Kollisjon med budsjettmøtet");
  CHECK(find(rows, "drofting.20270419@mini.arshjul")->cancel_reason.empty());
  const auto tasks = s->tasks();
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0].task.kind == TaskKind::follow_up);  // stored before tasks had kinds (version 11)
}

TEST_CASE("A sync touches only its own period") {
  TempDb db;
  auto s = open(db);
  const Config c = mini();
  const LocalDays y2028{2028_y / 1 / 1}, y2028e{2028_y / 12 / 31};
  s->sync("mini", expand(c, kFrom, y2028e), kFrom, y2028e, kNow);
  // Syncing 2028 alone with nothing in it must not cancel 2027.
  const SyncStats st = s->sync("mini", Expansion{}, y2028, y2028e, kNow);
  CHECK(st.cancelled > 0);
  for (const auto& o : s->occurrences("mini", kFrom, kTo)) CHECK_FALSE(o.cancelled);
}

TEST_CASE("A file that is not a database is a clear error") {
  TempDb db;
  {
    std::ofstream f(db.path);
    f << "this is not sqlite, just text that is long enough to be read as a header";
  }
  auto s = open_sqlite_storage(db.path);
  REQUIRE_FALSE(s);
  CHECK_THAT(s.error(), Catch::Contains(db.path));
}

TEST_CASE("Stored people keep every field, and a removal hides even a person the config knows") {
  TempDb db;
  auto s = open(db);
  Person p;
  p.id = "kari";
  p.name = "Kari Nordmann";
  p.unit = "skole";
  p.roles = {Role::plasstillitsvalgt, Role::employee};
  p.union_name = "Utdanningsforbundet";
  p.committees = {{"amu"}, {"ia-utvalg", LocalDays{2027_y / 1 / 1}, LocalDays{2028_y / 12 / 31}}};
  p.start_date = LocalDays{2027_y / 3 / 1};
  p.manager = "ola";
  s->store_people({p}, {}, kNow);
  s->store_people({}, {"ola"}, kNow);
  const auto people = s->people();
  REQUIRE(people.size() == 2);
  const StoredPerson& kari = people[0];
  CHECK(kari.person.id == "kari");
  CHECK(kari.person.roles == p.roles);
  CHECK(kari.person.committees == p.committees);
  CHECK(kari.person.union_name == "Utdanningsforbundet");
  CHECK(kari.person.start_date == p.start_date);
  CHECK_FALSE(kari.person.leader_start_date);
  CHECK(kari.person.manager == "ola");
  CHECK_FALSE(kari.removed);
  CHECK(people[1].person.id == "ola");
  CHECK(people[1].removed);
  s->store_people({p}, {}, kNow);  // back again
  CHECK_FALSE(s->people()[0].removed);
}

TEST_CASE("A dated change keeps the person before and after it, one per person and day, until dropped") {
  TempDb db;
  auto s = open(db);
  Person before;
  before.id = "kari";
  before.name = "Kari Nordmann";
  before.unit = "skole";
  before.roles = {Role::leader};
  before.committees = {{"amu", LocalDays{2027_y / 1 / 1}, std::nullopt}};
  before.acting = Person::Acting{"helse", LocalDays{2027_y / 5 / 1}, LocalDays{2027_y / 5 / 31}};
  Person after = before;
  after.unit = "helse";
  after.leader_start_date = LocalDays{2027_y / 6 / 1};
  s->schedule_change({"kari", LocalDays{2027_y / 6 / 1}, before, after, kNow, "hr-test"});
  Person later = after;
  later.email = "kari@helse.no";
  s->schedule_change({"kari", LocalDays{2027_y / 9 / 1}, after, later, kNow, "hr-test"});
  s->schedule_change({"kari", LocalDays{2027_y / 9 / 1}, after, later, kNow, "hr-test"});  // the same day again: replaced

  const auto all = s->scheduled_changes();
  REQUIRE(all.size() == 2);
  CHECK(all[0].effective == LocalDays{2027_y / 6 / 1});
  CHECK(all[0].before == before);
  CHECK(all[0].after == after);
  CHECK(all[0].actor == "hr-test");
  CHECK(all[0].created == kNow);
  CHECK(all[1].after == later);
  CHECK(s->scheduled_changes("kari", LocalDays{2027_y / 8 / 31}).size() == 1);
  CHECK(s->scheduled_changes("ola").empty());
  CHECK(s->drop_scheduled_change("kari", LocalDays{2027_y / 6 / 1}));
  CHECK_FALSE(s->drop_scheduled_change("kari", LocalDays{2027_y / 6 / 1}));
  CHECK(s->scheduled_changes().size() == 1);
  CHECK(s->people().empty());  // nothing stored as the person until its day
}

TEST_CASE("An extra occurrence's override gets a UID built from its own id") {
  TempDb db;
  auto s = open(db);
  Override ov;
  ov.kind = Override::Kind::extra;
  ov.activity = "amu";
  ov.reason = "To medlemmer ba om møte";
  const Override stored = s->add_override(ov, [](long long id) { return "extra-" + std::to_string(id) + ".amu"; });
  CHECK(stored.id > 0);
  CHECK(stored.uid == "extra-" + std::to_string(stored.id) + ".amu");
  const auto all = s->overrides();
  REQUIRE(all.size() == 1);
  CHECK(all[0].uid == stored.uid);
  CHECK(all[0].kind == Override::Kind::extra);
  CHECK(all[0].reason == ov.reason);
}

TEST_CASE("Saving registrations replaces the whole set") {
  TempDb db;
  auto s = open(db);
  const LocalDays d1{2027_y / 2 / 10}, d2{2027_y / 4 / 14};
  s->save_registrations({{"ansattdag", "a", "d1", d1}, {"ansattdag", "b", "d1", d1}}, kNow);
  s->save_registrations({{"ansattdag", "b", "d2", d2}, {"ansattdag", "c", "", std::nullopt}}, kNow);
  const auto regs = s->registrations();
  REQUIRE(regs.size() == 2);
  CHECK((regs[0].person == "b" && regs[0].occurrence_uid == "d2"));
  CHECK((regs[1].person == "c" && regs[1].occurrence_uid.empty()));
}

TEST_CASE("A registration keeps its occurrence's day, and a waiting one has none") {
  TempDb db;
  auto s = open(db);
  const LocalDays feb10{2027_y / 2 / 10};
  s->save_registrations({{"ansattdag", "a", "some-uid", std::nullopt}, {"ansattdag", "c", "", std::nullopt}}, kNow);
  s->save_registrations({{"ansattdag", "a", "some-uid", feb10}, {"ansattdag", "c", "", std::nullopt}}, kNow);
  const auto regs = s->registrations();
  REQUIRE(regs.size() == 2);
  CHECK(regs[0].occurrence_day == feb10);  // a day filled in later is stored, though the UID is the same
  CHECK_FALSE(regs[1].occurrence_day);
}

TEST_CASE("Registrations stored before their day was get it from their UID once, when the database is migrated") {
  TempDb db;
  open(db).reset();
  {
    // Back to the schema of version 4, with rows as that version wrote them.
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(db.path.c_str(), &raw) == SQLITE_OK);
    const char* sql =
        "DELETE FROM schema_migrations WHERE version >= 5;"
        "DROP TABLE registration_gone; DROP TABLE person_change; "  // versions 16, 15
        "DROP INDEX task_by_updated; ALTER TABLE task DROP COLUMN updated_utc; DROP INDEX outbox_by_updated; "  // version 14
        "ALTER TABLE outbox DROP COLUMN updated_utc; DROP INDEX person_by_updated; DROP INDEX registration_by_updated; "
        "DROP TRIGGER subscription_added; DROP TRIGGER subscription_changed; DROP TRIGGER subscription_removed;"
        "DROP TABLE subscription_stamp;"  // version 13
        "DROP TABLE audit;"  // version 8
        "ALTER TABLE subscription DROP COLUMN created_by;"
        "DROP TABLE web_session; DROP TABLE pending_sign_in;"  // version 9
        "DROP INDEX subscription_by_owner; ALTER TABLE subscription DROP COLUMN owner;"
        "DROP INDEX task_by_subject;"  // version 12
        "ALTER TABLE task DROP COLUMN kind;"  // version 11
        "ALTER TABLE registration DROP COLUMN occurrence_day;"
        "ALTER TABLE person DROP COLUMN leader_end_date;"  // version 6
        "ALTER TABLE person DROP COLUMN acting;"
        "ALTER TABLE occurrence DROP COLUMN description;"  // version 7
        "ALTER TABLE occurrence DROP COLUMN wheel_name;"
        "ALTER TABLE occurrence DROP COLUMN cancel_reason;"
        "INSERT INTO registration (activity, person, occurrence_uid, updated_utc) VALUES "
        "('ansattdag', 'a', 'ansattdag.20270210@roros.arshjul', 0),"
        "('ansattdag', 'b', 'ansattdag.sykehjem.20271013@roros.arshjul', 0),"
        "('ansattdag', 'c', '', 0),"
        "('ansattdag', 'd', 'not-one-of-ours@example.org', 0),"
        "('ansattdag', 'e', 'ansattdag.20270230@roros.arshjul', 0);";
    char* err = nullptr;
    const int rc = sqlite3_exec(raw, sql, nullptr, nullptr, &err);
    INFO((err ? err : ""));
    sqlite3_free(err);
    sqlite3_close(raw);
    REQUIRE(rc == SQLITE_OK);
  }
  auto s = open(db);
  CHECK(s->schema_version() == 16);
  const auto regs = s->registrations();
  REQUIRE(regs.size() == 5);
  CHECK(regs[0].occurrence_day == LocalDays{2027_y / 2 / 10});
  CHECK(regs[1].occurrence_day == LocalDays{2027_y / 10 / 13});
  CHECK_FALSE(regs[2].occurrence_day);  // waiting
  CHECK_FALSE(regs[3].occurrence_day);  // no day in it
  CHECK_FALSE(regs[4].occurrence_day);  // 30 February is no day
}

TEST_CASE("A task sync keeps completed tasks, cancels open ones no longer expected, and brings them back") {
  TempDb db;
  auto s = open(db);
  const SysSeconds due = kNow + 24h * 60;
  const Task a{"o|u|a", "samtaler", "o", "u", "leder", "a", due};
  const Task b{"o|u|b", "samtaler", "o", "u", "leder", "b", due};
  s->sync_tasks({a, b}, kNow, kNow);
  auto tasks = s->tasks();
  REQUIRE(tasks.size() == 2);
  CHECK(s->complete_task(tasks[0].id, "hr", kNow));
  CHECK_FALSE(s->complete_task(9999, "hr", kNow));
  s->sync_tasks({}, kNow, kNow);  // both gone from the roster
  tasks = s->tasks();
  REQUIRE(tasks.size() == 1);  // the completed one stays; the open one is cancelled
  CHECK(tasks[0].task.key == "o|u|a");
  CHECK(tasks[0].completed);
  s->sync_tasks({a, b}, kNow, kNow);
  CHECK(s->tasks().size() == 2);
}

TEST_CASE("An overdue task keeps its assignee when another leader takes over and one still ahead goes to the new one") {
  TempDb db;
  auto s = open(db);
  const Task past{"o|u|a", "samtaler", "o", "u", "gammel-leder", "a", kNow + 24h};
  const Task ahead{"o2|u|a", "samtaler", "o2", "u", "gammel-leder", "a", kNow + 24h * 60};
  s->sync_tasks({past, ahead}, kNow, kNow);
  // Ten days on, a new leader: the config now gives both tasks to them.
  const SysSeconds later = kNow + 24h * 10;
  Task past_now = past, ahead_now = ahead;
  past_now.assignee = ahead_now.assignee = "ny-leder";
  s->sync_tasks({past_now, ahead_now}, later, later);
  std::map<std::string, std::string> by_key;
  for (const TaskState& t : s->tasks()) by_key[t.task.key] = t.task.assignee;
  CHECK(by_key["o|u|a"] == "gammel-leder");
  CHECK(by_key["o2|u|a"] == "ny-leder");
  // An assignee who has left the roster cannot act on it: it is handed over.
  Task left = past_now;
  left.key = "o3|u|a";
  left.assignee = "gammel-leder";
  s->sync_tasks({past_now, ahead_now, left}, later, later);
  left.assignee = "ny-leder";
  s->sync_tasks({past_now, ahead_now, left}, later, later, nullptr,
                [](std::string_view id) { return id != "gammel-leder"; });
  for (const TaskState& t : s->tasks()) {
    if (t.task.key == "o3|u|a") CHECK(t.task.assignee == "ny-leder");
    if (t.task.key == "o|u|a") CHECK(t.task.assignee == "ny-leder");  // its assignee left too
  }
  // A deadline moved ahead again makes it the new leader's after all.
  past_now.due = later + 24h * 5;
  s->sync_tasks({past_now, ahead_now}, later, later);
  for (const TaskState& t : s->tasks())
    if (t.task.key == "o|u|a") CHECK(t.task.assignee == "ny-leder");
}

TEST_CASE("A person who moves unit after a deadline leaves that task with the leader who owed it, done or not") {
  TempDb db;
  auto s = open(db);
  const Task overdue{"o|sykehjem|a", "samtaler", "o", "sykehjem", "hanne", "a", kNow + 24h};
  const Task done{"o|sykehjem|b", "samtaler", "o", "sykehjem", "hanne", "b", kNow + 24h};
  const Task ahead{"o2|sykehjem|a", "samtaler", "o2", "sykehjem", "hanne", "a", kNow + 24h * 60};
  s->sync_tasks({overdue, done, ahead}, kNow, kNow);
  for (const TaskState& t : s->tasks())
    if (t.task.key == done.key) REQUIRE(s->complete_task(t.id, "hanne", kNow));
  // Ten days on, both are in skole: the config expects their tasks under skole's keys.
  const SysSeconds later = kNow + 24h * 10;
  auto in_skole = [](Task t) {
    t.key = t.occurrence_uid + "|skole|" + t.subject;
    t.unit = "skole";
    t.assignee = "eirik";
    return t;
  };
  s->sync_tasks({in_skole(overdue), in_skole(done), in_skole(ahead)}, kNow, later);
  std::map<std::string, std::pair<std::string, bool>> by_key;
  for (const TaskState& t : s->tasks()) by_key[t.task.key] = {t.task.assignee, t.completed};
  CHECK(by_key.size() == 3);
  CHECK(by_key["o|sykehjem|a"] == std::pair<std::string, bool>{"hanne", false});
  CHECK(by_key["o|sykehjem|b"] == std::pair<std::string, bool>{"hanne", true});
  CHECK(by_key["o2|skole|a"] == std::pair<std::string, bool>{"eirik", false});
  CHECK_FALSE(by_key.count("o|skole|a"));
}

TEST_CASE("A person who moves back to a unit after a deadline does not revive that unit's cancelled task") {
  TempDb db;
  auto s = open(db);
  const SysSeconds due = kNow + 24h * 20;
  const Task in_a{"o|a|p", "samtaler", "o", "a", "leder-a", "p", due};
  const Task in_b{"o|b|p", "samtaler", "o", "b", "leder-b", "p", due};
  s->sync_tasks({in_a}, kNow, kNow);
  s->sync_tasks({in_b}, kNow, kNow + 24h);       // moved to b before the deadline: a's task cancelled
  s->sync_tasks({in_a}, kNow, kNow + 24h * 2);   // back to a, still before it: a's again, b's cancelled
  s->sync_tasks({in_b}, kNow, kNow + 24h * 30);  // to b after the deadline: a's leader still owes it
  std::map<std::string, std::string> open;
  for (const TaskState& t : s->tasks()) open[t.task.key] = t.task.assignee;
  CHECK(open == std::map<std::string, std::string>{{"o|a|p", "leder-a"}});
}

TEST_CASE("A removed person's dated changes are dropped with them") {
  TempDb db;
  auto s = open(db);
  Person p;
  p.id = "kari";
  p.name = "Kari";
  p.unit = "skole";
  s->store_people({p}, {}, kNow);
  Person after = p;
  after.unit = "helse";
  s->schedule_change({"kari", LocalDays{2027_y / 6 / 1}, p, after, kNow, "hr"});
  s->store_people({}, {"kari"}, kNow);
  CHECK(s->scheduled_changes().empty());
}

TEST_CASE("A meeting's minutes stay owed when the horizon moves past the meeting, and go when it is cancelled") {
  TempDb db;
  auto s = open(db);
  const Config c = mini();
  Expansion e = expand(c, kFrom, kTo);
  s->sync("mini", e, kFrom, kTo, kNow);
  const Occurrence& o = e.occurrences.front();
  const Task minutes{o.uid + "|u|#minutes", o.activity->id, o.uid, "u", "leder", "", o.end + 24h * 7, TaskKind::minutes};
  s->sync_tasks({minutes}, kNow, kNow);
  REQUIRE(s->tasks().size() == 1);
  // New Year: the horizon starts after the meeting, which is no longer expanded.
  s->sync_tasks({}, o.end, kNow);
  CHECK(s->tasks().size() == 1);

  Override ov;
  ov.kind = Override::Kind::cancel;
  ov.uid = o.uid;
  ov.reason = "Ingen saker";
  s->add_override(ov, nullptr);
  apply_overrides(e, s->overrides());
  s->sync("mini", e, kFrom, kTo, kNow + 1h);
  s->sync_tasks({}, o.end, kNow);
  CHECK(s->tasks().empty());
}

TEST_CASE("A meeting's paperwork already past due when first expected is not stored, but a follow-up is") {
  TempDb db;
  auto s = open(db);
  const Task documents{"o|u|#documents", "amu", "o", "u", "leder", "", kNow - 1h, TaskKind::documents};
  const Task appraisal{"o|u|a", "samtaler", "o", "u", "leder", "a", kNow - 1h};
  s->sync_tasks({documents, appraisal}, kNow - 24h * 365, kNow);
  const auto tasks = s->tasks();
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0].task.key == "o|u|a");
}

TEST_CASE("API tokens are found by their hash, with their role") {
  TempDb db;
  auto s = open(db);
  s->add_api_token("hash-1", "read", "rapport", kNow);
  const auto t = s->api_token("hash-1");
  REQUIRE(t);
  CHECK(t->role == "read");
  CHECK(t->name == "rapport");
  CHECK_FALSE(s->api_token("hash-2"));
}

TEST_CASE("An outbox row records when it was enqueued, not when it is due") {
  TempDb db;
  auto s = open(db);
  OutboxMessage m;
  m.key = "reminder.due|x|0|2d|kari";
  m.hook = "h";
  m.webhook_id = "msg_1";
  m.event_type = "reminder.due";
  m.payload = "{}";
  m.due = m.next_attempt = kNow + date::days{31};
  REQUIRE(s->enqueue({m}, kNow) == 1);
  const auto rows = s->outbox("", 10);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].created.time_since_epoch().count() == kNow.time_since_epoch().count());
  CHECK(rows[0].due.time_since_epoch().count() == m.due.time_since_epoch().count());
  // Planned again later, the row keeps the time it was first created.
  CHECK(s->enqueue({m}, kNow + 24h) == 0);
  CHECK(s->outbox("", 10)[0].created.time_since_epoch().count() == kNow.time_since_epoch().count());
}

TEST_CASE("A write that SQLite itself rolled back fails with its own cause, not with the ROLLBACK's") {
  TempDb db;
  auto storage = open(db);
  {
    // RAISE(ROLLBACK) ends the transaction inside SQLite, as a full disk or
    // an I/O error may: a second ROLLBACK then fails with "no transaction is active".
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(db.path.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw,
                         "CREATE TRIGGER disk_full BEFORE INSERT ON person "
                         "BEGIN SELECT RAISE(ROLLBACK, 'database or disk is full'); END",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
  }
  Person p;
  p.id = "kari";
  p.name = "Kari";
  std::string error;
  try {
    storage->store_people({p}, {}, kNow);
  } catch (const std::exception& e) {
    error = e.what();
  }
  CHECK_THAT(error, Catch::Contains("database or disk is full"));
  CHECK_THAT(error, !Catch::Contains("no transaction is active"));
  // The connection is usable afterwards: nothing is left half open.
  CHECK(storage->people().empty());
  CHECK_NOTHROW(storage->set_setting("k", "v"));
}

TEST_CASE("A new database and its WAL are readable by their owner only, whatever the umask") {
  TempDb db;
  const mode_t old_umask = ::umask(022);
  auto s = open(db);
  ::umask(old_umask);
  s->set_setting("feed_secret", "x");  // a write, so the WAL exists
  using std::filesystem::perms;
  const auto others = perms::group_all | perms::others_all;
  CHECK((std::filesystem::status(db.path).permissions() & others) == perms::none);
  REQUIRE(std::filesystem::exists(db.path + "-wal"));
  CHECK((std::filesystem::status(db.path + "-wal").permissions() & others) == perms::none);
}

TEST_CASE("API tokens are listed by id with their revocation, and a token is revoked once") {
  TempDb db;
  auto s = open(db);
  const long long hr = s->add_api_token("hash-hr", "hr", "HR", kNow);
  const long long reader = s->add_api_token("hash-read", "read", "", kNow);
  CHECK(s->revoke_api_token(reader, kNow + 1h) == TokenRevocation::revoked);
  CHECK(s->revoke_api_token(reader, kNow + 2h) == TokenRevocation::already_revoked);
  CHECK(s->revoke_api_token(99, kNow) == TokenRevocation::not_found);
  const auto tokens = s->api_tokens();
  REQUIRE(tokens.size() == 2);
  CHECK((tokens[0].id == hr && tokens[0].role == "hr" && tokens[0].name == "HR" && !tokens[0].revoked));
  CHECK((tokens[1].id == reader && tokens[1].revoked == kNow + 1h));
  CHECK_FALSE(s->api_token("hash-read"));
  CHECK(s->api_token("hash-hr"));
}

TEST_CASE("A write probe commits, and names the lock another connection holds") {
  TempDb db;
  auto storage = open(db);
  CHECK(storage->probe_write(100ms) == std::nullopt);
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.path.c_str(), &raw) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(storage->probe_write(100ms) == std::optional<std::string>("database is locked"));
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);  // its own busy timeout, not the 5 s of other writes
  sqlite3_exec(raw, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(raw);
  CHECK(storage->probe_write(100ms) == std::nullopt);
}

TEST_CASE("A backup is a checked copy with every row, written while the database stays open") {
  TempDb db, copy;
  auto storage = open(db);
  Person p;
  p.id = "kari";
  p.name = "Kari";
  storage->store_people({p}, {}, kNow);
  storage->add_subscription("hash", "all", kNow);
  auto done = backup_sqlite(db.path, copy.path);
  REQUIRE(done);
  CHECK(done->path == copy.path);
  CHECK(done->schema_version == 16);
  CHECK(done->pages > 0);
  CHECK(done->bytes == static_cast<long long>(std::filesystem::file_size(copy.path)));
  CHECK_FALSE(std::filesystem::exists(copy.path + ".tmp"));
  auto restored = open(copy);
  REQUIRE(restored->people().size() == 1);
  CHECK(restored->people()[0].person.id == "kari");
  CHECK(restored->subscription_revoked("hash") == std::optional<bool>(false));
}

TEST_CASE("A backup over the database itself, or of no database, is refused with the file named") {
  TempDb db, copy;
  auto storage = open(db);
  auto itself = backup_sqlite(db.path, db.path);
  REQUIRE_FALSE(itself);
  CHECK_THAT(itself.error(), Catch::Contains(db.path) && Catch::Contains("is the database itself"));
  auto none = backup_sqlite(copy.path, db.path + ".copy");
  REQUIRE_FALSE(none);
  CHECK_THAT(none.error(), Catch::Contains(copy.path + ": no such database"));
  CHECK(storage->schema_version() == 16);  // untouched
}

namespace {

// One outbox row of `hook` due at `due`, for `uid` ("" none); returns its id.
long long put_message(Storage& s, const std::string& key, const std::string& hook, SysSeconds due,
                      const std::string& uid = "") {
  OutboxMessage m;
  m.key = key;
  m.hook = hook;
  m.webhook_id = "msg_" + key;
  m.event_type = "reminder.due";
  m.occurrence_uid = uid;
  m.payload = "{}";
  m.due = m.next_attempt = due;
  REQUIRE(s.enqueue({m}, due) == 1);
  return s.outbox("", 1).front().id;
}

}  // namespace

TEST_CASE("Replaying dead letters in bulk takes the dead ones of that hook due in the period, and only those") {
  TempDb db;
  auto s = open(db);
  const SysSeconds jan10 = SysSeconds{date::sys_days{2027_y / 1 / 10}} + 8h;
  const long long in = put_message(*s, "a", "epost", jan10);
  const long long other_hook = put_message(*s, "b", "teams", jan10);
  const long long too_early = put_message(*s, "c", "epost", jan10 - date::days{20});
  const long long sent = put_message(*s, "d", "epost", jan10);
  const long long pending = put_message(*s, "e", "epost", jan10);
  for (long long id : {in, other_hook, too_early}) s->mark_failed(id, 8, jan10, "HTTP 500", true, jan10);
  s->mark_sent(sent, jan10);

  const SysSeconds later = jan10 + date::days{30};
  CHECK(s->retry_dead("epost", jan10 - date::days{1}, jan10 + date::days{1}, later) == 1);
  const auto replayed = s->outbox_message(in);
  CHECK(replayed->status == "pending");
  CHECK(replayed->attempts == 0);
  CHECK(replayed->last_error.empty());
  CHECK(replayed->next_attempt == later);
  CHECK(s->outbox_message(other_hook)->status == "dead");
  CHECK(s->outbox_message(too_early)->status == "dead");
  CHECK(s->outbox_message(sent)->status == "sent");
  CHECK(s->outbox_message(pending)->attempts == 0);

  // Every hook, any time: the rest.
  CHECK(s->retry_dead("", SysSeconds{}, later + date::days{3650}, later) == 2);
  CHECK(s->outbox("dead", 10).empty());
}

TEST_CASE("Pruning the outbox deletes old sent and dropped messages and keeps dead ones, pending ones and recent ones") {
  TempDb db;
  auto s = open(db);
  const SysSeconds old = SysSeconds{date::sys_days{2026_y / 1 / 10}};
  const SysSeconds now = old + date::days{200};
  const SysSeconds before = now - date::days{90};
  const long long sent_old = put_message(*s, "a", "h", old);
  const long long dropped_old = put_message(*s, "b", "h", old);
  const long long dead_old = put_message(*s, "c", "h", old);
  const long long pending_old = put_message(*s, "d", "h", old);
  const long long sent_recent = put_message(*s, "e", "h", now - date::days{10});
  s->mark_sent(sent_old, old);
  s->mark_dropped(dropped_old, "superseded", old);
  s->mark_failed(dead_old, 8, old, "HTTP 500", true, old);
  s->mark_sent(sent_recent, now - date::days{10});
  OutboxMessage registration;
  registration.key = "registration.created|x|kari";
  registration.hook = "h";
  registration.webhook_id = "msg_reg";
  registration.event_type = "registration.created";
  registration.payload = "{}";
  registration.due = registration.next_attempt = old;
  REQUIRE(s->enqueue({registration}, old) == 1);
  const long long registration_old = s->outbox("", 1).front().id;
  s->mark_sent(registration_old, old);

  CHECK(s->prune_outbox(before, now, 1000) == 2);
  CHECK(s->outbox_message(registration_old)->status == "sent");  // planned again on every rebuild: kept
  CHECK_FALSE(s->outbox_message(sent_old));
  CHECK_FALSE(s->outbox_message(dropped_old));
  CHECK(s->outbox_message(dead_old)->status == "dead");
  CHECK(s->outbox_message(pending_old)->status == "pending");
  CHECK(s->outbox_message(sent_recent)->status == "sent");
  CHECK(s->prune_outbox(before, now, 1000) == 0);
}

TEST_CASE("Pruning keeps who was told of an occurrence still ahead, however old the reminder") {
  TempDb db;
  auto s = open(db);
  const Config c = mini();
  s->sync("mini", expand(c, kFrom, kTo), kFrom, kTo, kNow);
  const auto stored = s->occurrences("mini", kFrom, kTo);
  REQUIRE(stored.size() >= 2);
  const StoredOccurrence& first = stored.front();
  const StoredOccurrence& last = stored.back();
  REQUIRE(first.end < last.start);
  // Both reminders were sent long ago; now falls between the two occurrences.
  const long long about_first = put_message(*s, "first", "h", kNow, first.uid);
  const long long about_last = put_message(*s, "last", "h", kNow, last.uid);
  s->mark_sent(about_first, kNow);
  s->mark_sent(about_last, kNow);
  const SysSeconds now = first.end + 1h;
  REQUIRE(now < last.end);

  CHECK(s->prune_outbox(now, now, 1000) == 1);
  CHECK_FALSE(s->outbox_message(about_first));
  CHECK(s->told_about(last.uid).size() == 1);
}

TEST_CASE("Pruning deletes at most the batch it is given") {
  TempDb db;
  auto s = open(db);
  const SysSeconds old = SysSeconds{date::sys_days{2026_y / 1 / 10}};
  for (int i = 0; i < 5; ++i) s->mark_sent(put_message(*s, "k" + std::to_string(i), "h", old), old);
  CHECK(s->prune_outbox(old + date::days{100}, old + date::days{100}, 3) == 3);
  CHECK(s->prune_outbox(old + date::days{100}, old + date::days{100}, 3) == 2);
  CHECK(s->outbox("", 10).empty());
}

TEST_CASE("A hook marked gone stays gone across a reopen, with its URL and time, until cleared") {
  TempDb db;
  const SysSeconds at = kNow + 5h;
  {
    auto s = open(db);
    CHECK_FALSE(hook_gone(*s, "epost"));
    set_hook_gone(*s, "epost", GoneHook{"https://hooks.example/arshjul", at});
  }
  auto s = open(db);
  const auto mark = hook_gone(*s, "epost");
  REQUIRE(mark);
  CHECK(mark->url == "https://hooks.example/arshjul");
  CHECK(mark->since == at);
  CHECK_FALSE(hook_gone(*s, "teams"));
  clear_hook_gone(*s, "epost");
  CHECK_FALSE(hook_gone(*s, "epost"));
}

namespace {

Person hire(const std::string& id) {
  Person p;
  p.id = id;
  p.name = "Ny ansatt";
  p.unit = "skole";
  p.roles = {Role::employee};
  return p;
}

OutboxMessage message(const std::string& key) {
  OutboxMessage m;
  m.key = key;
  m.hook = "h";
  m.webhook_id = "msg_" + key;
  m.event_type = "registration.created";
  m.payload = "{}";
  m.due = m.next_attempt = kNow;
  return m;
}

}  // namespace

TEST_CASE("A unit that throws stores none of what its calls stored, their own transactions included") {
  TempDb db;
  auto s = open(db);
  CHECK_THROWS_WITH(s->all_or_nothing([&] {
    s->store_people({hire("ada")}, {}, kNow);  // a transaction of its own outside a unit
    s->enqueue({message("a")}, kNow);
    s->set_setting("public_url", "https://arshjul.example");
    throw std::runtime_error("database or disk is full");
  }),
                    "database or disk is full");
  CHECK(s->people().empty());
  CHECK(s->outbox("", 10).empty());
  CHECK(s->setting("public_url").empty());
}

TEST_CASE("A unit commits everything its calls stored, and a unit inside it joins it") {
  TempDb db;
  auto s = open(db);
  s->all_or_nothing([&] {
    s->store_people({hire("ada")}, {}, kNow);
    s->all_or_nothing([&] { s->enqueue({message("a")}, kNow); });
  });
  // Another connection sees both: they are committed.
  auto other = open(db);
  CHECK(other->people().size() == 1);
  CHECK(other->outbox("", 10).size() == 1);
}

TEST_CASE("A part that fails inside a unit undoes only itself when the unit goes on") {
  TempDb db;
  auto s = open(db);
  {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(db.path.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw,
                         "CREATE TRIGGER no_b BEFORE INSERT ON outbox WHEN NEW.key = 'b' "
                         "BEGIN SELECT RAISE(ABORT, 'refused'); END",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
  }
  s->all_or_nothing([&] {
    s->enqueue({message("a")}, kNow);
    CHECK_THROWS(s->enqueue({message("a2"), message("b")}, kNow));
    s->store_people({hire("ada")}, {}, kNow);
  });
  const auto rows = s->outbox("", 10);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].key == "a");
  CHECK(s->people().size() == 1);
}

TEST_CASE("Another thread's call waits until a unit has committed, and never sees it half done") {
  TempDb db;
  auto s = open(db);
  std::atomic<bool> read_done{false};
  std::size_t seen = 99;
  std::thread reader;
  s->all_or_nothing([&] {
    s->store_people({hire("ada")}, {}, kNow);
    reader = std::thread([&] {
      seen = s->people().size();
      read_done = true;
    });
    // However long the unit takes, the reader is not let in before it ends.
    std::this_thread::sleep_for(200ms);
    CHECK_FALSE(read_done.load());
    s->store_people({hire("bo")}, {}, kNow);
  });
  reader.join();
  CHECK(seen == 2);
}

// ---- browser sessions and sign-ins (issue 13) ------------------------------------------

TEST_CASE("A browser session is kept by its hash across reopening, until it expires or is deleted") {
  TempDb db;
  const SysSeconds t0{Seconds{1'800'000'000}};
  WebSession w{"hash-1", "person", "ola", "Ola Nordmann", "sub-1", "", "csrf-1", t0, t0 + std::chrono::hours{8}};
  open(db)->add_web_session(w);
  auto s = open(db);  // a restart
  auto found = s->web_session("hash-1", t0 + std::chrono::hours{1});
  REQUIRE(found);
  CHECK(found->person == "ola");
  CHECK(found->name == "Ola Nordmann");
  CHECK(found->csrf == "csrf-1");
  CHECK_FALSE(s->web_session("hash-1", t0 + std::chrono::hours{8}));  // expired
  s->delete_web_session("hash-1");
  CHECK_FALSE(s->web_session("hash-1", t0));
}

TEST_CASE("A pending sign-in is taken once, and not after it expires") {
  TempDb db;
  auto s = open(db);
  const SysSeconds t0{Seconds{1'800'000'000}};
  s->add_pending_sign_in("state-a", PendingSignIn{"nonce-a", "verifier-a", "/me", t0 + Seconds{600}}, t0);
  s->add_pending_sign_in("state-b", PendingSignIn{"nonce-b", "verifier-b", "/hr", t0 + Seconds{600}}, t0);
  auto a = s->take_pending_sign_in("state-a", t0 + Seconds{10});
  REQUIRE(a);
  CHECK(a->nonce == "nonce-a");
  CHECK(a->code_verifier == "verifier-a");
  CHECK_FALSE(s->take_pending_sign_in("state-a", t0 + Seconds{11}));  // replayed
  CHECK_FALSE(s->take_pending_sign_in("state-b", t0 + Seconds{600}));  // expired
}

TEST_CASE("A feed made on Mitt årshjul is listed as its owner's, and nobody else's") {
  TempDb db;
  auto s = open(db);
  const SysSeconds t0{Seconds{1'800'000'000}};
  AuditEntry made{0, t0, "Ola (ola)", "page", "subscription.create", "", "null", "null", ""};
  const auto mine = s->create_subscription("h1", "unit:skole", "ola", t0, made, nullptr);
  s->create_subscription("h2", "person:kari", "kari", t0, made, nullptr);
  s->create_subscription("h3", "unit:skole", "", t0, made, nullptr);  // HR's, through the API
  const auto owned = s->subscriptions_owned_by("ola");
  REQUIRE(owned.size() == 1);
  CHECK(owned[0].id == mine.id);
  CHECK(owned[0].owner == "ola");
  CHECK(owned[0].created_by == "Ola (ola)");
  CHECK(s->subscriptions_owned_by("").empty());  // "" is nobody, not everything unowned
  s->revoke_subscription(mine.id, t0, made);
  REQUIRE(s->subscriptions_owned_by("ola").size() == 1);
  CHECK(s->subscriptions_owned_by("ola")[0].revoked);
}

TEST_CASE("A meeting's own agenda and documents are stored with its override and read back in order") {
  TempDb db;
  auto s = open(db);
  Override ov;
  ov.kind = Override::Kind::agenda;
  ov.uid = "amu.20270217@roros.arshjul";
  ov.reason = "Årsrapporten";
  ov.agenda = {"Godkjenning", "AMUs årsrapport – 2026", "Eventuelt"};
  ov.documents = {{"Årsrapport", "https://example.no/a.pdf"}, {"Vedlegg | bilag", "https://example.no/b.pdf?x=1&y=2"}};
  s->add_override(ov, nullptr);
  const auto back = s->overrides();
  REQUIRE(back.size() == 1);
  CHECK(back[0].kind == Override::Kind::agenda);
  CHECK(back[0].agenda == ov.agenda);
  CHECK(back[0].documents == ov.documents);
}

TEST_CASE("The subscriptions' stamp moves when any connection adds or revokes one, and stays when nothing does") {
  TempDb db;
  auto s = open(db);
  auto other = open(db);  // another process: arshjul subscribe
  const auto start = s->subscriptions_stamp();
  s->store_people({}, {}, kNow);
  CHECK(s->subscriptions_stamp() == start);
  other->add_subscription("hash-1", "all", kNow);
  const auto added = s->subscriptions_stamp();
  CHECK(added != start);
  CHECK(s->subscriptions_stamp() == added);
  other->revoke_subscription("hash-1", kNow);
  CHECK(s->subscriptions_stamp() != added);
}
