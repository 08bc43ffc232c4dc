// The webhook dispatcher (scheduler/dispatcher.h) against a real receiver on
// 127.0.0.1 and a real SQLite outbox: what is sent, signed, retried, given up
// on and dropped. The wheel's clock is manual; the receiver runs on a thread
// of its own; every wait is bounded by a deadline of a few seconds.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "scheduler/dispatcher.h"
#include "scheduler/webhooks.h"
#include "tests/fixtures.h"

using namespace arshjul;
using namespace date::literals;
using namespace std::chrono_literals;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// A webhook receiver on 127.0.0.1 and a free port. It records every request
// and answers the n-th (from 1) with the status `answer(n)` and the header
// fields `headers(n)`, closing the connection after each answer.
class Receiver {
 public:
  struct Request {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // by lower-case name
    std::string body;
  };

  using Headers = std::map<std::string, std::string>;
  explicit Receiver(std::function<unsigned(int)> answer = [](int) { return 204u; },
                    std::function<Headers(int)> headers = [](int) { return Headers{}; })
      : answer_(std::move(answer)), headers_(std::move(headers)), acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~Receiver() {
    ioc_.stop();
    thread_.join();
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/hook"; }
  std::vector<Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::size_t count() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }

 private:
  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      serve(std::make_shared<beast::tcp_stream>(std::move(socket)));
      accept();
    });
  }

  void serve(std::shared_ptr<beast::tcp_stream> stream) {
    auto buffer = std::make_shared<beast::flat_buffer>();
    auto req = std::make_shared<http::request<http::string_body>>();
    stream->expires_after(5s);
    http::async_read(*stream, *buffer, *req, [this, stream, buffer, req](beast::error_code ec, std::size_t) {
      if (ec) return;
      Request r;
      r.method = std::string(req->method_string());
      r.target = std::string(req->target());
      for (const auto& field : *req) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        r.headers[name] = std::string(field.value());
      }
      r.body = req->body();
      int n = 0;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(std::move(r));
        n = static_cast<int>(requests_.size());
      }
      auto res = std::make_shared<http::response<http::string_body>>();
      res->version(11);
      res->result(answer_(n));
      res->keep_alive(false);
      for (const auto& [name, value] : headers_(n)) res->set(name, value);
      if (res->result_int() >= 300) res->body() = "the receiver says no";
      res->prepare_payload();
      http::async_write(*stream, *res, [stream, res](beast::error_code, std::size_t) {
        beast::error_code ignored;
        stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      });
    });
  }

  std::function<unsigned(int)> answer_;
  std::function<Headers(int)> headers_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<Request> requests_;
};

// A port on 127.0.0.1 where nothing listens.
std::string closed_url() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  const auto port = a.local_endpoint().port();
  a.close();
  return "http://127.0.0.1:" + std::to_string(port) + "/hook";
}

// The mini organisation with one hook, its outbox in a fresh SQLite file, a
// wheel clock that moves only when told, and a dispatcher on an io_context
// this test runs.
class Outbox {
 public:
  explicit Outbox(const std::string& url, int max_attempts = 8) {
    static int counter = 0;
    path_ = (std::filesystem::temp_directory_path() /
             ("arshjul-dispatcher-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + ".db"))
                .string();
    remove_files();
    storage = std::move(open_sqlite_storage(path_)).value();
    config = test::mini();
    Hook h;
    h.id = "test";
    h.url = url;
    h.secret = kSecret;
    h.timeout = Seconds{2};
    h.max_attempts = max_attempts;
    config.hooks.push_back(h);
    rebuild();
  }
  ~Outbox() {
    if (dispatcher) {
      dispatcher->stop();
      ioc.restart();
      ioc.run_for(1s);  // the stop, and the deliveries still in flight
      dispatcher.reset();
    }
    storage.reset();
    remove_files();
  }
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  void rebuild() { snapshot = build_snapshot(config, *storage, clock, ++generation_); }

  void start() {
    dispatcher = std::make_unique<Dispatcher>(ioc, *storage, clock, wall, [this](const std::string& l) { logged.push_back(l); });
    dispatcher->set_snapshot(snapshot);
    dispatcher->start();
  }

  // The first live occurrence of `activity` still ahead of the wheel's clock.
  const Occurrence& next(const std::string& activity) const {
    for (const Occurrence& o : snapshot->expansion.occurrences)
      if (o.activity->id == activity && o.start > clock.now()) return o;
    FAIL("no occurrence of " << activity << " ahead");
    throw std::logic_error("unreachable");
  }

  // A message for one recipient of an occurrence, due at `due`; returns its id.
  long long enqueue(const std::string& event_type, const std::string& uid, int sequence, SysSeconds due,
                    const std::string& hook = "test") {
    OutboxMessage m;
    m.key = event_type + "|" + uid + "|" + std::to_string(sequence) + "|test|ola";
    m.hook = hook;
    m.webhook_id = webhook_id_for(hook, m.key);
    m.event_type = event_type;
    m.occurrence_uid = uid;
    m.sequence = sequence;
    m.recipient = "ola";
    m.payload = R"({"type":")" + event_type + R"(","occurrence":{"uid":")" + uid + R"("},"recipient":{"id":"ola"}})";
    m.due = due;
    m.next_attempt = due;
    REQUIRE(storage->enqueue({m}, clock.now()) == 1);
    return storage->outbox("", 1).front().id;
  }
  long long enqueue_reminder(const std::string& uid, int sequence) {
    return enqueue("reminder.due", uid, sequence, clock.now());
  }

  OutboxMessage message(long long id) {
    auto m = storage->outbox_message(id);
    if (!m) FAIL("no outbox message " << id);
    return *m;
  }

  // Runs the io_context until `done` holds or `limit` has passed; returns whether it holds.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      ioc.restart();
      ioc.run_for(10ms);
    }
    return true;
  }
  // Runs the io_context for `d` whatever happens: for what must not.
  void run_for(std::chrono::milliseconds d) {
    run_until([] { return false; }, d);
  }

  std::unique_ptr<Storage> storage;
  ManualClock clock{SysSeconds{date::sys_days{2027_y / 3 / 1}} + 8h};
  SystemClock wall;
  Config config;
  std::shared_ptr<const Snapshot> snapshot;
  std::vector<std::string> logged;
  asio::io_context ioc;
  std::unique_ptr<Dispatcher> dispatcher;

 private:
  void remove_files() {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + ext);
  }
  std::string path_;
  long long generation_ = 0;
};

// A bit more than one poll of the dispatcher (every 100 ms), for what must not happen.
constexpr auto kQuiet = 400ms;

}  // namespace

TEST_CASE("a pending message that is due is POSTed once with Standard Webhooks headers and marked sent") {
  Receiver receiver;
  Outbox box(receiver.url());
  const Occurrence& o = box.next("drofting");
  const long long id = box.enqueue_reminder(o.uid, 0);
  const OutboxMessage planned = box.message(id);
  box.start();
  REQUIRE(box.run_until([&] { return box.message(id).status == "sent"; }));
  box.run_for(kQuiet);

  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 1);
  const auto& r = requests[0];
  CHECK(r.method == "POST");
  CHECK(r.target == "/hook");
  CHECK(r.body == planned.payload);
  CHECK(r.headers.at("content-type") == "application/json");
  CHECK(r.headers.at("webhook-id") == planned.webhook_id);
  const long long ts = std::stoll(r.headers.at("webhook-timestamp"));
  const long long wall_now = SystemClock().now().time_since_epoch().count();
  CHECK(ts <= wall_now);  // real time, not the wheel's March 2027
  CHECK(ts >= wall_now - 60);
  const auto expected = sign_webhook(kSecret, planned.webhook_id, ts, r.body);
  REQUIRE(expected);
  CHECK(r.headers.at("webhook-signature") == *expected);

  const OutboxMessage sent = box.message(id);
  CHECK(sent.attempts == 1);
  CHECK(sent.last_error.empty());
  CHECK(sent.sent == box.clock.now());
}

TEST_CASE("a message is not sent before the wheel's clock reaches its due time") {
  Receiver receiver;
  Outbox box(receiver.url());
  const Occurrence& o = box.next("drofting");
  const long long id = box.enqueue("reminder.due", o.uid, 0, box.clock.now() + 1h);
  box.start();
  box.run_for(kQuiet);
  CHECK(receiver.count() == 0);
  CHECK(box.message(id).status == "pending");
  box.clock.advance(1h);
  CHECK(box.run_until([&] { return box.message(id).status == "sent"; }));
  CHECK(receiver.count() == 1);
}

TEST_CASE("a 500 answer schedules a retry after the first retry delay, and the retry carries the same webhook-id") {
  Receiver receiver([](int) { return 500u; });
  Outbox box(receiver.url());
  const long long id = box.enqueue_reminder(box.next("drofting").uid, 0);
  box.start();
  REQUIRE(box.run_until([&] { return box.message(id).attempts == 1; }));
  const SysSeconds failed_at = box.clock.now();
  OutboxMessage m = box.message(id);
  CHECK(m.status == "pending");
  CHECK_THAT(m.last_error, Catch::StartsWith("HTTP 500"));
  // retry_delay(1) with up to 10 % jitter either way, whole seconds.
  CHECK(m.next_attempt >= failed_at + Seconds{4});
  CHECK(m.next_attempt <= failed_at + Seconds{6});

  // The wheel's clock has not moved: no second attempt yet.
  box.run_for(kQuiet);
  CHECK(receiver.count() == 1);

  box.clock.set(m.next_attempt);
  REQUIRE(box.run_until([&] { return box.message(id).attempts == 2; }));
  m = box.message(id);
  CHECK(m.status == "pending");
  CHECK(m.next_attempt >= box.clock.now() + Seconds{270});  // retry_delay(2) = 5 min, less 10 %
  CHECK(m.next_attempt <= box.clock.now() + Seconds{330});
  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].headers.at("webhook-id") == requests[1].headers.at("webhook-id"));
  CHECK(requests[0].body == requests[1].body);
}

TEST_CASE("a message that fails once is sent on its retry") {
  Receiver receiver([](int n) { return n == 1 ? 503u : 200u; });
  Outbox box(receiver.url());
  const long long id = box.enqueue_reminder(box.next("drofting").uid, 0);
  box.start();
  REQUIRE(box.run_until([&] { return box.message(id).attempts == 1; }));
  box.clock.set(box.message(id).next_attempt);
  REQUIRE(box.run_until([&] { return box.message(id).status == "sent"; }));
  CHECK(box.message(id).attempts == 2);
  CHECK(receiver.count() == 2);
}

TEST_CASE("after max_attempts failures a message is a dead letter and is not tried again") {
  Receiver receiver([](int) { return 500u; });
  Outbox box(receiver.url(), 3);
  const long long id = box.enqueue_reminder(box.next("drofting").uid, 0);
  box.start();
  for (int attempt = 1; attempt <= 3; ++attempt) {
    INFO("attempt " << attempt);
    REQUIRE(box.run_until([&] { return box.message(id).attempts == attempt; }));
    if (attempt < 3) {
      CHECK(box.message(id).status == "pending");
      box.clock.set(box.message(id).next_attempt);
    }
  }
  const OutboxMessage dead = box.message(id);
  CHECK(dead.status == "dead");
  CHECK_THAT(dead.last_error, Catch::StartsWith("HTTP 500"));
  CHECK(std::any_of(box.logged.begin(), box.logged.end(),
                    [&](const std::string& l) { return l.find("dead letter " + dead.webhook_id) != std::string::npos; }));

  box.clock.advance(date::days{1});
  box.run_for(kQuiet);
  CHECK(receiver.count() == 3);
  CHECK(box.message(id).status == "dead");
  CHECK(box.storage->outbox("dead", 10).size() == 1);
}

TEST_CASE("a receiver nobody listens for counts as a failed attempt, retried later") {
  Outbox box(closed_url());
  const long long id = box.enqueue_reminder(box.next("drofting").uid, 0);
  box.start();
  REQUIRE(box.run_until([&] { return box.message(id).attempts == 1; }));
  const OutboxMessage m = box.message(id);
  CHECK(m.status == "pending");
  CHECK_THAT(m.last_error, Catch::StartsWith("cannot connect"));
  CHECK(m.next_attempt > box.clock.now());
}

TEST_CASE("a reminder whose occurrence was cancelled since it was planned is dropped, not sent") {
  Receiver receiver;
  Outbox box(receiver.url());
  const std::string uid = box.next("drofting").uid;
  const long long id = box.enqueue_reminder(uid, 0);
  Override cancel;
  cancel.kind = Override::Kind::cancel;
  cancel.uid = uid;
  cancel.reason = "Avlyst";
  cancel.created = box.clock.now();
  box.storage->add_override(cancel, nullptr);
  box.rebuild();
  REQUIRE(box.snapshot->stored.at(uid).cancelled);

  box.start();
  REQUIRE(box.run_until([&] { return box.message(id).status == "dropped"; }));
  box.run_for(kQuiet);
  CHECK(receiver.count() == 0);
  CHECK_THAT(box.message(id).last_error, Catch::Contains("superseded"));
}

TEST_CASE("a reminder planned for an older SEQUENCE of a moved occurrence is dropped, and one for the current SEQUENCE is sent") {
  Receiver receiver;
  Outbox box(receiver.url());
  const Occurrence& o = box.next("drofting");
  const std::string uid = o.uid;
  Override move;
  move.kind = Override::Kind::move;
  move.uid = uid;
  move.start = o.start + date::days{1};
  move.end = o.end + date::days{1};
  move.reason = "Kollisjon";
  move.created = box.clock.now();
  const long long stale = box.enqueue_reminder(uid, 0);
  box.storage->add_override(move, nullptr);
  box.rebuild();
  const StoredOccurrence& stored = box.snapshot->stored.at(uid);
  REQUIRE_FALSE(stored.cancelled);
  REQUIRE(stored.sequence == 1);
  const long long current = box.enqueue_reminder(uid, 1);

  box.start();
  REQUIRE(box.run_until([&] { return box.message(current).status == "sent"; }));
  REQUIRE(box.run_until([&] { return box.message(stale).status == "dropped"; }));
  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].headers.at("webhook-id") == box.message(current).webhook_id);
}

TEST_CASE("a reminder of an occurrence that has already begun is dropped, not sent") {
  Receiver receiver;
  Outbox box(receiver.url());
  const Occurrence& o = box.next("drofting");
  const long long id = box.enqueue("reminder.due", o.uid, 0, o.start - date::days{2});
  box.clock.set(o.start + 1min);  // the daemon was down past the meeting's start
  box.start();
  REQUIRE(box.run_until([&] { return box.message(id).status == "dropped"; }));
  box.run_for(kQuiet);
  CHECK(receiver.count() == 0);
  CHECK_THAT(box.message(id).last_error, Catch::Contains("already begun"));
}

TEST_CASE("word that an occurrence was cancelled is sent, though its occurrence is cancelled") {
  Receiver receiver;
  Outbox box(receiver.url());
  const std::string uid = box.next("drofting").uid;
  Override cancel;
  cancel.kind = Override::Kind::cancel;
  cancel.uid = uid;
  cancel.reason = "Avlyst";
  cancel.created = box.clock.now();
  box.storage->add_override(cancel, nullptr);
  box.rebuild();
  REQUIRE(box.snapshot->stored.at(uid).cancelled);
  const long long id = box.enqueue("occurrence.cancelled", uid, box.snapshot->stored.at(uid).sequence, box.clock.now());
  box.start();
  REQUIRE(box.run_until([&] { return box.message(id).status == "sent"; }));
  CHECK(receiver.count() == 1);
}

TEST_CASE("a message for a hook no longer configured is a dead letter at once, without a request") {
  Receiver receiver;
  Outbox box(receiver.url());
  const long long id = box.enqueue("reminder.due", box.next("drofting").uid, 0, box.clock.now(), "gone");
  box.start();
  REQUIRE(box.run_until([&] { return box.message(id).status == "dead"; }));
  box.run_for(kQuiet);
  CHECK(receiver.count() == 0);
  CHECK_THAT(box.message(id).last_error, Catch::Contains("no longer configured"));
}

TEST_CASE("retry_delay counts from the first failure, never shrinks, and stays at 10 h") {
  CHECK(retry_delay(0) == 5s);  // before any failure: as after the first
  CHECK(retry_delay(1) == 5s);
  CHECK(retry_delay(6) == 10h);
  CHECK(retry_delay(7) == 10h);
  CHECK(retry_delay(1000000) == 10h);
  for (int attempt = 1; attempt < 40; ++attempt) {
    INFO("attempt " << attempt);
    CHECK(retry_delay(attempt + 1) >= retry_delay(attempt));
  }
  // Eight attempts (the default max_attempts) span about a day of the wheel's time.
  Seconds total{0};
  for (int attempt = 1; attempt < 8; ++attempt) total += retry_delay(attempt);
  CHECK(total == 5s + 5min + 30min + 2h + 5h + 10h + 10h);
}

// ---- what the receiver asks for: Retry-After, 410 Gone; the hook's own schedule ----

TEST_CASE("a 429 with Retry-After in seconds puts the next attempt off that long, and counts as an attempt") {
  Receiver receiver([](int) { return 429u; }, [](int) { return Receiver::Headers{{"Retry-After", "3600"}}; });
  Outbox box(receiver.url());
  const long long id = box.enqueue_reminder(box.next("drofting").uid, 0);
  box.start();
  REQUIRE(box.run_until([&] { return box.message(id).attempts == 1; }));
  const OutboxMessage m = box.message(id);
  CHECK(m.status == "pending");
  CHECK_THAT(m.last_error, Catch::StartsWith("HTTP 429"));
  CHECK(m.next_attempt >= box.clock.now() + 1h);  // not the 5 s the schedule says
  CHECK(m.next_attempt <= box.clock.now() + 1h + 1s);
  box.clock.advance(30min);
  box.run_for(kQuiet);
  CHECK(receiver.count() == 1);
}

TEST_CASE("a 503 with Retry-After as an HTTP-date waits until that date") {
  const auto in_two_hours = date::floor<Seconds>(std::chrono::system_clock::now()) + 2h;
  const std::string http_date = date::format("%a, %d %b %Y %H:%M:%S GMT", in_two_hours);
  Receiver receiver([](int) { return 503u; }, [&](int) { return Receiver::Headers{{"Retry-After", http_date}}; });
  Outbox box(receiver.url());
  const long long id = box.enqueue_reminder(box.next("drofting").uid, 0);
  box.start();
  REQUIRE(box.run_until([&] { return box.message(id).attempts == 1; }));
  const OutboxMessage m = box.message(id);
  CHECK(m.status == "pending");
  CHECK(m.next_attempt >= box.clock.now() + 2h - 5s);  // less the time the request took
  CHECK(m.next_attempt <= box.clock.now() + 2h);
}

TEST_CASE("a Retry-After of a week holds a message back one day at most") {
  Receiver receiver([](int) { return 429u; }, [](int) { return Receiver::Headers{{"Retry-After", "604800"}}; });
  Outbox box(receiver.url());
  const long long id = box.enqueue_reminder(box.next("drofting").uid, 0);
  box.start();
  REQUIRE(box.run_until([&] { return box.message(id).attempts == 1; }));
  CHECK(box.message(id).next_attempt == box.clock.now() + kMaxRetryAfter);
}

TEST_CASE("Retry-After is read as delta-seconds or an IMF-fixdate, and anything else is ignored") {
  const SysSeconds now = SysSeconds{date::sys_days{2027_y / 3 / 1}} + 8h;
  CHECK(parse_retry_after("120", now) == 120s);
  CHECK(parse_retry_after(" 0 ", now) == 0s);
  CHECK(parse_retry_after("Mon, 01 Mar 2027 09:30:00 GMT", now) == 90min);
  CHECK(parse_retry_after("Mon, 01 Mar 2027 07:00:00 GMT", now) == 0s);  // in the past: at once
  CHECK_FALSE(parse_retry_after("", now));
  CHECK_FALSE(parse_retry_after("-5", now));
  CHECK_FALSE(parse_retry_after("soon", now));
  CHECK_FALSE(parse_retry_after("Mon, 01 Mar 2027 09:30:00 CET", now));
}

TEST_CASE("a 410 Gone makes the message dead at once and the hook gone: later messages are dead without a request") {
  Receiver receiver([](int) { return 410u; });
  Outbox box(receiver.url());
  const std::string uid = box.next("drofting").uid;
  const long long first = box.enqueue_reminder(uid, 0);
  box.start();
  REQUIRE(box.run_until([&] { return box.message(first).status == "dead"; }));
  CHECK(box.message(first).attempts == 1);
  CHECK_THAT(box.message(first).last_error, Catch::StartsWith("endpoint gone (410)"));
  const auto mark = hook_gone(*box.storage, "test");
  REQUIRE(mark);
  CHECK(mark->url == receiver.url());
  CHECK(std::any_of(box.logged.begin(), box.logged.end(),
                    [](const std::string& l) { return l.find("hook test answered 410 Gone") != std::string::npos; }));
  CHECK_THAT(box.dispatcher->metrics_text(), Catch::Contains("arshjul_webhook_hooks_gone_total 1"));

  const long long second = box.enqueue("notice.early", uid, 0, box.clock.now());
  REQUIRE(box.run_until([&] { return box.message(second).status == "dead"; }));
  CHECK_THAT(box.message(second).last_error, Catch::Contains("endpoint gone (410)"));
  box.run_for(kQuiet);
  CHECK(receiver.count() == 1);
}

TEST_CASE("a gone hook is sent to again once its dead letters are replayed by hook") {
  Receiver receiver([](int n) { return n == 1 ? 410u : 204u; });
  Outbox box(receiver.url());
  const std::string uid = box.next("drofting").uid;
  const long long first = box.enqueue_reminder(uid, 0);
  box.start();
  REQUIRE(box.run_until([&] { return box.message(first).status == "dead"; }));
  const long long second = box.enqueue("notice.early", uid, 0, box.clock.now());
  REQUIRE(box.run_until([&] { return box.message(second).status == "dead"; }));

  // What HR's replay by hook does (server/api.h retry_dead_letters), as another process might.
  CHECK(box.storage->retry_dead("test", SysSeconds{}, box.clock.now() + 1h, box.clock.now()) == 2);
  clear_hook_gone(*box.storage, "test");
  REQUIRE(box.run_until([&] { return box.message(first).status == "sent" && box.message(second).status == "sent"; }));
  CHECK(receiver.count() == 3);
}

TEST_CASE("a gone hook the config gives another URL is sent to again") {
  Receiver gone([](int) { return 410u; });
  Receiver moved;
  Outbox box(gone.url());
  const std::string uid = box.next("drofting").uid;
  const long long first = box.enqueue_reminder(uid, 0);
  box.start();
  REQUIRE(box.run_until([&] { return box.message(first).status == "dead"; }));

  box.config.hooks[0].url = moved.url();
  box.rebuild();
  box.dispatcher->set_snapshot(box.snapshot);
  const long long second = box.enqueue("notice.early", uid, 0, box.clock.now());
  REQUIRE(box.run_until([&] { return box.message(second).status == "sent"; }));
  CHECK(moved.count() == 1);
  CHECK_FALSE(hook_gone(*box.storage, "test"));
}

TEST_CASE("a hook's own retry schedule sets the delay after each failure, its last delay repeating") {
  Receiver receiver([](int) { return 500u; });
  Outbox box(receiver.url());
  box.config.hooks[0].retry = {100s, 1000s};
  box.rebuild();
  const long long id = box.enqueue_reminder(box.next("drofting").uid, 0);
  box.start();
  for (const Seconds want : {100s, 1000s, 1000s}) {
    const int attempt = box.message(id).attempts + 1;
    INFO("attempt " << attempt);
    REQUIRE(box.run_until([&] { return box.message(id).attempts == attempt; }));
    const OutboxMessage m = box.message(id);
    CHECK(m.next_attempt >= box.clock.now() + want * 9 / 10);
    CHECK(m.next_attempt <= box.clock.now() + want * 11 / 10);
    box.clock.set(m.next_attempt);
  }
}

TEST_CASE("retry_delay with a schedule takes its entries in turn and repeats the last") {
  const std::vector<Seconds> schedule{5s, 1min};
  CHECK(retry_delay(schedule, 1) == 5s);
  CHECK(retry_delay(schedule, 2) == 1min);
  CHECK(retry_delay(schedule, 9) == 1min);
  CHECK(retry_delay({}, 3) == retry_delay(3));
  CHECK(Hook{}.retry == std::vector<Seconds>{5s, 5min, 30min, 2h, 5h, 10h, 10h});  // Standard Webhooks' suggestion
}
