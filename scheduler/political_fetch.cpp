#include "scheduler/political_fetch.h"

#include <algorithm>
#include <sstream>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include "calendars/political.h"

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

struct Target {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path;
  std::string host_header;
};

std::optional<Target> parse_target(const std::string& url) {
  auto u = boost::urls::parse_uri(url);
  if (!u) return std::nullopt;
  Target t;
  t.tls = u->scheme() == "https";
  t.host = std::string(u->host());
  t.host_header = t.host;
  if (t.host.size() > 2 && t.host.front() == '[') t.host = t.host.substr(1, t.host.size() - 2);
  t.port = u->has_port() ? std::string(u->port()) : (t.tls ? "443" : "80");
  if (u->has_port()) t.host_header += ":" + t.port;
  t.path = std::string(u->encoded_target());
  if (t.path.empty()) t.path = "/";
  return t;
}

struct Got {
  int status = 0;
  std::string body, etag, last_modified;
};

// One exchange on a connected stream; every step ends by `deadline`.
template <class Stream>
asio::awaitable<Got> exchange(Stream& stream, beast::tcp_stream& lowest, const Target& t, const std::string& etag,
                              const std::string& last_modified, std::chrono::steady_clock::time_point deadline,
                              std::string& step) {
  http::request<http::empty_body> req{http::verb::get, t.path, 11};
  req.set(http::field::host, t.host_header);
  req.set(http::field::user_agent, "arshjul");
  req.set(http::field::accept, "text/calendar");
  req.set(http::field::connection, "close");
  if (!etag.empty()) req.set(http::field::if_none_match, etag);
  if (!last_modified.empty()) req.set(http::field::if_modified_since, last_modified);
  step = "sending the request";
  lowest.expires_at(deadline);
  co_await http::async_write(stream, req, asio::use_awaitable);
  step = "reading the answer";
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kPoliticalMaxBytes);
  lowest.expires_at(deadline);
  auto [ec, n] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  if (ec == http::error::body_limit)
    throw std::runtime_error("the body is larger than " + std::to_string(kPoliticalMaxBytes >> 20) + " MB");
  if (ec) throw boost::system::system_error(ec);
  auto& res = parser.get();
  Got g;
  g.status = static_cast<int>(res.result_int());
  g.etag = std::string(res[http::field::etag]);
  g.last_modified = std::string(res[http::field::last_modified]);
  g.body = std::move(res.body());
  co_return g;
}

// A GET of `t` within kPoliticalFetchTimeout; throws with the step that failed.
asio::awaitable<Got> get(Target t, std::string ca_file, std::string etag, std::string last_modified) {
  std::string step = "resolving " + t.host;
  try {
    auto ex = co_await asio::this_coro::executor;
    const auto deadline = std::chrono::steady_clock::now() + kPoliticalFetchTimeout;
    tcp::resolver resolver(ex);
    auto results = co_await resolver.async_resolve(t.host, t.port, asio::use_awaitable);
    step = "connecting to " + t.host + ":" + t.port;
    if (!t.tls) {
      beast::tcp_stream stream(ex);
      stream.expires_at(deadline);
      co_await stream.async_connect(results, asio::use_awaitable);
      co_return co_await exchange(stream, stream, t, etag, last_modified, deadline, step);
    }
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_default_verify_paths();
    ctx.set_verify_mode(ssl::verify_peer);
    if (!ca_file.empty()) {
      boost::system::error_code ec;
      ctx.load_verify_file(ca_file, ec);
      if (ec) throw std::runtime_error("cannot load ca_file " + ca_file + ": " + ec.message());
    }
    beast::ssl_stream<beast::tcp_stream> stream(ex, ctx);
    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_at(deadline);
    co_await lowest.async_connect(results, asio::use_awaitable);
    step = "TLS handshake with " + t.host;
    if (!SSL_set_tlsext_host_name(stream.native_handle(), t.host.c_str())) throw std::runtime_error("cannot set SNI");
    stream.set_verify_callback(ssl::host_name_verification(t.host));
    lowest.expires_at(deadline);
    co_await stream.async_handshake(ssl::stream_base::client, asio::use_awaitable);
    co_return co_await exchange(stream, lowest, t, etag, last_modified, deadline, step);
  } catch (const boost::system::system_error& e) {
    if (e.code() == beast::error::timeout)
      throw std::runtime_error(step + ": no answer within " + std::to_string(kPoliticalFetchTimeout.count()) + " s");
    throw std::runtime_error(step + ": " + e.code().message());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(step + ": " + e.what());
  }
}

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
  const auto target = parse_target(pc.url);
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
  asio::co_spawn(io_, get(*target, pc.ca_file, etag, last_modified),
                 [this, url, zone](std::exception_ptr error, Got got) {
                   busy_ = false;
                   std::string problem;
                   try {
                     if (error) std::rethrow_exception(error);
                   } catch (const std::exception& e) {
                     problem = e.what();
                   }
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
                 });
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
