// What arshjul has to tell whom, and when: reminders before an occurrence
// and the early notice with agenda that union reps are owed (Hovedavtalen).
//
// Pure planning: the scheduler stores the plan in its outbox and delivers
// it. Every message has a key unique to (event, occurrence, sequence, rule,
// recipient), so planning the same thing twice enqueues it once.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "workflows/expansion.h"

namespace arshjul {

struct PlannedMessage {
  std::string event_type;            // "reminder.due" or "notice.early"
  std::string key;
  SysSeconds due{};
  const Occurrence* occurrence = nullptr;
  const Person* recipient = nullptr;
  int sequence = 0;
  Seconds before{};                  // reminders: how long before the start
  int notice_days = 0;               // notices: days before
  LocalDays documents_due{};         // notices: the deadline for documents
};

// Local time of day at which day-based messages (notices) go out.
inline constexpr Seconds kNoticeSendTime = std::chrono::hours{8};

// Does one of `selectors` pick `person` for an occurrence? "participants"
// stands for the activity's participants.
bool picks(const Config& config, const std::vector<Selector>& selectors, const Person& person,
           const Occurrence& occurrence);

// Everyone a list of selectors picks for an occurrence.
std::vector<const Person*> recipients(const Config& config, const std::vector<Selector>& selectors,
                                      const Occurrence& occurrence);

// The early notice of an occurrence whose activity has one: when it goes
// out (08:00 local, days_before ahead) and the deadline for documents.
struct NoticeTimes {
  SysSeconds due{};
  LocalDays documents_due{};
  int days_before = 0;
};
std::optional<NoticeTimes> notice_times(const Config& config, const Occurrence& occurrence);

// The reminders and notices due by `until` of every occurrence in
// `expansion` that has not lost its point by `now`: reminders of
// occurrences that have not started, notices of meetings still ahead (a
// notice already due is still sent, and marked late by the sender).
// Planning a window at a time keeps the outbox small for large rosters.
// `sequence_of` gives an occurrence's current SEQUENCE (part of the key).
template <class SequenceOf>
std::vector<PlannedMessage> plan_messages(const Config& config, const Expansion& expansion, SysSeconds now,
                                          SysSeconds until, SequenceOf&& sequence_of);

// The key of one message; also used for change and cancellation notices.
std::string message_key(std::string_view event_type, std::string_view uid, int sequence, std::string_view rule,
                        std::string_view recipient);

// Implementation detail of plan_messages.
void plan_occurrence(const Config& config, const Occurrence& o, int sequence, SysSeconds until,
                     std::vector<PlannedMessage>& out);

template <class SequenceOf>
std::vector<PlannedMessage> plan_messages(const Config& config, const Expansion& expansion, SysSeconds now,
                                          SysSeconds until, SequenceOf&& sequence_of) {
  std::vector<PlannedMessage> out;
  for (const Occurrence& o : expansion.occurrences) {
    if (o.start <= now) continue;
    plan_occurrence(config, o, sequence_of(o.uid), until, out);
  }
  return out;
}

}  // namespace arshjul
