// Which days are working days, and where an occurrence goes when its day is not.
//
// Weekends, public holidays and blackout periods (fellesferie, Christmas,
// school breaks) are not working days; on half days nothing timed may run
// past 12:00. Each activity chooses what happens to an occurrence that lands
// on a non-working day, and every move keeps its reason.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "calendars/time.h"

namespace arshjul {

// A period that recurs every year: from-to inclusive (may cross New Year),
// or an ISO week number, as school breaks are given ("uke 9"); or a
// one-off period (first-last, inclusive), as a council meeting or an
// election day is given.
struct Blackout {
  std::string name;       // the reason a user reads: "Fellesferie", "Kommunestyret"
  MonthDay from;
  MonthDay to;
  unsigned iso_week = 0;  // 1-53; when set, from/to are unused
  std::optional<LocalDays> first{}, last{};  // a one-off period; when set, from/to and iso_week are unused
  // A meeting of the political calendar: only meetings avoid it (a deadline
  // may fall on a council day), and the reason says what it is.
  bool political = false;
  bool contains(LocalDays day) const;
};

enum class HolidayPolicy { skip, next_working_day, previous_working_day };

// Why a day is not a working day.
struct NonWorkingReason {
  enum class Kind { weekend, public_holiday, blackout, half_day, political_meeting };
  Kind kind;
  std::string name;         // "Grunnlovsdag", "Fellesferie", "lørdag", "Kommunestyret"
  std::string describe() const;  // "public holiday (Grunnlovsdag)"
  bool operator==(const NonWorkingReason&) const = default;
};

// Where an occurrence was placed.
struct Placement {
  std::optional<LocalDays> day;             // empty: skipped, or not placeable
  std::optional<NonWorkingReason> reason;   // why the original day was refused
  bool unplaceable = false;                 // moved, but no working day within the limit
  // What else the move passed over on its way to `day` (a blackout after
  // the holiday it left), once each, weekends left out: a note that names
  // only the holiday would not explain why the meeting went that far.
  std::vector<NonWorkingReason> passed{};
};

struct WorkingDayRules {
  bool public_holidays = true;   // Norwegian helligdager
  bool half_days = true;         // nothing timed past 12:00 on half days
  std::vector<Blackout> blackouts;
};

// The working-day policy of one organisation. Stateless past construction.
class WorkingCalendar {
 public:
  static constexpr int kMaxShiftDays = 14;

  explicit WorkingCalendar(WorkingDayRules rules);

  // Empty when `day` is a working day for something that ends at
  // `ends_after_noon` (only timed meetings past 12:00 care about half days).
  std::optional<NonWorkingReason> why_not_working(LocalDays day, bool ends_after_noon = false,
                                                  bool respect_blackouts = true) const;

  Placement place(LocalDays day, HolidayPolicy policy, bool ends_after_noon = false,
                  bool respect_blackouts = true) const;

  // A gathering over `days` consecutive days starting on `first`: every day
  // must be a working day. When one is not, the policy moves the whole block
  // (next or previous start whose days all work) or skips it; the reason is
  // that of the first refused day ("Kristi himmelfartsdag" for a second day
  // on Ascension Day). place() is place_days with days = 1.
  Placement place_days(LocalDays first, int days, HolidayPolicy policy, bool ends_after_noon = false,
                       bool respect_blackouts = true) const;

  const WorkingDayRules& rules() const { return rules_; }

 private:
  WorkingDayRules rules_;
};

}  // namespace arshjul
