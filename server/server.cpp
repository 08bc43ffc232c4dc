#include "server/server.h"

#include <array>
#include <filesystem>
#include <functional>
#include <atomic>
#include <future>
#include <csignal>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "scheduler/config_files.h"
#include "scheduler/dispatcher.h"
#include "scheduler/webhooks.h"
#include "workflows/notifications.h"
#include "server/api.h"
#include "server/web.h"
#include "server/feed_cache.h"
#include "server/feeds.h"
#include "server/log.h"
#include "storage/storage.h"
#include "scheduler/political_fetch.h"
#include "scheduler/runner.h"
#include "scheduler/tokens.h"
#include "threads/mutex.h"

namespace arshjul {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// ---- metrics ------------------------------------------------------------------

enum class Route { feed, healthz, metrics, api, page, other, readyz, count };
constexpr std::array<const char*, 7> kRouteNames{"feed", "healthz", "metrics", "api", "page", "other", "readyz"};
constexpr std::array<unsigned, 18> kStatuses{200, 201, 204, 303, 304, 400, 401, 403, 404,
                                             405, 409, 413, 414, 415, 422, 431, 500, 503};

struct Metrics {
  std::array<std::atomic<unsigned long long>, kRouteNames.size() * kStatuses.size()> requests{};
  std::atomic<unsigned long long> render_count{0}, render_micros{0};

  void count(Route r, unsigned status) {
    for (std::size_t i = 0; i < kStatuses.size(); ++i)
      if (kStatuses[i] == status) requests[static_cast<std::size_t>(r) * kStatuses.size() + i]++;
  }

  std::string text() const {
    std::ostringstream o;
    o << "# HELP arshjul_http_requests_total HTTP requests by route and status.\n"
         "# TYPE arshjul_http_requests_total counter\n";
    for (std::size_t r = 0; r < kRouteNames.size(); ++r)
      for (std::size_t s = 0; s < kStatuses.size(); ++s) {
        const auto n = requests[r * kStatuses.size() + s].load();
        if (n) o << "arshjul_http_requests_total{route=\"" << kRouteNames[r] << "\",status=\"" << kStatuses[s] << "\"} " << n << "\n";
      }
    o << "# HELP arshjul_feed_render_seconds Time spent rendering feeds.\n"
         "# TYPE arshjul_feed_render_seconds summary\n"
         "arshjul_feed_render_seconds_sum " << static_cast<double>(render_micros.load()) / 1e6 << "\n"
         "arshjul_feed_render_seconds_count " << render_count.load() << "\n";
    return o.str();
  }
};

// The Date header, formatted once a second per thread.
const std::string& date_header(SysSeconds now) {
  thread_local long long second = -1;
  thread_local std::string text;
  if (now.time_since_epoch().count() != second) {
    second = now.time_since_epoch().count();
    text = http_date(now);
  }
  return text;
}

// IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT", the only form we send.
std::optional<SysSeconds> parse_http_date(std::string_view s) {
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  if (s.size() != 29 || s.substr(25) != " GMT") return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t len) {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const auto m = kMonths.find(s.substr(8, 3));
  const int day = num(5, 2), year = num(12, 4), h = num(17, 2), mi = num(20, 2), sec = num(23, 2);
  if (m == std::string_view::npos || m % 3 || day < 0 || year < 0 || h < 0 || mi < 0 || sec < 0) return std::nullopt;
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(m / 3 + 1)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  return SysSeconds{date::sys_days{ymd}} + std::chrono::hours{h} + std::chrono::minutes{mi} + Seconds{sec};
}

// ---- the daemon's shared state ---------------------------------------------------

// The config as the daemon loads it: the folder (the political calendar's
// stored copy in `cache`) and the command line's quick-start hook.
Expected<Config> with_cli_hook(const ServerOptions& o, Expected<Config> c) {
  if (!c || o.hook_url.empty()) return c;
  Hook h;
  h.id = "cli";
  h.url = o.hook_url;
  h.secret = o.hook_secret;
  c.value().hooks.push_back(std::move(h));
  return c;
}

// However slowly it trickles in, a request body is read within this.
constexpr std::chrono::minutes kMaxBodyTime{15};
// How long a body left unread (a refused upload) is still read and thrown
// away after the answer, so closing does not reset the connection under it.
constexpr std::chrono::seconds kLinger{3};

// ---- readiness -------------------------------------------------------------------

// Readiness waits this long for another writer, and this long for its answer in all.
constexpr std::chrono::milliseconds kProbeBusy{1000};
constexpr std::chrono::milliseconds kReadyWait{3000};
// The outbox is stuck when its oldest overdue message has had no attempt for this long.
constexpr std::chrono::minutes kStuckAfter{10};

// What one look at storage found: whether a write commits, and the oldest
// pending message whose next attempt is over a minute (of the wheel's
// clock, scaled by its speed) past.
struct StorageLook {
  std::optional<std::string> write_problem;
  std::optional<OutboxMessage> overdue;
  std::string outbox_problem;
};

StorageLook look_at_storage(Storage& storage, const Clock& clock) {
  StorageLook look;
  try {
    look.write_problem = storage.probe_write(kProbeBusy);
  } catch (const std::exception& e) {
    look.write_problem = std::string("the check failed: ") + e.what();
  }
  try {
    const Seconds grace{static_cast<long long>(std::max(1.0, clock.speed()) * 60)};
    auto due = storage.due_messages(clock.now() - grace, 1);
    if (!due.empty()) look.overdue = std::move(due.front());
  } catch (const std::exception& e) {
    look.outbox_problem = std::string("outbox not readable: ") + e.what();
  }
  return look;
}

// What the sessions share: the options, the wheel's runner (which owns the
// wheel's state), the feed cache, the log and the open sessions. Requests
// for the API and the pages run on `workers`, never on an io thread; their
// writes wait for the runner, so a rebuild never holds up a feed.
class Daemon final : public ApiHost {
 public:
  Daemon(const ServerOptions& o, WheelRunner& r, Logger& logger, boost::asio::io_context& i,
         boost::asio::thread_pool& w)
      : options(o), runner(r), io(i), workers(w), feeds(o.feed_cache_bytes), log_(logger) {}

  Storage& storage() override { return runner.storage(); }
  const Clock& clock() override { return runner.clock(); }
  std::shared_ptr<const Snapshot> snapshot() override { return runner.snapshot(); }
  std::optional<Subscription> subscription(const std::string& hash) override { return runner.subscription(hash); }
  std::shared_ptr<const Snapshot> write(const std::string& why, const Change& change) override {
    return runner.write(why, change);
  }
  std::shared_ptr<const Snapshot> write_people(const std::string& why, const std::vector<std::string>& people,
                                               const Change& change) override {
    return runner.write(why, change, people);
  }
  // Lines from parts that log only text get their level from what they say.
  void log(const std::string& line) override { log_.write(level_of(line), line); }
  void log(LogLevel level, const std::string& line) { log_.write(level, line); }

  // /readyz: 200 and what was checked, or 503 and what is wrong. Runs on a
  // worker; the look at storage runs on a thread of its own, one at a time,
  // so a check stuck behind a long transaction holds a worker for at most
  // kReadyWait and checks arriving meanwhile share it.
  std::pair<bool, std::string> readiness() EXCLUDES(ready_mu_) {
    std::shared_future<StorageLook> look;
    {
      MutexLock lock(&ready_mu_);
      if (!look_.valid() || look_.wait_for(std::chrono::seconds{0}) == std::future_status::ready)
        look_ = std::async(std::launch::async, [this] { return look_at_storage(storage(), clock()); }).share();
      look = look_;
    }
    std::vector<std::string> problems, fine;
    auto snap = snapshot();
    if (snap) fine.push_back("config: " + snap->config.organisation.id + ", " +
                             std::to_string(snap->expansion.occurrences.size()) + " occurrences");
    else problems.push_back("config not loaded");
    if (look.wait_for(kReadyWait) != std::future_status::ready) {
      problems.push_back("database locked: no answer within " + std::to_string(kReadyWait.count() / 1000) +
                         " s (another connection or a long transaction holds the write lock)");
    } else {
      const StorageLook& l = look.get();
      if (!l.write_problem) fine.push_back("database: writable");
      else if (*l.write_problem == "database is locked")
        problems.push_back("database locked: another connection has held the write lock for over " +
                           std::to_string(kProbeBusy.count() / 1000) + " s");
      else problems.push_back("database not writable: " + *l.write_problem);
      if (!l.outbox_problem.empty()) problems.push_back(l.outbox_problem);
      else if (auto stuck = outbox_stuck(l.overdue)) problems.push_back(*stuck);
      else fine.push_back("outbox: no message waits past its next attempt");
    }
    std::string body = problems.empty() ? "ready\n" : "not ready\n";
    for (const auto& p : problems) body += p + "\n";
    for (const auto& f : fine) body += f + "\n";
    return {problems.empty(), body};
  }

  const ServerOptions& options;
  WheelRunner& runner;
  boost::asio::io_context& io;        // the io threads: sessions and their I/O
  boost::asio::thread_pool& workers;  // API and page requests
  Metrics metrics;
  std::atomic<bool> stopping{false};
  std::atomic<Dispatcher*> dispatcher{nullptr};
  std::atomic<PoliticalCalendarFetcher*> political{nullptr};
  WebSessions sessions;
  FeedCache feeds;

  // Access-log lines are buffered and flushed every second (flush_log), so
  // logging costs no syscall a request; lifecycle lines (log) go out at once.
  void log_request(const RequestLogEntry& entry) { log_.request(entry); }
  void flush_log() { log_.flush(); }

  // A new snapshot (on the runner's thread, before the runner publishes
  // it): its events digested, and what changed since the one before, so
  // every snapshot a feed is served from has them and cached feeds it leaves
  // as they were are carried over, not rendered again.
  void snapshot_changed(const std::shared_ptr<const Snapshot>& snap) EXCLUDES(inputs_mu_) {
    std::shared_ptr<const FeedInputs> inputs;
    try {
      inputs = std::make_shared<const FeedInputs>(snap, feed_inputs().get());
    } catch (const std::bad_alloc&) {
      // The snapshot is committed and will be published: without inputs its
      // feeds are rendered from the runner's snapshot, never served stale.
      log("feeds: no memory to digest snapshot " + std::to_string(snap->generation) + "; feeds render until the next");
    }
    {
      MutexLock lock(&inputs_mu_);
      inputs.swap(inputs_);
    }
    // The previous inputs are freed here, outside the lock every feed request takes.
  }

  // The snapshot feeds are served from and its inputs: the newest published
  // one or (for a moment) the one about to be. Null only when the newest
  // snapshot's could not be made (no memory): its feeds then render.
  std::shared_ptr<const FeedInputs> feed_inputs() EXCLUDES(inputs_mu_) {
    MutexLock lock(&inputs_mu_);
    return inputs_;
  }

  // Rendered once per subscription and day while its inputs stay the same;
  // revalidations render nothing.
  FeedCache::Hit feed(const std::string& key, const FeedInputs* inputs, const Snapshot& snap, const FeedFilter& filter,
                      bool want_gzip) {
    const auto t0 = std::chrono::steady_clock::now();
    bool rendered = false;
    auto hit = cached_feed(feeds, inputs, key, snap, filter, clock().now(), want_gzip, &rendered);
    if (rendered) {
      metrics.render_micros += static_cast<unsigned long long>(
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
      metrics.render_count++;
      if (auto warning = large_feed_warning(*hit.feed, filter.to_string())) log(*warning);
    }
    return hit;
  }

  // Sessions register so shutdown can close the idle ones.
  void add_session(const std::shared_ptr<void>& s, std::function<void()> close_if_idle) EXCLUDES(sessions_mu_) {
    MutexLock lock(&sessions_mu_);
    open_sessions_[s.get()] = std::move(close_if_idle);
  }
  void remove_session(void* s) EXCLUDES(sessions_mu_) {
    MutexLock lock(&sessions_mu_);
    open_sessions_.erase(s);
  }
  std::size_t session_count() EXCLUDES(sessions_mu_) {
    MutexLock lock(&sessions_mu_);
    return open_sessions_.size();
  }
  void close_idle_sessions() EXCLUDES(sessions_mu_) {
    // Called outside the lock: a callback may drop the last reference to its
    // session, whose destructor takes the lock again (remove_session).
    std::vector<std::function<void()>> closers;
    {
      MutexLock lock(&sessions_mu_);
      for (auto& [p, close] : open_sessions_) closers.push_back(close);
    }
    for (auto& close : closers) close();
  }

 private:
  // Stuck: the same overdue message, its attempts unchanged, across checks
  // kStuckAfter apart. A receiver that is down is not stuck: each failed
  // attempt counts and moves its next attempt into the future.
  std::optional<std::string> outbox_stuck(const std::optional<OutboxMessage>& overdue) EXCLUDES(ready_mu_) {
    MutexLock lock(&ready_mu_);
    const auto now = std::chrono::steady_clock::now();
    if (!overdue) {
      stuck_id_ = 0;
      return std::nullopt;
    }
    if (overdue->id != stuck_id_ || overdue->attempts != stuck_attempts_) {
      stuck_id_ = overdue->id;
      stuck_attempts_ = overdue->attempts;
      stuck_since_ = now;
      return std::nullopt;
    }
    const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(now - stuck_since_);
    if (minutes < kStuckAfter) return std::nullopt;
    return "outbox stuck: message " + std::to_string(overdue->id) + " to hook " + overdue->hook + ", next attempt " +
           date::format("%FT%TZ", overdue->next_attempt) + ", has had no attempt for " +
           std::to_string(minutes.count()) + " min";
  }

  Mutex ready_mu_;
  std::shared_future<StorageLook> look_ GUARDED_BY(ready_mu_);
  long long stuck_id_ GUARDED_BY(ready_mu_) = 0;
  int stuck_attempts_ GUARDED_BY(ready_mu_) = 0;
  std::chrono::steady_clock::time_point stuck_since_ GUARDED_BY(ready_mu_);

  Logger& log_;
  Mutex inputs_mu_;
  std::shared_ptr<const FeedInputs> inputs_ GUARDED_BY(inputs_mu_);  // the newest snapshot's

  Mutex sessions_mu_;
  std::unordered_map<void*, std::function<void()>> open_sessions_ GUARDED_BY(sessions_mu_);
};

// ---- one connection ----------------------------------------------------------------

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Daemon& d) : stream_(std::move(socket)), d_(d) {
    beast::error_code ec;
    // Room for a whole feed in one write, so a response rarely waits on the peer.
    stream_.socket().set_option(asio::socket_base::send_buffer_size(1 << 20), ec);

    auto ep = stream_.socket().remote_endpoint(ec);
    peer_ = ec ? "-" : ep.address().to_string();
  }

  void start() {
    auto self = shared_from_this();
    std::weak_ptr<Session> weak = self;
    d_.add_session(self, [weak] {
      if (auto s = weak.lock()) asio::post(s->stream_.get_executor(), [s] { s->close_if_idle(); });
    });
    asio::dispatch(stream_.get_executor(), [self] { self->read(); });
  }

  ~Session() { d_.remove_session(this); }

 private:
  void read() {
    if (d_.stopping) return close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(d_.options.max_header));
    // Beast checks a Content-Length against the body limit while it parses
    // the header, before the target is known: the header is read with the
    // largest limit any route has, and the route's own is set after.
    parser_->body_limit(d_.options.max_import_body);
    stream_.expires_after(served_ ? d_.options.idle_timeout : d_.options.request_timeout);
    idle_ = true;
    http::async_read_header(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t n) {
    if (ec) return on_read(ec, n);
    idle_ = false;
    auto& req = parser_->get();
    if (!api_allows_large_body(req.target())) {
      if (parser_->content_length() && *parser_->content_length() > d_.options.max_body)
        return on_read(http::error::body_limit, 0);
      parser_->body_limit(d_.options.max_body);
      // A small body has the request timeout in all, as the header had.
      body_deadline_ = std::chrono::steady_clock::now() + d_.options.request_timeout;
      return continue_then_read_body();
    }
    // The roster import may be large: its body is read only for a token
    // that may import, so nobody without one can make the daemon hold it.
    ApiRequest head;
    head.method = std::string(req.method_string());
    head.target = std::string(req.target());
    head.authorization = std::string(req[http::field::authorization]);
    head.content_type = std::string(req[http::field::content_type]);
    asio::post(d_.workers, [self = shared_from_this(), head = std::move(head), guard = asio::make_work_guard(d_.io)] {
      auto refused = api_refuse_before_body(self->d_, head);
      asio::post(self->stream_.get_executor(), [self, refused = std::move(refused)]() mutable {
        if (!refused) {
          self->body_deadline_ = std::chrono::steady_clock::now() + kMaxBodyTime;
          return self->continue_then_read_body();
        }
        self->keep_alive_ = false;  // the body is left unread
        self->linger_ = true;
        self->head_ = self->parser_->get().method() == http::verb::head;
        self->method_ = std::string(self->parser_->get().method_string());
        self->target_ = loggable_target(self->parser_->get().target());
        self->started_ = std::chrono::steady_clock::now();
        auto res = to_http(std::move(*refused));
        res.set(http::field::cache_control, "no-store");
        self->send(Route::api, std::move(res));
      });
    });
  }

  // A client that asked (Expect: 100-continue) is told to send the body it held back.
  void continue_then_read_body() {
    const auto expect = parser_->get()[http::field::expect];
    if (!beast::iequals(expect, "100-continue") || parser_->is_done()) return read_body();
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(d_.options.request_timeout);
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                        if (ec) return self->on_read(ec, n);
                        self->read_body();
                      });
  }

  // The body a piece at a time, each with request_timeout to arrive: a slow
  // upload that keeps coming is not cut off, a stalled one is. The whole
  // body has body_deadline_: the request timeout for small bodies, and
  // kMaxBodyTime for a roster import whose token was checked.
  void read_body() {
    if (d_.stopping) return close();
    if (parser_->is_done()) return on_read({}, 0);
    const auto now = std::chrono::steady_clock::now();
    if (now >= body_deadline_) return on_read(beast::error::timeout, 0);
    stream_.expires_after(std::min<std::chrono::steady_clock::duration>(d_.options.request_timeout, body_deadline_ - now));
    http::async_read_some(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec) return self->on_read(ec, n);
      self->read_body();
    });
  }

  void close_if_idle() {
    if (idle_) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_.socket().close(ec);
    }
  }

  void on_read(beast::error_code ec, std::size_t) {
    idle_ = false;
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::bad_descriptor)
      return close();
    started_ = std::chrono::steady_clock::now();
    if (ec == http::error::body_limit) {
      linger_ = true;
      return fail(Route::other, http::status::payload_too_large, "request body too large\n");
    }
    if (ec == http::error::header_limit)
      return fail(Route::other, http::status::request_header_fields_too_large, "request header too large\n");
    if (ec) return fail(Route::other, http::status::bad_request, "malformed request\n");
    handle(parser_->get());
  }

  void fail(Route r, http::status status, std::string text) {
    keep_alive_ = false;  // the stream may be mid-request: do not read another
    method_ = "-";
    target_ = "-";
    send_text(r, status, std::move(text));
  }

  void handle(http::request<http::string_body>& req) {
    method_ = std::string(req.method_string());
    const std::string_view target = req.target();
    // Never log a secret: tokens in paths and secret query values are cut (server/log.h).
    target_ = loggable_target(target);
    keep_alive_ = req.keep_alive();
    if (target.size() > d_.options.max_target) return send_text(Route::other, http::status::uri_too_long, "URL too long\n");
    std::string_view path = target.substr(0, target.find('?'));
    Route route = Route::other;
    if (path == "/healthz") route = Route::healthz;
    else if (path == "/readyz") route = Route::readyz;
    else if (path == "/metrics") route = Route::metrics;
    else if (path.rfind("/feeds/", 0) == 0) route = Route::feed;
    else if (path == "/api/v1" || path.rfind("/api/v1/", 0) == 0) route = Route::api;
    if (route == Route::api) return serve_api(req);
    if (route == Route::other && is_web_path(path)) return serve_page(req);

    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      if (route == Route::other) return send_text(route, http::status::not_found, "not found\n");
      auto res = text_response(http::status::method_not_allowed, "method not allowed\n");
      res.set(http::field::allow, "GET, HEAD");
      return send(route, std::move(res));
    }
    head_ = req.method() == http::verb::head;
    switch (route) {
      // Liveness: the process answers. It touches nothing that may wait.
      case Route::healthz: return send_text(route, http::status::ok, "ok\n");
      case Route::readyz:
        return off_io(route, [&d = d_] {
          auto [ready, body] = d.readiness();
          auto res = text_response(ready ? http::status::ok : http::status::service_unavailable, std::move(body));
          res.set(http::field::cache_control, "no-store");
          return res;
        });
      case Route::metrics: {
        auto res = text_response(http::status::ok, d_.metrics.text() + d_.feeds.metrics_text() + d_.runner.metrics_text() + (d_.dispatcher ? d_.dispatcher.load()->metrics_text() : "") + (d_.political ? d_.political.load()->metrics_text() : ""));
        res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        return send(route, std::move(res));
      }
      case Route::feed: return serve_feed(req, path.substr(7));
      default: return send_text(route, http::status::not_found, "not found\n");
    }
  }

  // The API and the pages may read storage, parse a large CSV or wait for a
  // rebuild: they run on the daemon's workers, and the answer comes back to
  // this session's strand. The work guard keeps the io threads running until then.
  template <class Work>
  void off_io(Route route, Work work) {
    asio::post(d_.workers, [self = shared_from_this(), route, work = std::move(work),
                            guard = asio::make_work_guard(d_.io)]() mutable {
      auto res = std::make_shared<http::response<http::string_body>>(work());
      asio::post(self->stream_.get_executor(), [self, route, res] { self->send(route, std::move(*res)); });
    });
  }

  template <class Answer>
  static http::response<http::string_body> to_http(Answer&& r) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
    if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
    // insert, not set: a page may send several Set-Cookie headers.
    for (const auto& [name, value] : r.headers) res.insert(name, value);
    res.body() = std::move(r.body);
    res.prepare_payload();
    return res;
  }

  void serve_api(http::request<http::string_body>& req) {
    ApiRequest ar;
    ar.method = std::string(req.method_string());
    ar.target = std::string(req.target());
    ar.authorization = std::string(req[http::field::authorization]);
    ar.content_type = std::string(req[http::field::content_type]);
    // A list header may come as several lines (RFC 9110 § 5.3): all of them, joined.
    auto joined = [&](http::field f) {
      std::string v;
      for (auto [it, end] = req.equal_range(f); it != end; ++it) v += (v.empty() ? "" : ", ") + std::string(it->value());
      return v;
    };
    ar.if_match = joined(http::field::if_match);
    ar.if_none_match = joined(http::field::if_none_match);
    ar.body = std::move(req.body());
    head_ = req.method() == http::verb::head;
    off_io(Route::api, [&d = d_, ar = std::move(ar)] {
      auto res = to_http(handle_api(d, ar));
      res.set(http::field::cache_control, "no-store");
      return res;
    });
  }

  void serve_page(http::request<http::string_body>& req) {
    WebRequest wr;
    wr.method = std::string(req.method_string());
    wr.target = std::string(req.target());
    wr.cookie = std::string(req[http::field::cookie]);
    wr.origin = std::string(req[http::field::origin]);
    wr.host = std::string(req[http::field::host]);
    wr.content_type = std::string(req[http::field::content_type]);
    wr.body = std::move(req.body());
    head_ = req.method() == http::verb::head;
    off_io(Route::page, [&d = d_, wr = std::move(wr)] {
      return to_http(handle_web(d, d.sessions, d.options.config_dir, wr));
    });
  }

  void serve_feed(const http::request<http::string_body>& req, std::string_view name) {
    std::string_view token = name;
    const bool ics = token.size() > 4 && token.substr(token.size() - 4) == ".ics";
    if (ics) token.remove_suffix(4);
    // Hash and look up even a malformed token, so a miss costs what a hit does.
    const std::string hash = token_hash(token);
    const auto sub = d_.subscription(hash);
    if (!ics) return send_text(Route::feed, http::status::not_found, "no such feed\n");
    if (!sub) return look_up_new_feed(hash);
    answer_feed(req, hash, *sub);
  }

  // A token the index does not know may be a feed another process (arshjul
  // subscribe) stored since the runner's last tick: storage says, on a
  // worker, so the feed answers at once whichever door made it; the answer
  // is then made here as for any feed.
  void look_up_new_feed(const std::string& hash) {
    asio::post(d_.workers, [self = shared_from_this(), hash, guard = asio::make_work_guard(d_.io)] {
      auto sub = self->d_.storage().active_subscription(hash);
      asio::post(self->stream_.get_executor(), [self, hash, sub = std::move(sub)] {
        if (!sub) return self->send_text(Route::feed, http::status::not_found, "no such feed\n");
        self->answer_feed(self->parser_->get(), hash, *sub);
      });
    });
  }

  void answer_feed(const http::request<http::string_body>& req, const std::string& hash, const Subscription& sub) {
    const auto inputs = d_.feed_inputs();
    const auto snap = inputs ? inputs->shared_snapshot() : d_.snapshot();
    auto filter = parse_feed_filter(snap->config, sub.filter);
    if (!filter) return send_text(Route::feed, http::status::not_found, "this feed's subject is gone: " + filter.error() + "\n");
    // A gzip client gets the body compressed once and kept, under an ETag of its own.
    const bool gzip = accepts_gzip(req[http::field::accept_encoding]);
    auto hit = d_.feed(hash, inputs.get(), *snap, *filter, gzip);
    feed_ = std::move(hit.feed);
    feed_gzip_ = std::move(hit.gzip);
    const auto& f = *feed_;
    const std::string etag = gzip ? gzip_etag(f.etag) : f.etag;
    bool not_modified = false;
    if (auto inm = req[http::field::if_none_match]; !inm.empty()) {
      not_modified = inm == "*" || std::string_view(inm).find(etag) != std::string_view::npos;
    } else if (auto ims = req[http::field::if_modified_since]; !ims.empty()) {
      if (auto t = parse_http_date(ims)) not_modified = f.last_modified <= *t;
    }
    auto set_validators = [&](auto& res) {
      res.set(http::field::etag, etag);
      if (!f.last_modified_http.empty()) res.set(http::field::last_modified, f.last_modified_http);
      res.set(http::field::cache_control, "private, max-age=300");
      res.set(http::field::vary, "Accept-Encoding");
    };
    if (not_modified) {
      http::response<http::empty_body> res{http::status::not_modified, 11};
      set_validators(res);
      return send(Route::feed, std::move(res));
    }
    http::response<http::span_body<const char>> res{http::status::ok, 11};
    res.set(http::field::content_type, "text/calendar; charset=utf-8; method=PUBLISH");  // matches the body's METHOD
    res.set(http::field::content_disposition, "inline; filename=\"arshjul.ics\"");
    set_validators(res);
    if (gzip) {
      if (!feed_gzip_) feed_gzip_ = d_.feeds.gzip(hash, feed_);
      res.set(http::field::content_encoding, "gzip");
      res.body() = std::span<const char>(feed_gzip_->data(), feed_gzip_->size());
    } else {
      res.body() = std::span<const char>(f.body.data(), f.body.size());
    }
    res.prepare_payload();
    send(Route::feed, std::move(res));
  }

  static http::response<http::string_body> text_response(http::status status, std::string text) {
    http::response<http::string_body> res{status, 11};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = std::move(text);
    res.prepare_payload();
    return res;
  }

  void send_text(Route r, http::status status, std::string text) { send(r, text_response(status, std::move(text))); }

  template <class Body>
  void send(Route route, http::response<Body>&& res) {
    // The write gets a time of its own: the read's expiry may have passed
    // while the answer waited for a rebuild.
    stream_.expires_after(d_.options.request_timeout);
    const unsigned status = res.result_int();
    d_.metrics.count(route, status);
    res.set(http::field::server, "arshjul");
    res.set(http::field::date, date_header(d_.clock().now()));
    res.keep_alive(keep_alive_ && !d_.stopping);
    const auto length = res.has_content_length() ? res[http::field::content_length] : beast::string_view("0");
    status_ = status;
    length_ = std::string(length);
    auto sp = std::make_shared<http::response<Body>>(std::move(res));
    response_ = sp;
    if (head_) {
      // HEAD: the headers a GET would get, without the body.
      auto sr = std::make_shared<http::response_serializer<Body>>(*sp);
      serializer_ = sr;
      http::async_write_header(stream_, *sr,
                               [self = shared_from_this(), close = !sp->keep_alive()](beast::error_code ec, std::size_t) {
                                 self->on_write(close, ec);
                               });
      return;
    }
    http::async_write(stream_, *sp, [self = shared_from_this(), close = !sp->keep_alive()](beast::error_code ec, std::size_t) {
      self->on_write(close, ec);
    });
  }

  void on_write(bool close_after, beast::error_code ec) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_).count();
    d_.log_request(RequestLogEntry{peer_, method_, target_, status_, length_, static_cast<long long>(us)});
    response_.reset();
    serializer_.reset();
    feed_.reset();
    feed_gzip_.reset();
    head_ = false;
    served_ = true;
    if (ec || close_after) return close();
    read();
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (linger_ && !ec) return linger();
    stream_.socket().close(ec);
  }

  // A client still sending the body of a refused upload would get a reset
  // for the bytes that arrive after close, and a reset can destroy the answer
  // before the client reads it (RFC 9112 9.6). So, as nginx's lingering
  // close does, read and discard for a short while after the answer.
  void linger() {
    linger_ = false;
    discard_ = std::make_unique<std::array<char, 16384>>();
    stream_.expires_after(kLinger);
    drain();
  }
  void drain() {
    stream_.async_read_some(asio::buffer(*discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec) return self->drain();
      beast::error_code ignored;
      self->stream_.socket().close(ignored);
    });
  }

  beast::tcp_stream stream_;
  Daemon& d_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<void> response_, serializer_;
  std::shared_ptr<const RenderedFeed> feed_;  // the span body points into it
  std::shared_ptr<const std::string> feed_gzip_;  // or into this
  std::string peer_, method_ = "-", target_ = "-", length_;  // target_: as it may be logged
  unsigned status_ = 0;
  std::chrono::steady_clock::time_point started_, body_deadline_;
  bool keep_alive_ = false, head_ = false, idle_ = false, served_ = false;
  bool linger_ = false;  // the request's body was left unread: linger() before closing
  std::unique_ptr<std::array<char, 16384>> discard_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& ioc, tcp::acceptor acceptor, Daemon& d, std::size_t max_connections)
      : ioc_(ioc), acceptor_(std::move(acceptor)), d_(d), max_connections_(max_connections), pause_(acceptor_.get_executor()) {}
  void accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
      if (ec) return self->out_of_room(ec);
      self->failing_ = false;
      // At the limit, idle keep-alive connections make room for new ones.
      if (self->d_.session_count() >= self->max_connections_) self->d_.close_idle_sessions();
      std::make_shared<Session>(std::move(s), self->d_)->start();
      self->accept();
    });
  }
  void stop() {
    beast::error_code ec;
    acceptor_.close(ec);
    pause_.cancel();
  }

 private:
  // Out of descriptors (EMFILE) or memory: accepting again at once would
  // fail again at once, a busy loop. Free idle connections, pause, retry.
  void out_of_room(const beast::error_code& ec) {
    if (!failing_) d_.log("accept: " + ec.message() + "; closing idle connections and pausing new ones for 100 ms");
    failing_ = true;
    d_.close_idle_sessions();
    pause_.expires_after(std::chrono::milliseconds{100});
    pause_.async_wait([self = shared_from_this()](beast::error_code wec) {
      if (!wec && self->acceptor_.is_open()) self->accept();
    });
  }

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  Daemon& d_;
  const std::size_t max_connections_;
  asio::steady_timer pause_;  // only the accept loop's own handlers touch it and failing_: one at a time
  bool failing_ = false;
};

// The connection limit when none is set: what the descriptor limit leaves.
std::size_t connection_limit(std::size_t configured) {
  if (configured) return configured;
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 10000;
  return rl.rlim_cur > 64 ? static_cast<std::size_t>(rl.rlim_cur) - 32 : 32;
}

}  // namespace

int serve(const ServerOptions& o, const Clock& clock, std::ostream& log_to) {
  Logger logger(log_to, o.log_format, o.journal);
  // Startup problems: one error line each, gathered like a stream.
  struct ErrorLine {
    explicit ErrorLine(Logger& l) : logger(l) {}
    ~ErrorLine() { logger.write(LogLevel::error, text.str()); }
    Logger& logger;
    std::ostringstream text;
  };
  auto error = [&logger] { return std::make_unique<ErrorLine>(logger); };
  const auto notify = [&o](const std::string& state) {
    if (o.notify) o.notify(state);
  };
  if (!o.hook_url.empty()) {
    auto problem = check_hook_url(o.hook_url, false);
    if (!problem) problem = check_hook_secret(o.hook_secret);
    if (problem) {
      error()->text << "--hook: " << *problem << "\n";
      return 1;
    }
  }
  // Read again once the database is open, with the political calendar's stored copy.
  auto config = with_cli_hook(o, ConfigFolder(o.config_dir, nullptr).load(true));
  if (!config) {
    error()->text << config.error() << "\n" << o.config_dir << ": not starting with a bad config\n";
    return 1;
  }
  {
    const std::filesystem::path p(o.db_path);
    std::error_code fec;
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), fec);
  }
  // SQLite opens a file it may not write read-only, silently, and the first
  // write failed far from here (exit 70, no path). access() also sees an
  // immutable file or a read-only mount, which stop root too.
  if (::access(o.db_path.c_str(), F_OK) == 0 && ::access(o.db_path.c_str(), W_OK) != 0) {
    error()->text << o.db_path << ": the database is read-only (" << std::strerror(errno)
        << "); arshjul needs to write to it: check the file's owner and mode, its immutable attribute (lsattr) "
           "and whether its file system is mounted read-only\n";
    return 1;
  }
  auto storage = open_sqlite_storage(o.db_path);
  if (!storage) {
    error()->text << storage.error() << "\n";
    return 1;
  }
  // One daemon per database: a second would plan and deliver every message
  // again. flock is held by this open file for the daemon's lifetime and is
  // independent of SQLite's own (fcntl) locks, so the CLI still works beside it.
  const int lock_fd = ::open(o.db_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (lock_fd < 0 || ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    const bool held = lock_fd >= 0 && errno == EWOULDBLOCK;
    error()->text << o.db_path << ": " << (held ? "another arshjul daemon is serving this database; not starting a second one"
                                      : std::string("cannot lock the database: ") + std::strerror(errno))
        << "\n";
    if (lock_fd >= 0) ::close(lock_fd);
    return 1;
  }
  struct CloseOnExit {
    int fd;
    ~CloseOnExit() { ::close(fd); }
  } lock_holder{lock_fd};

  asio::io_context ioc{o.threads};
  // Accepting, its pause timer, signals and the log flush share one strand:
  // SIGTERM closes the acceptor and cancels the timers without racing them.
  auto control = asio::make_strand(ioc);
  tcp::acceptor acceptor(control);
  beast::error_code ec;
  const auto address = asio::ip::make_address(o.host, ec);
  if (ec) {
    error()->text << "--listen: \"" << o.host << "\" is not an IP address\n";
    return 1;
  }
  const tcp::endpoint ep{address, o.port};
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error()->text << "cannot listen on " << o.host << ":" << o.port << ": " << ec.message() << "\n";
    return 1;
  }
  const unsigned short port = acceptor.local_endpoint().port();
  std::unique_ptr<Storage> store = std::move(storage).value();
  SystemClock wall;

  // The wheel's one owner: its own thread builds, rebuilds, reloads and ticks.
  // It logs only from start() on, when the Daemon below exists.
  Daemon* daemon = nullptr;
  auto log_line = [&daemon](const std::string& line) { daemon->log(line); };
  Storage* cache = store.get();
  ConfigFolder folder(o.config_dir, cache);
  config = with_cli_hook(o, folder.load(true));
  if (!config) {
    error()->text << config.error() << "\n" << o.config_dir << ": not starting with a bad config\n";
    return 1;
  }
  WheelRunner runner(*store, clock, [&o, &folder](bool reread_folder) -> Expected<Config> {
    auto c = with_cli_hook(o, folder.load(reread_folder));
    if (!c) return Error{o.config_dir + ":\n" + c.error()};
    return c;
  }, log_line);
  // Feed URLs in messages: as configured, else where we listen (the bound port, for :0).
  try {
    store->set_setting("public_url", o.public_url.empty() ? "http://" + (o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host) + ":" + std::to_string(port) : o.public_url);
  } catch (const std::exception& e) {
    error()->text << o.db_path << ": cannot write to the database: " << e.what() << "\n";
    return 1;
  }

  asio::thread_pool workers(static_cast<std::size_t>(std::max(2, o.threads)));
  Daemon d(o, runner, logger, ioc, workers);
  daemon = &d;
  // Deliveries get an io_context and thread of their own: their storage
  // writes may wait for a rebuild's transaction, and feeds must not.
  asio::io_context delivery_io{1};
  auto delivery_work = asio::make_work_guard(delivery_io);
  Dispatcher dispatcher(delivery_io, *store, clock, wall, [&d](const std::string& line) { d.log(line); });
  d.dispatcher = &dispatcher;
  runner.on_snapshot([&d, &dispatcher](const std::shared_ptr<const Snapshot>& snap) {
    dispatcher.set_snapshot(snap);
    d.snapshot_changed(snap);
  });
  auto started = runner.start(std::move(config).value());
  if (!started) {
    error()->text << started.error() << "\n";
    return 1;
  }
  dispatcher.start();
  // The møteplan from its URL, on a thread of its own: a slow server holds
  // neither the runner nor a feed. A new one is applied as a reload.
  PoliticalCalendarFetcher political(*store, [&runner] { return runner.snapshot(); }, [&runner] { runner.reload(/*reread_folder=*/false); },
                                     [&d](const std::string& line) { d.log(line); });
  d.political = &political;
  political.start();
  std::thread delivery_thread([&delivery_io] { delivery_io.run(); });
  auto listener = std::make_shared<Listener>(ioc, std::move(acceptor), d, connection_limit(o.max_connections));
  listener->accept();

  // The access log is flushed once a second.
  asio::steady_timer flush_timer(control);
  std::function<void(beast::error_code)> on_flush = [&](beast::error_code fec) {
    if (fec || d.stopping) return;
    d.flush_log();
    flush_timer.expires_after(std::chrono::seconds{1});
    flush_timer.async_wait(on_flush);
  };
  flush_timer.expires_after(std::chrono::seconds{1});
  flush_timer.async_wait(on_flush);

  // The watchdog is fed from the control strand on the io threads: if they
  // hang, the pings stop and systemd restarts the daemon (WatchdogSec=).
  asio::steady_timer watchdog_timer(control);
  std::function<void(beast::error_code)> on_watchdog = [&](beast::error_code wec) {
    if (wec || d.stopping) return;
    notify("WATCHDOG=1");
    watchdog_timer.expires_after(o.watchdog_interval);
    watchdog_timer.async_wait(on_watchdog);
  };
  if (o.notify && o.watchdog_interval.count() > 0) {
    watchdog_timer.expires_after(o.watchdog_interval);
    watchdog_timer.async_wait(on_watchdog);
  }

  asio::signal_set signals(control, SIGINT, SIGTERM, SIGHUP);
  std::function<void(beast::error_code, int)> on_signal = [&](beast::error_code sec, int sig) {
    if (sec) return;
    if (sig == SIGHUP) {
      d.log(LogLevel::notice, "SIGHUP: reloading " + o.config_dir);
      notify("RELOADING=1");
      runner.reload();
      // The reload runs on the runner's thread; a no-op write queued behind it
      // returns when it is done (ok or not), and the service is ready again.
      // Only then is the møteplan fetched, so a new URL is the one fetched (a
      // new møteplan applies as a reload of its own). It waits on a worker,
      // never on this strand.
      asio::post(workers, [&runner, &notify, &political, tell = o.notify] {
        try {
          runner.write("reload done", [](Storage&, const std::shared_ptr<const Snapshot>&) { return false; });
        } catch (const std::exception&) {
          return;  // stopping
        }
        political.fetch_now();
        if (tell) notify("READY=1");
      });
      signals.async_wait(on_signal);
      return;
    }
    d.log(LogLevel::notice, std::string(sig == SIGTERM ? "SIGTERM" : "SIGINT") + ": finishing in-flight requests and stopping");
    notify("STOPPING=1");
    d.stopping = true;
    listener->stop();
    d.close_idle_sessions();
    dispatcher.stop();
    political.stop();
    flush_timer.cancel();
    watchdog_timer.cancel();
    signals.cancel();
  };
  signals.async_wait(on_signal);

  const auto snap = d.snapshot();
  d.log(LogLevel::notice, "arshjul serving " + snap->config.organisation.name + " (" + o.config_dir + ", " +
        std::to_string(snap->expansion.occurrences.size()) + " occurrences " + format_date(snap->horizon_from) + " to " +
        format_date(snap->horizon_to) + ") on http://" + o.host + ":" + std::to_string(port) + " with " + o.db_path);
  // Built, listening and accepting: systemd may start what comes after us.
  notify("READY=1\nSTATUS=serving " + snap->config.organisation.name + " on " + o.host + ":" + std::to_string(port));

  std::vector<std::thread> pool;
  for (int i = 1; i < o.threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  // Every session is done, so no request waits on the runner any more.
  workers.join();
  runner.stop();
  delivery_work.reset();
  delivery_thread.join();  // deliveries in flight finish
  d.flush_log();
  d.log(LogLevel::notice, "stopped");
  return 0;
}

}  // namespace arshjul
