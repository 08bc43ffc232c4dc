// The bokmål vocabulary: the words a municipal user reads that more than one
// part of arshjul uses. The calendar text (events.h), the wheel's SVG
// (svg/), the pages (server/web.cpp) and the registration messages take
// their shared words from here, so a word is changed in one place and this
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
#include <vector>

#include "calendars/bokmal.h"
#include "workflows/model.h"
#include "workflows/tasks.h"

namespace arshjul {

// ---- words the calendar text, the wheel and the pages share ------------------

// What an activity is, in running text: "møte", "frist", "periode".
std::string_view kind_word(ActivityKind kind);

// A role in running text: "leder", "ansatt", "hovedtillitsvalgt", "bedriftshelsetjeneste".
std::string_view role_word(Role role);

// Why a day is not a working day: "helg", "helligdag", "ferieperiode",
// "halv arbeidsdag", "politisk møte".
std::string_view non_working_word(NonWorkingReason::Kind kind);

// The same with the day's own name where it has one: "helligdag: Grunnlovsdag",
// "ferieperiode: Fellesferie", "helg".
std::string non_working_text(const NonWorkingReason& reason);

// Why an occurrence is not on its rule's day, as a sentence without the full
// stop: "Flyttet fra mandag 17. mai 2027 (helligdag: Grunnlovsdag)", and
// what else the move passed over: "Flyttet fra fredag 1. januar 2027
// (helligdag: Første nyttårsdag; ferieperiode: Jul og nyttår)".
std::string moved_text(LocalDays from, const NonWorkingReason& reason,
                       const std::vector<NonWorkingReason>& passed = {});

// What a meeting owner's task is, as a noun before a colon: "Sakspapirer"
// (sent out by the documents deadline), "Referat" (written after the
// meeting); empty for a leader's follow-up, which the activity's title names.
std::string_view task_kind_word(TaskKind kind);

// Labels before a colon, and nouns used with a count.
namespace label {
inline constexpr std::string_view agenda = "Agenda";
inline constexpr std::string_view documents = "Dokumenter";
inline constexpr std::string_view place = "Sted";
inline constexpr std::string_view wheel = "Årshjul";
inline constexpr std::string_view changed_by_hr = "Endret av HR";
inline constexpr std::string_view extra_meeting = "Ekstra møte";
inline constexpr std::string_view cancelled = "Avlyst";
inline constexpr std::string_view cancelled_by_hr = "Avlyst av HR";
inline constexpr std::string_view today = "I dag";
inline constexpr std::string_view units = "enheter";  // "3 enheter"
inline constexpr std::string_view all_day = "hele dagen";
inline constexpr std::string_view whole_organisation = "Hele organisasjonen";  // what an organisation-wide series is for
inline constexpr std::string_view participants = "Deltakere";
inline constexpr std::string_view registered = "Påmeldt";
}  // namespace label

// Why an event is cancelled, as its calendar text's last paragraph: "Avlyst
// av HR: Kollisjon med budsjettmøtet" with HR's reason, or "Avlyst: tatt ut
// av årshjulet" when the config no longer has it (`hr_reason` empty).
std::string cancelled_text(std::string_view hr_reason);

// A feed past 1 MB, which Google Calendar stops importing: "Kalenderen er
// 1 300 kB med 2 400 hendelser. Google Kalender henter ikke kalendere over 1 MB:
// lag heller en kalender for ett årshjul, én enhet eller én rolle."
std::string large_feed_text(std::size_t kilobytes, std::size_t events);

// One day of a multi-day gathering, after its title: "dag 1 av 2".
std::string gathering_day(std::size_t day, std::size_t days);

// "Årshjul 2027": the year's heading on the pages and on the printed wheel.
std::string wheel_heading(int year);

// The first letter in upper case ("helligdag" → "Helligdag", "øvingsdag" →
// "Øvingsdag"); ASCII and the Latin-1 letters (æ, ø, å, é, ...).
std::string capitalized(std::string_view text);

// Whether an agenda item is "Eventuelt" (any other business), which closes
// every Norwegian agenda, so what the config adds to a meeting's agenda
// goes before it. Case, a full stop, spaces around and "Evt." do not matter.
bool is_any_other_business(std::string_view item);

// ---- registration (registrations.h, the HR page) -----------------------------

// What one day of a registration activity is called in running text and
// headings: its RegistrationRule's `name` ("ansattdag"), else its title up
// to a ": " ("Ansattdag: Velkommen til Røros kommune" is "Ansattdag",
// "Introduksjonsdag for ledere" is itself). Never a fixed word: an
// organisation may register hires for several kinds of day.
std::string registration_name(const Activity& activity);

// What a registration counts from, in running text: "tiltredelse" (new
// hires), "tiltredelse som leder" (after = leader_start_date).
std::string registration_counts_from(const Activity& activity);

// RegistrationChange reasons. With name "ansattdag":
// "Første ansattdag med ledig plass etter tiltredelse mandag 1. mars 2027"
std::string registration_first_day_reason(const Activity& activity, LocalDays start_date);
// "Ingen ansattdag med ledig plass innen 120 dager etter tiltredelse"
std::string registration_no_room_reason(const Activity& activity);
// "Ansattdag onsdag 10. mars 2027 er avlyst" ("Ansattdag er avlyst" without the day)
std::string registration_cancelled_reason(const Activity& activity, std::optional<LocalDays> day);
// "Ansattdag onsdag 10. mars 2027 er før tidligste dag etter tiltredelse (...)", or, when HR
// moved it, "Ansattdag er flyttet til mandag 8. mars 2027, før tidligste dag etter tiltredelse (...)"
std::string registration_too_early_reason(const Activity& activity, LocalDays day, bool moved_by_hr,
                                          LocalDays earliest);
// Reasons that do not name the day.
namespace registration_reason {
inline constexpr std::string_view left_roster = "Personen er ikke lenger i personallisten";
inline constexpr std::string_view no_start_date = "Personen har ikke lenger tiltredelsesdato";
inline constexpr std::string_view no_leader_start_date = "Personen har ikke lenger startdato som leder";
inline constexpr std::string_view changed_unit = "Personen har byttet enhet";
inline constexpr std::string_view rule_removed = "Aktiviteten har ikke lenger automatisk påmelding";
}  // namespace registration_reason

// The HR page: "Påmeldte per ansattdag", "Venter på ledig ansattdag".
std::string registered_heading(const Activity& activity);
std::string waiting_heading(const Activity& activity);

}  // namespace arshjul
