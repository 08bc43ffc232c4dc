#include "server/oidc.h"

#include <algorithm>
#include <array>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>
#include <cjose/cjose.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "scheduler/tokens.h"

namespace arshjul {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace json = boost::json;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxBody = 1 << 20;
// A token naming an unknown key fetches the set again, but not more often
// than this: forged tokens must not make us hammer the provider.
constexpr Seconds kKeyRefetchGap{60};

std::string base64url(const unsigned char* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(len));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::string form_encode(std::string_view s) {
  boost::urls::encoding_opts opts;
  opts.space_as_plus = false;
  return boost::urls::encode(s, boost::urls::unreserved_chars, opts);
}

// ---- HTTP(S) out, on the caller's thread ----------------------------------------------------------

// Runs one asynchronous operation to its end on `ioc`, or until `deadline`.
// A chain of these rather than a coroutine: Clang 14 cannot emit coroutines
// under the fuzz build's ASan+coverage+debug info ("Cannot represent a
// difference across sections").
template <class Start>
beast::error_code run_step(asio::io_context& ioc, std::chrono::steady_clock::time_point deadline, Start start) {
  beast::error_code result;
  bool done = false;
  start([&](beast::error_code ec, auto&&...) {
    result = ec;
    done = true;
  });
  ioc.restart();
  while (!done && ioc.run_one_until(deadline) > 0) {
  }
  return done ? result : beast::error_code{asio::error::timed_out};
}

beast::error_code exchange(asio::io_context& ioc, tcp::resolver& resolver, beast::tcp_stream& plain,
                           std::optional<beast::ssl_stream<beast::tcp_stream>>& tls, const std::string& host,
                           const std::string& port, http::request<http::string_body>& req,
                           http::response_parser<http::string_body>& parser, Seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  tcp::resolver::results_type results;
  beast::error_code ec = run_step(ioc, deadline, [&](auto done) {
    resolver.async_resolve(host, port, [&results, done](beast::error_code e, tcp::resolver::results_type r) mutable {
      results = std::move(r);
      done(e);
    });
  });
  if (ec) return ec;
  beast::tcp_stream& lowest = tls ? beast::get_lowest_layer(*tls) : plain;
  lowest.expires_after(timeout);  // covers every step below
  if ((ec = run_step(ioc, deadline, [&](auto done) { lowest.async_connect(results, done); }))) return ec;
  beast::flat_buffer buffer;
  if (tls) {
    if ((ec = run_step(ioc, deadline, [&](auto done) { tls->async_handshake(ssl::stream_base::client, done); })))
      return ec;
    if ((ec = run_step(ioc, deadline, [&](auto done) { http::async_write(*tls, req, done); }))) return ec;
    return run_step(ioc, deadline, [&](auto done) { http::async_read(*tls, buffer, parser, done); });
  }
  if ((ec = run_step(ioc, deadline, [&](auto done) { http::async_write(plain, req, done); }))) return ec;
  return run_step(ioc, deadline, [&](auto done) { http::async_read(plain, buffer, parser, done); });
}

Expected<HttpReply> fetch_once(const std::string& url, const std::string& form,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               const std::string& ca_file, Seconds timeout) {
  auto u = boost::urls::parse_uri(url);
  if (!u || (u->scheme() != "https" && u->scheme() != "http") || u->host().empty())
    return Error{url + ": expected an http(s) URL"};
  const bool https = u->scheme() == "https";
  std::string host(u->host());
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  const std::string port = u->has_port() ? std::string(u->port()) : https ? "443" : "80";
  std::string target(u->encoded_target());
  if (target.empty()) target = "/";

  asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::tcp_stream plain(ioc);
  if (https) {
    ctx.set_default_verify_paths();
    ctx.set_verify_mode(ssl::verify_peer);
    if (!ca_file.empty()) {
      beast::error_code ec;
      ctx.load_verify_file(ca_file, ec);
      if (ec) return Error{"cannot load ca_file " + ca_file + ": " + ec.message()};
    }
    tls.emplace(ioc, ctx);
    if (!SSL_set_tlsext_host_name(tls->native_handle(), host.c_str())) return Error{url + ": cannot set SNI"};
    tls->set_verify_callback(ssl::host_name_verification(host));
  }
  http::request<http::string_body> req{form.empty() ? http::verb::get : http::verb::post, target, 11};
  req.set(http::field::host, std::string(u->encoded_host_and_port()));
  req.set(http::field::user_agent, "arshjul");
  req.set(http::field::accept, "application/json");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!form.empty()) {
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body() = form;
  }
  req.prepare_payload();
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxBody);
  tcp::resolver resolver(ioc);
  const beast::error_code ec = exchange(ioc, resolver, plain, tls, host, port, req, parser, timeout);
  if (ec == asio::error::timed_out || ec == beast::error::timeout)
    return Error{url + ": no answer within " + std::to_string(timeout.count()) + " s"};
  if (ec) return Error{url + ": " + ec.message()};
  return HttpReply{parser.get().result_int(), std::move(parser.get().body())};
}

Expected<json::object> json_object(const HttpReply& r, const std::string& what) {
  if (r.status != 200) {
    std::string detail = r.body.substr(0, 300);
    return Error{what + " answered HTTP " + std::to_string(r.status) + (detail.empty() ? "" : ": " + detail)};
  }
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object()) return Error{what + " did not answer a JSON object"};
  return v.as_object();
}

std::string string_at(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string();
}

// ---- cjose ------------------------------------------------------------------------------------------

struct JwsRelease {
  void operator()(cjose_jws_t* j) const { cjose_jws_release(j); }
};
using JwsPtr = std::unique_ptr<cjose_jws_t, JwsRelease>;

JwsPtr import_jws(std::string_view jwt) {
  // A compact JWS is three base64url parts: nothing else goes to the parser.
  if (jwt.empty() || jwt.size() > 16384 || std::count(jwt.begin(), jwt.end(), '.') != 2) return nullptr;
  cjose_err err{};
  return JwsPtr(cjose_jws_import(jwt.data(), jwt.size(), &err));
}

std::string header_field(cjose_jws_t* jws, const char* name) {
  cjose_err err{};
  cjose_header_t* h = cjose_jws_get_protected(jws);
  if (!h) return {};
  const char* v = cjose_header_get(h, name, &err);
  return v ? std::string(v) : std::string();
}

// The algorithms an ID token may use, and the key type each needs. "none"
// and the HMAC ones (keyed with the client secret) are not among them.
std::optional<cjose_jwk_kty_t> key_type_for(std::string_view alg) {
  static constexpr std::array<std::string_view, 6> rsa{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"};
  static constexpr std::array<std::string_view, 3> ec{"ES256", "ES384", "ES512"};
  if (std::find(rsa.begin(), rsa.end(), alg) != rsa.end()) return CJOSE_JWK_KTY_RSA;
  if (std::find(ec.begin(), ec.end(), alg) != ec.end()) return CJOSE_JWK_KTY_EC;
  return std::nullopt;
}

std::string utc_text(SysSeconds t) { return date::format("%FT%TZ", t); }

}  // namespace

struct KeySet::Key {
  std::string kid;
  cjose_jwk_t* jwk = nullptr;
  ~Key() {
    if (jwk) cjose_jwk_release(jwk);
  }
};

KeySet::~KeySet() = default;

Expected<std::shared_ptr<const KeySet>> KeySet::parse(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object() || !v.as_object().contains("keys") || !v.as_object().at("keys").is_array())
    return Error{"expected a JWK set: a JSON object with a \"keys\" array"};
  std::shared_ptr<KeySet> set(new KeySet());
  for (const json::value& k : v.as_object().at("keys").as_array()) {
    if (!k.is_object()) continue;
    const json::object& o = k.as_object();
    if (string_at(o, "use") == "enc") continue;
    const std::string one = json::serialize(o);
    cjose_err err{};
    cjose_jwk_t* jwk = cjose_jwk_import(one.data(), one.size(), &err);
    if (!jwk) continue;  // a key type cjose does not know cannot have signed what we accept
    auto key = std::make_unique<Key>();
    key->kid = string_at(o, "kid");
    key->jwk = jwk;
    set->keys_.push_back(std::move(key));
  }
  return std::shared_ptr<const KeySet>(std::move(set));
}

const KeySet::Key* KeySet::find(std::string_view kid) const {
  if (kid.empty()) return keys_.size() == 1 ? keys_.front().get() : nullptr;
  for (const auto& k : keys_)
    if (k->kid == kid) return k.get();
  return nullptr;
}

std::string id_token_kid(std::string_view jwt) {
  JwsPtr jws = import_jws(jwt);
  return jws ? header_field(jws.get(), "kid") : std::string();
}

Expected<std::string> verify_id_token(std::string_view jwt, const KeySet& keys, const IdTokenExpect& expect) {
  JwsPtr jws = import_jws(jwt);
  if (!jws) return Error{"the ID token is not a compact JWS"};
  const std::string alg = header_field(jws.get(), "alg");
  const auto kty = key_type_for(alg);
  if (!kty) return Error{"the ID token's algorithm \"" + alg + "\" is not accepted (expected RS*, PS* or ES*)"};
  const std::string kid = header_field(jws.get(), "kid");
  const KeySet::Key* key = keys.find(kid);
  if (!key) return Error{"the ID token is signed with a key (kid \"" + kid + "\") not in the provider's key set"};
  cjose_err err{};
  if (cjose_jwk_get_kty(key->jwk, &err) != *kty) return Error{"the key \"" + kid + "\" does not fit the algorithm " + alg};
  if (!cjose_jws_verify(jws.get(), key->jwk, &err)) return Error{"the ID token's signature does not verify"};
  uint8_t* plain = nullptr;
  std::size_t plain_len = 0;
  if (!cjose_jws_get_plaintext(jws.get(), &plain, &plain_len, &err)) return Error{"the ID token has no payload"};
  const std::string payload(reinterpret_cast<const char*>(plain), plain_len);

  boost::system::error_code ec;
  json::value v = json::parse(payload, ec);
  if (ec || !v.is_object()) return Error{"the ID token's claims are not a JSON object"};
  const json::object& c = v.as_object();
  if (string_at(c, "iss") != expect.issuer)
    return Error{"the ID token was issued by \"" + string_at(c, "iss") + "\", expected \"" + expect.issuer + "\""};
  bool for_us = false;
  std::size_t audiences = 0;
  if (auto it = c.find("aud"); it != c.end()) {
    if (it->value().is_string()) {
      for_us = it->value().as_string() == expect.client_id;
      audiences = 1;
    } else if (it->value().is_array()) {
      for (const auto& a : it->value().as_array()) {
        ++audiences;
        for_us = for_us || (a.is_string() && a.as_string() == expect.client_id);
      }
    }
  }
  if (!for_us) return Error{"the ID token is not for this client (aud)"};
  if (audiences > 1 && string_at(c, "azp") != expect.client_id)
    return Error{"the ID token has several audiences and its azp is not this client"};
  auto seconds = [&](std::string_view name) -> std::optional<SysSeconds> {
    auto it = c.find(name);
    if (it == c.end() || !it->value().is_number()) return std::nullopt;
    return SysSeconds{Seconds{static_cast<long long>(it->value().to_number<double>())}};
  };
  const auto exp = seconds("exp"), iat = seconds("iat");
  if (!exp || !iat) return Error{"the ID token lacks exp or iat"};
  if (*exp + expect.leeway <= expect.now) return Error{"the ID token expired at " + utc_text(*exp)};
  if (*iat - expect.leeway > expect.now) return Error{"the ID token was issued in the future (" + utc_text(*iat) + ")"};
  if (expect.nonce.empty() || string_at(c, "nonce") != expect.nonce) return Error{"the ID token's nonce does not match"};
  if (string_at(c, "sub").empty()) return Error{"the ID token names no subject (sub)"};
  return payload;
}

SignInClaims read_claims(const SignIn& config, std::string_view claims_json) {
  SignInClaims out;
  boost::system::error_code ec;
  json::value v = json::parse(claims_json, ec);
  if (ec || !v.is_object()) return out;
  const json::object& c = v.as_object();
  out.subject = string_at(c, "sub");
  out.person_value = string_at(c, config.person_claim);
  out.name = string_at(c, "name");
  if (out.name.empty()) out.name = string_at(c, "preferred_username");
  if (out.name.empty()) out.name = out.person_value;
  if (!config.hr_claim.empty()) {
    if (auto it = c.find(config.hr_claim); it != c.end()) {
      if (it->value().is_string()) out.hr = it->value().as_string() == config.hr_value;
      else if (it->value().is_array())
        for (const auto& g : it->value().as_array()) out.hr = out.hr || (g.is_string() && g.as_string() == config.hr_value);
    }
  }
  return out;
}

std::string pkce_verifier() { return new_token() + new_token(); }

std::string pkce_challenge(std::string_view verifier) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
  return base64url(digest, sizeof digest);
}

HttpFetch http_fetch(std::string ca_file, Seconds timeout) {
  return [ca_file = std::move(ca_file), timeout](const std::string& url, const std::string& form,
                                                 const std::vector<std::pair<std::string, std::string>>& headers) {
    return fetch_once(url, form, headers, ca_file, timeout);
  };
}

// ---- the client ---------------------------------------------------------------------------------

OidcClient::OidcClient(SignIn config, std::string secret, HttpFetch fetch, const Clock& wall)
    : config_(std::move(config)), secret_(std::move(secret)), fetch_(std::move(fetch)), wall_(wall) {}

Expected<OidcClient::Discovery> OidcClient::discovery() {
  {
    MutexLock lock(&mu_);
    if (discovery_) return *discovery_;
  }
  std::string base = config_.issuer;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string url = base + "/.well-known/openid-configuration";
  auto reply = fetch_(url, "", {});
  if (!reply) return Error{"discovery: " + reply.error()};
  auto doc = json_object(*reply, url);
  if (!doc) return Error{doc.error()};
  // OpenID Connect Discovery 1.0, 4.3: the document must name the issuer we asked.
  if (string_at(*doc, "issuer") != config_.issuer)
    return Error{url + " names the issuer \"" + string_at(*doc, "issuer") + "\", expected \"" + config_.issuer + "\""};
  Discovery d;
  d.authorization_endpoint = string_at(*doc, "authorization_endpoint");
  d.token_endpoint = string_at(*doc, "token_endpoint");
  d.jwks_uri = string_at(*doc, "jwks_uri");
  if (d.authorization_endpoint.empty() || d.token_endpoint.empty() || d.jwks_uri.empty())
    return Error{url + " lacks authorization_endpoint, token_endpoint or jwks_uri"};
  // HTTP Basic (the specification's default, and what a registration gets
  // unless told otherwise), unless the provider offers only the form post.
  if (auto it = doc->find("token_endpoint_auth_methods_supported"); it != doc->end() && it->value().is_array()) {
    bool basic = false, post = false;
    for (const auto& m : it->value().as_array()) {
      basic = basic || (m.is_string() && m.as_string() == "client_secret_basic");
      post = post || (m.is_string() && m.as_string() == "client_secret_post");
    }
    d.post_secret = post && !basic;
  }
  MutexLock lock(&mu_);
  discovery_ = d;
  return d;
}

Expected<std::shared_ptr<const KeySet>> OidcClient::keys(bool refresh) {
  const SysSeconds now = wall_.now();
  {
    MutexLock lock(&mu_);
    if (keys_ && (!refresh || now - keys_fetched_ < kKeyRefetchGap)) return keys_;
  }
  auto d = discovery();
  if (!d) return Error{d.error()};
  auto reply = fetch_(d->jwks_uri, "", {});
  if (!reply) return Error{"keys: " + reply.error()};
  if (reply->status != 200) return Error{d->jwks_uri + " answered HTTP " + std::to_string(reply->status)};
  auto set = KeySet::parse(reply->body);
  if (!set) return Error{d->jwks_uri + ": " + set.error()};
  MutexLock lock(&mu_);
  keys_ = *set;
  keys_fetched_ = now;
  ++key_fetches_;
  return keys_;
}

int OidcClient::key_fetches() const {
  MutexLock lock(&mu_);
  return key_fetches_;
}

Expected<std::string> OidcClient::authorize_url(const std::string& redirect_uri, const std::string& state,
                                                const std::string& nonce, const std::string& code_challenge) {
  auto d = discovery();
  if (!d) return Error{d.error()};
  auto u = boost::urls::parse_uri(d->authorization_endpoint);
  if (!u) return Error{"the authorization_endpoint is not a URL"};
  boost::urls::url url(*u);
  auto params = url.params();
  params.append({"response_type", "code"});
  params.append({"client_id", config_.client_id});
  params.append({"redirect_uri", redirect_uri});
  params.append({"scope", "openid profile email"});
  params.append({"state", state});
  params.append({"nonce", nonce});
  params.append({"code_challenge", code_challenge});
  params.append({"code_challenge_method", "S256"});
  return std::string(url.buffer());
}

Expected<SignInClaims> OidcClient::finish(const std::string& redirect_uri, const std::string& code,
                                          const std::string& code_verifier, const std::string& nonce) {
  auto d = discovery();
  if (!d) return Error{d.error()};
  std::string form = "grant_type=authorization_code&code=" + form_encode(code) + "&redirect_uri=" +
                     form_encode(redirect_uri) + "&code_verifier=" + form_encode(code_verifier);
  std::vector<std::pair<std::string, std::string>> headers;
  if (d->post_secret) {
    form += "&client_id=" + form_encode(config_.client_id) + "&client_secret=" + form_encode(secret_);
  } else {
    // RFC 6749 2.3.1: id and secret form-encoded, then Basic.
    const std::string pair = form_encode(config_.client_id) + ":" + form_encode(secret_);
    std::string b64(4 * ((pair.size() + 2) / 3) + 1, '\0');
    b64.resize(static_cast<std::size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                                        reinterpret_cast<const unsigned char*>(pair.data()),
                                                        static_cast<int>(pair.size()))));
    headers.emplace_back("Authorization", "Basic " + b64);
  }
  auto reply = fetch_(d->token_endpoint, form, headers);
  if (!reply) return Error{"token: " + reply.error()};
  auto answer = json_object(*reply, d->token_endpoint);
  if (!answer) return Error{answer.error()};
  const std::string id_token = string_at(*answer, "id_token");
  if (id_token.empty()) return Error{d->token_endpoint + " returned no id_token"};

  auto set = keys(false);
  if (!set) return Error{set.error()};
  const std::string kid = id_token_kid(id_token);
  if (!(*set)->has(kid)) {
    // The provider may have rotated its keys since we fetched them.
    set = keys(true);
    if (!set) return Error{set.error()};
  }
  IdTokenExpect expect{config_.issuer, config_.client_id, nonce, wall_.now()};
  auto claims = verify_id_token(id_token, **set, expect);
  if (!claims) return Error{claims.error()};
  return read_claims(config_, *claims);
}

}  // namespace arshjul
