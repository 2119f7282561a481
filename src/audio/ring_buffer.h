// A fixed-size single-producer single-consumer queue of audio samples: a capture thread
// writes while the listener reads. The writer never waits: when the reader falls behind by
// more than the capacity, the oldest samples are dropped (and counted), as a live
// microphone cannot be paused. The reader may wait (read_blocking, on a condition
// variable) until enough samples are there or the source ends. Internal to easel.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

namespace easel {

class RingBuffer {
 public:
  explicit RingBuffer(std::size_t capacity);

  // Adds samples; overwrites the oldest ones when full.
  void write(const float* samples, std::size_t count);
  // Takes up to `count` samples, oldest first; returns how many (0 when empty).
  std::size_t read(float* out, std::size_t count);
  // Like read, but waits until `count` samples are there or close() was called.
  std::size_t read_blocking(float* out, std::size_t count);
  // Wakes a blocked reader for good (the source ended).
  void close();

  std::size_t size() const;
  std::size_t capacity() const { return data_.size(); }
  std::size_t dropped() const;  // samples overwritten before they were read

 private:
  std::vector<float> data_;
  std::size_t head_ = 0, size_ = 0, dropped_ = 0;  // head_: index of the oldest sample
  bool closed_ = false;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
};

}  // namespace easel
