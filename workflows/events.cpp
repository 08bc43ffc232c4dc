#include "workflows/events.h"

namespace arshjul {

std::string occurrence_title(const Occurrence& o) {
  // A personal series shares its unit with every other series there; the name tells whose it is.
  if (o.person) return o.activity->title + " – " + o.person->name;
  if (!o.unit) return o.activity->title;
  return o.activity->title + " – " + o.unit->name;
}

const std::vector<std::string>& agenda_of(const Occurrence& o) {
  return o.agenda ? *o.agenda : config_agenda_of(o);
}

const std::vector<std::string>& config_agenda_of(const Occurrence& o) {
  return o.config_agenda ? *o.config_agenda : o.activity->agenda;
}

std::string occurrence_description(const Occurrence& o) {
  const Activity& a = *o.activity;
  std::string d;
  auto para = [&d](const std::string& text) {
    if (!d.empty()) d += "\n\n";
    d += text;
  };
  if (!a.description.empty()) para(a.description);
  if (const auto& items = agenda_of(o); !items.empty()) {
    std::string agenda = std::string(label::agenda) + ":";
    int n = 1;
    for (const auto& item : items) agenda += "\n" + std::to_string(n++) + ". " + item;
    para(agenda);
  }
  if (!o.documents.empty()) {
    std::string docs = std::string(label::documents) + ":";
    for (const auto& doc : o.documents) docs += "\n- " + doc.title + ": " + doc.url;
    para(docs);
  }
  if (a.notice && o.all_day == false) {
    const LocalDays docs = o.first_day - date::days{a.notice->documents_days_before};
    para("Innkalling med agenda sendes " + std::to_string(a.notice->days_before) +
         " dager før. Saksdokumenter senest " + norwegian_date(docs) + ".");
  }
  if (a.kind == ActivityKind::window)
    para(capitalized(kind_word(a.kind)) + ": " + norwegian_date(o.first_day) + " – " + norwegian_date(o.last_day) + ".");
  if (o.moved) para(moved_text(o.moved->from, o.moved->reason, o.moved->passed) + ".");
  if (o.extra)
    para(std::string(label::extra_meeting) + (o.change_reason.empty() ? std::string(".") : ": " + o.change_reason));
  else if (!o.change_reason.empty())
    para(std::string(label::changed_by_hr) + ": " + o.change_reason);
  if (!o.wheel->name.empty()) para(std::string(label::wheel) + ": " + o.wheel->name);
  return d;
}

std::string occurrence_fingerprint(const Occurrence& o) {
  std::string f;
  f += std::to_string(o.start.time_since_epoch().count());
  f += '|';
  f += std::to_string(o.end.time_since_epoch().count());
  f += '|';
  f += o.all_day ? '1' : '0';
  f += '|';
  f += occurrence_title(o);
  f += '|';
  f += o.activity->location;
  f += '|';
  f += occurrence_description(o);
  return f;
}

CalendarEvent to_calendar_event(const Occurrence& o, const EventState& state) {
  CalendarEvent e;
  e.uid = o.uid;
  e.stamp = state.stamp;
  e.last_modified = state.last_modified;
  e.sequence = state.sequence;
  e.status = state.cancelled ? CalendarEvent::Status::cancelled : CalendarEvent::Status::confirmed;
  e.all_day = o.all_day;
  e.start = o.start;
  e.end = o.end;
  e.first_day = o.first_day;
  e.last_day = o.last_day;
  e.summary = occurrence_title(o);
  e.description = occurrence_description(o);
  e.location = o.activity->location;
  if (!o.wheel->name.empty()) e.categories.push_back(o.wheel->name);
  e.transparent = o.all_day;
  for (std::size_t k = 0; k < o.sessions.size(); ++k)
    e.days.push_back({session_uid(o.uid, k), o.sessions[k].start, o.sessions[k].end,
                      e.summary + " (" + gathering_day(k + 1, o.sessions.size()) + ")"});
  return e;
}

}  // namespace arshjul
