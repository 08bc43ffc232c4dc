// HR's self-service pages, in bokmål: calendar feeds for a person, role,
// unit or wheel (create, list, revoke), API tokens (list, revoke), meetings
// (move, cancel, add, each with a reason) and the audit trail.
//
// Every change goes through the HR API's own handler (handle_api with the
// page's Caller), so the pages and the API share one set of rules, one
// writer and one audit trail; a refusal shows the API's problems in words.
// The caller (web.cpp) has already checked the session, the CSRF token and
// the hr role of every POST; it wraps the body in the site's frame.
//
// Thread-safety: as handle_api (call from a worker, never an io thread).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "server/api.h"

namespace arshjul {

struct HrPageRequest {
  std::string method;                         // "GET" or "POST"
  std::string path;                           // "/hr/feeds", "/hr/feeds/12/revoke", ...
  std::map<std::string, std::string> query;   // the URL's query
  std::string form;                           // a POST's application/x-www-form-urlencoded body
  Caller caller;                              // who is signed in (door "page")
  std::string csrf;                           // the session's form token; "" for a read-only session
};

struct HrPage {
  unsigned status = 200;
  std::string title;
  std::string body;      // HTML inside <main>
  std::string redirect;  // set: answer 303 to it instead
};

// nullopt when `path` is none of these pages.
std::optional<HrPage> handle_hr_page(ApiHost& host, const HrPageRequest& request);

// The links to these pages, for the HR overview.
std::string hr_pages_nav();

}  // namespace arshjul
