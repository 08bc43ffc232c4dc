// backup_sqlite: SQLite's online backup API, a temp file and a rename.
#include <cstdio>
#include <filesystem>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include <sqlite3.h>

#include "storage/storage.h"

namespace arshjul {
namespace {

struct Connection {
  sqlite3* db = nullptr;
  ~Connection() { sqlite3_close(db); }
  std::string error() const { return db ? sqlite3_errmsg(db) : "out of memory"; }
};

void remove_quietly(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
}

// The rename is durable only once the directory that holds it is on disk.
void sync_directory(const std::filesystem::path& file) {
  const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

Expected<BackupResult> backup_sqlite(const std::string& from, const std::string& to) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(from, ec)) return Error{from + ": no such database"};
  if (std::filesystem::exists(to, ec) && std::filesystem::equivalent(from, to, ec))
    return Error{to + ": is the database itself; back it up to another file"};
  const std::string tmp = to + ".tmp";
  remove_quietly(tmp);  // what an interrupted backup left

  {
    // Read-write without create: a WAL database is read through its -shm,
    // and a missing file must not become an empty one.
    Connection src, dst;
    if (sqlite3_open_v2(from.c_str(), &src.db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
      return Error{from + ": cannot open the database: " + src.error()};
    sqlite3_busy_timeout(src.db, 5000);
    if (sqlite3_open_v2(tmp.c_str(), &dst.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
      return Error{tmp + ": cannot create the backup: " + dst.error()};
    sqlite3_backup* b = sqlite3_backup_init(dst.db, "main", src.db, "main");
    if (!b) {
      std::string why = dst.error();
      remove_quietly(tmp);
      return Error{tmp + ": cannot start the backup: " + why};
    }
    // All pages in one step: one read transaction, so the copy is of one
    // moment, and in WAL mode the daemon's writes go on beside it (a copy
    // in several steps would start over after each of them).
    int rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
      std::string why = sqlite3_errstr(rc);
      remove_quietly(tmp);
      return Error{(rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? from : tmp) + ": the backup failed: " + why};
    }
  }

  BackupResult result;
  result.path = to;
  {
    Connection check;
    if (sqlite3_open_v2(tmp.c_str(), &check.db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      std::string why = check.error();
      remove_quietly(tmp);
      return Error{tmp + ": cannot open the backup to check it: " + why};
    }
    std::string verdict;
    auto query = [&](const char* sql, auto&& row) {
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(check.db, sql, -1, &st, nullptr) != SQLITE_OK) return false;
      int rc;
      while ((rc = sqlite3_step(st)) == SQLITE_ROW) row(st);
      sqlite3_finalize(st);
      return rc == SQLITE_DONE;
    };
    const bool checked = query("PRAGMA integrity_check", [&](sqlite3_stmt* st) {
      if (!verdict.empty()) verdict += "; ";
      verdict += reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    });
    if (!checked || verdict != "ok") {
      std::string why = checked ? verdict : check.error();
      remove_quietly(tmp);
      return Error{tmp + ": the backup failed its integrity check: " + why + "; " + to + " is unchanged"};
    }
    query("PRAGMA page_count", [&](sqlite3_stmt* st) { result.pages = sqlite3_column_int64(st, 0); });
    query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
          [&](sqlite3_stmt* st) { result.schema_version = sqlite3_column_int(st, 0); });
  }
  // Closed: the copy's own WAL is checkpointed into it and removed.
  std::filesystem::rename(tmp, to, ec);
  if (ec) {
    remove_quietly(tmp);
    return Error{to + ": cannot rename the checked backup into place: " + ec.message()};
  }
  sync_directory(to);
  result.bytes = static_cast<long long>(std::filesystem::file_size(to, ec));
  return result;
}

}  // namespace arshjul
