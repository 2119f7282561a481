// A zip (a dataset of class folders, a Teachable Machine download): unpacked with easel's
// path and size checks into a fresh folder, under limits small enough for a fuzzer.
#include <filesystem>

#include "core/zip_archive.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace f = easel::fuzz;
  const auto zip = f::write("input.zip", f::as_text(data, size));
  const auto dest = f::scratch() / "unpacked";
  std::filesystem::remove_all(dest);
  easel::detail::ZipLimits limits;
  limits.max_total_bytes = 64 << 20;
  limits.max_file_bytes = 16 << 20;
  f::expect_clean([&] { easel::detail::unpack_zip(zip, dest, {}, limits); });
  // Nothing may land outside the destination.
  for (const auto& entry : std::filesystem::directory_iterator(f::scratch()))
    if (entry.path() != zip && entry.path() != dest) {
      std::fprintf(stderr, "unpack_zip wrote %s outside its destination\n", entry.path().c_str());
      std::abort();
    }
  return 0;
}
