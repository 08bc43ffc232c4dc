#include "server/feed_cache.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>

#include <zlib.h>

namespace arshjul {

std::shared_ptr<const RenderedFeed> FeedCache::find(const std::string& key, long long generation, long long day) {
  MutexLock lock(&mu_);
  auto it = index_.find(key);
  if (it == index_.end() || it->second->generation != generation || it->second->day != day) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->feed;
}

void FeedCache::put(const std::string& key, long long generation, long long day,
                    std::shared_ptr<const RenderedFeed> feed) {
  MutexLock lock(&mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    bytes_ -= it->second->bytes();
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front(Entry{key, generation, day, std::move(feed), nullptr});
  index_.emplace(key, lru_.begin());
  bytes_ += lru_.front().bytes();
  evict_past_bound();
}

std::shared_ptr<const std::string> FeedCache::gzip(const std::string& key,
                                                   const std::shared_ptr<const RenderedFeed>& feed) {
  {
    MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it != index_.end() && it->second->feed == feed && it->second->gzip) return it->second->gzip;
  }
  auto compressed = std::make_shared<const std::string>(gzip_compress(feed->body));
  MutexLock lock(&mu_);
  auto it = index_.find(key);
  if (it != index_.end() && it->second->feed == feed) {
    if (it->second->gzip) return it->second->gzip;  // another request was quicker
    it->second->gzip = compressed;
    bytes_ += compressed->size();
    evict_past_bound();
  }
  return compressed;
}

void FeedCache::clear() {
  MutexLock lock(&mu_);
  lru_.clear();
  index_.clear();
  bytes_ = 0;
}

void FeedCache::evict_past_bound() {
  // The newest entry stays even alone past the bound: it is being served.
  while (bytes_ > max_bytes_ && lru_.size() > 1) {
    const Entry& last = lru_.back();
    bytes_ -= last.bytes();
    index_.erase(last.key);
    lru_.pop_back();
    ++evictions_;
  }
  if (bytes_ > max_bytes_ && lru_.size() == 1) {
    bytes_ = 0;
    index_.clear();
    lru_.clear();
    ++evictions_;
  }
}

FeedCache::Stats FeedCache::stats() const {
  MutexLock lock(&mu_);
  return Stats{index_.size(), bytes_, max_bytes_, evictions_};
}

std::string FeedCache::metrics_text() const {
  const Stats s = stats();
  std::ostringstream o;
  o << "# HELP arshjul_feeds_cached Rendered feeds held in memory.\n"
       "# TYPE arshjul_feeds_cached gauge\n"
       "arshjul_feeds_cached "
    << s.entries << "\n"
    << "# HELP arshjul_feed_cache_bytes Bytes of rendered feeds (and their gzip) held in memory.\n"
       "# TYPE arshjul_feed_cache_bytes gauge\n"
       "arshjul_feed_cache_bytes "
    << s.bytes << "\n"
    << "# HELP arshjul_feed_cache_limit_bytes The feed cache's bound (--feed-cache-mb).\n"
       "# TYPE arshjul_feed_cache_limit_bytes gauge\n"
       "arshjul_feed_cache_limit_bytes "
    << s.max_bytes << "\n"
    << "# HELP arshjul_feed_cache_evictions_total Feeds dropped from the cache to keep within its bound.\n"
       "# TYPE arshjul_feed_cache_evictions_total counter\n"
       "arshjul_feed_cache_evictions_total "
    << s.evictions << "\n";
  return o.str();
}

std::optional<std::string> large_feed_warning(const RenderedFeed& feed, std::string_view subscription) {
  if (feed.body.size() <= kLargeFeedBytes) return std::nullopt;
  return "feed " + std::string(subscription) + ": " + std::to_string(feed.body.size() / 1024) + " KB, " +
         std::to_string(feed.events) +
         " events: past 1 MB, where Google Calendar stops importing; narrow the subscription (a wheel, a unit, a role)";
}

std::string gzip_compress(std::string_view body) {
  z_stream z{};
  // 15 + 16: a gzip header and trailer rather than zlib's.
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::bad_alloc();
  std::string out(deflateBound(&z, static_cast<uLong>(body.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::logic_error("deflate did not finish within deflateBound");
  return out;
}

bool accepts_gzip(std::string_view header) {
  bool star = false, gzip = false, gzip_refused = false;
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const auto semi = item.find(';');
    std::string_view name = item.substr(0, semi);
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.front()))) name.remove_prefix(1);
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.remove_suffix(1);
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool zero = false;
    if (semi != std::string_view::npos) {
      std::string params(item.substr(semi + 1));
      params.erase(std::remove_if(params.begin(), params.end(), [](unsigned char c) { return std::isspace(c); }),
                   params.end());
      // q=0, q=0.0, q=0.000: refused (RFC 9110 12.4.2).
      if (params.rfind("q=0", 0) == 0 && params.find_first_not_of("0.", 2) == std::string::npos) zero = true;
    }
    if (lower == "gzip" || lower == "x-gzip") (zero ? gzip_refused : gzip) = true;
    else if (lower == "*" && !zero) star = true;
  }
  return gzip || (star && !gzip_refused);
}

std::string gzip_etag(std::string_view etag) {
  if (etag.size() >= 2 && etag.back() == '"') return std::string(etag.substr(0, etag.size() - 1)) + "-gz\"";
  return std::string(etag) + "-gz";
}

}  // namespace arshjul
