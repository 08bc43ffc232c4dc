// Feeds raw bytes to the daemon's HTTP request path: Beast's request parser
// with the daemon's limits (ServerOptions: 16 KiB header, 64 KiB body, 64 MiB
// for the roster import when the token may import), then, for a request
// that parses, the routing of Session::handle in server/server.cpp (URL
// length, /api/v1 to handle_api, the pages to handle_web) over a fresh real
// SQLite database. The tokens "fuzz-hr-token" and "fuzz-read-token" exist.
// It must never crash, hang, throw or answer 500.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "fuzz/fuzz_host.h"
#include "server/server.h"
#include "server/web.h"

using namespace arshjul;
namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::FuzzHost host;
  static WebSessions sessions;
  static const ServerOptions options;
  static const bool verbose = std::getenv("ARSHJUL_FUZZ_VERBOSE") != nullptr;  // to see what a seed reaches

  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(options.max_header));
  parser.body_limit(options.max_import_body);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  // Session::read reads the header first, then sets the route's body limit.
  while (!ec && used < size && !parser.is_header_done())
    used += parser.put(boost::asio::buffer(data + used, size - used), ec);
  if (ec || !parser.is_header_done()) return 0;
  if (!api_allows_large_body(parser.get().target())) {
    if (parser.content_length() && *parser.content_length() > options.max_body) return 0;  // 413
    parser.body_limit(options.max_body);
  }
  while (!ec && used < size && !parser.is_done())
    used += parser.put(boost::asio::buffer(data + used, size - used), ec);
  if (!ec && !parser.is_done() && used == size) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;  // 400, 413 or 431; the connection closes

  auto& req = parser.get();
  const std::string_view target = req.target();
  if (target.size() > options.max_target) return 0;  // 414
  const std::string_view path = target.substr(0, target.find('?'));
  const std::string line = std::string(req.method_string()) + " " + std::string(target.substr(0, 200));
  if (path == "/api/v1" || path.rfind("/api/v1/", 0) == 0) {
    host.reset();
    ApiRequest ar;
    ar.method = std::string(req.method_string());
    ar.target = std::string(target);
    ar.authorization = std::string(req[http::field::authorization]);
    ar.content_type = std::string(req[http::field::content_type]);
    ar.body = req.body();
    if (api_allows_large_body(ar.target) && api_refuse_before_body(host, ar)) return 0;
    const ApiResponse res = handle_api(host, ar);
    if (verbose) std::fprintf(stderr, "%s -> %u\n", line.c_str(), res.status);
    FUZZ_CHECK(res.status != 500, line + ": " + host.logged());
  } else if (is_web_path(path)) {
    host.reset();
    WebRequest wr;
    wr.method = std::string(req.method_string());
    wr.target = std::string(target);
    wr.cookie = std::string(req[http::field::cookie]);
    wr.origin = std::string(req[http::field::origin]);
    wr.host = std::string(req[http::field::host]);
    wr.content_type = std::string(req[http::field::content_type]);
    wr.body = req.body();
    const WebResponse res = handle_web(host, sessions, std::string(ARSHJUL_SOURCE_DIR) + "/tests/fixtures/mini", wr);
    if (verbose) std::fprintf(stderr, "%s -> %u\n", line.c_str(), res.status);
    FUZZ_CHECK(res.status != 500, line + ": " + host.logged());
  }
  return 0;
}
