// Webhook messages: their JSON payloads (docs/webhooks.md) and their
// signatures per the Standard Webhooks specification.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "calendars/expected.h"
#include "storage/storage.h"
#include "workflows/audience.h"
#include "workflows/notifications.h"
#include "workflows/registrations.h"
#include "workflows/tasks.h"

namespace arshjul {

inline constexpr int kPayloadVersion = 1;

// "v1,<base64 HMAC-SHA256>" over "<webhook_id>.<timestamp>.<body>", keyed
// with the base64-decoded part of "whsec_..." after the prefix.
Expected<std::string> sign_webhook(std::string_view secret, std::string_view webhook_id, long long timestamp,
                                   std::string_view body);

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// "msg_" + 32 hex digits derived from the hook and the message key: stable,
// so every retry and every re-plan of the same message carries the same id.
std::string webhook_id_for(std::string_view hook, std::string_view key);

// Outbox rows for planned reminders and notices, one per hook that wants the event.
std::vector<OutboxMessage> outbox_messages(const Config& config, const std::vector<PlannedMessage>& plan);

// Outbox rows telling everyone who heard of an occurrence that it changed
// or was cancelled. `occurrence` is null for a cancellation whose activity
// is gone; `stored` then supplies what the recipients last saw.
std::vector<OutboxMessage> change_messages(const Config& config, std::string_view event_type,
                                           const StoredOccurrence& stored, const Occurrence* occurrence,
                                           const std::vector<std::pair<std::string, std::string>>& told,
                                           SysSeconds now, std::string_view reason = {});

// A person's own links, both opened by the same secret token; empty when
// the person has none (revoked) or the message is not theirs.
struct PersonalLinks {
  std::string feed_url;  // their calendar feed: BASE/feeds/TOKEN.ics
  std::string page_url;  // their year and subscribe links: BASE/me/TOKEN
};

// Outbox rows telling `recipient` of a registration change: the day they
// go to (`day`, null when cancelled or waiting) and their own links.
std::vector<OutboxMessage> registration_messages(const Config& config, const RegistrationChange& change,
                                                 const Occurrence* day, const Person& recipient,
                                                 const PersonalLinks& links, SysSeconds now);

// One registration.waiting to `recipient` (HR) listing every hire that this
// build could not place, so an import of thousands is one message, not thousands.
std::vector<OutboxMessage> waiting_messages(const Config& config, const std::vector<const RegistrationChange*>& waiting,
                                            const Person& recipient, SysSeconds now);

// Outbox rows for one task reminder or overdue notice; `occurrence` is the
// window or deadline the tasks belong to (null if it is gone).
std::vector<OutboxMessage> task_messages(const Config& config, const TaskMessage& message,
                                         const Occurrence* occurrence, SysSeconds now);


// A new feed subscription, for the hooks that want `subscription.created`,
// so HR's mail or Teams flow can hand the link on. `links` are the feed's
// URLs (the token is in them: this message is the only place besides the
// creator's answer that carries it). `recipient` is the person of a person
// feed (null otherwise); `created_by` the audit actor.
struct SubscriptionLinks {
  std::string feed_url;    // BASE/feeds/TOKEN.ics
  std::string webcal_url;  // webcal://HOST/feeds/TOKEN.ics
  std::string page_url;    // BASE/me/TOKEN for a person feed, else empty
};
// The links of the feed with `token` under `base` ("https://arshjul.example.no"; a trailing slash is dropped).
SubscriptionLinks subscription_links(std::string base, std::string_view token, const FeedFilter& filter);

std::vector<OutboxMessage> subscription_messages(const Config& config, long long id, const FeedFilter& filter,
                                                 const SubscriptionLinks& links, std::string_view created_by,
                                                 SysSeconds now);

// `person.moved`: a person stored in another unit than before, to the
// leader of the unit they join (`role` "new_leader") and of the one they
// leave ("former_leader"), each once per move (keyed by `now`). `before` is the person as
// they were, `after` as stored; `config` the organisation before the change.
// `on` is the day the move took effect (a dated change's day; else today).
// `after_config`, when given, is the organisation after it (a day's dated
// changes applied together, a new leader among them): who leads the unit
// they join is looked up there.
std::vector<OutboxMessage> unit_move_messages(const Config& config, const Person& before, const Person& after,
                                              SysSeconds now, std::optional<LocalDays> on = std::nullopt,
                                              const Config* after_config = nullptr);

// `leader.started`: `leader` leads `unit` from `from` (their
// leader_start_date, the first day they act, or a dated change's day),
// told what is theirs now: their open tasks of `tasks` (everyone's, as
// Storage::tasks gives them), and `former`, who led the unit the day before
// (null: nobody). Once per person, unit and day.
std::string leader_start_key(std::string_view leader, std::string_view unit, LocalDays from);
std::vector<OutboxMessage> leader_start_messages(const Config& config, const Person& leader, std::string_view unit,
                                                 LocalDays from, bool acting, const Person* former,
                                                 const std::vector<TaskState>& tasks, SysSeconds now);

// leader_start_messages for a dated change applied on `on`: each unit
// `after` leads that day and `before` did not lead the day before (made a
// leader, moved to lead another unit, made acting). The former leader comes
// from `before_config`, where a leader demoted or moved the same day still
// leads. `tasks` are the open and done tasks after the change.
std::vector<OutboxMessage> dated_leader_messages(const Config& before_config, const Config& after_config,
                                                 const Person& before, const Person& after, LocalDays on,
                                                 const std::vector<TaskState>& tasks, SysSeconds now);

// Marks a payload as sent after its due time (an early notice that is late).
std::string mark_late(const std::string& payload);

}  // namespace arshjul
