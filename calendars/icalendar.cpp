#include "calendars/icalendar.h"

#include <algorithm>
#include <cstdio>

namespace arshjul {
namespace {

constexpr std::size_t kMaxOctets = 75;

std::string utc_stamp(SysSeconds t) {
  return date::format("%Y%m%dT%H%M%SZ", t);
}

std::string offset_text(Seconds off) {
  const long long s = off.count();
  const char sign = s < 0 ? '-' : '+';
  const long long a = s < 0 ? -s : s;
  char buf[48];
  if (a % 60 != 0)
    std::snprintf(buf, sizeof buf, "%c%02lld%02lld%02lld", sign, a / 3600, a % 3600 / 60, a % 60);
  else
    std::snprintf(buf, sizeof buf, "%c%02lld%02lld", sign, a / 3600, a % 3600 / 60);
  return buf;
}

const char* weekday_code(date::weekday wd) {
  static constexpr const char* codes[] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};
  return codes[wd.c_encoding()];
}

// One observance (STANDARD or DAYLIGHT) from a transition seen in a year.
void append_observance(std::string& out, const date::sys_info& before, const date::sys_info& after) {
  const bool daylight = after.save != std::chrono::minutes{0};
  const LocalSeconds local{after.begin.time_since_epoch() + before.offset};
  const LocalDays day = date::floor<date::days>(local);
  const date::year_month_day ymd{day};
  const date::weekday wd{day};
  const unsigned d = static_cast<unsigned>(ymd.day());
  const unsigned last = static_cast<unsigned>((ymd.year() / ymd.month() / date::last).day());
  const int nth = d + 7 > last ? -1 : static_cast<int>((d - 1) / 7 + 1);
  // DTSTART in 1970 on the same rule, so the observance covers every date a feed can hold.
  LocalDays first;
  if (nth == -1)
    first = LocalDays{date::year{1970} / ymd.month() / date::weekday_last{wd}};
  else
    first = LocalDays{date::year{1970} / ymd.month() / date::weekday_indexed{wd, static_cast<unsigned>(nth)}};
  const auto time_of_day = local - LocalSeconds{day};
  out += daylight ? "BEGIN:DAYLIGHT\r\n" : "BEGIN:STANDARD\r\n";
  out += "TZOFFSETFROM:" + offset_text(before.offset) + "\r\n";
  out += "TZOFFSETTO:" + offset_text(after.offset) + "\r\n";
  out += "TZNAME:" + after.abbrev + "\r\n";
  out += "DTSTART:" + date::format("%Y%m%dT%H%M%S", LocalSeconds{first} + time_of_day) + "\r\n";
  out += "RRULE:FREQ=YEARLY;BYMONTH=" + std::to_string(static_cast<unsigned>(ymd.month())) +
         ";BYDAY=" + std::to_string(nth) + weekday_code(wd) + "\r\n";
  out += daylight ? "END:DAYLIGHT\r\n" : "END:STANDARD\r\n";
}

void add(std::string& out, std::string_view name, std::string_view value) {
  std::string line;
  line.reserve(name.size() + 1 + value.size());
  line += name;
  line += ':';
  line += value;
  append_folded(out, line);
}

}  // namespace

std::string escape_text(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case ';': out += "\\;"; break;
      case ',': out += "\\,"; break;
      case '\n': out += "\\n"; break;
      case '\r': break;
      default:
        // Other control characters are not allowed in TEXT.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') break;
        out += c;
    }
  }
  return out;
}

void append_folded(std::string& out, std::string_view line) {
  std::size_t limit = kMaxOctets;  // the first physical line holds 75 octets, the rest 74 + a space
  while (line.size() > limit) {
    std::size_t cut = limit;
    // Never cut in front of a UTF-8 continuation byte (10xxxxxx).
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    out.append(line.substr(0, cut));
    out += "\r\n ";
    line.remove_prefix(cut);
    limit = kMaxOctets - 1;
  }
  out.append(line);
  out += "\r\n";
}

std::string render_vtimezone(const date::time_zone* zone, int year) {
  std::string out = "BEGIN:VTIMEZONE\r\nTZID:" + std::string(zone->name()) + "\r\n";
  year = std::min(year, kLastListedYear);  // later years repeat its rules (see time.h)
  const SysSeconds year_start{date::sys_days{date::year{year} / 1 / 1}.time_since_epoch()};
  const SysSeconds year_end{date::sys_days{date::year{year + 1} / 1 / 1}.time_since_epoch()};
  date::sys_info info = zone->get_info(year_start);
  bool any = false;
  while (info.end < year_end) {
    const date::sys_info next = zone->get_info(info.end);
    append_observance(out, info, next);
    any = true;
    info = next;
  }
  if (!any) {
    // No transitions this year: a single STANDARD observance.
    out += "BEGIN:STANDARD\r\nTZOFFSETFROM:" + offset_text(info.offset) + "\r\nTZOFFSETTO:" +
           offset_text(info.offset) + "\r\nTZNAME:" + info.abbrev + "\r\nDTSTART:19700101T000000\r\nEND:STANDARD\r\n";
  }
  out += "END:VTIMEZONE\r\n";
  return out;
}

namespace {

// The VEVENTs, one per day of a gathering, as render_calendar writes them.
void append_events(std::string& out, const CalendarOrganizer& organizer_of, const date::time_zone* zone,
                   std::span<const CalendarEvent> events) {
  const std::string tz_param = ";TZID=" + std::string(zone->name());
  std::string organizer_name = "ORGANIZER";  // with its CN parameter
  if (std::string cn = organizer_of.name; !cn.empty()) {
    std::erase(cn, '"');  // cannot be quoted; the loader refuses it, this keeps the output valid regardless
    organizer_name += ";CN=\"" + cn + "\"";
  }
  const std::string organizer =
      organizer_of.email.empty() ? std::string() : "mailto:" + organizer_of.email;
  auto write = [&](const CalendarEvent& e) {
    out += "BEGIN:VEVENT\r\n";
    add(out, "UID", e.uid);
    add(out, "DTSTAMP", utc_stamp(e.stamp));
    if (e.all_day) {
      add(out, "DTSTART;VALUE=DATE", date::format("%Y%m%d", e.first_day));
      add(out, "DTEND;VALUE=DATE", date::format("%Y%m%d", e.last_day + date::days{1}));
    } else {
      const auto local_start = to_local(e.start, zone);
      const auto local_end = to_local(e.end, zone);
      add(out, "DTSTART" + tz_param, date::format("%Y%m%dT%H%M%S", local_start));
      add(out, "DTEND" + tz_param, date::format("%Y%m%dT%H%M%S", local_end));
    }
    if (!organizer.empty()) add(out, organizer_name, organizer);
    if (e.last_modified.time_since_epoch().count() != 0) add(out, "LAST-MODIFIED", utc_stamp(e.last_modified));
    add(out, "SEQUENCE", std::to_string(e.sequence));
    add(out, "STATUS", e.status == CalendarEvent::Status::cancelled   ? "CANCELLED"
                       : e.status == CalendarEvent::Status::tentative ? "TENTATIVE"
                                                                      : "CONFIRMED");
    add(out, "SUMMARY", escape_text(e.summary));
    if (!e.location.empty()) add(out, "LOCATION", escape_text(e.location));
    if (!e.description.empty()) add(out, "DESCRIPTION", escape_text(e.description));
    if (!e.categories.empty()) {
      std::string cats;
      for (const auto& c : e.categories) {
        if (!cats.empty()) cats += ',';
        cats += escape_text(c);
      }
      add(out, "CATEGORIES", cats);
    }
    if (!e.url.empty()) add(out, "URL", e.url);
    add(out, "TRANSP", e.transparent ? "TRANSPARENT" : "OPAQUE");
    out += "END:VEVENT\r\n";
  };
  for (const auto& e : events) {
    if (e.days.empty() || e.all_day) {
      write(e);
      continue;
    }
    CalendarEvent day = e;
    day.days.clear();
    for (const CalendarEvent::Day& d : e.days) {
      day.uid = d.uid;
      day.start = d.start;
      day.end = d.end;
      day.summary = d.summary;
      write(day);
    }
  }
}

}  // namespace

std::string render_events(const CalendarOrganizer& organizer, const date::time_zone* zone,
                          std::span<const CalendarEvent> events) {
  std::string out;
  append_events(out, organizer, zone, events);
  return out;
}

std::string render_calendar(const CalendarHeader& header, const date::time_zone* zone,
                            std::span<const CalendarEvent> events) {
  std::string out;
  out.reserve(512 + events.size() * 600);
  out += "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n";
  add(out, "PRODID", header.prodid);
  out += "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n";
  if (!header.name.empty()) {
    add(out, "NAME", escape_text(header.name));
    add(out, "X-WR-CALNAME", escape_text(header.name));
  }
  if (!header.description.empty()) add(out, "X-WR-CALDESC", escape_text(header.description));
  add(out, "X-WR-TIMEZONE", zone->name());
  if (header.refresh_interval.count() > 0) {
    const std::string iso = "PT" + std::to_string(header.refresh_interval.count() / 60) + "M";
    add(out, "REFRESH-INTERVAL;VALUE=DURATION", iso);
    add(out, "X-PUBLISHED-TTL", iso);
  }
  // The zone's current rules; the year of the first event keeps the output
  // independent of when it is rendered.
  int year = 2024;
  if (!events.empty()) {
    const auto& e = events.front();
    year = static_cast<int>(date::year_month_day{e.all_day ? date::sys_days{e.first_day.time_since_epoch()}
                                                           : date::floor<date::days>(e.start)}
                                .year());
  }
  out += render_vtimezone(zone, year);
  append_events(out, header.organizer, zone, events);
  out += "END:VCALENDAR\r\n";
  return out;
}

}  // namespace arshjul
