// easel_bench_int8: quantized TFLite models run by the int8 engine (oneDNN u8/s8
// kernels, ModelOptions::int8, the default) against the same file on the
// dequantize-to-float path (int8 = false), same input, at 1 thread and at all cores:
// median ms (the two timed in alternation, see time_pair_ms), GFLOP/s and the speed-up.
// Writes bench/results/int8.json.
#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "core/files.h"
#include "easel/model.h"

namespace fs = std::filesystem;

using easel::bench::time_pair_ms;

int main(int argc, char** argv) {
  int runs = 30;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--runs") runs = std::stoi(argv[++i]);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const fs::path shared = fs::path(EASEL_SOURCE_DIR).parent_path() / "shared" / "models";
  const std::vector<fs::path> models = {
      shared / "mobilenet-v2-quant-coral" / "mobilenet_v2_1.0_224_quant.tflite",
      shared / "mobilenet-v1-025-quant-coral" / "mobilenet_v1_0.25_128_quant.tflite",
      shared / "mobilenet-v1-embedding-coral" / "mobilenet_v1_1.0_224_quant_embedding_extractor.tflite",
      shared / "deeplabv3-mnv2-dm05-pascal-coral" / "deeplabv3_mnv2_dm05_pascal_quant.tflite",
      shared / "kws-dscnn-mlperf-tiny" / "kws_ref_model.tflite",
  };
  std::printf("%-48s %8s %7s %9s %9s %9s %9s %8s\n", "model", "GFLOPs", "threads", "int8 ms", "float ms", "int8 GF/s", "float GF/s",
              "speed-up");
  std::ostringstream json;
  json << "{\n  \"cores\": " << cores << ",\n  \"runs\": " << runs << ",\n  \"models\": [\n";
  bool first = true;
  for (const fs::path& file : models) {
    if (!fs::exists(file)) continue;
    easel::Model probe = easel::Model::load(file.string(), {.int8 = false});
    const easel::TensorInfo info = probe.inputs().at(0);
    easel::Tensor x(info.dtype == easel::DType::u8 ? easel::DType::u8 : easel::DType::i8, info.shape);
    std::mt19937 rng(3);
    std::uniform_int_distribution<int> u(0, 255);
    for (std::int64_t i = 0; i < x.size(); ++i) x.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(u(rng));  // same bytes for int8
    const double gflops = probe.stats({info.shape}).flops / 1e9;
    for (int threads : {1, cores}) {
      easel::Model int8 = easel::Model::load(file.string(), {.threads = threads});
      easel::Model fallback = easel::Model::load(file.string(), {.threads = threads, .int8 = false});
      const auto [a, b] = time_pair_ms([&] { int8.run({x}); }, [&] { fallback.run({x}); }, runs);
      std::printf("%-48s %8.3f %7d %9.3f %9.3f %9.1f %9.1f %7.2fx\n", file.filename().c_str(), gflops, threads, a, b, gflops / a * 1e3,
                  gflops / b * 1e3, b / a);
      json << (first ? "" : ",\n") << "    {\"model\": \"" << file.filename().string() << "\", \"gflops\": " << gflops
           << ", \"threads\": " << threads << ", \"int8_ms\": " << a << ", \"float_ms\": " << b
           << ", \"int8_gflops_per_s\": " << gflops / a * 1e3 << ", \"float_gflops_per_s\": " << gflops / b * 1e3
           << ", \"speedup\": " << b / a << "}";
      first = false;
    }
  }
  json << "\n  ]\n}\n";
  const fs::path out = fs::path(EASEL_SOURCE_DIR) / "bench" / "results" / "int8.json";
  easel::detail::write_file_atomic(out, json.str());
  std::printf("\nwritten: %s\n", out.c_str());
  return 0;
}
