// Durable state: the occurrences materialised for the horizon, with the
// SEQUENCE and STATUS that subscribers have seen.
//
// Storage is a narrow interface so a PostgreSQL backend can stand beside
// the SQLite one. One writer; SQLite runs in WAL mode with versioned
// migrations applied at open. Safe to call from several threads; each call
// is atomic, and all_or_nothing makes several calls one.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calendars/expected.h"
#include "workflows/expansion.h"
#include "workflows/overrides.h"
#include "workflows/registrations.h"
#include "workflows/tasks.h"

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
  std::string description;    // the event's DESCRIPTION as last stored (occurrence_description)
  std::string wheel_name;     // its CATEGORIES as last stored
  std::string audience;       // "|p:ID|r:ROLE|" of everyone it concerned when last stored
  int sequence = 0;
  bool cancelled = false;
  std::string cancel_reason;  // cancelled: HR's reason; empty when the config no longer has it
  SysSeconds created{};
  SysSeconds updated{};
};

struct Subscription {
  long long id = 0;
  std::string filter;         // FeedFilter::to_string()
  SysSeconds created{};
  std::string created_by;     // who made it (an audit actor); "" for older rows
  std::string owner;          // roster id of whoever made it on "Mitt årshjul" (and may revoke it there), or ""
  std::optional<SysSeconds> revoked;
};

// One row of the audit trail: who changed what, when, through which door
// ("api", "page", "cli", "reload"), and why. `before` and `after` are JSON
// ("null" when there was nothing). Rows are appended, never changed: the
// database itself refuses an UPDATE or DELETE of them.
struct AuditEntry {
  long long id = 0;
  SysSeconds at{};
  std::string actor;     // a person's or token's name, "cli", "reload"
  std::string door;
  std::string action;    // "subscription.create", "person.store", "occurrence.move", ...
  std::string target;    // what it was done to: "subscription/12", "person/kari", an occurrence UID
  std::string before = "null";
  std::string after = "null";
  std::string reason;
};

// Which audit rows to list, newest first. Empty strings match everything;
// `target` matches a prefix ("person/" for every person). `before_id` is the
// cursor: only rows with a smaller id (0: from the newest).
struct AuditQuery {
  std::string actor, action, target;
  std::optional<SysSeconds> from, to;  // [from, to)
  long long before_id = 0;
  int limit = 100;
};

// One message in the durable outbox. `webhook_id` is the idempotency key a
// receiver sees, the same on every attempt.
struct OutboxMessage {
  long long id = 0;
  std::string key;             // unique per hook: event|occurrence|sequence|rule|recipient
  std::string hook;
  std::string webhook_id;
  std::string event_type;
  std::string occurrence_uid;
  int sequence = 0;
  std::string recipient;
  std::string payload;         // JSON body
  SysSeconds due{};
  SysSeconds next_attempt{};
  int attempts = 0;
  std::string status = "pending";  // pending | sent | dead | dropped
  std::string last_error;
  SysSeconds sent{};
  SysSeconds created{};        // when it was enqueued; set by enqueue, not by the caller
  SysSeconds updated{};        // when it was enqueued or its status last changed
};

// One page of the outbox, newest first. Empty strings match everything.
// `before_id` is the cursor: only rows with a smaller id (0: from the newest).
struct OutboxQuery {
  std::string status, hook, event_type, recipient, occurrence_uid;
  std::optional<SysSeconds> updated_since;  // enqueued or changed at or after
  long long before_id = 0;
  int limit = 100;
};

// One page of the tasks, by id. Empty strings match everything; `status` is
// "open" (not done, due after `now`), "overdue" (not done, due by `now`),
// "done", or "cancelled" (no longer owed). Cancelled tasks are listed only
// when asked for by status or with `updated_since`, so that an integrator
// reading changes learns that a task went. `after_id` is the cursor.
struct TaskQuery {
  std::string activity, unit, assignee, occurrence_uid, kind, status;
  SysSeconds now{};
  std::optional<SysSeconds> updated_since;
  long long after_id = 0;
  int limit = 1000;
};

// What a sync did.
struct SyncStats {
  std::vector<std::string> changed_uids;    // SEQUENCE raised, still scheduled
  std::vector<std::string> cancelled_uids;  // newly cancelled
  int inserted = 0;
  int changed = 0;     // content or time changed: SEQUENCE raised
  int cancelled = 0;   // no longer in the config: STATUS:CANCELLED, SEQUENCE raised
  int restored = 0;    // cancelled before, back in the config
  int kept_past = 0;   // ended by `now`, left as held although the config now says otherwise
  int unchanged = 0;
  bool any_change() const { return inserted + changed + cancelled + restored > 0; }
};

// A person as HR or the HR system stored them. `removed` hides a person
// of the config's own roster too.
struct StoredPerson {
  Person person;
  bool removed = false;
  SysSeconds updated{};
};

// A change to a person that HR dated ahead: on `effective` (the
// organisation's day) the daemon applies it field by field over the person
// as they are then (apply_dated_change), so what changed in between stays.
struct ScheduledChange {
  std::string person;    // the person's id
  LocalDays effective{};
  Person before;         // as they were when the change was made
  Person after;          // as the change makes them
  SysSeconds created{};
  std::string actor;     // who made it, for the audit trail
};

// An API bearer token, kept by hash: `hr` may change things, `read` may only read.
struct ApiToken {
  long long id = 0;
  std::string role;
  std::string name;
  SysSeconds created{};
  std::optional<SysSeconds> revoked;  // set once; a revoked token is refused at once
};

// A signed-in browser: by OpenID Connect (`person` set; `role` "hr" or
// "person") or with an API token (`api_token_hash` set; its role). Kept by
// the hash of its cookie's id; `csrf` is the forms' token for it.
struct WebSession {
  std::string id_hash;
  std::string role;
  std::string person;           // the roster person's id; empty for a token session or one outside the roster
  std::string name;             // who, for pages and the audit trail: the person's or the token's name
  std::string subject;          // the provider's `sub`, for the log
  std::string api_token_hash;   // a token session: re-checked on every request
  std::string csrf;
  SysSeconds created{};
  SysSeconds expires{};
};

// A sign-in begun at the provider: its `state` (by hash), and the `nonce`
// and PKCE verifier that only the callback may use, once.
struct PendingSignIn {
  std::string nonce;
  std::string code_verifier;
  std::string return_to;
  SysSeconds expires{};
};

// What revoking an API token by id did.
enum class TokenRevocation { revoked, not_found, already_revoked };

class Storage {
 public:
  virtual ~Storage() = default;

  virtual int schema_version() = 0;

  // Runs `body` as one transaction: whatever it stores through this Storage
  // on the calling thread commits together, or (when it throws, or the
  // commit fails) none of it does, and the exception is rethrown. A unit
  // inside a unit joins the outer one. Calls from other threads wait until
  // the unit has ended, so nobody sees what it has not committed. This is
  // how a change and the messages it implies are stored together.
  virtual void all_or_nothing(const std::function<void()>& body) = 0;

  // Makes storage match `expansion` for original days in [from, to]:
  // new occurrences are inserted, changed ones get a higher SEQUENCE, and
  // stored ones the expansion no longer has are cancelled, never deleted,
  // with HR's reason when a cancel override names them. A stored occurrence
  // that has ended by `now` is history: it is left as it was held (counted
  // in kept_past when the expansion differs), only filling in a description
  // stored before there was one. Running it twice on the same expansion
  // changes nothing.
  virtual SyncStats sync(std::string_view organisation, const Expansion& expansion, LocalDays from, LocalDays to,
                         SysSeconds now) = 0;

  // Stored occurrences with original days in [from, to], by start.
  virtual std::vector<StoredOccurrence> occurrences(std::string_view organisation, LocalDays from,
                                                    LocalDays to) = 0;

  // Subscriptions are kept by the hash of their secret token; the token
  // itself is never stored.
  virtual long long add_subscription(std::string_view token_hash, std::string_view filter, SysSeconds now) = 0;
  virtual bool revoke_subscription(std::string_view token_hash, SysSeconds now) = 0;

  // Whether the subscription with this hash was revoked; nullopt if there is none.
  virtual std::optional<bool> subscription_revoked(std::string_view token_hash) = 0;

  // Every active (unrevoked) subscription by token hash, for a server's in-memory index.
  virtual std::vector<std::pair<std::string, Subscription>> active_subscriptions() = 0;
  // Changes whenever a subscription is added, revoked or removed, by any
  // process (a trigger counts them): an index with the same stamp need not
  // read 50,000 rows again. One row read, whatever the table holds.
  struct SubscriptionsStamp {
    long long changes = 0;
    bool operator==(const SubscriptionsStamp&) const = default;
  };
  virtual SubscriptionsStamp subscriptions_stamp() = 0;

  // Self-service subscriptions. In one transaction: the subscription, its
  // audit row (target "subscription/ID" once the id is known) and the
  // outbox messages that announce it (`announce` gets the new id), so a
  // subscription is never stored unannounced nor announced unstored.
  virtual Subscription create_subscription(std::string_view token_hash, std::string_view filter,
                                           std::string_view owner, SysSeconds now, AuditEntry audit,
                                           const std::function<std::vector<OutboxMessage>(long long id)>& announce) = 0;
  // Revokes by id with its audit row, in one transaction.
  enum class Revocation { revoked, not_found, already_revoked };
  virtual Revocation revoke_subscription(long long id, SysSeconds now, AuditEntry audit) = 0;
  // Every subscription, by id; revoked ones too when asked.
  virtual std::vector<Subscription> subscriptions(bool include_revoked) = 0;
  virtual std::optional<Subscription> subscription(long long id) = 0;
  // An active subscription by its token's hash, as stored now (another process may have made it).
  virtual std::optional<Subscription> active_subscription(std::string_view token_hash) = 0;

  // The audit trail. append_audit joins the transaction of whatever change
  // it records when the caller runs both in one unit of work.
  virtual long long append_audit(const AuditEntry& entry) = 0;
  virtual std::vector<AuditEntry> audit(const AuditQuery& query) = 0;

  // Changes whenever another connection or process commits; cheap to poll.
  virtual long long data_version() = 0;

  // Readiness: whether a write commits now. Waits at most `busy` for another
  // writer, then commits a one-row probe (the setting "ready_probe"). nullopt
  // if it committed, else SQLite's reason: "database is locked", "database or
  // disk is full", "attempt to write a readonly database", "disk I/O error".
  virtual std::optional<std::string> probe_write(std::chrono::milliseconds busy) = 0;

  // The outbox. Enqueueing ignores a (hook, key) already present, so
  // planning twice never sends twice; returns how many were new. New rows
  // are created at `now`, whenever they are due.
  virtual int enqueue(const std::vector<OutboxMessage>& messages, SysSeconds now) = 0;
  // Pending messages whose next attempt is due, oldest first.
  virtual std::vector<OutboxMessage> due_messages(SysSeconds now, int limit) = 0;
  virtual void mark_sent(long long id, SysSeconds now) = 0;
  virtual void mark_failed(long long id, int attempts, SysSeconds next_attempt, std::string_view error, bool dead,
                           SysSeconds now) = 0;
  virtual void mark_dropped(long long id, std::string_view reason, SysSeconds now) = 0;
  // Messages by status ("" for all), newest first.
  virtual std::vector<OutboxMessage> outbox(std::string_view status, int limit) = 0;
  // A page of messages as `query` asks, and how many match it without the cursor and limit.
  virtual std::vector<OutboxMessage> outbox(const OutboxQuery& query) = 0;
  virtual long long count_outbox(const OutboxQuery& query) = 0;
  // A dead (or dropped) message goes back to pending, attempts reset; false if there is no such message.
  virtual bool retry(long long id, SysSeconds now) = 0;
  // Who was sent a reminder or notice for an occurrence, by hook: they are owed word of a change.
  virtual std::vector<std::pair<std::string, std::string>> told_about(std::string_view uid) = 0;
  virtual std::optional<OutboxMessage> outbox_message(long long id) = 0;
  // Dead letters of `hook` ("": every hook) due in [from, to) go back to
  // pending, attempts reset, in one transaction; returns how many.
  virtual int retry_dead(std::string_view hook, SysSeconds from, SysSeconds to, SysSeconds now) = 0;
  // Deletes at most `limit` sent and dropped messages due and sent before
  // `before` whose occurrence has ended by `now` (or that have none), so
  // told_about still knows who was told of every occurrence ahead. Dead and
  // pending messages are kept, and so are registration messages (re-planned
  // on every rebuild; their row keeps them once-only). Returns how many went.
  virtual int prune_outbox(SysSeconds before, SysSeconds now, int limit) = 0;

  // The roster HR and the HR system maintain, over the config's own. A
  // store is one transaction: all or nothing.
  virtual std::vector<StoredPerson> people() = 0;
  // One person as stored (removed ones too); nullopt if never stored.
  virtual std::optional<StoredPerson> stored_person(std::string_view id) = 0;
  // A removed person's dated changes are dropped with them.
  virtual void store_people(const std::vector<Person>& upsert, const std::vector<std::string>& remove,
                            SysSeconds now) = 0;
  // The people stored or removed at or after `since`, by id.
  virtual std::vector<StoredPerson> people_updated_since(SysSeconds since) = 0;
  // Dated changes: one per person and day (a new one replaces it); listed
  // by day then person, of one person (empty: everyone's), and only those
  // due by `due_by` when given. drop says whether there was one.
  virtual void schedule_change(const ScheduledChange& change) = 0;
  virtual std::vector<ScheduledChange> scheduled_changes(std::string_view person = {},
                                                         std::optional<LocalDays> due_by = std::nullopt) = 0;
  virtual bool drop_scheduled_change(std::string_view person, LocalDays effective) = 0;

  // HR's overrides, oldest first. The id of an extra occurrence is part of
  // its UID, so add_override returns it before the UID is known and
  // set_override_uid completes it in the same call (`uid_of` builds it).
  virtual std::vector<Override> overrides() = 0;
  virtual Override add_override(Override override, const std::function<std::string(long long)>& uid_of) = 0;

  // Registrations are replaced as a whole: the plan is the wanted state.
  virtual std::vector<Registration> registrations() = 0;
  virtual void save_registrations(const std::vector<Registration>& registrations, SysSeconds now) = 0;
  // The registrations made or moved at or after `since`.
  virtual std::vector<Registration> registrations_updated_since(SysSeconds since) = 0;
  // The (activity, person) of registrations removed at or after `since` and
  // not made again since, by activity then person.
  virtual std::vector<std::pair<std::string, std::string>> registrations_removed_since(SysSeconds since) = 0;

  // Tasks: sync inserts new ones open, updates assignee and due, and cancels
  // open ones no longer expected whose occurrence is cancelled or starts at
  // or after `from` (their due time, when it is not stored): a December
  // meeting's minutes due in January stay owed when the horizon moves on.
  // An open task whose due time had passed and still has at `now` keeps its
  // assignee (a new leader takes over only what is still ahead), unless
  // `on_roster` (when given) says that assignee has left: then someone who
  // can act on it must. So does a person's task (open or done) when they
  // have moved unit since its deadline: it stands for the task expected
  // under the new unit's key, which is not stored.
  // A meeting's paperwork new to storage whose due time has passed at `now`
  // is not stored: it was never owed in time (a rule added in November does
  // not make the year's documents overdue). Completed ones are kept as they are.
  // With `subjects`, `expected` holds only those people's own tasks, and only
  // theirs are compared: what one person's change costs.
  virtual void sync_tasks(const std::vector<Task>& expected, SysSeconds from, SysSeconds now,
                          const std::vector<std::string>* subjects = nullptr,
                          const std::function<bool(std::string_view)>& on_roster = {}) = 0;
  virtual std::vector<TaskState> tasks() = 0;  // open and completed, by due then key
  // A page of tasks as `query` asks, by id, and how many match it without the cursor and limit.
  virtual std::vector<TaskState> tasks(const TaskQuery& query) = 0;
  virtual long long count_tasks(const TaskQuery& query) = 0;
  // false if there is no open or completed task with that id.
  virtual bool complete_task(long long id, std::string_view by, SysSeconds now) = 0;

  virtual long long add_api_token(std::string_view token_hash, std::string_view role, std::string_view name,
                                  SysSeconds now) = 0;
  virtual std::optional<ApiToken> api_token(std::string_view token_hash) = 0;  // active ones only
  // Every token, revoked ones too, by id; the token itself is not stored, so not listed.
  virtual std::vector<ApiToken> api_tokens() = 0;
  virtual TokenRevocation revoke_api_token(long long id, SysSeconds now) = 0;

  // Browser sessions and sign-ins under way (server/web.h). Expired ones
  // are deleted as new ones are added; take_pending_sign_in deletes what it
  // returns, so a state works once.
  virtual void add_web_session(const WebSession& session) = 0;
  virtual std::optional<WebSession> web_session(std::string_view id_hash, SysSeconds now) = 0;
  virtual void delete_web_session(std::string_view id_hash) = 0;
  virtual void add_pending_sign_in(std::string_view state_hash, const PendingSignIn& pending, SysSeconds now) = 0;
  virtual std::optional<PendingSignIn> take_pending_sign_in(std::string_view state_hash, SysSeconds now) = 0;
  // Feeds a person made themselves on "Mitt årshjul" (owner), revoked ones too, oldest first.
  virtual std::vector<Subscription> subscriptions_owned_by(std::string_view person) = 0;

  // Small settings the daemon keeps: the feed secret (in plain text: the
  // database file is its protection, docs/ARCHITECTURE.md "Secrets"), the public URL.
  virtual std::string setting(std::string_view key) = 0;
  virtual void set_setting(std::string_view key, std::string_view value) = 0;
};

// A hook whose receiver answered 410 Gone: nothing more is POSTed to `url`
// until HR replays its dead letters by hook or the config gives it another
// URL. Kept as a setting ("hook_gone/ID"), so it survives a restart.
struct GoneHook {
  std::string url;
  SysSeconds since{};
};
std::optional<GoneHook> hook_gone(Storage& storage, std::string_view hook);
void set_hook_gone(Storage& storage, std::string_view hook, const GoneHook& gone);
void clear_hook_gone(Storage& storage, std::string_view hook);

// Opens (creating if needed) and migrates an SQLite database file. A new
// file is readable by its owner only: it holds the feed secret and the roster.
Expected<std::unique_ptr<Storage>> open_sqlite_storage(const std::string& path);

// What backup_sqlite wrote.
struct BackupResult {
  std::string path;
  long long pages = 0;
  long long bytes = 0;
  int schema_version = 0;
};

// An online copy of the SQLite database at `from` into `to` with SQLite's
// backup API, consistent as of one moment while a daemon keeps writing (in
// WAL mode the copy reads beside the writer, never blocking it). Written to
// `to`.tmp, checked with PRAGMA integrity_check, then renamed over `to`, so
// `to` is either the old file or a whole, checked copy. Errors (no such
// database, `to` is `from`, a failed check, a full disk) name the file.
Expected<BackupResult> backup_sqlite(const std::string& from, const std::string& to);

}  // namespace arshjul
