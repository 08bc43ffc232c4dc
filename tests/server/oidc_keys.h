// Keys and a provider for tests of sign-in: RSA keys made with cjose, ID
// tokens signed with them, and a fake OpenID Provider behind the client's
// HttpFetch seam (discovery, JWKS, token endpoint). The browser tests run a
// real provider (tests/oidc); this one lets unit tests forge what a real
// one never sends.
#pragma once

#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include <cjose/cjose.h>

#include "server/oidc.h"

namespace arshjul::test {

class TestKey {
 public:
  explicit TestKey(const std::string& kid) : kid_(kid) {
    static const uint8_t e[] = {0x01, 0x00, 0x01};
    cjose_err err{};
    jwk_ = cjose_jwk_create_RSA_random(2048, e, sizeof e, &err);
    cjose_jwk_set_kid(jwk_, kid.c_str(), kid.size(), &err);
  }
  ~TestKey() { cjose_jwk_release(jwk_); }
  TestKey(const TestKey&) = delete;
  TestKey& operator=(const TestKey&) = delete;

  // A compact JWS of `payload` with RS256 and this key's kid.
  std::string sign(const std::string& payload) const {
    cjose_err err{};
    cjose_header_t* h = cjose_header_new(&err);
    cjose_header_set(h, CJOSE_HDR_ALG, CJOSE_HDR_ALG_RS256, &err);
    cjose_header_set(h, CJOSE_HDR_KID, kid_.c_str(), &err);
    cjose_jws_t* jws = cjose_jws_sign(jwk_, h, reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), &err);
    const char* compact = nullptr;
    cjose_jws_export(jws, &compact, &err);
    std::string out = compact ? compact : "";
    cjose_jws_release(jws);
    cjose_header_release(h);
    return out;
  }

  // The public key as a JWK.
  std::string public_json() const {
    cjose_err err{};
    char* json = cjose_jwk_to_json(jwk_, false, &err);
    std::string out = json ? json : "";
    cjose_get_dealloc()(json);
    return out;
  }

 private:
  std::string kid_;
  cjose_jwk_t* jwk_ = nullptr;
};

inline std::string jwks(const std::vector<const TestKey*>& keys) {
  std::string out = "{\"keys\":[";
  for (std::size_t i = 0; i < keys.size(); ++i) out += (i ? "," : "") + keys[i]->public_json();
  return out + "]}";
}

// Serves https://idp.example's discovery, keys and token endpoint.
class FakeProvider {
 public:
  std::string issuer = "https://idp.example";
  std::string discovery_issuer = "https://idp.example";
  std::string next_nonce;          // the nonce the next ID token carries
  std::string email = "ola@example.no";
  std::string groups_json = "[]";  // the "groups" claim
  bool sign_with_unpublished = false;
  long long now = static_cast<long long>(std::time(nullptr));  // the tokens' iat
  int token_calls = 0;

  FakeProvider() : keys_{} { keys_.push_back(std::make_unique<TestKey>("k1")); }

  SignIn sign_in() const {
    SignIn s;
    s.issuer = issuer;
    s.client_id = "arshjul";
    s.client_secret_env = "UNUSED";
    s.hr_claim = "groups";
    s.hr_value = "hr";
    return s;
  }

  // A new key signs from now on; the set publishes both.
  void rotate() { keys_.push_back(std::make_unique<TestKey>("k" + std::to_string(keys_.size() + 1))); }

  HttpFetch fetch() {
    return [this](const std::string& url, const std::string& form,
                  const std::vector<std::pair<std::string, std::string>>&) -> Expected<HttpReply> {
      if (url == issuer + "/.well-known/openid-configuration")
        return HttpReply{200, R"({"issuer":")" + discovery_issuer + R"(","authorization_endpoint":")" + issuer +
                                  R"(/authorize","token_endpoint":")" + issuer + R"(/token","jwks_uri":")" + issuer +
                                  R"(/jwks","token_endpoint_auth_methods_supported":["client_secret_basic"]})"};
      if (url == issuer + "/jwks") {
        std::vector<const TestKey*> published;
        for (const auto& k : keys_) published.push_back(k.get());
        return HttpReply{200, jwks(published)};
      }
      if (url == issuer + "/token" && !form.empty()) {
        ++token_calls;
        const std::string claims = R"({"iss":")" + issuer + R"(","aud":"arshjul","sub":"sub-)" + email + R"(","nonce":")" +
                                   next_nonce + R"(","iat":)" + std::to_string(now) + R"(,"exp":)" + std::to_string(now + 300) +
                                   R"(,"email":")" + email + R"(","name":"Navn Fra Leverandøren","groups":)" + groups_json + "}";
        const TestKey& signer = sign_with_unpublished ? unpublished_ : *keys_.back();
        return HttpReply{200, R"({"access_token":"at","token_type":"Bearer","id_token":")" + signer.sign(claims) + "\"}"};
      }
      return HttpReply{404, "not found"};
    };
  }

 private:
  std::vector<std::unique_ptr<TestKey>> keys_;
  TestKey unpublished_{"never-published"};
};

}  // namespace arshjul::test
