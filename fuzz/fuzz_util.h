// What every fuzz target shares: the fuzzed bytes become a file in a scratch folder of this
// process (easel's loaders read files, as users give them), and a loader may answer only
// with easel::Error. Anything else escaping (std::bad_alloc, std::out_of_range, a
// nlohmann::json exception) is a bug the CLI would report as "this is a bug in easel", so
// it aborts the run and libFuzzer keeps the input.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "easel/error.h"

namespace easel::fuzz {

// This process's scratch folder, made once, removed at exit.
inline const std::filesystem::path& scratch() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path d = std::filesystem::temp_directory_path() / ("easel-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(std::filesystem::temp_directory_path() / ("easel-fuzz-" + std::to_string(::getpid())), ec);
    });
    return d;
  }();
  return dir;
}

// Writes `bytes` to scratch()/name and returns the path.
inline std::filesystem::path write(const std::string& name, std::string_view bytes) {
  const std::filesystem::path p = scratch() / name;
  std::ofstream(p, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p;
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) { return {reinterpret_cast<const char*>(data), size}; }

// A fuzz input holding several files: text files first, each ended by a NUL byte (JSON and
// CSV hold no raw NUL), then one binary file, the rest. Missing parts are empty.
inline std::vector<std::string_view> split_files(const std::uint8_t* data, std::size_t size, std::size_t parts) {
  std::string_view rest = as_text(data, size);
  std::vector<std::string_view> out;
  while (out.size() + 1 < parts) {
    const std::size_t nul = rest.find('\0');
    out.push_back(rest.substr(0, nul));
    rest = nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);
  }
  out.push_back(rest);
  return out;
}

// Runs a loader: an easel::Error with a message is a fine answer, unless it is
// ErrorCode::internal; anything else thrown aborts.
template <class F>
void expect_clean(F&& load) {
  try {
    load();
  } catch (const easel::Error& e) {
    if (std::string_view(e.what()).empty() || e.code() == easel::ErrorCode::internal) {
      std::fprintf(stderr, "easel::Error (%s): '%s'\n", easel::to_string(e.code()), e.what());
      std::abort();  // an internal error is easel saying it has a bug
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "not an easel::Error: %s\n", e.what());
    std::abort();
  }
}

}  // namespace easel::fuzz
