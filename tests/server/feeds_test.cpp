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

namespace {
std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The VEVENT with this UID, lines unfolded; empty if there is none.
std::string vevent(const std::string& body, const std::string& uid) {
  std::string text = body;
  for (auto at = text.find("\r\n "); at != std::string::npos; at = text.find("\r\n ", at)) text.erase(at, 3);
  const auto at = text.find("\r\nUID:" + uid + "\r\n");
  if (at == std::string::npos) return "";
  const auto begin = text.rfind("BEGIN:VEVENT", at);
  return text.substr(begin, text.find("END:VEVENT", at) - begin);
}

std::string line(const std::string& event, const std::string& name) {
  const auto at = event.find("\r\n" + name + ":");
  if (at == std::string::npos) return "";
  return event.substr(at + 2, event.find("\r\n", at + 2) - at - 2);
}

// mini with drofting at 07:15, a new title and one more agenda item, and virksomhetsmote gone.
Config changed(Config c) {
  Activity& drofting = c.wheels[0].activities[0];
  drofting.start = std::chrono::hours{7} + std::chrono::minutes{15};
  drofting.title = "Drøftingsmøte med hovedtillitsvalgte";
  drofting.agenda.push_back("Ny sak");
  c.wheels[0].activities.erase(c.wheels[0].activities.begin() + 1);
  return c;
}
}  // namespace

TEST_CASE("A removed activity stays in feeds as CANCELLED for 60 days, then leaves, and what took place stays") {
  Fixture f;
  build_snapshot(f.mini(), *f.storage, f.clock, 1);
  Config without = f.mini();
  without.wheels[0].activities.erase(without.wheels[0].activities.begin());
  f.clock.advance(24h);
  auto snap = build_snapshot(std::move(without), *f.storage, f.clock, 2);
  const auto feed = render_feed(*snap, {FeedFilter::Kind::person, "kari"}, f.clock.now());
  CHECK(feed.events > 2);
  CHECK(count(feed.body, "STATUS:CONFIRMED") == 2);  // drofting on 18 January and 15 February, as held
  CHECK(count(feed.body, "STATUS:CANCELLED") == feed.events - 2);
  const auto later = render_feed(*snap, {FeedFilter::Kind::person, "kari"}, f.clock.now() + 61 * 24h);
  CHECK(later.events == 2);
}

TEST_CASE("A meeting that took place keeps its event, byte for byte, after the config moves or removes it") {
  Fixture f;  // 1 March 2027
  auto before = render_feed(*build_snapshot(f.mini(), *f.storage, f.clock, 1), {}, f.clock.now());
  f.clock.advance(24h);
  auto snap = build_snapshot(changed(f.mini()), *f.storage, f.clock, 2);
  CHECK(snap->sync.kept_past == 4);
  const auto after = render_feed(*snap, {}, f.clock.now());
  for (const char* uid : {"drofting.20270118@mini.arshjul", "drofting.20270215@mini.arshjul",
                          "virksomhetsmote.skole.20270217@mini.arshjul", "virksomhetsmote.helse.20270217@mini.arshjul"}) {
    INFO(uid);
    const std::string was = vevent(before.body, uid);
    REQUIRE_FALSE(was.empty());
    CHECK(vevent(after.body, uid) == was);
  }
  // The one ahead follows the config.
  const std::string march = vevent(after.body, "drofting.20270315@mini.arshjul");
  CHECK(line(march, "SEQUENCE") == "SEQUENCE:1");
  CHECK(line(march, "DTSTART;TZID=Europe/Oslo") == "DTSTART;TZID=Europe/Oslo:20270315T071500");
  CHECK(line(march, "SUMMARY") == "SUMMARY:Drøftingsmøte med hovedtillitsvalgte");
  CHECK_THAT(line(march, "DESCRIPTION"), Catch::Contains("Ny sak"));
}

TEST_CASE("The feed DESCRIPTION of Røros' February AMU meeting lists the annual report before Eventuelt, May's does not") {
  Fixture f;
  auto c = load_config_dir(std::string(ARSHJUL_SOURCE_DIR) + "/config/roros");
  REQUIRE(c);
  const auto feed = render_feed(*build_snapshot(std::move(c).value(), *f.storage, f.clock, 1), {}, f.clock.now());
  const std::string february = line(vevent(feed.body, "amu.20280216@roros.arshjul"), "DESCRIPTION");
  const std::string may = line(vevent(feed.body, "amu.20280517@roros.arshjul"), "DESCRIPTION");
  REQUIRE_FALSE(february.empty());
  REQUIRE_FALSE(may.empty());
  CHECK_THAT(february, Catch::Contains("6. Saker fra hovedverneombudet\\n7. AMUs årsrapport for fjoråret\\n8. Eventuelt"));
  CHECK_THAT(may, Catch::Contains("6. Saker fra hovedverneombudet\\n7. Eventuelt") && !Catch::Contains("årsrapport"));
}

TEST_CASE("A cancelled event keeps its description and says why: taken out of the wheel, or HR's reason") {
  Fixture f;
  auto before = render_feed(*build_snapshot(f.mini(), *f.storage, f.clock, 1), {}, f.clock.now());
  Override ov;
  ov.kind = Override::Kind::cancel;
  ov.uid = "drofting.20270419@mini.arshjul";
  ov.reason = "Kollisjon med budsjettmøtet";
  f.storage->add_override(ov, nullptr);
  f.clock.advance(24h);
  const auto after = render_feed(*build_snapshot(changed(f.mini()), *f.storage, f.clock, 2), {}, f.clock.now());

  const std::string removed = vevent(after.body, "virksomhetsmote.skole.20270817@mini.arshjul");
  CHECK(line(removed, "STATUS") == "STATUS:CANCELLED");
  CHECK(line(removed, "DESCRIPTION") ==
        line(vevent(before.body, "virksomhetsmote.skole.20270817@mini.arshjul"), "DESCRIPTION") +
            "\\n\\nAvlyst: tatt ut av årshjulet");
  const std::string by_hr = vevent(after.body, ov.uid);
  CHECK(line(by_hr, "STATUS") == "STATUS:CANCELLED");
  CHECK(line(by_hr, "DESCRIPTION") ==
        line(vevent(before.body, ov.uid), "DESCRIPTION") + "\\n\\nAvlyst av HR: Kollisjon med budsjettmøtet");
  CHECK_THAT(line(by_hr, "DESCRIPTION"), Catch::Contains("Orientering"));
}
