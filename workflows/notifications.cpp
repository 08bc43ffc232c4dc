#include "workflows/notifications.h"

#include <algorithm>

#include "workflows/audience.h"

namespace arshjul {

std::vector<const Person*> recipients(const Config& c, const std::vector<Selector>& selectors, const Occurrence& o) {
  std::vector<const Person*> out;
  for (const auto& p : c.people) {
    bool picked = false;
    for (const auto& s : selectors) {
      if (s.kind == Selector::Kind::participants) {
        for (const auto& ps : o.activity->participants) picked = picked || selects(c, ps, p, o.unit);
      } else {
        picked = picked || selects(c, s, p, o.unit);
      }
      if (picked) break;
    }
    if (picked) out.push_back(&p);
  }
  return out;
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
  if (a.notice) {
    const LocalDays day = o.first_day - date::days{a.notice->days_before};
    // At the start of the working day, and never less than days_before ahead
    // (a meeting before 08:00 would otherwise get its notice a little late).
    const SysSeconds due = std::min(to_utc(LocalSeconds{day} + kNoticeSendTime, c.organisation.zone),
                                    o.start - date::days{a.notice->days_before});
    const std::string rule = "notice:" + std::to_string(a.notice->days_before) + "d";
    for (const Person* p : due > until ? std::vector<const Person*>{} : recipients(c, a.notice->to, o)) {
      PlannedMessage m;
      m.event_type = "notice.early";
      m.key = message_key(m.event_type, o.uid, sequence, rule, p->id);
      m.due = due;
      m.occurrence = &o;
      m.recipient = p;
      m.sequence = sequence;
      m.notice_days = a.notice->days_before;
      m.documents_due = o.first_day - date::days{a.notice->documents_days_before};
      out.push_back(std::move(m));
    }
  }
  for (const Reminder& r : a.reminders) {
    const std::string rule = "reminder:" + format_duration(r.before);
    const SysSeconds due = o.start - r.before;
    if (due > until) continue;
    for (const Person* p : recipients(c, r.to, o)) {
      PlannedMessage m;
      m.event_type = "reminder.due";
      m.key = message_key(m.event_type, o.uid, sequence, rule, p->id);
      m.due = due;
      m.occurrence = &o;
      m.recipient = p;
      m.sequence = sequence;
      m.before = r.before;
      out.push_back(std::move(m));
    }
  }
}

}  // namespace arshjul
