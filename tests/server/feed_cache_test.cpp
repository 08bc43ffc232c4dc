#include <catch2/catch.hpp>

#include <zlib.h>

#include "server/feed_cache.h"

using namespace arshjul;

namespace {

std::shared_ptr<const RenderedFeed> feed_of(std::size_t bytes, char fill = 'x') {
  auto f = std::make_shared<RenderedFeed>();
  f->body.assign(bytes, fill);
  f->etag = "\"e\"";
  return f;
}

std::string gunzip(const std::string& in) {
  z_stream z{};
  REQUIRE(inflateInit2(&z, 15 + 16) == Z_OK);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(inflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

}  // namespace

TEST_CASE("A cached feed is found for its generation and day only") {
  FeedCache cache(1 << 20);
  auto f = feed_of(100);
  cache.put("k", 7, 20000, "", f);
  CHECK(cache.find("k", 7, 20000).feed == f);
  CHECK(cache.find("k", 8, 20000).feed == nullptr);
  CHECK(cache.find("k", 7, 20001).feed == nullptr);
  CHECK(cache.find("other", 7, 20000).feed == nullptr);
}

TEST_CASE("The feed cache keeps within its bound by dropping the least recently used feed") {
  FeedCache cache(10000);
  cache.put("a", 1, 1, "", feed_of(4000));
  cache.put("b", 1, 1, "", feed_of(4000));
  REQUIRE(cache.find("a", 1, 1).feed);  // a is now the more recently used
  cache.put("c", 1, 1, "", feed_of(4000));
  CHECK(cache.find("a", 1, 1).feed);
  CHECK(cache.find("b", 1, 1).feed == nullptr);
  CHECK(cache.find("c", 1, 1).feed);
  const auto s = cache.stats();
  CHECK(s.entries == 2);
  CHECK(s.bytes <= 10000);
  CHECK(s.evictions == 1);
}

TEST_CASE("The bound counts each feed's bookkeeping as well as its bytes") {
  FeedCache cache(1 << 20);
  cache.put("YHSV-SG22Tcda8L3RbxU28-token-hash-as-keys-are", 1, 1, std::string(64, 'd'), feed_of(4000));
  const std::size_t one = cache.stats().bytes;
  // The body, plus the nodes, key, digest, ETag and date: a few hundred bytes.
  CHECK(one > 4000 + 300);
  CHECK(one < 4000 + 1024);
}

TEST_CASE("A kept gzip counts against the bound, and a feed larger than the bound is served but not kept") {
  FeedCache cache(10000);
  auto f = feed_of(900, 'a');
  cache.put("a", 1, 1, "", f);
  const std::size_t before = cache.stats().bytes;
  const auto gz = cache.gzip("a", f);
  CHECK(cache.stats().bytes >= before + gz->size());
  cache.put("big", 1, 1, "", feed_of(50000));
  CHECK(cache.stats().entries == 0);
  CHECK(cache.stats().bytes == 0);
}

TEST_CASE("A feed's gzip decompresses to its body and is made once while the feed is cached") {
  FeedCache cache(1 << 20);
  auto f = std::make_shared<RenderedFeed>();
  for (int i = 0; i < 2000; ++i) f->body += "BEGIN:VEVENT\r\nSUMMARY:Arbeidsmiljøutvalget\r\nEND:VEVENT\r\n";
  std::shared_ptr<const RenderedFeed> cf = f;
  cache.put("k", 1, 1, "", cf);
  const auto gz = cache.gzip("k", cf);
  CHECK(gunzip(*gz) == f->body);
  CHECK(gz->size() * 10 < f->body.size());
  CHECK(cache.gzip("k", cf) == gz);  // the same bytes, not compressed again
  CHECK(cache.find("k", 1, 1, true).gzip == gz);
  CHECK(cache.find("k", 1, 1, false).gzip == nullptr);
}

TEST_CASE("gzip is sent when Accept-Encoding allows it, and not when its q is 0") {
  CHECK(accepts_gzip("gzip"));
  CHECK(accepts_gzip("gzip, deflate, br"));
  CHECK(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
  CHECK(accepts_gzip("x-gzip"));
  CHECK(accepts_gzip("*"));
  CHECK_FALSE(accepts_gzip(""));
  CHECK_FALSE(accepts_gzip("identity"));
  CHECK_FALSE(accepts_gzip("deflate, br"));
  CHECK_FALSE(accepts_gzip("gzip;q=0"));
  CHECK_FALSE(accepts_gzip("gzip; q=0.000"));
  CHECK_FALSE(accepts_gzip("*, gzip;q=0"));
  CHECK_FALSE(accepts_gzip("*;q=0"));
}

TEST_CASE("The gzip encoding has an ETag of its own") {
  CHECK(gzip_etag("\"abc\"") == "\"abc-gz\"");
}

TEST_CASE("A feed past 1 MB is warned about by its subscription, a smaller one not") {
  auto f = std::make_shared<RenderedFeed>();
  f->body.assign(kLargeFeedBytes, 'x');
  f->events = 4200;
  CHECK_FALSE(large_feed_warning(*f, "all"));
  f->body += "y";
  const auto w = large_feed_warning(*f, "unit:helse");
  REQUIRE(w);
  CHECK(*w == "feed unit:helse: 1024 KB, 4200 events: past 1 MB, where Google Calendar stops importing; narrow the "
              "subscription (a wheel, a unit, a role)");
}

TEST_CASE("A cached feed whose inputs a newer snapshot leaves the same is carried over, bytes and gzip untouched") {
  FeedCache cache(1 << 20);
  auto f = feed_of(300);
  cache.put("k", 1, 20000, "digest-a", f);
  const auto gz = cache.gzip("k", f);
  const auto kept = cache.carry_over("k", "digest-a", 2, 20001, true);
  CHECK(kept.feed == f);
  CHECK(kept.gzip == gz);
  CHECK(cache.find("k", 2, 20001).feed == f);  // current for the new generation and day
  CHECK(cache.stats().carried_over == 1);
  CHECK(cache.metrics_text().find("arshjul_feed_cache_carried_over_total 1\n") != std::string::npos);
}

TEST_CASE("A cached feed rendered from other inputs, or from none recorded, is not carried over") {
  FeedCache cache(1 << 20);
  cache.put("k", 1, 1, "digest-a", feed_of(100));
  CHECK(cache.carry_over("k", "digest-b", 2, 1).feed == nullptr);
  CHECK(cache.carry_over("k", "", 2, 1).feed == nullptr);
  cache.put("n", 1, 1, "", feed_of(100));
  CHECK(cache.carry_over("n", "", 2, 1).feed == nullptr);
  CHECK(cache.find("k", 1, 1).feed != nullptr);  // still current for its own generation
}
