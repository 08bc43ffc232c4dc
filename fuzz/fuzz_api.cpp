// Feeds the HR API (handle_api) requests made of the input, over a fresh
// real SQLite database per input: up to four requests, separated by a line
// "===". Each is "METHOD TARGET" on its first line, then the body (JSON, or
// CSV for the import); the first word of the request line may be "read" or
// "anon" to use the read token or none, else the hr token is sent.
// It must never crash, hang, throw or answer 500 (an internal error is a
// bug: bad input gets a 4xx naming what was wrong), and every answer
// outside 2xx/3xx is a problem document.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz/fuzz_host.h"

using namespace arshjul;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::FuzzHost host;
  static const bool verbose = std::getenv("ARSHJUL_FUZZ_VERBOSE") != nullptr;  // to see what a seed reaches
  if (size > 16 * 1024) return -1;  // the daemon's own body limit is 64 KiB; keep runs fast
  host.reset();
  for (const auto& text : fuzz::split({reinterpret_cast<const char*>(data), size}, "\n===\n", 4)) {
    const auto eol = text.find('\n');
    std::string line = text.substr(0, eol);
    ApiRequest r;
    std::string token = fuzz::kHrToken;
    if (line.rfind("read ", 0) == 0) token = fuzz::kReadToken, line.erase(0, 5);
    else if (line.rfind("anon ", 0) == 0) token.clear(), line.erase(0, 5);
    const auto space = line.find(' ');
    if (space == std::string::npos) continue;
    r.method = line.substr(0, space);
    r.target = line.substr(space + 1);
    if (r.target.rfind("/api/v1", 0) != 0) r.target = "/api/v1/" + r.target;  // the server routes only these here
    if (!token.empty()) r.authorization = "Bearer " + token;
    if (eol != std::string::npos) {
      r.body = text.substr(eol + 1);
      r.content_type = r.target.find("/import") != std::string::npos ? "text/csv" : "application/json";
    }
    const ApiResponse res = handle_api(host, r);
    if (verbose) std::fprintf(stderr, "%s %s -> %u %s\n", r.method.c_str(), r.target.c_str(), res.status, res.body.substr(0, 160).c_str());
    FUZZ_CHECK(res.status != 500, r.method + " " + r.target + ": " + host.logged());
    FUZZ_CHECK(res.status >= 200 && res.status < 600, std::to_string(res.status));
    if (res.status >= 400) FUZZ_CHECK(res.content_type == "application/problem+json", r.method + " " + r.target + " " + res.content_type);
  }
  return 0;
}
