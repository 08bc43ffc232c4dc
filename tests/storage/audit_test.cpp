// The audit trail and self-service subscriptions in SQLite.
#include <catch2/catch.hpp>

#include <filesystem>

#include <sqlite3.h>
#include <unistd.h>

#include "storage/storage.h"

using namespace arshjul;
using namespace date::literals;

namespace {

struct TempDb {
  std::string path;
  TempDb() {
    path = (std::filesystem::temp_directory_path() /
            ("arshjul-audit-" + std::to_string(::getpid()) + "-" +
             std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".db"))
               .string();
    std::filesystem::remove(path);
  }
  ~TempDb() {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
  }
};

std::unique_ptr<Storage> open(const TempDb& db) {
  auto s = open_sqlite_storage(db.path);
  REQUIRE(s);
  return std::move(s).value();
}

const SysSeconds kNow{date::sys_days{2026_y / 12 / 1}};

AuditEntry entry(std::string actor, std::string action, std::string target, SysSeconds at = kNow) {
  AuditEntry e;
  e.at = at;
  e.actor = std::move(actor);
  e.door = "api";
  e.action = std::move(action);
  e.target = std::move(target);
  e.after = R"({"x":1})";
  e.reason = "fordi";
  return e;
}

// What the application cannot do, another connection to the file tries: the database refuses it.
std::string try_sql(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  std::string msg = rc == SQLITE_OK ? "" : (err ? err : "error");
  sqlite3_free(err);
  sqlite3_close(db);
  return msg;
}

// A query with one thing set.
template <class F>
AuditQuery query(F&& set) {
  AuditQuery q;
  set(q);
  return q;
}

}  // namespace

TEST_CASE("An audit row is stored with who, when, door, action, target, before, after and reason") {
  TempDb db;
  auto s = open(db);
  AuditEntry e = entry("Hanne HR", "person.store", "person/kari");
  e.before = "null";
  const long long id = s->append_audit(e);
  const auto rows = s->audit({});
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].id == id);
  CHECK(rows[0].at == kNow);
  CHECK(rows[0].actor == "Hanne HR");
  CHECK(rows[0].door == "api");
  CHECK(rows[0].action == "person.store");
  CHECK(rows[0].target == "person/kari");
  CHECK(rows[0].before == "null");
  CHECK(rows[0].after == R"({"x":1})");
  CHECK(rows[0].reason == "fordi");
}

TEST_CASE("The database refuses to update or delete an audit row, whoever asks") {
  TempDb db;
  {
    auto s = open(db);
    s->append_audit(entry("a", "person.store", "person/kari"));
  }
  CHECK(try_sql(db.path, "UPDATE audit SET actor = 'someone else'").find("append-only") != std::string::npos);
  CHECK(try_sql(db.path, "DELETE FROM audit").find("append-only") != std::string::npos);
  auto s = open(db);
  REQUIRE(s->audit({}).size() == 1);
  CHECK(s->audit({})[0].actor == "a");
}

TEST_CASE("The audit trail lists newest first, filtered by actor, action, target prefix and period, by cursor") {
  TempDb db;
  auto s = open(db);
  s->append_audit(entry("a", "person.store", "person/kari", kNow));
  s->append_audit(entry("b", "person.store", "person/ola", kNow + std::chrono::hours{1}));
  s->append_audit(entry("a", "occurrence.move", "amu.20270309@roros.arshjul", kNow + std::chrono::hours{2}));
  CHECK(s->audit({})[0].action == "occurrence.move");
  CHECK(s->audit(query([](AuditQuery& q) { q.actor = "a"; })).size() == 2);
  CHECK(s->audit(query([](AuditQuery& q) { q.action = "person.store"; })).size() == 2);
  CHECK(s->audit(query([](AuditQuery& q) { q.target = "person/"; })).size() == 2);
  CHECK(s->audit(query([](AuditQuery& q) { q.target = "person/ola"; })).size() == 1);
  CHECK(s->audit(query([](AuditQuery& q) { q.from = kNow + std::chrono::hours{1}; })).size() == 2);
  CHECK(s->audit(query([](AuditQuery& q) { q.to = kNow + std::chrono::hours{1}; })).size() == 1);
  const auto page1 = s->audit(query([](AuditQuery& q) { q.limit = 2; }));
  REQUIRE(page1.size() == 2);
  const auto page2 = s->audit(query([&](AuditQuery& q) { q.before_id = page1.back().id; q.limit = 2; }));
  REQUIRE(page2.size() == 1);
  CHECK(page2[0].actor == "a");
  CHECK(page2[0].target == "person/kari");
}

TEST_CASE("Creating a subscription stores it, its audit row and its announcement in one go") {
  TempDb db;
  auto s = open(db);
  long long seen_id = 0;
  const Subscription sub = s->create_subscription(
      "hash1", "unit:skole", "", kNow, entry("Hanne HR", "subscription.create", ""), [&](long long id) {
        seen_id = id;
        OutboxMessage m;
        m.key = "subscription.created|" + std::to_string(id);
        m.hook = "epost";
        m.webhook_id = "msg_1";
        m.event_type = "subscription.created";
        m.payload = "{}";
        m.due = m.next_attempt = kNow;
        return std::vector<OutboxMessage>{m};
      });
  CHECK(sub.id == seen_id);
  CHECK(sub.created_by == "Hanne HR");
  const auto active = s->active_subscriptions();
  REQUIRE(active.size() == 1);
  CHECK(active[0].first == "hash1");
  CHECK(active[0].second.filter == "unit:skole");
  const auto audit = s->audit({});
  REQUIRE(audit.size() == 1);
  CHECK(audit[0].target == "subscription/" + std::to_string(sub.id));
  const auto out = s->outbox("", 10);
  REQUIRE(out.size() == 1);
  CHECK(out[0].event_type == "subscription.created");
}

TEST_CASE("A subscription whose announcement cannot be built is not stored, nor audited") {
  TempDb db;
  auto s = open(db);
  CHECK_THROWS(s->create_subscription("hash1", "all", "", kNow, entry("a", "subscription.create", ""),
                                      [](long long) -> std::vector<OutboxMessage> { throw std::runtime_error("no"); }));
  CHECK(s->subscriptions(true).empty());
  CHECK(s->audit({}).empty());
}

TEST_CASE("Revoking a subscription by id takes it out of the active ones, once, with an audit row") {
  TempDb db;
  auto s = open(db);
  const auto sub = s->create_subscription("hash1", "all", "", kNow, entry("a", "subscription.create", ""), nullptr);
  CHECK(s->revoke_subscription(sub.id, kNow, entry("b", "subscription.revoke", "")) == Storage::Revocation::revoked);
  CHECK(s->revoke_subscription(sub.id, kNow, entry("b", "subscription.revoke", "")) ==
        Storage::Revocation::already_revoked);
  CHECK(s->revoke_subscription(sub.id + 1, kNow, entry("b", "subscription.revoke", "")) ==
        Storage::Revocation::not_found);
  CHECK(s->active_subscriptions().empty());
  CHECK(s->subscriptions(false).empty());
  const auto all = s->subscriptions(true);
  REQUIRE(all.size() == 1);
  REQUIRE(all[0].revoked);
  CHECK(*all[0].revoked == kNow);
  CHECK(s->audit(query([](AuditQuery& q) { q.action = "subscription.revoke"; })).size() == 1);
}
