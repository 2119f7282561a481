// Photos: every format OpenCV decodes (JPEG, PNG, BMP, WebP, ...), through Image::load's
// size checks and truncation reports.
#include "easel/image.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = easel::fuzz::write("photo", easel::fuzz::as_text(data, size));
  easel::fuzz::expect_clean([&] { easel::Image::load(file); });
  return 0;
}
