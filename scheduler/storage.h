// Durable state: the occurrences materialised for the horizon, with the
// SEQUENCE and STATUS that subscribers have seen.
//
// Storage is a narrow interface so a PostgreSQL backend can stand beside
// the SQLite one. One writer; SQLite runs in WAL mode with versioned
// migrations applied at open. Safe to call from several threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calendars/expected.h"
#include "workflows/expansion.h"

namespace arshjul {

struct StoredOccurrence {
  std::string uid;
  std::string wheel;
  std::string activity;
  std::string unit;           // empty: organisation
  LocalDays original_day;
  bool all_day = false;
  SysSeconds start{}, end{};
  std::string title;
  std::string location;
  std::string audience;       // "|p:ID|r:ROLE|" of everyone it concerned when last stored
  int sequence = 0;
  bool cancelled = false;
  SysSeconds created{};
  SysSeconds updated{};
};

struct Subscription {
  long long id = 0;
  std::string filter;         // FeedFilter::to_string()
  SysSeconds created{};
};

// What a sync did.
struct SyncStats {
  int inserted = 0;
  int changed = 0;     // content or time changed: SEQUENCE raised
  int cancelled = 0;   // no longer in the config: STATUS:CANCELLED, SEQUENCE raised
  int restored = 0;    // cancelled before, back in the config
  int unchanged = 0;
  bool any_change() const { return inserted + changed + cancelled + restored > 0; }
};

class Storage {
 public:
  virtual ~Storage() = default;

  virtual int schema_version() = 0;

  // Makes storage match `expansion` for original days in [from, to]:
  // new occurrences are inserted, changed ones get a higher SEQUENCE, and
  // stored ones the expansion no longer has are cancelled, never deleted.
  // Running it twice on the same expansion changes nothing.
  virtual SyncStats sync(std::string_view organisation, const Expansion& expansion, LocalDays from, LocalDays to,
                         SysSeconds now) = 0;

  // Stored occurrences with original days in [from, to], by start.
  virtual std::vector<StoredOccurrence> occurrences(std::string_view organisation, LocalDays from,
                                                    LocalDays to) = 0;

  // Subscriptions are found by the hash of their secret token; the token
  // itself is never stored. A revoked one is not found.
  virtual long long add_subscription(std::string_view token_hash, std::string_view filter, SysSeconds now) = 0;
  virtual bool revoke_subscription(std::string_view token_hash, SysSeconds now) = 0;
  virtual std::optional<Subscription> find_subscription(std::string_view token_hash) = 0;

  // Every active subscription by token hash, for a server's in-memory index.
  virtual std::vector<std::pair<std::string, Subscription>> active_subscriptions() = 0;

  // Changes whenever another connection or process commits; cheap to poll.
  virtual long long data_version() = 0;
};

// Opens (creating if needed) and migrates an SQLite database file.
Expected<std::unique_ptr<Storage>> open_sqlite_storage(const std::string& path);

}  // namespace arshjul
