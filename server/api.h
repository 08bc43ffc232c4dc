// The HR API under /api/v1: JSON over the daemon's HTTP server, bearer
// tokens with a role (`hr` may change things, `read` may only read), errors
// as application/problem+json (RFC 9457) naming the JSON pointer, CSV line
// or query parameter and what was expected. docs/api.yaml describes it.
//
// Every change is checked whole before anything is stored, then the wheel is
// rebuilt (registrations, tasks, messages) before the answer goes out. Each
// change appends an audit row (who, door, before/after, why) inside the
// change the writer runs.
#pragma once

#include <memory>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scheduler/engine.h"
#include "workflows/people.h"

namespace arshjul {

// Who makes a request: the audit trail's actor and door, and the role that
// is checked. The API finds it from the bearer token (the token's name); a
// page hands in its signed-in user, and then no token is asked for. This is
// the one seam that names actors: a signed-in person's name replaces the
// session's token name here.
struct Caller {
  std::string door = "api";  // "api", "page"
  std::string name;          // the actor, as the audit trail shows it
  std::string role;          // "hr" or "read"
};

// The actor of a bearer token: its name, else "token ID".
std::string token_actor(const ApiToken& token);

struct ApiRequest {
  std::string method;         // "GET", "PUT", ...
  std::string target;         // path and query, e.g. "/api/v1/tasks?status=open"
  std::string authorization;  // the Authorization header
  std::string content_type;
  std::string if_match;       // If-Match: a change goes ahead only on this version (412 otherwise)
  std::string if_none_match;  // If-None-Match: a GET of an unchanged resource answers 304
  std::string body;
  std::optional<Caller> caller;  // set by the pages only, never from the network
};

struct ApiResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// What the API and the pages need of the daemon: storage to read, its clock,
// the current snapshot, and the one writer. Implementations are thread-safe.
class ApiHost {
 public:
  // A change to storage with the snapshot current on the writer; returns
  // whether the wheel must be rebuilt.
  using Change = std::function<bool(Storage&, const std::shared_ptr<const Snapshot>&)>;

  virtual ~ApiHost() = default;
  virtual Storage& storage() = 0;  // for reads; every write goes through write()
  virtual const Clock& clock() = 0;
  virtual std::shared_ptr<const Snapshot> snapshot() = 0;
  // An active feed subscription by its token's hash, as the feeds see it.
  virtual std::optional<Subscription> subscription(const std::string& token_hash) = 0;
  // Runs `change` on the daemon's one writer, rebuilds the wheel if asked,
  // and returns once the rebuilt snapshot is current: that snapshot, which
  // a later writer's cannot be, so an answer shows this change. Rethrows
  // what the change or the rebuild threw.
  virtual std::shared_ptr<const Snapshot> write(const std::string& why, const Change& change) = 0;
  // write() for a change to these people's stored rows only, which the
  // rebuild may then redo in part (scheduler/engine.h, PeopleChange).
  virtual std::shared_ptr<const Snapshot> write_people(const std::string& why, const std::vector<std::string>& people,
                                                       const Change& change) {
    (void)people;
    return write(why, change);
  }
  // For what the operator must see and the client must not (internal errors).
  virtual void log(const std::string& line) = 0;
};

// Handles one request under /api/v1. Never throws: an internal error is
// logged through the host with an incident id and answered 500 with that id.
ApiResponse handle_api(ApiHost& host, const ApiRequest& request);

// A dead or dropped outbox message back to pending, through the one writer;
// the API's retry and the HR page's replay button both come here.
enum class RetryOutcome { retried, not_found, not_dead };
RetryOutcome retry_message(ApiHost& host, long long id, const Caller& who);

// Dead letters of `hook` ("": every hook) due on the organisation's local
// days from `from` to `to` (both included; open when absent) back to
// pending, through the one writer; returns how many. Naming a hook also
// lifts its gone mark (410): HR replaying it says the receiver is back. The
// API's bulk retry, the HR page's button and the CLI come here.
int retry_dead_letters(ApiHost& host, const std::string& hook, std::optional<LocalDays> from,
                       std::optional<LocalDays> to, const Caller& who);
// The same, on storage directly (the CLI, with no daemon), days in `zone`.
int retry_dead_letters(Storage& storage, const date::time_zone* zone, const std::string& hook,
                       std::optional<LocalDays> from, std::optional<LocalDays> to, SysSeconds now);

// An audit row of `who` at `now`; `before` and `after` are JSON text.
AuditEntry audit_entry(const Caller& who, SysSeconds now, std::string action, std::string target,
                       std::string before = "null", std::string after = "null", std::string reason = {});

// "Intern feil (hendelse 3f2a…)": logs the cause through the host with a
// fresh incident id and returns the id, for a 500 that tells nothing more.
std::string log_incident(ApiHost& host, std::string_view where, std::string_view cause);

// Requests whose body may be large: the roster import.
bool api_allows_large_body(std::string_view target);

// For such a request, from its header alone: the answer that refuses it
// (401 without a valid token, 403 for a read token, 404 for a bad target),
// or nothing when its body may be read. Never throws.
std::optional<ApiResponse> api_refuse_before_body(ApiHost& host, const ApiRequest& head);

}  // namespace arshjul
