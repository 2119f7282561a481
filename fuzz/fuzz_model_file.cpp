// MODEL.easel, a trained classifier's one file. Its payload's sha256 sits in the header, so
// random bytes would rarely get past that check: an input is the header JSON, NUL, the
// payload, and the file is framed here ("EASELMDL", version, header length) with the
// header's payload count and sha256 filled in when it is a JSON object. An input that
// starts with the magic itself is written as it is, to fuzz the framing too.
#include <nlohmann/json.hpp>

#include "core/sha256.h"
#include "easel/training.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace f = easel::fuzz;
  std::string file_bytes(f::as_text(data, size));
  if (!file_bytes.starts_with("EASELMDL")) {
    const auto parts = f::split_files(data, size, 2);
    std::string header(parts[0]);
    nlohmann::json h = nlohmann::json::parse(header, nullptr, false);
    if (h.is_object()) {
      h["payload"] = {{"count", parts[1].size() / 4}, {"sha256", easel::detail::sha256_hex(parts[1])}};
      header = h.dump();
    }
    file_bytes = "EASELMDL";
    const std::uint32_t version = 1;
    const std::uint64_t length = header.size();
    file_bytes.append(reinterpret_cast<const char*>(&version), 4);  // little-endian machines
    file_bytes.append(reinterpret_cast<const char*>(&length), 8);
    file_bytes += header;
    file_bytes += parts[1];
  }
  const auto file = f::write("model.easel", file_bytes);
  f::expect_clean([&] { easel::TrainedClassifier::load(file); });
  return 0;
}
