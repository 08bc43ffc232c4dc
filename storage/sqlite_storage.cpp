#include "storage/storage.h"

#include <cstdint>
#include <cstring>
#include <atomic>
#include <limits>
#include <optional>
#include <mutex>
#include <thread>
#include <cstdio>
#include <stdexcept>
#include <unordered_map>

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include "threads/mutex.h"

#include "workflows/audience.h"
#include "workflows/events.h"
#include "workflows/tasks.h"

namespace arshjul {
namespace {

// How long a statement waits for another connection's write lock.
constexpr int kBusyTimeoutMs = 5000;

// Each entry moves the schema one version up; never edit a shipped one.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE occurrence (
  uid           TEXT PRIMARY KEY,
  organisation  TEXT NOT NULL,
  wheel         TEXT NOT NULL,
  activity      TEXT NOT NULL,
  unit          TEXT NOT NULL DEFAULT '',
  original_day  TEXT NOT NULL,           -- YYYY-MM-DD, local
  all_day       INTEGER NOT NULL,
  start_utc     INTEGER NOT NULL,        -- seconds since 1970, UTC
  end_utc       INTEGER NOT NULL,
  title         TEXT NOT NULL,
  location      TEXT NOT NULL DEFAULT '',
  fingerprint   TEXT NOT NULL,
  sequence      INTEGER NOT NULL DEFAULT 0,
  status        TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
  moved_from    TEXT,
  move_reason   TEXT,
  created_utc   INTEGER NOT NULL,
  updated_utc   INTEGER NOT NULL
);
CREATE INDEX occurrence_by_org_day ON occurrence (organisation, original_day);
CREATE INDEX occurrence_by_start ON occurrence (organisation, start_utc);
)sql",
    R"sql(
ALTER TABLE occurrence ADD COLUMN audience TEXT NOT NULL DEFAULT '';
CREATE TABLE subscription (
  id           INTEGER PRIMARY KEY,
  token_hash   TEXT NOT NULL UNIQUE,     -- hex SHA-256 of the secret token
  filter       TEXT NOT NULL,
  created_utc  INTEGER NOT NULL,
  revoked_utc  INTEGER
);
)sql",
    R"sql(
CREATE TABLE outbox (
  id                INTEGER PRIMARY KEY,
  key               TEXT NOT NULL,
  hook              TEXT NOT NULL,
  webhook_id        TEXT NOT NULL,
  event_type        TEXT NOT NULL,
  occurrence_uid    TEXT NOT NULL DEFAULT '',
  sequence          INTEGER NOT NULL DEFAULT 0,
  recipient         TEXT NOT NULL DEFAULT '',
  payload           TEXT NOT NULL,
  due_utc           INTEGER NOT NULL,
  next_attempt_utc  INTEGER NOT NULL,
  attempts          INTEGER NOT NULL DEFAULT 0,
  status            TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead', 'dropped')),
  last_error        TEXT NOT NULL DEFAULT '',
  sent_utc          INTEGER NOT NULL DEFAULT 0,
  created_utc       INTEGER NOT NULL,
  UNIQUE (hook, key)
);
CREATE INDEX outbox_pending ON outbox (status, next_attempt_utc);
CREATE INDEX outbox_by_occurrence ON outbox (occurrence_uid);
)sql",
    R"sql(
CREATE TABLE person (
  id                 TEXT PRIMARY KEY,
  name               TEXT NOT NULL,
  email              TEXT NOT NULL DEFAULT '',
  unit               TEXT NOT NULL DEFAULT '',
  roles              TEXT NOT NULL DEFAULT '',   -- ";"-separated role names
  union_name         TEXT NOT NULL DEFAULT '',
  committees         TEXT NOT NULL DEFAULT '',   -- ";"-separated ids
  start_date         TEXT NOT NULL DEFAULT '',   -- YYYY-MM-DD or empty
  leader_start_date  TEXT NOT NULL DEFAULT '',
  manager            TEXT NOT NULL DEFAULT '',
  removed            INTEGER NOT NULL DEFAULT 0,
  updated_utc        INTEGER NOT NULL
);
CREATE TABLE override (
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL CHECK (kind IN ('move', 'cancel', 'extra')),
  uid          TEXT NOT NULL,
  activity     TEXT NOT NULL DEFAULT '',
  unit         TEXT NOT NULL DEFAULT '',
  start_utc    INTEGER NOT NULL DEFAULT 0,
  end_utc      INTEGER NOT NULL DEFAULT 0,
  first_day    TEXT NOT NULL DEFAULT '',
  last_day     TEXT NOT NULL DEFAULT '',
  reason       TEXT NOT NULL,
  created_utc  INTEGER NOT NULL
);
CREATE TABLE registration (
  activity        TEXT NOT NULL,
  person          TEXT NOT NULL,
  occurrence_uid  TEXT NOT NULL,             -- empty: waiting
  updated_utc     INTEGER NOT NULL,
  PRIMARY KEY (activity, person)
);
CREATE TABLE task (
  id              INTEGER PRIMARY KEY,
  key             TEXT NOT NULL UNIQUE,
  activity        TEXT NOT NULL,
  occurrence_uid  TEXT NOT NULL,
  unit            TEXT NOT NULL,
  assignee        TEXT NOT NULL,
  subject         TEXT NOT NULL DEFAULT '',
  due_utc         INTEGER NOT NULL,
  status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
  completed_utc   INTEGER NOT NULL DEFAULT 0,
  completed_by    TEXT NOT NULL DEFAULT '',
  created_utc     INTEGER NOT NULL
);
CREATE INDEX task_by_due ON task (status, due_utc);
CREATE TABLE api_token (
  id           INTEGER PRIMARY KEY,
  token_hash   TEXT NOT NULL UNIQUE,
  role         TEXT NOT NULL CHECK (role IN ('hr', 'read')),
  name         TEXT NOT NULL DEFAULT '',
  created_utc  INTEGER NOT NULL,
  revoked_utc  INTEGER
);
CREATE TABLE setting (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
);
)sql",
    R"sql(
ALTER TABLE registration ADD COLUMN occurrence_day TEXT NOT NULL DEFAULT '';  -- YYYY-MM-DD, local; empty: waiting
-- Once, for rows stored before the day was: every UID arshjul made so far
-- ends in ".YYYYMMDD@org.arshjul", the occurrence's original day. From here
-- on the day is stored, never read out of a UID.
UPDATE registration
   SET occurrence_day = substr(occurrence_uid, instr(occurrence_uid, '@') - 8, 4) || '-' ||
                        substr(occurrence_uid, instr(occurrence_uid, '@') - 4, 2) || '-' ||
                        substr(occurrence_uid, instr(occurrence_uid, '@') - 2, 2)
 WHERE instr(occurrence_uid, '@') > 9
   AND substr(occurrence_uid, instr(occurrence_uid, '@') - 9, 1) = '.'
   AND substr(occurrence_uid, instr(occurrence_uid, '@') - 8, 8) GLOB '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]';
UPDATE registration SET occurrence_day = '' WHERE occurrence_day <> '' AND date(occurrence_day) IS NOT occurrence_day;
)sql",
    R"sql(
-- Dated leadership (issue 14): the last day as leader, and an acting period
-- as "unit;YYYY-MM-DD;YYYY-MM-DD" (empty: none).
ALTER TABLE person ADD COLUMN leader_end_date TEXT NOT NULL DEFAULT '';
ALTER TABLE person ADD COLUMN acting TEXT NOT NULL DEFAULT '';
)sql",
    // 7: what a feed needs to show an occurrence as it was held, or as it was
    // when cancelled, without asking today's config (sync fills them in).
    R"sql(
ALTER TABLE occurrence ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE occurrence ADD COLUMN wheel_name TEXT NOT NULL DEFAULT '';
ALTER TABLE occurrence ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';  -- HR's; '' = the config no longer has it
UPDATE occurrence
   SET cancel_reason = COALESCE((SELECT reason FROM override
                                  WHERE override.kind = 'cancel' AND override.uid = occurrence.uid
                                  ORDER BY override.id DESC LIMIT 1), '')
 WHERE status = 'cancelled';
)sql",
    // 8: self-service subscriptions say who made them; the audit trail, append-only.
    R"sql(
ALTER TABLE subscription ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
CREATE TABLE audit (
  id           INTEGER PRIMARY KEY,
  at_utc       INTEGER NOT NULL,
  actor        TEXT NOT NULL,
  door         TEXT NOT NULL,             -- api | page | cli | reload
  action       TEXT NOT NULL,
  target       TEXT NOT NULL DEFAULT '',
  before_json  TEXT NOT NULL DEFAULT 'null',
  after_json   TEXT NOT NULL DEFAULT 'null',
  reason       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_at ON audit (at_utc);
-- Append-only: whatever the application (or a slip in it) asks, the rows stay.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
)sql",
    // 9: sign-in (issue 13): browser sessions by the hash of their cookie,
    // sign-ins under way by the hash of their state, and whose own a feed is.
    R"sql(
CREATE TABLE web_session (
  id_hash         TEXT PRIMARY KEY,
  role            TEXT NOT NULL,
  person          TEXT NOT NULL DEFAULT '',
  name            TEXT NOT NULL DEFAULT '',
  subject         TEXT NOT NULL DEFAULT '',
  api_token_hash  TEXT NOT NULL DEFAULT '',
  csrf            TEXT NOT NULL,
  created_utc     INTEGER NOT NULL,
  expires_utc     INTEGER NOT NULL
);
CREATE TABLE pending_sign_in (
  state_hash     TEXT PRIMARY KEY,
  nonce          TEXT NOT NULL,
  code_verifier  TEXT NOT NULL,
  return_to      TEXT NOT NULL,
  expires_utc    INTEGER NOT NULL
);
-- The roster person who made a feed on "Mitt årshjul" and may revoke it there.
ALTER TABLE subscription ADD COLUMN owner TEXT NOT NULL DEFAULT '';
CREATE INDEX subscription_by_owner ON subscription (owner) WHERE owner <> '';
)sql",
    // 10: one meeting's own agenda and documents (issue 14). SQLite cannot
    // widen a CHECK, so the table is copied; agenda items are one per line,
    // documents "title<TAB>url" per line (the API refuses both in a text).
    R"sql(
CREATE TABLE override_new (
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL CHECK (kind IN ('move', 'cancel', 'extra', 'agenda')),
  uid          TEXT NOT NULL,
  activity     TEXT NOT NULL DEFAULT '',
  unit         TEXT NOT NULL DEFAULT '',
  start_utc    INTEGER NOT NULL DEFAULT 0,
  end_utc      INTEGER NOT NULL DEFAULT 0,
  first_day    TEXT NOT NULL DEFAULT '',
  last_day     TEXT NOT NULL DEFAULT '',
  reason       TEXT NOT NULL,
  created_utc  INTEGER NOT NULL,
  agenda       TEXT NOT NULL DEFAULT '',
  documents    TEXT NOT NULL DEFAULT ''
);
INSERT INTO override_new (id, kind, uid, activity, unit, start_utc, end_utc, first_day, last_day, reason, created_utc)
  SELECT id, kind, uid, activity, unit, start_utc, end_utc, first_day, last_day, reason, created_utc FROM override;
DROP TABLE override;
ALTER TABLE override_new RENAME TO override;
)sql",
    // 11: a meeting owner's paperwork (issue 14): documents out and minutes
    // written are tasks beside the leaders' follow-ups.
    R"sql(
ALTER TABLE task ADD COLUMN kind TEXT NOT NULL DEFAULT 'follow_up' CHECK (kind IN ('follow_up', 'documents', 'minutes'));
)sql",
    // 12: a change to one person syncs only that person's tasks (issue 15).
    R"sql(
CREATE INDEX task_by_subject ON task (subject);
)sql",
    // 13: the subscription index's stamp is one row the triggers keep, not a
    // scan of every subscription on every rebuild (issue 15).
    R"sql(
CREATE TABLE subscription_stamp (id INTEGER PRIMARY KEY CHECK (id = 1), changes INTEGER NOT NULL);
INSERT INTO subscription_stamp (id, changes) VALUES (1, 0);
CREATE TRIGGER subscription_added AFTER INSERT ON subscription
  BEGIN UPDATE subscription_stamp SET changes = changes + 1 WHERE id = 1; END;
CREATE TRIGGER subscription_changed AFTER UPDATE ON subscription
  BEGIN UPDATE subscription_stamp SET changes = changes + 1 WHERE id = 1; END;
CREATE TRIGGER subscription_removed AFTER DELETE ON subscription
  BEGIN UPDATE subscription_stamp SET changes = changes + 1 WHERE id = 1; END;
)sql",
    // 14: incremental reads (issue 16): when each task and message last
    // changed, so an integrator asks for what changed since its last read.
    R"sql(
ALTER TABLE task ADD COLUMN updated_utc INTEGER NOT NULL DEFAULT 0;
UPDATE task SET updated_utc = MAX(created_utc, completed_utc);
CREATE INDEX task_by_updated ON task (updated_utc);
ALTER TABLE outbox ADD COLUMN updated_utc INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET updated_utc = MAX(created_utc, sent_utc);
CREATE INDEX outbox_by_updated ON outbox (updated_utc);
CREATE INDEX person_by_updated ON person (updated_utc);
CREATE INDEX registration_by_updated ON registration (updated_utc);
)sql",
    // 15: dated HR events (issue 16): a change to a person that takes effect
    // on a later day, kept as the person before and after it (one row each,
    // the person table's columns), applied by the daemon on its day.
    R"sql(
CREATE TABLE person_change (
  person_id          TEXT NOT NULL,
  effective          TEXT NOT NULL,               -- YYYY-MM-DD, the organisation's day
  side               TEXT NOT NULL CHECK (side IN ('before', 'after')),
  name               TEXT NOT NULL,
  email              TEXT NOT NULL DEFAULT '',
  unit               TEXT NOT NULL DEFAULT '',
  roles              TEXT NOT NULL DEFAULT '',
  union_name         TEXT NOT NULL DEFAULT '',
  committees         TEXT NOT NULL DEFAULT '',
  start_date         TEXT NOT NULL DEFAULT '',
  leader_start_date  TEXT NOT NULL DEFAULT '',
  manager            TEXT NOT NULL DEFAULT '',
  leader_end_date    TEXT NOT NULL DEFAULT '',
  acting             TEXT NOT NULL DEFAULT '',
  created_utc        INTEGER NOT NULL,
  actor              TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (person_id, effective, side)
);
CREATE INDEX person_change_by_day ON person_change (effective);
)sql",
    // 16: a registration the plan no longer has leaves a tombstone, so an
    // integrator reading what changed since also hears what went (issue 16).
    R"sql(
CREATE TABLE registration_gone (
  activity     TEXT NOT NULL,
  person       TEXT NOT NULL,
  removed_utc  INTEGER NOT NULL,
  PRIMARY KEY (activity, person)
);
CREATE INDEX registration_gone_by_time ON registration_gone (removed_utc);
)sql",
};

// Lists kept in one column: "a;b;c" (roles, committees), or one item a line
// (an agenda's items, which may hold ';'). Empty items are not kept.
std::string join_list(const std::vector<std::string>& items, char separator = ';') {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += separator;
    out += s;
  }
  return out;
}

std::vector<std::string> split_list(const std::string& text, char separator = ';') {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t semi = std::min(text.find(separator, at), text.size());
    if (semi > at) out.push_back(text.substr(at, semi - at));
    at = semi + 1;
  }
  return out;
}

std::string date_or_empty(const std::optional<LocalDays>& d) { return d ? format_date(*d) : std::string(); }
std::optional<LocalDays> date_or_none(const std::string& text) {
  auto d = parse_date(text);
  return d ? std::optional(*d) : std::nullopt;
}

long long secs(SysSeconds t) { return static_cast<long long>(t.time_since_epoch().count()); }
SysSeconds at_secs(long long s) { return SysSeconds{Seconds{s}}; }

std::string fnv1a_hex(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// Prepared statements kept by their SQL for the next use: preparing one costs
// as much as running most of ours once. A statement in use is out of the
// cache, so the same SQL used twice at once gets a second one. Converts to
// the connection, so sqlite3_* calls take it as they took the handle.
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache() { finalize_all(); }
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;
  operator sqlite3*() const { return db_; }

  sqlite3_stmt* take(const char* sql) {
    MutexLock lock(&mu_);
    const auto it = idle_.find(sql);
    if (it == idle_.end()) return nullptr;
    sqlite3_stmt* stmt = it->second;
    idle_.erase(it);
    return stmt;
  }
  void give_back(sqlite3_stmt* stmt) {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    MutexLock lock(&mu_);
    if (!idle_.emplace(sqlite3_sql(stmt), stmt).second) sqlite3_finalize(stmt);
  }
  // Before sqlite3_close, which leaves a connection with statements open.
  void finalize_all() {
    MutexLock lock(&mu_);
    for (auto& [sql, stmt] : idle_) sqlite3_finalize(stmt);
    idle_.clear();
  }

 private:
  sqlite3* db_;
  Mutex mu_;
  std::unordered_map<std::string, sqlite3_stmt*> idle_ GUARDED_BY(mu_);
};

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) { prepare(sql); }
  Statement(StatementCache& cache, const char* sql) : db_(cache), cache_(&cache) {
    stmt_ = cache.take(sql);
    if (!stmt_) prepare(sql);
  }
  ~Statement() {
    if (cache_) cache_->give_back(stmt_);
    else sqlite3_finalize(stmt_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, long long v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind_null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(std::string("SQL step: ") + sqlite3_errmsg(db_));
  }
  void run() {
    step();
    reset();
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  long long integer(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  void prepare(const char* sql) {
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt_, nullptr) != SQLITE_OK)
      throw std::logic_error(std::string("SQL prepare: ") + sqlite3_errmsg(db_) + " in " + sql);
  }

  sqlite3* db_;
  StatementCache* cache_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteStorage final : public Storage {
 public:
  explicit SqliteStorage(sqlite3* db) : db_(db) {}
  ~SqliteStorage() override {
    Call lock(this);
    db_.finalize_all();
    sqlite3_close(db_);
  }

  // One statement (BEGIN, COMMIT, ...) from the cache; a script through sqlite3_exec.
  void exec(const char* sql) REQUIRES(mu_) {
    if (!std::strchr(sql, ';')) {
      sqlite3_stmt* stmt = db_.take(sql);
      if (!stmt && sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK)
        throw std::runtime_error(std::string("SQL: ") + sqlite3_errmsg(db_));
      int rc;
      while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      }
      const std::string msg = rc == SQLITE_DONE ? std::string() : sqlite3_errmsg(db_);
      db_.give_back(stmt);
      if (rc != SQLITE_DONE) throw std::runtime_error("SQL: " + msg);
      return;
    }
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      throw std::runtime_error("SQL: " + msg);
    }
  }

  void migrate() EXCLUDES(mu_) {
    Call lock(this);
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_utc INTEGER NOT NULL)");
    const int have = version();
    const int want = static_cast<int>(std::size(kMigrations));
    if (have > want)
      throw std::runtime_error("the database has schema version " + std::to_string(have) +
                               ", newer than this arshjul knows (" + std::to_string(want) +
                               "): a newer arshjul wrote it, and this one would corrupt it. Install that "
                               "newer arshjul again, or restore a backup this version made (the Debian "
                               "package keeps one from before each upgrade in /var/lib/arshjul/backups)");
    for (int v = have; v < want; ++v) {
      exec("BEGIN IMMEDIATE");
      try {
        exec(kMigrations[v]);
        Statement ins(db_, "INSERT INTO schema_migrations (version, applied_utc) VALUES (?, strftime('%s','now'))");
        ins.bind(1, static_cast<long long>(v + 1)).run();
        exec("COMMIT");
      } catch (...) {
        rollback();
        throw;
      }
    }
  }

  int schema_version() override EXCLUDES(mu_) {
    Call lock(this);
    return version();
  }

  int version() REQUIRES(mu_) {
    Statement s(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    s.step();
    return static_cast<int>(s.integer(0));
  }

  SyncStats sync(std::string_view org, const Expansion& expansion, LocalDays from, LocalDays to,
                 SysSeconds now) override {
    Call lock(this);
    struct Row {
      std::string fingerprint;
      std::string audience;
      std::string description;
      std::string wheel_name;
      int sequence;
      bool cancelled;
      bool held;  // ended by `now`: history, left as it was
      bool seen = false;
    };
    SyncStats stats;
    transaction([&]() REQUIRES(mu_) {
      const long long t = now.time_since_epoch().count();
      std::unordered_map<std::string, Row> rows;
      {
        Statement q(db_,
                    "SELECT uid, fingerprint, sequence, status, audience, end_utc, description, wheel_name "
                    "FROM occurrence WHERE organisation = ? AND original_day BETWEEN ? AND ?");
        q.bind(1, org).bind(2, format_date(from)).bind(3, format_date(to));
        while (q.step())
          rows.emplace(q.text(0), Row{q.text(1), q.text(4), q.text(6), q.text(7), static_cast<int>(q.integer(2)),
                                      q.text(3) == "cancelled", q.integer(5) <= t});
      }
      Statement insert(db_,
                       "INSERT INTO occurrence (uid, organisation, wheel, activity, unit, original_day, all_day, "
                       "start_utc, end_utc, title, location, fingerprint, sequence, status, moved_from, move_reason, "
                       "created_utc, updated_utc, audience, description, wheel_name) "
                       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,0,'scheduled',?,?,?,?,?,?,?)");
      Statement update(db_,
                       "UPDATE occurrence SET all_day=?, start_utc=?, end_utc=?, title=?, location=?, fingerprint=?, "
                       "sequence=sequence+1, status='scheduled', moved_from=?, move_reason=?, updated_utc=?, audience=?, "
                       "description=?, wheel_name=?, cancel_reason='', original_day=? WHERE uid=?");
      // Who it concerns follows the roster; that alone is no change a subscriber sees.
      Statement set_audience(db_, "UPDATE occurrence SET audience=? WHERE uid=?");
      // A row stored before there was a description column: the same fingerprint
      // means the same text, so filling it in changes nothing anyone saw.
      Statement fill_in(db_, "UPDATE occurrence SET description=?, wheel_name=? WHERE uid=?");
      // HR's reason when one of HR's overrides took it out; otherwise the
      // config no longer has it, which the feed says in its own words.
      Statement cancel(db_,
                       "UPDATE occurrence SET status='cancelled', sequence=sequence+1, updated_utc=?, "
                       "cancel_reason=COALESCE((SELECT reason FROM override WHERE override.kind='cancel' "
                       "AND override.uid=occurrence.uid ORDER BY override.id DESC LIMIT 1), '') WHERE uid=?");
      // Who leads each unit, indexed once: a personal series' own leader
      // would otherwise be found by scanning the roster, per occurrence.
      std::optional<LeaderIndex> leaders;
      if (expansion.config) leaders.emplace(*expansion.config);
      for (const Occurrence& o : expansion.occurrences) {
        if (o.original_day < from || o.original_day > to) continue;
        const std::string fp = fnv1a_hex(occurrence_fingerprint(o));
        const std::string audience = leaders ? audience_key(*expansion.config, o, &*leaders) : std::string();
        const std::string description = occurrence_description(o);
        auto bind_move = [&](Statement& s, int i) {
          if (o.moved) {
            s.bind(i, format_date(o.moved->from)).bind(i + 1, o.moved->reason.describe());
          } else {
            s.bind_null(i).bind_null(i + 1);
          }
        };
        auto it = rows.find(o.uid);
        if (it == rows.end()) {
          insert.bind(1, o.uid).bind(2, org).bind(3, o.wheel->id).bind(4, o.activity->id).bind(5, o.scope_id());
          insert.bind(6, format_date(o.original_day)).bind(7, static_cast<long long>(o.all_day));
          insert.bind(8, static_cast<long long>(o.start.time_since_epoch().count()));
          insert.bind(9, static_cast<long long>(o.end.time_since_epoch().count()));
          insert.bind(10, occurrence_title(o)).bind(11, o.activity->location).bind(12, fp);
          bind_move(insert, 13);
          insert.bind(15, t).bind(16, t).bind(17, audience).bind(18, description).bind(19, o.wheel->name).run();
          ++stats.inserted;
          continue;
        }
        Row& row = it->second;
        row.seen = true;
        if (row.fingerprint == fp && !row.cancelled) {
          if (row.description != description || row.wheel_name != o.wheel->name)
            fill_in.bind(1, description).bind(2, o.wheel->name).bind(3, o.uid).run();
          if (row.audience != audience && !row.held) set_audience.bind(1, audience).bind(2, o.uid).run();
          ++stats.unchanged;
          continue;
        }
        // A meeting that took place stays as it was held, whatever the config says now.
        if (row.held) {
          ++stats.kept_past;
          continue;
        }
        update.bind(1, static_cast<long long>(o.all_day));
        update.bind(2, static_cast<long long>(o.start.time_since_epoch().count()));
        update.bind(3, static_cast<long long>(o.end.time_since_epoch().count()));
        update.bind(4, occurrence_title(o)).bind(5, o.activity->location).bind(6, fp);
        bind_move(update, 7);
        // original_day follows the rule's day: a UID kept across a rule change (keep_identities) remembers its pairing.
        update.bind(9, t).bind(10, audience).bind(11, description).bind(12, o.wheel->name);
        update.bind(13, format_date(o.original_day)).bind(14, o.uid).run();
        if (row.cancelled) ++stats.restored;
        else ++stats.changed;
        stats.changed_uids.push_back(o.uid);
      }
      for (const auto& [uid, row] : rows) {
        if (row.seen || row.cancelled) continue;
        if (row.held) {
          ++stats.kept_past;
          continue;
        }
        cancel.bind(1, t).bind(2, uid).run();
        ++stats.cancelled;
        stats.cancelled_uids.push_back(uid);
      }
    });
    return stats;
  }

  std::vector<StoredOccurrence> occurrences(std::string_view org, LocalDays from, LocalDays to) override {
    Call lock(this);
    Statement q(db_,
                "SELECT uid, wheel, activity, unit, original_day, all_day, start_utc, end_utc, title, location, "
                "sequence, status, created_utc, updated_utc, audience, description, wheel_name, cancel_reason "
                "FROM occurrence "
                "WHERE organisation = ? AND original_day BETWEEN ? AND ? ORDER BY start_utc, uid");
    q.bind(1, org).bind(2, format_date(from)).bind(3, format_date(to));
    std::vector<StoredOccurrence> out;
    while (q.step()) {
      StoredOccurrence s;
      s.uid = q.text(0);
      s.wheel = q.text(1);
      s.activity = q.text(2);
      s.unit = q.text(3);
      if (auto d = parse_date(q.text(4))) s.original_day = *d;
      s.all_day = q.integer(5) != 0;
      s.start = SysSeconds{Seconds{q.integer(6)}};
      s.end = SysSeconds{Seconds{q.integer(7)}};
      s.title = q.text(8);
      s.location = q.text(9);
      s.sequence = static_cast<int>(q.integer(10));
      s.cancelled = q.text(11) == "cancelled";
      s.created = SysSeconds{Seconds{q.integer(12)}};
      s.updated = SysSeconds{Seconds{q.integer(13)}};
      s.audience = q.text(14);
      s.description = q.text(15);
      s.wheel_name = q.text(16);
      s.cancel_reason = q.text(17);
      out.push_back(std::move(s));
    }
    return out;
  }

  long long add_subscription(std::string_view token_hash, std::string_view filter, SysSeconds now) override {
    Call lock(this);
    Statement ins(db_, "INSERT INTO subscription (token_hash, filter, created_utc) VALUES (?, ?, ?)");
    ins.bind(1, token_hash).bind(2, filter).bind(3, static_cast<long long>(now.time_since_epoch().count())).run();
    return sqlite3_last_insert_rowid(db_);
  }

  bool revoke_subscription(std::string_view token_hash, SysSeconds now) override {
    Call lock(this);
    Statement up(db_, "UPDATE subscription SET revoked_utc = ? WHERE token_hash = ? AND revoked_utc IS NULL");
    up.bind(1, static_cast<long long>(now.time_since_epoch().count())).bind(2, token_hash).run();
    return sqlite3_changes(db_) > 0;
  }

  std::optional<bool> subscription_revoked(std::string_view token_hash) override {
    Call lock(this);
    Statement q(db_, "SELECT revoked_utc IS NOT NULL FROM subscription WHERE token_hash = ?");
    q.bind(1, token_hash);
    if (!q.step()) return std::nullopt;
    return q.integer(0) != 0;
  }

  std::vector<std::pair<std::string, Subscription>> active_subscriptions() override {
    Call lock(this);
    Statement q(db_, "SELECT token_hash, id, filter, created_utc, created_by, owner FROM subscription WHERE revoked_utc IS NULL");
    std::vector<std::pair<std::string, Subscription>> out;
    while (q.step())
      out.emplace_back(q.text(0), Subscription{q.integer(1), q.text(2), SysSeconds{Seconds{q.integer(3)}}, q.text(4),
                                               q.text(5), {}});
    return out;
  }

  SubscriptionsStamp subscriptions_stamp() override {
    Call lock(this);
    Statement q(db_, "SELECT changes FROM subscription_stamp WHERE id = 1");
    if (!q.step()) throw std::logic_error("subscription_stamp has no row: migration 13 did not run");
    return {q.integer(0)};
  }

  long long data_version() override {
    Call lock(this);
    Statement q(db_, "PRAGMA data_version");
    q.step();
    return q.integer(0);
  }

  int enqueue(const std::vector<OutboxMessage>& messages, SysSeconds now) override {
    Call lock(this);
    int added = 0;
    transaction([&]() REQUIRES(mu_) { added = insert_outbox(messages, now); });
    return added;
  }

  static constexpr const char* kOutboxColumns =
      "id, key, hook, webhook_id, event_type, occurrence_uid, sequence, recipient, payload, due_utc, "
      "next_attempt_utc, attempts, status, last_error, sent_utc, created_utc, updated_utc";

  static OutboxMessage outbox_row(const Statement& q) {
    OutboxMessage m;
    m.id = q.integer(0);
    m.key = q.text(1);
    m.hook = q.text(2);
    m.webhook_id = q.text(3);
    m.event_type = q.text(4);
    m.occurrence_uid = q.text(5);
    m.sequence = static_cast<int>(q.integer(6));
    m.recipient = q.text(7);
    m.payload = q.text(8);
    m.due = SysSeconds{Seconds{q.integer(9)}};
    m.next_attempt = SysSeconds{Seconds{q.integer(10)}};
    m.attempts = static_cast<int>(q.integer(11));
    m.status = q.text(12);
    m.last_error = q.text(13);
    m.sent = SysSeconds{Seconds{q.integer(14)}};
    m.created = SysSeconds{Seconds{q.integer(15)}};
    m.updated = SysSeconds{Seconds{q.integer(16)}};
    return m;
  }

  std::vector<OutboxMessage> due_messages(SysSeconds now, int limit) override {
    Call lock(this);
    Statement q(db_, (std::string("SELECT ") + kOutboxColumns +
                      " FROM outbox WHERE status = 'pending' AND next_attempt_utc <= ? ORDER BY next_attempt_utc, id LIMIT ?")
                         .c_str());
    q.bind(1, static_cast<long long>(now.time_since_epoch().count())).bind(2, static_cast<long long>(limit));
    std::vector<OutboxMessage> out;
    while (q.step()) out.push_back(outbox_row(q));
    return out;
  }

  void mark_sent(long long id, SysSeconds now) override {
    Call lock(this);
    Statement u(db_,
                "UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_utc = ?1, updated_utc = ?1, last_error = '' "
                "WHERE id = ?2");
    u.bind(1, static_cast<long long>(now.time_since_epoch().count())).bind(2, id).run();
  }

  void mark_failed(long long id, int attempts, SysSeconds next_attempt, std::string_view error, bool dead,
                   SysSeconds now) override {
    Call lock(this);
    Statement u(db_,
                "UPDATE outbox SET status = ?, attempts = ?, next_attempt_utc = ?, last_error = ?, updated_utc = ? WHERE id = ?");
    u.bind(1, std::string_view(dead ? "dead" : "pending")).bind(2, static_cast<long long>(attempts));
    u.bind(3, static_cast<long long>(next_attempt.time_since_epoch().count())).bind(4, error).bind(5, secs(now)).bind(6, id);
    u.run();
  }

  void mark_dropped(long long id, std::string_view reason, SysSeconds now) override {
    Call lock(this);
    Statement u(db_, "UPDATE outbox SET status = 'dropped', last_error = ?, updated_utc = ? WHERE id = ?");
    u.bind(1, reason).bind(2, secs(now)).bind(3, id).run();
  }

  std::vector<OutboxMessage> outbox(std::string_view status, int limit) override {
    Call lock(this);
    Statement q(db_, (std::string("SELECT ") + kOutboxColumns +
                      " FROM outbox WHERE (? = '' OR status = ?) ORDER BY id DESC LIMIT ?")
                         .c_str());
    q.bind(1, status).bind(2, status).bind(3, static_cast<long long>(limit));
    std::vector<OutboxMessage> out;
    while (q.step()) out.push_back(outbox_row(q));
    return out;
  }

  // The WHERE of an outbox page; binds from 1 in the order written.
  static std::string outbox_where(const OutboxQuery& q, bool cursor) {
    std::string w = " WHERE 1";
    if (!q.status.empty()) w += " AND status = ?";
    if (!q.hook.empty()) w += " AND hook = ?";
    if (!q.event_type.empty()) w += " AND event_type = ?";
    if (!q.recipient.empty()) w += " AND recipient = ?";
    if (!q.occurrence_uid.empty()) w += " AND occurrence_uid = ?";
    if (q.updated_since) w += " AND updated_utc >= ?";
    if (cursor && q.before_id > 0) w += " AND id < ?";
    return w;
  }
  static int bind_outbox(Statement& st, const OutboxQuery& q, bool cursor) {
    int i = 1;
    for (const std::string* v : {&q.status, &q.hook, &q.event_type, &q.recipient, &q.occurrence_uid})
      if (!v->empty()) st.bind(i++, *v);
    if (q.updated_since) st.bind(i++, secs(*q.updated_since));
    if (cursor && q.before_id > 0) st.bind(i++, q.before_id);
    return i;
  }

  std::vector<OutboxMessage> outbox(const OutboxQuery& query) override {
    Call lock(this);
    Statement q(db_, (std::string("SELECT ") + kOutboxColumns + " FROM outbox" + outbox_where(query, true) +
                      " ORDER BY id DESC LIMIT ?")
                         .c_str());
    q.bind(bind_outbox(q, query, true), static_cast<long long>(query.limit));
    std::vector<OutboxMessage> out;
    while (q.step()) out.push_back(outbox_row(q));
    return out;
  }

  long long count_outbox(const OutboxQuery& query) override {
    return count_rows("outbox", outbox_where(query, false), [&](Statement& q) { bind_outbox(q, query, false); });
  }

  // SELECT COUNT(*) of `table` with `where`, whose parameters `bind` binds.
  template <class Bind>
  long long count_rows(const char* table, const std::string& where, const Bind& bind) {
    Call lock(this);
    Statement q(db_, (std::string("SELECT COUNT(*) FROM ") + table + where).c_str());
    bind(q);
    q.step();
    return q.integer(0);
  }

  bool retry(long long id, SysSeconds now) override {
    Call lock(this);
    Statement u(db_,
                "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_utc = ?1, updated_utc = ?1, last_error = '' "
                "WHERE id = ?2 AND status IN ('dead', 'dropped')");
    u.bind(1, static_cast<long long>(now.time_since_epoch().count())).bind(2, id).run();
    return sqlite3_changes(db_) > 0;
  }

  std::vector<std::pair<std::string, std::string>> told_about(std::string_view uid) override {
    Call lock(this);
    Statement q(db_,
                "SELECT DISTINCT hook, recipient FROM outbox WHERE occurrence_uid = ? AND status = 'sent' "
                "AND event_type IN ('reminder.due', 'notice.early')");
    q.bind(1, uid);
    std::vector<std::pair<std::string, std::string>> out;
    while (q.step()) out.emplace_back(q.text(0), q.text(1));
    return out;
  }

  std::optional<OutboxMessage> outbox_message(long long id) override {
    Call lock(this);
    Statement q(db_, (std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE id = ?").c_str());
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    return outbox_row(q);
  }

  int retry_dead(std::string_view hook, SysSeconds from, SysSeconds to, SysSeconds now) override {
    Call lock(this);
    Statement u(db_,
                "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_utc = ?1, updated_utc = ?1, last_error = '' "
                "WHERE status = 'dead' AND (?2 = '' OR hook = ?3) AND due_utc >= ?4 AND due_utc < ?5");
    u.bind(1, secs(now)).bind(2, hook).bind(3, hook).bind(4, secs(from)).bind(5, secs(to)).run();
    return sqlite3_changes(db_);
  }

  int prune_outbox(SysSeconds before, SysSeconds now, int limit) override {
    Call lock(this);
    // A dropped row has no send time: its due time stands for it. Registration
    // messages are kept: every rebuild plans them again and their row is
    // what keeps them from going twice (tests/e2e/webhooks_test.py saw it).
    Statement d(db_,
                "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status IN ('sent', 'dropped') "
                "AND event_type NOT LIKE 'registration.%' "
                "AND due_utc < ? AND (status = 'dropped' OR sent_utc < ?) "
                "AND NOT EXISTS (SELECT 1 FROM occurrence o WHERE o.uid = outbox.occurrence_uid AND o.end_utc > ?) "
                "ORDER BY id LIMIT ?)");
    d.bind(1, secs(before)).bind(2, secs(before)).bind(3, secs(now)).bind(4, static_cast<long long>(limit)).run();
    return sqlite3_changes(db_);
  }

  // ---- the roster ----------------------------------------------------------------

  std::vector<StoredPerson> people() override {
    Call lock(this);
    Statement q(db_, (std::string(kPersonColumns) + " ORDER BY id").c_str());
    std::vector<StoredPerson> out;
    while (q.step()) out.push_back(person_row(q));
    return out;
  }

  std::vector<StoredPerson> people_updated_since(SysSeconds since) override {
    Call lock(this);
    Statement q(db_, (std::string(kPersonColumns) + " WHERE updated_utc >= ? ORDER BY id").c_str());
    q.bind(1, secs(since));
    std::vector<StoredPerson> out;
    while (q.step()) out.push_back(person_row(q));
    return out;
  }

  std::optional<StoredPerson> stored_person(std::string_view id) override {
    Call lock(this);
    Statement q(db_, (std::string(kPersonColumns) + " WHERE id = ?").c_str());
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    return person_row(q);
  }

  static constexpr const char* kPersonColumns =
      "SELECT id, name, email, unit, roles, union_name, committees, start_date, leader_start_date, "
      "manager, removed, updated_utc, leader_end_date, acting FROM person";

  // A person's columns at 1..13 as kPersonColumns reads them back; `stamp` at 11.
  static void bind_person(Statement& up, const Person& p, SysSeconds stamp) {
    std::vector<std::string> roles;
    for (Role r : p.roles) roles.emplace_back(role_name(r));
    std::vector<std::string> seats;
    for (const auto& m : p.committees) seats.push_back(membership_text(m));
    up.bind(1, p.id).bind(2, p.name).bind(3, p.email).bind(4, p.unit).bind(5, join_list(roles));
    up.bind(6, p.union_name).bind(7, join_list(seats)).bind(8, date_or_empty(p.start_date));
    up.bind(9, date_or_empty(p.leader_start_date)).bind(10, p.manager).bind(11, secs(stamp));
    up.bind(12, date_or_empty(p.leader_end_date));
    up.bind(13, p.acting ? join_list({p.acting->unit, format_date(p.acting->from), format_date(p.acting->to)})
                         : std::string());
  }

  // ---- dated changes ------------------------------------------------------------

  void schedule_change(const ScheduledChange& change) override {
    Call lock(this);
    transaction([&]() REQUIRES(mu_) {
      Statement ins(db_,
                    "INSERT OR REPLACE INTO person_change (person_id, name, email, unit, roles, union_name, committees, "
                    "start_date, leader_start_date, manager, created_utc, leader_end_date, acting, effective, side, "
                    "actor) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
      for (auto [side, p] : {std::pair{"before", &change.before}, std::pair{"after", &change.after}}) {
        Person row = *p;
        row.id = change.person;
        bind_person(ins, row, change.created);
        ins.bind(14, format_date(change.effective)).bind(15, side).bind(16, change.actor);
        ins.run();
      }
    });
  }

  std::vector<ScheduledChange> scheduled_changes(std::string_view person, std::optional<LocalDays> due_by) override {
    Call lock(this);
    std::string sql =
        "SELECT person_id, name, email, unit, roles, union_name, committees, start_date, leader_start_date, "
        "manager, 0, created_utc, leader_end_date, acting, effective, side, actor FROM person_change WHERE 1";
    if (!person.empty()) sql += " AND person_id = ?1";
    if (due_by) sql += " AND effective <= ?2";
    sql += " ORDER BY effective, person_id, side";
    Statement q(db_, sql.c_str());
    if (!person.empty()) q.bind(1, person);
    if (due_by) q.bind(2, format_date(*due_by));
    std::vector<ScheduledChange> out;
    while (q.step()) {
      StoredPerson sp = person_row(q);
      const std::string day = q.text(14);
      if (out.empty() || out.back().person != sp.person.id || format_date(out.back().effective) != day) {
        ScheduledChange c;
        c.person = sp.person.id;
        if (auto d = parse_date(day)) c.effective = *d;
        c.created = sp.updated;
        c.actor = q.text(16);
        out.push_back(std::move(c));
      }
      (q.text(15) == "after" ? out.back().after : out.back().before) = std::move(sp.person);
    }
    return out;
  }

  bool drop_scheduled_change(std::string_view person, LocalDays effective) override {
    Call lock(this);
    Statement del(db_, "DELETE FROM person_change WHERE person_id = ? AND effective = ?");
    del.bind(1, person).bind(2, format_date(effective));
    del.run();
    return sqlite3_changes(db_) > 0;
  }

  static StoredPerson person_row(Statement& q) {
    StoredPerson sp;
    Person& p = sp.person;
    p.id = q.text(0);
    p.name = q.text(1);
    p.email = q.text(2);
    p.unit = q.text(3);
    for (const auto& r : split_list(q.text(4)))
      if (auto role = role_from_name(r)) p.roles.push_back(*role);
    p.union_name = q.text(5);
    for (const auto& text : split_list(q.text(6))) {  // "amu" or "amu:2027-01-01..2028-12-31"
      auto seat = parse_membership(text);
      p.committees.push_back(seat ? std::move(seat).value() : Membership{text});
    }
    // Most dates are empty: no parse (and no error message made) for those.
    auto date_at = [&](int column, std::optional<LocalDays>& into) {
      std::string text = q.text(column);
      if (text.empty()) return;
      if (auto d = parse_date(text)) into = *d;
    };
    date_at(7, p.start_date);
    date_at(8, p.leader_start_date);
    p.manager = q.text(9);
    date_at(12, p.leader_end_date);
    if (const auto acting = split_list(q.text(13)); acting.size() == 3) {
      auto from = parse_date(acting[1]);
      auto to = parse_date(acting[2]);
      if (from && to) p.acting = Person::Acting{acting[0], *from, *to};
    }
    sp.removed = q.integer(10) != 0;
    sp.updated = at_secs(q.integer(11));
    return sp;
  }

  void store_people(const std::vector<Person>& people, const std::vector<std::string>& remove,
                    SysSeconds now) override {
    Call lock(this);
    transaction([&]() REQUIRES(mu_) {
      Statement up(db_,
                   "INSERT INTO person (id, name, email, unit, roles, union_name, committees, start_date, "
                   "leader_start_date, manager, removed, updated_utc, leader_end_date, acting) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,0,?,?,?) "
                   "ON CONFLICT (id) DO UPDATE SET name=excluded.name, email=excluded.email, unit=excluded.unit, "
                   "roles=excluded.roles, union_name=excluded.union_name, committees=excluded.committees, "
                   "start_date=excluded.start_date, leader_start_date=excluded.leader_start_date, "
                   "manager=excluded.manager, removed=0, updated_utc=excluded.updated_utc, "
                   "leader_end_date=excluded.leader_end_date, acting=excluded.acting");
      for (const Person& p : people) {
        bind_person(up, p, now);
        up.run();
      }
      // A tombstone, so a person of the config's own roster stays removed too.
      Statement rm(db_,
                   "INSERT INTO person (id, name, removed, updated_utc) VALUES (?, '', 1, ?) "
                   "ON CONFLICT (id) DO UPDATE SET removed=1, updated_utc=excluded.updated_utc");
      for (const auto& id : remove) rm.bind(1, id).bind(2, secs(now)).run();
      // Their dated changes go with them: none may apply to someone stored
      // again under the same id.
      Statement forget(db_, "DELETE FROM person_change WHERE person_id = ?");
      for (const auto& id : remove) forget.bind(1, id).run();
    });
  }

  // ---- overrides ----------------------------------------------------------------

  std::vector<Override> overrides() override {
    Call lock(this);
    Statement q(db_,
                "SELECT id, kind, uid, activity, unit, start_utc, end_utc, first_day, last_day, reason, created_utc, "
                "agenda, documents FROM override ORDER BY id");
    std::vector<Override> out;
    while (q.step()) {
      Override o;
      o.id = q.integer(0);
      const std::string kind = q.text(1);
      o.kind = kind == "cancel"   ? Override::Kind::cancel
               : kind == "extra"  ? Override::Kind::extra
               : kind == "agenda" ? Override::Kind::agenda
                                  : Override::Kind::move;
      o.uid = q.text(2);
      o.activity = q.text(3);
      o.unit = q.text(4);
      o.start = at_secs(q.integer(5));
      o.end = at_secs(q.integer(6));
      if (auto d = parse_date(q.text(7))) o.first_day = *d;
      if (auto d = parse_date(q.text(8))) o.last_day = *d;
      o.reason = q.text(9);
      o.created = at_secs(q.integer(10));
      o.agenda = split_list(q.text(11), '\n');
      for (const std::string& line : split_list(q.text(12), '\n')) {
        const auto tab = line.find('\t');
        if (tab != std::string::npos) o.documents.push_back({line.substr(0, tab), line.substr(tab + 1)});
      }
      out.push_back(std::move(o));
    }
    return out;
  }

  Override add_override(Override o, const std::function<std::string(long long)>& uid_of) override {
    Call lock(this);
    transaction([&]() REQUIRES(mu_) {
      Statement ins(db_,
                    "INSERT INTO override (kind, uid, activity, unit, start_utc, end_utc, first_day, last_day, reason, "
                    "created_utc, agenda, documents) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
      ins.bind(1, override_kind_name(o.kind)).bind(2, o.uid).bind(3, o.activity).bind(4, o.unit);
      ins.bind(5, secs(o.start)).bind(6, secs(o.end));
      ins.bind(7, o.first_day == LocalDays{} ? std::string() : format_date(o.first_day));
      ins.bind(8, o.last_day == LocalDays{} ? std::string() : format_date(o.last_day));
      std::vector<std::string> documents;
      for (const Document& d : o.documents) documents.push_back(d.title + "\t" + d.url);
      ins.bind(9, o.reason).bind(10, secs(o.created)).bind(11, join_list(o.agenda, '\n'));
      ins.bind(12, join_list(documents, '\n')).run();
      o.id = sqlite3_last_insert_rowid(db_);
      if (uid_of) {
        o.uid = uid_of(o.id);
        Statement set(db_, "UPDATE override SET uid = ? WHERE id = ?");
        set.bind(1, o.uid).bind(2, o.id).run();
      }
    });
    return o;
  }

  // ---- registrations and tasks ---------------------------------------------------------

  std::vector<Registration> registrations() override {
    Call lock(this);
    Statement q(db_,
                "SELECT activity, person, occurrence_uid, occurrence_day FROM registration ORDER BY activity, person");
    std::vector<Registration> out;
    while (q.step()) out.push_back({q.text(0), q.text(1), q.text(2), date_or_none(q.text(3))});
    return out;
  }

  std::vector<Registration> registrations_updated_since(SysSeconds since) override {
    Call lock(this);
    Statement q(db_,
                "SELECT activity, person, occurrence_uid, occurrence_day FROM registration WHERE updated_utc >= ? "
                "ORDER BY activity, person");
    q.bind(1, secs(since));
    std::vector<Registration> out;
    while (q.step()) out.push_back({q.text(0), q.text(1), q.text(2), date_or_none(q.text(3))});
    return out;
  }

  void save_registrations(const std::vector<Registration>& regs, SysSeconds now) override {
    Call lock(this);
    transaction([&]() REQUIRES(mu_) {
      exec("CREATE TEMP TABLE IF NOT EXISTS wanted_registration (activity TEXT, person TEXT, PRIMARY KEY (activity, person))");
      exec("DELETE FROM wanted_registration");
      Statement want(db_, "INSERT INTO wanted_registration (activity, person) VALUES (?, ?)");
      Statement up(db_,
                   "INSERT INTO registration (activity, person, occurrence_uid, occurrence_day, updated_utc) "
                   "VALUES (?,?,?,?,?) "
                   "ON CONFLICT (activity, person) DO UPDATE SET occurrence_uid=excluded.occurrence_uid, "
                   "occurrence_day=excluded.occurrence_day, updated_utc=excluded.updated_utc "
                   "WHERE occurrence_uid <> excluded.occurrence_uid OR occurrence_day <> excluded.occurrence_day");
      for (const auto& r : regs) {
        want.bind(1, r.activity).bind(2, r.person).run();
        up.bind(1, r.activity).bind(2, r.person).bind(3, r.occurrence_uid).bind(4, date_or_empty(r.occurrence_day));
        up.bind(5, secs(now)).run();
      }
      Statement gone(db_,
                     "INSERT OR REPLACE INTO registration_gone (activity, person, removed_utc) "
                     "SELECT activity, person, ? FROM registration "
                     "WHERE (activity, person) NOT IN (SELECT activity, person FROM wanted_registration)");
      gone.bind(1, secs(now)).run();
      exec("DELETE FROM registration WHERE (activity, person) NOT IN (SELECT activity, person FROM wanted_registration)");
    });
  }

  std::vector<std::pair<std::string, std::string>> registrations_removed_since(SysSeconds since) override {
    Call lock(this);
    Statement q(db_,
                "SELECT g.activity, g.person FROM registration_gone g WHERE g.removed_utc >= ? AND NOT EXISTS "
                "(SELECT 1 FROM registration r WHERE r.activity = g.activity AND r.person = g.person) "
                "ORDER BY g.activity, g.person");
    q.bind(1, secs(since));
    std::vector<std::pair<std::string, std::string>> out;
    while (q.step()) out.emplace_back(q.text(0), q.text(1));
    return out;
  }

  void sync_tasks(const std::vector<Task>& expected, SysSeconds from, SysSeconds now,
                  const std::vector<std::string>* subjects,
                  const std::function<bool(std::string_view)>& on_roster) override {
    Call lock(this);
    // Read what is stored and write only the differences: a rebuild after one
    // API change must not rewrite 90,000 unchanged tasks.
    struct Row {
      std::string assignee;
      long long due = 0;
      std::string status;
      long long since = 0;  // the occurrence's start (a cancelled one: never before), or the task's due time
      bool seen = false;
    };
    std::unordered_map<std::string, Row> rows;
    {
      const std::string select =
          "SELECT t.key, t.assignee, t.due_utc, t.status, CASE WHEN o.status = 'cancelled' THEN 9223372036854775807 "
          "ELSE COALESCE(o.start_utc, t.due_utc) END FROM task t "
          "LEFT JOIN occurrence o ON o.uid = t.occurrence_uid";
      if (!subjects) {
        Statement q(db_, select.c_str());
        while (q.step()) rows.emplace(q.text(0), Row{q.text(1), q.integer(2), q.text(3), q.integer(4)});
      } else {
        // Only these people's own tasks (task_by_subject); a unit's task has no subject.
        Statement q(db_, (select + " WHERE t.subject = ?").c_str());
        for (const std::string& subject : *subjects) {
          if (subject.empty()) continue;
          q.bind(1, subject);
          while (q.step()) rows.emplace(q.text(0), Row{q.text(1), q.integer(2), q.text(3), q.integer(4)});
          q.reset();
        }
      }
    }
    // A person's task by occurrence, subject and kind, of those not
    // cancelled: its key names the unit, so after a unit move the task
    // expected has another key than the one owed before the move. Read
    // only when a build first needs it (someone moved after a deadline), so
    // the usual build of 90,000 unchanged tasks does not pay for it.
    std::optional<std::unordered_map<std::string, std::string>> owed_by_subject;
    auto subject_key = [](std::string_view uid, std::string_view subject, std::string_view kind) {
      return std::string(uid) + '\n' + std::string(subject) + '\n' + std::string(kind);
    };
    auto owed_for = [&](const Task& t) REQUIRES(mu_) -> const std::string* {
      if (!owed_by_subject) {
        owed_by_subject.emplace();
        const std::string select = "SELECT key, occurrence_uid, subject, kind FROM task WHERE status <> 'cancelled' AND ";
        auto read = [&](Statement& q) {
          while (q.step()) owed_by_subject->emplace(subject_key(q.text(1), q.text(2), q.text(3)), q.text(0));
        };
        if (!subjects) {
          Statement q(db_, (select + "subject <> ''").c_str());
          read(q);
        } else {
          Statement q(db_, (select + "subject = ?").c_str());
          for (const std::string& subject : *subjects) {
            q.bind(1, subject);
            read(q);
            q.reset();
          }
        }
      }
      const auto it = owed_by_subject->find(subject_key(t.occurrence_uid, t.subject, task_kind_name(t.kind)));
      return it == owed_by_subject->end() ? nullptr : &it->second;
    };
    transaction([&]() REQUIRES(mu_) {
      Statement ins(db_,
                    "INSERT OR IGNORE INTO task (key, activity, occurrence_uid, unit, assignee, subject, due_utc, created_utc, kind, "
                    "updated_utc) VALUES (?,?,?,?,?,?,?,?8,?,?8)");
      Statement up(db_,
                   "UPDATE task SET assignee=?, due_utc=?, status=CASE WHEN status='cancelled' THEN 'open' ELSE status END, "
                   "updated_utc=? WHERE key=?");
      Statement cancel(db_, "UPDATE task SET status='cancelled', updated_utc=? WHERE key=?");
      for (const Task& t : expected) {
        auto it = rows.find(t.key);
        if ((it == rows.end() || it->second.status == "cancelled") && !t.subject.empty() && t.due <= now) {
          // The subject moved unit after this deadline: the task owed (or
          // done) before the move is this one, not a new overdue task for
          // the leader they joined, nor one cancelled when they moved away
          // from this unit before.
          const std::string* owed = owed_for(t);
          if (const auto o = owed ? rows.find(*owed) : rows.end(); o != rows.end() && o->first != t.key && o->second.due <= secs(now))
            it = o;
        }
        if (it == rows.end()) {
          if (t.kind != TaskKind::follow_up && t.due <= now) continue;
          ins.bind(1, t.key).bind(2, t.activity).bind(3, t.occurrence_uid).bind(4, t.unit).bind(5, t.assignee);
          ins.bind(6, t.subject).bind(7, secs(t.due)).bind(8, secs(now)).bind(9, task_kind_name(t.kind)).run();
          continue;
        }
        Row& r = it->second;
        if (r.seen) continue;  // a key twice in `expected`: the first wins
        r.seen = true;
        // A deadline that has passed was owed by whoever had the task then:
        // a new leader, or the leader of the unit its subject moved to,
        // takes over only what is still ahead, not old overdue tasks.
        const bool owed_before = r.status != "cancelled" && r.due <= secs(now) && secs(t.due) <= secs(now) &&
                                 (!on_roster || on_roster(r.assignee));
        const std::string& assignee = owed_before ? r.assignee : t.assignee;
        if (r.assignee != assignee || r.due != secs(t.due) || r.status == "cancelled")
          up.bind(1, assignee).bind(2, secs(t.due)).bind(3, secs(now)).bind(4, it->first).run();
      }
      for (const auto& [key, r] : rows)
        if (!r.seen && r.status == "open" && r.since >= secs(from)) cancel.bind(1, secs(now)).bind(2, key).run();
    });
  }

  std::vector<TaskState> tasks() override {
    Call lock(this);
    Statement q(db_,
                "SELECT id, key, activity, occurrence_uid, unit, assignee, subject, due_utc, status, kind FROM task "
                "WHERE status <> 'cancelled' ORDER BY due_utc, key");
    std::vector<TaskState> out;
    while (q.step()) {
      TaskState t;
      t.id = q.integer(0);
      t.task = {q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6), at_secs(q.integer(7)),
                parse_task_kind(q.text(9)).value_or(TaskKind::follow_up)};
      t.completed = q.text(8) == "done";
      out.push_back(std::move(t));
    }
    return out;
  }

  // The WHERE of a task page; binds from 1 in the order written.
  static std::string task_where(const TaskQuery& q, bool cursor) {
    std::string w = " WHERE 1";
    if (!q.activity.empty()) w += " AND activity = ?";
    if (!q.unit.empty()) w += " AND unit = ?";
    if (!q.assignee.empty()) w += " AND assignee = ?";
    if (!q.occurrence_uid.empty()) w += " AND occurrence_uid = ?";
    if (!q.kind.empty()) w += " AND kind = ?";
    if (q.status == "open") w += " AND status = 'open' AND due_utc > ?";
    else if (q.status == "overdue") w += " AND status = 'open' AND due_utc <= ?";
    else if (q.status == "done") w += " AND status = 'done'";
    else if (q.status == "cancelled") w += " AND status = 'cancelled'";
    else if (!q.updated_since) w += " AND status <> 'cancelled'";
    if (q.updated_since) w += " AND updated_utc >= ?";
    if (cursor && q.after_id > 0) w += " AND id > ?";
    return w;
  }
  static int bind_tasks(Statement& st, const TaskQuery& q, bool cursor) {
    int i = 1;
    for (const std::string* v : {&q.activity, &q.unit, &q.assignee, &q.occurrence_uid, &q.kind})
      if (!v->empty()) st.bind(i++, *v);
    if (q.status == "open" || q.status == "overdue") st.bind(i++, secs(q.now));
    if (q.updated_since) st.bind(i++, secs(*q.updated_since));
    if (cursor && q.after_id > 0) st.bind(i++, q.after_id);
    return i;
  }

  std::vector<TaskState> tasks(const TaskQuery& query) override {
    Call lock(this);
    Statement q(db_, ("SELECT id, key, activity, occurrence_uid, unit, assignee, subject, due_utc, status, kind, "
                      "updated_utc FROM task" + task_where(query, true) + " ORDER BY id LIMIT ?")
                         .c_str());
    q.bind(bind_tasks(q, query, true), static_cast<long long>(query.limit));
    std::vector<TaskState> out;
    while (q.step()) {
      TaskState t;
      t.id = q.integer(0);
      t.task = {q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6), at_secs(q.integer(7)),
                parse_task_kind(q.text(9)).value_or(TaskKind::follow_up)};
      t.completed = q.text(8) == "done";
      t.cancelled = q.text(8) == "cancelled";
      t.updated = at_secs(q.integer(10));
      out.push_back(std::move(t));
    }
    return out;
  }

  long long count_tasks(const TaskQuery& query) override {
    return count_rows("task", task_where(query, false), [&](Statement& q) { bind_tasks(q, query, false); });
  }

  bool complete_task(long long id, std::string_view by, SysSeconds now) override {
    Call lock(this);
    Statement q(db_, "SELECT status FROM task WHERE id = ?");
    q.bind(1, id);
    if (!q.step() || q.text(0) == "cancelled") return false;
    if (q.text(0) == "done") return true;
    q.reset();
    Statement u(db_,
                "UPDATE task SET status='done', completed_utc=?1, updated_utc=?1, completed_by=?2 WHERE id=?3 AND status='open'");
    u.bind(1, secs(now)).bind(2, by).bind(3, id).run();
    return true;
  }

  // ---- API tokens and settings ------------------------------------------------------------

  long long add_api_token(std::string_view hash, std::string_view role, std::string_view name, SysSeconds now) override {
    Call lock(this);
    Statement ins(db_, "INSERT INTO api_token (token_hash, role, name, created_utc) VALUES (?,?,?,?)");
    ins.bind(1, hash).bind(2, role).bind(3, name).bind(4, secs(now)).run();
    return sqlite3_last_insert_rowid(db_);
  }

  std::optional<ApiToken> api_token(std::string_view hash) override {
    Call lock(this);
    Statement q(db_, "SELECT id, role, name, created_utc FROM api_token WHERE token_hash = ? AND revoked_utc IS NULL");
    q.bind(1, hash);
    if (!q.step()) return std::nullopt;
    return ApiToken{q.integer(0), q.text(1), q.text(2), at_secs(q.integer(3)), std::nullopt};
  }

  std::vector<ApiToken> api_tokens() override {
    Call lock(this);
    Statement q(db_, "SELECT id, role, name, created_utc, revoked_utc IS NOT NULL, COALESCE(revoked_utc, 0) FROM api_token ORDER BY id");
    std::vector<ApiToken> out;
    while (q.step()) {
      ApiToken t{q.integer(0), q.text(1), q.text(2), at_secs(q.integer(3)), std::nullopt};
      if (q.integer(4)) t.revoked = at_secs(q.integer(5));
      out.push_back(std::move(t));
    }
    return out;
  }

  TokenRevocation revoke_api_token(long long id, SysSeconds now) override {
    Call lock(this);
    // One statement decides, so two revocations at once cannot both succeed.
    Statement u(db_, "UPDATE api_token SET revoked_utc = ? WHERE id = ? AND revoked_utc IS NULL");
    u.bind(1, secs(now)).bind(2, id).run();
    if (sqlite3_changes(db_) > 0) return TokenRevocation::revoked;
    Statement q(db_, "SELECT 1 FROM api_token WHERE id = ?");
    q.bind(1, id);
    return q.step() ? TokenRevocation::already_revoked : TokenRevocation::not_found;
  }

  std::optional<std::string> probe_write(std::chrono::milliseconds busy) override {
    Call lock(this);
    sqlite3_busy_timeout(db_, static_cast<int>(busy.count()));
    std::optional<std::string> problem;
    try {
      exec("BEGIN IMMEDIATE");
      // A real commit, not a rolled-back write: in WAL mode a rollback never
      // touches the disk, so only a commit finds a full or read-only one.
      Statement up(db_, "INSERT INTO setting (key, value) VALUES ('ready_probe', strftime('%s','now')) "
                        "ON CONFLICT (key) DO UPDATE SET value=excluded.value");
      up.run();
      exec("COMMIT");
    } catch (const std::runtime_error& e) {
      // "SQL: database is locked", "SQL step: database or disk is full": SQLite's part.
      const std::string what = e.what();
      const auto colon = what.find(": ");
      problem = colon == std::string::npos ? what : what.substr(colon + 2);
      rollback();
    }
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    return problem;
  }

  void add_web_session(const WebSession& w) override {
    Call lock(this);
    Statement del(db_, "DELETE FROM web_session WHERE expires_utc <= ?");
    del.bind(1, secs(w.created)).run();
    Statement ins(db_, "INSERT INTO web_session (id_hash, role, person, name, subject, api_token_hash, csrf, created_utc, "
                       "expires_utc) VALUES (?,?,?,?,?,?,?,?,?)");
    ins.bind(1, w.id_hash).bind(2, w.role).bind(3, w.person).bind(4, w.name).bind(5, w.subject).bind(6, w.api_token_hash)
        .bind(7, w.csrf).bind(8, secs(w.created)).bind(9, secs(w.expires)).run();
  }

  std::optional<WebSession> web_session(std::string_view id_hash, SysSeconds now) override {
    Call lock(this);
    Statement q(db_, "SELECT role, person, name, subject, api_token_hash, csrf, created_utc, expires_utc FROM web_session "
                     "WHERE id_hash = ? AND expires_utc > ?");
    q.bind(1, id_hash).bind(2, secs(now));
    if (!q.step()) return std::nullopt;
    return WebSession{std::string(id_hash), q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5),
                      at_secs(q.integer(6)), at_secs(q.integer(7))};
  }

  void delete_web_session(std::string_view id_hash) override {
    Call lock(this);
    Statement del(db_, "DELETE FROM web_session WHERE id_hash = ?");
    del.bind(1, id_hash).run();
  }

  void add_pending_sign_in(std::string_view state_hash, const PendingSignIn& p, SysSeconds now) override {
    Call lock(this);
    Statement del(db_, "DELETE FROM pending_sign_in WHERE expires_utc <= ?");
    del.bind(1, secs(now)).run();
    Statement ins(db_, "INSERT INTO pending_sign_in (state_hash, nonce, code_verifier, return_to, expires_utc) VALUES (?,?,?,?,?)");
    ins.bind(1, state_hash).bind(2, p.nonce).bind(3, p.code_verifier).bind(4, p.return_to).bind(5, secs(p.expires)).run();
  }

  std::optional<PendingSignIn> take_pending_sign_in(std::string_view state_hash, SysSeconds now) override {
    Call lock(this);
    // One statement takes it, so two callbacks with one state cannot both have it.
    Statement q(db_, "DELETE FROM pending_sign_in WHERE state_hash = ? RETURNING nonce, code_verifier, return_to, expires_utc");
    q.bind(1, state_hash);
    if (!q.step()) return std::nullopt;
    PendingSignIn p{q.text(0), q.text(1), q.text(2), at_secs(q.integer(3))};
    while (q.step()) {
    }
    if (p.expires <= now) return std::nullopt;
    return p;
  }

  std::vector<Subscription> subscriptions_owned_by(std::string_view person) override {
    Call lock(this);
    // "owner <> ''" also lets SQLite use the partial index.
    Statement q(db_, (std::string("SELECT ") + kSubscriptionColumns +
                      " FROM subscription WHERE owner = ? AND owner <> '' ORDER BY id").c_str());
    q.bind(1, person);
    std::vector<Subscription> out;
    while (q.step()) out.push_back(subscription_row(q));
    return out;
  }

  std::string setting(std::string_view key) override {
    Call lock(this);
    Statement q(db_, "SELECT value FROM setting WHERE key = ?");
    q.bind(1, key);
    return q.step() ? q.text(0) : std::string();
  }

  void set_setting(std::string_view key, std::string_view value) override {
    Call lock(this);
    Statement up(db_, "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value=excluded.value");
    up.bind(1, key).bind(2, value).run();
  }

  // ---- self-service subscriptions and the audit trail ----

  Subscription create_subscription(std::string_view token_hash, std::string_view filter, std::string_view owner,
                                   SysSeconds now, AuditEntry audit,
                                   const std::function<std::vector<OutboxMessage>(long long)>& announce) override {
    Call lock(this);
    Subscription sub;
    transaction([&]() REQUIRES(mu_) {
      Statement ins(db_,
                    "INSERT INTO subscription (token_hash, filter, created_utc, created_by, owner) VALUES (?, ?, ?, ?, ?)");
      ins.bind(1, token_hash).bind(2, filter).bind(3, secs(now)).bind(4, audit.actor).bind(5, owner).run();
      sub = Subscription{sqlite3_last_insert_rowid(db_), std::string(filter), now, audit.actor, std::string(owner), {}};
      audit.target = "subscription/" + std::to_string(sub.id);
      insert_audit(audit);
      if (announce) insert_outbox(announce(sub.id), now);
    });
    return sub;
  }

  Revocation revoke_subscription(long long id, SysSeconds now, AuditEntry audit) override {
    Call lock(this);
    Revocation outcome = Revocation::not_found;
    transaction([&]() REQUIRES(mu_) {
      Statement q(db_, "SELECT revoked_utc IS NOT NULL FROM subscription WHERE id = ?");
      q.bind(1, id);
      if (!q.step()) return;
      if (q.integer(0)) {
        outcome = Revocation::already_revoked;
        return;
      }
      Statement up(db_, "UPDATE subscription SET revoked_utc = ? WHERE id = ? AND revoked_utc IS NULL");
      up.bind(1, secs(now)).bind(2, id).run();
      audit.target = "subscription/" + std::to_string(id);
      insert_audit(audit);
      outcome = Revocation::revoked;
    });
    return outcome;
  }

  static constexpr const char* kSubscriptionColumns = "id, filter, created_utc, created_by, owner, revoked_utc";
  static Subscription subscription_row(const Statement& q) {
    Subscription s{q.integer(0), q.text(1), at_secs(q.integer(2)), q.text(3), q.text(4), {}};
    if (!q.text(5).empty()) s.revoked = at_secs(q.integer(5));
    return s;
  }

  std::vector<Subscription> subscriptions(bool include_revoked) override {
    Call lock(this);
    Statement q(db_, include_revoked
                         ? "SELECT id, filter, created_utc, created_by, owner, revoked_utc FROM subscription ORDER BY id"
                         : "SELECT id, filter, created_utc, created_by, owner, revoked_utc FROM subscription "
                           "WHERE revoked_utc IS NULL ORDER BY id");
    std::vector<Subscription> out;
    while (q.step()) out.push_back(subscription_row(q));
    return out;
  }

  std::optional<Subscription> subscription(long long id) override {
    Call lock(this);
    Statement q(db_, "SELECT id, filter, created_utc, created_by, owner, revoked_utc FROM subscription WHERE id = ?");
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    return subscription_row(q);
  }

  std::optional<Subscription> active_subscription(std::string_view token_hash) override {
    Call lock(this);
    Statement q(db_,
                "SELECT id, filter, created_utc, created_by, owner, revoked_utc FROM subscription "
                "WHERE token_hash = ? AND revoked_utc IS NULL");
    q.bind(1, token_hash);
    if (!q.step()) return std::nullopt;
    return subscription_row(q);
  }

  long long append_audit(const AuditEntry& entry) override {
    Call lock(this);
    return insert_audit(entry);
  }

  std::vector<AuditEntry> audit(const AuditQuery& query) override {
    Call lock(this);
    Statement q(db_,
                "SELECT id, at_utc, actor, door, action, target, before_json, after_json, reason FROM audit "
                "WHERE (? = '' OR actor = ?) AND (? = '' OR action = ?) AND (? = '' OR substr(target, 1, length(?)) = ?) "
                "AND at_utc >= ? AND at_utc < ? AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?");
    q.bind(1, query.actor).bind(2, query.actor).bind(3, query.action).bind(4, query.action);
    q.bind(5, query.target).bind(6, query.target).bind(7, query.target);
    q.bind(8, query.from ? secs(*query.from) : std::numeric_limits<long long>::min());
    q.bind(9, query.to ? secs(*query.to) : std::numeric_limits<long long>::max());
    q.bind(10, query.before_id).bind(11, query.before_id).bind(12, static_cast<long long>(query.limit));
    std::vector<AuditEntry> out;
    while (q.step())
      out.push_back(AuditEntry{q.integer(0), at_secs(q.integer(1)), q.text(2), q.text(3), q.text(4), q.text(5),
                               q.text(6), q.text(7), q.text(8)});
    return out;
  }

 private:
  long long insert_audit(const AuditEntry& e) REQUIRES(mu_) {
    Statement ins(db_,
                  "INSERT INTO audit (at_utc, actor, door, action, target, before_json, after_json, reason) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, secs(e.at)).bind(2, e.actor).bind(3, e.door).bind(4, e.action).bind(5, e.target);
    ins.bind(6, e.before.empty() ? std::string_view("null") : std::string_view(e.before));
    ins.bind(7, e.after.empty() ? std::string_view("null") : std::string_view(e.after)).bind(8, e.reason).run();
    return sqlite3_last_insert_rowid(db_);
  }

  // The rows of enqueue, inside a transaction the caller holds.
  // New rows only: a (hook, key) already there is left as it is. Returns how many were new.
  int insert_outbox(const std::vector<OutboxMessage>& messages, SysSeconds now) REQUIRES(mu_) {
    Statement ins(db_,
                  "INSERT OR IGNORE INTO outbox (key, hook, webhook_id, event_type, occurrence_uid, sequence, "
                  "recipient, payload, due_utc, next_attempt_utc, created_utc, updated_utc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
    int added = 0;
    for (const auto& m : messages) {
      ins.bind(1, m.key).bind(2, m.hook).bind(3, m.webhook_id).bind(4, m.event_type).bind(5, m.occurrence_uid);
      ins.bind(6, static_cast<long long>(m.sequence)).bind(7, m.recipient).bind(8, m.payload);
      ins.bind(9, secs(m.due)).bind(10, secs(m.next_attempt)).bind(11, secs(now)).bind(12, secs(now)).run();
      added += sqlite3_changes(db_);
    }
    return added;
  }

  // After a failed statement SQLite may already have rolled back (a full
  // disk, an I/O error): a ROLLBACK then fails with "no transaction is
  // active" and would hide the cause. Roll back only what is open, and let
  // the first error be the one that is thrown.
  void rollback() REQUIRES(mu_) {
    if (sqlite3_get_autocommit(db_)) return;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  // A transaction of its own, or, inside an all_or_nothing unit, a savepoint
  // in the unit's: a failed part then undoes only itself, and the unit
  // decides whether the rest commits.
  template <class F>
  void transaction(F&& body) REQUIRES(mu_) {
    if (!sqlite3_get_autocommit(db_)) {
      exec("SAVEPOINT part");
      try {
        body();
        exec("RELEASE part");
      } catch (...) {
        // SQLite may have rolled the whole unit back already (a full disk).
        if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK TO part; RELEASE part", nullptr, nullptr, nullptr);
        throw;
      }
      return;
    }
    exec("BEGIN IMMEDIATE");
    try {
      body();
      exec("COMMIT");
    } catch (...) {
      rollback();
      throw;
    }
  }

 public:
  void all_or_nothing(const std::function<void()>& body) override EXCLUDES(mu_) {
    const auto me = std::this_thread::get_id();
    if (unit_owner_.load() == me) return body();  // a unit inside a unit joins it
    std::unique_lock unit(unit_mu_);
    unit_owner_ = me;
    struct Disown {
      std::atomic<std::thread::id>& owner;
      ~Disown() { owner = std::thread::id{}; }
    } disown{unit_owner_};
    {
      Call lock(this);
      exec("BEGIN IMMEDIATE");
    }
    try {
      body();
      Call lock(this);
      exec("COMMIT");
    } catch (...) {
      Call lock(this);
      rollback();
      throw;
    }
  }

 private:
  // Every call holds mu_ for its statements. A call from any thread but the
  // one running an all_or_nothing unit first waits for the unit to end, so
  // no other thread reads what the unit has not committed, or writes into it.
  class SCOPED_CAPABILITY Call {
   public:
    explicit Call(SqliteStorage* s) ACQUIRE(s->mu_) NO_THREAD_SAFETY_ANALYSIS : mu_(&s->mu_) {
      if (s->unit_owner_.load() != std::this_thread::get_id()) unit_ = std::unique_lock(s->unit_mu_);
      mu_->lock();
    }
    ~Call() RELEASE() NO_THREAD_SAFETY_ANALYSIS { mu_->unlock(); }
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;

   private:
    Mutex* mu_;
    std::unique_lock<std::mutex> unit_;  // released after mu_: members go after the body
  };

  // One connection for every thread: the lock makes each call (and each
  // transaction) a unit; SQLite is opened in its serialized mode besides.
  Mutex mu_;
  StatementCache db_ GUARDED_BY(mu_);
  // Held by the thread running an all_or_nothing unit for the whole unit
  // (a std::mutex: it guards no field, it keeps other threads' calls out).
  std::mutex unit_mu_;
  std::atomic<std::thread::id> unit_owner_{};
};

}  // namespace

namespace {
std::string gone_key(std::string_view hook) { return "hook_gone/" + std::string(hook); }
}  // namespace

// Stored as "<unix seconds> <url>"; an empty value is no mark.
std::optional<GoneHook> hook_gone(Storage& storage, std::string_view hook) {
  const std::string value = storage.setting(gone_key(hook));
  const auto space = value.find(' ');
  if (space == std::string::npos) return std::nullopt;
  long long since = 0;
  try {
    since = std::stoll(value.substr(0, space));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return GoneHook{value.substr(space + 1), SysSeconds{Seconds{since}}};
}

void set_hook_gone(Storage& storage, std::string_view hook, const GoneHook& gone) {
  storage.set_setting(gone_key(hook), std::to_string(secs(gone.since)) + " " + gone.url);
}

void clear_hook_gone(Storage& storage, std::string_view hook) {
  if (!storage.setting(gone_key(hook)).empty()) storage.set_setting(gone_key(hook), "");
}

Expected<std::unique_ptr<Storage>> open_sqlite_storage(const std::string& path) {
  // The file holds the roster and the secret every personal feed link is
  // derived from: a new one is readable by its owner only, whatever the
  // umask. SQLite gives its -wal and -shm files the database's mode.
  if (const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600); fd >= 0) ::close(fd);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    std::string msg = path + ": cannot open the database: " + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return Error{msg};
  }
  auto storage = std::make_unique<SqliteStorage>(db);
  try {
    storage->migrate();
  } catch (const std::exception& e) {
    return Error{path + ": " + e.what()};
  }
  return std::unique_ptr<Storage>(std::move(storage));
}

}  // namespace arshjul
