// .npy tensors (easel infer --input, features saved by scripts): header and data.
#include "easel/npy.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = easel::fuzz::write("input.npy", easel::fuzz::as_text(data, size));
  easel::fuzz::expect_clean([&] { easel::read_npy(file); });
  return 0;
}
