// The web pages, in bokmål: the annual wheel at `/` with the month list
// behind it, a person's own year at `/me/TOKEN` with their subscribe links,
// "Mitt årshjul" at `/me` for whoever is signed in (their year, their feeds
// to make and revoke, a leader's open tasks), and HR's overview at `/hr`
// (registrations, task progress, dead letters with replay, the config
// check). Sign-in with OpenID Connect (`/login`, [sign_in]) or with an API
// token (`/hr/login`); sessions in storage, the cookie HttpOnly,
// SameSite=Lax (the provider's redirect back is cross-site), Secure behind
// https; every form carries the session's CSRF token and a post from
// another origin is refused.
//
// Server-rendered HTML with inline SVG and CSS; a little JavaScript shows a
// mark's details on hover and focus, and copies links. No build step.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/api.h"
#include "server/oidc.h"
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

// Who is signed in on this request, for the handlers (and the audit trail):
// a roster person (signed in with OpenID Connect), someone the provider
// vouched for who is not in the roster (`person` empty, `token_name`
// empty), or an API token (`token_name`). `role` is "hr", "read" (a read
// token) or "person".
struct SignedIn {
  std::string person;      // roster id, or ""
  std::string name;        // the person's (or provider's) name, or the token's name
  std::string token_name;  // for a token session
  std::string role;
  std::string csrf;        // this session's token for forms
  std::string id_hash;     // the session's key in storage
  bool hr() const { return role == "hr"; }
  // "Kari Nordmann (kari-nordmann)", "token hr-laptop": who did it, for logs and the audit trail.
  std::string actor() const {
    if (!token_name.empty()) return "token " + token_name;
    return person.empty() ? name : name + " (" + person + ")";
  }
};

// A field of an application/x-www-form-urlencoded body, percent-decoded
// with '+' as a space (what a browser's form sends); "" if absent.
std::string form_value(std::string_view body, std::string_view name);

// What the pages keep between requests besides storage: the OpenID Connect
// client (its discovery document and key cache) for the config's
// [sign_in], made on first use and again when that section changes.
// Sessions themselves live in storage (web_session), so a restart signs
// nobody out. Thread-safe.
class WebSessions {
 public:
  WebSessions() = default;
  // For tests: the provider is reached through `fetch` instead of the network.
  explicit WebSessions(HttpFetch fetch) : fetch_(std::move(fetch)) {}
  // nullptr when the config has no [sign_in]; an error when the client
  // secret cannot be read (the page says sign-in is not set up right).
  Expected<std::shared_ptr<OidcClient>> oidc(const std::optional<SignIn>& config) EXCLUDES(mu_);

 private:
  HttpFetch fetch_;
  Mutex mu_;
  std::string key_ GUARDED_BY(mu_);
  std::shared_ptr<OidcClient> client_ GUARDED_BY(mu_);
};

// Does this path belong to the pages (and not to feeds, API or health)?
bool is_web_path(std::string_view path);

// `config_dir` is re-checked for the HR page's config check.
WebResponse handle_web(ApiHost& host, WebSessions& sessions, const std::string& config_dir, const WebRequest& request);

}  // namespace arshjul
