// The web pages, in bokmål: the annual wheel at `/` with the month list
// behind it, a person's own year at `/me/TOKEN` with their subscribe links,
// and HR's overview at `/hr` (registrations, task progress, dead letters
// with replay, the config check), signed in with an API token kept in a
// session cookie.
//
// Server-rendered HTML with inline SVG and CSS; a little JavaScript shows a
// mark's details on hover and focus, and copies links. No build step.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "server/api.h"
#include "threads/mutex.h"

namespace arshjul {

struct WebRequest {
  std::string method;
  std::string target;
  std::string cookie;        // the Cookie header
  std::string origin;        // the Origin header, if any
  std::string host;          // the Host header
  std::string content_type;
  std::string body;
};

struct WebResponse {
  unsigned status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// HR's signed-in sessions, in memory: a restart signs everyone out, which
// is the safe failure. Each has its own CSRF token for the forms.
class WebSessions {
 public:
  struct Session {
    std::string token_hash;  // the API token it was opened with, re-checked on every request
    std::string role;
    std::string csrf;
    SysSeconds expires{};
  };
  // Thread-safe.
  std::string open(Session s) EXCLUDES(mu_);  // returns the session id for the cookie
  std::optional<Session> find(const std::string& id, SysSeconds now) EXCLUDES(mu_);
  void close(const std::string& id) EXCLUDES(mu_);

 private:
  Mutex mu_;
  std::map<std::string, Session> sessions_ GUARDED_BY(mu_);
};

// Does this path belong to the pages (and not to feeds, API or health)?
bool is_web_path(std::string_view path);

// `config_dir` is re-checked for the HR page's config check.
WebResponse handle_web(ApiHost& host, WebSessions& sessions, const std::string& config_dir, const WebRequest& request);

}  // namespace arshjul
