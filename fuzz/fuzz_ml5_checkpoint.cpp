// ml5's checkpoint layout (style transfer, charRNN): a manifest.json naming one raw float32
// file per variable, and charRNN's vocab.json. A fuzz input holds the manifest, a NUL, the
// vocabulary, a NUL, then the variables' bytes end to end: each variable the manifest names
// (in the order the importer reads them, by name) takes as many bytes as its shape needs,
// or what is left, under its file name when that is a plain name (the loader itself must
// refuse the others). The model is loaded and planned, run when small, and a charRNN is
// asked for a few characters.
#include <nlohmann/json.hpp>

#include "easel/char_rnn.h"
#include "fuzz_model_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fs = std::filesystem;
  const auto parts = easel::fuzz::split_files(data, size, 3);
  const fs::path dir = easel::fuzz::scratch() / "checkpoint";
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  const std::string manifest(parts[0]);
  const auto doc = nlohmann::json::parse(manifest, nullptr, false);
  std::string_view blob = parts[2];
  if (doc.is_object()) {
    for (const auto& [name, entry] : doc.items()) {
      if (!entry.is_object() || !entry.contains("filename") || !entry["filename"].is_string()) continue;
      const std::string file = entry["filename"].get<std::string>();
      if (file.empty() || file == "." || file == ".." || file.find('/') != std::string::npos || file.find('\0') != std::string::npos) continue;
      std::size_t want = blob.size();
      if (entry.contains("shape") && entry["shape"].is_array()) {
        double n = 4;
        for (const auto& d : entry["shape"]) n *= d.is_number() ? d.get<double>() : 0;
        if (n >= 0 && n < static_cast<double>(blob.size())) want = static_cast<std::size_t>(n);
      }
      std::ofstream(dir / file, std::ios::binary).write(blob.data(), static_cast<std::streamsize>(want));
      blob.remove_prefix(want);
    }
  }
  std::ofstream(dir / "manifest.json", std::ios::binary) << manifest;
  std::ofstream(dir / "vocab.json", std::ios::binary) << parts[1];
  easel::fuzz::load_plan_and_run((dir / "manifest.json").string());
  easel::fuzz::expect_clean([&] {
    easel::CharRnn rnn = easel::CharRnn::create({.model = dir.string(), .random_seed = 1});
    if (!rnn.vocabulary().empty() && !rnn.vocabulary()[0].empty()) rnn.generate({.seed = rnn.vocabulary()[0], .length = 3});
  });
  return 0;
}
