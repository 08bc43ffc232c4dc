// Follow-up tasks: who owes what by when. One task per leader-employee pair
// (appraisals) or per unit for its leader (10-faktor follow-up), created by
// occurrences of activities with a TaskRule and due at their end.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "workflows/expansion.h"

namespace arshjul {

// What a task asks for: a leader's follow-up (an appraisal, a unit's
// 10-faktor follow-up), or a meeting owner's documents or minutes.
enum class TaskKind { follow_up, documents, minutes };
std::string_view task_kind_name(TaskKind kind);  // "follow_up", "documents", "minutes"
std::optional<TaskKind> parse_task_kind(std::string_view name);

struct Task {
  std::string key;             // "occurrence_uid|unit|subject" ("|#documents", "|#minutes"): stable across reloads
  std::string activity;
  std::string occurrence_uid;
  std::string unit;            // the unit it is for
  std::string assignee;        // the leader who does it
  std::string subject;         // per employee: the employee; per unit: empty
  SysSeconds due{};            // the end of the occurrence (end of a window's last day); paperwork: the
                               // end of the documents deadline's day, or of the minutes' last day
  TaskKind kind = TaskKind::follow_up;
};

// Every task the occurrences in `expansion` create from the roster, by
// occurrence, unit, then subject. Per employee: each person with the
// employee role in scope whose leader on the deadline's day (leader_of)
// exists and who started by the deadline; per unit: each unit in scope, for
// its leader on the deadline's day (or the leader above a vacant unit). In a
// wheel whose round has a min_group, a unit with fewer employees (with the
// small units under it) is reported with its parent: one task for the
// parent's leader covers both. Per meeting: the owner (TaskRule) on the
// notice's documents deadline day gets a documents task due at its end, the
// owner on the meeting's day a minutes task due minutes_days_after the
// meeting's last day; a vacant owner's unit passes to the leader above.
std::vector<Task> expected_tasks(const Config& config, const Expansion& expansion);

// expected_tasks' per-employee tasks whose subject is one of `subjects`
// (ids in `config`'s roster), without indexing the whole roster.
std::vector<Task> expected_tasks_of(const Config& config, const Expansion& expansion,
                                    const std::vector<std::string>& subjects);

// Whether a change to `people` (each in both rosters, which differ in no
// one else) from `before_config` and `before` to `after_config` and `after`
// can change only tasks whose
// subject is one of them: none leads, acts, is someone's manager or a named
// meeting owner on either side; none changes what a min_group round counts;
// and every other occurrence that makes tasks is the same. Conservative: on
// false, compute expected_tasks whole.
bool only_own_tasks_change(const Config& before_config, const Expansion& before, const Config& after_config,
                           const Expansion& after, const std::vector<std::string>& people);

// A person's own leader: `manager` when set; else the leader of their unit;
// for that unit's leader (or a unit without one), the leader of the nearest
// unit above. Null at the top. With a day, leadership is dated: an acting
// leader covering the day leads the unit, and a leader leads only from
// leader_start_date to leader_end_date; without one, the first person with
// the role leader in a unit leads it.
const Person* leader_of(const Config& config, const Person& person, std::optional<LocalDays> day = std::nullopt);

// leader_of for many people of one roster, with the units in a hash map of
// its own; who leads each unit comes from the Config's index, as for leader_of.
// Refers to `config`, which must outlive it; immutable once made, so
// threads may share it. Throws only std::bad_alloc.
class LeaderIndex {
 public:
  explicit LeaderIndex(const Config& config);
  ~LeaderIndex();
  LeaderIndex(const LeaderIndex&) = delete;
  LeaderIndex& operator=(const LeaderIndex&) = delete;
  const Person* leader_of(const Person& person, std::optional<LocalDays> day = std::nullopt) const;

 private:
  struct Impl;
  std::unique_ptr<const Impl> impl_;
};

// Of `candidates` (people with the role leader in `unit`, and acting leaders
// of it), who leads `unit` on `day`, as leader_of decides.
const Person* pick_leader(const std::vector<const Person*>& candidates, std::string_view unit,
                          std::optional<LocalDays> day);

// A task as storage holds it.
struct TaskState {
  long long id = 0;
  Task task;
  bool completed = false;
  bool cancelled = false;  // no longer owed (listed only when asked for)
  SysSeconds updated{};    // when it was created or last changed
};

// A message about open tasks, one per recipient, occurrence and rule, so a
// leader with twenty open appraisals gets one reminder, not twenty.
struct TaskMessage {
  std::string event_type;            // "task.due" or "task.overdue"
  std::string key;                   // unique: event|occurrence|rule|recipient
  const Person* recipient = nullptr; // the assignee, or (overdue) the assignee's leader
  std::string assignee;
  std::string occurrence_uid;
  SysSeconds deadline{};
  Seconds before{};                  // task.due: the reminder rule
  std::vector<const TaskState*> tasks;  // the open ones, by subject
};

// Overdue messages are sent this long after a deadline at most: a daemon
// started long after does not flood leaders with old news.
inline constexpr Seconds kOverdueNoticeWindow = std::chrono::hours{24 * 14};

// The messages due at `now`: for each assignee with open tasks of an
// occurrence, a task.due for the latest TaskRule reminder whose time
// (deadline - before) has come, while the deadline has not, and once the deadline has passed (within
// kOverdueNoticeWindow) a task.overdue to the assignee and one to the
// assignee's own leader. Keys make a message once-only however often this runs.
std::vector<TaskMessage> due_task_messages(const Config& config, const std::vector<TaskState>& tasks,
                                           SysSeconds now);

}  // namespace arshjul
