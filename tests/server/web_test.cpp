#include <catch2/catch.hpp>

#include <filesystem>

#include <unistd.h>

#include "scheduler/tokens.h"
#include "server/web.h"
#include "tests/fixtures.h"
#include "tests/server/fake_host.h"
#include "tests/server/oidc_keys.h"

using namespace arshjul;
using namespace date::literals;

namespace {

// The fake host over a configuration folder (relative to the source tree).
class Host : public test::FakeHost {
 public:
  explicit Host(std::string dir = "tests/fixtures/mini") : FakeHost(test::load(dir)), dir_(std::move(dir)) {}
  std::string config_dir() const { return std::string(ARSHJUL_SOURCE_DIR) + "/" + dir_; }

 private:
  std::string dir_;
};

WebResponse get(Host& h, WebSessions& s, const std::string& target, const std::string& cookie = "") {
  WebRequest r;
  r.method = "GET";
  r.target = target;
  r.cookie = cookie;
  r.host = "127.0.0.1:8080";
  return handle_web(h, s, h.config_dir(), r);
}

WebResponse post(Host& h, WebSessions& s, const std::string& target, const std::string& body,
                 const std::string& cookie = "", const std::string& origin = "") {
  WebRequest r;
  r.method = "POST";
  r.target = target;
  r.body = body;
  r.cookie = cookie;
  r.origin = origin;
  r.host = "127.0.0.1:8080";
  r.content_type = "application/x-www-form-urlencoded";
  return handle_web(h, s, h.config_dir(), r);
}

std::string header(const WebResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

// Signs in with a fresh token of `role`; returns the session cookie.
std::string sign_in(Host& h, WebSessions& s, const std::string& role) {
  const std::string token = new_token();
  h.storage().add_api_token(token_hash(token), role, "test", h.clock().now());
  const WebResponse r = post(h, s, "/hr/login", "token=" + token);
  REQUIRE(r.status == 303);
  const std::string set = header(r, "Set-Cookie");
  return set.substr(0, set.find(';'));
}

std::string csrf_of(const std::string& page) {
  const auto at = page.find("name=\"csrf\" value=\"");
  REQUIRE(at != std::string::npos);
  const auto from = at + 19;
  return page.substr(from, page.find('"', from) - from);
}

// A message that failed its last attempt, for the replay button.
long long dead_letter(Host& h) {
  OutboxMessage m;
  m.key = "k";
  m.hook = "h";
  m.webhook_id = "msg_1";
  m.event_type = "reminder.due";
  m.payload = "{}";
  h.storage().enqueue({m}, h.clock().now());
  const long long id = h.storage().outbox("", 1).front().id;
  h.storage().mark_failed(id, 8, h.clock().now(), "HTTP 500", true, h.clock().now());
  return id;
}

}  // namespace

TEST_CASE("The front page draws the year's wheel and the month list in bokmål") {
  Host h;
  WebSessions s;
  const WebResponse r = get(h, s, "/?year=2027");
  CHECK(r.status == 200);
  CHECK_THAT(r.body, Catch::Contains("<html lang=\"nb\">"));
  CHECK_THAT(r.body, Catch::Contains("<svg"));
  CHECK_THAT(r.body, Catch::Contains("januar 2027"));
  CHECK_THAT(header(r, "Content-Security-Policy"), Catch::Contains("script-src 'self'"));
  CHECK(get(h, s, "/?year=abc").status == 400);
}

TEST_CASE("Every visitor finds the way to the HR pages from the front page, and HR by its name") {
  Host h;
  WebSessions s;
  CHECK_THAT(get(h, s, "/").body, Catch::Contains("<a href=\"/hr\">For HR</a>"));
  const std::string hr = sign_in(h, s, "hr");
  CHECK_THAT(get(h, s, "/", hr).body, Catch::Contains("<a href=\"/hr\">HR-oversikt</a>"));
  const std::string reader = sign_in(h, s, "read");
  CHECK_THAT(get(h, s, "/", reader).body, Catch::Contains("<a href=\"/hr\">For HR</a>"));
}

TEST_CASE("HR pages need a session, and the session cookie is HttpOnly and SameSite=Lax for the whole site") {
  Host h;
  WebSessions s;
  const WebResponse anonymous = get(h, s, "/hr");
  CHECK(anonymous.status == 303);
  CHECK(header(anonymous, "Location") == "/hr/login");
  CHECK(post(h, s, "/hr/login", "token=wrong").status == 401);

  const std::string token = new_token();
  h.storage().add_api_token(token_hash(token), "hr", "test", h.clock().now());
  const WebResponse login = post(h, s, "/hr/login", "token=" + token);
  const std::string cookie = header(login, "Set-Cookie");
  CHECK_THAT(cookie, Catch::Contains("HttpOnly"));
  CHECK_THAT(cookie, Catch::Contains("SameSite=Lax"));
  CHECK_THAT(cookie, Catch::Contains("Path=/;"));
  CHECK_THAT(cookie, !Catch::Contains("Secure"));  // the public URL is http
  const WebResponse page = get(h, s, "/hr", cookie.substr(0, cookie.find(';')));
  CHECK(page.status == 200);
  CHECK_THAT(page.body, Catch::Contains("<h2 id=\"reg\">Påmeldinger</h2><p>Ingen aktivitet har automatisk påmelding.</p>"));
}

TEST_CASE("The HR page heads each registration activity's days and waiting hires with the activity's own name") {
  Host h("tests/fixtures/two-registrations");
  WebSessions s;
  const WebResponse page = get(h, s, "/hr", sign_in(h, s, "hr"));
  REQUIRE(page.status == 200);
  CHECK_THAT(page.body, Catch::Contains("<h2 id=\"reg-ansattdag\">Påmeldte per ansattdag</h2>"));
  CHECK_THAT(page.body, Catch::Contains("<h2 id=\"reg-lederintro\">Påmeldte per Introduksjonsdag for ledere</h2>"));
  CHECK_THAT(page.body, Catch::Contains("Venter på ledig Introduksjonsdag for ledere:</p><ul><li>Petter Nyleder"));
  CHECK_THAT(page.body, !Catch::Contains("Venter på ledig ansattdag"));
}

TEST_CASE("The HR page says why a hire waits and which day comes next") {
  Host h("tests/fixtures/two-registrations");
  WebSessions s;
  const WebResponse page = get(h, s, "/hr", sign_in(h, s, "hr"));
  REQUIRE(page.status == 200);
  // Nina (1 March) took the one place on 1 April; Petter (2 March) can wait 60 days.
  CHECK_THAT(page.body, Catch::Contains("<li>Petter Nyleder: Ingen Introduksjonsdag for ledere med ledig plass innen 60 "
                                        "dager etter tiltredelse tirsdag 2. mars 2027: 1 dag er full (1 plass); neste "
                                        "Introduksjonsdag for ledere med ledig plass er torsdag 2. september 2027, 184 "
                                        "dager etter tiltredelse</li>"));
}

TEST_CASE("The HR page lists the changes dated ahead, what each does and who made it") {
  Host h("config/roros");
  WebSessions s;
  const Person helene = *h.snapshot()->config.find_person("helene-rugelsjoen");
  Person after = helene;
  after.unit = "skole";
  h.storage().schedule_change({helene.id, LocalDays{date::year{2027} / 6 / 1}, helene, after, h.clock().now(), "hr-system"});
  Person leads = after;
  leads.roles = {Role::leader};
  h.storage().schedule_change({helene.id, LocalDays{date::year{2027} / 8 / 1}, after, leads, h.clock().now(), "hr-system"});
  const WebResponse page = get(h, s, "/hr", sign_in(h, s, "hr"));
  REQUIRE(page.status == 200);
  CHECK_THAT(page.body, Catch::Contains("<h2 id=\"datert\">Planlagte endringer</h2>"));
  CHECK_THAT(page.body, Catch::Contains("<tr><td>tirsdag 1. juni 2027</td><td>Helene Rugelsjøen</td><td>enhet: Røros "
                                        "sykehjem → Røros skole</td><td>hr-system</td></tr>"));
  CHECK_THAT(page.body, Catch::Contains("<td>roller: ansatt → leder</td>"));  // in bokmål, not the config's ids
}

TEST_CASE("A login form posted from another site is refused") {
  Host h;
  WebSessions s;
  const std::string token = new_token();
  h.storage().add_api_token(token_hash(token), "hr", "test", h.clock().now());
  CHECK(post(h, s, "/hr/login", "token=" + token, "", "https://evil.example").status == 403);
}

TEST_CASE("Replaying a dead letter needs the page's CSRF token and the hr role") {
  Host h;
  WebSessions s;
  const long long id = dead_letter(h);

  const std::string cookie = sign_in(h, s, "hr");
  const std::string csrf = csrf_of(get(h, s, "/hr", cookie).body);
  const std::string target = "/hr/outbox/" + std::to_string(id) + "/retry";
  CHECK(post(h, s, target, "csrf=forged", cookie).status == 403);
  CHECK(h.storage().outbox("dead", 10).size() == 1);
  const WebResponse ok = post(h, s, target, "csrf=" + csrf, cookie);
  CHECK(ok.status == 303);
  CHECK(h.storage().outbox("dead", 10).empty());

  const std::string reader = sign_in(h, s, "read");
  const std::string reader_csrf = csrf_of(get(h, s, "/hr", reader).body);
  CHECK(post(h, s, target, "csrf=" + reader_csrf, reader).status == 403);
}

TEST_CASE("A personal link shows that person's year and both subscribe links, and an unknown one is a 404") {
  Host h;
  WebSessions s;
  const std::string token = new_token();
  h.storage().add_subscription(token_hash(token), "person:kari", h.clock().now());
  const WebResponse r = get(h, s, "/me/" + token);
  CHECK(r.status == 200);
  CHECK_THAT(r.body, Catch::Contains("webcal://"));
  CHECK_THAT(r.body, Catch::Contains("/feeds/" + token + ".ics"));
  CHECK(header(r, "Referrer-Policy") == "no-referrer");
  CHECK(get(h, s, "/me/nobody").status == 404);
}

TEST_CASE("The replay button goes through the daemon's one writer, as the API's retry does") {
  Host h;
  WebSessions s;
  const long long id = dead_letter(h);
  const std::string cookie = sign_in(h, s, "hr");
  const std::string csrf = csrf_of(get(h, s, "/hr", cookie).body);
  h.writes.clear();
  CHECK(post(h, s, "/hr/outbox/" + std::to_string(id) + "/retry", "csrf=" + csrf, cookie).status == 303);
  REQUIRE(h.writes.size() == 1);
  CHECK(h.writes.front() == "outbox message " + std::to_string(id) + " retried");
}

TEST_CASE("An internal error on a page is logged with an incident id and the page shows only the id") {
  Host h;
  WebSessions s;
  const std::string cookie = sign_in(h, s, "hr");
  const std::string csrf = csrf_of(get(h, s, "/hr", cookie).body);
  h.before_write = [] { throw std::runtime_error("disk I/O error at /var/lib/secret/path"); };
  const WebResponse r = post(h, s, "/hr/outbox/1/retry", "csrf=" + csrf, cookie);
  CHECK(r.status == 500);
  CHECK_THAT(r.body, !Catch::Contains("secret"));
  REQUIRE(h.logged.size() == 1);
  CHECK_THAT(h.logged.front(), Catch::Contains("disk I/O error at /var/lib/secret/path"));
  const auto at = r.body.find("hendelse ");
  REQUIRE(at != std::string::npos);
  const std::string incident = r.body.substr(at + 9, 10);
  CHECK_THAT(h.logged.front(), Catch::Contains("incident " + incident));
}

TEST_CASE("Revoking the API token a session was opened with ends that session at its next request") {
  Host h;
  WebSessions s;
  const std::string cookie = sign_in(h, s, "hr");
  REQUIRE(get(h, s, "/hr", cookie).status == 200);
  // The token `sign_in` stored is the only one: id 1.
  REQUIRE(h.storage().revoke_api_token(1, h.clock().now()) == TokenRevocation::revoked);
  const WebResponse after = get(h, s, "/hr", cookie);
  CHECK(after.status == 303);
  CHECK(header(after, "Location") == "/hr/login");
}

TEST_CASE("The HR page shows a hook that answered 410 as gone, and its form replays that hook's dead letters and enables it") {
  Host h;
  Config c = test::load("tests/fixtures/mini");
  Hook hook;
  hook.id = "epost";
  hook.url = "https://hooks.kommune.no/h";
  hook.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  c.hooks.push_back(hook);
  h.set_files(c);
  h.rebuild();
  for (const char* key : {"a", "b"}) {
    OutboxMessage m;
    m.key = key;
    m.hook = "epost";
    m.webhook_id = std::string("msg_") + key;
    m.event_type = "reminder.due";
    m.payload = "{}";
    m.due = m.next_attempt = h.clock().now();
    h.storage().enqueue({m}, h.clock().now());
    h.storage().mark_failed(h.storage().outbox("", 1).front().id, 1, h.clock().now(), "endpoint gone (410)", true, h.clock().now());
  }
  set_hook_gone(h.storage(), "epost", GoneHook{hook.url, h.clock().now()});
  WebSessions s;
  const std::string cookie = sign_in(h, s, "hr");
  const WebResponse page = get(h, s, "/hr", cookie);
  CHECK_THAT(page.body, Catch::Contains("Mottakeren <strong>epost</strong>"));
  CHECK_THAT(page.body, Catch::Contains("svarte 410 Gone"));
  CHECK_THAT(page.body, Catch::Contains("action=\"/hr/outbox/retry\""));
  const std::string csrf = csrf_of(page.body);

  CHECK(post(h, s, "/hr/outbox/retry", "csrf=forged&hook=epost", cookie).status == 403);
  CHECK(post(h, s, "/hr/outbox/retry", "csrf=" + csrf + "&hook=epost&from=2027-13-01", cookie).status == 400);
  CHECK(h.storage().outbox("dead", 10).size() == 2);
  const WebResponse ok = post(h, s, "/hr/outbox/retry", "csrf=" + csrf + "&hook=epost&from=&to=", cookie);
  CHECK(ok.status == 303);
  CHECK(header(ok, "Location") == "/hr?replayed_all=2");
  CHECK(h.storage().outbox("dead", 10).empty());
  CHECK_FALSE(hook_gone(h.storage(), "epost"));
  CHECK_THAT(get(h, s, "/hr?replayed_all=2", cookie).body, Catch::Contains("2 meldinger sendes på nytt"));

  const std::string reader = sign_in(h, s, "read");
  CHECK(post(h, s, "/hr/outbox/retry", "csrf=" + csrf_of(get(h, s, "/hr", reader).body) + "&hook=epost", reader).status == 403);
}

// ---- sign-in with OpenID Connect (a fake provider behind the client's fetch seam) ----------------

namespace {

// The mini fixture with [sign_in] for `idp`, and Ola with an e-mail address.
void with_sign_in(Host& h, const test::FakeProvider& idp, std::vector<Hook> hooks = {}) {
  ::setenv("ARSHJUL_TEST_OIDC_SECRET", "s3cret", 1);
  Config c = test::load("tests/fixtures/mini");
  c.hooks = std::move(hooks);
  c.sign_in = idp.sign_in();
  c.sign_in->client_secret_env = "ARSHJUL_TEST_OIDC_SECRET";
  test::person(c, "ola").email = "Ola@Example.no";
  test::person(c, "kari").email = "kari@example.no";
  h.set_files(std::move(c));
  h.rebuild();
}

std::string query_param(const std::string& url, const std::string& name) {
  const auto at = url.find("&" + name + "=") != std::string::npos ? url.find("&" + name + "=") : url.find("?" + name + "=");
  if (at == std::string::npos) return {};
  const auto from = at + name.size() + 2;
  return url.substr(from, url.find('&', from) - from);
}

std::string cookie_of(const WebResponse& r) {
  const std::string set = header(r, "Set-Cookie");
  return set.substr(0, set.find(';'));
}

// /login, then the provider's redirect back with the state and nonce it was sent.
struct Flow {
  WebResponse start, callback;
  std::string state, browser;  // the sign-in cookie the browser holds
};
Flow sign_in_oidc(Host& h, WebSessions& s, test::FakeProvider& idp) {
  Flow f;
  f.start = get(h, s, "/login?next=%2Fme");
  REQUIRE(f.start.status == 303);
  const std::string to = header(f.start, "Location");
  f.state = query_param(to, "state");
  idp.next_nonce = query_param(to, "nonce");
  f.browser = cookie_of(f.start);
  f.callback = get(h, s, "/login/callback?code=abc&state=" + f.state, f.browser);
  return f;
}

}  // namespace

TEST_CASE("Sign-in goes to the provider with PKCE, state and nonce, and brings a roster person to Mitt årshjul") {
  Host h;
  test::FakeProvider idp;
  with_sign_in(h, idp);
  WebSessions s(idp.fetch());
  Flow f = sign_in_oidc(h, s, idp);
  const std::string to = header(f.start, "Location");
  CHECK(to.rfind("https://idp.example/authorize?", 0) == 0);
  CHECK(query_param(to, "code_challenge_method") == "S256");
  CHECK(query_param(to, "redirect_uri") == "http://127.0.0.1:8080/login/callback");
  CHECK_THAT(header(f.start, "Set-Cookie"), Catch::Contains("SameSite=Lax"));
  REQUIRE(f.callback.status == 303);
  CHECK(header(f.callback, "Location") == "/me");
  const std::string session = header(f.callback, "Set-Cookie");
  CHECK_THAT(session, Catch::StartsWith("arshjul_session=") && Catch::Contains("HttpOnly") && Catch::Contains("SameSite=Lax"));
  const WebResponse me = get(h, s, "/me", cookie_of(f.callback));
  REQUIRE(me.status == 200);
  CHECK_THAT(me.body, Catch::Contains("Mitt årshjul") && Catch::Contains("Logget inn som Ola Nordmann"));
  CHECK_THAT(me.body, Catch::Contains("webcal://127.0.0.1:8080/feeds/") && Catch::Contains("<svg class=\"qr\""));
  // No Referer leaves with the links, but the page's forms still send their Origin ("no-referrer" would make it "null").
  CHECK(header(me, "Referrer-Policy") == "same-origin");
}

TEST_CASE("A sign-in's state works once: the provider's redirect replayed is refused") {
  Host h;
  test::FakeProvider idp;
  with_sign_in(h, idp);
  WebSessions s(idp.fetch());
  Flow f = sign_in_oidc(h, s, idp);
  REQUIRE(f.callback.status == 303);
  const WebResponse again = get(h, s, "/login/callback?code=abc&state=" + f.state, f.browser);
  CHECK(again.status == 400);
  CHECK_THAT(again.body, Catch::Contains("allerede brukt"));
  CHECK(idp.token_calls == 1);
}

TEST_CASE("A redirect back with a state another browser began is refused before the code is redeemed") {
  Host h;
  test::FakeProvider idp;
  with_sign_in(h, idp);
  WebSessions s(idp.fetch());
  const WebResponse start = get(h, s, "/login");
  const std::string state = query_param(header(start, "Location"), "state");
  CHECK(get(h, s, "/login/callback?code=abc&state=" + state).status == 400);  // no sign-in cookie: another browser
  CHECK(idp.token_calls == 0);
}

TEST_CASE("An ID token the provider's keys do not verify signs no one in") {
  Host h;
  test::FakeProvider idp;
  with_sign_in(h, idp);
  idp.sign_with_unpublished = true;
  WebSessions s(idp.fetch());
  Flow f = sign_in_oidc(h, s, idp);
  CHECK(f.callback.status == 401);
  CHECK_THAT(header(f.callback, "Set-Cookie"), !Catch::Contains("arshjul_session="));
  CHECK_THAT(h.logged.back(), Catch::Contains("not in the provider's key set"));
}

TEST_CASE("Someone the provider vouches for who is not in the roster gets a clear page on Mitt årshjul") {
  Host h;
  test::FakeProvider idp;
  idp.email = "stranger@example.no";
  with_sign_in(h, idp);
  WebSessions s(idp.fetch());
  Flow f = sign_in_oidc(h, s, idp);
  REQUIRE(f.callback.status == 303);
  const WebResponse me = get(h, s, "/me", cookie_of(f.callback));
  CHECK(me.status == 200);
  CHECK_THAT(me.body, Catch::Contains("vi finner deg ikke i personlisten"));
  CHECK_THAT(me.body, !Catch::Contains("/feeds/"));
  const std::string csrf = csrf_of(me.body);
  CHECK(post(h, s, "/me/feeds", "csrf=" + csrf + "&filter=all", cookie_of(f.callback)).status == 403);
}

TEST_CASE("A signed-in person outside the HR group is refused on the HR page and its forms, and one in it is HR") {
  Host h;
  test::FakeProvider idp;
  with_sign_in(h, idp);
  WebSessions s(idp.fetch());
  const long long id = dead_letter(h);
  const std::string leader = cookie_of(sign_in_oidc(h, s, idp).callback);
  const WebResponse refused = get(h, s, "/hr", leader);
  CHECK(refused.status == 403);
  CHECK_THAT(refused.body, Catch::Contains("HR-sidene er bare for HR"));
  const std::string csrf = csrf_of(get(h, s, "/me", leader).body);
  CHECK(post(h, s, "/hr/outbox/" + std::to_string(id) + "/retry", "csrf=" + csrf, leader).status == 403);
  CHECK(h.storage().outbox("dead", 10).size() == 1);
  for (const char* page : {"/hr/feeds", "/hr/tokens", "/hr/meetings", "/hr/audit"}) {
    INFO(page);
    CHECK(get(h, s, page, leader).status == 403);
  }
  const auto before = h.storage().subscriptions(true).size();  // /me made the leader's own link
  CHECK(post(h, s, "/hr/feeds", "csrf=" + csrf + "&filter=all", leader).status == 403);
  CHECK(h.storage().subscriptions(true).size() == before);
  for (const auto& sub : h.storage().subscriptions(true)) CHECK(sub.filter != "all");

  idp.groups_json = R"(["staff","hr"])";
  const std::string hr = cookie_of(sign_in_oidc(h, s, idp).callback);
  CHECK(get(h, s, "/hr", hr).status == 200);
}

TEST_CASE("Sessions are kept in the database, so a restart signs nobody out, and logging out ends the session") {
  Host h;
  test::FakeProvider idp;
  with_sign_in(h, idp);
  std::string cookie;
  {
    WebSessions before(idp.fetch());
    cookie = cookie_of(sign_in_oidc(h, before, idp).callback);
  }
  WebSessions after(idp.fetch());  // a new daemon over the same database
  const WebResponse me = get(h, after, "/me", cookie);
  REQUIRE(me.status == 200);
  // Only the hash of the session id is stored.
  CHECK_FALSE(h.storage().web_session(cookie.substr(cookie.find('=') + 1), SystemClock().now()));
  CHECK(post(h, after, "/logout", "csrf=forged", cookie).status == 403);
  const WebResponse out = post(h, after, "/logout", "csrf=" + csrf_of(me.body), cookie);
  CHECK(out.status == 303);
  CHECK_THAT(header(out, "Set-Cookie"), Catch::Contains("Max-Age=0"));
  CHECK(get(h, after, "/me", cookie).status == 303);  // back to sign-in
}

TEST_CASE("Behind https the session cookie is Secure") {
  Host h;
  test::FakeProvider idp;
  with_sign_in(h, idp);
  h.storage().set_setting("public_url", "https://arshjul.example");
  WebSessions s(idp.fetch());
  Flow f = sign_in_oidc(h, s, idp);
  CHECK(query_param(header(f.start, "Location"), "redirect_uri") == "https://arshjul.example/login/callback");
  CHECK_THAT(header(f.callback, "Set-Cookie"), Catch::Contains("; Secure"));
}

TEST_CASE("A person makes a feed on Mitt årshjul that is indexed at once, and revokes it") {
  Host h;
  test::FakeProvider idp;
  with_sign_in(h, idp);
  WebSessions s(idp.fetch());
  const std::string cookie = cookie_of(sign_in_oidc(h, s, idp).callback);
  const std::string csrf = csrf_of(get(h, s, "/me", cookie).body);
  const WebResponse made = post(h, s, "/me/feeds", "csrf=" + csrf + "&filter=unit%3Akommunen", cookie);
  REQUIRE(made.status == 201);
  const auto at = made.body.find("http://127.0.0.1:8080/feeds/");
  REQUIRE(at != std::string::npos);
  const std::string token = made.body.substr(at + 28, made.body.find(".ics", at) - at - 28);
  REQUIRE(h.subscription(token_hash(token)));
  CHECK(h.subscription(token_hash(token))->filter == "unit:kommunen");

  const auto feeds = h.storage().subscriptions_owned_by("ola");
  REQUIRE(feeds.size() == 1);
  const std::string revoke = "/me/feeds/" + std::to_string(feeds[0].id) + "/revoke";
  CHECK(post(h, s, revoke, "csrf=" + csrf, cookie, "https://evil.example").status == 403);  // a cross-site post
  CHECK(h.subscription(token_hash(token)));
  CHECK(post(h, s, revoke, "csrf=" + csrf, cookie).status == 303);
  CHECK_FALSE(h.subscription(token_hash(token)));
  CHECK(post(h, s, revoke, "csrf=" + csrf, cookie).status == 404);  // once
}

TEST_CASE("A feed made and revoked on Mitt årshjul is audited under the person's name and announced like any feed") {
  Hook hook;
  hook.id = "epost";
  hook.url = "https://hooks.example/h";
  hook.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  hook.events = {"subscription.created"};
  Host h;
  test::FakeProvider idp;
  with_sign_in(h, idp, {hook});
  WebSessions s(idp.fetch());
  const std::string cookie = cookie_of(sign_in_oidc(h, s, idp).callback);
  const std::string csrf = csrf_of(get(h, s, "/me", cookie).body);
  REQUIRE(post(h, s, "/me/feeds", "csrf=" + csrf + "&filter=unit%3Akommunen", cookie).status == 201);
  const auto made = h.storage().subscriptions_owned_by("ola");
  REQUIRE(made.size() == 1);
  const auto announced = h.storage().outbox("", 10);
  REQUIRE(announced.size() == 1);
  CHECK(announced[0].event_type == "subscription.created");
  CHECK(announced[0].payload.find("/feeds/") != std::string::npos);
  REQUIRE(post(h, s, "/me/feeds/" + std::to_string(made[0].id) + "/revoke", "csrf=" + csrf, cookie).status == 303);
  const auto audit = h.storage().audit({});
  REQUIRE(audit.size() == 2);  // newest first
  CHECK(audit[1].action == "subscription.create");
  CHECK(audit[0].action == "subscription.revoke");
  for (const auto& row : audit) {
    CHECK(row.actor == made[0].created_by);
    CHECK(row.actor.find("(ola)") != std::string::npos);
    CHECK(row.door == "page");
    CHECK(row.target == "subscription/" + std::to_string(made[0].id));
  }
}

TEST_CASE("A union rep sees on Mitt årshjul the notices of meetings ahead, with agenda and the deadline for documents") {
  Host h;  // 1 March 2027; drøfting on the third Monday, notice 14 days ahead to hovedtillitsvalgt
  test::FakeProvider idp;
  with_sign_in(h, idp);
  WebSessions s(idp.fetch());
  idp.email = "kari@example.no";
  const WebResponse kari = get(h, s, "/me", cookie_of(sign_in_oidc(h, s, idp).callback));
  REQUIRE(kari.status == 200);
  const auto at = kari.body.find("Varsler om møter");
  REQUIRE(at != std::string::npos);
  const std::string section = kari.body.substr(at, kari.body.find("</section>", at) - at);
  // 15 March: its notice goes out at 08:00 today; documents by 8 March.
  CHECK_THAT(section, Catch::Contains("mandag 15. mars 2027, 09:00–11:00") &&
                          Catch::Contains("<li>Drøfting; budsjett, bemanning</li>") &&
                          Catch::Contains("<td>mandag 8. mars 2027</td>") && Catch::Contains("Kommer mandag 1. mars 2027"));
  CHECK_THAT(section, !Catch::Contains("19. april 2027"));  // its notice goes out on 5 April, over a month ahead
  CHECK_THAT(section, !Catch::Contains("februar"));         // held already

  h.manual_clock().set(SysSeconds{date::sys_days{date::year{2027} / 3 / 10}});
  const std::string later = get(h, s, "/me", cookie_of(sign_in_oidc(h, s, idp).callback)).body;
  CHECK_THAT(later, Catch::Contains("Sendt mandag 1. mars 2027") && Catch::Contains("Kommer mandag 5. april 2027"));

  idp.email = "ola@example.no";  // a leader without notices gets no such section
  CHECK_THAT(get(h, s, "/me", cookie_of(sign_in_oidc(h, s, idp).callback)).body, !Catch::Contains("Varsler om møter"));
}

TEST_CASE("A feed form posted from another site, or without the page's token, makes no feed") {
  Host h;
  test::FakeProvider idp;
  with_sign_in(h, idp);
  WebSessions s(idp.fetch());
  const std::string cookie = cookie_of(sign_in_oidc(h, s, idp).callback);
  const std::string csrf = csrf_of(get(h, s, "/me", cookie).body);
  CHECK(post(h, s, "/me/feeds", "csrf=" + csrf + "&filter=person%3Aola", cookie, "https://evil.example").status == 403);
  CHECK(post(h, s, "/me/feeds", "filter=person%3Aola", cookie).status == 403);
  CHECK(h.storage().subscriptions_owned_by("ola").empty());
}

TEST_CASE("A person may make feeds only of what they may see: not the whole wheel, not another person") {
  Host h;
  test::FakeProvider idp;
  with_sign_in(h, idp);
  WebSessions s(idp.fetch());
  const std::string cookie = cookie_of(sign_in_oidc(h, s, idp).callback);
  const std::string csrf = csrf_of(get(h, s, "/me", cookie).body);
  CHECK(post(h, s, "/me/feeds", "csrf=" + csrf + "&filter=all", cookie).status == 403);
  CHECK(post(h, s, "/me/feeds", "csrf=" + csrf + "&filter=person%3Akari", cookie).status == 403);
  CHECK(h.storage().subscriptions_owned_by("ola").empty());
}

TEST_CASE("The year's list shows a gathering's daily times and the days it runs, not one long span") {
  Host h("config/roros");
  WebSessions s;
  const WebResponse page = get(h, s, "/?year=2027");
  REQUIRE(page.status == 200);
  CHECK_THAT(page.body, Catch::Contains("Ledersamling for alle ledere") &&
                            Catch::Contains("09:00–15:00, 2 dager til torsdag 21. oktober 2027"));
  CHECK_THAT(page.body, !Catch::Contains("09:00–15:00, 2 dager til onsdag"));
}
