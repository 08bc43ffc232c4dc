#include "scheduler/runner.h"

#include <algorithm>
#include <cerrno>
#include <future>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <boost/asio/post.hpp>

#include <sys/resource.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <boost/json/serialize.hpp>

#include "scheduler/json_views.h"
#include "scheduler/webhooks.h"
#include "workflows/people.h"
#include "workflows/warnings.h"

namespace arshjul {
namespace {

// Added to the daemon's own niceness for the runner's thread.
constexpr int kRunnerNice = 10;

}  // namespace

WheelRunner::WheelRunner(Storage& storage, const Clock& clock, LoadFiles load_files, Log log)
    : storage_(storage),
      clock_(clock),
      load_files_(std::move(load_files)),
      log_(std::move(log)),
      keep_running_(boost::asio::make_work_guard(io_)),
      tick_timer_(io_) {}

WheelRunner::~WheelRunner() { stop(); }

void WheelRunner::on_snapshot(SnapshotListener listener) { listeners_.push_back(std::move(listener)); }

Expected<std::shared_ptr<const Snapshot>> WheelRunner::start(Config files) {
  {
    MutexLock lock(&owner_mu_);
    files_ = std::move(files);
    files_.people_read_at = clock_.now();
    try {
      rebuild("start");
    } catch (const std::exception& e) {
      return Error{std::string("cannot build the wheel in the database: ") + e.what()};
    }
    log_warnings("start");
  }
  thread_ = std::thread([this] {
    // Rebuilds yield to the threads that serve: on two cores a change every
    // 100 ms would otherwise take feeds' turns (issue 15's p99). Linux
    // niceness is per thread; failing to lower it changes nothing else.
    const auto self = static_cast<id_t>(::gettid());
    errno = 0;
    const int base = ::getpriority(PRIO_PROCESS, self);
    if (errno == 0) (void)::setpriority(PRIO_PROCESS, self, std::min(19, base + kRunnerNice));
    io_.run();
  });
  boost::asio::post(io_, [this] { schedule_tick(); });
  return snapshot();
}

void WheelRunner::stop() {
  {
    MutexLock lock(&accepting_mu_);
    if (!accepting_) return;
    accepting_ = false;
  }
  stopping_ = true;
  // The timer belongs to the runner's thread: cancel it there.
  boost::asio::post(io_, [this] { tick_timer_.cancel(); });
  keep_running_.reset();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<const Snapshot> WheelRunner::snapshot() const {
  MutexLock lock(&snapshot_mu_);
  return snapshot_;
}

std::optional<Subscription> WheelRunner::subscription(const std::string& token_hash) const {
  ReaderLock lock(&subscriptions_mu_);
  auto it = subscriptions_.find(token_hash);
  if (it == subscriptions_.end()) return std::nullopt;
  return it->second;
}

std::shared_ptr<const Snapshot> WheelRunner::write(const std::string& why, const Change& change,
                                                   const std::vector<std::string>& people) {
  if (thread_.joinable() && std::this_thread::get_id() == thread_.get_id())
    throw std::logic_error("WheelRunner::write called on the runner's own thread");
  // The owner's error comes back as its message, thrown anew on this thread:
  // an exception object shared by two threads is freed by whichever drops it
  // last, through libstdc++'s reference count, which TSan cannot see.
  std::promise<std::optional<std::string>> done;
  auto finished = done.get_future();
  std::shared_ptr<const Snapshot> after;  // set on the runner before `done`, read here after it
  {
    // Posted while the runner still accepts work, so the runner's thread
    // runs it before stop() lets that thread end.
    MutexLock lock(&accepting_mu_);
    if (!accepting_) throw std::runtime_error("the daemon is stopping");
    boost::asio::post(io_, [&] {
      try {
        MutexLock owner(&owner_mu_);
        catch_up();
        const auto current = snapshot();
        // The change, the wheel rebuilt on it and the messages it implies
        // commit together: a failure anywhere stores none of them, and the
        // caller answers 2xx only once they are committed.
        std::optional<Built> built;
        storage_.all_or_nothing([&]() REQUIRES(owner_mu_) {
          // Narrowed only when the current snapshot is all that storage
          // holds: no other process committed since it was built. Asked
          // inside the transaction (BEGIN IMMEDIATE), so no commit can come
          // between the answer and the build.
          const bool narrow =
              !people.empty() && current && !rebuild_owed_ && storage_.data_version() == data_version_;
          if (!change(storage_, current)) return;
          const PeopleChange touched{*current, people};
          built = build(narrow ? &touched : nullptr);
        });
        if (built) {
          adopt(std::move(*built), why);
        } else if (refresh_subscriptions(true)) {
          // A feed created or revoked answers so before the writer's 2xx
          // (adopt refreshes too). A commit by another process seen here is
          // still owed its rebuild.
          rebuild_owed_ = true;
        }
        after = snapshot();
        done.set_value(std::nullopt);
      } catch (const std::exception& e) {
        done.set_value(std::string(e.what()));
      } catch (...) {
        done.set_value(std::string("an unknown error"));
      }
    });
  }
  if (auto error = finished.get()) throw std::runtime_error(*error);
  return after;
}

// Another process (arshjul import) committed since the current snapshot:
// rebuild before a change is made against it, so the change starts from
// what is stored and never writes a person back as they were before that
// commit. A few tries, for a process that commits all the time; what
// comes after the last one is still built whole (write's `narrow`).
void WheelRunner::catch_up() {
  try {
    for (int tries = 0; tries < 3; ++tries) {
      if (!rebuild_owed_ && storage_.data_version() == data_version_) return;
      rebuild("database changed");
    }
  } catch (const std::exception& e) {
    // Still owed; the change that follows is built whole, as before.
    log_(std::string("cannot rebuild on another process's change first: ") + e.what());
  }
}

void WheelRunner::post(std::function<void()> job) {
  MutexLock lock(&accepting_mu_);
  if (!accepting_) return;
  boost::asio::post(io_, std::move(job));
}

void WheelRunner::reload(bool reread_folder) {
  MutexLock lock(&accepting_mu_);
  if (!accepting_) return;
  boost::asio::post(io_, [this, reread_folder] {
    MutexLock owner(&owner_mu_);
    try {
      reload_now(reread_folder);
    } catch (...) {
      reloads_failed_++;
      log_("reload: failed with an unexpected error; still serving the previous config");
    }
  });
}

void WheelRunner::reload_now(bool reread_folder) {
  // A fetched møteplan is not the operator's reload: its own name in the log
  // and the audit trail, so a failed SIGHUP does not look applied after it.
  const std::string what = reread_folder ? "reload" : "political calendar";
  auto config = load_files_(reread_folder);
  if (!config) {
    reloads_failed_++;
    log_(what + ": the config has errors; still serving the previous config:\n" + config.error());
    return;
  }
  Config previous = std::exchange(files_, std::move(config).value());
  files_.people_read_at = files_.people == previous.people ? previous.people_read_at : clock_.now();
  try {
    // The reload door in the audit trail, committed with the rebuild: what
    // the files hold now against before.
    auto summary = [](const Config& c) {
      return "{\"wheels\":" + std::to_string(c.wheels.size()) + ",\"activities\":" +
             std::to_string(c.activity_count()) + ",\"units\":" + std::to_string(c.units.size()) +
             ",\"people\":" + std::to_string(c.people.size()) + ",\"hooks\":" + std::to_string(c.hooks.size()) + "}";
    };
    AuditEntry entry;
    entry.at = clock_.now();
    entry.actor = reread_folder ? "reload" : "political-calendar";
    entry.door = "reload";
    entry.action = reread_folder ? "config.reload" : "political_calendar.apply";
    entry.target = "config";
    entry.before = summary(previous);
    entry.after = summary(files_);
    std::optional<Built> built;
    storage_.all_or_nothing([&]() REQUIRES(owner_mu_) {
      built = build();
      storage_.append_audit(entry);
    });
    adopt(std::move(*built), what);
    reloads_ok_++;
    log_warnings(what);
  } catch (const std::exception& e) {
    files_ = std::move(previous);
    reloads_failed_++;
    log_(what + ": storage failed, still serving the previous config: " + e.what());
  }
}

// What `arshjul check` warns about, for the horizon the daemon keeps.
void WheelRunner::log_warnings(const std::string& when) {
  const int year = static_cast<int>(
      date::year_month_day{date::floor<date::days>(to_local(clock_.now(), files_.organisation.zone))}.year());
  for (const auto& w : config_warnings(files_, year, year + 1)) log_(when + ": warning: " + w.to_string());
}

void WheelRunner::rebuild(const std::string& why) {
  std::optional<Built> built;
  storage_.all_or_nothing([&]() REQUIRES(owner_mu_) { built = build(); });
  adopt(std::move(*built), why);
}

WheelRunner::Built WheelRunner::build(const PeopleChange* change) {
  Built b;
  // Read before the build: a commit by another process after this point is
  // not in the snapshot, and must still look like news to the next tick.
  b.data_version = storage_.data_version();
  const auto previous = snapshot();
  b.next = build_snapshot(files_, storage_, clock_, previous ? previous->generation + 1 : 1, change);
  (b.next->roster_patched ? builds_roster_patched_ : builds_full_)++;
  if (b.next->tasks_scoped) builds_tasks_scoped_++;
  if (b.next->registrations_kept) builds_registrations_kept_++;
  b.now = clock_.now();
  b.planned = plan_outbox(*b.next, storage_, b.now, b.now + kPlanAhead);
  return b;
}

void WheelRunner::adopt(Built b, const std::string& why) {
  // Committed but not yet published: should anything below throw, the
  // snapshot is behind storage, and the next build must be whole.
  rebuild_owed_ = true;
  const bool first = !snapshot();
  const SyncStats s = b.next->sync;
  planned_until_ = b.now + kPlanAhead;
  // A registration may have created a hire's own feed: index it before the
  // snapshot that mentions it is published.
  refresh_subscriptions(true);
  data_version_ = b.data_version;
  tasks_checked_ = SysSeconds{};
  tasks_planned_.clear();  // a reload may bring a new hook; the outbox's keys keep the rest once-only
  rebuild_owed_ = false;
  if (!b.next->roster_patched) memory_owed_ = true;
  publish(std::move(b.next));
  if (first) return log_("outbox: " + b.planned);
  log_(why + ": ok: " + std::to_string(s.inserted) + " new, " + std::to_string(s.changed) + " changed, " +
       std::to_string(s.cancelled) + " cancelled, " + std::to_string(s.restored) + " restored, " +
       std::to_string(s.kept_past) + " kept as held, " + std::to_string(s.unchanged) + " unchanged; outbox: " +
       b.planned);
}

void WheelRunner::publish(std::shared_ptr<const Snapshot> next) {
  // Listeners first: what they make of a snapshot (the feeds' digests) is
  // ready by the time a request or the writer sees it.
  for (const auto& listener : listeners_) listener(next);
  std::shared_ptr<const Snapshot> previous;
  {
    MutexLock lock(&snapshot_mu_);
    previous = std::exchange(snapshot_, std::move(next));
  }
  // Freeing a 50,000-person snapshot takes milliseconds: not under the
  // lock readers take, and after the writer's answer, at the runner's
  // lowered priority (a request still holding it frees it instead).
  if (previous) post([previous = std::move(previous)]() mutable { previous.reset(); });
}

bool WheelRunner::refresh_subscriptions(bool force) {
  const long long v = storage_.data_version();
  if (v == data_version_ && !force) return false;
  const bool first = data_version_ == -1 || v == data_version_;
  // Most rebuilds add or revoke no subscription: 50,000 rows are read again
  // only when the stamp says one was.
  const Storage::SubscriptionsStamp stamp = storage_.subscriptions_stamp();
  if (stamp != indexed_) {
    std::unordered_map<std::string, Subscription> fresh;
    for (auto& [hash, sub] : storage_.active_subscriptions()) fresh.emplace(std::move(hash), std::move(sub));
    {
      WriterLock lock(&subscriptions_mu_);
      subscriptions_ = std::move(fresh);
    }
    indexed_ = stamp;
  }
  data_version_ = v;
  return !first;
}

void WheelRunner::schedule_tick() {
  if (stopping_) return;
  tick_timer_.expires_after(std::chrono::seconds{1});
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

void WheelRunner::tick() {
  if (stopping_) return;
  try {
    tick_steps();
  } catch (...) {
    tick_failures_++;
    log_("tick: failed with an unexpected error");
  }
  schedule_tick();
}

void WheelRunner::tick_steps() {
  {
    MutexLock lock(&owner_mu_);
    if (memory_owed_) {
      // A whole build at 50,000 people frees some 90 MB here (and the
      // snapshot it replaced, freed by the last request that held it, is
      // gone by this tick). glibc keeps that in this thread's arena, where
      // the threads that fill the feed cache never reuse it: handed back,
      // the daemon's size stays what it holds.
#ifdef __GLIBC__
      malloc_trim(0);
#endif
      memory_owed_ = false;
    }
    // Each step says what failed: one failure does not hide the others.
    try {
      // Another process (arshjul import, subscribe) changed the database;
      // owed until a rebuild succeeds, so a failed one is tried again.
      if (refresh_subscriptions(false)) rebuild_owed_ = true;
    } catch (const std::exception& e) {
      tick_failures_++;
      log_(std::string("tick: cannot read the subscriptions from the database: ") + e.what());
    }
    try {
      apply_dated_changes();
    } catch (const std::exception& e) {
      tick_failures_++;
      log_(std::string("tick: cannot apply the dated changes due today: ") + e.what());
    }
    try {
      const auto snap = snapshot();
      const SysSeconds now = clock_.now();
      const LocalDays today = date::floor<date::days>(to_local(now, snap->config.organisation.zone));
      if (today > snap->horizon_from + date::days{366} || today < snap->horizon_from) {
        // A simulated clock can run into the next year: move the horizon
        // along, from the files as last loaded (a bad file on disk must not
        // stop the wheel; SIGHUP reads them).
        rebuild("new year");
      } else if (rebuild_owed_) {
        // The roster or overrides may be new.
        rebuild("database changed");
      } else if (now + kReplanBefore > planned_until_) {
        storage_.all_or_nothing([&] { plan_outbox(*snap, storage_, now, now + kPlanAhead); });
        planned_until_ = now + kPlanAhead;
      }
    } catch (const std::exception& e) {
      tick_failures_++;
      log_(std::string("tick: cannot rebuild the wheel or plan its messages: ") + e.what());
    }
    try {
      check_tasks();
    } catch (const std::exception& e) {
      tick_failures_++;
      log_(std::string("tick: cannot plan task reminders: ") + e.what());
    }
    try {
      prune_outbox();
    } catch (const std::exception& e) {
      tick_failures_++;
      log_(std::string("tick: cannot prune the outbox: ") + e.what());
    }
  }
}

void WheelRunner::check_tasks() {
  const SysSeconds now = clock_.now();
  const long long v = storage_.data_version();
  if (v == tasks_version_ && now < tasks_checked_ + std::chrono::minutes{1} && now >= tasks_checked_) return;
  const int n = plan_task_messages(*snapshot(), storage_, now, tasks_planned_);
  const int leaders = plan_leader_messages(*snapshot(), storage_, now, tasks_planned_);
  tasks_version_ = v;
  tasks_checked_ = now;
  if (n) log_("tasks: " + std::to_string(n) + " reminders and overdue notices in the outbox");
  if (leaders) log_("tasks: " + std::to_string(leaders) + " new leaders told what is theirs");
}

// HR's changes dated today or earlier (the daemon may have been down on
// the day), each applied over the person as they are now, with its
// messages, its audit row and the rebuild in one storage unit; a failure
// stores none of it and the next tick tries again. One day's changes a
// tick, oldest first, so what each day's messages say (who leads the unit
// joined, who led before) is that day's organisation. A change that no
// longer fits (its unit is gone) is dropped with a reason in the audit
// trail, not retried forever. Another process's commit (an import) is
// built first (catch_up), so a change never writes a person back as they
// were before it.
void WheelRunner::apply_dated_changes() {
  if (storage_.scheduled_changes({}, date::floor<date::days>(to_local(clock_.now(), files_.organisation.zone))).empty())
    return;
  catch_up();
  const auto snap = snapshot();
  const SysSeconds now = clock_.now();
  const Config& c = snap->config;
  const LocalDays today = date::floor<date::days>(to_local(now, c.organisation.zone));
  struct Applied {
    Person before, after;
  };
  std::optional<Built> built;
  int applied = 0, dropped = 0;
  LocalDays day{};
  storage_.all_or_nothing([&]() REQUIRES(owner_mu_) {
    auto due = storage_.scheduled_changes({}, today);
    if (due.empty()) return;
    day = due.front().effective;
    std::erase_if(due, [&](const ScheduledChange& ch) { return ch.effective != day; });
    // A commit that came after catch_up: the people are read from storage,
    // which this transaction sees whole, and the wheel is built whole.
    const bool fresh = !rebuild_owed_ && storage_.data_version() == data_version_;
    std::vector<Applied> done;
    for (const ScheduledChange& ch : due) {
      storage_.drop_scheduled_change(ch.person, ch.effective);
      AuditEntry entry;
      entry.at = now;
      entry.actor = ch.actor;
      entry.door = "schedule";
      entry.target = "person/" + ch.person;
      entry.reason = "effective " + format_date(ch.effective);
      std::optional<Person> current;
      if (fresh) {
        if (const Person* p = c.find_person(ch.person)) current = *p;
      } else if (const auto stored = storage_.stored_person(ch.person)) {
        if (!stored->removed) current = stored->person;
      } else if (const Person* p = files_.find_person(ch.person)) {
        current = *p;
      }
      std::string refused;
      Person p;
      if (!current) {
        refused = "the person was removed before the day";
      } else {
        p = apply_dated_change(*current, ch.before, ch.after);
        if (const auto problems = check_person(c, p); !problems.empty())
          refused = problems.front().field + ": " + problems.front().message;
      }
      if (!refused.empty()) {
        // What the change would have made, so the trail keeps it.
        entry.action = "person.change_dropped";
        entry.before = boost::json::serialize(person_record_json(ch.before));
        entry.after = boost::json::serialize(person_record_json(ch.after));
        entry.reason += ": " + refused;
        storage_.append_audit(entry);
        log_("dated change of person " + ch.person + " on " + format_date(ch.effective) + " dropped: " + refused);
        dropped++;
        continue;
      }
      entry.action = "person.change_applied";
      entry.before = boost::json::serialize(person_record_json(*current));
      entry.after = boost::json::serialize(person_record_json(p));
      if (p != *current) {
        storage_.store_people({p}, {}, now);
        done.push_back({*current, p});
      }
      storage_.append_audit(entry);
      applied++;
    }
    if (done.empty()) return;
    std::vector<std::string> ids;
    for (const Applied& a : done) ids.push_back(a.after.id);
    const PeopleChange touched{*snap, ids};
    built = build(fresh ? &touched : nullptr);
    // Told from the organisation after the day's changes (a new leader of
    // the unit joined is among them), with the leader before from the one
    // before them (a leader demoted the same day still led).
    const Config& after = built->next->config;
    const std::vector<TaskState> tasks = storage_.tasks();
    std::vector<OutboxMessage> messages;
    auto add = [&](std::vector<OutboxMessage> rows) {
      messages.insert(messages.end(), std::make_move_iterator(rows.begin()), std::make_move_iterator(rows.end()));
    };
    for (const Applied& a : done) {
      const Person* stored = after.find_person(a.after.id);
      const Person& p = stored ? *stored : a.after;
      add(unit_move_messages(c, a.before, p, now, day, &after));
      add(dated_leader_messages(c, after, a.before, p, day, tasks, now));
    }
    if (!messages.empty()) storage_.enqueue(messages, now);
  });
  if (built) adopt(std::move(*built), "dated changes of " + format_date(day));
  if (applied || dropped)
    log_("dated changes of " + format_date(day) + ": " + std::to_string(applied) + " applied" +
         (dropped ? ", " + std::to_string(dropped) + " dropped (see the audit trail)" : std::string()));
}

// One bounded batch per tick, so a first prune of a large outbox never
// holds the runner's thread; a full batch means more next tick.
void WheelRunner::prune_outbox() {
  const SysSeconds now = clock_.now();
  if (now >= pruned_at_ && now < pruned_at_ + kPruneEvery) return;
  const int n = storage_.prune_outbox(now - snapshot()->config.outbox_retention, now, kPruneBatch);
  if (n < kPruneBatch) pruned_at_ = now;
  if (n) log_("outbox: pruned " + std::to_string(n) + " delivered or dropped messages past the retention");
}

std::string WheelRunner::metrics_text() const {
  std::ostringstream o;
  o << "# HELP arshjul_config_reloads_total Config reloads by result.\n"
       "# TYPE arshjul_config_reloads_total counter\n"
       "arshjul_config_reloads_total{result=\"ok\"} "
    << reloads_ok_.load() << "\n"
    << "arshjul_config_reloads_total{result=\"failed\"} " << reloads_failed_.load() << "\n"
    << "# HELP arshjul_tick_failures_total Steps of the 1 s tick that failed (see the log).\n"
       "# TYPE arshjul_tick_failures_total counter\n"
       "arshjul_tick_failures_total "
    << tick_failures_.load() << "\n"
    << "# HELP arshjul_builds_total Snapshots built: whole, or on the previous roster with only the changed people read (one person's change).\n"
       "# TYPE arshjul_builds_total counter\n"
       "arshjul_builds_total{roster=\"whole\"} "
    << builds_full_.load() << "\n"
    << "arshjul_builds_total{roster=\"patched\"} " << builds_roster_patched_.load() << "\n"
    << "# HELP arshjul_builds_tasks_scoped_total Builds that computed and synced only the changed people's own tasks.\n"
       "# TYPE arshjul_builds_tasks_scoped_total counter\n"
       "arshjul_builds_tasks_scoped_total "
    << builds_tasks_scoped_.load() << "\n"
    << "# HELP arshjul_builds_registrations_kept_total Builds that kept the previous registration plan (nothing it reads changed).\n"
       "# TYPE arshjul_builds_registrations_kept_total counter\n"
       "arshjul_builds_registrations_kept_total "
    << builds_registrations_kept_.load() << "\n";
  return o.str();
}

}  // namespace arshjul
