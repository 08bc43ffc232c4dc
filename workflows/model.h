// The configuration model: an organisation, its leader levels and unit tree,
// the people who take part, and its wheels of activities.
//
// A Config is what `load_config` returns once every reference is checked:
// code that holds one can rely on every id it names existing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "calendars/expected.h"
#include "calendars/icalendar.h"
#include "calendars/recurrence.h"
#include "calendars/time.h"
#include "calendars/working_days.h"
#include "workflows/shared_chunks.h"

namespace arshjul {

// folkevalgt: an elected member (kommunestyre, utvalg), invited to joint sessions
// such as ethics and employer policy; held organisation-wide.
enum class Role { leader, employee, hr, hovedtillitsvalgt, plasstillitsvalgt, hovedverneombud, verneombud, bht, folkevalgt };

std::optional<Role> role_from_name(std::string_view name);
std::string_view role_name(Role role);
std::vector<std::string_view> role_names();
// Roles held in one unit (leader, employee, plasstillitsvalgt, verneombud), as
// opposed to organisation-wide ones (hr, hovedtillitsvalgt, ...).
bool is_unit_bound(Role role);

struct Level {
  std::string id;
  std::string name;
};

struct Unit {
  std::string id;
  std::string name;
  std::string level;
  std::string parent;  // empty for the top unit
};

struct Committee {
  std::string id;
  std::string name;
};

// A seat on a committee, dated like leadership: from..to, both inclusive and
// both optional (AMU's members are chosen for a term; the next term's members
// are known before it starts). Written "amu" or "amu:2027-01-01..2028-12-31"
// (either end may be left out) in the CSV import and in storage.
struct Membership {
  std::string committee;
  std::optional<LocalDays> from{};
  std::optional<LocalDays> to{};
  bool operator==(const Membership&) const = default;
  bool held_on(LocalDays day) const { return (!from || *from <= day) && (!to || day <= *to); }
};
std::string membership_text(const Membership& m);
// The text form back; a message naming what was expected when it is not one.
Expected<Membership> parse_membership(std::string_view text);

struct Person {
  std::string id;
  std::string name;
  std::string email;
  std::string unit;
  std::vector<Role> roles;
  std::string union_name;
  std::vector<Membership> committees;
  std::optional<LocalDays> start_date;
  // Leadership is dated: a person with the role leader leads their unit from
  // leader_start_date (also the anchor of the new-leader course path) to
  // leader_end_date, both inclusive and both optional.
  std::optional<LocalDays> leader_start_date;
  std::optional<LocalDays> leader_end_date;
  // An acting leader (konstituert) leads `unit` from..to (inclusive) in place
  // of its leader, whatever their own roles; it wins over the unit's leader.
  struct Acting {
    std::string unit;
    LocalDays from, to;
    bool operator==(const Acting&) const = default;
  };
  std::optional<Acting> acting;
  std::string manager;  // the person's own leader, when not the leader of their unit (or its parent)
  bool operator==(const Person&) const = default;
};

// The people of a Config (see Config::people).
using Roster = SharedChunks<Person>;

// Does `p` hold `role` in `unit` on `day`? Roles other than leader are held
// in the person's own unit; leadership counts only within its dates, and an
// acting leader holds leader in the acting unit. Without a day, dates are
// ignored (and acting spans do not count).
bool holds_role(const Person& p, Role role, std::string_view unit, std::optional<LocalDays> day);
// The units in which `p` holds `role` on `day` (at most two: their own unit
// and, for leader, an acting one); none when the role is not held then.
struct RoleUnits {
  std::string_view units[2];
  int count = 0;
  const std::string_view* begin() const { return units; }
  const std::string_view* end() const { return units + count; }
};
RoleUnits role_units(const Person& p, Role role, std::optional<LocalDays> day);
// Does `p` sit on `committee` on `day`? Without a day, any seat counts.
bool is_member(const Person& p, std::string_view committee, std::optional<LocalDays> day);

// Who takes part: a role (relative to the series' unit where the role is
// unit-bound), a role at a level, a committee, one person, or (in reminders)
// the activity's participants. Over the unit tree (role_in_tree): a role in
// a unit (`unit`, or the series' own unit when empty) and, with `below`,
// every unit under it; with a level (`ref`), only units at that level under
// it. own_leader: the leader of a personal series' person on its day.
struct Selector {
  enum class Kind { role, role_at_level, committee, person, participants, role_in_tree, own_leader };
  Kind kind = Kind::role;
  Role role = Role::employee;
  std::string ref;   // level, committee or person id
  std::string text;  // as written in the config
  std::string unit;  // role_in_tree: the unit the tree hangs from; empty: the series' unit
  bool below = false;  // role_in_tree: the units under it too
};

// Whose series an activity is: the organisation's (one), one per unit at a
// level, or one per named unit (`units`, one or more).
struct Scope {
  enum class Kind { organisation, level, unit };
  Kind kind = Kind::organisation;
  std::string ref;                  // level id, or the first unit id
  std::vector<std::string> units{};  // Kind::unit: every unit named, ref first (empty: ref alone)
};

struct Notice {
  std::vector<Selector> to;
  int days_before = 14;
  int documents_days_before = 7;
};

// Items some of a series' meetings add to its agenda (agenda_in), so the
// config can say that the February meeting handles the annual report
// without HR giving that one meeting an agenda of its own. A meeting is
// matched by the day its rule gives it (Occurrence::original_day), so a
// holiday or HR moving it does not take the items away.
struct AgendaAddition {
  std::vector<int> months{};          // 1-12: every meeting the rule puts in one of them
  std::optional<LocalDays> date{};    // or the one meeting the rule puts on this day
  std::vector<std::string> items{};   // in order, each one line
  int line = 0;                       // where it is written, for check's warnings
  bool applies_to(LocalDays original_day) const;
};

struct Reminder {
  Seconds before{};
  std::vector<Selector> to;
};

// Automatic registration (the ansattdag, or any other day for new hires):
// every person whose start date is in the horizon gets a place at the first
// occurrence on or after start_date + lead_days that still has room; one
// that would wait longer than max_wait_days is left unregistered and HR is
// told. Messages and headings call one day `name` ("ansattdag"), or the
// activity's title when it has none (registration_name in vocabulary.h).
struct RegistrationRule {
  // Whose date counts: new hires (start_date) or new leaders (leader_start_date).
  enum class After { start_date, leader_start_date };
  After after = After::start_date;
  int capacity = 30;
  int lead_days = 0;
  int max_wait_days = 120;
  std::string name{};  // "{}" lets designated initializers leave it out under -Wextra
};

// Follow-up tasks an occurrence creates, due at its end: one per
// leader-employee pair (appraisals), or one per unit for its leader
// (10-faktor follow-up). An organisation-wide activity with per = unit
// makes one per unit at `levels` (empty: every unit with a leader).
// Meetings (per = meeting) make the owner's paperwork instead: the
// documents out by the notice's documents deadline, the minutes (referat)
// written within minutes_days_after of the meeting.
struct TaskRule {
  enum class Per { employee, unit, meeting };
  Per per = Per::employee;
  std::vector<std::string> levels;
  std::vector<Seconds> reminders;  // task.due to the assignee this long before the deadline

  // per = meeting only.
  bool documents = false;
  std::optional<int> minutes_days_after{};
  // Who owns the meeting: the series unit's leader (or, organisation-wide,
  // the top unit's), the leader at `owner_level` above the series' unit, or
  // one person.
  std::string owner_level{};  // "{}" lets aggregate initializers leave it out under -Wextra
  std::string owner_person{};
};

// A personal series: one occurrence per person who has the date, placed
// `offset` days after it (the course path of a new leader or a new hire).
struct PersonalAnchor {
  enum class Date { start_date, leader_start_date };
  Date date = Date::leader_start_date;
  int offset_days = 0;
};

// A 10-faktor round's calendar: the survey opens on `opens` every `every`
// years from `since`, and stays open `open_days`. Activities of a wheel
// with a round place their dates relative to its opening or closing day.
struct Round {
  MonthDay opens;
  int open_days = 21;
  int every = 1;
  int since = 2020;
  // A unit report needs this many answers: a unit with fewer employees is
  // reported with its parent, whose leader gets the follow-up (0: no minimum).
  int min_group = 0;
};

// A day relative to a round: "open-6w", "close+12d".
struct RoundDay {
  enum class Anchor { open, close };
  Anchor anchor = Anchor::open;
  int offset_days = 0;
};

enum class ActivityKind { meeting, deadline, window };
std::string_view kind_name(ActivityKind kind);

struct SourcePosition {
  std::string file;
  int line = 0;
};

struct Activity {
  std::string id;
  std::string wheel;
  std::string title;
  std::string description;
  std::string location;
  ActivityKind kind = ActivityKind::meeting;
  Scope scope;

  // When: a rule, or explicit dates, or (windows) a yearly from-to.
  std::optional<LocalRule> rule;
  std::vector<LocalDays> dates;
  std::vector<MonthDay> yearly_dates;
  MonthDay window_from, window_to;
  // In a wheel with a round: dates and window ends relative to it.
  std::vector<RoundDay> round_dates;
  std::optional<RoundDay> round_from, round_to;
  std::optional<PersonalAnchor> personal;  // instead of the above: one series per person

  Seconds start{};     // meetings: local time of day
  Seconds duration{};  // meetings
  int days = 1;        // meetings: a gathering on this many consecutive days, start to start + duration each day
  HolidayPolicy on_holiday = HolidayPolicy::next_working_day;

  std::vector<std::string> agenda;
  std::vector<AgendaAddition> agenda_in;
  std::vector<Selector> participants;
  std::optional<Notice> notice;
  std::vector<Reminder> reminders;
  std::optional<RegistrationRule> registration;
  std::optional<TaskRule> tasks;

  SourcePosition defined_at;
};

struct Wheel {
  std::string id;
  std::string name;
  std::string color;  // #rrggbb
  std::string description;
  std::optional<Round> round;
  std::vector<Activity> activities;
};

// The municipality's published møteplan, fetched over HTTPS by the daemon
// (organisation.political_calendar; docs/config.md "The political calendar").
struct PoliticalCalendarUrl {
  std::string url;                           // empty: none configured
  Seconds refresh{6 * 3600};                 // how often it is fetched again, 5 min to 7 days
  std::string ca_file;                       // extra CA certificates (PEM); the system's are always trusted
  // Why the copy stored from the last good fetch no longer reads (say the
  // time zone changed under it); meanwhile meetings are placed without the
  // council's dates. A warning, not an error: an old copy must not keep
  // the daemon from starting.
  std::string stored_copy_problem;
};

struct Organisation {
  std::string id;
  std::string name;
  std::string timezone = "Europe/Oslo";
  const date::time_zone* zone = nullptr;
  WorkingDayRules working_days;
  CalendarOrganizer organizer;  // HR's mailbox, ORGANIZER of every feed's events; empty email: not configured
  PoliticalCalendarUrl political_calendar;
};

// The event types arshjul delivers by webhook (docs/webhooks.md).
inline constexpr std::string_view kEventTypes[] = {
    "reminder.due",         "notice.early",          "occurrence.changed", "occurrence.cancelled",
    "registration.created", "registration.moved",    "registration.cancelled", "registration.waiting",
    "task.due",             "task.overdue",          "subscription.created", "person.moved",
    "leader.started"};

// An HTTP endpoint that receives signed event messages (Standard Webhooks).
struct Hook {
  std::string id;
  std::string url;                  // https://..., or http:// to loopback (or with insecure)
  std::string secret;               // "whsec_" + base64 key
  std::vector<std::string> events;  // empty: every event type
  Seconds timeout{10};
  int max_attempts = 8;
  // Delay before the retry after the n-th failure is retry[n-1]; the last
  // one repeats. Standard Webhooks' suggested schedule by default: with
  // 8 attempts about 27 hours.
  std::vector<Seconds> retry{Seconds{5},         Seconds{5 * 60},    Seconds{30 * 60}, Seconds{2 * 3600},
                             Seconds{5 * 3600}, Seconds{10 * 3600}, Seconds{10 * 3600}};
  std::string ca_file;              // extra CA certificates (PEM), for internal CAs and tests
  bool insecure = false;
  bool wants(std::string_view event_type) const;
};

namespace detail {

// Config's find_person, find_unit and find_activity index: positions by a
// hash of the id, built on first use. A hit is checked against the vectors
// themselves and a miss is confirmed by a scan, so vectors edited after a
// lookup make the index stale at the cost of a rebuild, never of a wrong
// answer. A copy of a Config (and a moved one) starts without one. Lookups
// from several threads at once are safe, on a Config nobody is changing.
class IdIndex {
 public:
  IdIndex() = default;
  IdIndex(const IdIndex&) noexcept {}
  IdIndex& operator=(const IdIndex&) noexcept;
  // Takes `from`'s index of people, for a roster copied from its Config with
  // the same ids at the same positions (a person edited in place): 50,000
  // ids are not hashed again. A wrong claim costs a rebuild, never a wrong answer.
  void share_people(const IdIndex& from);

  const Person* person(const Roster& people, std::string_view id) const;
  // Who may lead `unit` (see Config::leaders_in), built over `people` on
  // first use and again whenever `people` has been written since.
  std::vector<const Person*> leaders(const Roster& people, std::string_view unit) const;
  // Takes `from`'s leaders (when built for `from_people` as it is) for
  // `people`, a roster with the same leaders at the same positions (only
  // people who neither lead nor act changed). A wrong claim gives wrong
  // leaders: the caller checks it.
  void share_leaders(const IdIndex& from, const Roster& from_people, const Roster& people);
  const Unit* unit(const std::vector<Unit>& units, std::string_view id) const;
  // Activities are found across wheels; `wheel`, when given, is set on a hit.
  const Activity* activity(const std::vector<Wheel>& wheels, std::string_view id, const Wheel** wheel) const;

 private:
  // A position: the index in a flat vector, or (wheel << 32 | activity).
  struct Slots {
    std::vector<std::pair<std::size_t, std::uint64_t>> by_hash;  // (hash of id, position), sorted
    bool built = false;
  };
  template <class Items>
  std::optional<std::uint64_t> find(Slots& slots, const Items& items, std::string_view id) const;

  // Positions in the roster by unit id, for the roster of `version`;
  // immutable once built, so a narrowed snapshot shares its predecessor's.
  struct Leaders {
    std::shared_ptr<const std::unordered_map<std::string, std::vector<std::size_t>>> by_unit;
    std::uint64_t version = 0;
  };

  mutable std::mutex mu_;
  mutable Slots people_, units_, activities_;
  mutable Leaders leaders_;
};

}  // namespace detail

// Sign-in with an OpenID Connect provider ([sign_in], docs/sign-in.md).
// The client secret is named here (a file or an environment variable) and
// read by the server, so the config files hold no secret.
struct SignIn {
  std::string issuer;                 // https://..., or http:// to loopback (tests)
  std::string client_id;
  std::string client_secret_file;     // one of these two names the secret
  std::string client_secret_env;
  std::string redirect_path = "/login/callback";
  std::string person_claim = "email"; // matched to a roster person's email (case-insensitive)
  std::string hr_claim;               // a claim (string or array) that makes someone HR ...
  std::string hr_value;               // ... when it holds this value
  std::string ca_file;                // extra CA certificates (PEM) for the provider, for internal CAs and tests
  Seconds session_length{8 * 3600};
};

struct Config {
  Organisation organisation;
  std::optional<SignIn> sign_in;    // none: HR signs in with an API token only
  std::vector<Hook> hooks;
  std::vector<Level> levels;        // top first
  std::vector<Unit> units;
  std::vector<Committee> committees;
  // Shared between copies of a Config chunk by chunk (shared_chunks.h): a
  // snapshot that changes one person copies one chunk of the roster.
  Roster people;
  std::vector<Wheel> wheels;
  // Delivered and dropped outbox rows older than this are pruned ([outbox] retention).
  Seconds outbox_retention{90 * 86400};
  // When the daemon read a roster from the files that differed from the one
  // before: the people of the files count as changed then (`updated_since`).
  SysSeconds people_read_at{};
  // Where each person of people.toml is written, by id, so check's warnings
  // about a person name the line (people from the HR system have none).
  // Shared, not copied, by the snapshots that copy a Config.
  std::shared_ptr<const std::map<std::string, SourcePosition, std::less<>>> person_defined_at{};

  const Unit* find_unit(std::string_view id) const;
  const Person* find_person(std::string_view id) const;
  // Who may lead `unit`: its people with the role leader and the people
  // acting as its leader, whatever their dates, in roster order (pick_leader
  // chooses for a day). Indexed once per roster, not scanned per call.
  std::vector<const Person*> leaders_in(std::string_view unit) const;
  const Wheel* find_wheel(std::string_view id) const;
  // An activity of any wheel by its id (ids are unique across wheels); sets
  // `*wheel` to its wheel when found and `wheel` is given.
  const Activity* find_activity(std::string_view id, const Wheel** wheel = nullptr) const;
  int level_index(std::string_view level_id) const;  // -1 when unknown
  std::vector<const Unit*> units_at_level(std::string_view level_id) const;
  std::size_t activity_count() const;

  // Internal: find_person's, find_unit's and find_activity's index (keeps nothing a caller sees).
  detail::IdIndex id_index;
};

}  // namespace arshjul
