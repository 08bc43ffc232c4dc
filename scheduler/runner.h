// The wheel in motion inside the daemon, and the one owner of its state.
//
// A WheelRunner keeps the config as the files last gave it, the current
// snapshot, the subscription index and what has been planned into the
// outbox. Everything that changes them runs on the runner's own thread: the
// first build, API writes (write), reloads (reload) and the 1 s tick that
// applies HR's dated changes on their day, notices other processes'
// changes, moves the horizon and plans reminders (and, once an hour of the
// wheel's time, prunes old delivered messages).
// So a rebuild never runs on a thread that serves requests, and writers
// never overlap.
//
// Thread-safety: snapshot(), subscription(), write(), reload() and
// metrics_text() may be called from any thread; write() blocks its caller
// (never the runner's own thread) until the rebuilt snapshot is current.
// Errors: start() reports a failed first build as an Error; write() rethrows
// what its change or the rebuild threw, and then nothing of it is stored
// (the change, the rebuild and the messages they imply are one storage
// unit, Storage::all_or_nothing); a failing tick or reload is logged and the
// previous snapshot stays.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "calendars/expected.h"
#include "scheduler/clock.h"
#include "scheduler/engine.h"
#include "storage/storage.h"
#include "threads/mutex.h"

namespace arshjul {

// How far ahead messages are planned into the outbox, and how early the
// next window is planned (the tick checks).
inline constexpr Seconds kPlanAhead = std::chrono::hours{24 * 31};
inline constexpr Seconds kReplanBefore = std::chrono::hours{24 * 16};
// How often old sent and dropped outbox rows are pruned, and how many at most per tick.
inline constexpr Seconds kPruneEvery = std::chrono::hours{1};
inline constexpr int kPruneBatch = 1000;

class WheelRunner {
 public:
  using Log = std::function<void(const std::string&)>;
  // Reads and validates the config files again (SIGHUP); the error lists every problem.
  // Loads the config: the folder read again when `reread_folder`, else the
  // folder as last loaded well with only what is kept in storage (the
  // political calendar's stored copy) read again.
  using LoadFiles = std::function<Expected<Config>(bool reread_folder)>;
  using SnapshotListener = std::function<void(const std::shared_ptr<const Snapshot>&)>;
  // A change to storage, run on the runner's thread with the snapshot current
  // there; returns whether the wheel must be rebuilt.
  using Change = std::function<bool(Storage&, const std::shared_ptr<const Snapshot>&)>;

  WheelRunner(Storage& storage, const Clock& clock, LoadFiles load_files, Log log);
  ~WheelRunner();  // stops the runner's thread
  WheelRunner(const WheelRunner&) = delete;
  WheelRunner& operator=(const WheelRunner&) = delete;

  // Called before start(): told of every new snapshot, on the runner's
  // thread, just before it is published (snapshot() returns it).
  void on_snapshot(SnapshotListener listener);

  // Builds the first snapshot from `files` and starts the runner's thread and tick.
  Expected<std::shared_ptr<const Snapshot>> start(Config files);
  // No more ticks; queued work finishes; the thread is joined. Idempotent.
  void stop();

  std::shared_ptr<const Snapshot> snapshot() const EXCLUDES(snapshot_mu_);
  // An active feed subscription by its token's hash.
  std::optional<Subscription> subscription(const std::string& token_hash) const EXCLUDES(subscriptions_mu_);

  // Runs `change` on the runner's thread, then rebuilds if it asks to; either
  // way the subscription index is current when write returns, so a feed
  // created by the change answers at once.
  // With `people`, the change writes only those people's stored rows, and
  // the rebuild redoes only what it can narrow to them (PeopleChange) when
  // nothing else changed storage since the current snapshot.
  // Returns the snapshot current right after this change (its own rebuild,
  // or the one it found), never a later writer's.
  std::shared_ptr<const Snapshot> write(const std::string& why, const Change& change,
                                        const std::vector<std::string>& people = {});
  // Reads the files again and rebuilds if they are valid (SIGHUP); returns at
  // once. Without `reread_folder` only a new political calendar is applied
  // (a fetch), so an unsignalled half-edit in the folder is not.
  void reload(bool reread_folder = true);

  // Runs `job` on the runner's thread after what is queued there: work that
  // follows a snapshot (the feeds' digests) at the runner's lowered priority,
  // so it neither delays the writer's answer nor takes the serving threads'
  // turns. Dropped once stop() began.
  void post(std::function<void()> job);

  Storage& storage() const { return storage_; }
  const Clock& clock() const { return clock_; }
  std::string metrics_text() const;

 private:
  // A snapshot built and its messages planned, inside a storage unit; adopted
  // (published, indexed, logged) only once that unit has committed.
  struct Built {
    std::shared_ptr<const Snapshot> next;
    std::string planned;  // plan_outbox's line for the log
    long long data_version = 0;
    SysSeconds now{};
  };
  void rebuild(const std::string& why) REQUIRES(owner_mu_);
  void log_warnings(const std::string& when) REQUIRES(owner_mu_);
  Built build(const PeopleChange* change = nullptr) REQUIRES(owner_mu_);
  void adopt(Built built, const std::string& why) REQUIRES(owner_mu_);
  void reload_now(bool reread_folder) REQUIRES(owner_mu_);
  void tick() EXCLUDES(owner_mu_);
  void tick_steps() EXCLUDES(owner_mu_);
  void schedule_tick();
  void check_tasks() REQUIRES(owner_mu_);
  void apply_dated_changes() REQUIRES(owner_mu_);
  void catch_up() REQUIRES(owner_mu_);
  void prune_outbox() REQUIRES(owner_mu_);
  // True when another process changed the database since the last call.
  bool refresh_subscriptions(bool force) REQUIRES(owner_mu_) EXCLUDES(subscriptions_mu_);
  void publish(std::shared_ptr<const Snapshot> next) EXCLUDES(snapshot_mu_);

  Storage& storage_;
  const Clock& clock_;
  const LoadFiles load_files_;
  const Log log_;
  std::vector<SnapshotListener> listeners_;  // set before start, then only read

  boost::asio::io_context io_;  // the runner's thread runs it
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> keep_running_;
  boost::asio::steady_timer tick_timer_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  Mutex accepting_mu_;
  bool accepting_ GUARDED_BY(accepting_mu_) = true;  // false once stop() began: nothing more is posted

  // Taken only on the runner's thread (and in start() before it runs): it
  // names what the one owner may touch, so the analysis can check it.
  Mutex owner_mu_;
  Config files_ GUARDED_BY(owner_mu_);  // every rebuild starts from it
  SysSeconds planned_until_ GUARDED_BY(owner_mu_){};  // the outbox holds every message due by then
  SysSeconds tasks_checked_ GUARDED_BY(owner_mu_){};
  std::unordered_set<std::string> tasks_planned_ GUARDED_BY(owner_mu_);  // task message keys already in the outbox
  long long tasks_version_ GUARDED_BY(owner_mu_) = -1;
  long long data_version_ GUARDED_BY(owner_mu_) = -1;
  std::optional<Storage::SubscriptionsStamp> indexed_ GUARDED_BY(owner_mu_);  // what subscriptions_ was read at
  bool rebuild_owed_ GUARDED_BY(owner_mu_) = false;  // another process changed storage; not yet rebuilt
  SysSeconds pruned_at_ GUARDED_BY(owner_mu_){};      // the outbox's old rows were last all pruned then
  bool memory_owed_ GUARDED_BY(owner_mu_) = false;    // a whole build freed much: hand it back on the next tick

  mutable Mutex snapshot_mu_ ACQUIRED_AFTER(owner_mu_);
  std::shared_ptr<const Snapshot> snapshot_ GUARDED_BY(snapshot_mu_);

  mutable SharedMutex subscriptions_mu_ ACQUIRED_AFTER(owner_mu_);
  std::unordered_map<std::string, Subscription> subscriptions_ GUARDED_BY(subscriptions_mu_);

  std::atomic<unsigned long long> reloads_ok_{0}, reloads_failed_{0}, tick_failures_{0};
  std::atomic<unsigned long long> builds_full_{0}, builds_roster_patched_{0}, builds_tasks_scoped_{0},
      builds_registrations_kept_{0};
};

}  // namespace arshjul
