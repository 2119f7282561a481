// What the generative tasks (style transfer, charRNN, CVAE) share: finding a model given
// as a store name or a path, the random numbers they draw, and UTF-8 characters.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace easel::detail {

// The file a model option names: a store name (its entry, files checked by sha256), a
// folder (its `file_in_folder`) or a file, found by locate_model(). Throws
// Error(model_not_found) for a path that is not there or a folder without that file.
std::filesystem::path locate_model_file(const std::string& model, const char* file_in_folder = "manifest.json");

// Tommy Ettinger's mulberry32: tiny, fast, and short enough to write the same in
// JavaScript, so a test can give ml5 the very numbers easel draws (tests/ml5_oracle):
//   a += 0x6D2B79F5; t = imul(a ^ a >>> 15, 1 | a); t = t + imul(t ^ t >>> 7, 61 | t) ^ t;
//   return ((t ^ t >>> 14) >>> 0) / 2^32
class Mulberry32 {
 public:
  explicit Mulberry32(std::uint32_t seed) : state_(seed) {}
  double next() {  // uniform in [0, 1)
    state_ += 0x6D2B79F5u;
    std::uint32_t t = (state_ ^ (state_ >> 15)) * (1u | state_);
    t = (t + ((t ^ (t >> 7)) * (61u | t))) ^ t;
    return static_cast<double>(t ^ (t >> 14)) / 4294967296.0;
  }

 private:
  std::uint32_t state_;
};

// A seed from the clock and the system's entropy, for "a different run every time".
std::uint32_t fresh_seed();

// The code points of UTF-8 text, each as its UTF-8 bytes (JavaScript's Array.from of a
// string, which ml5 uses). Invalid bytes come out one by one.
std::vector<std::string> utf8_characters(const std::string& text);

}  // namespace easel::detail
