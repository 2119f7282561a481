// easel_fuzz_replay TARGET FILE|FOLDER...: runs fuzz targets' inputs through the same code
// the fuzzers run, built by the project's own compiler without libFuzzer. The tests replay
// fuzz/regressions/TARGET/ (every input that once crashed easel) this way, in the release
// and sanitizer builds. Each fuzz_TARGET.cpp is compiled here with its entry point renamed
// to easel_fuzz_TARGET (tests/CMakeLists.txt, which writes the list of targets too).
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_targets.h"  // EASEL_FUZZ_TARGETS(X): X(npy) X(image) ..., from the CMake list

#define DECLARE(t) extern "C" int easel_fuzz_##t(const std::uint8_t*, std::size_t);
EASEL_FUZZ_TARGETS(DECLARE)
#undef DECLARE

int main(int argc, char** argv) {
  using Entry = int (*)(const std::uint8_t*, std::size_t);
  const std::map<std::string, Entry> targets = {
#define ENTRY(t) {#t, &easel_fuzz_##t},
      EASEL_FUZZ_TARGETS(ENTRY)
#undef ENTRY
  };
  if (argc < 3 || !targets.contains(argv[1])) {
    std::fprintf(stderr, "usage: easel_fuzz_replay TARGET FILE|FOLDER...\n");
    return 2;
  }
  std::vector<std::filesystem::path> inputs;
  for (int i = 2; i < argc; ++i) {
    if (std::filesystem::is_directory(argv[i])) {
      for (const auto& e : std::filesystem::directory_iterator(argv[i])) inputs.push_back(e.path());
    } else {
      inputs.emplace_back(argv[i]);
    }
  }
  for (const auto& file : inputs) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    const std::string bytes = s.str();
    std::printf("replay %s %s (%zu bytes)\n", argv[1], file.filename().c_str(), bytes.size());
    std::fflush(stdout);
    targets.at(argv[1])(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("replayed %zu input(s): none crashed\n", inputs.size());
  return inputs.empty() ? 1 : 0;
}
