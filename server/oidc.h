// Sign-in with an OpenID Connect provider (docs/sign-in.md): the
// authorization code flow with PKCE (S256), `state` and `nonce`; the ID
// token's signature checked by cjose against the provider's published keys
// (JWKS from its discovery document, fetched again when a token names a key
// id not in the set: key rotation), and its claims (iss, aud, azp, exp, iat,
// nonce, sub) checked here.
//
// Outbound calls are blocking and run on the calling thread (a worker,
// never an io thread), each with an io_context of its own and a timeout.
//
// Thread-safety: OidcClient is safe to share; the discovery document and the
// key set are cached behind one lock, which is not held during a fetch.
// Errors: values with a message for the log; nothing here throws for what a
// provider or a browser sends.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "calendars/expected.h"
#include "scheduler/clock.h"
#include "threads/mutex.h"
#include "workflows/model.h"

namespace arshjul {

struct HttpReply {
  unsigned status = 0;
  std::string body;
};

// A GET (`form` empty) or an application/x-www-form-urlencoded POST.
using HttpFetch = std::function<Expected<HttpReply>(const std::string& url, const std::string& form,
                                                   const std::vector<std::pair<std::string, std::string>>& headers)>;

// Real HTTP(S) with Beast: https with the system's CAs (and `ca_file`,
// PEM, when given), peer and host-name verification; plain http only where
// the config allowed it (loopback). At most `timeout` per request and 1 MB
// of body.
HttpFetch http_fetch(std::string ca_file, Seconds timeout);

// A provider's signing keys (a JWK set), immutable once parsed. Keys whose
// "use" is "enc" are left out.
class KeySet {
 public:
  static Expected<std::shared_ptr<const KeySet>> parse(std::string_view jwks_json);
  ~KeySet();
  struct Key;  // a cjose JWK and its kid; defined in oidc.cpp
  // The key with this kid; with no kid, the only key, if there is one.
  const Key* find(std::string_view kid) const;
  bool has(std::string_view kid) const { return find(kid) != nullptr; }
  std::size_t size() const { return keys_.size(); }

 private:
  KeySet() = default;
  std::vector<std::unique_ptr<Key>> keys_;
};

// What an ID token must say.
struct IdTokenExpect {
  std::string issuer;
  std::string client_id;
  std::string nonce;
  SysSeconds now{};
  Seconds leeway{60};  // clock skew allowed on exp and iat
};

// The key id in a compact JWS's protected header ("" when it names none).
std::string id_token_kid(std::string_view jwt);

// Checks the signature (algorithms RS*, PS*, ES*; the key's type must fit)
// and the claims. Returns the claims as JSON text, or why not ("signature
// does not verify", "nonce does not match", "expired at ...").
Expected<std::string> verify_id_token(std::string_view jwt, const KeySet& keys, const IdTokenExpect& expect);

// Who a verified token names, read by the config's claims.
struct SignInClaims {
  std::string subject;       // sub
  std::string person_value;  // the person_claim's value (e-mail by default), "" if absent
  std::string name;          // name, else preferred_username, else the person value
  bool hr = false;           // hr_claim holds hr_value (a string, or an array of strings)
};
SignInClaims read_claims(const SignIn& config, std::string_view claims_json);

// PKCE: a fresh verifier (RFC 7636: 43 characters of base64url) and its S256 challenge.
std::string pkce_verifier();
std::string pkce_challenge(std::string_view verifier);

class OidcClient {
 public:
  // `secret` is the client secret as read from its file or variable.
  OidcClient(SignIn config, std::string secret, HttpFetch fetch, const Clock& wall);

  const SignIn& config() const { return config_; }

  // The provider's authorization URL for this sign-in.
  Expected<std::string> authorize_url(const std::string& redirect_uri, const std::string& state,
                                      const std::string& nonce, const std::string& code_challenge) EXCLUDES(mu_);

  // Redeems `code` at the token endpoint and verifies the ID token it
  // returns; a token signed with a key id not in the cached set fetches the
  // set again (at most once a minute) before it is refused.
  Expected<SignInClaims> finish(const std::string& redirect_uri, const std::string& code,
                                const std::string& code_verifier, const std::string& nonce) EXCLUDES(mu_);

  // How often the key set was fetched (tests see rotation by it).
  int key_fetches() const EXCLUDES(mu_);

 private:
  struct Discovery {
    std::string authorization_endpoint, token_endpoint, jwks_uri;
    bool post_secret = false;  // client_secret_post: only when the provider does not take HTTP Basic
  };
  Expected<Discovery> discovery() EXCLUDES(mu_);
  Expected<std::shared_ptr<const KeySet>> keys(bool refresh) EXCLUDES(mu_);

  const SignIn config_;
  const std::string secret_;
  const HttpFetch fetch_;
  const Clock& wall_;
  mutable Mutex mu_;
  std::optional<Discovery> discovery_ GUARDED_BY(mu_);
  std::shared_ptr<const KeySet> keys_ GUARDED_BY(mu_);
  SysSeconds keys_fetched_ GUARDED_BY(mu_){};
  int key_fetches_ GUARDED_BY(mu_) = 0;
};

}  // namespace arshjul
