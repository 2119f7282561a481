#include "easel/image.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstring>

#include "core/files.h"
#include "easel/error.h"

namespace fs = std::filesystem;

namespace easel {

Image::Image(int width, int height) : width_(width), height_(height) {
  if (width < 0 || height < 0)
    throw Error(ErrorCode::bad_input, "An image cannot be " + std::to_string(width) + "x" + std::to_string(height) + ".");
  pixels_.assign(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3, 0);
}

Image::Image(int width, int height, const std::uint8_t* rgb) : Image(width, height) {
  if (!pixels_.empty()) std::memcpy(pixels_.data(), rgb, pixels_.size());
}

Image Image::load(const fs::path& file) {
  if (!fs::exists(file)) throw Error(ErrorCode::io_error, "There is no image file '" + file.string() + "'.", "Check the path.");
  cv::Mat bgr;
  try {
    bgr = cv::imread(file.string(), cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    throw Error(ErrorCode::bad_input, "Could not decode the image '" + file.string() + "': " + e.what());
  }
  if (bgr.empty())
    throw Error(ErrorCode::bad_input, "'" + file.string() + "' is not an image easel can read.",
                "Use a jpg, png, bmp, webp, tiff or pnm file.");
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  Image image(rgb.cols, rgb.rows);
  for (int y = 0; y < rgb.rows; ++y)
    std::memcpy(image.data() + static_cast<std::size_t>(y) * rgb.cols * 3, rgb.ptr(y), static_cast<std::size_t>(rgb.cols) * 3);
  return image;
}

void Image::save(const fs::path& file) const {
  if (empty()) throw Error(ErrorCode::bad_input, "Cannot save an empty image to '" + file.string() + "'.");
  cv::Mat rgb(height_, width_, CV_8UC3, const_cast<std::uint8_t*>(pixels_.data())), bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<unsigned char> bytes;
  std::string ext = file.extension().string();
  if (ext.empty()) ext = ".png";
  bool ok = false;
  try {
    ok = cv::imencode(ext, bgr, bytes);
  } catch (const cv::Exception&) {
    ok = false;
  }
  if (!ok) throw Error(ErrorCode::bad_input, "Cannot write an image as '" + ext + "' (" + file.string() + ").", "Use .png, .jpg or .bmp.");
  detail::write_file_atomic(file, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace easel
