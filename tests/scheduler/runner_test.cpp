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
