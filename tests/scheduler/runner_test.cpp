// The runner's thread: where rebuilds and the work after them run.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <future>

#include <sys/resource.h>
#include <unistd.h>

#include "scheduler/runner.h"
#include "tests/fixtures.h"

using namespace arshjul;
using namespace date::literals;
using namespace std::chrono_literals;

namespace {

struct StartedRunner {
  std::string path = (std::filesystem::temp_directory_path() / ("arshjul-runner-test-" + std::to_string(::getpid()) + ".db")).string();
  std::unique_ptr<Storage> storage;
  ManualClock clock{SysSeconds{date::sys_days{2027_y / 3 / 1}} + 9h};
  std::unique_ptr<WheelRunner> runner;

  StartedRunner() {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
    storage = std::move(open_sqlite_storage(path)).value();
    Config files = test::mini();
    runner = std::make_unique<WheelRunner>(
        *storage, clock, [files](bool) -> Expected<Config> { return files; }, [](const std::string&) {});
    REQUIRE(runner->start(files));
  }
  ~StartedRunner() {
    runner.reset();
    storage.reset();
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
  }
};

long whole_builds(const WheelRunner& runner) {
  const std::string text = runner.metrics_text();
  const std::string key = "arshjul_builds_total{roster=\"whole\"} ";
  const auto at = text.find(key);
  REQUIRE(at != std::string::npos);
  return std::stol(text.substr(at + key.size()));
}

// An API write of one person: stored and rebuilt on the runner, narrowed when it can be.
void store_through_runner(StartedRunner& r, const Person& p) {
  r.runner->write(
      "person " + p.id + " stored",
      [&](Storage& storage, const std::shared_ptr<const Snapshot>&) {
        storage.store_people({p}, {}, r.clock.now());
        return true;
      },
      {p.id});
}

}  // namespace

TEST_CASE("Work posted to the runner runs on its own thread, at a lower priority than the threads that serve") {
  StartedRunner r;
  errno = 0;
  const int own = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
  std::promise<std::pair<int, pid_t>> seen;
  r.runner->post([&] { seen.set_value({::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid())), ::gettid()}); });
  auto future = seen.get_future();
  REQUIRE(future.wait_for(10s) == std::future_status::ready);
  const auto [nice, tid] = future.get();
  CHECK(tid != ::gettid());
  CHECK(nice == std::min(19, own + 10));
}

TEST_CASE("Work posted to a stopped runner is dropped") {
  StartedRunner r;
  r.runner->stop();
  bool ran = false;
  r.runner->post([&] { ran = true; });
  CHECK_FALSE(ran);
}

TEST_CASE("A person's change after another process committed is built on the whole roster, with that process's change in it") {
  StartedRunner r;
  const auto& people = r.runner->snapshot()->config.people;
  REQUIRE(people.size() >= 2);
  Person mine = people[0], theirs = people[1];
  mine.name = "Endret her";
  theirs.name = "Endret av en annen prosess";
  const long whole_before = whole_builds(*r.runner);
  {
    auto other = std::move(open_sqlite_storage(r.path)).value();  // arshjul import, say
    other->store_people({theirs}, {}, r.clock.now());
  }
  store_through_runner(r, mine);
  const auto snap = r.runner->snapshot();
  // Whole: built by this write, or by a tick that saw the other commit first.
  CHECK(whole_builds(*r.runner) >= whole_before + 1);
  REQUIRE(snap->config.find_person(theirs.id));
  CHECK(snap->config.find_person(theirs.id)->name == theirs.name);
  CHECK(snap->config.find_person(mine.id)->name == mine.name);

  // With nothing else committed since, the next one is narrowed.
  mine.name = "Endret igjen";
  store_through_runner(r, mine);
  CHECK(r.runner->snapshot()->roster_patched);
  CHECK(r.runner->snapshot()->config.find_person(theirs.id)->name == theirs.name);
}

TEST_CASE("A write returns the snapshot its own change built, not a later writer's") {
  StartedRunner r;
  Person p = r.runner->snapshot()->config.people[0];
  p.name = "Første endring";
  const auto mine = r.runner->write(
      "first", [&](Storage& storage, const std::shared_ptr<const Snapshot>&) {
        storage.store_people({p}, {}, r.clock.now());
        return true;
      },
      {p.id});
  Person later = p;
  later.name = "Andre endring";
  store_through_runner(r, later);
  REQUIRE(mine);
  CHECK(mine->config.find_person(p.id)->name == "Første endring");
  CHECK(r.runner->snapshot()->config.find_person(p.id)->name == "Andre endring");
  CHECK(mine->generation < r.runner->snapshot()->generation);
  // A write that rebuilds nothing returns the snapshot it found.
  const auto found = r.runner->write("nothing", [](Storage&, const std::shared_ptr<const Snapshot>&) { return false; });
  CHECK(found == r.runner->snapshot());
}
