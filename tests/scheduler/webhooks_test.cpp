#include <catch2/catch.hpp>

#include <filesystem>

#include <unistd.h>

#include "scheduler/config_files.h"
#include "scheduler/dispatcher.h"
#include "scheduler/webhooks.h"
#include "tests/fixtures.h"

using namespace arshjul;
using namespace date::literals;
using namespace std::chrono_literals;

TEST_CASE("Signatures match the Standard Webhooks specification's example") {
  auto sig = sign_webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                          R"({"test": 2432232314})");
  REQUIRE(sig);
  CHECK(*sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST_CASE("A secret that is not whsec_ and base64 cannot sign") {
  CHECK_FALSE(sign_webhook("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_x", 1, "{}"));
  CHECK_FALSE(sign_webhook("whsec_!!!!", "msg_x", 1, "{}"));
}

TEST_CASE("base64 round-trips every length") {
  for (std::string s : {"", "a", "ab", "abc", "abcd", "æøå\x01\xff"}) CHECK(base64_decode(base64_encode(s)) == s);
}

TEST_CASE("The retry schedule is 5 s, 5 min, 30 min, 2 h, 5 h, then 10 h") {
  CHECK(retry_delay(1) == 5s);
  CHECK(retry_delay(2) == 5min);
  CHECK(retry_delay(3) == 30min);
  CHECK(retry_delay(4) == 2h);
  CHECK(retry_delay(5) == 5h);
  CHECK(retry_delay(6) == 10h);
  CHECK(retry_delay(20) == 10h);
}

TEST_CASE("A message's webhook-id depends only on its hook and key") {
  CHECK(webhook_id_for("h", "k") == webhook_id_for("h", "k"));
  CHECK(webhook_id_for("h", "k") != webhook_id_for("h2", "k"));
  CHECK(webhook_id_for("h", "k").size() == 36);
}

TEST_CASE("Enqueueing the same plan twice stores each message once") {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("arshjul-outbox-" + std::to_string(::getpid()) + ".db")).string();
  {
    auto storage = std::move(open_sqlite_storage(path)).value();
    auto c = load_config_dir(std::string(ARSHJUL_SOURCE_DIR) + "/tests/fixtures/mini");
    REQUIRE(c);
    Config config = std::move(c).value();
    Hook h;
    h.id = "test";
    h.url = "http://127.0.0.1:9/hook";
    h.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    config.hooks.push_back(h);
    const Expansion e = expand_year(config, 2027);
    const SysSeconds now{date::sys_days{2027_y / 1 / 1}};
    const auto plan = plan_messages(config, e, now, now + date::days{365}, [](const std::string&) { return 0; });
    const auto rows = outbox_messages(config, plan);
    CHECK(rows.size() == plan.size());
    CHECK(storage->enqueue(rows, now) == static_cast<int>(rows.size()));
    CHECK(storage->enqueue(rows, now) == 0);
    const auto due = storage->due_messages(SysSeconds{date::sys_days{2027_y / 12 / 31}}, 100000);
    CHECK(due.size() == rows.size());
    storage->mark_failed(due[0].id, 1, now + 5s, "HTTP 500", true, now);
    CHECK(storage->outbox("dead", 10).size() == 1);
    CHECK(storage->retry(due[0].id, now));
    CHECK_FALSE(storage->retry(due[0].id, now));
    CHECK(storage->outbox("dead", 10).empty());
  }
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
}

TEST_CASE("A simulated clock's start is read with its offset") {
  CHECK(*parse_instant("2027-01-01T08:00:00+01:00") == SysSeconds{date::sys_days{2027_y / 1 / 1}} + 7h);
  CHECK(*parse_instant("2027-06-01T07:00:00Z") == SysSeconds{date::sys_days{2027_y / 6 / 1}} + 7h);
  CHECK_FALSE(parse_instant("2027-01-01 08:00"));
  CHECK_FALSE(parse_instant("2027-01-01T08:00:00+0100"));
}

TEST_CASE("A person stored in another unit is announced to the leader they join and the one they leave") {
  Config c = test::with_hook(test::load("config/roros"), "hr");
  const Person* before = nullptr;
  for (const Person& p : c.people)
    if (p.unit == "skole" && p.roles == std::vector<Role>{Role::employee}) before = &p;
  REQUIRE(before);
  Person after = *before;
  after.unit = "sykehjem";
  const SysSeconds now = SysSeconds{date::sys_days{date::year{2027} / 3 / 1}};
  const auto rows = unit_move_messages(c, *before, after, now);
  REQUIRE(rows.size() == 2);
  const LocalDays today{date::year{2027} / 3 / 1};
  CHECK(rows[0].recipient == leader_of(c, after, today)->id);
  CHECK(rows[1].recipient == leader_of(c, *before, today)->id);
  CHECK(rows[0].event_type == "person.moved");
  CHECK_THAT(rows[0].payload, Catch::Contains("\"role\":\"new_leader\"") && Catch::Contains("\"to_unit\":{\"id\":\"sykehjem\""));
  CHECK_THAT(rows[1].payload, Catch::Contains("\"role\":\"former_leader\""));
  // The same move planned again is the same message (its key), and no move is no message.
  CHECK(unit_move_messages(c, *before, after, now)[0].key == rows[0].key);
  CHECK(unit_move_messages(c, *before, *before, now).empty());
}
