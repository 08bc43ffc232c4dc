// How the daemon's HTTP clients read a webhook's or the møteplan's URL.
#include <catch2/catch.hpp>

#include "scheduler/http_target.h"

using namespace arshjul;

TEST_CASE("An https URL without a port connects to 443 and sends its path and query") {
  const auto t = parse_http_target("https://hooks.roros.kommune.no/arshjul?kilde=hjul");
  REQUIRE(t);
  CHECK(t->tls);
  CHECK(t->host == "hooks.roros.kommune.no");
  CHECK(t->port == "443");
  CHECK(t->path == "/arshjul?kilde=hjul");
  CHECK(t->host_header == "hooks.roros.kommune.no");
}

TEST_CASE("A URL with a port names it in the Host header, and an http URL without one connects to 80") {
  const auto with_port = parse_http_target("http://127.0.0.1:8081");
  REQUIRE(with_port);
  CHECK_FALSE(with_port->tls);
  CHECK(with_port->port == "8081");
  CHECK(with_port->path == "/");
  CHECK(with_port->host_header == "127.0.0.1:8081");
  const auto without = parse_http_target("http://kalender.example/moter.ics");
  REQUIRE(without);
  CHECK(without->port == "80");
  CHECK(without->host_header == "kalender.example");
}

TEST_CASE("An IPv6 address is resolved without its brackets but keeps them in the Host header") {
  const auto t = parse_http_target("https://[::1]:8443/hook");
  REQUIRE(t);
  CHECK(t->host == "::1");
  CHECK(t->host_header == "[::1]:8443");
}

TEST_CASE("Text that is not a URI is refused") {
  CHECK_FALSE(parse_http_target("not a url"));
  CHECK_FALSE(parse_http_target(""));
}

TEST_CASE("A URL with a query and no path still sends a request target that starts with a slash") {
  const auto t = parse_http_target("https://hooks.example?token=abc");
  REQUIRE(t);
  CHECK(t->path == "/?token=abc");
  CHECK(t->host_header == "hooks.example");
}
