#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <vector>

namespace arshjul {

// A sequence of values stored in chunks that copies share: copying one is
// a copy of its chunk pointers (about 200 at 50,000 people), and changing an
// element copies only that element's chunk when another copy holds it. A
// snapshot whose roster differs from the previous one in one person thus
// costs one chunk, not the whole roster, and both stay plain values.
//
// Elements keep their address for as long as their chunk lives: a copy
// made after a change points at the same unchanged elements.
//
// Thread-safety: like std::vector. Copies may be read from many threads at
// once, and a copy may be changed while other copies are read (their shared
// chunks are never written); one object is not changed and read at once.
// Reading through a non-const object never unshares a chunk: begin()/end()
// and operator[] of a non-const object give const elements; writes go
// through mut() or the mutating members, named so.
//
// version() names the contents: every write takes a new number from one
// counter for all sequences, and a copy keeps its original's. An index built
// over a sequence can thus tell that it is stale. A reference from mut() is
// for the write at hand: a write through it later goes unseen.
template <class T, std::size_t ChunkSize = 256>
class SharedChunks {
  using Chunk = std::vector<T>;

 public:
  using value_type = T;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using reference = const T&;
  using const_reference = const T&;

  class const_iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;

    const_iterator() = default;
    const T& operator*() const { return (*s_)[i_]; }
    const T* operator->() const { return &(*s_)[i_]; }
    const T& operator[](difference_type n) const { return (*s_)[i_ + n]; }
    const_iterator& operator++() { ++i_; return *this; }
    const_iterator operator++(int) { auto t = *this; ++i_; return t; }
    const_iterator& operator--() { --i_; return *this; }
    const_iterator operator--(int) { auto t = *this; --i_; return t; }
    const_iterator& operator+=(difference_type n) { i_ += n; return *this; }
    const_iterator& operator-=(difference_type n) { i_ -= n; return *this; }
    friend const_iterator operator+(const_iterator a, difference_type n) { return a += n; }
    friend const_iterator operator+(difference_type n, const_iterator a) { return a += n; }
    friend const_iterator operator-(const_iterator a, difference_type n) { return a -= n; }
    friend difference_type operator-(const const_iterator& a, const const_iterator& b) {
      return static_cast<difference_type>(a.i_) - static_cast<difference_type>(b.i_);
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) { return a.i_ == b.i_; }
    friend auto operator<=>(const const_iterator& a, const const_iterator& b) { return a.i_ <=> b.i_; }

   private:
    friend class SharedChunks;
    const_iterator(const SharedChunks* s, std::size_t i) : s_(s), i_(i) {}
    const SharedChunks* s_ = nullptr;
    std::size_t i_ = 0;
  };
  using iterator = const_iterator;

  SharedChunks() = default;
  SharedChunks(std::initializer_list<T> values) { assign(values.begin(), values.end()); }
  SharedChunks(std::vector<T> values) { assign_moving(values); }  // NOLINT: a vector is a roster
  SharedChunks& operator=(std::vector<T> values) {
    clear();
    assign_moving(values);
    return *this;
  }
  SharedChunks& operator=(std::initializer_list<T> values) {
    clear();
    assign(values.begin(), values.end());
    return *this;
  }

  std::size_t size() const { return size_; }
  std::uint64_t version() const { return version_; }
  bool empty() const { return size_ == 0; }
  const T& operator[](std::size_t i) const { return (*chunks_[i / ChunkSize])[i % ChunkSize]; }
  const T& front() const { return (*this)[0]; }
  const T& back() const { return (*this)[size_ - 1]; }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }
  // The position of an element of this sequence (by address), or size() when it is not one.
  std::size_t index_of(const T* element) const {
    for (std::size_t c = 0; c < chunks_.size(); ++c) {
      const Chunk& chunk = *chunks_[c];
      if (!chunk.empty() && element >= chunk.data() && element < chunk.data() + chunk.size())
        return c * ChunkSize + static_cast<std::size_t>(element - chunk.data());
    }
    return size_;
  }

  // The element at `i` to change: its chunk is copied first when shared.
  T& mut(std::size_t i) {
    touch();
    return own(i / ChunkSize)[i % ChunkSize];
  }
  T& mut_back() { return mut(size_ - 1); }
  void push_back(T value) {
    touch();
    if (size_ % ChunkSize == 0) {
      chunks_.push_back(std::make_shared<Chunk>());
      chunks_.back()->reserve(ChunkSize);
    }
    own(chunks_.size() - 1).push_back(std::move(value));
    ++size_;
  }
  template <class... Args>
  T& emplace_back(Args&&... args) {
    push_back(T(std::forward<Args>(args)...));
    return mut_back();
  }
  // Rebuilds every chunk after `at`'s: O(size), for rare edits.
  void insert(const_iterator at, T value) {
    std::vector<T> all = to_vector();
    all.insert(all.begin() + (at - begin()), std::move(value));
    *this = std::move(all);
  }
  void clear() {
    touch();
    chunks_.clear();
    size_ = 0;
  }
  void reserve(std::size_t) {}  // chunks are reserved as they are made
  // The elements as one vector (a copy), for code that needs contiguous storage.
  std::vector<T> to_vector() const { return std::vector<T>(begin(), end()); }

  friend bool operator==(const SharedChunks& a, const SharedChunks& b) {
    if (a.size_ != b.size_) return false;
    for (std::size_t c = 0; c < a.chunks_.size(); ++c)
      if (a.chunks_[c] != b.chunks_[c] && !(*a.chunks_[c] == *b.chunks_[c])) return false;
    return true;
  }

 private:
  template <class It>
  void assign(It first, It last) {
    for (; first != last; ++first) push_back(*first);
  }
  void assign_moving(std::vector<T>& values) {
    chunks_.reserve((values.size() + ChunkSize - 1) / ChunkSize);
    for (T& v : values) push_back(std::move(v));
  }
  void touch() {
    static std::atomic<std::uint64_t> next{1};
    version_ = next.fetch_add(1, std::memory_order_relaxed);
  }
  Chunk& own(std::size_t c) {
    std::shared_ptr<Chunk>& chunk = chunks_[c];
    if (chunk.use_count() != 1) {
      auto copy = std::make_shared<Chunk>();
      copy->reserve(ChunkSize);
      copy->insert(copy->end(), chunk->begin(), chunk->end());
      chunk = std::move(copy);
    } else {
      // The last other owner's release (acq_rel) happens before our writes.
      std::atomic_thread_fence(std::memory_order_acquire);
    }
    return *chunk;
  }

  std::vector<std::shared_ptr<Chunk>> chunks_;
  std::size_t size_ = 0;
  std::uint64_t version_ = 0;  // 0: empty, never written
};

}  // namespace arshjul
