// Frames from a video file or a camera, one easel::Image at a time.
//
//   auto video = easel::VideoReader::open("walk.avi");   // or VideoReader::camera(0)
//   easel::Image frame;
//   while (video.read(frame))
//     std::printf("%lld ms: %dx%d\n", static_cast<long long>(video.timestamp_ms()), frame.width(), frame.height());
#pragma once

#include <filesystem>
#include <memory>

#include "easel/image.h"

namespace easel {

class VideoReader {
 public:
  // Throws Error naming the file when it is missing or cannot be decoded.
  static VideoReader open(const std::filesystem::path& file);
  static VideoReader camera(int index = 0);
  ~VideoReader();
  VideoReader(VideoReader&&) noexcept;
  VideoReader& operator=(VideoReader&&) noexcept;

  // The next frame into `frame`; false at the end of the video.
  bool read(Image& frame);
  double fps() const;           // 0 when the source does not say
  double timestamp_ms() const;  // of the frame read last
  int frame_index() const;      // of the frame read last, from 0
  int frame_count() const;      // 0 when unknown (cameras)

 private:
  struct Impl;
  explicit VideoReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Writes frames to a video file (.mp4 or .avi, by extension), atomically: the file appears
// under its name only when close() (or the destructor) finishes it.
class VideoWriter {
 public:
  static VideoWriter create(const std::filesystem::path& file, int width, int height, double fps);
  ~VideoWriter();
  VideoWriter(VideoWriter&&) noexcept;
  VideoWriter& operator=(VideoWriter&&) noexcept;
  // Frames must all have the size given to create().
  void write(const Image& frame);
  void close();

 private:
  struct Impl;
  explicit VideoWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel
