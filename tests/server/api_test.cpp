// The HR API (server/api.h) as docs/api.yaml describes it, over a host with a
// real SQLite file and the one writer every change must go through.
#include <catch2/catch.hpp>

#include <stdexcept>

#include <boost/json.hpp>
#include <sqlite3.h>

#include "scheduler/tokens.h"
#include "server/api.h"
#include "tests/fixtures.h"
#include "tests/server/fake_host.h"
#include "workflows/text.h"

using namespace arshjul;
namespace json = boost::json;

namespace {

using Host = test::FakeHost;

// A token of `role` stored in the host's database, as `arshjul token create` makes one.
std::string add_token(Host& h, const std::string& role) {
  const std::string token = new_token();
  h.storage().add_api_token(token_hash(token), role, role + "-test", h.clock().now());
  return token;
}

ApiResponse call(ApiHost& h, const std::string& method, const std::string& target, const std::string& token,
                 const std::string& body = "", const std::string& content_type = "application/json") {
  ApiRequest r;
  r.method = method;
  r.target = target;
  r.authorization = token.empty() ? "" : "Bearer " + token;
  if (!body.empty()) {
    r.body = body;
    r.content_type = content_type;
  }
  return handle_api(h, r);
}

std::string header(const ApiResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

json::object body_of(const ApiResponse& r) {
  INFO(r.body);
  json::value v = json::parse(r.body);
  REQUIRE(v.is_object());
  return v.as_object();
}

// An RFC 9457 problem document with this status; returns it for a closer look.
json::object problem_of(const ApiResponse& r, unsigned status) {
  INFO(r.body);
  REQUIRE(r.status == status);
  CHECK(r.content_type == "application/problem+json");
  json::object p = body_of(r);
  REQUIRE(p.contains("type"));
  CHECK(str(p.at("type")) == "about:blank");
  CHECK(p.contains("title"));
  CHECK(p.contains("detail"));
  REQUIRE(p.contains("status"));
  CHECK(p.at("status").to_number<unsigned>() == status);
  return p;
}

// The body's errors[] as "where: detail" lines, where is the pointer or parameter.
std::vector<std::string> errors_of(const json::object& p) {
  std::vector<std::string> out;
  if (!p.contains("errors")) return out;
  for (const auto& e : p.at("errors").as_array()) {
    const auto& o = e.as_object();
    const std::string where = o.contains("pointer") ? str(o.at("pointer")) : str(o.at("parameter"));
    out.push_back(where + ": " + str(o.at("detail")));
  }
  return out;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

bool has_error_at(const json::object& p, const std::string& pointer) {
  for (const auto& e : errors_of(p))
    if (e.rfind(pointer + ": ", 0) == 0) return true;
  return false;
}

// The first live occurrence of `activity` still ahead of the host's clock.
std::string next_uid(Host& h, const std::string& activity) {
  for (const Occurrence& o : h.snapshot()->expansion.occurrences)
    if (o.activity->id == activity && o.start > h.clock().now()) return o.uid;
  FAIL("no occurrence of " << activity << " ahead");
  return {};
}

// The mini organisation as a reload would bring it after HR took `activity` out of its wheel.
Config mini_without(const std::string& activity) {
  Config c = test::mini();
  for (Wheel& w : c.wheels)
    std::erase_if(w.activities, [&](const Activity& a) { return a.id == activity; });
  return c;
}

// Runs one statement on the host's database over a connection of its own, as the CLI would.
void sql(Host& h, const std::string& statement) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(h.path().c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &error);
  INFO((error ? error : ""));
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

// A host whose writer fails with a cause the client must never see.
class FailingHost final : public ApiHost {
 public:
  Storage& storage() override { return inner.storage(); }
  const Clock& clock() override { return inner.clock(); }
  std::shared_ptr<const Snapshot> snapshot() override { return inner.snapshot(); }
  std::optional<Subscription> subscription(const std::string& hash) override { return inner.subscription(hash); }
  std::shared_ptr<const Snapshot> write(const std::string&, const Change&) override {
    throw std::runtime_error("secret detail: /var/lib/arshjul/arshjul.db is locked by pid 4242");
  }
  void log(const std::string& line) override { logged.push_back(line); }

  Host inner;
  std::vector<std::string> logged;
};

const char* kEli = R"({"name": "Eli Hagen", "email": "eli.hagen@mini.kommune.no", "unit": "skole", "roles": ["employee"]})";

}  // namespace

// ---- routing -------------------------------------------------------------------------------

TEST_CASE("an unknown path under /api/v1 is a 404 problem naming the path") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto p = problem_of(call(h, "GET", "/api/v1/no-such-thing?x=1", hr), 404);
  CHECK_THAT(str(p.at("detail")), Catch::Contains("/api/v1/no-such-thing"));
  CHECK_THAT(str(p.at("detail")), !Catch::Contains("x=1"));
  problem_of(call(h, "GET", "/api/v2/people", hr), 404);
  problem_of(call(h, "GET", "/api/v1/people/ola/extra", hr), 404);
}

TEST_CASE("a method a path does not have is a 405 whose Allow header lists those it has, HEAD with GET") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto r = call(h, "POST", "/api/v1/people/ola", hr, "{}");
  const auto p = problem_of(r, 405);
  CHECK(header(r, "Allow") == "GET, HEAD, PUT, PATCH, DELETE");
  CHECK_THAT(str(p.at("detail")), Catch::Contains("POST is not allowed here"));
  const auto import = call(h, "GET", "/api/v1/people/import", hr);
  problem_of(import, 405);
  CHECK(header(import, "Allow") == "POST");
  CHECK(header(call(h, "DELETE", "/api/v1/tasks", hr), "Allow") == "GET, HEAD");
  CHECK(h.writes.empty());
}

TEST_CASE("a read token asking a path for a method it lacks gets 405, not 403") {
  // docs/api.yaml's MethodNotAllowed: "whatever the token's role" (its introduction says 403).
  Host h;
  const auto read = add_token(h, "read");
  const auto r = call(h, "PATCH", "/api/v1/occurrences", read, "{}");
  problem_of(r, 405);
  CHECK(header(r, "Allow") == "GET, HEAD, POST");
}

TEST_CASE("HEAD answers wherever GET does, with GET's status and content type") {
  Host h;
  const auto read = add_token(h, "read");
  for (const char* target : {"/api/v1", "/api/v1/people", "/api/v1/people/ola", "/api/v1/occurrences", "/api/v1/tasks",
                             "/api/v1/registrations", "/api/v1/outbox"}) {
    INFO(target);
    const auto get = call(h, "GET", target, read);
    const auto head = call(h, "HEAD", target, read);
    CHECK(get.status == 200);
    CHECK(head.status == get.status);
    CHECK(head.content_type == get.content_type);
  }
  problem_of(call(h, "HEAD", "/api/v1/people/nobody", read), 404);
  CHECK(header(call(h, "HEAD", "/api/v1/people/import", read), "Allow") == "POST");
}

TEST_CASE("a trailing slash names the same resource") {
  Host h;
  const auto read = add_token(h, "read");
  CHECK(call(h, "GET", "/api/v1/people/", read).body == call(h, "GET", "/api/v1/people", read).body);
  CHECK(call(h, "GET", "/api/v1/", read).status == 200);
  CHECK(str(body_of(call(h, "GET", "/api/v1/people/ola/", read)).at("id")) == "ola");
}

TEST_CASE("path segments are percent-decoded, so an occurrence UID's @ may come as %40") {
  Host h;
  const auto read = add_token(h, "read");
  const std::string uid = next_uid(h, "drofting");
  const auto at = uid.find('@');
  REQUIRE(at != std::string::npos);
  const auto r = call(h, "GET", "/api/v1/occurrences/" + uid.substr(0, at) + "%40" + uid.substr(at + 1), read);
  REQUIRE(r.status == 200);
  CHECK(str(body_of(r).at("uid")) == uid);
  CHECK(str(body_of(call(h, "GET", "/api/v1/people/%6Fla", read)).at("id")) == "ola");
}

TEST_CASE("the index names the organisation and the token's role") {
  Host h;
  const auto read = add_token(h, "read");
  const auto b = body_of(call(h, "GET", "/api/v1", read));
  CHECK(str(b.at("organisation")) == "mini");
  CHECK(str(b.at("role")) == "read");
}

// ---- auth ----------------------------------------------------------------------------------

TEST_CASE("a request without Authorization is a 401 with WWW-Authenticate, even on an unknown path") {
  Host h;
  for (const char* target : {"/api/v1/people", "/api/v1/no-such-thing"}) {
    const auto r = call(h, "GET", target, "");
    problem_of(r, 401);
    CHECK(header(r, "WWW-Authenticate") == "Bearer realm=\"arshjul\"");
  }
}

TEST_CASE("an Authorization that is not a bearer token is a 401") {
  Host h;
  const auto hr = add_token(h, "hr");
  ApiRequest r;
  r.method = "GET";
  r.target = "/api/v1/people";
  r.authorization = "Basic " + hr;
  const auto a = handle_api(h, r);
  problem_of(a, 401);
  CHECK(header(a, "WWW-Authenticate") == "Bearer realm=\"arshjul\"");
  r.authorization = "Bearer";
  problem_of(handle_api(h, r), 401);
}

TEST_CASE("a wrong or unknown token is a 401") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto wrong = call(h, "GET", "/api/v1/people", hr + "x");
  problem_of(wrong, 401);
  CHECK(header(wrong, "WWW-Authenticate") == "Bearer realm=\"arshjul\"");
  problem_of(call(h, "GET", "/api/v1/people", new_token()), 401);
}

TEST_CASE("a revoked token is a 401 and changes nothing") {
  Host h;
  const auto hr = add_token(h, "hr");
  REQUIRE(call(h, "GET", "/api/v1/people", hr).status == 200);
  sql(h, "UPDATE api_token SET revoked_utc = 1 WHERE token_hash = '" + token_hash(hr) + "'");
  problem_of(call(h, "GET", "/api/v1/people", hr), 401);
  problem_of(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli), 401);
  CHECK(h.writes.empty());
  CHECK(h.storage().people().empty());
}

TEST_CASE("a read token is refused a change with 403 and nothing is stored") {
  Host h;
  const auto read = add_token(h, "read");
  const std::string uid = next_uid(h, "drofting");
  problem_of(call(h, "PUT", "/api/v1/people/eli-hagen", read, kEli), 403);
  problem_of(call(h, "DELETE", "/api/v1/people/ola", read), 403);
  problem_of(call(h, "POST", "/api/v1/people/import", read, "id,name,unit\n", "text/csv"), 403);
  problem_of(call(h, "POST", "/api/v1/occurrences", read,
                  R"({"activity": "drofting", "start": "2027-03-10T10:00", "reason": "x"})"),
             403);
  problem_of(call(h, "POST", "/api/v1/occurrences/" + uid + "/cancel", read, R"({"reason": "x"})"), 403);
  problem_of(call(h, "POST", "/api/v1/tasks/1/complete", read), 403);
  problem_of(call(h, "POST", "/api/v1/outbox/1/retry", read), 403);
  CHECK(h.writes.empty());
  CHECK(h.storage().people().empty());
  CHECK(h.storage().overrides().empty());
}

// ---- problem bodies --------------------------------------------------------------------------

TEST_CASE("malformed JSON is a 400 naming the line and column where it breaks") {
  Host h;
  const auto hr = add_token(h, "hr");
  const std::string body = "{\n  \"name\": \"Eli Hagen\",\n  \"unit\" \"skole\"\n}";
  const auto p = problem_of(call(h, "PUT", "/api/v1/people/eli-hagen", hr, body), 400);
  CHECK(str(p.at("title")) == "Malformed JSON");
  CHECK_THAT(str(p.at("detail")), Catch::Contains("line 3, column 10"));
  const auto cut = problem_of(call(h, "PUT", "/api/v1/people/eli-hagen", hr, R"({"name": "Eli")"), 400);
  CHECK_THAT(str(cut.at("detail")), Catch::Contains("line 1, column 15"));
  CHECK(h.writes.empty());
}

TEST_CASE("a name with a control character is a 422 at /name, and nothing is stored") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto p = problem_of(call(h, "PUT", "/api/v1/people/eli-hagen", hr,
                                 R"({"name": "Eli\u0007Hagen", "unit": "skole", "roles": ["employee"],
                                     "email": "eli\u0000@mini.kommune.no"})"),
                            422);
  INFO(join(errors_of(p)));
  CHECK_THAT(errors_of(p), Catch::VectorContains(std::string(
                               "/name: expected text without control characters (a line break is allowed), got U+0007 "
                               "at character 4")));
  CHECK(has_error_at(p, "/email"));
  CHECK(errors_of(p).size() == 2);
  CHECK(h.writes.empty());
  CHECK(h.storage().people().empty());
}

TEST_CASE("a body that is not UTF-8 is a 400, as Boost.JSON refuses it") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto p = problem_of(
      call(h, "PUT", "/api/v1/people/eli-hagen", hr, "{\"name\": \"Eli \xE6 Hagen\", \"unit\": \"skole\"}"), 400);
  CHECK(str(p.at("title")) == "Malformed JSON");
  CHECK(h.writes.empty());
}

TEST_CASE("a body that is JSON but not an object is a 422 at the empty pointer") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto p = problem_of(call(h, "PUT", "/api/v1/people/eli-hagen", hr, "[1, 2]"), 422);
  CHECK(has_error_at(p, ""));
  CHECK_THAT(str(p.at("detail")), Catch::Contains("an array"));
}

TEST_CASE("a body that is not JSON by its content type is a 415, and the import wants CSV") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto p = problem_of(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli, "text/plain"), 415);
  CHECK_THAT(str(p.at("detail")), Catch::Contains("application/json"));
  const auto csv = problem_of(call(h, "POST", "/api/v1/people/import", hr, "id,name,unit\n", "application/json"), 415);
  CHECK_THAT(str(csv.at("detail")), Catch::Contains("text/csv"));
  CHECK(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli, "application/json; charset=utf-8").status == 201);
}

TEST_CASE("an unknown member is a 422 at its own pointer, with the member it was likely meant to be") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto p = problem_of(
      call(h, "PUT", "/api/v1/people/eli-hagen", hr, R"({"name": "Eli Hagen", "unit": "skole", "emial": "e@x.no"})"),
      422);
  REQUIRE(errors_of(p).size() == 1);
  CHECK(errors_of(p)[0] == R"(/emial: unknown member "emial" (did you mean "email"?))");
  CHECK(str(p.at("detail")) == R"(unknown member "emial" (did you mean "email"?))");
  const auto extra = problem_of(call(h, "POST", "/api/v1/occurrences", hr,
                                     R"({"activity": "drofting", "strat": "2027-03-10T10:00", "reason": "x"})"),
                                422);
  CHECK_THAT(errors_of(extra),
             Catch::VectorContains(std::string(R"(/strat: unknown member "strat" (did you mean "start"?))")));
  CHECK(h.writes.empty());
}

TEST_CASE("a member's name with ~ or / is escaped in its pointer as RFC 6901 says") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto p = problem_of(call(h, "PUT", "/api/v1/people/eli-hagen", hr,
                                 R"({"name": "Eli Hagen", "unit": "skole", "a/b~c": 1, "~1": 2})"),
                            422);
  CHECK(has_error_at(p, "/a~1b~0c"));
  CHECK(has_error_at(p, "/~01"));
  CHECK(errors_of(p).size() == 2);
}

TEST_CASE("every problem in a body is reported at once, each at its pointer") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto p = problem_of(call(h, "PUT", "/api/v1/people/eli-hagen", hr,
                                 R"({"id": "someone-else", "unit": "skule", "roles": ["employe", 3],
                                     "start_date": "2027-02-30", "committees": "amu"})"),
                            422);
  INFO(join(errors_of(p)));
  CHECK(has_error_at(p, "/id"));
  CHECK(has_error_at(p, "/name"));
  CHECK(has_error_at(p, "/roles/0"));
  CHECK(has_error_at(p, "/roles/1"));
  CHECK(has_error_at(p, "/start_date"));
  CHECK(has_error_at(p, "/committees"));
  CHECK(has_error_at(p, "/unit"));
  CHECK(str(p.at("detail")) == std::to_string(errors_of(p).size()) + " problems in the request body");
  CHECK(h.writes.empty());
  CHECK(h.storage().people().empty());
}

TEST_CASE("a bad query parameter is a 400 naming the parameter") {
  Host h;
  const auto read = add_token(h, "read");
  struct Case {
    const char* target;
    const char* parameter;
  };
  for (auto [target, parameter] : {Case{"/api/v1/tasks?status=closed", "status"},
                                   Case{"/api/v1/people?colour=red", "colour"},
                                   Case{"/api/v1/people?limit=-1", "limit"},
                                   Case{"/api/v1/people?unit=skule", "unit"},
                                   Case{"/api/v1/occurrences?from=2027-13-01", "from"},
                                   Case{"/api/v1/occurrences?from=2027-05-01&to=2027-04-01", "to"},
                                   Case{"/api/v1/occurrences?include_cancelled=maybe", "include_cancelled"},
                                   Case{"/api/v1/outbox?limit=ten", "limit"},
                                   Case{"/api/v1/progress", "activity"}}) {
    INFO(target);
    const auto p = problem_of(call(h, "GET", target, read), 400);
    CHECK(str(p.at("title")) == "Bad query parameter");
    REQUIRE(p.at("errors").as_array().size() == 1);
    CHECK(str(p.at("errors").as_array()[0].at("parameter")) == parameter);
    CHECK_THAT(str(p.at("detail")), Catch::StartsWith(std::string(parameter) + ": "));
  }
}

// ---- writes through the one writer ------------------------------------------------------------

TEST_CASE("PUT of a new person stores them through one write and answers 201 with the person") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto r = call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli);
  REQUIRE(r.status == 201);
  CHECK(r.content_type == "application/json");
  const auto b = body_of(r);
  CHECK(str(b.at("id")) == "eli-hagen");
  CHECK(str(b.at("name")) == "Eli Hagen");
  CHECK(str(b.at("unit")) == "skole");
  CHECK(h.writes == std::vector<std::string>{"person eli-hagen stored"});
  REQUIRE(h.storage().people().size() == 1);
  CHECK(h.storage().people()[0].person.email == "eli.hagen@mini.kommune.no");
  CHECK(h.snapshot()->config.find_person("eli-hagen"));
  CHECK(call(h, "GET", "/api/v1/people/eli-hagen", hr).status == 200);
}

TEST_CASE("PUT of a person already on the roster replaces them and answers 200") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto r = call(h, "PUT", "/api/v1/people/ola", hr,
                      R"({"name": "Ola Nordmann", "unit": "kommunen", "roles": ["leader"], "email": "ola@mini.kommune.no"})");
  REQUIRE(r.status == 200);
  CHECK(str(body_of(r).at("email")) == "ola@mini.kommune.no");
  CHECK(h.writes.size() == 1);
  CHECK(h.snapshot()->config.find_person("ola")->email == "ola@mini.kommune.no");
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 201);
  CHECK(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 200);
  CHECK(h.writes.size() == 3);
}

TEST_CASE("a dated committee seat is stored through PUT and comes back as it was sent") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto r = call(h, "PUT", "/api/v1/people/eli-hagen", hr,
                      R"({"name": "Eli Hagen", "unit": "skole", "roles": ["employee"],
                          "committees": ["amu", {"id": "amu", "from": "2028-01-01", "to": null}]})");
  REQUIRE(r.status == 201);
  const json::value expected = json::parse(R"(["amu", {"id": "amu", "from": "2028-01-01", "to": null}])");
  CHECK(body_of(r).at("committees") == expected);
  CHECK(body_of(call(h, "GET", "/api/v1/people/eli-hagen", hr)).at("committees") == expected);
  const auto& seats = h.snapshot()->config.find_person("eli-hagen")->committees;
  REQUIRE(seats.size() == 2);
  CHECK(seats[1].from == LocalDays{date::year{2028} / 1 / 1});
  CHECK_FALSE(seats[1].to);
}

TEST_CASE("a committee seat with a bad date, an unknown member or its end before its start is refused at its pointer") {
  Host h;
  const auto hr = add_token(h, "hr");
  auto p = problem_of(call(h, "PUT", "/api/v1/people/eli-hagen", hr,
                           R"({"name": "Eli Hagen", "unit": "skole",
                               "committees": [{"id": "amu", "from": "2027-02-30"}, {"id": "amu", "until": "x"}, 7, {"from": null}]})"),
                      422);
  INFO(join(errors_of(p)));
  CHECK(has_error_at(p, "/committees/0/from"));
  CHECK(has_error_at(p, "/committees/1/until"));
  CHECK(has_error_at(p, "/committees/2"));
  CHECK(has_error_at(p, "/committees/3/id"));
  CHECK(errors_of(p).size() == 4);
  p = problem_of(call(h, "PUT", "/api/v1/people/eli-hagen", hr,
                      R"({"name": "Eli Hagen", "unit": "skole",
                          "committees": ["amu", {"id": "amu", "from": "2028-01-01", "to": "2027-12-31"}]})"),
                 422);
  INFO(join(errors_of(p)));
  CHECK(has_error_at(p, "/committees/1/to"));
  CHECK(errors_of(p).size() == 1);
  CHECK(h.storage().people().empty());
}

TEST_CASE("DELETE of a person answers 204 with no body, and they are gone") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto r = call(h, "DELETE", "/api/v1/people/kari", hr);
  CHECK(r.status == 204);
  CHECK(r.body.empty());
  CHECK(h.writes == std::vector<std::string>{"person kari removed"});
  problem_of(call(h, "GET", "/api/v1/people/kari", hr), 404);
}

TEST_CASE("A second DELETE of a person answers 204 again and stores nothing, while an id never stored is a 404") {
  Host h;
  const auto hr = add_token(h, "hr");
  REQUIRE(call(h, "DELETE", "/api/v1/people/kari", hr).status == 204);
  const auto audited = h.storage().audit({}).size();
  const auto again = call(h, "DELETE", "/api/v1/people/kari", hr);
  CHECK(again.status == 204);
  CHECK(again.body.empty());
  CHECK(h.storage().audit({}).size() == audited);
  problem_of(call(h, "DELETE", "/api/v1/people/ingen-slik", hr), 404);
}

TEST_CASE("an import of 200,000 bad rows lists the first 100 problems and counts them all") {
  Host h;
  const auto hr = add_token(h, "hr");
  std::string csv = "id,name,unit\n";
  for (int i = 0; i < 200000; ++i) csv += "person-" + std::to_string(i) + ",Person,skule\n";
  const auto r = call(h, "POST", "/api/v1/people/import", hr, csv, "text/csv");
  const auto p = problem_of(r, 422);
  CHECK(r.body.size() < 64 * 1024);
  CHECK(p.at("errors").as_array().size() == kMaxReportedCsvErrors);
  CHECK(p.at("error_count").to_number<std::size_t>() == 200000);
  CHECK(str(p.at("detail")) == "200000 problems in the CSV; the first 100 are listed; nothing was imported");
  CHECK(p.at("errors").as_array().front().as_object().at("line").as_int64() == 2);
  CHECK(h.storage().people().empty());
}

TEST_CASE("an import in windows-1252 is read as its charset says and stored as UTF-8") {
  Host h;
  const auto hr = add_token(h, "hr");
  // "Bjørg Ødegård" with ø, Ø, å as single bytes, and a curly apostrophe (0x92) in "O’Neill".
  const std::string csv = "id;name;unit\r\nbjorg-odegard;Bj\xF8rg \xD8" "deg\xE5rd;skole\r\n"
                          "kim-oneill;Kim O\x92Neill;skole\r\n";
  const auto r = call(h, "POST", "/api/v1/people/import", hr, csv, "Text/CSV; Charset=\"Windows-1252\"");
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(h.snapshot()->config.find_person("bjorg-odegard")->name == "Bjørg Ødegård");
  CHECK(h.snapshot()->config.find_person("kim-oneill")->name == "Kim O\u2019Neill");
}

TEST_CASE("an import in ISO-8859-1 is converted, and an unknown charset is refused with the ones accepted") {
  Host h;
  const auto hr = add_token(h, "hr");
  const std::string csv = "id,name,unit\nbjorg-odegard,Bj\xF8rg,skole\n";
  REQUIRE(call(h, "POST", "/api/v1/people/import", hr, csv, "text/csv;charset=iso-8859-1").status == 200);
  CHECK(h.snapshot()->config.find_person("bjorg-odegard")->name == "Bjørg");
  const auto p = problem_of(call(h, "POST", "/api/v1/people/import", hr, csv, "text/csv; charset=ebcdic"), 415);
  CHECK(str(p.at("detail")) == "expected charset utf-8, utf-16, windows-1252 or iso-8859-1, got \"ebcdic\"");
}

TEST_CASE("an import in UTF-16 with its byte order mark, as Excel saves Unicode text, is read whatever its label") {
  Host h;
  const auto hr = add_token(h, "hr");
  // "id\tname\tunit / eli-hagen\tØystein 𝄞\tskole", UTF-16LE with its mark, tab-separated.
  const std::u16string text = u"\uFEFFid\tname\tunit\r\neli-hagen\t\u00D8ystein \U0001D11E\tskole\r\n";
  std::string le;
  for (char16_t c : text) {
    le += static_cast<char>(c & 0xFF);
    le += static_cast<char>(c >> 8);
  }
  const auto r = call(h, "POST", "/api/v1/people/import", hr, le, "text/csv; charset=utf-8");
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(h.snapshot()->config.find_person("eli-hagen")->name == "Øystein \U0001D11E");
}

TEST_CASE("UTF-16 cut off in the middle of a character, or labelled utf-16 without its mark, is refused with why") {
  Host h;
  const auto hr = add_token(h, "hr");
  const std::string cut = std::string("\xFF\xFEi\0d\0", 6) + "\n";
  CHECK(str(problem_of(call(h, "POST", "/api/v1/people/import", hr, cut, "text/csv"), 415).at("detail")) ==
        "UTF-16 text of an odd number of bytes (5): it was cut off");
  CHECK(str(problem_of(call(h, "POST", "/api/v1/people/import", hr, "id,name\n", "text/csv; charset=UTF-16"), 415)
                .at("detail")) == "UTF-16 without a byte order mark: say charset=utf-16le or utf-16be, or send the mark");
  CHECK(h.storage().people().empty());
}

TEST_CASE("a role or committee sent twice through PUT is stored once") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto r = call(h, "PUT", "/api/v1/people/eli-hagen", hr,
                      R"({"name": "Eli Hagen", "unit": "skole", "roles": ["employee", "employee"],
                          "committees": ["amu", "amu"]})");
  REQUIRE(r.status == 201);
  CHECK(json::serialize(body_of(r).at("roles")) == R"(["employee"])");
  CHECK(json::serialize(body_of(r).at("committees")) == R"(["amu"])");
}

TEST_CASE("a problem after a repeated committee names the item as sent, not as stored") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto p = problem_of(call(h, "PUT", "/api/v1/people/eli-hagen", hr,
                                 R"({"name": "Eli Hagen", "unit": "skole", "committees": ["amu", "amu", "nope"]})"),
                            422);
  INFO(join(errors_of(p)));
  CHECK(has_error_at(p, "/committees/2"));
  CHECK(errors_of(p).size() == 1);
}

TEST_CASE("a UTF-8 body labelled latin1 is taken as the UTF-8 it is, and a charset that is not text is echoed printably") {
  Host h;
  const auto hr = add_token(h, "hr");
  REQUIRE(call(h, "POST", "/api/v1/people/import", hr, "id,name,unit\nbjorn,Bjørn Ås,skole\n",
               "text/csv; charset=ISO-8859-1").status == 200);
  CHECK(h.snapshot()->config.find_person("bjorn")->name == "Bjørn Ås");
  const auto r = call(h, "POST", "/api/v1/people/import", hr, "id,name,unit\n", "text/csv; charset=\"\xff\xfe\"");
  problem_of(r, 415);
  CHECK_FALSE(check_text(r.body, true));
}

TEST_CASE("media types are matched without regard to case, as RFC 9110 says") {
  Host h;
  const auto hr = add_token(h, "hr");
  CHECK(call(h, "POST", "/api/v1/people/import?dry_run=true", hr, "id,name,unit\n", "TEXT/CSV").status == 200);
  CHECK(call(h, "PUT", "/api/v1/people/eli-hagen", hr, R"({"name": "Eli Hagen", "unit": "skole"})",
             "Application/JSON; charset=UTF-8")
            .status == 201);
  problem_of(call(h, "PUT", "/api/v1/people/eli-hagen", hr, R"({"name": "Eli Hagen"})", "application/jsonx"), 415);
}

TEST_CASE("an import with dry_run=true says what would change, stores nothing and makes no write") {
  Host h;
  const auto hr = add_token(h, "hr");
  const std::string csv =
      "id,name,email,unit,roles\n"
      "eli-hagen,Eli Hagen,eli.hagen@mini.kommune.no,skole,employee\n"
      "per-stai,Per Stai,per.stai@mini.kommune.no,helse,employee\n";
  const auto r = call(h, "POST", "/api/v1/people/import?dry_run=true", hr, csv, "text/csv; charset=utf-8");
  REQUIRE(r.status == 200);
  const auto b = body_of(r);
  CHECK(b.at("dry_run").as_bool());
  CHECK(b.at("added").as_array().size() == 2);
  CHECK(h.writes.empty());
  CHECK(h.storage().people().empty());
  CHECK_FALSE(h.snapshot()->config.find_person("eli-hagen"));

  const auto real = call(h, "POST", "/api/v1/people/import", hr, csv, "text/csv");
  REQUIRE(real.status == 200);
  CHECK_FALSE(body_of(real).at("dry_run").as_bool());
  CHECK(h.writes.size() == 1);
  CHECK(h.storage().people().size() == 2);
}

TEST_CASE("a broken CSV is a 422 naming every bad row's line, column and field, and nothing is stored") {
  Host h;
  const auto hr = add_token(h, "hr");
  const std::string csv =
      "id,name,email,unit,roles,union,committees,start_date\n"
      "eli-hagen,Eli Hagen,eli.hagen@mini.kommune.no,skule,employee,,,2027-03-01\n"  // line 2: unit
      "ok-person,Ok Person,ok@mini.kommune.no,skole,employee,,,\n"
      "per-stai,Per Stai,per.stai@mini.kommune.no,helse,employe,,,2027-02-30\n";  // line 4: role, date
  const auto p = problem_of(call(h, "POST", "/api/v1/people/import", hr, csv, "text/csv"), 422);
  CHECK(str(p.at("title")) == "The CSV is not valid");
  CHECK_THAT(str(p.at("detail")), Catch::EndsWith("nothing was imported"));
  std::vector<std::string> where;
  for (const auto& e : p.at("errors").as_array()) {
    const auto& o = e.as_object();
    CHECK_FALSE(str(o.at("detail")).empty());
    where.push_back(std::to_string(o.at("line").as_int64()) + ":" + std::to_string(o.at("column").as_int64()) + " " +
                    str(o.at("field")));
  }
  CHECK_THAT(where, Catch::VectorContains(std::string("2:4 unit")));
  CHECK_THAT(where, Catch::VectorContains(std::string("4:5 roles[0]")));
  CHECK_THAT(where, Catch::VectorContains(std::string("4:8 start_date")));
  CHECK(where.size() == 3);
  CHECK(h.storage().people().empty());
  CHECK_FALSE(h.snapshot()->config.find_person("ok-person"));
}

TEST_CASE("an extra meeting is stored through one write and answered 201 with its extra UID") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto r = call(h, "POST", "/api/v1/occurrences", hr,
                      R"({"activity": "drofting", "start": "2027-03-10T10:00", "reason": "Ekstra drøfting"})");
  REQUIRE(r.status == 201);
  const auto b = body_of(r);
  CHECK_THAT(str(b.at("uid")), Catch::StartsWith("extra-") && Catch::Contains(".drofting.20270310@"));
  CHECK(str(b.at("start")) == "2027-03-10T10:00:00+01:00");
  CHECK(h.writes == std::vector<std::string>{"extra drofting"});
  REQUIRE(h.storage().overrides().size() == 1);
  CHECK(h.storage().overrides()[0].uid == str(b.at("uid")));
}

// ---- the race the writer closes -----------------------------------------------------------------

TEST_CASE("an extra meeting for an activity a reload removed between the check and the write is a 422, and nothing is stored") {
  Host h;
  const auto hr = add_token(h, "hr");
  h.before_write = [&] {
    h.set_files(mini_without("drofting"));
    h.rebuild();
  };
  const auto p = problem_of(call(h, "POST", "/api/v1/occurrences", hr,
                                 R"({"activity": "drofting", "start": "2027-03-10T10:00", "reason": "Ekstra"})"),
                            422);
  CHECK(has_error_at(p, "/activity"));
  CHECK_THAT(str(p.at("detail")), Catch::Contains("unknown activity \"drofting\""));
  CHECK(h.writes.size() == 1);  // it got as far as the writer, which refused it
  CHECK(h.storage().overrides().empty());
}

TEST_CASE("a move of an occurrence whose activity a reload removed meanwhile is refused, and nothing is stored") {
  Host h;
  const auto hr = add_token(h, "hr");
  const std::string uid = next_uid(h, "drofting");
  h.before_write = [&] {
    h.set_files(mini_without("drofting"));
    h.rebuild();
  };
  const auto r = call(h, "POST", "/api/v1/occurrences/" + uid + "/move", hr,
                      R"({"start": "2027-03-16T10:00", "reason": "Kollisjon"})");
  INFO(r.body);
  CHECK((r.status == 404 || r.status == 409));
  problem_of(r, r.status);
  CHECK_THAT(r.body, Catch::Contains(uid));
  CHECK(h.writes.size() == 1);
  CHECK(h.storage().overrides().empty());
}

TEST_CASE("a cancel of an occurrence whose activity a reload removed meanwhile is a 409, and nothing is stored") {
  Host h;
  const auto hr = add_token(h, "hr");
  const std::string uid = next_uid(h, "drofting");
  h.before_write = [&] {
    h.set_files(mini_without("drofting"));
    h.rebuild();
  };
  const auto p = problem_of(call(h, "POST", "/api/v1/occurrences/" + uid + "/cancel", hr, R"({"reason": "Avlyst"})"), 409);
  CHECK_THAT(str(p.at("detail")), Catch::Contains("cancelled"));
  CHECK(h.storage().overrides().empty());
}

TEST_CASE("a new person whose unit a reload removed meanwhile is a 422 at /unit, and nothing is stored") {
  Host h;
  const auto hr = add_token(h, "hr");
  h.before_write = [&] {
    Config c = test::mini();
    std::erase_if(c.units, [](const Unit& u) { return u.id == "skole"; });
    h.set_files(std::move(c));
    h.rebuild();
  };
  const auto p = problem_of(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli), 422);
  CHECK(has_error_at(p, "/unit"));
  CHECK(h.storage().people().empty());
}

// ---- internal errors -------------------------------------------------------------------------------

TEST_CASE("a failing write is a 500 that names an incident id and not the cause, which goes to the log") {
  FailingHost h;
  const auto hr = add_token(h.inner, "hr");
  const auto r = call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli);
  const auto p = problem_of(r, 500);
  CHECK_THAT(r.body, !Catch::Contains("secret detail"));
  CHECK_THAT(r.body, !Catch::Contains("arshjul.db"));
  const std::string detail = str(p.at("detail"));
  const std::string marker = "incident ";
  const auto at = detail.rfind(marker);
  REQUIRE(at != std::string::npos);
  const std::string incident = detail.substr(at + marker.size());
  CHECK(incident.size() >= 8);
  REQUIRE(h.logged.size() == 1);
  CHECK_THAT(h.logged[0], Catch::Contains(incident));
  CHECK_THAT(h.logged[0], Catch::Contains("secret detail"));
  CHECK_THAT(h.logged[0], Catch::Contains("PUT /api/v1/people/eli-hagen"));
  CHECK(h.storage().people().empty());
}

TEST_CASE("two internal errors get different incident ids") {
  FailingHost h;
  const auto hr = add_token(h.inner, "hr");
  const auto a = call(h, "DELETE", "/api/v1/people/ola", hr);
  const auto b = call(h, "DELETE", "/api/v1/people/ola", hr);
  problem_of(a, 500);
  problem_of(b, 500);
  CHECK(a.body != b.body);
  REQUIRE(h.logged.size() == 2);
  CHECK(h.logged[0] != h.logged[1]);
}

TEST_CASE("a database that refuses the change is a 500 with an incident id, not the SQLite message") {
  Host h;
  const auto hr = add_token(h, "hr");
  // As a full disk or a broken file would, the database refuses every new person.
  sql(h, "CREATE TRIGGER refuse BEFORE INSERT ON person BEGIN SELECT RAISE(ABORT, 'secret detail'); END");
  const auto r = call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli);
  const auto p = problem_of(r, 500);
  CHECK_THAT(r.body, !Catch::Contains("secret detail"));
  CHECK_THAT(r.body, !Catch::Contains("SQL"));
  const std::string detail = str(p.at("detail"));
  const std::string incident = detail.substr(detail.rfind(' ') + 1);
  REQUIRE(h.logged.size() == 1);
  CHECK_THAT(h.logged[0], Catch::Contains("incident " + incident));
  CHECK_THAT(h.logged[0], Catch::Contains("secret detail"));
  CHECK(h.storage().people().empty());
  CHECK_FALSE(h.snapshot()->config.find_person("eli-hagen"));
}

// ---- how long a meeting may be ----------------------------------------------------------------

TEST_CASE("a meeting moved to last ten months is a 422 at /end naming the longest it may last, and nothing is stored") {
  Host h;
  const auto hr = add_token(h, "hr");
  const std::string uid = next_uid(h, "drofting");
  const auto r = call(h, "POST", "/api/v1/occurrences/" + uid + "/move", hr,
                      R"({"start": "2027-03-16T10:00", "end": "2028-01-16T10:00", "reason": "Skrivefeil i året"})");
  const auto p = problem_of(r, 422);
  CHECK(has_error_at(p, "/end"));
  CHECK_THAT(r.body, Catch::Contains("may last at most 24 hours, got 306d"));
  CHECK(h.storage().overrides().empty());
}

TEST_CASE("a meeting moved to last a whole day is accepted") {
  Host h;
  const auto hr = add_token(h, "hr");
  const std::string uid = next_uid(h, "drofting");
  const auto r = call(h, "POST", "/api/v1/occurrences/" + uid + "/move", hr,
                      R"({"start": "2027-03-16T08:00", "end": "2027-03-17T08:00", "reason": "Seminar"})");
  INFO(r.body);
  CHECK(r.status == 200);
}

TEST_CASE("an extra meeting longer than a day is a 422 at /end, and nothing is stored") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto r = call(h, "POST", "/api/v1/occurrences", hr,
                      R"({"activity": "drofting", "start": "2027-03-10T10:00", "end": "2027-03-12T10:00", "reason": "Ekstra"})");
  CHECK(has_error_at(problem_of(r, 422), "/end"));
  CHECK(h.storage().overrides().empty());
}

// ---- API tokens -----------------------------------------------------------------------------------

TEST_CASE("GET /tokens lists every token's id, role, name, created and revoked, never the token or its hash") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto reader = add_token(h, "read");
  const auto r = call(h, "GET", "/api/v1/tokens", hr);
  REQUIRE(r.status == 200);
  const auto tokens = body_of(r).at("tokens").as_array();
  REQUIRE(tokens.size() == 2);
  const auto& first = tokens[0].as_object();
  CHECK(str(first.at("role")) == "hr");
  CHECK(str(first.at("name")) == "hr-test");
  CHECK(str(first.at("created")) == "2027-03-01T00:00:00Z");
  CHECK(first.at("revoked").is_null());
  CHECK(str(tokens[1].as_object().at("role")) == "read");
  for (const auto& secret : {hr, reader, token_hash(hr), token_hash(reader)}) CHECK_THAT(r.body, !Catch::Contains(secret));
}

TEST_CASE("a read token may not list or revoke tokens: 403") {
  Host h;
  add_token(h, "hr");
  const auto reader = add_token(h, "read");
  problem_of(call(h, "GET", "/api/v1/tokens", reader), 403);
  problem_of(call(h, "DELETE", "/api/v1/tokens/1", reader), 403);
  CHECK(h.writes.empty());
  CHECK(h.storage().api_tokens().size() == 2);
  CHECK_FALSE(h.storage().api_tokens()[0].revoked);
}

TEST_CASE("DELETE /tokens/{id} revokes through one write, and that token is refused with 401 at once") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto reader = add_token(h, "read");
  REQUIRE(call(h, "GET", "/api/v1/people", reader).status == 200);
  const auto r = call(h, "DELETE", "/api/v1/tokens/2", hr);
  REQUIRE(r.status == 200);
  const auto b = body_of(r);
  CHECK(b.at("id").to_number<long long>() == 2);
  CHECK(str(b.at("revoked")) == "2027-03-01T00:00:00Z");
  CHECK(h.writes == std::vector<std::string>{"API token 2 revoked"});
  problem_of(call(h, "GET", "/api/v1/people", reader), 401);
  CHECK(call(h, "GET", "/api/v1/people", hr).status == 200);
}

TEST_CASE("a token may revoke itself, and its next request is a 401") {
  Host h;
  const auto hr = add_token(h, "hr");
  REQUIRE(call(h, "DELETE", "/api/v1/tokens/1", hr).status == 200);
  problem_of(call(h, "GET", "/api/v1/tokens", hr), 401);
}

TEST_CASE("revoking an unknown token is a 404 and one already revoked a 409") {
  Host h;
  const auto hr = add_token(h, "hr");
  add_token(h, "read");
  CHECK_THAT(str(problem_of(call(h, "DELETE", "/api/v1/tokens/99", hr), 404).at("detail")), Catch::Contains("99"));
  problem_of(call(h, "DELETE", "/api/v1/tokens/abc", hr), 404);
  REQUIRE(call(h, "DELETE", "/api/v1/tokens/2", hr).status == 200);
  CHECK_THAT(str(problem_of(call(h, "DELETE", "/api/v1/tokens/2", hr), 409).at("detail")),
             Catch::Contains("already revoked"));
}

// ---- dead letters in bulk ------------------------------------------------------------------------

namespace {

// Mini with one hook, "epost", and three dead letters: two of epost (due 5
// and 20 January 2027, local), one of a hook no longer configured.
struct DeadLetters {
  Host h{with_hook()};
  long long jan5 = 0, jan20 = 0, removed = 0;

  static Config with_hook() {
    Config c = test::mini();
    Hook hook;
    hook.id = "epost";
    hook.url = "https://hooks.kommune.no/h";
    hook.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    c.hooks.push_back(hook);
    return c;
  }
  long long dead(const std::string& key, const std::string& hook, SysSeconds due) {
    OutboxMessage m;
    m.key = key;
    m.hook = hook;
    m.webhook_id = "msg_" + key;
    m.event_type = "reminder.due";
    m.payload = "{}";
    m.due = m.next_attempt = due;
    h.storage().enqueue({m}, due);
    const long long id = h.storage().outbox("", 1).front().id;
    h.storage().mark_failed(id, 8, due, "HTTP 500", true, due);
    return id;
  }
  DeadLetters() {
    using namespace std::chrono_literals;
    // 23:30 UTC on 4 January is 00:30 on the 5th in Oslo: due on the 5th, local.
    jan5 = dead("a", "epost", SysSeconds{date::sys_days{date::year{2027} / 1 / 4}} + 23h + 30min);
    jan20 = dead("b", "epost", SysSeconds{date::sys_days{date::year{2027} / 1 / 20}} + 8h);
    removed = dead("c", "gammel", SysSeconds{date::sys_days{date::year{2027} / 1 / 10}} + 8h);
  }
  std::string status(long long id) { return h.storage().outbox_message(id)->status; }
};

}  // namespace

TEST_CASE("POST /outbox/retry sends a hook's dead letters due in a period of local days again, and says how many") {
  DeadLetters d;
  const auto hr = add_token(d.h, "hr");
  const auto r = call(d.h, "POST", "/api/v1/outbox/retry", hr, R"({"hook": "epost", "from": "2027-01-05", "to": "2027-01-10"})");
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(body_of(r).at("retried").to_number<int>() == 1);
  CHECK(d.status(d.jan5) == "pending");
  CHECK(d.status(d.jan20) == "dead");
  CHECK(d.status(d.removed) == "dead");
  CHECK(d.h.writes.size() == 1);

  const auto all = call(d.h, "POST", "/api/v1/outbox/retry", hr, "{}");
  REQUIRE(all.status == 200);
  CHECK(body_of(all).at("retried").to_number<int>() == 2);
  CHECK(d.h.storage().outbox("dead", 10).empty());
}

TEST_CASE("POST /outbox/retry with a hook lifts the hook's gone mark") {
  DeadLetters d;
  const auto hr = add_token(d.h, "hr");
  set_hook_gone(d.h.storage(), "epost", GoneHook{"https://hooks.kommune.no/h", d.h.clock().now()});
  REQUIRE(call(d.h, "POST", "/api/v1/outbox/retry", hr, R"({"hook": "epost"})").status == 200);
  CHECK_FALSE(hook_gone(d.h.storage(), "epost"));
}

TEST_CASE("POST /outbox/retry refuses an unknown hook, a bad day and a period that ends before it begins, changing nothing") {
  DeadLetters d;
  const auto hr = add_token(d.h, "hr");
  const auto p = problem_of(
      call(d.h, "POST", "/api/v1/outbox/retry", hr, R"({"hook": "epst", "from": "2027-13-01", "sort": 1})"), 422);
  CHECK(has_error_at(p, "/hook"));
  CHECK(has_error_at(p, "/from"));
  CHECK(has_error_at(p, "/sort"));
  std::string all;
  for (const auto& e : errors_of(p)) all += e + "\n";
  CHECK_THAT(all, Catch::Contains("did you mean \"epost\"?"));
  const auto backwards = problem_of(call(d.h, "POST", "/api/v1/outbox/retry", hr, R"({"from": "2027-01-20", "to": "2027-01-05"})"), 422);
  CHECK(has_error_at(backwards, "/to"));
  problem_of(call(d.h, "POST", "/api/v1/outbox/retry", add_token(d.h, "read"), "{}"), 403);
  CHECK(d.h.storage().outbox("dead", 10).size() == 3);
  CHECK(d.h.writes.empty());
}

// A gathering's days[] as "start – end" lines; none for an occurrence on one day.
std::vector<std::string> days_of(const json::object& o) {
  std::vector<std::string> out;
  if (const json::value* days = o.if_contains("days"))
    for (const auto& d : days->as_array()) out.push_back(str(d.at("start")) + " – " + str(d.at("end")));
  return out;
}

TEST_CASE("a gathering over two days lists each day's own times beside the span") {
  Host h(test::load("config/roros"));
  const std::string hr = add_token(h, "hr");
  const ApiResponse r = call(h, "GET", "/api/v1/occurrences/ledersamling.20271020@roros.arshjul", hr);
  REQUIRE(r.status == 200);
  const json::object o = body_of(r);
  CHECK(str(o.at("start")) == "2027-10-20T09:00:00+02:00");
  CHECK(str(o.at("end")) == "2027-10-21T15:00:00+02:00");
  CHECK(days_of(o) == std::vector<std::string>{"2027-10-20T09:00:00+02:00 – 2027-10-20T15:00:00+02:00",
                                                "2027-10-21T09:00:00+02:00 – 2027-10-21T15:00:00+02:00"});
  // A meeting on one day has no such list.
  CHECK_FALSE(body_of(call(h, "GET", "/api/v1/occurrences/amu.20270915@roros.arshjul", hr)).contains("days"));
}

TEST_CASE("a gathering moved by its start moves as a block, each day keeping its length") {
  Host h(test::load("config/roros"));
  const std::string hr = add_token(h, "hr");
  const ApiResponse r = call(h, "POST", "/api/v1/occurrences/ledersamling.20271020@roros.arshjul/move", hr,
                             R"({"start": "2027-10-20T10:00", "reason": "Flyet går senere"})");
  INFO(r.body);
  REQUIRE(r.status == 200);
  const json::object o = body_of(r);
  CHECK(days_of(o) == std::vector<std::string>{"2027-10-20T10:00:00+02:00 – 2027-10-20T16:00:00+02:00",
                                                "2027-10-21T10:00:00+02:00 – 2027-10-21T16:00:00+02:00"});
}

TEST_CASE("A second cancel of an occurrence HR cancelled answers 200 with the first reason and stores nothing") {
  Host h;
  const auto hr = add_token(h, "hr");
  const std::string uid = next_uid(h, "drofting");
  const auto first = call(h, "POST", "/api/v1/occurrences/" + uid + "/cancel", hr, R"({"reason": "Avlyst"})");
  INFO(first.body);
  REQUIRE(first.status == 200);
  const auto again = call(h, "POST", "/api/v1/occurrences/" + uid + "/cancel", hr, R"({"reason": "Avlyst igjen"})");
  INFO(again.body);
  CHECK(again.status == 200);
  const json::value body = json::parse(again.body);
  CHECK(str(body.at("reason")) == "Avlyst");
  CHECK(str(body.at("status")) == "cancelled");
  CHECK(str(body.at("uid")) == uid);
  CHECK(h.storage().overrides().size() == 1);
  // The body is still checked, and a move of it is still refused.
  problem_of(call(h, "POST", "/api/v1/occurrences/" + uid + "/cancel", hr, R"({})"), 422);
  problem_of(call(h, "POST", "/api/v1/occurrences/" + uid + "/move", hr, R"({"start": "2027-03-16T10:00", "reason": "x"})"), 409);
}

// ---- conditional requests and incremental reads (issue 16) ------------------------------------

namespace {

ApiResponse call_if(ApiHost& h, const std::string& method, const std::string& target, const std::string& token,
                    const std::string& body, const std::string& if_match, const std::string& if_none_match = "",
                    const std::string& content_type = "application/json") {
  ApiRequest r;
  r.method = method;
  r.target = target;
  r.authorization = "Bearer " + token;
  r.body = body;
  r.content_type = body.empty() ? "" : content_type;
  r.if_match = if_match;
  r.if_none_match = if_none_match;
  return handle_api(h, r);
}

// The ids of a people list, following its next links from `target`.
std::vector<std::string> all_pages(Host& h, const std::string& token, std::string target, int& pages) {
  std::vector<std::string> ids;
  pages = 0;
  while (!target.empty()) {
    const auto r = call(h, "GET", target, token);
    REQUIRE(r.status == 200);
    const json::object page = body_of(r);
    for (const auto& p : page.at("people").as_array()) ids.push_back(str(p.at("id")));
    target = page.at("next").is_null() ? "" : str(page.at("next"));
    REQUIRE(++pages < 100);
  }
  return ids;
}

}  // namespace

TEST_CASE("a GET of a person gives an ETag and If-None-Match with it is a 304 without a body") {
  Host h;
  const auto hr = add_token(h, "hr");
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 201);
  const auto r = call(h, "GET", "/api/v1/people/eli-hagen", hr);
  const std::string etag = header(r, "ETag");
  REQUIRE(etag.size() == 34);
  const auto again = call_if(h, "GET", "/api/v1/people/eli-hagen", hr, "", "", "W/" + etag);
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(header(again, "ETag") == etag);
  CHECK(call_if(h, "GET", "/api/v1/people/eli-hagen", hr, "", "", "\"other\"").status == 200);
}

TEST_CASE("a PATCH changes only the members it names and null empties one") {
  Host h;
  const auto hr = add_token(h, "hr");
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 201);
  const auto r = call_if(h, "PATCH", "/api/v1/people/eli-hagen", hr, R"({"email": null, "roles": ["employee", "verneombud"]})",
                         "", "", "application/merge-patch+json");
  INFO(r.body);
  REQUIRE(r.status == 200);
  const json::object p = body_of(r);
  CHECK(str(p.at("name")) == "Eli Hagen");
  CHECK(str(p.at("unit")) == "skole");
  CHECK(str(p.at("email")).empty());
  CHECK(p.at("roles").as_array().size() == 2);
  CHECK(header(r, "ETag") == header(call(h, "GET", "/api/v1/people/eli-hagen", hr), "ETag"));
}

TEST_CASE("a PATCH of someone not on the roster is a 404 and a bad merge result a 422 at its pointer") {
  Host h;
  const auto hr = add_token(h, "hr");
  problem_of(call_if(h, "PATCH", "/api/v1/people/nobody", hr, R"({"name": "X"})", "", "", "application/merge-patch+json"), 404);
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 201);
  const auto p = problem_of(call_if(h, "PATCH", "/api/v1/people/eli-hagen", hr, R"({"unit": "skolen"})", "", "",
                                    "application/merge-patch+json"),
                            422);
  CHECK(has_error_at(p, "/unit"));
}

TEST_CASE("a PUT with the ETag of an older version is a 412 with the current ETag and stores nothing") {
  Host h;
  const auto hr = add_token(h, "hr");
  const auto created = call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli);
  const std::string first = header(created, "ETag");
  const auto changed = call_if(h, "PATCH", "/api/v1/people/eli-hagen", hr, R"({"email": "eli@mini.kommune.no"})", first, "",
                               "application/merge-patch+json");
  REQUIRE(changed.status == 200);
  const std::string second = header(changed, "ETag");
  CHECK(second != first);
  const std::size_t writes = h.writes.size();
  const auto r = call_if(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli, first);
  problem_of(r, 412);
  CHECK(header(r, "ETag") == second);
  CHECK(h.writes.size() == writes);
  CHECK(h.snapshot()->config.find_person("eli-hagen")->email == "eli@mini.kommune.no");
  problem_of(call_if(h, "DELETE", "/api/v1/people/eli-hagen", hr, "", first), 412);
  CHECK(h.snapshot()->config.find_person("eli-hagen"));
  CHECK(call_if(h, "DELETE", "/api/v1/people/eli-hagen", hr, "", second).status == 204);
}

TEST_CASE("If-Match star lets a PUT change a person who exists and refuses to create one") {
  Host h;
  const auto hr = add_token(h, "hr");
  problem_of(call_if(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli, "*"), 412);
  CHECK_FALSE(h.snapshot()->config.find_person("eli-hagen"));
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 201);
  CHECK(call_if(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli, "*").status == 200);
}

TEST_CASE("a move with a stale ETag is a 412 and with the current one goes ahead") {
  Host h;
  const auto hr = add_token(h, "hr");
  const std::string uid = next_uid(h, "drofting");
  const std::string etag = header(call(h, "GET", "/api/v1/occurrences/" + uid, hr), "ETag");
  REQUIRE(!etag.empty());
  const std::string body = R"({"start": "2027-03-16T10:00", "reason": "Kollisjon"})";
  problem_of(call_if(h, "POST", "/api/v1/occurrences/" + uid + "/move", hr, body, "\"stale\""), 412);
  CHECK(h.storage().overrides().empty());
  const auto r = call_if(h, "POST", "/api/v1/occurrences/" + uid + "/move", hr, body, etag);
  INFO(r.body);
  CHECK(r.status == 200);
  CHECK(header(r, "ETag") != etag);
}

TEST_CASE("a move onto a public holiday is made and its answer warns of it") {
  Host h;
  const auto hr = add_token(h, "hr");
  const std::string uid = next_uid(h, "drofting");
  const auto r = call(h, "POST", "/api/v1/occurrences/" + uid + "/move", hr,
                      R"({"start": "2027-05-17T10:00", "reason": "Etter ønske"})");
  INFO(r.body);
  REQUIRE(r.status == 200);
  const json::object j = body_of(r);
  REQUIRE(j.contains("warnings"));
  CHECK_THAT(str(j.at("warnings").as_array().at(0)), Catch::Contains("2027-05-17") && Catch::Contains("Grunnlovsdag"));
  const auto plain = call(h, "POST", "/api/v1/occurrences/" + uid + "/move", hr,
                          R"({"start": "2027-05-18T10:00", "reason": "Etter ønske"})");
  CHECK_FALSE(body_of(plain).contains("warnings"));
}

TEST_CASE("the people list follows its next links through every person once, by id") {
  Host h(test::load("config/roros"));
  const auto hr = add_token(h, "hr");
  int pages = 0;
  const auto ids = all_pages(h, hr, "/api/v1/people?limit=7", pages);
  const std::size_t n = h.snapshot()->config.people.size();
  REQUIRE(n > 4);
  CHECK(ids.size() == n);
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
  CHECK(pages == static_cast<int>((n + 6) / 7));
  problem_of(call(h, "GET", "/api/v1/people?cursor=zz", hr), 400);
  problem_of(call(h, "GET", "/api/v1/people?cursor=61&offset=2", hr), 400);
}

TEST_CASE("updated_since lists only the people stored since and names those removed") {
  Host h;
  const auto hr = add_token(h, "hr");
  const json::object before = body_of(call(h, "GET", "/api/v1/people", hr));
  const std::string as_of = str(before.at("as_of"));
  h.manual_clock().advance(std::chrono::minutes{5});
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 201);
  const std::string someone = h.snapshot()->config.people[0].id;
  REQUIRE(call(h, "DELETE", "/api/v1/people/" + someone, hr).status == 204);
  const json::object changed = body_of(call(h, "GET", "/api/v1/people?updated_since=" + as_of, hr));
  REQUIRE(changed.at("people").as_array().size() == 1);
  CHECK(str(changed.at("people").as_array()[0].at("id")) == "eli-hagen");
  CHECK(changed.at("removed").as_array() == json::array{json::value(someone)});
  // An unchanged PUT stores nothing, so it is not news.
  h.manual_clock().advance(std::chrono::minutes{5});
  REQUIRE(call(h, "PUT", "/api/v1/people/ola-berg", hr,
               R"({"name": "Ola Berg", "unit": "skole", "roles": ["employee"]})").status == 201);
  const std::string as_of_2 = str(body_of(call(h, "GET", "/api/v1/people", hr)).at("as_of"));
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 200);
  const json::object later = body_of(call(h, "GET", "/api/v1/people?updated_since=" + as_of_2, hr));
  REQUIRE(later.at("people").as_array().size() == 1);
  CHECK(str(later.at("people").as_array()[0].at("id")) == "ola-berg");
  problem_of(call(h, "GET", "/api/v1/people?updated_since=2027-13-01", hr), 400);
}

TEST_CASE("updated_since on the tasks gives one completed since, and cancelled tasks are listed as cancelled") {
  Host h(test::load("config/roros"));
  const auto hr = add_token(h, "hr");
  const json::object all = body_of(call(h, "GET", "/api/v1/tasks?limit=100000", hr));
  REQUIRE(!all.at("tasks").as_array().empty());
  const auto id = all.at("tasks").as_array()[0].at("id").as_int64();
  h.manual_clock().advance(std::chrono::minutes{5});
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr,
               R"({"name": "Eli Hagen", "unit": "sykehjem", "roles": ["employee"]})").status == 201);
  const std::string since = str(body_of(call(h, "GET", "/api/v1/tasks", hr)).at("as_of"));
  h.manual_clock().advance(std::chrono::minutes{5});
  REQUIRE(call(h, "POST", "/api/v1/tasks/" + std::to_string(id) + "/complete", hr).status == 200);
  const json::object changed = body_of(call(h, "GET", "/api/v1/tasks?updated_since=" + since, hr));
  bool found = false;
  for (const auto& t : changed.at("tasks").as_array())
    if (t.at("id").as_int64() == id) found = str(t.at("status")) == "done";
  CHECK(found);
  CHECK(changed.at("total").as_int64() < all.at("total").as_int64() / 2);
  problem_of(call(h, "GET", "/api/v1/tasks?status=gone", hr), 400);
  CHECK(body_of(call(h, "GET", "/api/v1/tasks?status=cancelled", hr)).at("total").as_int64() == 0);
}

TEST_CASE("the tasks list pages by id with next links and total counts every match") {
  Host h(test::load("config/roros"));
  const auto hr = add_token(h, "hr");
  const json::object all = body_of(call(h, "GET", "/api/v1/tasks?limit=100000", hr));
  const auto total = all.at("total").as_int64();
  REQUIRE(total >= 3);
  std::vector<long long> ids;
  std::string target = "/api/v1/tasks?limit=7";
  while (!target.empty()) {
    const json::object page = body_of(call(h, "GET", target, hr));
    CHECK(page.at("total").as_int64() == total);
    for (const auto& t : page.at("tasks").as_array()) ids.push_back(t.at("id").as_int64());
    target = page.at("next").is_null() ? "" : str(page.at("next"));
  }
  CHECK(static_cast<long long>(ids.size()) == total);
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
}

TEST_CASE("a person's ETag changes when who leads them changes and a 304 never hides it") {
  Host h(test::load("config/roros"));
  const auto hr = add_token(h, "hr");
  const auto before = call(h, "GET", "/api/v1/people/ahmad-rahimi", hr);
  REQUIRE(before.status == 200);
  const std::string leader = str(body_of(before).at("leader"));
  REQUIRE(call_if(h, "PATCH", "/api/v1/people/" + leader, hr, R"({"leader_end_date": "2027-01-09"})", "", "",
                  "application/merge-patch+json")
              .status == 200);
  const auto after = call_if(h, "GET", "/api/v1/people/ahmad-rahimi", hr, "", "", header(before, "ETag"));
  CHECK(after.status == 200);
  CHECK(header(after, "ETag") != header(before, "ETag"));
}

TEST_CASE("If-None-Match star on a PUT creates only") {
  Host h;
  const auto hr = add_token(h, "hr");
  CHECK(call_if(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli, "", "*").status == 201);
  problem_of(call_if(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli, "", "*"), 412);
}

TEST_CASE("a next link encodes what it carries so that it reads back as sent") {
  Host h(test::load("config/roros"));
  const auto hr = add_token(h, "hr");
  const json::object page =
      body_of(call(h, "GET", "/api/v1/outbox?limit=1&recipient=a%2Bb&updated_since=2027-01-01T00:00:00%2B01:00", hr));
  CHECK(page.at("next").is_null());  // nothing matches; the link is checked with people below
  for (const char* id : {"eli-hagen", "ola-berg"})
    REQUIRE(call(h, "PUT", std::string("/api/v1/people/") + id, hr,
                 R"({"name": "Ny Ansatt", "unit": "skole", "roles": ["employee"]})").status == 201);
  const json::object people = body_of(call(h, "GET", "/api/v1/%70eople?limit=1&updated_since=2026-01-01T00:00:00%2B01:00", hr));
  REQUIRE(people.at("next").is_string());
  const std::string next = str(people.at("next"));
  CHECK(next.rfind("/api/v1/people?", 0) == 0);
  CHECK_THAT(next, Catch::Contains("updated_since=2026-01-01T00%3A00%3A00%2B01%3A00"));
  const json::object second = body_of(call(h, "GET", next, hr));
  REQUIRE(second.at("people").as_array().size() == 1);
  CHECK(str(second.at("people").as_array()[0].at("id")) == "ola-berg");
}

TEST_CASE("updated_since says full when the files brought another roster since") {
  Config files = test::load("config/roros");
  files.people_read_at = SysSeconds{date::sys_days{date::year{2027} / 2 / 1}};
  Host h(files);
  const auto hr = add_token(h, "hr");
  const json::object all = body_of(call(h, "GET", "/api/v1/people?updated_since=2027-01-01T00:00:00Z", hr));
  CHECK(all.at("full").as_bool());
  CHECK(all.at("total").as_int64() == static_cast<std::int64_t>(h.snapshot()->config.people.size()));
  const json::object none = body_of(call(h, "GET", "/api/v1/people?updated_since=2027-02-02T00:00:00Z", hr));
  CHECK_FALSE(none.at("full").as_bool());
  CHECK(none.at("total").as_int64() == 0);
}

TEST_CASE("an If-Match that mixes star with tags matches nothing and a fraction needs its digits") {
  Host h;
  const auto hr = add_token(h, "hr");
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 201);
  problem_of(call_if(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli, "\"x\", *"), 412);
  CHECK(call(h, "GET", "/api/v1/people?updated_since=2027-01-10T07:00:00.5Z", hr).status == 200);
  problem_of(call(h, "GET", "/api/v1/people?updated_since=2027-01-10T07:00:00.Z", hr), 400);
}

// ---- dated HR events (issue 16) ---------------------------------------------------------------

TEST_CASE("a PATCH with a later effective day is kept for that day, answered 202, and shown on the person") {
  Host h;
  const auto hr = add_token(h, "hr");
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 201);
  const std::string before = header(call(h, "GET", "/api/v1/people/eli-hagen", hr), "ETag");
  const auto r = call(h, "PATCH", "/api/v1/people/eli-hagen?effective=2027-06-01", hr, R"({"unit": "helse"})",
                      "application/merge-patch+json");
  INFO(r.body);
  REQUIRE(r.status == 202);
  const auto answer = body_of(r);
  CHECK(str(answer.at("unit")) == "skole");  // until the day
  REQUIRE(answer.at("scheduled").as_array().size() == 1);
  const auto& change = answer.at("scheduled").as_array()[0].as_object();
  CHECK(str(change.at("effective")) == "2027-06-01");
  CHECK(change.at("changes") == json::value(json::object{{"unit", "helse"}}));
  CHECK(h.snapshot()->config.find_person("eli-hagen")->unit == "skole");
  // The person's version now names the change, so If-Match sees it.
  const auto got = call(h, "GET", "/api/v1/people/eli-hagen", hr);
  CHECK(header(got, "ETag") == header(r, "ETag"));
  CHECK(header(got, "ETag") != before);
  CHECK(body_of(got).at("scheduled") == answer.at("scheduled"));
}

TEST_CASE("an effective day of today or before is made at once") {
  Host h;
  const auto hr = add_token(h, "hr");
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 201);
  const auto r = call(h, "PATCH", "/api/v1/people/eli-hagen?effective=2027-03-01", hr, R"({"unit": "helse"})",
                      "application/merge-patch+json");
  CHECK(r.status == 200);
  CHECK(h.snapshot()->config.find_person("eli-hagen")->unit == "helse");
  CHECK(h.storage().scheduled_changes().empty());
}

TEST_CASE("a dated change that is not valid, not a date or of nobody is refused and nothing is kept") {
  Host h;
  const auto hr = add_token(h, "hr");
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 201);
  const auto bad = problem_of(call(h, "PATCH", "/api/v1/people/eli-hagen?effective=2027-06-01", hr,
                                   R"({"unit": "nowhere"})", "application/merge-patch+json"),
                              422);
  CHECK(has_error_at(bad, "/unit"));
  const auto day = problem_of(call(h, "PATCH", "/api/v1/people/eli-hagen?effective=1.%20juni", hr,
                                   R"({"unit": "helse"})", "application/merge-patch+json"),
                              400);
  CHECK(str(day.at("detail")).find("effective: expected a date as YYYY-MM-DD") == 0);
  const auto nobody = problem_of(call(h, "PUT", "/api/v1/people/per-berg?effective=2027-06-01", hr, kEli), 404);
  CHECK(str(nobody.at("detail")).find("a PUT without effective creates one") != std::string::npos);
  problem_of(call(h, "PUT", "/api/v1/people/eli-hagen?efective=2027-06-01", hr, kEli), 400);
  CHECK(h.storage().scheduled_changes().empty());
}

TEST_CASE("a dated change with a stale If-Match is a 412") {
  Host h;
  const auto hr = add_token(h, "hr");
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 201);
  problem_of(call_if(h, "PATCH", "/api/v1/people/eli-hagen?effective=2027-06-01", hr, R"({"unit": "helse"})",
                     "\"stale\"", "", "application/merge-patch+json"),
             412);
  CHECK(h.storage().scheduled_changes().empty());
}

TEST_CASE("a dated change is withdrawn by DELETE on its day, twice with 204") {
  Host h;
  const auto hr = add_token(h, "hr");
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 201);
  REQUIRE(call(h, "PATCH", "/api/v1/people/eli-hagen?effective=2027-06-01", hr, R"({"unit": "helse"})",
               "application/merge-patch+json")
              .status == 202);
  CHECK(call(h, "DELETE", "/api/v1/people/eli-hagen/scheduled/2027-06-01", hr).status == 204);
  CHECK(h.storage().scheduled_changes().empty());
  CHECK(call(h, "DELETE", "/api/v1/people/eli-hagen/scheduled/2027-06-01", hr).status == 204);
  CHECK(body_of(call(h, "GET", "/api/v1/people/eli-hagen", hr)).at("scheduled").as_array().empty());
  problem_of(call(h, "DELETE", "/api/v1/people/nobody/scheduled/2027-06-01", hr), 404);
  problem_of(call(h, "DELETE", "/api/v1/people/eli-hagen/scheduled/juni", hr), 404);
  AuditQuery q;
  q.action = "person.unschedule";
  CHECK(h.storage().audit(q).size() == 1);
}

TEST_CASE("updated_since on the registrations names those removed since, and not one made again") {
  Host h(test::load("config/roros"));
  const auto hr = add_token(h, "hr");
  const char* hire = R"({"name": "Ny Ansatt", "unit": "skole", "roles": ["employee"], "start_date": "2027-03-15"})";
  REQUIRE(call(h, "PUT", "/api/v1/people/ny-ansatt", hr, hire).status == 201);
  const std::string as_of = str(body_of(call(h, "GET", "/api/v1/registrations", hr)).at("as_of"));
  h.manual_clock().advance(std::chrono::minutes{5});
  REQUIRE(call(h, "DELETE", "/api/v1/people/ny-ansatt", hr).status == 204);
  const json::object changed = body_of(call(h, "GET", "/api/v1/registrations?updated_since=" + as_of, hr));
  CHECK(changed.at("removed") == json::value(json::array{json::object{{"activity", "ansattdag"}, {"person", "ny-ansatt"}}}));
  CHECK(body_of(call(h, "GET", "/api/v1/registrations?updated_since=" + as_of + "&person=hanne-moen", hr))
            .at("removed")
            .as_array()
            .empty());
  // Back again: registered, so no longer removed.
  REQUIRE(call(h, "PUT", "/api/v1/people/ny-ansatt", hr, hire).status == 201);
  const json::object again = body_of(call(h, "GET", "/api/v1/registrations?updated_since=" + as_of, hr));
  CHECK(again.at("removed").as_array().empty());
  CHECK_FALSE(body_of(call(h, "GET", "/api/v1/registrations", hr)).contains("removed"));
}

TEST_CASE("updated_since with a unit filter names who moved out of the unit since under outside_filter") {
  Host h;
  const auto hr = add_token(h, "hr");
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 201);  // in skole
  const std::string as_of = str(body_of(call(h, "GET", "/api/v1/people?unit=skole", hr)).at("as_of"));
  h.manual_clock().advance(std::chrono::minutes{5});
  REQUIRE(call(h, "PATCH", "/api/v1/people/eli-hagen", hr, R"({"unit": "helse"})", "application/merge-patch+json").status == 200);
  const json::object skole = body_of(call(h, "GET", "/api/v1/people?unit=skole&updated_since=" + as_of, hr));
  CHECK(skole.at("people").as_array().empty());
  CHECK(skole.at("outside_filter") == json::value(json::array{"eli-hagen"}));
  const json::object helse = body_of(call(h, "GET", "/api/v1/people?unit=helse&updated_since=" + as_of, hr));
  CHECK(helse.at("people").as_array().size() == 1);
  CHECK(helse.at("outside_filter").as_array().empty());
  CHECK_FALSE(body_of(call(h, "GET", "/api/v1/people?updated_since=" + as_of, hr)).contains("outside_filter"));
}

TEST_CASE("a dated change starts from the person as they will be on its day, so a move back is kept") {
  Host h;
  const auto hr = add_token(h, "hr");
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 201);  // in skole
  REQUIRE(call(h, "PATCH", "/api/v1/people/eli-hagen?effective=2027-06-01", hr, R"({"unit": "helse"})",
               "application/merge-patch+json")
              .status == 202);
  const auto back = call(h, "PATCH", "/api/v1/people/eli-hagen?effective=2027-09-01", hr, R"({"unit": "skole"})",
                         "application/merge-patch+json");
  REQUIRE(back.status == 202);
  const json::array scheduled = body_of(back).at("scheduled").as_array();
  REQUIRE(scheduled.size() == 2);
  CHECK(scheduled[1].at("changes") == json::value(json::object{{"unit", "skole"}}));
  // A request that changes nothing on its day leaves that day without a change.
  const auto none = call(h, "PATCH", "/api/v1/people/eli-hagen?effective=2027-09-01", hr, R"({"unit": "helse"})",
                         "application/merge-patch+json");
  CHECK(none.status == 200);
  CHECK(body_of(none).at("scheduled").as_array().size() == 1);
}

TEST_CASE("a removed person's dated changes go with them and do not reach someone stored again under the id") {
  Host h;
  const auto hr = add_token(h, "hr");
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 201);
  REQUIRE(call(h, "PATCH", "/api/v1/people/eli-hagen?effective=2027-06-01", hr, R"({"unit": "helse"})",
               "application/merge-patch+json")
              .status == 202);
  REQUIRE(call(h, "DELETE", "/api/v1/people/eli-hagen", hr).status == 204);
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 201);
  CHECK(body_of(call(h, "GET", "/api/v1/people/eli-hagen", hr)).at("scheduled").as_array().empty());
}

TEST_CASE("withdrawing a dated change again with the If-Match of the first try answers 204") {
  Host h;
  const auto hr = add_token(h, "hr");
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 201);
  const auto made = call(h, "PATCH", "/api/v1/people/eli-hagen?effective=2027-06-01", hr, R"({"unit": "helse"})",
                         "application/merge-patch+json");
  const std::string etag = header(made, "ETag");
  CHECK(call_if(h, "DELETE", "/api/v1/people/eli-hagen/scheduled/2027-06-01", hr, "", etag).status == 204);
  CHECK(call_if(h, "DELETE", "/api/v1/people/eli-hagen/scheduled/2027-06-01", hr, "", etag).status == 204);
  problem_of(call(h, "DELETE", "/api/v1/people/eli-hagen/scheduled/2027-06-01?x=1", hr), 400);
}

TEST_CASE("one person may have at most 100 changes dated ahead") {
  Host h;
  const auto hr = add_token(h, "hr");
  REQUIRE(call(h, "PUT", "/api/v1/people/eli-hagen", hr, kEli).status == 201);
  LocalDays day{date::year{2027} / 6 / 1};
  for (int i = 0; i < 100; ++i, day += date::days{1}) {
    const std::string unit = i % 2 ? "skole" : "helse";
    REQUIRE(call(h, "PATCH", "/api/v1/people/eli-hagen?effective=" + format_date(day), hr, R"({"unit": ")" + unit + "\"}",
                 "application/merge-patch+json")
                .status == 202);
  }
  const auto p = problem_of(call(h, "PATCH", "/api/v1/people/eli-hagen?effective=" + format_date(day), hr,
                                 R"({"unit": "helse"})", "application/merge-patch+json"),
                            409);
  CHECK(str(p.at("detail")).find("withdraw one first") != std::string::npos);
}
