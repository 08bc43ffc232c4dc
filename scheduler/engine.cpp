#include "scheduler/engine.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <unordered_set>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "scheduler/tokens.h"
#include "scheduler/webhooks.h"
#include "workflows/audience.h"
#include "workflows/notifications.h"

namespace arshjul {
namespace {

std::unordered_map<std::string_view, const Occurrence*> by_uid(const Expansion& e) {
  std::unordered_map<std::string_view, const Occurrence*> out;
  out.reserve(e.occurrences.size());
  for (const auto& o : e.occurrences) out.emplace(o.uid, &o);
  return out;
}

// base64url without padding of an HMAC-SHA256, cut to a token's length.
std::string derived_token(std::string_view secret, std::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), mac, &len);
  std::string b64 = base64_encode(std::string_view(reinterpret_cast<const char*>(mac), len));
  for (char& c : b64) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return b64.substr(0, 22);
}

std::string feed_secret(Storage& storage) {
  std::string secret = storage.setting("feed_secret");
  if (secret.empty()) {
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed: no randomness for a secret");
    storage.set_setting("feed_secret", base64_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes)));
    secret = storage.setting("feed_secret");
  }
  return secret;
}

// When the wheel first ran on this database (the setting "tasks_since"),
// set on the first build. A database that already holds tasks predates the
// setting: it keeps every task it has (since = the epoch).
SysSeconds tasks_since(Storage& storage, SysSeconds now) {
  const std::string stored = storage.setting("tasks_since");
  if (!stored.empty()) {
    try {
      return SysSeconds{Seconds{std::stoll(stored)}};
    } catch (const std::exception&) {
    }
  }
  const SysSeconds since = storage.tasks().empty() ? now : SysSeconds{};
  storage.set_setting("tasks_since", std::to_string(since.time_since_epoch().count()));
  return since;
}

// The previous snapshot's roster with the changed people read again, when
// the change leaves the same people in it (in place, as with_stored_people
// would merge them); false when someone joined or left.
bool patch_roster(Snapshot& s, Config& files, const PeopleChange& change, Storage& storage) {
  const Config& before = change.previous.config;
  std::vector<std::pair<std::size_t, Person>> updates;
  const auto may_lead = [](const Person& p) {
    return p.acting || std::find(p.roles.begin(), p.roles.end(), Role::leader) != p.roles.end();
  };
  bool same_leaders = true;
  for (const auto& id : change.people) {
    const Person* old = before.find_person(id);
    if (!old) return false;
    std::optional<Person> now;
    if (auto stored = storage.stored_person(id)) {
      if (!stored->removed) now = std::move(stored->person);
    } else if (const Person* in_files = files.find_person(id)) {
      now = *in_files;
    }
    if (!now) return false;
    if (!now->manager.empty() && !before.find_person(now->manager)) now->manager.clear();
    if (may_lead(*old) || may_lead(*now)) same_leaders = false;
    updates.emplace_back(before.people.index_of(old), std::move(*now));
  }
  files.people = before.people;  // shares the chunks; a changed person copies only theirs
  for (auto& [at, person] : updates) files.people.mut(at) = std::move(person);
  s.config = std::move(files);
  s.config.id_index.share_people(before.id_index);  // the same ids at the same places
  if (same_leaders) s.config.id_index.share_leaders(before.id_index, before.people, s.config.people);
  s.departed = change.previous.departed;
  return true;
}

// Whether the previous snapshot's registration plan is the plan now: the
// same day (the planner reads today), the changed people differing only in
// what no registration reads (name, e-mail, union, committees), and every
// occurrence that takes registrations the same. Then planning again would
// give the stored plan and no change (a fixpoint; the equivalence test
// checks it), at about 20 ms for 50,000 people saved.
bool registrations_unchanged(const Snapshot& s, const PeopleChange& change, LocalDays today) {
  const Snapshot& before = change.previous;
  const date::time_zone* zone = s.config.organisation.zone;
  if (date::floor<date::days>(to_local(before.built_at, zone)) != today) return false;
  for (const auto& id : change.people) {
    const Person* b = before.config.find_person(id);
    const Person* a = s.config.find_person(id);
    if (!a || !b) return false;
    Person same = *a;
    same.name = b->name;
    same.email = b->email;
    same.union_name = b->union_name;
    same.committees = b->committees;
    if (!(same == *b)) return false;
  }
  auto registrable = [](const Expansion& e) {
    std::vector<std::tuple<std::string_view, SysSeconds, SysSeconds, LocalDays, LocalDays, bool>> out;
    for (const Occurrence& o : e.occurrences)
      if (o.activity && o.activity->registration)
        out.emplace_back(o.uid, o.start, o.end, o.first_day, o.last_day, o.moved_by_hr);
    return out;
  };
  return registrable(before.expansion) == registrable(s.expansion);
}

}  // namespace

// Takes `stored` by value: its people move into the roster (50,000 copies are a rebuild's cost).
Config with_stored_people(Config files, std::vector<StoredPerson> stored) {
  if (stored.empty()) return files;
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < files.people.size(); ++i) index.emplace(files.people[i].id, i);
  std::vector<char> removed(files.people.size(), 0);
  for (StoredPerson& sp : stored) {
    auto it = index.find(sp.person.id);
    if (sp.removed) {
      if (it != index.end()) removed[it->second] = 1;
      continue;
    }
    if (it != index.end()) {
      files.people.mut(it->second) = std::move(sp.person);
      removed[it->second] = 0;
    } else {
      index.emplace(sp.person.id, files.people.size());
      files.people.push_back(std::move(sp.person));
      removed.push_back(0);
    }
  }
  std::vector<Person> kept;
  kept.reserve(files.people.size());
  for (std::size_t i = 0; i < files.people.size(); ++i)
    if (!removed[i]) kept.push_back(std::move(files.people.mut(i)));
  std::unordered_set<std::string_view> ids;
  for (const auto& p : kept) ids.insert(p.id);
  for (auto& p : kept)
    if (!p.manager.empty() && !ids.count(p.manager)) p.manager.clear();
  files.people = std::move(kept);
  return files;
}

std::vector<EarlierOccurrence> earlier_occurrences(Storage& storage, std::string_view organisation, LocalDays from,
                                                   LocalDays to) {
  std::vector<EarlierOccurrence> out;
  for (auto& o : storage.occurrences(organisation, from, to))
    out.push_back({std::move(o.uid), o.original_day, o.start, o.end, o.cancelled});
  return out;
}

std::shared_ptr<const Snapshot> build_snapshot(Config files, Storage& storage, const Clock& clock,
                                               long long generation, const PeopleChange* change) {
  auto s = std::make_shared<Snapshot>();
  s->roster_patched = change && patch_roster(*s, files, *change, storage);
  if (!s->roster_patched) {
    auto stored = storage.people();
    for (const auto& sp : stored)
      if (sp.removed && !sp.person.name.empty()) s->departed.push_back(sp.person);
    s->config = with_stored_people(std::move(files), std::move(stored));
  }
  s->generation = generation;
  const SysSeconds now = clock.now();
  const date::time_zone* zone = s->config.organisation.zone;
  const int year = static_cast<int>(date::year_month_day{date::floor<date::days>(to_local(now, zone))}.year());
  s->horizon_from = LocalDays{date::year{year} / 1 / 1};
  s->horizon_to = LocalDays{date::year{year + 1} / 12 / 31};
  s->expansion = expand(s->config, s->horizon_from, s->horizon_to);
  // Before the overrides, which name meetings by the UIDs kept here.
  keep_identities(s->expansion, earlier_occurrences(storage, s->config.organisation.id, s->horizon_from, s->horizon_to),
                  now);
  s->overrides = storage.overrides();
  s->cancelled_by_hr = apply_overrides(s->expansion, s->overrides);

  s->built_at = now;
  s->registrations_kept = s->roster_patched && change->previous.horizon_from == s->horizon_from &&
                          registrations_unchanged(*s, *change, date::floor<date::days>(to_local(now, zone)));
  if (s->registrations_kept) {
    s->registrations = change->previous.registrations;  // stored as they are; no change to tell
  } else {
    const std::vector<Registration> current = storage.registrations();
    // Registrations whose stored day is before the horizon are history the
    // expansion no longer covers: planning would take them for cancelled days.
    std::vector<Registration> in_horizon, history;
    for (const auto& r : current)
      (r.occurrence_day && *r.occurrence_day < s->horizon_from ? history : in_horizon).push_back(r);
    RegistrationPlan plan = plan_registrations(s->config, s->expansion, in_horizon, now);
    std::vector<Registration> wanted = history;
    wanted.insert(wanted.end(), plan.registrations.begin(), plan.registrations.end());
    std::sort(wanted.begin(), wanted.end(), [](const Registration& a, const Registration& b) {
      return std::tie(a.activity, a.person) < std::tie(b.activity, b.person);
    });
    // Writing only on a difference keeps a rebuild from looking like news to other processes.
    if (wanted != current) storage.save_registrations(wanted, now);
    s->registrations = std::move(plan.registrations);
    s->registration_changes = std::move(plan.changes);
  }
  {
    std::unordered_map<std::string_view, Occurrence*> index;
    for (auto& o : s->expansion.occurrences) index.emplace(o.uid, &o);
    for (const auto& r : s->registrations)
      if (auto it = index.find(r.occurrence_uid); it != index.end()) it->second->registered.push_back(r.person);
  }

  s->sync = storage.sync(s->config.organisation.id, s->expansion, s->horizon_from, s->horizon_to, now);
  {
    // Tasks whose deadline passed before the wheel first ran here are not
    // owed: a fresh install in May must not show January's appraisals as
    // overdue, nor tell leaders so.
    // A plain employee's change (the HR system's daily traffic) touches
    // only their own tasks: 91,511 at 50,000 people are neither made nor read.
    s->tasks_scoped = s->roster_patched && change->previous.horizon_from == s->horizon_from &&
                      only_own_tasks_change(change->previous.config, change->previous.expansion, s->config,
                                            s->expansion, change->people);
    if (s->tasks_scoped) {
      s->narrowed_from = change->previous.generation;
      s->changed_people = change->people;
    }
    std::vector<Task> tasks = s->tasks_scoped ? expected_tasks_of(s->config, s->expansion, change->people)
                                              : expected_tasks(s->config, s->expansion);
    const SysSeconds since = tasks_since(storage, now);
    std::erase_if(tasks, [&](const Task& t) { return t.due < since; });
    const Config& roster = s->config;
    storage.sync_tasks(tasks, to_utc(LocalSeconds{s->horizon_from}, zone), now,
                       s->tasks_scoped ? &change->people : nullptr,
                       [&roster](std::string_view id) { return roster.find_person(id) != nullptr; });
  }
  for (auto& o : storage.occurrences(s->config.organisation.id, s->horizon_from, s->horizon_to))
    s->stored.emplace(o.uid, std::move(o));
  {
    std::unordered_set<std::string_view> live;
    live.reserve(s->expansion.occurrences.size());
    for (const auto& o : s->expansion.occurrences) live.insert(o.uid);
    for (const auto& [uid, row] : s->stored)
      if (!live.count(uid)) s->gone.push_back(&row);
  }
  return s;
}

namespace {

// Personal links for many people: the secret and base URL read once. The
// token is known here, so both URLs are built here. A subscription created
// on first use is dated by the wheel's clock (`now`).
class PersonalFeeds {
 public:
  PersonalFeeds(Storage& storage, SysSeconds now, std::string base_url = "")
      : storage_(storage), now_(now), base_(std::move(base_url)) {}
  PersonalLinks links(std::string_view person_id) {
    if (secret_.empty()) {
      secret_ = feed_secret(storage_);
      if (base_.empty()) base_ = storage_.setting("public_url");
      if (base_.empty()) base_ = "http://127.0.0.1:8080";
    }
    const std::string token = derived_token(secret_, "person:" + std::string(person_id));
    const std::string hash = token_hash(token);
    const auto state = storage_.subscription_revoked(hash);
    if (state && *state) return {};
    if (!state) storage_.add_subscription(hash, "person:" + std::string(person_id), now_);
    return {base_ + "/feeds/" + token + ".ics", base_ + "/me/" + token};
  }

 private:
  Storage& storage_;
  SysSeconds now_;
  std::string secret_, base_;
};

}  // namespace

std::string personal_feed_url(Storage& storage, std::string_view person_id, SysSeconds now) {
  return PersonalFeeds(storage, now).links(person_id).feed_url;
}

std::vector<PersonalLinks> personal_links(Storage& storage, const std::vector<std::string>& person_ids,
                                          SysSeconds now, const std::string& base_url) {
  PersonalFeeds feeds(storage, now, base_url);
  std::vector<PersonalLinks> out;
  out.reserve(person_ids.size());
  for (const auto& id : person_ids) out.push_back(feeds.links(id));
  return out;
}

std::string plan_outbox(const Snapshot& snap, Storage& storage, SysSeconds now, SysSeconds until) {
  const Config& c = snap.config;
  if (c.hooks.empty()) return "no hooks configured";
  auto plan = plan_messages(c, snap.expansion, now, until, [&](const std::string& uid) {
    auto it = snap.stored.find(uid);
    return it == snap.stored.end() ? 0 : it->second.sequence;
  });
  // Someone already reminded or notified of a changed occurrence hears of the
  // change itself; a new reminder that is due at once would say it twice.
  std::unordered_set<std::string> told;
  for (const auto& uid : snap.sync.changed_uids)
    for (const auto& [hook, person] : storage.told_about(uid)) told.insert(uid + "|" + person);
  if (!told.empty())
    std::erase_if(plan, [&](const PlannedMessage& m) {
      return m.due <= now && told.count(m.occurrence->uid + "|" + m.recipient->id);
    });
  int added = storage.enqueue(outbox_messages(c, plan), now);

  const auto live = by_uid(snap.expansion);
  std::unordered_map<std::string_view, const Occurrence*> by_hr;
  for (const auto& o : snap.cancelled_by_hr) by_hr.emplace(o.uid, &o);
  int changes = 0;
  auto tell = [&](const std::vector<std::string>& uids, std::string_view event) {
    for (const auto& uid : uids) {
      auto s = snap.stored.find(uid);
      if (s == snap.stored.end()) continue;
      auto it = live.find(uid);
      const Occurrence* o = it == live.end() ? nullptr : it->second;
      const Occurrence* hr_cancelled = by_hr.count(uid) ? by_hr.at(uid) : nullptr;
      auto recipients_of = storage.told_about(uid);
      // A meeting HR moved or cancelled by hand is news to everyone in it, told or
      // not. A new agenda is news only to those told: the notice carries it to the rest.
      const Occurrence* changed_by_hr = hr_cancelled ? hr_cancelled : (o && o->moved_by_hr ? o : nullptr);
      if (changed_by_hr && changed_by_hr->activity->kind == ActivityKind::meeting && s->second.start > now) {
        std::vector<Selector> everyone = changed_by_hr->activity->participants;
        if (changed_by_hr->activity->notice)
          everyone.insert(everyone.end(), changed_by_hr->activity->notice->to.begin(), changed_by_hr->activity->notice->to.end());
        std::unordered_set<std::string> have;
        for (const auto& [hook, person] : recipients_of) have.insert(hook + "|" + person);
        std::vector<const Person*> people = participants(c, *changed_by_hr);
        for (const Person* p : recipients(c, everyone, *changed_by_hr)) people.push_back(p);
        for (const Hook& h : c.hooks)
          for (const Person* p : people)
            if (have.insert(h.id + "|" + p->id).second) recipients_of.emplace_back(h.id, p->id);
      }
      const std::string reason = hr_cancelled ? hr_cancelled->change_reason : std::string();
      changes += storage.enqueue(change_messages(c, event, s->second, o, recipients_of, now, reason), now);
    }
  };
  tell(snap.sync.changed_uids, "occurrence.changed");
  tell(snap.sync.cancelled_uids, "occurrence.cancelled");

  // One transaction for every registration message, and the HR people found once.
  std::vector<OutboxMessage> rows;
  std::vector<const Person*> hr_people;
  for (const Person& p : c.people)
    if (std::find(p.roles.begin(), p.roles.end(), Role::hr) != p.roles.end()) hr_people.push_back(&p);
  PersonalFeeds feeds(storage, now);
  std::vector<const RegistrationChange*> waiting;
  for (const RegistrationChange& ch : snap.registration_changes) {
    const Person* hire = c.find_person(ch.person);
    if (!hire)
      for (const Person& p : snap.departed)
        if (p.id == ch.person) hire = &p;
    const Occurrence* day = nullptr;
    if (auto it = live.find(ch.to_uid); it != live.end()) day = it->second;
    if (ch.kind == RegistrationChange::Kind::waiting) {
      waiting.push_back(&ch);
    } else if (ch.kind == RegistrationChange::Kind::cancelled && ch.from_uid.empty()) {
      // A hire who was only waiting had no day to lose, and was never told of one.
    } else if (hire) {
      const PersonalLinks links =
          ch.kind == RegistrationChange::Kind::cancelled ? PersonalLinks{} : feeds.links(hire->id);
      for (auto& r : registration_messages(c, ch, day, *hire, links, now)) rows.push_back(std::move(r));
      if (const Person* leader = leader_of(c, *hire))
        for (auto& r : registration_messages(c, ch, day, *leader, {}, now)) rows.push_back(std::move(r));
    }
  }
  if (!waiting.empty())
    for (const Person* p : hr_people)
      for (auto& r : waiting_messages(c, waiting, *p, now)) rows.push_back(std::move(r));
  const int registrations = storage.enqueue(rows, now);
  return std::to_string(plan.size()) + " reminders and notices planned, " + std::to_string(added) +
         " new in the outbox, " + std::to_string(changes) + " change notices, " + std::to_string(registrations) +
         " registration messages";
}

int plan_task_messages(const Snapshot& snap, Storage& storage, SysSeconds now,
                       std::unordered_set<std::string>& planned) {
  if (snap.config.hooks.empty()) return 0;
  const std::vector<TaskState> tasks = storage.tasks();
  const auto due = due_task_messages(snap.config, tasks, now);
  if (due.empty()) return 0;
  const auto live = by_uid(snap.expansion);
  std::vector<OutboxMessage> rows;
  std::vector<std::string> keys;
  for (const TaskMessage& m : due) {
    if (planned.count(m.key)) continue;
    keys.push_back(m.key);
    auto it = live.find(m.occurrence_uid);
    for (auto& r : task_messages(snap.config, m, it == live.end() ? nullptr : it->second, now)) rows.push_back(std::move(r));
  }
  const int added = storage.enqueue(rows, now);
  // Remembered only once enqueued: a failed enqueue is tried again next time.
  planned.insert(keys.begin(), keys.end());
  return added;
}

// A week back, so a daemon stopped over a weekend still tells a leader who
// started on Monday; never from before the wheel first ran here, so a new
// install does not greet every leader of the roster.
constexpr auto kLeaderStartLookback = date::days{7};

int plan_leader_messages(const Snapshot& snap, Storage& storage, SysSeconds now,
                         std::unordered_set<std::string>& planned) {
  const Config& c = snap.config;
  if (c.hooks.empty()) return 0;
  const LocalDays today = date::floor<date::days>(to_local(now, c.organisation.zone));
  const LocalDays first = std::max(today - kLeaderStartLookback + date::days{1},
                                   date::floor<date::days>(to_local(tasks_since(storage, now), c.organisation.zone)));
  struct Start {
    const Person* leader;
    std::string_view unit;
    LocalDays from;
    bool acting;
    std::string key;
  };
  std::vector<Start> starts;
  auto consider = [&](const Person& p, std::string_view unit, LocalDays from, bool acting) {
    if (from < first || from > today) return;
    std::string key = leader_start_key(p.id, unit, from);
    if (!planned.count(key)) starts.push_back({&p, unit, from, acting, std::move(key)});
  };
  for (const Person& p : c.people) {
    if (p.leader_start_date && holds_role(p, Role::leader, p.unit, *p.leader_start_date))
      consider(p, p.unit, *p.leader_start_date, false);
    if (p.acting) consider(p, p.acting->unit, p.acting->from, true);
  }
  if (starts.empty()) return 0;
  const std::vector<TaskState> tasks = storage.tasks();
  std::vector<OutboxMessage> rows;
  for (const Start& s : starts) {
    const Person* former = pick_leader(c.leaders_in(s.unit), s.unit, s.from - date::days{1});
    for (auto& r : leader_start_messages(c, *s.leader, s.unit, s.from, s.acting, former, tasks, now))
      rows.push_back(std::move(r));
  }
  const int added = storage.enqueue(rows, now);
  for (const Start& s : starts) planned.insert(s.key);
  return added;
}

}  // namespace arshjul
