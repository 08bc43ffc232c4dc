#include <catch2/catch.hpp>

#include <filesystem>

#include <unistd.h>

#include "scheduler/config_files.h"
#include "server/feeds.h"

using namespace arshjul;
using namespace date::literals;
using namespace std::chrono_literals;

namespace {
struct Fixture {
  // ctest runs test cases as parallel processes: one file each.
  std::string path =
      (std::filesystem::temp_directory_path() / ("arshjul-feeds-test-" + std::to_string(::getpid()) + ".db")).string();
  std::unique_ptr<Storage> storage;
  ManualClock clock{SysSeconds{date::sys_days{2027_y / 3 / 1}}};
  Fixture() {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
    storage = std::move(open_sqlite_storage(path)).value();
  }
  ~Fixture() {
    storage.reset();
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
  }
  Config mini() {
    auto c = load_config_dir(std::string(ARSHJUL_SOURCE_DIR) + "/tests/fixtures/mini");
    REQUIRE(c);
    return std::move(c).value();
  }
};
}  // namespace

TEST_CASE("A feed renders the same bytes and ETag for the same snapshot") {
  Fixture f;
  auto snap = build_snapshot(f.mini(), *f.storage, f.clock, 1);
  const auto a = render_feed(*snap, {}, f.clock.now());
  auto again = build_snapshot(f.mini(), *f.storage, f.clock, 2);  // a restart: nothing changed
  const auto b = render_feed(*again, {}, f.clock.now() + 1h);
  CHECK(a.body == b.body);
  CHECK(a.etag == b.etag);
  CHECK(a.events == expand(snap->config, LocalDays{2027_y / 1 / 1}, LocalDays{2028_y / 12 / 31}).occurrences.size());
  CHECK(a.last_modified == f.clock.now());
}

TEST_CASE("A removed activity stays in feeds as CANCELLED for 60 days, then leaves") {
  Fixture f;
  build_snapshot(f.mini(), *f.storage, f.clock, 1);
  Config without = f.mini();
  without.wheels[0].activities.erase(without.wheels[0].activities.begin());
  f.clock.advance(24h);
  auto snap = build_snapshot(std::move(without), *f.storage, f.clock, 2);
  const auto feed = render_feed(*snap, {FeedFilter::Kind::person, "kari"}, f.clock.now());
  CHECK(feed.events > 0);
  CHECK(feed.body.find("STATUS:CONFIRMED") == std::string::npos);
  CHECK(feed.body.find("STATUS:CANCELLED") != std::string::npos);
  const auto later = render_feed(*snap, {FeedFilter::Kind::person, "kari"}, f.clock.now() + 61 * 24h);
  CHECK(later.events == 0);
}
