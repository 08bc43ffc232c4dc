// The bokmål vocabulary: the words a municipal user reads that more than one
// part of arshjul uses. The calendar text (events.h), the wheel's SVG
// (svg/) and the pages (server/web.cpp) take their shared words from here, so a word is changed in one place and this
// is the one place to look for it. Sentences only one place writes stay
// with it; what is said about a particular wheel (titles, agendas, names)
// comes from the config.
//
// Weekday and month names and written-out dates live one floor down, in
// calendars/bokmal.h, because the calendar core names weekend days itself
// and may not depend on workflows/; this header re-exports them (include
// this one). Holiday names stay with their table in calendars/holidays.cpp.
// NonWorkingReason::describe() in calendars/ is English on purpose: it is
// for the CLI and the API, not for municipal readers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "calendars/bokmal.h"
#include "workflows/model.h"

namespace arshjul {

// ---- words the calendar text, the wheel and the pages share ------------------

// What an activity is, in running text: "møte", "frist", "periode".
std::string_view kind_word(ActivityKind kind);

// Why a day is not a working day: "helg", "helligdag", "ferieperiode",
// "halv arbeidsdag".
std::string_view non_working_word(NonWorkingReason::Kind kind);

// The same with the day's own name where it has one: "helligdag: Grunnlovsdag",
// "ferieperiode: Fellesferie", "helg".
std::string non_working_text(const NonWorkingReason& reason);

// Why an occurrence is not on its rule's day, as a sentence without the full
// stop: "Flyttet fra mandag 17. mai 2027 (helligdag: Grunnlovsdag)".
std::string moved_text(LocalDays from, const NonWorkingReason& reason);

// Labels before a colon, and nouns used with a count.
namespace label {
inline constexpr std::string_view agenda = "Agenda";
inline constexpr std::string_view place = "Sted";
inline constexpr std::string_view wheel = "Årshjul";
inline constexpr std::string_view changed_by_hr = "Endret av HR";
inline constexpr std::string_view extra_meeting = "Ekstra møte";
inline constexpr std::string_view today = "I dag";
inline constexpr std::string_view units = "enheter";  // "3 enheter"
}  // namespace label

// "Årshjul 2027": the year's heading on the pages and on the printed wheel.
std::string wheel_heading(int year);

// The first letter in upper case ("helligdag" → "Helligdag", "øvingsdag" →
// "Øvingsdag"); ASCII and the Latin-1 letters (æ, ø, å, é, ...).
std::string capitalized(std::string_view text);

}  // namespace arshjul
