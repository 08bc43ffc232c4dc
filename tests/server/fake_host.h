// A daemon's worth of state without sockets or threads, for tests of the API
// and the pages: a real SQLite file, a manual clock and a snapshot rebuilt
// after each write, as the daemon's runner does.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "server/api.h"
#include "tests/fixtures.h"

namespace arshjul::test {

class FakeHost : public ApiHost {
 public:
  explicit FakeHost(Config files = mini(), SysSeconds now = SysSeconds{date::sys_days{date::year{2027} / 3 / 1}})
      : clock_(now), files_(std::move(files)) {
    static int counter = 0;
    path_ = (std::filesystem::temp_directory_path() /
             ("arshjul-host-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + ".db"))
                .string();
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + ext);
    store_ = std::move(open_sqlite_storage(path_)).value();
    rebuild();
  }
  ~FakeHost() override {
    store_.reset();
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + ext);
  }
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  Storage& storage() override { return *store_; }
  const Clock& clock() override { return clock_; }
  std::shared_ptr<const Snapshot> snapshot() override { return snap_; }
  std::optional<Subscription> subscription(const std::string& hash) override {
    for (auto& [h, sub] : store_->active_subscriptions())
      if (h == hash) return sub;
    return std::nullopt;
  }
  std::shared_ptr<const Snapshot> write(const std::string& why, const Change& change) override {
    writes.push_back(why);
    if (before_write) before_write();
    if (change(*store_, snap_)) rebuild();
    return snap_;
  }
  void log(const std::string& line) override { logged.push_back(line); }

  // The files change as a reload would bring them, without a rebuild yet.
  void set_files(Config files) { files_ = std::move(files); }
  void rebuild() { snap_ = build_snapshot(files_, *store_, clock_, ++generation_); }
  ManualClock& manual_clock() { return clock_; }
  const std::string& path() const { return path_; }

  std::vector<std::string> writes;  // the why of every write, in order
  std::vector<std::string> logged;
  std::function<void()> before_write;  // runs on the writer before the change: a reload that came between

 private:
  std::string path_;
  std::unique_ptr<Storage> store_;
  ManualClock clock_;
  Config files_;
  long long generation_ = 0;
  std::shared_ptr<const Snapshot> snap_;
};

}  // namespace arshjul::test
