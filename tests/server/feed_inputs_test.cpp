// A feed served from the cache is always the feed render_feed would write
// now: carried over across snapshots only when its inputs are the same.
#include <catch2/catch.hpp>

#include <filesystem>
#include <optional>
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
  // As the runner builds: narrowed to `people` when only they changed
  // since the current snapshot, the inputs made from the previous ones.
  void build(const std::vector<std::string>& people = {}) {
    std::optional<PeopleChange> change;
    if (snap && !people.empty()) change.emplace(PeopleChange{*snap, people});
    auto next = build_snapshot(files, *storage, clock, ++generation, change ? &*change : nullptr);
    inputs = std::make_unique<FeedInputs>(next, inputs.get());
    snap = std::move(next);
  }
  const Person& person(std::string_view id) const {
    const Person* p = snap->config.find_person(id);
    REQUIRE(p);
    return *p;
  }
  // A new name for `id`, stored and built narrowed to them, as the runner would.
  void rename(const std::string& id) {
    Person p = person(id);
    p.name += " Endret";
    storage->store_people({p}, {}, clock.now());
    build({id});
  }
  FeedCache::Hit serve(FeedCache& cache, const FeedFilter& filter, bool* rendered) {
    return cached_feed(cache, inputs.get(), filter.to_string(), *snap, filter, clock.now(), false, rendered);
  }
};

FeedFilter person_filter(std::string id) { return {FeedFilter::Kind::person, std::move(id)}; }

// One random change HR or the HR system could make to the roster, or the
// wheel's time moving on (meetings end, cancelled ones age out, days turn).
// Returns the people whose stored rows it wrote (none: the time moved).
std::vector<std::string> random_change(LiveWheel& w, std::mt19937& rng, int& added) {
  const auto& people = w.snap->config.people;
  Person p = people[rng() % people.size()];
  const auto& units = w.snap->config.units;
  const SysSeconds now = w.clock.now();
  switch (rng() % 9) {
    case 0: p.name += " Endret"; break;
    case 7: {
      // A hire's day moves: the employee days are planned again, and others
      // may move to make room (their feeds change though they did not).
      const LocalDays today = date::floor<date::days>(to_local(now, w.files.organisation.zone));
      p.start_date = today + date::days{static_cast<int>(rng() % 120)};
      break;
    }
    case 1: p.unit = units[rng() % units.size()].id; break;
    case 2: test::toggle_random_role(p, rng); break;
    case 3: test::toggle_amu_seat(p); break;
    case 4:
      if (people.size() > 10) {
        w.storage->store_people({}, {p.id}, now);
        return {p.id};
      }
      break;
    case 5: {
      const LocalDays today = date::floor<date::days>(to_local(now, w.files.organisation.zone));
      Person hire = test::random_hire(++added, units, today, rng);
      w.storage->store_people({hire}, {}, now);
      return {hire.id};
    }
    case 6: p.email = "endret." + p.email; break;
    default: w.clock.advance(std::chrono::hours{1 + static_cast<int>(rng() % 72)}); return {};
  }
  w.storage->store_people({p}, {}, now);
  return {p.id};
}

// After each of `changes` random changes: every filter's feed the cache
// serves (a third of them each time) equals the feed rendered afresh.
// Counts the feeds served, those carried over rather than rendered, and of
// those, the ones checked against the changed events alone (unread).
struct Served {
  int feeds = 0, carried = 0;
  unsigned long long unread = 0;
};
Served check_served_equals_rendered(LiveWheel& w, int changes, std::uint32_t seed, std::vector<FeedFilter> filters) {
  std::mt19937 rng(seed);
  FeedCache cache(64 << 20);
  Served out;
  int added = 0;
  w.build();
  for (int i = 0; i < changes; ++i) {
    w.build(random_change(w, rng, added));
    for (const FeedFilter& f : filters) {
      // Each feed asked for now and then, so cached ones lag several changes.
      if (rng() % 3 != 0) continue;
      bool rendered = false;
      const auto served = w.serve(cache, f, &rendered);
      const RenderedFeed fresh = render_feed(*w.snap, f, w.clock.now());
      if (served.feed->body != fresh.body) FAIL("change " << i << " (seed " << seed << "): " << f.to_string() << " served stale bytes");
      REQUIRE(served.feed->etag == fresh.etag);
      ++out.feeds;
      if (!rendered) ++out.carried;
    }
  }
  out.unread = cache.stats().carried_unread;
  return out;
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

TEST_CASE("A feed cached several narrowed changes ago is carried over by looking at those changes alone") {
  LiveWheel w;
  FeedCache cache(8 << 20);
  w.build();
  bool rendered = false;
  const auto before = w.serve(cache, person_filter("kirsti-haugen"), &rendered);
  for (const char* id : {"silje-feragen", "hilde-aune", "silje-feragen", "kristin-engen"}) {
    w.rename(id);
    REQUIRE(w.snap->narrowed_from == w.snap->generation - 1);
  }
  const auto after = w.serve(cache, person_filter("kirsti-haugen"), &rendered);
  CHECK_FALSE(rendered);
  CHECK(after.feed == before.feed);
  CHECK(cache.stats().carried_unread == 1);
  CHECK(after.feed->body == render_feed(*w.snap, person_filter("kirsti-haugen"), w.clock.now()).body);
}

TEST_CASE("A whole rebuild between breaks the chain of narrowed changes, and the feed's digest decides") {
  LiveWheel w;
  FeedCache cache(8 << 20);
  w.build();
  bool rendered = false;
  const auto before = w.serve(cache, person_filter("kirsti-haugen"), &rendered);
  w.rename("silje-feragen");
  REQUIRE(w.snap->narrowed_from == w.snap->generation - 1);
  w.build();  // a reload or a tick: nothing narrowed
  CHECK(w.snap->narrowed_from == -1);
  const auto after = w.serve(cache, person_filter("kirsti-haugen"), &rendered);
  CHECK_FALSE(rendered);
  CHECK(after.feed == before.feed);
  CHECK(cache.stats().carried_over == 1);
  CHECK(cache.stats().carried_unread == 0);
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

// The sanitizer builds run a tenth of the random changes (memory and
// thread errors show in the first ones; each change renders every feed,
// some 30 times slower there); the normal build runs them all.
#ifdef ARSHJUL_SANITIZED
constexpr int kShare = 10;
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
  const Served served = check_served_equals_rendered(w, 700 / kShare, 20261130, filters);
  // The cache must earn its keep: most feeds are untouched by one change.
  // Some are known so from the changed events alone: those cached since a
  // run of narrowed changes (most of Røros' people lead, and a leader's
  // change is never narrowed).
  CHECK(served.carried > served.feeds / 2);
  CHECK(served.unread > static_cast<unsigned long long>(served.carried) / 20);
}

TEST_CASE("Feeds served from the cache stay right when one hire's new day moves others to another employee day") {
  LiveWheel w;
  // No round counts employees: a plain employee's start date then changes
  // only their own tasks, so the builds are narrowed, while the employee
  // days' capacity moves other hires, who did not change.
  // Two places a day, so a hire who moves in moves another out.
  for (Wheel& wheel : w.files.wheels) {
    if (wheel.round) wheel.round->min_group = 0;
    for (Activity& a : wheel.activities)
      if (a.registration) a.registration->capacity = 2;
  }
  std::mt19937 rng(3);
  w.storage->store_people(test::generated_roster(w.files, 2000, rng), {}, w.clock.now());
  w.build();
  std::vector<FeedFilter> filters = {{}, {FeedFilter::Kind::wheel, "ansattdag"}};
  for (const Person& p : w.snap->config.people)
    if (p.start_date && *p.start_date > LocalDays{2027_y / 1 / 1}) filters.push_back(person_filter(p.id));
  REQUIRE(filters.size() > 40);
  CHECK(check_served_equals_rendered(w, 200 / kShare, 5, filters).unread > 0);
}

TEST_CASE("Feeds served from the cache through random changes to a 2,000-person roster are the feeds rendered afresh") {
  LiveWheel w;
  std::mt19937 rng(7);
  w.storage->store_people(test::generated_roster(w.files, 2000, rng), {}, w.clock.now());
  std::vector<FeedFilter> filters = {{}, {FeedFilter::Kind::unit, "barnehage"}, {FeedFilter::Kind::role, "leader"}};
  for (const char* id : {"generert-0", "generert-40", "generert-7", "generert-1999", "marit-sundt", "ny-2"})
    filters.push_back(person_filter(id));
  const Served served = check_served_equals_rendered(w, 300 / kShare, 11, filters);
  CHECK(served.carried > served.feeds / 2);
  CHECK(served.unread > static_cast<unsigned long long>(served.carried) / 10);
}
