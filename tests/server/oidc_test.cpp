#include <catch2/catch.hpp>

#include <boost/asio.hpp>
#include <cjose/cjose.h>
#include <thread>

#include "server/oidc.h"
#include "tests/server/oidc_keys.h"

using namespace arshjul;
using namespace arshjul::test;

namespace {

const SysSeconds kNow = SysSeconds{Seconds{1'800'000'000}};

IdTokenExpect expect() { return IdTokenExpect{"https://idp.example", "arshjul", "n-0S6_WzA2Mj", kNow}; }

std::string claims(const std::string& extra = "", long long exp_in = 300, const std::string& iss = "https://idp.example",
                   const std::string& nonce = "n-0S6_WzA2Mj") {
  const long long now = kNow.time_since_epoch().count();
  return R"({"iss":")" + iss + R"(","aud":"arshjul","sub":"u1","nonce":")" + nonce + R"(","iat":)" + std::to_string(now) +
         R"(,"exp":)" + std::to_string(now + exp_in) + extra + "}";
}

}  // namespace

TEST_CASE("An ID token signed with a key of the provider's set, for this client and with our nonce, verifies") {
  TestKey key("k1");
  auto set = KeySet::parse(jwks({&key}));
  REQUIRE(set);
  auto ok = verify_id_token(key.sign(claims(R"(,"email":"ola@example.no")")), **set, expect());
  REQUIRE(ok);
  CHECK(ok->find("ola@example.no") != std::string::npos);
}

TEST_CASE("A tampered ID token (claims changed after signing) is refused") {
  TestKey key("k1");
  auto set = KeySet::parse(jwks({&key}));
  std::string jwt = key.sign(claims(R"(,"email":"ola@example.no")"));
  // Swap the payload for another one, keeping header and signature.
  const auto a = jwt.find('.'), b = jwt.rfind('.');
  const std::string other = key.sign(claims(R"(,"email":"boss@example.no")"));
  jwt = jwt.substr(0, a) + other.substr(other.find('.'), other.rfind('.') - other.find('.')) + jwt.substr(b);
  auto r = verify_id_token(jwt, **set, expect());
  REQUIRE_FALSE(r);
  CHECK(r.error() == "the ID token's signature does not verify");
}

TEST_CASE("An ID token with another nonce than the sign-in's is refused") {
  TestKey key("k1");
  auto set = KeySet::parse(jwks({&key}));
  auto r = verify_id_token(key.sign(claims("", 300, "https://idp.example", "someone-elses")), **set, expect());
  REQUIRE_FALSE(r);
  CHECK(r.error() == "the ID token's nonce does not match");
}

TEST_CASE("An expired ID token is refused, past a minute's leeway for clock skew") {
  TestKey key("k1");
  auto set = KeySet::parse(jwks({&key}));
  CHECK(verify_id_token(key.sign(claims("", -30)), **set, expect()));  // within the leeway
  auto r = verify_id_token(key.sign(claims("", -61)), **set, expect());
  REQUIRE_FALSE(r);
  CHECK(r.error().rfind("the ID token expired at ", 0) == 0);
}

TEST_CASE("An ID token from another issuer is refused") {
  TestKey key("k1");
  auto set = KeySet::parse(jwks({&key}));
  auto r = verify_id_token(key.sign(claims("", 300, "https://evil.example")), **set, expect());
  REQUIRE_FALSE(r);
  CHECK(r.error() == "the ID token was issued by \"https://evil.example\", expected \"https://idp.example\"");
}

TEST_CASE("An ID token for another client (aud) is refused") {
  TestKey key("k1");
  auto set = KeySet::parse(jwks({&key}));
  IdTokenExpect e = expect();
  e.client_id = "other-app";
  CHECK_FALSE(verify_id_token(key.sign(claims()), **set, e));
}

TEST_CASE("An ID token signed with a key not in the provider's set is refused, even under a known kid") {
  TestKey published("k1"), attacker("k2"), impostor("k1");
  auto set = KeySet::parse(jwks({&published}));
  auto unknown = verify_id_token(attacker.sign(claims()), **set, expect());
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error() == "the ID token is signed with a key (kid \"k2\") not in the provider's key set");
  auto forged = verify_id_token(impostor.sign(claims()), **set, expect());
  REQUIRE_FALSE(forged);
  CHECK(forged.error() == "the ID token's signature does not verify");
}

TEST_CASE("An ID token with the algorithm none or HS256 is refused") {
  TestKey key("k1");
  auto set = KeySet::parse(jwks({&key}));
  const std::string body = key.sign(claims());
  const std::string payload = body.substr(body.find('.'), body.rfind('.') - body.find('.'));
  // {"alg":"none","kid":"k1"} and {"alg":"HS256","kid":"k1"}
  for (const std::string header : {"eyJhbGciOiJub25lIiwia2lkIjoiazEifQ", "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0"}) {
    auto r = verify_id_token(header + payload + ".c2lnbmF0dXJl", **set, expect());
    CHECK_FALSE(r);
  }
}

TEST_CASE("The claims name the person by the configured claim, and HR by a group in an array") {
  SignIn cfg;
  cfg.hr_claim = "groups";
  cfg.hr_value = "hr-group-id";
  auto c = read_claims(cfg, R"({"sub":"u1","email":"Ola@Example.no","name":"Ola","groups":["a","hr-group-id"]})");
  CHECK(c.person_value == "Ola@Example.no");
  CHECK(c.name == "Ola");
  CHECK(c.hr);
  CHECK_FALSE(read_claims(cfg, R"({"sub":"u1","groups":["a"]})").hr);
  CHECK_FALSE(read_claims(cfg, R"({"sub":"u1","roles":"hr-group-id"})").hr);
}

TEST_CASE("PKCE's S256 challenge is RFC 7636's example") {
  CHECK(pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  CHECK(pkce_verifier().size() >= 43);
}

TEST_CASE("A token under a key id the cached set lacks fetches the set again (rotation), at most once a minute") {
  FakeProvider idp;
  idp.now = kNow.time_since_epoch().count();
  ManualClock wall(kNow);
  OidcClient client(idp.sign_in(), "secret", idp.fetch(), wall);
  idp.next_nonce = "n1";
  REQUIRE(client.finish("http://127.0.0.1/login/callback", "code", "verifier", "n1"));
  CHECK(client.key_fetches() == 1);
  idp.rotate();  // a new key signs from now on, some time later
  wall.advance(std::chrono::minutes{2});
  idp.now += 120;
  idp.next_nonce = "n2";
  auto after = client.finish("http://127.0.0.1/login/callback", "code", "verifier", "n2");
  REQUIRE(after);
  CHECK(client.key_fetches() == 2);
  // A token under a key the provider never published does not make us fetch again within the minute.
  idp.sign_with_unpublished = true;
  idp.next_nonce = "n3";
  CHECK_FALSE(client.finish("http://127.0.0.1/login/callback", "code", "verifier", "n3"));
  CHECK(client.key_fetches() == 2);
}

TEST_CASE("A discovery document that names another issuer is refused") {
  FakeProvider idp;
  idp.discovery_issuer = "https://evil.example";
  ManualClock wall(kNow);
  OidcClient client(idp.sign_in(), "secret", idp.fetch(), wall);
  auto url = client.authorize_url("http://127.0.0.1/login/callback", "s", "n", "c");
  REQUIRE_FALSE(url);
  CHECK(url.error().find("names the issuer \"https://evil.example\"") != std::string::npos);
}

TEST_CASE("The authorization URL asks for a code with PKCE S256, state and nonce") {
  FakeProvider idp;
  ManualClock wall(kNow);
  OidcClient client(idp.sign_in(), "secret", idp.fetch(), wall);
  auto url = client.authorize_url("http://127.0.0.1:8080/login/callback", "st", "no", "ch");
  REQUIRE(url);
  CHECK(url->rfind("https://idp.example/authorize?", 0) == 0);
  for (const char* part : {"response_type=code", "client_id=arshjul", "state=st", "nonce=no", "code_challenge=ch",
                           "code_challenge_method=S256", "redirect_uri=http://127.0.0.1:8080/login/callback"})
    CHECK(url->find(part) != std::string::npos);
}

TEST_CASE("Fetching from a provider that accepts but never answers gives up after the timeout, with a message") {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor silent(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const std::string url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/jwks";
  auto reply = http_fetch("", Seconds{1})(url, "", {});
  REQUIRE_FALSE(reply);
  CHECK(reply.error() == url + ": no answer within 1 s");
}

TEST_CASE("Fetching posts the form and reads the provider's answer") {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = acceptor.local_endpoint().port();
  std::string seen;
  std::thread provider([&] {
    boost::asio::ip::tcp::socket s(ioc);
    acceptor.accept(s);
    boost::asio::streambuf in;
    boost::asio::read_until(s, in, "code=c1");
    seen.assign(boost::asio::buffers_begin(in.data()), boost::asio::buffers_end(in.data()));
    const std::string out = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
    boost::asio::write(s, boost::asio::buffer(out));
  });
  auto reply = http_fetch("", Seconds{5})("http://127.0.0.1:" + std::to_string(port) + "/token", "code=c1",
                                          {{"Authorization", "Basic YTpi"}});
  provider.join();
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(reply->body == "{}");
  CHECK(seen.find("POST /token HTTP/1.1") == 0);
  CHECK(seen.find("Authorization: Basic YTpi") != std::string::npos);
}
