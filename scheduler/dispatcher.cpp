#include "scheduler/dispatcher.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <random>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "scheduler/http_target.h"
#include "scheduler/webhooks.h"

namespace arshjul {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

constexpr int kMaxInFlightPerHook = 16;
constexpr int kBatch = 512;

// An open connection to a hook, kept for the next delivery while the
// receiver allows keep-alive.
struct Connection {
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

// One POST. Calls `done(status, error, connection)` exactly once; the
// connection is handed back only when it can carry another request.
class Delivery : public std::enable_shared_from_this<Delivery> {
 public:
  // `retry_after`: the answer's Retry-After header, as sent ("" if none).
  using Done = std::function<void(unsigned status, std::string error, std::shared_ptr<Connection> keep,
                                  std::string retry_after)>;

  Delivery(asio::io_context& ioc, std::shared_ptr<ssl::context> tls, HttpTarget target, Seconds timeout,
           http::request<http::string_body> req, std::shared_ptr<Connection> pooled, Done done)
      : ioc_(ioc), tls_ctx_(std::move(tls)), resolver_(asio::make_strand(ioc)), target_(std::move(target)),
        timeout_(timeout), req_(std::move(req)), conn_(std::move(pooled)), done_(std::move(done)) {}

  void run() {
    if (conn_) {
      reused_ = true;
      return write();
    }
    fresh();
  }

 private:
  void fresh() {
    reused_ = false;
    conn_ = std::make_shared<Connection>();
    auto executor = asio::make_strand(ioc_);
    if (target_.tls) conn_->tls.emplace(executor, *tls_ctx_);
    else conn_->plain.emplace(executor);
    resolver_.async_resolve(target_.host, target_.port,
                            beast::bind_front_handler(&Delivery::on_resolve, shared_from_this()));
  }

  // A kept connection the receiver has since closed fails at once: try
  // again on a new one, which is not another attempt.
  bool retry_fresh(const beast::error_code&) {
    if (!reused_) return false;
    close();
    fresh();
    return true;
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return finish(0, "cannot resolve " + target_.host + ": " + ec.message());
    conn_->lowest().expires_after(timeout_);
    conn_->lowest().async_connect(results, beast::bind_front_handler(&Delivery::on_connect, shared_from_this()));
  }

  void on_connect(beast::error_code ec, const tcp::endpoint&) {
    if (ec) return finish(0, "cannot connect to " + target_.host + ":" + target_.port + ": " + ec.message());
    if (conn_->tls) {
      if (!SSL_set_tlsext_host_name(conn_->tls->native_handle(), target_.host.c_str()))
        return finish(0, "TLS: cannot set SNI");
      conn_->tls->set_verify_callback(ssl::host_name_verification(target_.host));
      conn_->lowest().expires_after(timeout_);
      conn_->tls->async_handshake(ssl::stream_base::client,
                                  beast::bind_front_handler(&Delivery::on_handshake, shared_from_this()));
      return;
    }
    write();
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return finish(0, "TLS handshake with " + target_.host + ": " + ec.message());
    write();
  }

  void write() {
    conn_->lowest().expires_after(timeout_);
    auto self = shared_from_this();
    auto on_write = [self](beast::error_code ec, std::size_t) { self->on_write(ec); };
    if (conn_->tls) http::async_write(*conn_->tls, req_, on_write);
    else http::async_write(*conn_->plain, req_, on_write);
  }

  void on_write(beast::error_code ec) {
    if (ec) {
      if (retry_fresh(ec)) return;
      return finish(0, "sending: " + ec.message());
    }
    conn_->lowest().expires_after(timeout_);
    parser_.emplace();
    parser_->body_limit(64 * 1024);
    auto self = shared_from_this();
    auto on_read = [self](beast::error_code rec, std::size_t) { self->on_read(rec); };
    if (conn_->tls) http::async_read(*conn_->tls, conn_->buffer, *parser_, on_read);
    else http::async_read(*conn_->plain, conn_->buffer, *parser_, on_read);
  }

  void on_read(beast::error_code ec) {
    if (ec == beast::error::timeout) return finish(0, "no answer within " + std::to_string(timeout_.count()) + " s");
    if (ec) {
      const bool nothing_read = !parser_->got_some();
      if (nothing_read && retry_fresh(ec)) return;
      return finish(0, "reading the answer: " + ec.message());
    }
    const unsigned status = parser_->get().result_int();
    std::string body = parser_->get().body().substr(0, 200);
    const bool keep = parser_->get().keep_alive();
    retry_after_ = std::string(parser_->get()[http::field::retry_after]);
    finish(status, status / 100 == 2 ? "" : "HTTP " + std::to_string(status) + (body.empty() ? "" : ": " + body), keep);
  }

  void close() {
    if (!conn_) return;
    beast::error_code ignored;
    conn_->lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    conn_->lowest().socket().close(ignored);
    conn_.reset();
  }

  void finish(unsigned status, std::string error, bool keep = false) {
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    std::shared_ptr<Connection> kept;
    if (keep && conn_) {
      conn_->lowest().expires_never();
      kept = std::move(conn_);
    } else {
      close();
    }
    done(status, std::move(error), std::move(kept), std::move(retry_after_));
  }

  asio::io_context& ioc_;
  std::shared_ptr<ssl::context> tls_ctx_;
  tcp::resolver resolver_;
  HttpTarget target_;
  Seconds timeout_;
  http::request<http::string_body> req_;
  std::shared_ptr<Connection> conn_;
  bool reused_ = false;
  std::string retry_after_;
  std::optional<http::response_parser<http::string_body>> parser_;
  Done done_;
};

}  // namespace

Seconds retry_delay(const std::vector<Seconds>& schedule, int attempt) {
  if (schedule.empty()) return retry_delay(attempt);
  const int last = static_cast<int>(schedule.size()) - 1;
  return schedule[static_cast<std::size_t>(std::clamp(attempt - 1, 0, last))];
}

Seconds retry_delay(int attempt) {
  static const std::vector<Seconds> kStandard = Hook{}.retry;
  return retry_delay(kStandard, attempt);
}

std::optional<Seconds> parse_retry_after(std::string_view value, SysSeconds wall_now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return Seconds{999999999};  // far beyond any cap
    return Seconds{std::stoll(std::string(value))};
  }
  // IMF-fixdate, the one HTTP-date form senders must use (RFC 9110 5.6.7):
  // "Sun, 06 Nov 1994 08:49:37 GMT", read by position.
  if (value.size() != 29 || value.substr(3, 2) != ", " || value.substr(25) != " GMT") return std::nullopt;
  auto number = [&](std::size_t at, std::size_t n) -> int {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (value[i] < '0' || value[i] > '9') return -1;
      v = v * 10 + (value[i] - '0');
    }
    return v;
  };
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  const auto month = kMonths.find(value.substr(8, 3));
  const int day = number(5, 2), year = number(12, 4), h = number(17, 2), mi = number(20, 2), sec = number(23, 2);
  if (month == std::string_view::npos || month % 3 || day < 0 || year < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      sec < 0 || sec > 60 || value[7] != ' ' || value[11] != ' ' || value[16] != ' ' || value[19] != ':' || value[22] != ':')
    return std::nullopt;
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month / 3 + 1)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  const SysSeconds at = SysSeconds{date::sys_days{ymd}} + std::chrono::hours{h} + std::chrono::minutes{mi} + Seconds{sec};
  return std::max(Seconds{0}, std::chrono::duration_cast<Seconds>(at - wall_now));
}

// Every field below belongs to `strand`: handlers that touch them run there
// (deliveries post their outcome back to it). Only the counters are read
// from other threads, by metrics_text, hence atomic.
struct Dispatcher::State : std::enable_shared_from_this<Dispatcher::State> {
  asio::io_context& ioc;
  Storage& storage;
  const Clock& clock;
  const Clock& wall;
  Log log;
  asio::strand<asio::io_context::executor_type> strand;
  asio::steady_timer timer;
  std::shared_ptr<const Snapshot> snapshot;
  std::unordered_map<std::string, std::shared_ptr<ssl::context>> tls;  // by hook id
  std::unordered_set<long long> in_flight;
  std::unordered_map<std::string, std::vector<std::shared_ptr<Connection>>> idle;  // by hook
  std::deque<OutboxMessage> queue;         // fetched and due, not yet started
  std::unordered_set<long long> queued;
  std::unordered_map<std::string, int> in_flight_by_hook;
  bool running = false;
  std::mt19937_64 rng{std::random_device{}()};
  std::unordered_map<std::string, std::string> gone;  // hook id -> the URL that answered 410
  std::atomic<unsigned long long> sent{0}, failed{0}, dead{0}, dropped{0}, late{0}, storage_failures{0}, gone_hooks{0},
      held_back{0};

  State(asio::io_context& io, Storage& s, const Clock& c, const Clock& w, Log l)
      : ioc(io), storage(s), clock(c), wall(w), log(std::move(l)), strand(asio::make_strand(io)), timer(strand) {}

  std::shared_ptr<ssl::context> tls_for(const Hook& h) {
    auto it = tls.find(h.id);
    if (it != tls.end()) return it->second;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->set_default_verify_paths();
    ctx->set_verify_mode(ssl::verify_peer);
    if (!h.ca_file.empty()) {
      beast::error_code ec;
      ctx->load_verify_file(h.ca_file, ec);
      if (ec) log("hook " + h.id + ": cannot load ca_file " + h.ca_file + ": " + ec.message());
    }
    tls.emplace(h.id, ctx);
    return ctx;
  }

  void schedule(std::chrono::milliseconds after) {
    timer.expires_after(after);
    timer.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->tick();
    });
  }

  void tick() {
    if (!running || !snapshot) return;
    const SysSeconds now = clock.now();
    // Polling every 100 ms real: what falls due before the next poll goes
    // now, so a fast simulated clock never sends a notice late.
    const SysSeconds horizon = now + Seconds{static_cast<long long>(clock.speed() * 0.1)};
    std::size_t fetched = 0;
    if (queue.size() < kBatch / 2) {
      try {
        for (auto& m : storage.due_messages(horizon, kBatch)) {
          ++fetched;
          if (in_flight.count(m.id) || queued.count(m.id)) continue;
          queued.insert(m.id);
          queue.push_back(std::move(m));
        }
      } catch (const std::exception& e) {
        log(std::string("outbox: cannot read: ") + e.what());
      }
    }
    pump();
    schedule(std::chrono::milliseconds(fetched >= kBatch ? 5 : 100));
  }

  // Starts what the hooks have room for, oldest first; the rest waits in the queue.
  void pump() {
    const SysSeconds now = clock.now();
    for (auto it = queue.begin(); it != queue.end();) {
      if (in_flight_by_hook[it->hook] >= kMaxInFlightPerHook) {
        ++it;
        continue;
      }
      OutboxMessage m = std::move(*it);
      queued.erase(m.id);
      it = queue.erase(it);
      const long long id = m.id;
      try {
        consider(std::move(m), now);
      } catch (const std::exception& e) {
        // Storage refused to record what happened (locked, full): the message
        // is still pending there and is fetched again; the rest wait for the next poll.
        in_flight.erase(id);
        log(std::string("outbox: cannot record the outcome of message ") + std::to_string(id) +
            ", which stays pending: " + e.what());
        storage_failures++;
        return;
      }
    }
  }

  void consider(OutboxMessage m, SysSeconds now) {
    const Snapshot& snap = *snapshot;
    const Hook* hook = nullptr;
    for (const auto& h : snap.config.hooks)
      if (h.id == m.hook) hook = &h;
    if (!hook) {
      storage.mark_failed(m.id, m.attempts, now, "hook \"" + m.hook + "\" is no longer configured", true, now);
      dead++;
      return;
    }
    if (gone.count(hook->id)) {
      // HR may have re-enabled it from another process (arshjul outbox retry --dead --hook).
      const auto mark = hook_gone(storage, hook->id);
      if (mark && mark->url == hook->url) {
        storage.mark_failed(m.id, m.attempts, now,
                            "not sent: endpoint gone (410) since " + date::format("%FT%TZ", mark->since) +
                                "; replay this hook's dead letters once the receiver is back",
                            true, now);
        dead++;
        return;
      }
      gone.erase(hook->id);
    }
    if (m.event_type == "reminder.due" || m.event_type == "notice.early") {
      auto it = snap.stored.find(m.occurrence_uid);
      const StoredOccurrence* s = it == snap.stored.end() ? nullptr : &it->second;
      std::string why;
      if (s && (s->cancelled || s->sequence > m.sequence)) why = "superseded: the occurrence changed or was cancelled";
      else if (s && s->start <= now) why = "the occurrence had already begun";
      if (!why.empty()) {
        storage.mark_dropped(m.id, why, now);
        dropped++;
        log("outbox: dropped " + m.event_type + " " + m.webhook_id + " for " + m.occurrence_uid + ": " + why);
        return;
      }
      if (m.event_type == "notice.early" && now > m.due + std::chrono::hours{1}) {
        m.payload = mark_late(m.payload);
        late++;
      }
    }
    deliver(std::move(m), *hook);
  }

  void deliver(OutboxMessage m, const Hook& hook) {
    auto target = parse_http_target(hook.url);
    if (!target) {
      storage.mark_failed(m.id, m.attempts + 1, clock.now(), "hook URL cannot be parsed: " + hook.url, true, clock.now());
      dead++;
      return;
    }
    const long long ts = wall.now().time_since_epoch().count();
    auto signature = sign_webhook(hook.secret, m.webhook_id, ts, m.payload);
    if (!signature) {
      storage.mark_failed(m.id, m.attempts + 1, clock.now(), signature.error(), true, clock.now());
      dead++;
      return;
    }
    http::request<http::string_body> req{http::verb::post, target->path, 11};
    req.set(http::field::host, target->host_header);
    req.set(http::field::user_agent, "arshjul");
    req.set(http::field::content_type, "application/json");
    req.set("webhook-id", m.webhook_id);
    req.set("webhook-timestamp", std::to_string(ts));
    req.set("webhook-signature", *signature);
    req.set("arshjul-clock", date::format("%FT%TZ", clock.now()));  // the wheel's time, which a demo may simulate
    req.keep_alive(true);
    req.body() = m.payload;
    req.prepare_payload();
    in_flight.insert(m.id);
    in_flight_by_hook[m.hook]++;
    const int max_attempts = hook.max_attempts;
    auto tls_ctx = target->tls ? tls_for(hook) : nullptr;
    auto self = shared_from_this();
    std::shared_ptr<Connection> pooled;
    if (auto& pool = idle[m.hook]; !pool.empty()) {
      pooled = std::move(pool.back());
      pool.pop_back();
    }
    auto d = std::make_shared<Delivery>(
        ioc, tls_ctx, *target, hook.timeout, std::move(req), std::move(pooled),
        [self, m, max_attempts, schedule = hook.retry, url = hook.url](
            unsigned status, std::string error, std::shared_ptr<Connection> keep, std::string retry_after) {
          asio::post(self->strand, [self, m, max_attempts, schedule, url, status, error = std::move(error),
                                    keep = std::move(keep), retry_after = std::move(retry_after)] {
            if (keep && self->running && self->idle[m.hook].size() < kMaxInFlightPerHook)
              self->idle[m.hook].push_back(keep);
            self->completed(m, Outcome{max_attempts, schedule, url, status, error, retry_after});
          });
        });
    d->run();
  }

  struct Outcome {
    int max_attempts;
    std::vector<Seconds> schedule;
    std::string url;  // the hook's when the request was sent
    unsigned status;
    std::string error;
    std::string retry_after;
  };

  void completed(const OutboxMessage& m, const Outcome& o) {
    const int max_attempts = o.max_attempts;
    const unsigned status = o.status;
    const std::string& error = o.error;
    in_flight.erase(m.id);
    in_flight_by_hook[m.hook]--;
    if (running) {
      if (!queue.empty()) pump();
      else asio::post(strand, [self = shared_from_this()] { self->tick(); });
    }
    const SysSeconds now = clock.now();
    try {
      if (status / 100 == 2) {
        storage.mark_sent(m.id, now);
        sent++;
        return;
      }
      const int attempts = m.attempts + 1;
      failed++;
      if (status == 410) {
        // The receiver says the endpoint is gone for good: retrying for a day is noise.
        storage.mark_failed(m.id, attempts, now, "endpoint gone (410): " + error, true, now);
        dead++;
        if (!gone.count(m.hook)) {
          gone[m.hook] = o.url;
          set_hook_gone(storage, m.hook, GoneHook{o.url, now});
          gone_hooks++;
          log("outbox: hook " + m.hook + " answered 410 Gone at " + o.url +
              ": nothing more is sent to it until HR replays its dead letters (arshjul outbox retry --dead --hook " +
              m.hook + ") or the config gives it another URL");
        }
        return;
      }
      if (attempts >= max_attempts) {
        storage.mark_failed(m.id, attempts, now, error, true, now);
        dead++;
        log("outbox: dead letter " + m.webhook_id + " (" + m.event_type + ") after " + std::to_string(attempts) +
            " attempts: " + error);
        return;
      }
      const Seconds base = retry_delay(o.schedule, attempts);
      std::uniform_real_distribution<double> jitter(0.9, 1.1);
      Seconds delay{static_cast<long long>(static_cast<double>(base.count()) * jitter(rng))};
      if (status == 429 || status == 503) {
        // The receiver asked for a pause: no earlier than it said, within reason.
        if (auto wait = parse_retry_after(o.retry_after, wall.now()); wait && *wait > delay) {
          delay = std::min(*wait, kMaxRetryAfter);
          held_back++;
        }
      }
      storage.mark_failed(m.id, attempts, now + std::max(delay, Seconds{1}), error, false, now);
    } catch (const std::exception& e) {
      storage_failures++;
      log(std::string("outbox: cannot record the outcome of message ") + std::to_string(m.id) +
          ", which stays pending: " + e.what());
    }
  }
};

Dispatcher::Dispatcher(asio::io_context& ioc, Storage& storage, const Clock& clock, const Clock& wall, Log log)
    : state_(std::make_shared<State>(ioc, storage, clock, wall, std::move(log))) {}

Dispatcher::~Dispatcher() = default;

void Dispatcher::set_snapshot(std::shared_ptr<const Snapshot> snapshot) {
  asio::post(state_->strand, [s = state_, snapshot = std::move(snapshot)]() mutable {
    s->snapshot = std::move(snapshot);
    // Which hooks are gone, as storage keeps it; a hook with another URL now is re-enabled.
    s->gone.clear();
    for (const Hook& h : s->snapshot->config.hooks) {
      try {
        auto mark = hook_gone(s->storage, h.id);
        if (!mark) continue;
        if (mark->url == h.url) {
          s->gone[h.id] = mark->url;
        } else {
          clear_hook_gone(s->storage, h.id);
          s->log("outbox: hook " + h.id + " has a new URL: its gone mark (410 from " + mark->url + ") is lifted");
        }
      } catch (const std::exception& e) {
        s->log("outbox: cannot read whether hook " + h.id + " is gone: " + e.what());
      }
    }
    s->tls.clear();  // hooks may have changed their URL or CA
    s->idle.clear();
  });
}

void Dispatcher::start() {
  asio::post(state_->strand, [s = state_] {
    s->running = true;
    s->schedule(std::chrono::milliseconds(0));
  });
}

void Dispatcher::stop() {
  asio::post(state_->strand, [s = state_] {
    s->running = false;
    s->timer.cancel();
    s->queue.clear();
    s->queued.clear();
    s->idle.clear();
  });
}

std::string Dispatcher::metrics_text() const {
  std::ostringstream o;
  o << "# HELP arshjul_webhook_deliveries_total Webhook delivery outcomes.\n"
       "# TYPE arshjul_webhook_deliveries_total counter\n"
       "arshjul_webhook_deliveries_total{result=\"sent\"} " << state_->sent.load() << "\n"
       "arshjul_webhook_deliveries_total{result=\"failed\"} " << state_->failed.load() << "\n"
       "arshjul_webhook_deliveries_total{result=\"dead\"} " << state_->dead.load() << "\n"
       "arshjul_webhook_deliveries_total{result=\"dropped\"} " << state_->dropped.load() << "\n"
       "# HELP arshjul_webhook_hooks_gone_total Hooks whose receiver answered 410 Gone (nothing more is sent to them).\n"
       "# TYPE arshjul_webhook_hooks_gone_total counter\n"
       "arshjul_webhook_hooks_gone_total " << state_->gone_hooks.load() << "\n"
       "# HELP arshjul_webhook_retry_after_total Retries put off further because the receiver sent Retry-After.\n"
       "# TYPE arshjul_webhook_retry_after_total counter\n"
       "arshjul_webhook_retry_after_total " << state_->held_back.load() << "\n"
       "# HELP arshjul_webhook_late_notices_total Early notices sent after their due time.\n"
       "# TYPE arshjul_webhook_late_notices_total counter\n"
       "arshjul_webhook_late_notices_total " << state_->late.load() << "\n"
       "# HELP arshjul_webhook_storage_failures_total Outcomes storage could not record (the message stays pending).\n"
       "# TYPE arshjul_webhook_storage_failures_total counter\n"
       "arshjul_webhook_storage_failures_total " << state_->storage_failures.load() << "\n";
  return o.str();
}

}  // namespace arshjul
