// The HR API under /api/v1: JSON over the daemon's HTTP server, bearer
// tokens with a role (`hr` may change things, `read` may only read), errors
// as application/problem+json (RFC 9457) naming the JSON pointer, CSV line
// or query parameter and what was expected. docs/api.yaml describes it.
//
// Every change is checked whole before anything is stored, then the wheel is
// rebuilt (registrations, tasks, messages) before the answer goes out.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "scheduler/engine.h"
#include "workflows/people.h"

namespace arshjul {

struct ApiRequest {
  std::string method;         // "GET", "PUT", ...
  std::string target;         // path and query, e.g. "/api/v1/tasks?status=open"
  std::string authorization;  // the Authorization header
  std::string content_type;
  std::string body;
};

struct ApiResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// What the API needs of the daemon: its storage and clock, the current
// snapshot, and the one writer's lock and rebuild after a change.
class ApiHost {
 public:
  virtual ~ApiHost() = default;
  virtual Storage& storage() = 0;
  virtual const Clock& clock() = 0;
  virtual std::shared_ptr<const Snapshot> snapshot() = 0;
  // An active feed subscription by its token's hash, as the feeds see it.
  virtual std::optional<Subscription> subscription(const std::string& token_hash) = 0;
  virtual std::unique_lock<std::mutex> writer() = 0;
  // Rebuilds the snapshot from storage (the caller holds the writer lock).
  virtual void rebuild(const std::string& why) = 0;
};

ApiResponse handle_api(ApiHost& host, const ApiRequest& request);

// Requests whose body may be large: the roster import.
bool api_allows_large_body(std::string_view target);

}  // namespace arshjul
