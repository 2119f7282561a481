// easel_bench_onnx: ONNX models side by side, in one run, with onnxruntime-node
// (bench/ort_bench.js) and OpenCV DNN (readNetFromONNX, Debian's libopencv-dnn), on the
// same input at 1 thread and at all cores: median ms, GFLOP/s and the ratios. The models:
// YOLOX-nano, and openWakeWord's two feature models that sound training runs (the mel front
// end on a second of sound, the speech embedding on 76 frames), from the model cache.
// Writes bench/results/onnx.json.
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "core/files.h"
#include "core/process.h"
#include "easel/error.h"
#include "easel/model.h"
#include "easel/model_store.h"
#include "easel/npy.h"

namespace fs = std::filesystem;

namespace {

using easel::bench::time_ms;

double time_ort(const fs::path& model, const fs::path& input, int threads, int runs) {
  auto r = easel::detail::run_process({"node", std::string(EASEL_SOURCE_DIR) + "/bench/ort_bench.js", "--model", model.string(), "--input",
                                       input.string(), "--runs", std::to_string(runs), "--threads", std::to_string(threads)});
  const auto pos = r.output.find("\"median_ms\":");
  return r.exit_code == 0 && pos != std::string::npos ? std::stod(r.output.substr(pos + 12)) : -1;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 20;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--runs") runs = std::stoi(argv[++i]);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const fs::path shared = fs::path(EASEL_SOURCE_DIR).parent_path() / "shared" / "models";
  struct Bench {
    fs::path file;
    easel::Shape shape;  // empty: the model's own, free sizes 1
  };
  std::vector<Bench> models = {{shared / "yolox-nano-coco" / "yolox_nano.onnx", {}}};
  try {
    const fs::path oww = easel::ModelStore().get("speech-embedding").dir;
    models.push_back({oww / "melspectrogram.onnx", {1, 16000}});
    models.push_back({oww / "embedding_model.onnx", {1, 76, 32, 1}});
  } catch (const easel::Error& e) {
    std::fprintf(stderr, "speech-embedding is not here (%s): its models are left out\n", e.what());
  }
  easel::detail::TempDir tmp(fs::temp_directory_path(), "easel-bench-onnx-");
  std::printf("%-16s %8s %7s %10s %10s %10s %9s %9s\n", "model", "GFLOPs", "threads", "easel ms", "ort ms", "opencv ms", "vs ort",
              "vs opencv");
  std::ostringstream json;
  json << "{\n  \"cores\": " << cores << ",\n  \"runs\": " << runs << ",\n  \"models\": [\n";
  bool first = true;
  for (const auto& [file, given] : models) {
    if (!fs::exists(file)) continue;
    easel::Model probe = easel::Model::load(file.string());
    easel::Shape shape = given.empty() ? probe.inputs().at(0).shape : given;
    for (auto& d : shape) d = d < 0 ? 1 : d;
    easel::Tensor x(easel::DType::f32, shape);
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(0, 255);
    for (std::int64_t i = 0; i < x.size(); ++i) x.data<float>()[i] = u(rng);
    const fs::path input = tmp.path() / "x.npy";
    easel::write_npy(input, x);
    const double gflops = probe.stats({shape}).flops / 1e9;
    for (int threads : {1, cores}) {
      easel::Model m = easel::Model::load(file.string(), {.threads = threads});
      const double ours = time_ms([&] { m.run({x}); }, runs);
      const double ort = time_ort(file, input, threads, runs);
      cv::setNumThreads(threads);
      double opencv = -1;  // -1: OpenCV DNN cannot read or run it
      try {
        cv::dnn::Net net = cv::dnn::readNetFromONNX(file.string());
        std::vector<int> dims(shape.begin(), shape.end());
        cv::Mat blob(static_cast<int>(dims.size()), dims.data(), CV_32F, x.data<float>());
        opencv = time_ms(
            [&] {
              net.setInput(blob);
              net.forward();
            },
            runs);
      } catch (const cv::Exception&) {
      }
      std::printf("%-16s %8.3f %7d %10.2f %10.2f %10.2f %8.2fx %8.2fx\n", file.stem().c_str(), gflops, threads, ours, ort, opencv,
                  ort > 0 ? ort / ours : 0, opencv > 0 ? opencv / ours : 0);
      json << (first ? "" : ",\n") << "    {\"model\": \"" << file.filename().string() << "\", \"gflops\": " << gflops
           << ", \"threads\": " << threads << ", \"easel_ms\": " << ours << ", \"onnxruntime_ms\": " << ort
           << ", \"opencv_dnn_ms\": " << opencv << ", \"speedup_vs_onnxruntime\": " << (ort > 0 ? ort / ours : 0)
           << ", \"speedup_vs_opencv_dnn\": " << (opencv > 0 ? opencv / ours : 0) << "}";
      first = false;
    }
  }
  json << "\n  ]\n}\n";
  const fs::path out = fs::path(EASEL_SOURCE_DIR) / "bench" / "results" / "onnx.json";
  easel::detail::write_file_atomic(out, json.str());
  std::printf("\nwritten: %s\n", out.c_str());
  return 0;
}
