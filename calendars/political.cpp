#include "calendars/political.h"

#include <algorithm>
#include <memory>
#include <string>

#include <libical/ical.h>

namespace arshjul {
namespace {

struct FreeComponent {
  void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};

LocalDays day_of(const icaltimetype& t) {
  return LocalDays{date::year{t.year} / static_cast<unsigned>(t.month) / static_cast<unsigned>(t.day)};
}

// The local day and time in `zone` of a DATE-TIME as written: UTC is
// converted; a TZID or floating time is taken as the organisation's wall time
// (a møteplan is published in the municipality's own zone).
LocalSeconds local_of(const icaltimetype& t, const date::time_zone* zone) {
  const LocalSeconds wall = LocalSeconds{day_of(t)} + std::chrono::hours{t.hour} + std::chrono::minutes{t.minute} +
                            Seconds{t.second};
  if (icaltime_is_utc(t)) return to_local(SysSeconds{wall.time_since_epoch()}, zone);
  return wall;
}

std::string name_of(icalcomponent* ev) {
  if (const char* uid = icalcomponent_get_uid(ev); uid && *uid) return std::string("UID ") + uid;
  if (const char* s = icalcomponent_get_summary(ev); s && *s) return std::string("\"") + s + "\"";
  return "without UID";
}

}  // namespace

Expected<std::vector<Blackout>> read_political_calendar(std::string_view ics, const date::time_zone* zone) {
  const std::string text(ics);
  std::unique_ptr<icalcomponent, FreeComponent> cal(icalparser_parse_string(text.c_str()));
  if (!cal || icalcomponent_isa(cal.get()) != ICAL_VCALENDAR_COMPONENT)
    return Error{"expected an iCalendar file (BEGIN:VCALENDAR ... END:VCALENDAR)"};
  std::vector<Blackout> out;
  for (icalcomponent* ev = icalcomponent_get_first_component(cal.get(), ICAL_VEVENT_COMPONENT); ev;
       ev = icalcomponent_get_next_component(cal.get(), ICAL_VEVENT_COMPONENT)) {
    if (icalcomponent_get_status(ev) == ICAL_STATUS_CANCELLED) continue;
    if (icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY))
      return Error{"VEVENT " + name_of(ev) + ": RRULE is not read; list each meeting as its own VEVENT"};
    const char* summary = icalcomponent_get_summary(ev);
    if (!summary || !*summary)
      return Error{"VEVENT " + name_of(ev) + ": expected a SUMMARY naming the meeting (\"Kommunestyret\")"};
    if (!icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY))
      return Error{"VEVENT " + name_of(ev) + ": expected a DTSTART"};
    const icaltimetype start = icalcomponent_get_dtstart(ev);
    if (icaltime_is_null_time(start) || !icaltime_is_valid_time(start))
      return Error{"VEVENT " + name_of(ev) + ": expected a valid DTSTART"};
    // DTEND, else DTSTART + DURATION (icalcomponent_get_dtend computes it); else the start alone.
    icaltimetype end = icalcomponent_get_dtend(ev);
    LocalDays first, last;
    if (start.is_date) {
      first = day_of(start);
      last = icaltime_is_null_time(end) ? first : day_of(end) - date::days{1};
    } else {
      const LocalSeconds s = local_of(start, zone);
      first = date::floor<date::days>(s);
      last = first;
      if (!icaltime_is_null_time(end)) {
        const LocalSeconds e = local_of(end, zone);
        const LocalDays ed = date::floor<date::days>(e);
        last = e == LocalSeconds{ed} && ed > first ? ed - date::days{1} : ed;
      }
    }
    if (last < first) last = first;
    if (last - first > date::days{31})
      return Error{"VEVENT " + name_of(ev) + ": a meeting of more than 31 days is not a meeting; check DTEND"};
    Blackout b;
    b.name = summary;
    b.first = first;
    b.last = last;
    b.political = true;
    out.push_back(std::move(b));
  }
  std::stable_sort(out.begin(), out.end(), [](const Blackout& a, const Blackout& b) { return *a.first < *b.first; });
  return out;
}

}  // namespace arshjul
