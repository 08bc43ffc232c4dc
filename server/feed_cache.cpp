#include "server/feed_cache.h"

#include <cctype>
#include <sstream>
#include <stdexcept>

#include <zlib.h>

namespace arshjul {

namespace {

// A string's heap block, if it left the small-string buffer, and malloc's
// header on every block (glibc: 16 bytes).
constexpr std::size_t kBlockOverhead = 16;
std::size_t heap_of(const std::string& s) {
  return s.capacity() > 15 ? s.capacity() + 1 + kBlockOverhead : 0;
}

}  // namespace

std::size_t FeedCache::Entry::bytes() const {
  std::size_t n = feed->body.capacity() + (gzip ? gzip->capacity() + kBlockOverhead : 0);
  // The list node (two links and the entry), the index node (a link, the
  // key, the iterator, the cached hash) and a bucket.
  n += 2 * sizeof(void*) + sizeof(Entry) + kBlockOverhead;
  n += sizeof(void*) + sizeof(std::string) + sizeof(void*) + sizeof(std::size_t) + kBlockOverhead + sizeof(void*);
  n += 2 * heap_of(key) + heap_of(inputs);
  // make_shared's block: the RenderedFeed and its counts.
  n += sizeof(RenderedFeed) + 2 * sizeof(long) + kBlockOverhead;
  n += heap_of(feed->etag) + heap_of(feed->last_modified_http);
  return n;
}

FeedCache::Hit FeedCache::find(const std::string& key, long long generation, long long day, bool want_gzip) {
  MutexLock lock(&mu_);
  auto it = index_.find(key);
  if (it == index_.end() || it->second->generation != generation || it->second->day != day) return {};
  lru_.splice(lru_.begin(), lru_, it->second);
  return {it->second->feed, want_gzip ? it->second->gzip : nullptr};
}

FeedCache::Hit FeedCache::carry_over(const std::string& key, const std::string& inputs, long long generation,
                                     long long day, bool want_gzip) {
  MutexLock lock(&mu_);
  auto it = index_.find(key);
  if (it == index_.end() || inputs.empty() || it->second->inputs != inputs) return {};
  it->second->generation = generation;
  it->second->day = day;
  ++carried_over_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return {it->second->feed, want_gzip ? it->second->gzip : nullptr};
}

std::shared_ptr<const RenderedFeed> FeedCache::current_on(const std::string& key, long long day,
                                                          long long* generation) {
  MutexLock lock(&mu_);
  auto it = index_.find(key);
  if (it == index_.end() || it->second->day != day) return nullptr;
  *generation = it->second->generation;
  return it->second->feed;
}

FeedCache::Hit FeedCache::advance(const std::string& key, const std::shared_ptr<const RenderedFeed>& feed,
                                  long long from, long long generation, long long day, bool want_gzip) {
  MutexLock lock(&mu_);
  auto it = index_.find(key);
  // Another request may have moved or replaced it meanwhile.
  if (it == index_.end() || it->second->feed != feed || it->second->day != day) return {};
  if (it->second->generation == from) {
    it->second->generation = generation;
    ++carried_over_;
    ++carried_unread_;
  } else if (it->second->generation != generation) {
    return {};
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  return {it->second->feed, want_gzip ? it->second->gzip : nullptr};
}

void FeedCache::put(const std::string& key, long long generation, long long day, std::string inputs,
                    std::shared_ptr<const RenderedFeed> feed) {
  MutexLock lock(&mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    bytes_ -= it->second->bytes();
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front(Entry{key, generation, day, std::move(inputs), std::move(feed), nullptr});
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
    bytes_ -= it->second->bytes();
    it->second->gzip = compressed;
    bytes_ += it->second->bytes();  // as eviction will count it
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
  return Stats{index_.size(), bytes_, max_bytes_, evictions_, carried_over_, carried_unread_};
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
    << s.evictions << "\n"
    << "# HELP arshjul_feed_cache_carried_over_total Cached feeds a newer snapshot left as they were (same inputs, not rendered again).\n"
       "# TYPE arshjul_feed_cache_carried_over_total counter\n"
       "arshjul_feed_cache_carried_over_total "
    << s.carried_over << "\n"
    << "# HELP arshjul_feed_cache_carried_unread_total Of those, feeds checked against the few events a person's change touched, not digested again.\n"
       "# TYPE arshjul_feed_cache_carried_unread_total counter\n"
       "arshjul_feed_cache_carried_unread_total "
    << s.carried_unread << "\n";
  return o.str();
}

FeedCache::Hit cached_feed(FeedCache& cache, const FeedInputs* inputs, const std::string& key, const Snapshot& snap,
                           const FeedFilter& filter, SysSeconds now, bool want_gzip, bool* rendered) {
  if (rendered) *rendered = false;
  const long long day = date::floor<date::days>(now).time_since_epoch().count();
  if (auto hit = cache.find(key, snap.generation, day, want_gzip); hit.feed) return hit;
  std::string digest;
  if (inputs && inputs->snapshot().generation == snap.generation) {
    if (auto kept = cache.carry_over_if(key, snap.generation, day, want_gzip,
                                        [&](long long from, const RenderedFeed& f) {
                                          return inputs->unchanged_since(from, filter, f.body);
                                        });
        kept.feed)
      return kept;
    digest = inputs->digest(filter, now);
    if (auto kept = cache.carry_over(key, digest, snap.generation, day, want_gzip); kept.feed) return kept;
  }
  auto feed = std::make_shared<const RenderedFeed>(render_feed(snap, filter, now));
  cache.put(key, snap.generation, day, std::move(digest), feed);
  if (rendered) *rendered = true;
  return {feed, nullptr};
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
  out.shrink_to_fit();  // deflateBound is about the body's size: keep only the gzip
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::logic_error("deflate did not finish within deflateBound");
  return out;
}

namespace {

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// q=0, q=0.0, q=0.000: refused (RFC 9110 12.4.2).
bool zero_q(std::string_view params) {
  while (!params.empty()) {
    const auto semi = params.find(';');
    std::string_view p = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (p.size() >= 3 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
      return p[2] == '0' && p.find_first_not_of("0.", 2) == std::string_view::npos;
  }
  return false;
}

}  // namespace

// Called on every feed request: no allocation.
bool accepts_gzip(std::string_view header) {
  bool star = false, gzip = false, gzip_refused = false;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const auto semi = item.find(';');
    const std::string_view name = trim(item.substr(0, semi));
    const bool zero = semi != std::string_view::npos && zero_q(item.substr(semi + 1));
    if (iequals(name, "gzip") || iequals(name, "x-gzip")) (zero ? gzip_refused : gzip) = true;
    else if (name == "*" && !zero) star = true;
  }
  return gzip || (star && !gzip_refused);
}

std::string gzip_etag(std::string_view etag) {
  if (etag.size() >= 2 && etag.back() == '"') return std::string(etag.substr(0, etag.size() - 1)) + "-gz\"";
  return std::string(etag) + "-gz";
}

}  // namespace arshjul
