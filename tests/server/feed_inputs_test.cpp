// A feed served from the cache is always the feed render_feed would write
// now: carried over across snapshots only when its inputs are the same.
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>

#include <unistd.h>

#include "scheduler/config_files.h"
#include "server/feed_cache.h"
#include "tests/fixtures.h"

using namespace arshjul;
using namespace date::literals;
using namespace std::chrono_literals;

namespace {

struct LiveWheel {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("arshjul-feed-inputs-test-" + std::to_string(::getpid()) + ".db"))
                         .string();
  std::unique_ptr<Storage> storage;
  ManualClock clock{SysSeconds{date::sys_days{2027_y / 3 / 1}} + 9h};
  Config files;
  long long generation = 0;
  std::shared_ptr<const Snapshot> snap;
  std::unique_ptr<FeedInputs> inputs;

  LiveWheel() {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
    storage = std::move(open_sqlite_storage(path)).value();
    auto c = load_config_dir(std::string(ARSHJUL_SOURCE_DIR) + "/config/roros");
    REQUIRE(c);
    files = std::move(c).value();
  }
  ~LiveWheel() {
    inputs.reset();
    snap.reset();
    storage.reset();
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
  }
  void build() {
    snap = build_snapshot(files, *storage, clock, ++generation);
    inputs = std::make_unique<FeedInputs>(snap);
  }
  const Person& person(std::string_view id) const {
    const Person* p = snap->config.find_person(id);
    REQUIRE(p);
    return *p;
  }
  FeedCache::Hit serve(FeedCache& cache, const FeedFilter& filter, bool* rendered) {
    return cached_feed(cache, inputs.get(), filter.to_string(), *snap, filter, clock.now(), false, rendered);
  }
};

FeedFilter person_filter(std::string id) { return {FeedFilter::Kind::person, std::move(id)}; }

// One random change HR or the HR system could make to the roster, or the
// wheel's time moving on (meetings end, cancelled ones age out, days turn).
void random_change(LiveWheel& w, std::mt19937& rng, int& added) {
  const auto& people = w.snap->config.people;
  Person p = people[rng() % people.size()];
  const auto& units = w.snap->config.units;
  const SysSeconds now = w.clock.now();
  switch (rng() % 8) {
    case 0: p.name += " Endret"; break;
    case 1: p.unit = units[rng() % units.size()].id; break;
    case 2: test::toggle_random_role(p, rng); break;
    case 3: test::toggle_amu_seat(p); break;
    case 4:
      if (people.size() > 10) return w.storage->store_people({}, {p.id}, now);
      break;
    case 5: {
      const LocalDays today = date::floor<date::days>(to_local(now, w.files.organisation.zone));
      return w.storage->store_people({test::random_hire(++added, units, today, rng)}, {}, now);
    }
    case 6: p.email = "endret." + p.email; break;
    default: w.clock.advance(std::chrono::hours{1 + static_cast<int>(rng() % 72)}); return;
  }
  w.storage->store_people({p}, {}, now);
}

// After each of `changes` random changes: every filter's feed as the cache
// serves it equals the feed rendered afresh. Returns how many were carried
// over rather than rendered.
int check_served_equals_rendered(LiveWheel& w, int changes, std::uint32_t seed, std::vector<FeedFilter> filters) {
  std::mt19937 rng(seed);
  FeedCache cache(64 << 20);
  int carried = 0, added = 0;
  w.build();
  for (int i = 0; i < changes; ++i) {
    random_change(w, rng, added);
    w.build();
    for (const FeedFilter& f : filters) {
      bool rendered = false;
      const auto served = w.serve(cache, f, &rendered);
      const RenderedFeed fresh = render_feed(*w.snap, f, w.clock.now());
      if (served.feed->body != fresh.body) FAIL("change " << i << " (seed " << seed << "): " << f.to_string() << " served stale bytes");
      REQUIRE(served.feed->etag == fresh.etag);
      if (!rendered) ++carried;
    }
  }
  return carried;
}

}  // namespace

TEST_CASE("A new name for one person leaves another person's cached feed as it was, and renders their own again") {
  LiveWheel w;
  FeedCache cache(8 << 20);
  w.build();
  bool rendered = false;
  const auto other = w.serve(cache, person_filter("kirsti-haugen"), &rendered);
  const auto own = w.serve(cache, person_filter("marit-sundt"), &rendered);
  Person marit = w.person("marit-sundt");
  marit.name = "Marit Sundt Haugen";
  w.storage->store_people({marit}, {}, w.clock.now());
  w.build();
  const auto other_again = w.serve(cache, person_filter("kirsti-haugen"), &rendered);
  CHECK_FALSE(rendered);
  CHECK(other_again.feed == other.feed);
  const auto own_again = w.serve(cache, person_filter("marit-sundt"), &rendered);
  CHECK(rendered);
  CHECK(own_again.feed->etag != own.feed->etag);
  CHECK(own_again.feed->body.find("Marit Sundt Haugen") != std::string::npos);
}

TEST_CASE("A person moved to another unit gets that unit's meetings in a feed the cache renders again") {
  LiveWheel w;
  FeedCache cache(8 << 20);
  w.build();
  bool rendered = false;
  const auto before = w.serve(cache, person_filter("jon-olav-hessen"), &rendered);
  Person jon = w.person("jon-olav-hessen");
  jon.unit = "skole";
  w.storage->store_people({jon}, {}, w.clock.now());
  w.build();
  const auto after = w.serve(cache, person_filter("jon-olav-hessen"), &rendered);
  CHECK(rendered);
  CHECK(after.feed->body == render_feed(*w.snap, person_filter("jon-olav-hessen"), w.clock.now()).body);
  CHECK(after.feed->body != before.feed->body);
}

// The sanitizer builds run a quarter of the random changes (memory and
// thread errors show in the first ones); the normal build runs them all.
#ifdef ARSHJUL_SANITIZED
constexpr int kShare = 4;
#else
constexpr int kShare = 1;
#endif

TEST_CASE("Feeds served from the cache through random changes to Røros' roster are the feeds rendered afresh") {
  LiveWheel w;
  std::vector<FeedFilter> filters = {{},
                                     {FeedFilter::Kind::unit, "helse-omsorg"},
                                     {FeedFilter::Kind::role, "plasstillitsvalgt"},
                                     {FeedFilter::Kind::wheel, "partssamarbeid"}};
  for (const char* id : {"kirsti-haugen", "marit-sundt", "jon-olav-hessen", "ny-1", "ny-3"})
    filters.push_back(person_filter(id));
  w.build();
  for (std::size_t i = 0; i < w.snap->config.people.size(); i += 6) filters.push_back(person_filter(w.snap->config.people[i].id));
  const int carried = check_served_equals_rendered(w, 700 / kShare, 20261130, filters);
  // The cache must earn its keep: most feeds are untouched by one change.
  CHECK(carried > 700 / kShare * static_cast<int>(filters.size()) / 3);
}

TEST_CASE("Feeds served from the cache through random changes to a 2,000-person roster are the feeds rendered afresh") {
  LiveWheel w;
  std::mt19937 rng(7);
  w.storage->store_people(test::generated_roster(w.files, 2000, rng), {}, w.clock.now());
  std::vector<FeedFilter> filters = {{}, {FeedFilter::Kind::unit, "barnehage"}, {FeedFilter::Kind::role, "leader"}};
  for (const char* id : {"generert-0", "generert-40", "generert-7", "generert-1999", "marit-sundt", "ny-2"})
    filters.push_back(person_filter(id));
  const int carried = check_served_equals_rendered(w, 300 / kShare, 11, filters);
  CHECK(carried > 300 / kShare * static_cast<int>(filters.size()) / 3);
}
