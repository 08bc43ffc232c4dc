#include "workflows/vocabulary.h"

#include <algorithm>
#include <cctype>

namespace arshjul {

std::string_view kind_word(ActivityKind kind) {
  switch (kind) {
    case ActivityKind::meeting: return "møte";
    case ActivityKind::deadline: return "frist";
    case ActivityKind::window: return "periode";
  }
  return "";
}

std::string_view role_word(Role role) {
  switch (role) {
    case Role::leader: return "leder";
    case Role::employee: return "ansatt";
    case Role::hr: return "HR";
    case Role::hovedtillitsvalgt: return "hovedtillitsvalgt";
    case Role::plasstillitsvalgt: return "plasstillitsvalgt";
    case Role::hovedverneombud: return "hovedverneombud";
    case Role::verneombud: return "verneombud";
    case Role::bht: return "bedriftshelsetjeneste";
    case Role::folkevalgt: return "folkevalgt";
  }
  return "";
}

std::string_view non_working_word(NonWorkingReason::Kind kind) {
  switch (kind) {
    case NonWorkingReason::Kind::weekend: return "helg";
    case NonWorkingReason::Kind::public_holiday: return "helligdag";
    case NonWorkingReason::Kind::blackout: return "ferieperiode";
    case NonWorkingReason::Kind::half_day: return "halv arbeidsdag";
    case NonWorkingReason::Kind::political_meeting: return "politisk møte";
  }
  return "";
}

std::string non_working_text(const NonWorkingReason& reason) {
  std::string out(non_working_word(reason.kind));
  if (reason.kind != NonWorkingReason::Kind::weekend) out += ": " + reason.name;
  return out;
}

std::string moved_text(LocalDays from, const NonWorkingReason& reason, const std::vector<NonWorkingReason>& passed) {
  std::string why = non_working_text(reason);
  for (const NonWorkingReason& r : passed) why += "; " + non_working_text(r);
  return "Flyttet fra " + norwegian_date(from) + " (" + why + ")";
}

std::string_view task_kind_word(TaskKind kind) {
  switch (kind) {
    case TaskKind::documents: return "Sakspapirer";
    case TaskKind::minutes: return "Referat";
    case TaskKind::follow_up: break;
  }
  return {};
}

std::string cancelled_text(std::string_view hr_reason) {
  if (hr_reason.empty()) return std::string(label::cancelled) + ": tatt ut av årshjulet";
  return std::string(label::cancelled_by_hr) + ": " + std::string(hr_reason);
}

std::string large_feed_text(std::size_t kilobytes, std::size_t events) {
  return "Kalenderen er " + std::to_string(kilobytes) + " kB med " + std::to_string(events) +
         " hendelser. Google Kalender henter ikke kalendere over 1 MB: lag heller en kalender for ett årshjul, "
         "én enhet eller én rolle.";
}

std::string gathering_day(std::size_t day, std::size_t days) {
  return "dag " + std::to_string(day) + " av " + std::to_string(days);
}

std::string wheel_heading(int year) { return std::string(label::wheel) + " " + std::to_string(year); }

std::string capitalized(std::string_view text) {
  std::string out(text);
  if (out.empty()) return out;
  const auto first = static_cast<unsigned char>(out[0]);
  if (first >= 'a' && first <= 'z') {
    out[0] = static_cast<char>(first - 'a' + 'A');
  } else if (first == 0xC3 && out.size() > 1) {
    // U+00E0-U+00FE (à … þ, with æ, ø, å) are U+00C0-U+00DE less 0x20; U+00F7 is ÷.
    const auto second = static_cast<unsigned char>(out[1]);
    if (second >= 0xA0 && second <= 0xBE && second != 0xB7) out[1] = static_cast<char>(second - 0x20);
  }
  return out;
}

bool is_any_other_business(std::string_view item) {
  while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
  while (!item.empty() && (item.back() == ' ' || item.back() == '\t' || item.back() == '.')) item.remove_suffix(1);
  auto is = [&](std::string_view word) {
    return item.size() == word.size() && std::equal(item.begin(), item.end(), word.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) == y;
           });
  };
  return is("eventuelt") || is("evt");
}

std::string registration_name(const Activity& activity) {
  if (activity.registration && !activity.registration->name.empty()) return activity.registration->name;
  // Titles read "Name: what this one is about"; the name is what a sentence can hold.
  const auto colon = activity.title.find(": ");
  return colon == std::string::npos || colon == 0 ? activity.title : activity.title.substr(0, colon);
}

// Taking up the job, or (new leaders) the leadership.
std::string registration_counts_from(const Activity& activity) {
  const bool leader = activity.registration && activity.registration->after == RegistrationRule::After::leader_start_date;
  return leader ? "tiltredelse som leder" : "tiltredelse";
}

namespace {
std::string tiltredelse(const Activity& activity) { return registration_counts_from(activity); }
}  // namespace

std::string registration_first_day_reason(const Activity& activity, LocalDays start_date) {
  return "Første " + registration_name(activity) + " med ledig plass etter " + tiltredelse(activity) + " " +
         norwegian_date(start_date);
}

std::string registration_no_room_reason(const Activity& activity) {
  const int wait = activity.registration ? activity.registration->max_wait_days : RegistrationRule{}.max_wait_days;
  return "Ingen " + registration_name(activity) + " med ledig plass innen " + std::to_string(wait) +
         " dager etter " + tiltredelse(activity);
}

std::string registration_cancelled_reason(const Activity& activity, std::optional<LocalDays> day) {
  const std::string name = capitalized(registration_name(activity));
  return day ? name + " " + norwegian_date(*day) + " er avlyst" : name + " er avlyst";
}

std::string registration_too_early_reason(const Activity& activity, LocalDays day, bool moved_by_hr,
                                          LocalDays earliest) {
  const std::string name = capitalized(registration_name(activity));
  return (moved_by_hr ? name + " er flyttet til " + norwegian_date(day) + "," : name + " " + norwegian_date(day) + " er") +
         " før tidligste dag etter " + tiltredelse(activity) + " (" + norwegian_date(earliest) + ")";
}

std::string registered_heading(const Activity& activity) { return "Påmeldte per " + registration_name(activity); }

std::string waiting_heading(const Activity& activity) { return "Venter på ledig " + registration_name(activity); }

}  // namespace arshjul
