#include "scheduler/json_views.h"

#include <cstdio>
#include <cstdlib>

#include "workflows/events.h"

namespace arshjul {
namespace json = boost::json;

std::string iso_utc(SysSeconds t) { return date::format("%FT%TZ", t); }

json::value date_or_null(const std::optional<LocalDays>& d) {
  return d ? json::value(format_date(*d)) : json::value(nullptr);
}

std::string local_iso(SysSeconds t, const date::time_zone* zone) {
  const LocalSeconds l = to_local(t, zone);
  const auto offset = (l.time_since_epoch() - t.time_since_epoch()).count() / 60;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", offset < 0 ? '-' : '+', static_cast<int>(std::abs(offset) / 60),
                static_cast<int>(std::abs(offset) % 60));
  return date::format("%FT%T", l) + buf;
}

json::object person_json(const Person& p) {
  json::array roles;
  for (Role r : p.roles) roles.emplace_back(role_name(r));
  return {{"id", p.id}, {"name", p.name}, {"email", p.email}, {"unit", p.unit}, {"roles", std::move(roles)}};
}

json::object person_record_json(const Person& p) {
  json::object j = person_json(p);
  j["union"] = p.union_name;
  json::array committees;  // an id, or {id, from, to} for a dated seat
  for (const auto& m : p.committees) {
    if (!m.from && !m.to) committees.emplace_back(m.committee);
    else
      committees.push_back(json::object{{"id", m.committee}, {"from", date_or_null(m.from)}, {"to", date_or_null(m.to)}});
  }
  j["committees"] = std::move(committees);
  j["start_date"] = date_or_null(p.start_date);
  j["leader_start_date"] = date_or_null(p.leader_start_date);
  j["leader_end_date"] = date_or_null(p.leader_end_date);
  j["acting"] = p.acting ? json::value(json::object{{"unit", p.acting->unit},
                                                   {"from", format_date(p.acting->from)},
                                                   {"to", format_date(p.acting->to)}})
                         : json::value(nullptr);
  j["manager"] = p.manager.empty() ? json::value(nullptr) : json::value(p.manager);
  return j;
}

json::object occurrence_json(const Config& c, const Occurrence& o, int sequence, bool cancelled) {
  json::array agenda;
  for (const auto& item : agenda_of(o)) agenda.emplace_back(item);
  json::object j{{"uid", o.uid},
                 {"sequence", sequence},
                 {"status", cancelled ? "cancelled" : "scheduled"},
                 {"title", occurrence_title(o)},
                 {"wheel", {{"id", o.wheel->id}, {"name", o.wheel->name}}},
                 {"activity", o.activity->id},
                 {"kind", kind_name(o.activity->kind)},
                 {"unit", o.unit ? json::value(json::object{{"id", o.unit->id}, {"name", o.unit->name}}) : nullptr},
                 {"all_day", o.all_day},
                 {"start", o.all_day ? json::value(format_date(o.first_day)) : json::value(local_iso(o.start, c.organisation.zone))},
                 {"end", o.all_day ? json::value(format_date(o.last_day)) : json::value(local_iso(o.end, c.organisation.zone))},
                 {"location", o.activity->location},
                 {"agenda", std::move(agenda)},
                 {"description", occurrence_description(o)}};
  if (o.moved) j["moved_from"] = format_date(o.moved->from), j["move_reason"] = o.moved->reason.describe();
  if (o.person) j["person"] = json::object{{"id", o.person->id}, {"name", o.person->name}};
  if (o.extra) j["extra"] = true;
  if (!o.change_reason.empty()) j["reason"] = o.change_reason;
  if (!o.sessions.empty()) {  // a gathering: each day's own times (`start`/`end` span them all)
    json::array days;
    for (const auto& d : o.sessions)
      days.push_back(json::object{{"start", local_iso(d.start, c.organisation.zone)}, {"end", local_iso(d.end, c.organisation.zone)}});
    j["days"] = std::move(days);
  }
  if (!o.documents.empty()) {
    json::array docs;
    for (const auto& d : o.documents) docs.push_back(json::object{{"title", d.title}, {"url", d.url}});
    j["documents"] = std::move(docs);
  }
  return j;
}

}  // namespace arshjul
