// Hostile and unusual pictures (issue 15): a JPEG or PNG cut short is an error in easel's
// words (libjpeg decoded the missing half as grey, and said so only on stderr); a header
// claiming 20,000 x 20,000 pixels is refused before any decoding; a JPEG past the pixel limit
// is decoded smaller, as libjpeg can; formats easel does not document never reach OpenCV.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <string>
#include <vector>

#include "easel/error.h"
#include "easel/image.h"
#include "sample_media.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace easel;

namespace {

std::string refusal(const fs::path& file) {
  return test::refusal([&] { Image::load(file); }, ErrorCode::bad_input, file);
}

}  // namespace

TEST(HostileImage, PicturesCutShortAreErrors) {
  test::ScratchDir dir;
  const std::string photo = test::slurp(find_sample("dog.jpg"));
  test::write(dir / "half.jpg", photo.substr(0, photo.size() / 2));
  EXPECT_NE(refusal(dir / "half.jpg").find("cut short"), std::string::npos);
  Image(64, 48).save(dir / "whole.png");
  const std::string png = test::slurp(dir / "whole.png");
  test::write(dir / "half.png", png.substr(0, png.size() - 20));
  EXPECT_NE(refusal(dir / "half.png").find("cut short"), std::string::npos);
  // The whole files still load.
  EXPECT_GT(Image::load(find_sample("dog.jpg")).width(), 0);
  EXPECT_EQ(Image::load(dir / "whole.png").width(), 64);
}

TEST(HostileImage, HugePicturesAreRefusedOrReadSmaller) {
  test::ScratchDir dir;
  // A PNG header of 20,000 x 20,000 (with a tiny body): refused before decoding.
  Image(8, 8).save(dir / "small.png");
  std::string png = test::slurp(dir / "small.png");
  for (int at : {16, 20}) {
    png[static_cast<std::size_t>(at)] = 0, png[static_cast<std::size_t>(at) + 1] = 0;
    png[static_cast<std::size_t>(at) + 2] = static_cast<char>(20000 >> 8), png[static_cast<std::size_t>(at) + 3] = static_cast<char>(20000 & 0xff);
  }
  test::write(dir / "huge.png", png);
  EXPECT_NE(refusal(dir / "huge.png").find("20000 x 20000 pixels"), std::string::npos);
  // A 12,000 x 12,000 JPEG (144 megapixels, past the 134 limit): read at half size.
  const cv::Mat big(12000, 12000, CV_8UC3, cv::Scalar(40, 80, 120));
  ASSERT_TRUE(cv::imwrite((dir / "big.jpg").string(), big));
  const Image read = Image::load(dir / "big.jpg");
  EXPECT_EQ(read.width(), 6000);
  EXPECT_EQ(read.height(), 6000);
  EXPECT_NEAR(read.data()[0], 120, 3);  // RGB from OpenCV's BGR
}

// OpenCV tries every decoder it was built with; Debian's GDCM (DICOM) aborted the process on
// an assert for a 200-byte file the fuzzer made. Only the formats easel documents reach
// OpenCV: others (DICOM, JPEG 2000, OpenEXR) are refused by name, and each documented format
// still loads.
TEST(HostileImage, OnlyTheDocumentedFormatsReachADecoder) {
  test::ScratchDir dir;
  const fs::path fuzzed = fs::path(EASEL_SOURCE_DIR) / "fuzz" / "regressions" / "image" / "dicom_header_asserts_in_gdcm.bin";
  EXPECT_NE(refusal(fuzzed).find("not an image easel can read"), std::string::npos);
  test::write(dir / "scan.dcm", std::string(128, '\0') + "DICM" + std::string(64, '\x02'));
  test::write(dir / "photo.jp2", std::string("\0\0\0\x0cjP  \r\n\x87\n", 12) + std::string(64, '\x01'));
  test::write(dir / "light.exr", std::string("\x76\x2f\x31\x01", 4) + std::string(64, '\x01'));
  for (const char* f : {"scan.dcm", "photo.jp2", "light.exr"}) {
    SCOPED_TRACE(f);
    EXPECT_NE(refusal(dir / f).find("not an image easel can read"), std::string::npos);
  }
  const Image photo = Image::load(find_sample("dog.jpg"));
  for (const char* f : {"a.png", "a.bmp", "a.webp", "a.tiff", "a.ppm"}) {
    SCOPED_TRACE(f);
    photo.save(dir / f);
    EXPECT_EQ(Image::load(dir / f).width(), photo.width());
  }
}
