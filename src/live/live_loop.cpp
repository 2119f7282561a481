#include "easel/live.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

namespace easel {

using Clock = std::chrono::steady_clock;

namespace {
double ms_between(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }
}  // namespace

struct LiveLoop::Impl {
  VideoReader source;
  OnFrame on_frame;
  OnError on_error;
  LiveOptions options;

  mutable std::mutex mutex;
  std::condition_variable changed;
  std::optional<LiveFrame> newest;  // the one slot: a new frame replaces an unanalysed one
  Clock::time_point newest_read;
  bool source_done = false, stopping = false, finished = false;
  LiveStats stats;
  std::deque<Clock::time_point> recent;  // ends of recent analyses, for fps
  std::thread reader, worker;

  explicit Impl(VideoReader s) : source(std::move(s)) {}

  void fail(const Error& e) {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    changed.notify_all();
    if (on_error) {
      try {
        on_error(e);
      } catch (...) {
      }
    }
  }

  void read_frames() {
    const Clock::time_point start = Clock::now();
    try {
      for (int n = 0;; ++n) {
        {
          std::lock_guard lock(mutex);
          if (stopping) break;
        }
        if (options.max_frames > 0 && n >= options.max_frames) break;
        LiveFrame f;
        if (!source.read(f.image)) break;
        f.timestamp_ms = source.timestamp_ms();
        f.index = source.frame_index();
        // A file plays at its own pace (a camera paces itself): wait for the frame's time.
        if (options.realtime && source.frame_count() > 0 && source.fps() > 0) {
          std::unique_lock lock(mutex);
          changed.wait_until(lock, start + std::chrono::microseconds(static_cast<long long>(f.timestamp_ms * 1000)), [&] { return stopping; });
          if (stopping) break;
        } else if (!options.realtime) {
          // Every frame analysed: wait until the slot is free.
          std::unique_lock lock(mutex);
          changed.wait(lock, [&] { return stopping || !newest; });
          if (stopping) break;
        }
        {
          std::lock_guard lock(mutex);
          if (newest) ++stats.dropped;
          newest = std::move(f);
          newest_read = Clock::now();
          ++stats.read;
        }
        changed.notify_all();
      }
    } catch (const Error& e) {
      fail(e);
    } catch (const std::exception& e) {
      fail(Error(ErrorCode::io_error, std::string("Reading the video failed: ") + e.what()));
    }
    {
      std::lock_guard lock(mutex);
      source_done = true;
    }
    changed.notify_all();
  }

  void analyse_frames() {
    for (;;) {
      LiveFrame f;
      Clock::time_point read_at;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return stopping || newest || source_done; });
        if (stopping || (!newest && source_done)) break;
        f = std::move(*newest);
        newest.reset();
        read_at = newest_read;
      }
      changed.notify_all();  // the reader may wait for the slot
      const Clock::time_point begin = Clock::now();
      f.age_ms = ms_between(read_at, begin);
      try {
        on_frame(f);
      } catch (const Error& e) {
        fail(e);
        break;
      } catch (const std::exception& e) {
        fail(Error(ErrorCode::internal, std::string("The live analysis failed: ") + e.what()));
        break;
      }
      const Clock::time_point end = Clock::now();
      std::lock_guard lock(mutex);
      ++stats.analysed;
      stats.analysis_ms = ms_between(begin, end);
      stats.latency_ms = ms_between(read_at, end);
      recent.push_back(end);
      while (recent.size() > 1 && ms_between(recent.front(), end) > 1000) recent.pop_front();
      stats.fps = recent.size() > 1 ? (recent.size() - 1) * 1000.0 / ms_between(recent.front(), recent.back()) : 0;
    }
    {
      std::lock_guard lock(mutex);
      finished = true;
      stopping = true;
    }
    changed.notify_all();
  }
};

LiveLoop::LiveLoop(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LiveLoop::LiveLoop(LiveLoop&&) noexcept = default;
LiveLoop& LiveLoop::operator=(LiveLoop&&) noexcept = default;
LiveLoop::~LiveLoop() {
  if (impl_) stop();
}

LiveLoop LiveLoop::start(VideoReader source, OnFrame on_frame, OnError on_error, const LiveOptions& options) {
  if (!on_frame) throw Error(ErrorCode::bad_input, "LiveLoop::start needs a function to call on each frame.");
  auto impl = std::make_unique<Impl>(std::move(source));
  impl->on_frame = std::move(on_frame);
  impl->on_error = std::move(on_error);
  impl->options = options;
  Impl* p = impl.get();
  impl->reader = std::thread([p] { p->read_frames(); });
  impl->worker = std::thread([p] { p->analyse_frames(); });
  return LiveLoop(std::move(impl));
}

void LiveLoop::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->changed.notify_all();
  if (impl_->reader.joinable()) impl_->reader.join();
  if (impl_->worker.joinable()) impl_->worker.join();
}

void LiveLoop::wait() {
  {
    std::unique_lock lock(impl_->mutex);
    impl_->changed.wait(lock, [&] { return impl_->finished; });
  }
  stop();
}

bool LiveLoop::running() const {
  std::lock_guard lock(impl_->mutex);
  return !impl_->finished;
}

LiveStats LiveLoop::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

}  // namespace easel
