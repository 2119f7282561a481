// MODEL.easel, the one file a trained model lives in: a JSON header (what the model is: its
// kind, labels, extractor, layers, metrics) and a payload of little-endian float32 arrays
// the header points into by offset and count. The payload's sha256 is in the header, so a
// damaged or truncated file is refused by name rather than giving wrong answers.
//
//   bytes 0..7   "EASELMDL"
//   bytes 8..11  format version (uint32 LE, 1)
//   bytes 12..19 header length in bytes (uint64 LE)
//   header       UTF-8 JSON
//   payload      float32 LE values to the end of the file
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace easel::learn {

// A model file being written: arrays are appended to the payload, and the header refers to
// them by the {"offset": N, "count": M} that add() returns.
class ModelFileWriter {
 public:
  nlohmann::json add(std::span<const float> values);
  // Fills in the payload's size and sha256 and writes the file atomically.
  void write(const std::filesystem::path& file, nlohmann::json header) const;

 private:
  std::vector<float> payload_;
};

class ModelFileReader {
 public:
  // Reads and checks the file (magic, version, sizes, the payload's sha256). Throws
  // Error(bad_model) naming the file and what is wrong.
  explicit ModelFileReader(const std::filesystem::path& file);
  const nlohmann::json& header() const { return header_; }
  // The array a header field points to ({"offset", "count"}), checked against `expected`
  // values when expected >= 0. `what` names the field in errors.
  std::vector<float> array(const nlohmann::json& ref, std::int64_t expected, const std::string& what) const;
  // A required header field of the given JSON type; throws naming it when absent or wrong.
  const nlohmann::json& field(const nlohmann::json& object, const std::string& name, nlohmann::json::value_t type,
                              const std::string& where) const;
  [[noreturn]] void fail(const std::string& problem) const;

 private:
  std::filesystem::path file_;
  nlohmann::json header_;
  std::vector<float> payload_;
};

// Whether a file starts as MODEL.easel does (its first eight bytes).
bool is_model_file(const std::filesystem::path& file);

}  // namespace easel::learn
