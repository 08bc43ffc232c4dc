#include "workflows/registrations.h"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "workflows/vocabulary.h"

namespace arshjul {
namespace {

// A hire to place: new, waiting, or losing the day they had.
struct Pending {
  const Person* person = nullptr;
  const Registration* previous = nullptr;  // null: never registered
  std::string why;                         // why `previous` no longer holds
};

struct Planner {
  const std::unordered_map<std::string_view, const Occurrence*>& occurrences;
  const std::unordered_map<std::string_view, const Person*>& people;
  SysSeconds now;
  LocalDays today;
  RegistrationPlan& plan;

  const Occurrence* occurrence(const std::string& uid) const {
    if (uid.empty()) return nullptr;
    const auto it = occurrences.find(uid);
    return it == occurrences.end() ? nullptr : it->second;
  }

  const Person* person(const std::string& id) const {
    const auto it = people.find(id);
    return it == people.end() ? nullptr : it->second;
  }

  void change(RegistrationChange::Kind kind, const Registration& r, std::string from, std::string to,
              std::string reason) {
    plan.changes.push_back({kind, r.activity, r.person, std::move(from), std::move(to), std::move(reason)});
  }

  // A registration that stays on its occurrence, with that occurrence's day.
  void keep(const Registration& r, const Occurrence& o) {
    plan.registrations.push_back(r);
    plan.registrations.back().occurrence_day = o.original_day;
  }

  // A registration whose person or rule is gone: a day that has begun stays
  // as history; anything ahead is given up.
  void release(const Registration& r, std::string reason) {
    const Occurrence* o = occurrence(r.occurrence_uid);
    if (o && o->start <= now) keep(r, *o);
    else change(RegistrationChange::Kind::cancelled, r, r.occurrence_uid, "", std::move(reason));
  }

  void plan_activity(const Activity& a, const RegistrationRule& rule, const std::vector<const Occurrence*>& days,
                     const std::vector<const Registration*>& current, const std::vector<const Person*>& roster) {
    // The date a person counts from: new hires' start_date or new leaders' leader_start_date.
    const bool leaders = rule.after == RegistrationRule::After::leader_start_date;
    const auto date_of = [leaders](const Person& p) { return leaders ? p.leader_start_date : p.start_date; };
    std::vector<const Person*> dated;
    for (const Person* p : roster)
      if (date_of(*p)) dated.push_back(p);
    // By scope ("" or the unit's id): an occurrence of a unit's series only takes that unit's people.
    std::map<std::string_view, std::vector<const Occurrence*>> by_scope;
    for (const Occurrence* o : days) by_scope[o->unit ? std::string_view(o->unit->id) : std::string_view()].push_back(o);
    std::unordered_map<const Occurrence*, int> taken;
    std::unordered_set<std::string_view> seen;
    std::vector<Pending> pending;

    for (const Registration* r : current) {
      if (!seen.insert(r->person).second) continue;  // a duplicate in storage: the first one counts
      const Person* p = person(r->person);
      if (!p) {
        release(*r, std::string(registration_reason::left_roster));
        continue;
      }
      if (!date_of(*p)) {
        release(*r, std::string(leaders ? registration_reason::no_leader_start_date : registration_reason::no_start_date));
        continue;
      }
      if (r->occurrence_uid.empty()) {
        pending.push_back({p, r, ""});
        continue;
      }
      const Occurrence* o = occurrence(r->occurrence_uid);
      const LocalDays earliest = *date_of(*p) + date::days{rule.lead_days};
      std::string why;
      if (!o) why = registration_cancelled_reason(a, r->occurrence_day);
      else if (o->start > now && o->unit && o->unit->id != p->unit) why = registration_reason::changed_unit;
      else if (o->start > now && o->first_day < earliest)
        why = registration_too_early_reason(a, o->first_day, o->moved_by_hr, earliest);
      if (why.empty()) {
        keep(*r, *o);
        ++taken[o];
      } else {
        pending.push_back({p, r, std::move(why)});
      }
    }

    for (const Person* p : dated)
      if (!seen.contains(p->id) && *date_of(*p) + date::days{rule.max_wait_days} >= today)
        pending.push_back({p, nullptr, ""});
    std::sort(pending.begin(), pending.end(), [&](const Pending& x, const Pending& y) {
      if (*date_of(*x.person) != *date_of(*y.person)) return *date_of(*x.person) < *date_of(*y.person);
      return x.person->id < y.person->id;
    });

    static const std::vector<const Occurrence*> none;
    for (Pending& h : pending) {
      const Person& p = *h.person;
      const LocalDays earliest = *date_of(p) + date::days{rule.lead_days};
      const LocalDays latest = *date_of(p) + date::days{rule.max_wait_days};
      const auto scope = by_scope.find(a.scope.kind == Scope::Kind::organisation ? std::string_view() : p.unit);
      const Occurrence* chosen = nullptr;
      // Days are few per scope; a scan keeps "first by start" exact even when HR moved one.
      for (const Occurrence* o : scope == by_scope.end() ? none : scope->second)
        if (o->start > now && o->first_day >= earliest && o->first_day <= latest && taken[o] < rule.capacity) {
          chosen = o;
          break;
        }

      Registration r{a.id, p.id, chosen ? chosen->uid : std::string(),
                     chosen ? std::optional(chosen->original_day) : std::nullopt};
      const std::string from = h.previous ? h.previous->occurrence_uid : std::string();
      if (chosen) {
        ++taken[chosen];
        if (!from.empty())
          change(RegistrationChange::Kind::moved, r, from, chosen->uid, std::move(h.why));
        else
          change(RegistrationChange::Kind::created, r, "", chosen->uid, registration_first_day_reason(a, *date_of(p)));
      } else if (!h.previous || !from.empty()) {
        // Already waiting: HR has been told once.
        const std::string no_room = registration_no_room_reason(a);
        change(RegistrationChange::Kind::waiting, r, from, "", h.why.empty() ? no_room : h.why + ". " + no_room);
      }
      plan.registrations.push_back(std::move(r));
    }
  }
};

}  // namespace

std::string_view change_kind_name(RegistrationChange::Kind kind) {
  switch (kind) {
    case RegistrationChange::Kind::created: return "created";
    case RegistrationChange::Kind::moved: return "moved";
    case RegistrationChange::Kind::cancelled: return "cancelled";
    case RegistrationChange::Kind::waiting: return "waiting";
  }
  return "?";
}

std::optional<WaitingReason> waiting_reason(const Expansion& expansion, const Activity& a, const Person& p,
                                            SysSeconds now) {
  if (!a.registration) return std::nullopt;
  const RegistrationRule& rule = *a.registration;
  const auto from = rule.after == RegistrationRule::After::leader_start_date ? p.leader_start_date : p.start_date;
  if (!from) return std::nullopt;
  WaitingReason w{*from, *from + date::days{rule.lead_days}, *from + date::days{rule.max_wait_days}, 0, std::nullopt, {}};
  // The days plan_registrations could have given: ahead of now, of the person's unit when the series are per unit.
  std::vector<const Occurrence*> days;
  for (const Occurrence& o : expansion.occurrences)
    if (o.activity && o.activity->id == a.id && o.start > now &&
        (a.scope.kind == Scope::Kind::organisation || (o.unit && o.unit->id == p.unit)))
      days.push_back(&o);
  std::sort(days.begin(), days.end(), [](const Occurrence* x, const Occurrence* y) { return x->start < y->start; });
  const auto has_room = [&](const Occurrence* o) { return static_cast<int>(o->registered.size()) < rule.capacity; };
  for (const Occurrence* o : days) {
    if (o->first_day >= w.earliest && o->first_day <= w.latest) w.full_days += !has_room(o);
    else if (o->first_day > w.latest && !w.next && has_room(o)) w.next = o->first_day;
  }

  const std::string name = registration_name(a);
  std::string& t = w.text;
  t = "Ingen " + name + (w.full_days > 0 ? " med ledig plass" : "") + " innen " + std::to_string(rule.max_wait_days) +
      " dager etter " + registration_counts_from(a) + " " + norwegian_date(*from);
  if (rule.lead_days > 0) t += " (tidligst " + norwegian_date(w.earliest) + ")";
  if (w.full_days > 0)
    t += ": " + std::to_string(w.full_days) + (w.full_days == 1 ? " dag er full" : " dager er fulle") + " (" +
         std::to_string(rule.capacity) + (rule.capacity == 1 ? " plass" : " plasser") + ")";
  if (w.next)
    t += "; neste " + name + (w.full_days > 0 ? " med ledig plass" : "") + " er " + norwegian_date(*w.next) + ", " +
         std::to_string((*w.next - *from).count()) + " dager etter " + registration_counts_from(a);
  else
    t += "; ingen " + name + " med ledig plass senere i perioden";
  return w;
}

RegistrationPlan plan_registrations(const Config& config, const Expansion& expansion,
                                    const std::vector<Registration>& current, SysSeconds now) {
  RegistrationPlan plan;
  std::unordered_map<std::string_view, const Occurrence*> occurrences;
  std::unordered_map<std::string_view, std::vector<const Occurrence*>> by_activity;
  for (const Occurrence& o : expansion.occurrences) {
    occurrences.emplace(o.uid, &o);
    if (o.activity && o.activity->registration) by_activity[o.activity->id].push_back(&o);
  }
  for (auto& [id, days] : by_activity)
    std::sort(days.begin(), days.end(), [](const Occurrence* x, const Occurrence* y) {
      return x->start != y->start ? x->start < y->start : x->uid < y->uid;
    });

  std::unordered_map<std::string_view, const Person*> people;
  std::vector<const Person*> dated;
  for (const Person& p : config.people) {
    people.emplace(p.id, &p);
    dated.push_back(&p);
  }

  std::map<std::string_view, std::vector<const Registration*>> by_activity_current;
  for (const Registration& r : current) by_activity_current[r.activity].push_back(&r);

  const LocalDays today = date::floor<date::days>(to_local(now, config.organisation.zone));
  Planner planner{occurrences, people, now, today, plan};
  std::unordered_set<std::string_view> ruled;
  static const std::vector<const Occurrence*> no_days;
  static const std::vector<const Registration*> no_registrations;
  for (const Wheel& w : config.wheels)
    for (const Activity& a : w.activities) {
      if (!a.registration || !ruled.insert(a.id).second) continue;
      const auto d = by_activity.find(a.id);
      const auto c = by_activity_current.find(a.id);
      planner.plan_activity(a, *a.registration, d == by_activity.end() ? no_days : d->second,
                            c == by_activity_current.end() ? no_registrations : c->second, dated);
    }
  // Registrations for an activity that no longer registers anyone.
  for (const auto& [activity, registrations] : by_activity_current) {
    if (ruled.contains(activity)) continue;
    for (const Registration* r : registrations) planner.release(*r, std::string(registration_reason::rule_removed));
  }

  std::sort(plan.registrations.begin(), plan.registrations.end(), [](const Registration& x, const Registration& y) {
    return x.activity != y.activity ? x.activity < y.activity : x.person < y.person;
  });
  std::stable_sort(plan.changes.begin(), plan.changes.end(),
                   [](const RegistrationChange& x, const RegistrationChange& y) {
                     return x.activity != y.activity ? x.activity < y.activity : x.person < y.person;
                   });
  return plan;
}

}  // namespace arshjul
