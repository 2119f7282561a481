#include "audio/ring_buffer.h"

#include <algorithm>

#include "easel/error.h"

namespace easel {

RingBuffer::RingBuffer(std::size_t capacity) : data_(capacity) {
  if (capacity == 0) throw Error(ErrorCode::bad_input, "A ring buffer needs room for at least one sample.");
}

void RingBuffer::write(const float* samples, std::size_t count) {
  {
    std::lock_guard lock(mutex_);
    const std::size_t cap = data_.size();
    if (count > cap) {  // only the newest `cap` samples can stay
      dropped_ += count - cap;
      samples += count - cap;
      count = cap;
    }
    const std::size_t overflow = size_ + count > cap ? size_ + count - cap : 0;
    head_ = (head_ + overflow) % cap;
    size_ -= overflow;
    dropped_ += overflow;
    std::size_t tail = (head_ + size_) % cap;
    for (std::size_t done = 0; done < count;) {
      const std::size_t run = std::min(count - done, cap - tail);
      std::copy_n(samples + done, run, data_.begin() + static_cast<std::ptrdiff_t>(tail));
      done += run;
      tail = (tail + run) % cap;
    }
    size_ += count;
  }
  ready_.notify_one();
}

std::size_t RingBuffer::read(float* out, std::size_t count) {
  std::lock_guard lock(mutex_);
  const std::size_t n = std::min(count, size_), cap = data_.size();
  for (std::size_t done = 0; done < n;) {
    const std::size_t run = std::min(n - done, cap - head_);
    std::copy_n(data_.begin() + static_cast<std::ptrdiff_t>(head_), run, out + done);
    done += run;
    head_ = (head_ + run) % cap;
  }
  size_ -= n;
  return n;
}

std::size_t RingBuffer::read_blocking(float* out, std::size_t count) {
  {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return size_ >= std::min(count, data_.size()) || closed_; });
  }
  return read(out, count);
}

void RingBuffer::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
}

std::size_t RingBuffer::size() const {
  std::lock_guard lock(mutex_);
  return size_;
}

std::size_t RingBuffer::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace easel
