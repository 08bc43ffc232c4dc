// A daemon's worth of state for the API and HTTP targets, without sockets or
// threads: the mini fixture's config, a real SQLite file in /tmp, a manual
// clock at 1 March 2027, and two API tokens the inputs can name.
//
// Each input gets a fresh database (a copy of one prepared at start-up), so
// a crash reproduces from its input alone.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <unistd.h>

#include "fuzz/fuzz_support.h"
#include "scheduler/tokens.h"
#include "server/api.h"

namespace arshjul::fuzz {

inline constexpr const char* kHrToken = "fuzz-hr-token";      // "Authorization: Bearer fuzz-hr-token"
inline constexpr const char* kReadToken = "fuzz-read-token";

class FuzzHost final : public ApiHost {
 public:
  FuzzHost() : clock_(SysSeconds{date::sys_days{date::year{2027} / 3 / 1}}) {
    const auto tmp = std::filesystem::temp_directory_path();
    const std::string pid = std::to_string(::getpid());
    template_ = (tmp / ("arshjul-fuzz-" + pid + "-template.db")).string();
    path_ = (tmp / ("arshjul-fuzz-" + pid + ".db")).string();
    remove_db(template_);
    {
      auto store = open_sqlite_storage(template_);
      FUZZ_CHECK(store.ok(), store.ok() ? "" : store.error());
      (*store)->add_api_token(token_hash(kHrToken), "hr", "fuzz-hr", clock_.now());
      (*store)->add_api_token(token_hash(kReadToken), "read", "fuzz-read", clock_.now());
      (void)build_snapshot(mini_config(), **store, clock_, 0);  // the year's occurrences, stored once
    }
  }
  ~FuzzHost() override {
    store_.reset();
    remove_db(path_);
    remove_db(template_);
  }

  // A fresh database and snapshot, as the template left them.
  void reset() {
    store_.reset();
    remove_db(path_);
    std::filesystem::copy_file(template_, path_);
    auto store = open_sqlite_storage(path_);
    FUZZ_CHECK(store.ok(), store.ok() ? "" : store.error());
    store_ = std::move(store).value();
    clock_.set(SysSeconds{date::sys_days{date::year{2027} / 3 / 1}});
    logged_.clear();
    rebuild();
  }

  Storage& storage() override { return *store_; }
  const Clock& clock() override { return clock_; }
  std::shared_ptr<const Snapshot> snapshot() override { return snap_; }
  std::optional<Subscription> subscription(const std::string& hash) override {
    for (auto& [h, sub] : store_->active_subscriptions())
      if (h == hash) return sub;
    return std::nullopt;
  }
  std::shared_ptr<const Snapshot> write(const std::string&, const Change& change) override {
    if (change(*store_, snap_)) rebuild();
    return snap_;
  }
  void log(const std::string& line) override { logged_ += line + "\n"; }

  // What was logged for the operator: the cause of a 500.
  const std::string& logged() const { return logged_; }

 private:
  static void remove_db(const std::string& path) {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
  }
  void rebuild() { snap_ = build_snapshot(mini_config(), *store_, clock_, ++generation_); }

  std::string template_, path_;
  std::unique_ptr<Storage> store_;
  ManualClock clock_;
  long long generation_ = 0;
  std::shared_ptr<const Snapshot> snap_;
  std::string logged_;
};

}  // namespace arshjul::fuzz
