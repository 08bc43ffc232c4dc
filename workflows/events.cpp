#include "workflows/events.h"

#include <array>

namespace arshjul {

std::string_view norwegian_month(unsigned month) {
  static constexpr std::array<std::string_view, 12> months{"januar", "februar", "mars", "april", "mai", "juni",
                                                           "juli", "august", "september", "oktober", "november",
                                                           "desember"};
  return months[(month - 1) % 12];
}

std::string norwegian_date(LocalDays day) {
  static constexpr std::array<const char*, 7> days{"søndag", "mandag", "tirsdag", "onsdag",
                                                   "torsdag", "fredag", "lørdag"};
  const date::year_month_day ymd{day};
  return std::string(days[date::weekday{day}.c_encoding()]) + " " +
         std::to_string(static_cast<unsigned>(ymd.day())) + ". " +
         std::string(norwegian_month(static_cast<unsigned>(ymd.month()))) + " " +
         std::to_string(static_cast<int>(ymd.year()));
}

std::string occurrence_title(const Occurrence& o) {
  // A personal series shares its unit with every other series there; the name tells whose it is.
  if (o.person) return o.activity->title + " – " + o.person->name;
  if (!o.unit) return o.activity->title;
  return o.activity->title + " – " + o.unit->name;
}

std::string occurrence_description(const Occurrence& o) {
  const Activity& a = *o.activity;
  std::string d;
  auto para = [&d](const std::string& text) {
    if (!d.empty()) d += "\n\n";
    d += text;
  };
  if (!a.description.empty()) para(a.description);
  if (!a.agenda.empty()) {
    std::string agenda = "Agenda:";
    int n = 1;
    for (const auto& item : a.agenda) agenda += "\n" + std::to_string(n++) + ". " + item;
    para(agenda);
  }
  if (a.notice && o.all_day == false) {
    const LocalDays docs = o.first_day - date::days{a.notice->documents_days_before};
    para("Innkalling med agenda sendes " + std::to_string(a.notice->days_before) +
         " dager før. Saksdokumenter senest " + norwegian_date(docs) + ".");
  }
  if (a.kind == ActivityKind::window)
    para("Periode: " + norwegian_date(o.first_day) + " – " + norwegian_date(o.last_day) + ".");
  if (o.moved) {
    static constexpr const char* kinds[] = {"helg", "helligdag", "ferieperiode", "halv arbeidsdag"};
    const auto& r = o.moved->reason;
    std::string why = kinds[static_cast<int>(r.kind)];
    if (r.kind != NonWorkingReason::Kind::weekend) why += ": " + r.name;
    para("Flyttet fra " + norwegian_date(o.moved->from) + " (" + why + ").");
  }
  if (o.extra) para("Ekstra møte" + (o.change_reason.empty() ? std::string(".") : ": " + o.change_reason));
  else if (!o.change_reason.empty()) para("Endret av HR: " + o.change_reason);
  if (!o.wheel->name.empty()) para("Årshjul: " + o.wheel->name);
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
  return e;
}

}  // namespace arshjul
