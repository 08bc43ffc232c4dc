// Mutexes and locks that Clang's -Wthread-safety analysis understands, as
// LevelDB's port::Mutex does: a field shared between threads says which lock
// guards it (GUARDED_BY), a function says which lock it needs (REQUIRES),
// and a Clang build (the TSan one) refuses code that breaks either. Under GCC
// the annotations compile to nothing.
//
// Thread-safe by definition; nothing here throws except what std::mutex does.
#pragma once

#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define ARSHJUL_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define ARSHJUL_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) ARSHJUL_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY ARSHJUL_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) ARSHJUL_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) ARSHJUL_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRED_AFTER(...) ARSHJUL_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define REQUIRES(...) ARSHJUL_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) ARSHJUL_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE(...) ARSHJUL_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) ARSHJUL_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) ARSHJUL_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) ARSHJUL_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) ARSHJUL_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define EXCLUDES(...) ARSHJUL_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) ARSHJUL_THREAD_ANNOTATION(assert_capability(x))
#define NO_THREAD_SAFETY_ANALYSIS ARSHJUL_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace arshjul {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }
  // For the analysis: the caller knows it holds the lock.
  void assert_held() const ASSERT_CAPABILITY(this) {}

 private:
  std::mutex mu_;
};

class CAPABILITY("shared mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;
  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }
  void lock_shared() ACQUIRE_SHARED() { mu_.lock_shared(); }
  void unlock_shared() RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

// Holds a Mutex for its scope.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ACQUIRE(mu) : mu_(mu) { mu_->lock(); }
  ~MutexLock() RELEASE() { mu_->unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* mu_;
};

// Holds a SharedMutex exclusively for its scope.
class SCOPED_CAPABILITY WriterLock {
 public:
  explicit WriterLock(SharedMutex* mu) ACQUIRE(mu) : mu_(mu) { mu_->lock(); }
  ~WriterLock() RELEASE() { mu_->unlock(); }
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  SharedMutex* mu_;
};

// Holds a SharedMutex shared for its scope.
class SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex* mu) ACQUIRE_SHARED(mu) : mu_(mu) { mu_->lock_shared(); }
  ~ReaderLock() RELEASE_GENERIC() { mu_->unlock_shared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex* mu_;
};

}  // namespace arshjul
