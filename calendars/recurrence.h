// Recurrence rules (RFC 5545 RRULE) evaluated on local calendar days.
//
// A LocalRule says on which days something happens; the time of day comes
// from the activity, so the rule may not carry BYHOUR, BYMINUTE or
// BYSECOND. Expansion uses libical's iterator; DTSTART is `since`, which
// anchors INTERVAL and COUNT.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calendars/time.h"

namespace arshjul {

struct LocalRule {
  std::string rrule;      // normalised, e.g. "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=1"
  LocalDays since;        // DTSTART
  bool has_count = false;
};

// Parses and checks a rule; the error says which part is wrong and why.
Expected<LocalRule> parse_local_rule(std::string_view rrule, LocalDays since);

// The RRULE for a rule written in words, English or bokmål ("every first
// Monday", "siste fredag i måneden", "annenhver uke"), for the message when
// such text is given as a rule; nothing when the words are not understood.
std::optional<std::string> rule_for_words(std::string_view text);

// The days in [from, to] on which the rule fires, in order.
std::vector<LocalDays> expand(const LocalRule& rule, LocalDays from, LocalDays to);

}  // namespace arshjul
