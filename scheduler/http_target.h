// An http or https URL taken apart for the daemon's own HTTP clients (the
// webhook dispatcher and the political-calendar fetcher), so both connect,
// verify and name the host the same way.
//
// Pure; safe from any thread. Throws nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace arshjul {

struct HttpTarget {
  bool tls = false;          // https
  std::string host;          // to resolve, and the name the certificate must carry: an IPv6 address unbracketed
  std::string port;          // the URL's port, else 443 or 80
  std::string path;          // the request target (path and query); "/" when the URL has none
  std::string host_header;   // the URL's authority as the Host header carries it: brackets and any port kept
};

// The parts of `url`, or nothing when it is not a URI (RFC 3986). The scheme
// is assumed checked by the config (http or https).
std::optional<HttpTarget> parse_http_target(std::string_view url);

}  // namespace arshjul
