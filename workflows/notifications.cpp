#include "workflows/notifications.h"

#include <algorithm>

#include "workflows/audience.h"

namespace arshjul {

bool picks(const Config& c, const std::vector<Selector>& selectors, const Person& p, const Occurrence& o) {
  for (const auto& s : selectors) {
    if (s.kind != Selector::Kind::participants) {
      if (selects(c, s, p, o)) return true;
      continue;
    }
    for (const auto& ps : o.activity->participants)
      if (selects(c, ps, p, o)) return true;
  }
  return false;
}

std::vector<const Person*> recipients(const Config& c, const std::vector<Selector>& selectors, const Occurrence& o) {
  std::vector<const Person*> out;
  for (const auto& p : c.people)
    if (picks(c, selectors, p, o)) out.push_back(&p);
  return out;
}

std::optional<NoticeTimes> notice_times(const Config& c, const Occurrence& o) {
  if (!o.activity->notice) return std::nullopt;
  const Notice& n = *o.activity->notice;
  const LocalDays day = o.first_day - date::days{n.days_before};
  // At the start of the working day, and never less than days_before ahead
  // (a meeting before 08:00 would otherwise get its notice a little late).
  const SysSeconds due = std::min(to_utc(LocalSeconds{day} + kNoticeSendTime, c.organisation.zone),
                                  o.start - date::days{n.days_before});
  return NoticeTimes{due, o.first_day - date::days{n.documents_days_before}, n.days_before};
}

std::string message_key(std::string_view event_type, std::string_view uid, int sequence, std::string_view rule,
                        std::string_view recipient) {
  std::string k;
  k.reserve(event_type.size() + uid.size() + rule.size() + recipient.size() + 16);
  k.append(event_type).append("|").append(uid).append("|").append(std::to_string(sequence)).append("|");
  k.append(rule).append("|").append(recipient);
  return k;
}

void plan_occurrence(const Config& c, const Occurrence& o, int sequence, SysSeconds until,
                     std::vector<PlannedMessage>& out) {
  const Activity& a = *o.activity;
  // One message per person the selectors pick, due by `until`; `fill` adds
  // what is particular to the event type.
  auto plan = [&](std::string_view event_type, const std::string& rule, SysSeconds due,
                  const std::vector<Selector>& to, auto&& fill) {
    if (due > until) return;
    for (const Person* p : recipients(c, to, o)) {
      PlannedMessage m;
      m.event_type = std::string(event_type);
      m.key = message_key(event_type, o.uid, sequence, rule, p->id);
      m.due = due;
      m.occurrence = &o;
      m.recipient = p;
      m.sequence = sequence;
      fill(m);
      out.push_back(std::move(m));
    }
  };
  if (const auto n = notice_times(c, o)) {
    plan("notice.early", "notice:" + std::to_string(n->days_before) + "d", n->due, a.notice->to,
         [&](PlannedMessage& m) {
           m.notice_days = n->days_before;
           m.documents_due = n->documents_due;
         });
  }
  for (const Reminder& r : a.reminders)
    plan("reminder.due", "reminder:" + format_duration(r.before), o.start - r.before, r.to,
         [&](PlannedMessage& m) { m.before = r.before; });
}

}  // namespace arshjul
