#include "easel/video.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <cstring>

#include <unistd.h>

#include "easel/error.h"

namespace fs = std::filesystem;

namespace easel {

struct VideoReader::Impl {
  cv::VideoCapture capture;
  cv::Mat bgr, rgb;
  int index = -1;
  double timestamp = 0;
  double fps = 0;
};

VideoReader::VideoReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoReader::~VideoReader() = default;
VideoReader::VideoReader(VideoReader&&) noexcept = default;
VideoReader& VideoReader::operator=(VideoReader&&) noexcept = default;

VideoReader VideoReader::open(const fs::path& file) {
  if (!fs::exists(file)) throw Error(ErrorCode::io_error, "There is no video file '" + file.string() + "'.", "Check the path.");
  auto impl = std::make_unique<Impl>();
  // FFmpeg alone reads files: with CAP_ANY a file FFmpeg refuses goes on to OpenCV's other
  // back ends (GStreamer, the image-sequence reader, one that lists USB devices through
  // libusb and leaves that list allocated, which LeakSanitizer reports), each adding its own
  // complaint and none of them reading what FFmpeg cannot.
  if (!impl->capture.open(file.string(), cv::CAP_FFMPEG) || !impl->capture.isOpened())
    throw Error(ErrorCode::bad_input, "'" + file.string() + "' is not a video easel can decode.", "Use an avi, mp4, mkv or webm file.");
  impl->fps = impl->capture.get(cv::CAP_PROP_FPS);
  return VideoReader(std::move(impl));
}

VideoReader VideoReader::camera(int index) {
  auto impl = std::make_unique<Impl>();
  if (!impl->capture.open(index) || !impl->capture.isOpened())
    throw Error(ErrorCode::io_error, "Camera " + std::to_string(index) + " cannot be opened.",
                "Check that a camera is connected (ls /dev/video*).");
  impl->fps = impl->capture.get(cv::CAP_PROP_FPS);
  return VideoReader(std::move(impl));
}

bool VideoReader::read(Image& frame) {
  Impl& m = *impl_;
  if (!m.capture.read(m.bgr) || m.bgr.empty()) return false;
  ++m.index;
  const double position = m.capture.get(cv::CAP_PROP_POS_MSEC);
  m.timestamp = position > 0 || m.fps <= 0 ? position : m.index * 1000.0 / m.fps;
  cv::cvtColor(m.bgr, m.rgb, cv::COLOR_BGR2RGB);
  if (frame.width() != m.rgb.cols || frame.height() != m.rgb.rows) frame = Image(m.rgb.cols, m.rgb.rows);
  for (int y = 0; y < m.rgb.rows; ++y)
    std::memcpy(frame.data() + static_cast<std::size_t>(y) * m.rgb.cols * 3, m.rgb.ptr(y), static_cast<std::size_t>(m.rgb.cols) * 3);
  return true;
}

double VideoReader::fps() const { return impl_->fps; }
double VideoReader::timestamp_ms() const { return impl_->timestamp; }
int VideoReader::frame_index() const { return impl_->index; }
int VideoReader::frame_count() const { return std::max(0, static_cast<int>(impl_->capture.get(cv::CAP_PROP_FRAME_COUNT))); }

}  // namespace easel

namespace easel {

struct VideoWriter::Impl {
  cv::VideoWriter writer;
  fs::path file, temp;
  int width = 0, height = 0;
  cv::Mat bgr;
};

VideoWriter::VideoWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoWriter::VideoWriter(VideoWriter&&) noexcept = default;
VideoWriter& VideoWriter::operator=(VideoWriter&&) noexcept = default;
VideoWriter::~VideoWriter() {
  try {
    if (impl_) close();
  } catch (...) {
    // A destructor must not throw; close() explicitly to see the error.
  }
}

VideoWriter VideoWriter::create(const fs::path& file, int width, int height, double fps) {
  auto impl = std::make_unique<Impl>();
  const std::string ext = file.extension().string();
  int fourcc = 0;
  if (ext == ".mp4" || ext == ".m4v" || ext == ".mov") fourcc = cv::VideoWriter::fourcc('m', 'p', '4', 'v');
  else if (ext == ".avi") fourcc = cv::VideoWriter::fourcc('M', 'J', 'P', 'G');
  else throw Error(ErrorCode::bad_input, "Cannot write a video as '" + ext + "' (" + file.string() + ").", "Use .mp4 or .avi.");
  impl->file = file;
  impl->temp = file.parent_path() / (".tmp-" + file.stem().string() + "-" + std::to_string(::getpid()) + ext);
  impl->width = width;
  impl->height = height;
  if (!impl->writer.open(impl->temp.string(), fourcc, fps > 0 ? fps : 25.0, cv::Size(width, height)))
    throw Error(ErrorCode::io_error, "Cannot write the video '" + file.string() + "'.", "Check that its folder exists and is writable.");
  return VideoWriter(std::move(impl));
}

void VideoWriter::write(const Image& frame) {
  Impl& m = *impl_;
  if (!m.writer.isOpened()) throw Error(ErrorCode::bad_input, "The video '" + m.file.string() + "' is closed.");
  if (frame.width() != m.width || frame.height() != m.height)
    throw Error(ErrorCode::bad_input, "A " + std::to_string(frame.width()) + "x" + std::to_string(frame.height()) +
                                          " frame cannot go into the " + std::to_string(m.width) + "x" + std::to_string(m.height) +
                                          " video '" + m.file.string() + "'.");
  cv::Mat rgb(frame.height(), frame.width(), CV_8UC3, const_cast<std::uint8_t*>(frame.data()));
  cv::cvtColor(rgb, m.bgr, cv::COLOR_RGB2BGR);
  m.writer.write(m.bgr);
}

void VideoWriter::close() {
  Impl& m = *impl_;
  if (!m.writer.isOpened()) return;
  m.writer.release();
  std::error_code ec;
  fs::rename(m.temp, m.file, ec);
  if (ec) throw Error(ErrorCode::io_error, "Cannot move the finished video to '" + m.file.string() + "': " + ec.message());
}

}  // namespace easel
