// Live: a model on a camera or a video as it plays, ml5's detectStart/classifyStart in C++.
// Frames are read on one thread and analysed on another, always the newest: when the model
// is slower than the source, stale frames are dropped, so the answer is never more than one
// analysis behind what the camera sees.
//
//   auto pose = easel::PoseEstimator::create();
//   auto live = easel::LiveLoop::start(easel::VideoReader::open("walk.avi"),
//       [&](const easel::LiveFrame& f) { std::printf("%zu people\n", pose.estimate(f.image).size()); },
//       [](const easel::Error& e) { std::printf("stopped: %s\n", e.what()); });
//   live.wait();   // until the video ends (or live.stop())
#pragma once

#include <functional>
#include <memory>

#include "easel/error.h"
#include "easel/image.h"
#include "easel/video.h"

namespace easel {

struct LiveFrame {
  Image image;
  double timestamp_ms = 0;  // the source's (the video's time, or since the camera started)
  int index = 0;            // the source's frame number, from 0
  double age_ms = 0;        // how long it waited between being read and being analysed
};

struct LiveOptions {
  // A video file plays at its own frame rate, as a camera would deliver it (frames the
  // analysis is too slow for are dropped). false: every frame, as fast as the analysis goes.
  bool realtime = true;
  int max_frames = 0;  // stop after reading this many (0: until the source ends)
};

struct LiveStats {
  int read = 0, analysed = 0, dropped = 0;
  double analysis_ms = 0;  // the last analysis, start to end
  double latency_ms = 0;   // the last frame, from read to analysed
  double fps = 0;          // analyses per second, over the last second or so
};

class LiveLoop {
 public:
  using OnFrame = std::function<void(const LiveFrame&)>;
  using OnError = std::function<void(const Error&)>;

  // Starts reading `source` and calling `on_frame` on a worker thread. Errors (a camera
  // gone, a model failing, an exception from on_frame) go to `on_error` on that thread,
  // and the loop ends; nothing escapes a thread.
  static LiveLoop start(VideoReader source, OnFrame on_frame, OnError on_error = {}, const LiveOptions& options = {});
  ~LiveLoop();  // stops
  LiveLoop(LiveLoop&&) noexcept;
  LiveLoop& operator=(LiveLoop&&) noexcept;

  void stop();              // returns once both threads have ended (within a frame's time)
  void wait();              // until the source ends or stop() is called
  bool running() const;
  LiveStats stats() const;

 private:
  struct Impl;
  explicit LiveLoop(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel
