// How an occurrence reads in a calendar: title, agenda, place, and why it moved.
//
// Text a municipal user reads is Norwegian bokmål; the words that vary
// (titles, agendas, places) come from the config, the shared ones from
// vocabulary.h (which this header includes, for norwegian_date and friends).
#pragma once

#include <string>

#include "calendars/icalendar.h"
#include "workflows/expansion.h"
#include "workflows/vocabulary.h"

namespace arshjul {

// What storage knows of an occurrence beyond the config: its version.
struct EventState {
  int sequence = 0;
  bool cancelled = false;
  SysSeconds stamp{};          // DTSTAMP
  SysSeconds last_modified{};
};

// "Informasjons- og drøftingsmøte – Helse og omsorg"
std::string occurrence_title(const Occurrence& o);

// The meeting's agenda: HR's own for it, else the config's.
const std::vector<std::string>& agenda_of(const Occurrence& o);

// The config's agenda for the meeting: its activity's, with the items
// agenda_in adds on its day (set when it was expanded).
const std::vector<std::string>& config_agenda_of(const Occurrence& o);

// Description with the agenda, the notice rule and any move, ready for a feed.
std::string occurrence_description(const Occurrence& o);

// Everything a subscriber would notice changing; equal fingerprints mean an
// unchanged event, so storage keeps its SEQUENCE.
std::string occurrence_fingerprint(const Occurrence& o);

CalendarEvent to_calendar_event(const Occurrence& o, const EventState& state);

}  // namespace arshjul
