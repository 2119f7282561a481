#include "nn/import/tfjs_weights.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <functional>

#include "core/files.h"
#include "core/half.h"
#include "easel/error.h"

namespace fs = std::filesystem;

namespace easel::nn {
namespace {

std::size_t stored_size(const std::string& dtype) {
  if (dtype == "float32" || dtype == "int32") return 4;
  if (dtype == "uint16" || dtype == "float16") return 2;
  if (dtype == "uint8" || dtype == "bool" || dtype == "int8") return 1;
  return 0;
}

using Fail = std::function<Error(const std::string&)>;

std::map<std::string, Tensor> load_weights(const nlohmann::json& manifest, const fs::path& model_json, const Fail& fail) {
  std::map<std::string, Tensor> weights;
  for (std::size_t g = 0; g < manifest.size(); ++g) {
    const auto& group = manifest[g];
    if (!group.is_object() || !group.contains("paths") || !group.contains("weights") || !group["paths"].is_array() ||
        !group["weights"].is_array())
      throw fail("group " + std::to_string(g) + " needs the lists 'paths' and 'weights'");
    // A group's shards are one byte stream cut into files.
    std::string bytes, shards;  // shards: the file names, for messages
    for (const auto& p : group["paths"]) {
      if (!p.is_string()) throw fail("group " + std::to_string(g) + " has a path that is not a string");
      std::string rel = p.get<std::string>();
      if (rel.empty() || rel.front() == '/' || rel.find("..") != std::string::npos)
        throw fail("shard path '" + rel + "' must stay beside model.json");
      fs::path shard = model_json.parent_path() / rel;
      if (!fs::is_regular_file(shard)) throw fail("shard '" + shard.string() + "' is missing");
      bytes += detail::read_file(shard);
      shards += (shards.empty() ? "" : ", ") + rel;
    }
    std::size_t offset = 0;
    for (const auto& w : group["weights"]) {
      std::string name = w.value("name", "");
      if (name.empty()) throw fail("a weight in group " + std::to_string(g) + " has no name");
      std::string dtype = w.value("dtype", "float32");
      Shape shape;
      try {
        shape = w.at("shape").get<Shape>();
      } catch (const nlohmann::json::exception&) {
        throw fail("weight '" + name + "' has no valid 'shape'");
      }
      for (auto d : shape)
        if (d < 0) throw fail("weight '" + name + "' has a negative dimension");
      std::string stored = dtype;
      double scale = 1, min = 0;
      if (w.contains("quantization")) {
        const auto& q = w["quantization"];
        stored = q.value("dtype", "");
        scale = q.value("scale", 1.0);
        min = q.value("min", 0.0);
      }
      std::size_t elem = stored_size(stored);
      if (elem == 0) throw fail("weight '" + name + "' has unsupported dtype '" + stored + "'");
      // Element count, saturating: a corrupt shape such as [1e18, 1e18] must fail the
      // size check below instead of overflowing into a small allocation.
      std::uint64_t count = 1;
      for (auto d : shape) {
        const auto ud = static_cast<std::uint64_t>(d);
        count = (ud == 0 || count == 0) ? 0 : (count > (std::uint64_t{1} << 60) / ud ? (std::uint64_t{1} << 60) : count * ud);
      }
      const auto n = static_cast<std::int64_t>(count);
      const std::size_t need = static_cast<std::size_t>(count) * elem;
      if (offset + need > bytes.size())
        throw fail("the shards of group " + std::to_string(g) + " (" + shards + ") hold " + std::to_string(bytes.size()) +
                   " bytes, but weight '" + name + "' needs bytes " + std::to_string(offset) + ".." + std::to_string(offset + need));
      const char* src = bytes.data() + offset;
      Tensor t;
      if (dtype == "int32" && stored == "int32") {
        t = Tensor(DType::i32, shape);
        std::memcpy(t.raw(), src, need);
      } else if (dtype == "bool") {
        t = Tensor(DType::boolean, shape);
        for (std::int64_t i = 0; i < n; ++i) t.data<bool>()[i] = src[i] != 0;
      } else if (stored == "float32") {
        t = Tensor(DType::f32, shape);
        std::memcpy(t.raw(), src, need);
      } else {
        // Quantized: uint8/uint16 are affine (q * scale + min), float16 is IEEE half.
        t = Tensor(dtype == "int32" ? DType::i32 : DType::f32, shape);
        for (std::int64_t i = 0; i < n; ++i) {
          double v;
          if (stored == "uint8") v = static_cast<unsigned char>(src[i]) * scale + min;
          else if (stored == "uint16") {
            std::uint16_t q;
            std::memcpy(&q, src + 2 * i, 2);
            v = q * scale + min;
          } else if (stored == "float16") {
            std::uint16_t h;
            std::memcpy(&h, src + 2 * i, 2);
            v = detail::half_to_float(h);
          } else {
            throw fail("weight '" + name + "' is quantized as '" + stored + "', which easel cannot read");
          }
          if (t.dtype() == DType::i32) t.data<std::int32_t>()[i] = static_cast<std::int32_t>(std::lround(v));
          else t.data<float>()[i] = static_cast<float>(v);
        }
      }
      offset += need;
      weights[name] = std::move(t);
    }
    if (offset != bytes.size())
      throw fail("the shards of group " + std::to_string(g) + " (" + shards + ") hold " + std::to_string(bytes.size()) +
                 " bytes but the weights use " + std::to_string(offset) + " (wrong shard size?)");
  }
  return weights;
}

}  // namespace

std::map<std::string, Tensor> load_tfjs_weights(const nlohmann::json& manifest, const fs::path& model_json) {
  const std::string file = model_json.string();
  Fail fail = [&](const std::string& what) -> Error {
    return Error(ErrorCode::bad_model, "Weights of '" + file + "': " + what + ".",
                 "Re-export the model, or check that every .bin file beside model.json is complete.");
  };
  if (!manifest.is_array()) throw fail("'weightsManifest' must be an array");
  // Fields of the wrong JSON type (a numeric name, a string scale...) make the
  // accessors throw nlohmann::json exceptions; they are bad models too.
  try {
    return load_weights(manifest, model_json, fail);
  } catch (const nlohmann::json::exception& e) {
    throw fail(std::string("malformed 'weightsManifest' (") + e.what() + ")");
  }
}

}  // namespace easel::nn
