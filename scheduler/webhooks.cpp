#include "scheduler/webhooks.h"

#include <algorithm>
#include <array>

#include <boost/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "scheduler/json_views.h"
#include "scheduler/tokens.h"
#include "workflows/events.h"

namespace arshjul {
namespace json = boost::json;

namespace {

// A new leader's message lists this many of their tasks (and counts them all).
constexpr std::size_t kMaxListedTasks = 50;

json::object envelope(const Config& c, std::string_view type, SysSeconds when, json::object data) {
  data["organisation"] = json::object{{"id", c.organisation.id}, {"name", c.organisation.name}};
  return {{"type", type}, {"version", kPayloadVersion}, {"timestamp", iso_utc(when)}, {"data", std::move(data)}};
}

// One row per hook that wants the event, all with the same body.
std::vector<OutboxMessage> rows_for_hooks(const Config& c, std::string_view event_type, const std::string& key,
                                          std::string_view uid, std::string_view recipient, const std::string& payload,
                                          SysSeconds due) {
  std::vector<OutboxMessage> out;
  for (const Hook& h : c.hooks) {
    if (!h.wants(event_type)) continue;
    OutboxMessage row;
    row.key = key;
    row.hook = h.id;
    row.webhook_id = webhook_id_for(h.id, key);
    row.event_type = std::string(event_type);
    row.occurrence_uid = std::string(uid);
    row.recipient = std::string(recipient);
    row.payload = payload;
    row.due = due;
    row.next_attempt = due;
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t len = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts padding as zero bytes.
  if (!text.empty() && text.back() == '=') --len;
  if (text.size() > 1 && text[text.size() - 2] == '=') --len;
  out.resize(len);
  return out;
}

Expected<std::string> sign_webhook(std::string_view secret, std::string_view webhook_id, long long timestamp,
                                   std::string_view body) {
  if (secret.rfind("whsec_", 0) != 0) return Error{"a webhook secret starts with whsec_"};
  auto key = base64_decode(secret.substr(6));
  if (!key || key->empty()) return Error{"the webhook secret after whsec_ is not base64"};
  std::string content;
  content.reserve(webhook_id.size() + body.size() + 24);
  content.append(webhook_id).append(".").append(std::to_string(timestamp)).append(".").append(body);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key->data(), static_cast<int>(key->size()),
            reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac.data(), &len))
    return Error{"HMAC-SHA256 failed"};
  return "v1," + base64_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), len));
}

std::string webhook_id_for(std::string_view hook, std::string_view key) {
  return "msg_" + sha256_hex(std::string(hook) + "\n" + std::string(key)).substr(0, 32);
}

std::vector<OutboxMessage> outbox_messages(const Config& c, const std::vector<PlannedMessage>& plan) {
  std::vector<OutboxMessage> out;
  for (const PlannedMessage& m : plan) {
    std::string body;
    for (const Hook& h : c.hooks) {
      if (!h.wants(m.event_type)) continue;
      if (body.empty()) {
        json::object data{{"recipient", person_json(*m.recipient)},
                          {"occurrence", occurrence_json(c, *m.occurrence, m.sequence, false)},
                          {"late", false}};
        if (m.event_type == "notice.early") {
          data["notice"] = json::object{{"days_before", m.notice_days},
                                        {"documents_due", format_date(m.documents_due)}};
        } else {
          data["reminder"] = json::object{{"before", format_duration(m.before)}};
        }
        body = json::serialize(envelope(c, m.event_type, m.due, std::move(data)));
      }
      OutboxMessage row;
      row.key = m.key;
      row.hook = h.id;
      row.webhook_id = webhook_id_for(h.id, m.key);
      row.event_type = m.event_type;
      row.occurrence_uid = m.occurrence->uid;
      row.sequence = m.sequence;
      row.recipient = m.recipient->id;
      row.payload = body;
      row.due = m.due;
      row.next_attempt = m.due;
      out.push_back(std::move(row));
    }
  }
  return out;
}

std::vector<OutboxMessage> change_messages(const Config& c, std::string_view event_type, const StoredOccurrence& s,
                                           const Occurrence* o, const std::vector<std::pair<std::string, std::string>>& told,
                                           SysSeconds now, std::string_view reason) {
  std::vector<OutboxMessage> out;
  for (const auto& [hook_id, person_id] : told) {
    const Hook* hook = nullptr;
    for (const auto& h : c.hooks)
      if (h.id == hook_id && h.wants(event_type)) hook = &h;
    if (!hook) continue;
    json::object recipient{{"id", person_id}};
    if (const Person* p = c.find_person(person_id)) recipient = person_json(*p);
    json::object occurrence;
    if (o) {
      occurrence = occurrence_json(c, *o, s.sequence, event_type == "occurrence.cancelled");
    } else {
      occurrence = {{"uid", s.uid}, {"sequence", s.sequence}, {"status", "cancelled"}, {"title", s.title},
                    {"wheel", {{"id", s.wheel}}}, {"activity", s.activity}, {"location", s.location},
                    {"all_day", s.all_day}, {"start", local_iso(s.start, c.organisation.zone)},
                    {"end", local_iso(s.end, c.organisation.zone)}};
    }
    if (!reason.empty()) occurrence["reason"] = reason;
    OutboxMessage row;
    row.key = message_key(event_type, s.uid, s.sequence, "change", person_id);
    row.hook = hook_id;
    row.webhook_id = webhook_id_for(hook_id, row.key);
    row.event_type = std::string(event_type);
    row.occurrence_uid = s.uid;
    row.sequence = s.sequence;
    row.recipient = person_id;
    row.payload = json::serialize(envelope(c, event_type, now,
                                           json::object{{"recipient", std::move(recipient)},
                                                        {"occurrence", std::move(occurrence)}}));
    row.due = now;
    row.next_attempt = now;
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<OutboxMessage> registration_messages(const Config& c, const RegistrationChange& change,
                                                 const Occurrence* day, const Person& recipient,
                                                 const PersonalLinks& links, SysSeconds now) {
  const std::string event_type = "registration." + std::string(change_kind_name(change.kind));
  json::object data{{"recipient", person_json(recipient)}, {"activity", change.activity}, {"reason", change.reason}};
  if (const Person* hire = c.find_person(change.person)) data["person"] = person_json(*hire);
  else data["person"] = json::object{{"id", change.person}};
  data["occurrence"] = day ? json::value(occurrence_json(c, *day, 0, false)) : nullptr;
  if (!change.from_uid.empty()) data["previous_occurrence_uid"] = change.from_uid;
  if (!links.feed_url.empty()) data["feed_url"] = links.feed_url;
  if (!links.page_url.empty()) data["page_url"] = links.page_url;
  // The day is part of the key: a hire moved twice is told twice.
  const std::string key = message_key(event_type, change.to_uid.empty() ? change.from_uid : change.to_uid, 0,
                                      change.activity + "/" + change.person, recipient.id);
  return rows_for_hooks(c, event_type, key, change.to_uid.empty() ? change.from_uid : change.to_uid, recipient.id,
                        json::serialize(envelope(c, event_type, now, std::move(data))), now);
}

std::vector<OutboxMessage> waiting_messages(const Config& c, const std::vector<const RegistrationChange*>& waiting,
                                            const Person& recipient, SysSeconds now) {
  json::array people;
  std::string ids;
  for (const RegistrationChange* ch : waiting) {
    json::object p{{"id", ch->person}, {"activity", ch->activity}, {"reason", ch->reason}};
    if (const Person* hire = c.find_person(ch->person)) {
      p["name"] = hire->name;
      p["unit"] = hire->unit;
      p["start_date"] = hire->start_date ? json::value(format_date(*hire->start_date)) : json::value(nullptr);
    }
    people.push_back(std::move(p));
    ids += ch->activity + "/" + ch->person + "\n";
  }
  json::object data{{"recipient", person_json(recipient)}, {"count", waiting.size()}, {"people", std::move(people)}};
  const std::string key = message_key("registration.waiting", "", 0, sha256_hex(ids).substr(0, 16), recipient.id);
  return rows_for_hooks(c, "registration.waiting", key, "", recipient.id,
                        json::serialize(envelope(c, "registration.waiting", now, std::move(data))), now);
}

std::vector<OutboxMessage> task_messages(const Config& c, const TaskMessage& m, const Occurrence* o, SysSeconds now) {
  json::array tasks;
  for (const TaskState* t : m.tasks) {
    json::object task{{"id", t->id}, {"key", t->task.key}, {"activity", t->task.activity}, {"unit", t->task.unit},
                      {"assignee", t->task.assignee}, {"due", iso_utc(t->task.due)},
                      {"kind", task_kind_name(t->task.kind)}};
    if (!t->task.subject.empty()) {
      const Person* subject = c.find_person(t->task.subject);
      task["subject"] = subject ? json::value(person_json(*subject)) : json::value(json::object{{"id", t->task.subject}});
    }
    tasks.push_back(std::move(task));
  }
  json::object data{{"recipient", person_json(*m.recipient)},
                    {"deadline", local_iso(m.deadline, c.organisation.zone)},
                    {"open_tasks", m.tasks.size()},
                    {"tasks", std::move(tasks)}};
  if (const Person* assignee = c.find_person(m.assignee)) data["assignee"] = person_json(*assignee);
  if (o) data["occurrence"] = occurrence_json(c, *o, 0, false);
  if (m.event_type == "task.due") data["reminder"] = json::object{{"before", format_duration(m.before)}};
  return rows_for_hooks(c, m.event_type, m.key, m.occurrence_uid, m.recipient->id,
                        json::serialize(envelope(c, m.event_type, now, std::move(data))), now);
}

SubscriptionLinks subscription_links(std::string base, std::string_view token, const FeedFilter& filter) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string path = "/feeds/" + std::string(token) + ".ics";
  const auto scheme = base.find("://");
  return SubscriptionLinks{base + path, "webcal://" + (scheme == std::string::npos ? base : base.substr(scheme + 3)) + path,
                           filter.kind == FeedFilter::Kind::person ? base + "/me/" + std::string(token) : std::string()};
}

std::vector<OutboxMessage> subscription_messages(const Config& c, long long id, const FeedFilter& filter,
                                                 const SubscriptionLinks& links, std::string_view created_by,
                                                 SysSeconds now) {
  const Person* person = filter.kind == FeedFilter::Kind::person ? c.find_person(filter.ref) : nullptr;
  json::object subscription{{"id", id},
                            {"filter", filter.to_string()},
                            {"kind", filter.to_string().substr(0, filter.to_string().find(':'))},
                            {"ref", filter.ref.empty() ? json::value(nullptr) : json::value(filter.ref)},
                            {"name", feed_name(c, filter)},
                            {"feed_url", links.feed_url},
                            {"webcal_url", links.webcal_url},
                            {"created_by", created_by}};
  if (!links.page_url.empty()) subscription["page_url"] = links.page_url;
  json::object data{{"recipient", person ? json::value(person_json(*person)) : json::value(nullptr)},
                    {"subscription", std::move(subscription)}};
  const std::string key = message_key("subscription.created", "", 0, "subscription/" + std::to_string(id),
                                      person ? person->id : std::string());
  return rows_for_hooks(c, "subscription.created", key, "", person ? person->id : std::string(),
                        json::serialize(envelope(c, "subscription.created", now, std::move(data))), now);
}

std::vector<OutboxMessage> unit_move_messages(const Config& c, const Person& before, const Person& after,
                                              SysSeconds now, std::optional<LocalDays> on, const Config* after_config) {
  std::vector<OutboxMessage> out;
  if (before.unit == after.unit) return out;
  const Config& ac = after_config ? *after_config : c;
  const LocalDays today = on.value_or(date::floor<date::days>(to_local(now, c.organisation.zone)));
  auto unit = [&](const std::string& id) {
    const Unit* u = ac.find_unit(id);
    if (!u) u = c.find_unit(id);
    return id.empty() ? json::value(nullptr) : json::value(json::object{{"id", id}, {"name", u ? u->name : id}});
  };
  const Person* joins = leader_of(ac, after, today);
  const Person* leaves = leader_of(c, before, today);
  for (auto [leader, role] : {std::pair{joins, "new_leader"}, std::pair{leaves, "former_leader"}}) {
    if (!leader || leader->id == after.id || (role == std::string_view("former_leader") && leader == joins)) continue;
    json::object data{{"recipient", person_json(*leader)},
                      {"role", role},
                      {"person", person_json(after)},
                      {"from_unit", unit(before.unit)},
                      {"to_unit", unit(after.unit)},
                      {"on", format_date(today)},
                      {"new_leader", joins ? json::value(person_json(*joins)) : json::value(nullptr)}};
    // Once per move and recipient. An unchanged person is never stored again,
    // so the time tells apart a move there and back and there again in a day.
    const std::string key = message_key("person.moved", "", 0,
                                        "person/" + after.id + "|" + before.unit + ">" + after.unit + "|" +
                                            std::to_string(now.time_since_epoch().count()),
                                        leader->id);
    auto rows = rows_for_hooks(c, "person.moved", key, "", leader->id,
                               json::serialize(envelope(c, "person.moved", now, std::move(data))), now);
    out.insert(out.end(), std::make_move_iterator(rows.begin()), std::make_move_iterator(rows.end()));
  }
  return out;
}

std::string leader_start_key(std::string_view leader, std::string_view unit, LocalDays from) {
  return message_key("leader.started", "", 0,
                     "person/" + std::string(leader) + "|" + std::string(unit) + "|" + format_date(from), leader);
}

std::vector<OutboxMessage> leader_start_messages(const Config& c, const Person& leader, std::string_view unit,
                                                 LocalDays from, bool acting, const Person* former,
                                                 const std::vector<TaskState>& all_tasks, SysSeconds now) {
  const Unit* u = c.find_unit(unit);
  std::vector<const TaskState*> tasks;  // theirs, open
  for (const TaskState& t : all_tasks)
    if (!t.completed && !t.cancelled && t.task.assignee == leader.id) tasks.push_back(&t);
  json::array listed;
  for (const TaskState* t : tasks) {
    if (listed.size() == kMaxListedTasks) break;
    json::object task{{"id", t->id},      {"key", t->task.key}, {"activity", t->task.activity},
                      {"unit", t->task.unit}, {"due", iso_utc(t->task.due)}, {"kind", task_kind_name(t->task.kind)}};
    if (!t->task.subject.empty()) {
      const Person* subject = c.find_person(t->task.subject);
      task["subject"] = subject ? json::value(person_json(*subject)) : json::value(json::object{{"id", t->task.subject}});
    }
    listed.push_back(std::move(task));
  }
  json::object data{{"recipient", person_json(leader)},
                    {"unit", json::object{{"id", unit}, {"name", u ? u->name : std::string(unit)}}},
                    {"from", format_date(from)},
                    {"acting", acting},
                    {"former_leader", former && former->id != leader.id ? json::value(person_json(*former))
                                                                        : json::value(nullptr)},
                    {"open_tasks", tasks.size()},
                    {"tasks", std::move(listed)}};
  return rows_for_hooks(c, "leader.started", leader_start_key(leader.id, unit, from), "", leader.id,
                        json::serialize(envelope(c, "leader.started", now, std::move(data))), now);
}

std::vector<OutboxMessage> dated_leader_messages(const Config& before_config, const Config& after_config,
                                                 const Person& before, const Person& after, LocalDays on,
                                                 const std::vector<TaskState>& tasks, SysSeconds now) {
  std::vector<OutboxMessage> out;
  const RoleUnits led = role_units(before, Role::leader, on - date::days{1});
  for (std::string_view unit : role_units(after, Role::leader, on)) {
    if (std::find(led.begin(), led.end(), unit) != led.end()) continue;
    const bool acting = after.acting && after.acting->unit == unit && after.acting->from <= on && on <= after.acting->to;
    // A first day the change dates a little before its own day is the one
    // plan_leader_messages announces too: the same key, one message.
    const auto first = acting ? std::optional<LocalDays>(after.acting->from) : after.leader_start_date;
    const LocalDays from = first && *first <= on && *first > on - date::days{7} ? *first : on;
    const Person* former = pick_leader(before_config.leaders_in(unit), unit, from - date::days{1});
    auto rows = leader_start_messages(after_config, after, unit, from, acting, former, tasks, now);
    out.insert(out.end(), std::make_move_iterator(rows.begin()), std::make_move_iterator(rows.end()));
  }
  return out;
}

std::string mark_late(const std::string& payload) {
  json::value v = json::parse(payload);
  v.as_object()["data"].as_object()["late"] = true;
  return json::serialize(v);
}

}  // namespace arshjul
