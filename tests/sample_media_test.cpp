// The sample media the setup script extracts from Debian packages is there and is what
// its name says (checked by file signature and size, not just existence).
#include <gtest/gtest.h>

#include <algorithm>

#include "easel/error.h"
#include "sample_media.h"
#include "test_util.h"

namespace {

std::string kind_of(const std::string& bytes) {
  if (bytes.starts_with("\xFF\xD8\xFF")) return "jpg";
  if (bytes.starts_with("\x89PNG")) return "png";
  if (bytes.starts_with("RIFF") && bytes.substr(8, 4) == "AVI ") return "avi";
  if (bytes.starts_with("RIFF") && bytes.substr(8, 4) == "WAVE") return "wav";
  if (bytes.starts_with("BM")) return "bmp";
  // A table: a first line of printable text naming columns between commas.
  const std::string first = bytes.substr(0, bytes.find('\n'));
  if (first.size() < bytes.size() && first.find(',') != std::string::npos &&
      std::all_of(first.begin(), first.end(), [](char c) { return c >= 32 && c < 127; }))
    return "csv";
  return "raw";
}

}  // namespace

class SampleMedia : public ::testing::TestWithParam<const char*> {};

TEST_P(SampleMedia, IsPresentAndMatchesItsType) {
  const std::string name = GetParam();
  auto path = easel::find_sample(name);
  std::string bytes = easel::test::slurp(path);
  EXPECT_GT(bytes.size(), 10000u) << path;
  std::string ext = name.substr(name.rfind('.') + 1);
  EXPECT_EQ(kind_of(bytes), ext) << path;
}

INSTANTIATE_TEST_SUITE_P(FromDebianPackages, SampleMedia,
                         ::testing::Values(
                             // opencv-doc
                             "fruits.jpg", "orange.jpg", "apple.jpg", "squirrel_cls.jpg", "messi5.jpg", "basketball1.png", "butterfly.jpg",
                             "starry_night.jpg", "digits.png", "vtest.avi", "Megamind.avi", "tree.avi",
                             // python3-skimage
                             "astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png",
                             // darknet
                             "dog.jpg", "eagle.jpg", "giraffe.jpg", "horses.jpg", "kite.jpg", "person.jpg", "scream.jpg",
                             // pocketsphinx-testdata (16 kHz 16-bit raw PCM)
                             "goforward.raw", "numbers.raw",
                             // r-cran-palmerpenguins
                             "penguins.csv",
                             // ../shared/media
                             "parrot.jpg", "yes.wav"),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& c : s)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return s;
                         });

TEST(SampleMediaLookup, UnknownSampleSaysHowToGetIt) {
  try {
    easel::find_sample("no_such_sample.jpg");
    FAIL();
  } catch (const easel::Error& e) {
    EXPECT_EQ(e.code(), easel::ErrorCode::bad_input);
    EXPECT_NE(e.hint().find("setup.sh"), std::string::npos);
  }
}
