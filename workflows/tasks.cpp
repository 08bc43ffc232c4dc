#include "workflows/tasks.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace arshjul {
namespace {

bool has_role(const Person& p, Role role) {
  return std::find(p.roles.begin(), p.roles.end(), role) != p.roles.end();
}

// leader_of's walk, over whatever lookups the caller has: linear scans for
// one person, hash maps for a roster.
template <class FindPerson, class FirstLeader, class FindUnit>
const Person* walk_to_leader(const Person& p, std::size_t max_steps, FindPerson&& find_person,
                             FirstLeader&& first_leader, FindUnit&& find_unit) {
  if (!p.manager.empty())
    if (const Person* m = find_person(p.manager); m && m->id != p.id) return m;
  std::string_view unit = p.unit;
  // A cycle in the unit tree must not hang the daemon.
  for (std::size_t step = 0; !unit.empty() && step <= max_steps; ++step) {
    if (const Person* l = first_leader(unit); l && l->id != p.id) return l;
    const Unit* u = find_unit(unit);
    if (!u) return nullptr;
    unit = u->parent;
  }
  return nullptr;
}

// The roster indexed once, so 50,000 people cost hash lookups, not scans.
// With `leaders_only`, who leads comes from the Config's own index (one
// person's leader, without 50,000 hash entries): employees() are then empty.
class RosterIndex {
 public:
  explicit RosterIndex(const Config& c, bool leaders_only = false) : config_(c), leaders_only_(leaders_only), max_steps_(c.units.size()) {
    for (const Unit& u : c.units) {
      units_.emplace(u.id, &u);
      if (!u.parent.empty()) children_[u.parent].push_back(u.id);
    }
    if (leaders_only) return;  // the Config's own index of leaders answers (Config::leaders_in)
    for (const Person& p : c.people) {
      if (has_role(p, Role::leader)) leaders_[p.unit].push_back(&p);  // in roster order
      if (p.acting) leaders_[p.acting->unit].push_back(&p);
      people_.emplace(p.id, &p);
      if (has_role(p, Role::employee)) {
        employees_.push_back(&p);
        by_unit_[p.unit].push_back(&p);
      }
    }
  }

  const Person* person(std::string_view id) const {
    return leaders_only_ ? config_.find_person(id) : find(people_, id);
  }
  const Unit* unit(std::string_view id) const { return find(units_, id); }
  // Who leads `unit` on `day`: an acting leader, else the first leader in
  // office. Without a day: the first with the role, whatever its dates.
  const Person* unit_leader(std::string_view unit, std::optional<LocalDays> day) const {
    if (leaders_only_) return pick_leader(config_.leaders_in(unit), unit, day);
    const auto it = leaders_.find(unit);
    if (it == leaders_.end()) return nullptr;
    return pick_leader(it->second, unit, day);
  }
  const std::vector<const Person*>& employees() const { return employees_; }
  bool has_leaders(std::string_view unit) const {
    return leaders_only_ ? !config_.leaders_in(unit).empty() : leaders_.count(unit) != 0;
  }
  // Employees on `day` in `unit` and the units under it that are reported
  // with it (each under `min_group` on its own), counted up to `enough`.
  int group_size(std::string_view unit, LocalDays day, int enough) const {
    int n = 0;
    for (const Person* p : employees(unit))
      if (!p->start_date || *p->start_date <= day) ++n;
    if (n >= enough) return n;
    const auto kids = children_.find(unit);
    if (kids == children_.end()) return n;
    for (std::string_view child : kids->second) {
      const int own = group_size(child, day, enough);
      if (own < enough) n += own;  // a unit big enough has its own report
    }
    return n;
  }
  const std::vector<const Person*>& employees(std::string_view unit) const {
    static const std::vector<const Person*> none;
    const auto it = by_unit_.find(unit);
    return it == by_unit_.end() ? none : it->second;
  }

  const Person* leader_of(const Person& p, std::optional<LocalDays> day) const {
    return walk_to_leader(
        p, max_steps_, [this](std::string_view id) { return person(id); },
        [this, day](std::string_view u) { return unit_leader(u, day); }, [this](std::string_view u) { return unit(u); });
  }

 private:
  template <class T>
  static const T* find(const std::unordered_map<std::string_view, const T*>& m, std::string_view id) {
    const auto it = m.find(id);
    return it == m.end() ? nullptr : it->second;
  }

  const Config& config_;
  bool leaders_only_;
  std::size_t max_steps_;
  std::unordered_map<std::string_view, const Person*> people_;
  std::unordered_map<std::string_view, const Unit*> units_;
  std::unordered_map<std::string_view, std::vector<const Person*>> leaders_;
  std::vector<const Person*> employees_;
  std::unordered_map<std::string_view, std::vector<const Person*>> by_unit_;
  std::unordered_map<std::string_view, std::vector<std::string_view>> children_;
};

}  // namespace

const Person* pick_leader(const std::vector<const Person*>& candidates, std::string_view unit,
                          std::optional<LocalDays> day) {
  if (!day) {
    for (const Person* p : candidates)
      if (p->unit == unit && has_role(*p, Role::leader)) return p;
    return nullptr;
  }
  for (const Person* p : candidates)
    if (p->acting && p->acting->unit == unit && p->acting->from <= *day && *day <= p->acting->to) return p;
  for (const Person* p : candidates)
    if (p->unit == unit && holds_role(*p, Role::leader, unit, day)) return p;
  return nullptr;
}

namespace {

// A window or deadline runs to the end of its last local day.
SysSeconds deadline(const Config& c, const Occurrence& o) {
  if (o.all_day) return to_utc(LocalSeconds{o.last_day + date::days{1}}, c.organisation.zone);
  return o.end;
}

}  // namespace

struct LeaderIndex::Impl {
  explicit Impl(const Config& c) : roster(c, /*leaders_only=*/true) {}
  RosterIndex roster;
};

LeaderIndex::LeaderIndex(const Config& config) : impl_(std::make_unique<const Impl>(config)) {}
LeaderIndex::~LeaderIndex() = default;

const Person* LeaderIndex::leader_of(const Person& person, std::optional<LocalDays> day) const {
  return impl_->roster.leader_of(person, day);
}

const Person* leader_of(const Config& config, const Person& person, std::optional<LocalDays> day) {
  return walk_to_leader(
      person, config.units.size(), [&](std::string_view id) { return config.find_person(id); },
      [&](std::string_view unit) { return pick_leader(config.leaders_in(unit), unit, day); },
      [&](std::string_view unit) { return config.find_unit(unit); });
}

std::string_view task_kind_name(TaskKind kind) {
  switch (kind) {
    case TaskKind::documents: return "documents";
    case TaskKind::minutes: return "minutes";
    case TaskKind::follow_up: break;
  }
  return "follow_up";
}

std::optional<TaskKind> parse_task_kind(std::string_view name) {
  for (TaskKind k : {TaskKind::follow_up, TaskKind::documents, TaskKind::minutes})
    if (task_kind_name(k) == name) return k;
  return std::nullopt;
}

namespace {

// The unit a meeting belongs to: its series' unit, or for an
// organisation-wide series the top of the tree.
const Unit* meeting_unit(const Config& config, const Occurrence& o) {
  if (o.unit) return o.unit;
  for (const Unit& u : config.units)
    if (u.parent.empty()) return &u;
  return nullptr;
}

// Who owns a meeting on `day` (TaskRule): a named person, or the leader of
// the meeting's unit (or of the unit at owner_level above it), or of the
// nearest unit above when that one is vacant. A named person who has left
// the roster passes it to the unit's leader, so the paperwork is still owed.
const Person* meeting_owner(const Config& config, const RosterIndex& roster, const TaskRule& rule, const Unit* unit,
                            LocalDays day) {
  if (!rule.owner_person.empty())
    if (const Person* p = roster.person(rule.owner_person)) return p;
  if (!unit) return nullptr;
  if (!rule.owner_level.empty()) {
    const Unit* at = unit;
    for (std::size_t step = 0; at && at->level != rule.owner_level && step <= config.units.size(); ++step)
      at = at->parent.empty() ? nullptr : roster.unit(at->parent);
    if (!at) {
      // Not above the meeting's unit (an organisation-wide meeting): only a
      // level with one unit names one leader; otherwise the unit's own leads.
      const auto units = config.units_at_level(rule.owner_level);
      if (units.size() == 1) at = units.front();
    }
    if (at) unit = at;
  }
  if (const Person* l = roster.unit_leader(unit->id, day)) return l;
  if (unit->parent.empty()) return nullptr;
  Person vacant;
  vacant.unit = unit->id;
  return roster.leader_of(vacant, day);
}

// An employee's own task of a per-employee occurrence, for their leader on
// the deadline's day: one who starts later owns nothing due before.
void add_employee_task(const RosterIndex& roster, const Occurrence& o, SysSeconds due, LocalDays due_day, const Person& p,
                       std::vector<Task>& out) {
  if (p.start_date && *p.start_date > due_day) return;  // not yet there to be talked with
  if (const Person* l = roster.leader_of(p, due_day))
    out.push_back({o.uid + '|' + p.unit + '|' + p.id, o.activity->id, o.uid, p.unit, l->id, p.id, due});
}

}  // namespace

std::vector<Task> expected_tasks_of(const Config& config, const Expansion& expansion,
                                    const std::vector<std::string>& subjects) {
  std::vector<Task> out;
  std::vector<const Person*> people;
  for (const auto& id : subjects)
    if (const Person* p = config.find_person(id); p && has_role(*p, Role::employee)) people.push_back(p);
  if (people.empty()) return out;
  const RosterIndex roster(config, /*leaders_only=*/true);
  for (const Occurrence& o : expansion.occurrences) {
    if (!o.activity || !o.activity->tasks || o.activity->tasks->per != TaskRule::Per::employee) continue;
    const SysSeconds due = deadline(config, o);
    const LocalDays due_day = date::floor<date::days>(to_local(due - Seconds{1}, config.organisation.zone));
    for (const Person* p : people)
      if (o.person ? o.person->id == p->id : (!o.unit || o.unit->id == p->unit))
        add_employee_task(roster, o, due, due_day, *p, out);
  }
  return out;
}

bool only_own_tasks_change(const Config& before_config, const Expansion& before, const Config& after_config,
                           const Expansion& after, const std::vector<std::string>& people) {
  std::unordered_set<std::string_view> touched(people.begin(), people.end());
  bool counted_rounds = false;  // a round whose unit tasks count employees (min_group)
  for (const Config* c : {&before_config, &after_config})
    for (const Wheel& w : c->wheels)
      for (const Activity& a : w.activities)
        if (a.tasks) {
          if (touched.count(a.tasks->owner_person)) return false;  // names a meeting's owner
          if (a.tasks->per == TaskRule::Per::unit && w.round && w.round->min_group > 0) counted_rounds = true;
        }
  for (const auto& id : people) {
    const Person* b = before_config.find_person(id);
    const Person* a = after_config.find_person(id);
    if (!b || !a) return false;  // joined or left: the roster's shape changed
    for (const Person* p : {a, b})
      if (has_role(*p, Role::leader) || p->acting) return false;
    // What a unit's count depends on.
    if (counted_rounds && (b->unit != a->unit || b->roles != a->roles || b->start_date != a->start_date)) return false;
  }
  // Someone's own leader. Everyone else is the same in both rosters: one
  // scan of the new roster, and the changed people as they were.
  for (const Person& p : after_config.people)
    if (!p.manager.empty() && touched.count(p.manager)) return false;
  for (const auto& id : people)
    if (const Person* b = before_config.find_person(id); !b->manager.empty() && touched.count(b->manager)) return false;
  // Every occurrence that makes tasks, other than the touched people's own,
  // must be the same: then only their tasks can differ.
  auto task_makers = [&](const Expansion& e, bool& unit_task_of_touched) {
    std::vector<std::tuple<std::string_view, SysSeconds, SysSeconds, LocalDays, LocalDays, bool>> out;
    for (const Occurrence& o : e.occurrences) {
      if (!o.activity || !o.activity->tasks) continue;
      if (o.person && touched.count(o.person->id)) {
        if (o.activity->tasks->per != TaskRule::Per::employee) unit_task_of_touched = true;
        continue;
      }
      out.emplace_back(o.uid, o.start, o.end, o.first_day, o.last_day, o.all_day);
    }
    return out;
  };
  bool unit_task_of_touched = false;
  const auto b = task_makers(before, unit_task_of_touched);
  const auto a = task_makers(after, unit_task_of_touched);
  return !unit_task_of_touched && a == b;
}

std::vector<Task> expected_tasks(const Config& config, const Expansion& expansion) {
  std::vector<Task> out;
  std::optional<RosterIndex> roster;
  for (const Occurrence& o : expansion.occurrences) {
    if (!o.activity || !o.activity->tasks) continue;
    if (!roster) roster.emplace(config);
    const TaskRule& rule = *o.activity->tasks;
    if (rule.per == TaskRule::Per::meeting) {
      const Unit* unit = meeting_unit(config, o);
      const auto end_of = [&](LocalDays d) { return to_utc(LocalSeconds{d + date::days{1}}, config.organisation.zone); };
      // Each is owed by whoever owns the meeting on its own deadline's day:
      // a leader who starts between the documents and the meeting owes only the minutes.
      auto add_paperwork = [&](TaskKind kind, LocalDays last_day, LocalDays owner_day) {
        const Person* owner = meeting_owner(config, *roster, rule, unit, owner_day);
        if (!owner) return;  // nobody leads it: nothing to chase
        const std::string unit_id = unit ? unit->id : owner->unit;
        out.push_back({o.uid + '|' + unit_id + "|#" + std::string(task_kind_name(kind)), o.activity->id, o.uid, unit_id,
                       owner->id, "", end_of(last_day), kind});
      };
      if (rule.documents) {
        const int before = o.activity->notice ? o.activity->notice->documents_days_before : Notice{}.documents_days_before;
        const LocalDays day = o.first_day - date::days{before};
        add_paperwork(TaskKind::documents, day, day);
      }
      if (rule.minutes_days_after)
        add_paperwork(TaskKind::minutes, o.last_day + date::days{*rule.minutes_days_after}, o.first_day);
      continue;
    }
    const SysSeconds due = deadline(config, o);
    const LocalDays due_day = date::floor<date::days>(to_local(due - Seconds{1}, config.organisation.zone));
    const std::size_t first = out.size();
    auto add = [&](const std::string& unit, const Person& assignee, const std::string& subject) {
      out.push_back({o.uid + '|' + unit + '|' + subject, o.activity->id, o.uid, unit, assignee.id, subject, due});
    };

    if (rule.per == TaskRule::Per::employee) {
      if (o.person) {
        if (has_role(*o.person, Role::employee)) add_employee_task(*roster, o, due, due_day, *o.person, out);
      } else {
        for (const Person* p : o.unit ? roster->employees(o.unit->id) : roster->employees())
          add_employee_task(*roster, o, due, due_day, *p, out);
      }
    } else {
      const int min_group = o.wheel && o.wheel->round ? o.wheel->round->min_group : 0;
      // The unit a unit's report (and so its follow-up) belongs to: itself,
      // or (under the round's min_group) the nearest unit above with enough
      // people counting those of the small units reported with it.
      auto reported_in = [&](const std::string& unit) -> std::string {
        if (min_group <= 0) return unit;
        std::string at = unit;
        for (std::size_t step = 0; step <= config.units.size(); ++step) {
          if (roster->group_size(at, due_day, min_group) >= min_group) return at;
          const Unit* u = roster->unit(at);
          if (!u || u->parent.empty()) return at;  // the top reports whatever it has
          at = u->parent;
        }
        return at;
      };
      std::vector<std::string> done;
      auto unit_task = [&](const std::string& unit) {
        const std::string target = reported_in(unit);
        if (std::find(done.begin(), done.end(), target) != done.end()) return;
        done.push_back(target);
        // The leader on the deadline's day, or (a unit whose leader has not
        // started or has left) the one above; a unit never led gets none.
        const Person* l = roster->unit_leader(target, due_day);
        if (!l && roster->has_leaders(target))
          if (const Unit* u = roster->unit(target); u && !u->parent.empty()) {
            Person vacant;
            vacant.unit = target;
            l = roster->leader_of(vacant, due_day);
          }
        if (l) add(target, *l, "");
      };
      if (o.person) unit_task(o.person->unit);
      else if (o.unit) unit_task(o.unit->id);
      else
        for (const Unit& u : config.units)
          if (rule.levels.empty() || std::find(rule.levels.begin(), rule.levels.end(), u.level) != rule.levels.end())
            unit_task(u.id);
    }
    std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(), [](const Task& x, const Task& y) {
      return x.unit != y.unit ? x.unit < y.unit : x.subject < y.subject;
    });
  }
  return out;
}

std::vector<TaskMessage> due_task_messages(const Config& config, const std::vector<TaskState>& tasks,
                                           SysSeconds now) {
  std::vector<const TaskState*> open;
  for (const TaskState& t : tasks)
    if (!t.completed) open.push_back(&t);
  std::vector<TaskMessage> out;
  if (open.empty()) return out;
  std::sort(open.begin(), open.end(), [](const TaskState* x, const TaskState* y) {
    const Task& a = x->task;
    const Task& b = y->task;
    if (a.occurrence_uid != b.occurrence_uid) return a.occurrence_uid < b.occurrence_uid;
    if (a.assignee != b.assignee) return a.assignee < b.assignee;
    if (a.kind != b.kind) return a.kind < b.kind;
    if (a.subject != b.subject) return a.subject < b.subject;
    return x->id < y->id;
  });

  const RosterIndex roster(config);

  for (auto b = open.begin(); b != open.end();) {
    const Task& head = (*b)->task;
    auto e = b;
    SysSeconds due = head.due;
    while (e != open.end() && (*e)->task.occurrence_uid == head.occurrence_uid && (*e)->task.assignee == head.assignee &&
           (*e)->task.kind == head.kind) {
      due = std::max(due, (*e)->task.due);  // a stale deadline must not make the rest overdue early
      ++e;
    }
    const Activity* act = config.find_activity(head.activity);
    const Person* assignee = roster.person(head.assignee);
    // Without its rule (HR removed it) or its assignee nobody is chased.
    if (!act || !act->tasks || !assignee) {
      b = e;
      continue;
    }
    auto message = [&](std::string_view event, std::string key, const Person& to, Seconds before) {
      TaskMessage m;
      m.event_type = event;
      m.key = std::move(key);
      m.recipient = &to;
      m.assignee = head.assignee;
      m.occurrence_uid = head.occurrence_uid;
      m.deadline = due;
      m.before = before;
      m.tasks.assign(b, e);
      out.push_back(std::move(m));
    };
    // A meeting's documents and minutes are chased apart from each other.
    const std::string uid = head.kind == TaskKind::follow_up
                                ? head.occurrence_uid
                                : head.occurrence_uid + '#' + std::string(task_kind_name(head.kind));
    // Only the latest reminder whose time has come: a daemon that was down
    // for the 14-day one and wakes at the 3-day one sends one, not two.
    std::optional<Seconds> latest;
    for (Seconds r : act->tasks->reminders)
      if (now >= due - r && now < due && (!latest || r < *latest)) latest = r;
    if (latest)
      message("task.due", "task.due|" + uid + '|' + std::to_string(latest->count()) + "s|" + assignee->id, *assignee,
              *latest);
    if (due <= now && now < due + kOverdueNoticeWindow) {
      const std::string prefix = "task.overdue|" + uid + '|' + assignee->id + '|';
      message("task.overdue", prefix + assignee->id, *assignee, Seconds{});
      const LocalDays due_day = date::floor<date::days>(to_local(due - Seconds{1}, config.organisation.zone));
      if (const Person* l = roster.leader_of(*assignee, due_day)) message("task.overdue", prefix + l->id, *l, Seconds{});
    }
    b = e;
  }
  return out;
}

}  // namespace arshjul
