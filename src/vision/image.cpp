#include "easel/image.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cctype>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

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

namespace {

// The largest picture decoded whole: 2^27 pixels (134 megapixels, 400 MB as RGB). A JPEG
// past it is decoded at 1/2, 1/4 or 1/8 of its size (libjpeg scales while decoding); another
// format past it is refused, as is a JPEG still past it at 1/8.
constexpr std::uint64_t kMaxImagePixels = std::uint64_t{1} << 27;

struct Header {
  std::uint64_t width = 0, height = 0;  // 0: not read from the header
  bool cut_short = false;               // the file ends before the image does
};

std::uint32_t big_endian(const std::string& b, std::size_t at, int bytes) {
  std::uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}

// What the header of a JPEG or PNG says of its size, and whether its end is there (libjpeg
// decodes a JPEG cut in half as grey below the cut, saying so only on stderr).
Header read_header(const std::string& b) {
  Header h;
  if (b.size() >= 4 && static_cast<unsigned char>(b[0]) == 0xFF && static_cast<unsigned char>(b[1]) == 0xD8) {
    std::size_t i = 2;
    while (i + 9 < b.size() && static_cast<unsigned char>(b[i]) == 0xFF) {
      const unsigned marker = static_cast<unsigned char>(b[i + 1]);
      if (marker == 0xFF) {  // fill byte
        ++i;
        continue;
      }
      const std::size_t length = big_endian(b, i + 2, 2);
      if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
        h.height = big_endian(b, i + 5, 2);
        h.width = big_endian(b, i + 7, 2);
      }
      if (marker == 0xDA) {  // start of scan: the image's end marker must follow somewhere
        h.cut_short = b.find("\xFF\xD9", i + 2 + length) == std::string::npos;
        break;
      }
      i += 2 + length;
    }
    if (i + 9 >= b.size()) h.cut_short = true;  // no scan at all
  } else if (b.size() >= 24 && b.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0) {
    h.width = big_endian(b, 16, 4);
    h.height = big_endian(b, 20, 4);
    h.cut_short = b.rfind("IEND") == std::string::npos;
  }
  return h;
}

// Whether the bytes start as one of the formats easel reads: JPEG, PNG, BMP, WebP, TIFF or
// PNM. OpenCV's imdecode would try every decoder it was built with; Debian's includes GDCM
// (DICOM), which aborts the process on an assert for a hostile file (the fuzzer found one),
// and JPEG 2000, OpenEXR and others no photo of a user needs. Those never see a file.
bool is_supported_format(const std::string& b) {
  const auto starts = [&](std::string_view magic, std::size_t at = 0) { return b.size() >= at + magic.size() && b.compare(at, magic.size(), magic) == 0; };
  if (starts("\xFF\xD8\xFF") || starts("\x89PNG\r\n\x1a\n") || starts("BM") || (starts("RIFF") && starts("WEBP", 8))) return true;
  if (starts(std::string_view("II*\0", 4)) || starts(std::string_view("MM\0*", 4))) return true;
  return b.size() >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6' && std::isspace(static_cast<unsigned char>(b[2]));
}

}  // namespace

Image Image::load(const fs::path& file) {
  if (!fs::exists(file)) throw Error(ErrorCode::io_error, "There is no image file '" + file.string() + "'.", "Check the path.");
  const std::string bytes = detail::read_file(file);
  if (!is_supported_format(bytes))
    throw Error(ErrorCode::bad_input, "'" + file.string() + "' is not an image easel can read.", "Use a jpg, png, bmp, webp, tiff or pnm file.");
  const Header header = read_header(bytes);
  if (header.cut_short)
    throw Error(ErrorCode::bad_input, "The image '" + file.string() + "' is cut short: the file ends before the picture does.",
                "Copy or download it again.");
  int flags = cv::IMREAD_COLOR;
  const std::uint64_t pixels = header.width * header.height;
  if (pixels > kMaxImagePixels) {
    const bool jpeg = static_cast<unsigned char>(bytes[0]) == 0xFF;
    const int reduce = pixels <= kMaxImagePixels * 4 ? 2 : pixels <= kMaxImagePixels * 16 ? 4 : 8;
    if (!jpeg || pixels > kMaxImagePixels * 64)
      throw Error(ErrorCode::bad_input,
                  "The image '" + file.string() + "' is " + std::to_string(header.width) + " x " + std::to_string(header.height) +
                      " pixels, more than easel decodes (" + std::to_string(kMaxImagePixels >> 20) + " megapixels" +
                      (jpeg ? ", or 64 times that for a JPEG, read smaller" : "") + ").",
                  "Scale it down first (models see a few hundred pixels across).");
    flags = reduce == 2 ? cv::IMREAD_REDUCED_COLOR_2 : reduce == 4 ? cv::IMREAD_REDUCED_COLOR_4 : cv::IMREAD_REDUCED_COLOR_8;
  }
  cv::Mat bgr;
  try {
    const cv::Mat buffer(1, static_cast<int>(std::min<std::size_t>(bytes.size(), INT32_MAX)), CV_8U, const_cast<char*>(bytes.data()));
    bgr = cv::imdecode(buffer, flags);
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

Image Image::resized(int width, int height, bool smooth) const {
  if (width < 1 || height < 1 || static_cast<long long>(width) * height > (1LL << 27))
    throw Error(ErrorCode::bad_input, "Cannot resize an image to " + std::to_string(width) + "x" + std::to_string(height) + ".");
  if (empty()) throw Error(ErrorCode::bad_input, "Cannot resize an empty image.");
  Image out(width, height);
  const cv::Mat from(height_, width_, CV_8UC3, const_cast<std::uint8_t*>(pixels_.data()));
  cv::Mat to(height, width, CV_8UC3, out.data());
  const int how = !smooth ? cv::INTER_NEAREST : (width < width_ || height < height_) ? cv::INTER_AREA : cv::INTER_LINEAR;
  cv::resize(from, to, to.size(), 0, 0, how);
  return out;
}

Image Image::mirrored() const {
  Image out(width_, height_);
  for (int y = 0; y < height_; ++y) {
    const std::uint8_t* from = pixel(0, y);
    std::uint8_t* to = out.pixels_.data() + static_cast<std::size_t>(y) * width_ * 3;
    for (int x = 0; x < width_; ++x) std::memcpy(to + static_cast<std::size_t>(width_ - 1 - x) * 3, from + static_cast<std::size_t>(x) * 3, 3);
  }
  return out;
}

}  // namespace easel
