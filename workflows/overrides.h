// What HR changes by hand in a year that the config describes: one
// occurrence moved or cancelled, an extra meeting added to a series, or one
// meeting's own agenda and documents, each with the reason that goes into
// the change notice.
#pragma once

#include <string>
#include <vector>

#include "calendars/expected.h"
#include "workflows/expansion.h"

namespace arshjul {

struct Override {
  enum class Kind { move, cancel, extra, agenda };
  long long id = 0;
  Kind kind = Kind::move;
  std::string uid;             // move, cancel: the occurrence; extra: its new UID
  std::string activity;        // extra: the series it belongs to
  std::string unit;            // extra: the series' unit, or empty
  SysSeconds start{}, end{};   // move, extra of a timed activity
  LocalDays first_day{}, last_day{};  // move, extra of an all-day activity
  std::string reason;
  SysSeconds created{};
  std::vector<std::string> agenda;    // agenda: the meeting's items, in order
  std::vector<Document> documents;    // agenda: linked documents
};

std::string_view override_kind_name(Override::Kind kind);  // "move", "cancel", "extra", "agenda"

// The UID of an extra occurrence: "extra-7.amu.20270311@roros.arshjul".
std::string extra_uid(std::string_view organisation, long long id, std::string_view activity, std::string_view unit,
                      LocalDays day);

// Applies the overrides to the occurrences they name, in order: a move sets
// the new time and the reason, a cancel removes the occurrence (storage then
// cancels it), an extra adds one, an agenda replaces the meeting's agenda
// and documents (the newest wins). Overrides naming an occurrence no longer
// in the expansion are ignored, so a config change can outdate them safely.
// Returns the cancelled occurrences, so their people can be told.
std::vector<Occurrence> apply_overrides(Expansion& expansion, const std::vector<Override>& overrides);

}  // namespace arshjul
