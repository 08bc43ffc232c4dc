#include "scheduler/http_target.h"

#include <boost/url/parse.hpp>

namespace arshjul {

std::optional<HttpTarget> parse_http_target(std::string_view url) {
  auto u = boost::urls::parse_uri(url);
  if (!u) return std::nullopt;
  HttpTarget t;
  t.tls = u->scheme() == "https";
  const std::string authority_host = u->host();
  const bool bracketed = authority_host.size() > 2 && authority_host.front() == '[';
  t.host = bracketed ? authority_host.substr(1, authority_host.size() - 2) : authority_host;
  t.port = u->has_port() ? std::string(u->port()) : std::string(t.tls ? "443" : "80");
  t.host_header = std::string(u->encoded_host_and_port());
  const auto target = u->encoded_target();
  // "https://host?x=1" has a query but no path: the request target still starts with '/'.
  t.path = !target.empty() && target.front() == '/' ? std::string(target) : "/" + std::string(target);
  return t;
}

}  // namespace arshjul
