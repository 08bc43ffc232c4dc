// Rendered feeds kept in memory, bounded by bytes, least recently used out
// first; and their gzip, made on first request and kept beside them.
//
// An entry is current for one snapshot generation and day. A newer snapshot
// does not drop it: when the new snapshot was narrowed from the one the
// entry is current at and the few events that changed are not in it
// (FeedInputs::unchanged_since), or else when the new snapshot gives the
// same digest of its inputs (FeedInputs::digest), the entry is carried
// over, bytes, gzip and ETag untouched, without rendering. Like an entry
// current at its generation, one carried through narrowed changes is not
// checked against the time within its day (a cancelled event past its
// retention leaves it on the next day's request, or the next whole build).
// The bound counts bodies, their gzip and each entry's bookkeeping; one feed
// larger than the bound is still served, just not kept.
//
// Thread-safety: every member may be called from any thread (one short lock;
// compression runs outside it). Throws only std::bad_alloc.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "server/feeds.h"
#include "threads/mutex.h"

namespace arshjul {

class FeedCache {
 public:
  explicit FeedCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}
  FeedCache(const FeedCache&) = delete;
  FeedCache& operator=(const FeedCache&) = delete;

  // The feed cached for `key` at this generation and day (null if none), with
  // its gzip if that was made and `want_gzip`: one lock a request.
  struct Hit {
    std::shared_ptr<const RenderedFeed> feed;
    std::shared_ptr<const std::string> gzip;
  };
  Hit find(const std::string& key, long long generation, long long day, bool want_gzip = false) EXCLUDES(mu_);
  // The entry for `key` made at another generation or day, if its inputs
  // were `inputs`: then it is current for `generation` and `day` from now on.
  // Null if there is none or its inputs differ (an empty `inputs` never matches).
  Hit carry_over(const std::string& key, const std::string& inputs, long long generation, long long day,
                 bool want_gzip = false) EXCLUDES(mu_);
  // The entry for `key` current at another generation on `day`, if
  // `unchanged(its generation, its feed)` holds (called outside the lock):
  // then it is current for `generation` from now on. Null otherwise.
  template <class Unchanged>
  Hit carry_over_if(const std::string& key, long long generation, long long day, bool want_gzip,
                    Unchanged&& unchanged) EXCLUDES(mu_) {
    long long from = -1;
    std::shared_ptr<const RenderedFeed> feed = current_on(key, day, &from);
    if (!feed || from == generation || !unchanged(from, *feed)) return {};
    return advance(key, feed, from, generation, day, want_gzip);
  }
  // Keeps `feed` for `key` with the digest of its inputs (may be empty:
  // then it is never carried over), evicting the least recently used past the bound.
  void put(const std::string& key, long long generation, long long day, std::string inputs,
           std::shared_ptr<const RenderedFeed> feed) EXCLUDES(mu_);
  // `feed`'s body gzip-compressed: the kept copy if `key` still holds this
  // feed, else compressed now (and kept if it does).
  std::shared_ptr<const std::string> gzip(const std::string& key, const std::shared_ptr<const RenderedFeed>& feed)
      EXCLUDES(mu_);
  void clear() EXCLUDES(mu_);

  struct Stats {
    std::size_t entries = 0, bytes = 0, max_bytes = 0;
    unsigned long long evictions = 0;
    unsigned long long carried_over = 0;  // entries a newer snapshot left as they were
    unsigned long long carried_unread = 0;  // of those, how many only the changed events were checked for
  };
  Stats stats() const EXCLUDES(mu_);
  // The Prometheus lines for stats().
  std::string metrics_text() const EXCLUDES(mu_);

 private:
  struct Entry {
    std::string key;
    long long generation = 0, day = 0;
    std::string inputs;  // FeedInputs::digest of what it was rendered from
    std::shared_ptr<const RenderedFeed> feed;
    std::shared_ptr<const std::string> gzip;
    // What it holds in memory, not just the bytes it sends: the bodies, and
    // its bookkeeping (the list and index nodes, the key twice, the digest,
    // the RenderedFeed with its ETag and date), about 600 bytes a feed, or
    // 30 MB of 50,000 that the bound would otherwise not see.
    std::size_t bytes() const;
  };
  void evict_past_bound() REQUIRES(mu_);
  std::shared_ptr<const RenderedFeed> current_on(const std::string& key, long long day, long long* generation)
      EXCLUDES(mu_);
  Hit advance(const std::string& key, const std::shared_ptr<const RenderedFeed>& feed, long long from,
              long long generation, long long day, bool want_gzip) EXCLUDES(mu_);

  const std::size_t max_bytes_;
  mutable Mutex mu_;
  std::list<Entry> lru_ GUARDED_BY(mu_);  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_ GUARDED_BY(mu_);
  std::size_t bytes_ GUARDED_BY(mu_) = 0;
  unsigned long long evictions_ GUARDED_BY(mu_) = 0;
  unsigned long long carried_over_ GUARDED_BY(mu_) = 0;
  unsigned long long carried_unread_ GUARDED_BY(mu_) = 0;
};

// `key`'s feed for `snapshot` at `now`: the cached one when current, else
// the cached one carried over when `inputs` (made from this snapshot; null
// when not made) show it unchanged, else rendered and kept.
// `rendered` is set when it had to be rendered.
FeedCache::Hit cached_feed(FeedCache& cache, const FeedInputs* inputs, const std::string& key,
                           const Snapshot& snapshot, const FeedFilter& filter, SysSeconds now, bool want_gzip,
                           bool* rendered = nullptr);

// The log's warning for a feed past kLargeFeedBytes, naming its subscription
// (never its token); nullopt for a smaller one.
std::optional<std::string> large_feed_warning(const RenderedFeed& feed, std::string_view subscription);

// gzip (RFC 1952) of `body` at zlib's default level.
std::string gzip_compress(std::string_view body);
// Whether an Accept-Encoding header value lets us send gzip (gzip, x-gzip
// or * with a q above 0).
bool accepts_gzip(std::string_view accept_encoding);
// The ETag of the gzip encoding: a strong ETag differs per encoding (RFC 9110 8.8.3).
std::string gzip_etag(std::string_view etag);

}  // namespace arshjul
