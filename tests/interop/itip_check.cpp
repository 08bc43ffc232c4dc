/* libical's iTIP restriction check (RFC 5546) on iCalendar files.
 *
 * usage: itip_check FILE.ics...
 * Parses each file with libical and runs icalrestriction_check, which
 * tests every component against the table for the calendar's METHOD
 * (PUBLISH: ORGANIZER, DTSTAMP, DTSTART, SUMMARY, UID exactly once, ...).
 * libical reports each problem as an X-LIC-ERROR property; they are
 * printed one a line, with parse errors too. Exits 1 if any file fails. */
#include <libical/ical.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

static std::optional<std::string> slurp(const char* path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::nullopt;
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

/* Prints every X-LIC-ERROR under `c`, with the UID of its VEVENT; returns how many. */
static int report(const char* path, icalcomponent* c, const char* uid) {  // NOLINT(misc-no-recursion)
  int errors = 0;
  icalproperty* u = icalcomponent_get_first_property(c, ICAL_UID_PROPERTY);
  if (u) uid = icalproperty_get_uid(u);
  for (icalproperty* p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p;
       p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
    fprintf(stderr, "%s: %s %s: %s\n", path, icalcomponent_kind_to_string(icalcomponent_isa(c)), uid ? uid : "",
            icalproperty_get_xlicerror(p));
    ++errors;
  }
  for (icalcomponent* s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); s;
       s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
    errors += report(path, s, uid);
  return errors;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE.ics...\n", argv[0]);
    return 2;
  }
  int failed = 0;
  for (int i = 1; i < argc; ++i) {
    const auto text = slurp(argv[i]);
    if (!text) {
      fprintf(stderr, "%s: cannot read the file\n", argv[i]);
      failed = 1;
      continue;
    }
    icalcomponent* cal = icalparser_parse_string(text->c_str());
    if (!cal || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) {
      fprintf(stderr, "%s: not one VCALENDAR\n", argv[i]);
      failed = 1;
      if (cal) icalcomponent_free(cal);
      continue;
    }
    const int ok = icalrestriction_check(cal);
    const int errors = report(argv[i], cal, nullptr);
    const int events = icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT);
    if (!ok || errors > 0) {
      fprintf(stderr, "%s: FAIL: libical's restriction check found %d problem(s)\n", argv[i], errors);
      failed = 1;
    } else {
      printf("%s: iTIP restriction check ok (%d events)\n", argv[i], events);
    }
    icalcomponent_free(cal);
  }
  return failed;
}
