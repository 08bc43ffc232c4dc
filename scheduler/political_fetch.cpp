#include "scheduler/political_fetch.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <sstream>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "calendars/political.h"
#include "scheduler/http_target.h"

namespace arshjul {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// Settings keys of the stored copy; etag and last_modified belong to url.
constexpr std::string_view kUrl = "political_calendar/url";
constexpr std::string_view kBody = "political_calendar/body";
constexpr std::string_view kEtag = "political_calendar/etag";
constexpr std::string_view kLastModified = "political_calendar/last_modified";
constexpr std::string_view kFetchedAt = "political_calendar/fetched_at";

// How often the fetcher looks whether a fetch is due or the URL changed.
constexpr std::chrono::seconds kLook{5};
// A fetch that did not reach the body is tried again this soon (at most
// `refresh`): a daemon started while the network was down should not wait
// hours for the møteplan. A rejected body waits for `refresh`: asking again
// soon would get the same body.
constexpr std::chrono::minutes kRetryFailed{5};

struct Got {
  int status = 0;
  std::string body, etag, last_modified;
};

// One GET of a target within kPoliticalFetchTimeout, as a chain of async
// steps on the fetcher's io_context. Not a coroutine: Clang 14 cannot emit
// one under the fuzz build's flags (as server/oidc.cpp found). `done` gets
// an error naming the step that failed, or the answer.
class Get : public std::enable_shared_from_this<Get> {
 public:
  using Done = std::function<void(std::string error, Got got)>;

  Get(asio::io_context& io, HttpTarget t, std::string ca_file, const std::string& etag, const std::string& last_modified,
      Done done)
      : io_(io), t_(std::move(t)), ca_file_(std::move(ca_file)), resolver_(io), done_(std::move(done)) {
    req_ = {http::verb::get, t_.path, 11};
    req_.set(http::field::host, t_.host_header);
    req_.set(http::field::user_agent, "arshjul");
    req_.set(http::field::accept, "text/calendar");
    req_.set(http::field::connection, "close");
    if (!etag.empty()) req_.set(http::field::if_none_match, etag);
    if (!last_modified.empty()) req_.set(http::field::if_modified_since, last_modified);
    parser_.body_limit(kPoliticalMaxBytes);
  }

  void run() {
    deadline_ = std::chrono::steady_clock::now() + kPoliticalFetchTimeout;
    step_ = "resolving " + t_.host;
    resolver_.async_resolve(t_.host, t_.port, beast::bind_front_handler(&Get::on_resolve, shared_from_this()));
  }

 private:
  beast::tcp_stream& lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return fail(ec);
    step_ = "connecting to " + t_.host + ":" + t_.port;
    if (t_.tls) {
      ctx_.emplace(ssl::context::tls_client);
      ctx_->set_default_verify_paths();
      ctx_->set_verify_mode(ssl::verify_peer);
      if (!ca_file_.empty()) {
        beast::error_code load;
        ctx_->load_verify_file(ca_file_, load);
        if (load) return finish(step_ + ": cannot load ca_file " + ca_file_ + ": " + load.message());
      }
      tls_.emplace(io_, *ctx_);
    } else {
      plain_.emplace(io_);
    }
    lowest().expires_at(deadline_);
    lowest().async_connect(results, beast::bind_front_handler(&Get::on_connect, shared_from_this()));
  }

  void on_connect(beast::error_code ec, const tcp::endpoint&) {
    if (ec) return fail(ec);
    if (!tls_) return write();
    step_ = "TLS handshake with " + t_.host;
    if (!SSL_set_tlsext_host_name(tls_->native_handle(), t_.host.c_str())) return finish(step_ + ": cannot set SNI");
    tls_->set_verify_callback(ssl::host_name_verification(t_.host));
    lowest().expires_at(deadline_);
    tls_->async_handshake(ssl::stream_base::client, beast::bind_front_handler(&Get::on_handshake, shared_from_this()));
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return fail(ec);
    write();
  }

  void write() {
    step_ = "sending the request";
    lowest().expires_at(deadline_);
    auto next = beast::bind_front_handler(&Get::on_write, shared_from_this());
    if (tls_) http::async_write(*tls_, req_, std::move(next));
    else http::async_write(*plain_, req_, std::move(next));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return fail(ec);
    step_ = "reading the answer";
    lowest().expires_at(deadline_);
    auto next = beast::bind_front_handler(&Get::on_read, shared_from_this());
    if (tls_) http::async_read(*tls_, buffer_, parser_, std::move(next));
    else http::async_read(*plain_, buffer_, parser_, std::move(next));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit)
      return finish(step_ + ": the body is larger than " + std::to_string(kPoliticalMaxBytes >> 20) + " MB");
    if (ec) return fail(ec);
    auto& res = parser_.get();
    Got g;
    g.status = static_cast<int>(res.result_int());
    g.etag = std::string(res[http::field::etag]);
    g.last_modified = std::string(res[http::field::last_modified]);
    g.body = std::move(res.body());
    finish("", std::move(g));
  }

  void fail(beast::error_code ec) {
    if (ec == beast::error::timeout)
      return finish(step_ + ": no answer within " + std::to_string(kPoliticalFetchTimeout.count()) + " s");
    finish(step_ + ": " + ec.message());
  }

  void finish(std::string error, Got got = {}) {
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(error), std::move(got));
  }

  asio::io_context& io_;
  HttpTarget t_;
  std::string ca_file_;
  tcp::resolver resolver_;
  std::optional<ssl::context> ctx_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;  // declared after ctx_: destroyed before it
  http::request<http::empty_body> req_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  std::chrono::steady_clock::time_point deadline_{};
  std::string step_;
  Done done_;
};

}  // namespace

std::optional<ConfigSources::Fetched> stored_political_calendar(Storage& storage) {
  ConfigSources::Fetched f{storage.setting(kUrl), storage.setting(kBody)};
  if (f.url.empty()) return std::nullopt;
  return f;
}

PoliticalCalendarFetcher::PoliticalCalendarFetcher(Storage& storage, Current current, std::function<void()> changed,
                                                   Log log)
    : storage_(storage),
      current_(std::move(current)),
      changed_(std::move(changed)),
      log_(std::move(log)),
      keep_running_(asio::make_work_guard(io_)),
      timer_(io_) {}

PoliticalCalendarFetcher::~PoliticalCalendarFetcher() { stop(); }

void PoliticalCalendarFetcher::start() {
  asio::post(io_, [this] { wake(); });
  thread_ = std::thread([this] { io_.run(); });
}

void PoliticalCalendarFetcher::fetch_now() {
  asio::post(io_, [this] {
    again_ = true;
    if (!busy_) fetch();
  });
}

void PoliticalCalendarFetcher::stop() {
  if (stopping_.exchange(true)) return;
  // A fetch under way is abandoned with the io_context: it may wait up to
  // kPoliticalFetchTimeout, and SIGTERM should not.
  keep_running_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

void PoliticalCalendarFetcher::wake() {
  if (stopping_) return;
  if (!busy_) fetch();
  timer_.expires_after(kLook);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) wake();
  });
}

// Starts a fetch when one is due: asked for, the URL changed, or `refresh` has passed.
void PoliticalCalendarFetcher::fetch() {
  const auto snap = current_();
  if (!snap) return;
  const auto& pc = snap->config.organisation.political_calendar;
  const auto now = std::chrono::steady_clock::now();
  if (pc.url.empty() || !(again_ || pc.url != last_url_ || now >= next_)) return;
  again_ = false;
  last_url_ = pc.url;
  next_ = now + pc.refresh;
  const auto target = parse_http_target(pc.url);
  if (!target) {
    failed_++;
    log_("political calendar " + pc.url + ": not a URL; keeping the last good copy");
    return;
  }
  std::string etag, last_modified;
  try {
    if (storage_.setting(kUrl) == pc.url) {
      etag = storage_.setting(kEtag);
      last_modified = storage_.setting(kLastModified);
    }
  } catch (const std::exception&) {
    // Without them the fetch is unconditional, which is only slower.
  }
  busy_ = true;
  const std::string url = pc.url;
  const date::time_zone* zone = snap->config.organisation.zone;
  std::make_shared<Get>(io_, *target, pc.ca_file, etag, last_modified,
                 [this, url, zone](std::string problem, Got got) {
                   busy_ = false;
                   if (problem.empty() && got.status != 200 && got.status != 304)
                     problem = "the server answered " + std::to_string(got.status);
                   std::string stored_url, fetched_at;
                   try {
                     stored_url = storage_.setting(kUrl);
                     fetched_at = storage_.setting(kFetchedAt);
                   } catch (const std::exception&) {
                   }
                   const std::string keeping = stored_url == url
                                                   ? "keeping the last good copy (fetched " + fetched_at + ")"
                                                   : "keeping the last good copy: there is none yet, so council days "
                                                     "are not avoided";
                   if (!problem.empty()) {
                     failed_++;
                     next_ = std::min(next_, std::chrono::steady_clock::now() + kRetryFailed);
                     log_("political calendar " + url + ": not fetched: " + problem + "; " + keeping);
                   } else if (got.status == 304) {
                     not_modified_++;
                   } else if (auto meetings = read_political_calendar(got.body, zone); !meetings) {
                     rejected_++;
                     log_("political calendar " + url + ": the body is not a usable møteplan: " + meetings.error() +
                          "; " + keeping);
                   } else {
                     try {
                       const bool same = stored_url == url && storage_.setting(kBody) == got.body;
                       std::ostringstream at;
                       at << date::format("%FT%TZ", date::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
                       storage_.all_or_nothing([&] {
                         storage_.set_setting(kUrl, url);
                         storage_.set_setting(kBody, got.body);
                         storage_.set_setting(kEtag, got.etag);
                         storage_.set_setting(kLastModified, got.last_modified);
                         storage_.set_setting(kFetchedAt, at.str());
                       });
                       ok_++;
                       if (!same) {
                         log_("political calendar " + url + ": new møteplan with " + std::to_string(meetings->size()) +
                              " meetings; rebuilding the wheel");
                         changed_();
                       }
                     } catch (const std::exception& e) {
                       failed_++;
                       log_("political calendar " + url + ": not stored: " + e.what() + "; " + keeping);
                     }
                   }
                   if (again_ && !stopping_) fetch();
                 })->run();
}

std::string PoliticalCalendarFetcher::metrics_text() const {
  std::ostringstream o;
  o << "# HELP arshjul_political_calendar_fetches_total Fetches of organisation.political_calendar by result "
       "(failed and rejected keep the last good copy; see the log).\n"
       "# TYPE arshjul_political_calendar_fetches_total counter\n"
       "arshjul_political_calendar_fetches_total{result=\"ok\"} "
    << ok_.load() << "\n"
    << "arshjul_political_calendar_fetches_total{result=\"not_modified\"} " << not_modified_.load() << "\n"
    << "arshjul_political_calendar_fetches_total{result=\"failed\"} " << failed_.load() << "\n"
    << "arshjul_political_calendar_fetches_total{result=\"rejected\"} " << rejected_.load() << "\n";
  return o.str();
}

}  // namespace arshjul
