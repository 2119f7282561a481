// Training benchmark (issue 14): how fast examples become features, and how fast
// Teachable Machine's head trains on them, beside TF.js layers training the same head on the
// same embeddings under node (wasm backend) in the same run.
//
//   build/bench/easel_bench_training [--runs 3] [--no-peer]
//
// 1. Extraction: 100 frames of vtest.avi (768 x 576) saved as JPEG, through Teachable
//    Machine's base: images per second, JPEG decoding included, at 1 thread and at all cores;
//    then again from the feature cache.
// 2. Head training: the embeddings of opencv's 5,000 handwritten digits (10 classes),
//    1,000 and 10,000 of them (the 5,000 twice), 50 epochs of batches of 16, no validation
//    split. easel's median over --runs, alternated run by run with TF.js's; TF.js trains 5
//    epochs (1,000) or 1 epoch (10,000) per run, as its 50 would take minutes, and the ratio
//    is taken per epoch. FLOPs: 2 per multiply-add, forward and both backward products.
// Writes bench/results/training.json.
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "core/files.h"
#include "easel/npy.h"
#include "easel/training.h"
#include "easel/video.h"
#include "machine.h"
#include "sample_media.h"

namespace fs = std::filesystem;
using easel::bench::median;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Digit i of class d from digits.png (20 x 20 cells; five rows of 100 a class).
easel::Image digit(const easel::Image& sheet, int d, int i) {
  const int x0 = (i % 100) * 20, y0 = (d * 5 + i / 100) * 20;
  std::vector<std::uint8_t> rgb;
  for (int y = y0; y < y0 + 20; ++y) rgb.insert(rgb.end(), sheet.pixel(x0, y), sheet.pixel(x0, y) + 60);
  return easel::Image(20, 20, rgb.data());
}

struct PeerResult {
  bool ok = false;
  double ms_per_epoch = 0;
};

PeerResult run_peer(const fs::path& x, const fs::path& y, int epochs) {
  const fs::path script = fs::path(EASEL_SOURCE_DIR) / "bench" / "tfjs_train.js";
  const std::string cmd = "node '" + script.string() + "' --x '" + x.string() + "' --y '" + y.string() + "' --epochs " + std::to_string(epochs) +
                          " --batch 16 --backend wasm";
  const nlohmann::json j = easel::bench::run_peer(cmd);
  if (j.is_null()) return {};
  return {true, j.value("ms_per_epoch", 0.0)};
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 3;
  bool peer = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--no-peer") peer = false;
    else {
      std::fprintf(stderr, "usage: easel_bench_training [--runs N] [--no-peer]\n");
      return 2;
    }
  }
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const double peak1 = easel::bench::sgemm_peak_gflops(1, cores), peak = easel::bench::sgemm_peak_gflops(cores, 1);
  std::printf("machine: %s, %d cores; oneDNN sgemm peak %.1f GFLOP/s (1 thread), %.1f GFLOP/s (%d threads)\n\n",
              easel::bench::cpu_name().c_str(), cores, peak1, peak, cores);
  nlohmann::ordered_json result = {{"machine", easel::bench::cpu_name()}, {"cores", cores}, {"sgemm_peak_gflops_1t", peak1},
                                   {"sgemm_peak_gflops", peak}, {"runs", runs}};

  easel::detail::TempDir tmp(fs::temp_directory_path(), "easel-bench-training-");
  // 1. Extraction.
  {
    auto video = easel::VideoReader::open(easel::find_sample("vtest.avi"));
    easel::Image frame;
    const fs::path dir = tmp.path() / "frames" / "street";
    fs::create_directories(dir);
    int frames = 0;
    for (; frames < 100 && video.read(frame); ++frames) frame.save(dir / ("frame" + std::to_string(1000 + frames) + ".jpg"));
    const easel::Dataset data = easel::Dataset::from_folders({{"street", dir}});
    nlohmann::ordered_json extraction = {{"images", frames}, {"size", "768x576 JPEG"}, {"extractor", "tm-image-2019"}};
    for (int threads : {1, cores}) {
      auto extractor = easel::FeatureExtractor::create({.threads = threads});
      easel::ExtractOptions none;
      none.use_cache = false;
      extractor.extract(easel::Image::load(data.files[0].file));  // warm up
      std::vector<double> rates;
      for (int r = 0; r < runs; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto e = easel::extract_examples(extractor, data, none);
        rates.push_back(static_cast<double>(e.size()) / seconds_since(t0));
      }
      std::printf("extraction, %d thread%s: %.1f images/s (decoding included)\n", threads, threads > 1 ? "s" : "", median(rates));
      extraction[threads == 1 ? "images_per_s_1t" : "images_per_s"] = median(rates);
    }
    auto extractor = easel::FeatureExtractor::create();
    easel::ExtractOptions cached;
    cached.cache_dir = tmp.path() / "cache";
    easel::extract_examples(extractor, data, cached);  // fills the cache
    std::vector<double> rates;
    for (int r = 0; r < runs; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto e = easel::extract_examples(extractor, data, cached);
      rates.push_back(static_cast<double>(e.size()) / seconds_since(t0));
    }
    std::printf("extraction from the cache: %.0f images/s\n\n", median(rates));
    extraction["cached_images_per_s"] = median(rates);
    result["extraction"] = extraction;
  }

  // 2. Head training.
  auto extractor = easel::FeatureExtractor::create();
  const easel::Image sheet = easel::Image::load(easel::find_sample("digits.png"));
  easel::Examples digits;
  digits.extractor = extractor.name();
  digits.extractor_checksum = extractor.checksum();
  for (int i = 0; i < 500; ++i)
    for (int d = 0; d < 10; ++d) digits.add(extractor.extract(digit(sheet, d, i)), std::to_string(d));
  nlohmann::ordered_json heads = nlohmann::ordered_json::array();
  std::printf("%-10s %8s %12s %12s %9s %8s %16s %8s\n", "examples", "threads", "easel s/50ep", "ms/epoch", "GFLOP/s", "%peak", "tfjs ms/epoch", "ratio");
  for (const std::size_t n : {std::size_t{1000}, std::size_t{10000}}) {
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < n; ++i) rows.push_back(i % digits.size());
    const easel::Examples set = digits.subset(rows);
    easel::Tensor x(easel::DType::f32, {static_cast<std::int64_t>(n), set.length}), y(easel::DType::f32, {static_cast<std::int64_t>(n), 10});
    std::copy(set.features.begin(), set.features.end(), x.data<float>());
    std::fill(y.data<float>(), y.data<float>() + y.size(), 0.f);
    for (std::size_t i = 0; i < n; ++i) y.data<float>()[i * 10 + static_cast<std::size_t>(set.classes[i])] = 1.f;
    easel::write_npy(tmp.path() / "x.npy", x);
    easel::write_npy(tmp.path() / "y.npy", y);
    const int peer_epochs = n >= 10000 ? 1 : 5;
    // Multiply-adds per example: forward 1280x100 + 100x10; backward twice that (weights and
    // inputs), less the input gradient of the first layer, which is not needed.
    const double flops_per_epoch = 2.0 * static_cast<double>(n) * (3.0 * (1280 * 100 + 100 * 10) - 1280 * 100);
    std::vector<double> peer_ms;
    for (int threads : {1, cores}) {
      omp_set_num_threads(threads);
      easel::TrainOptions options;
      options.validation_fraction = 0;
      std::vector<double> seconds;
      for (int r = 0; r < runs; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        easel::TrainedClassifier::train(set, options);
        seconds.push_back(seconds_since(t0));
        if (peer && threads == cores) {
          const PeerResult p = run_peer(tmp.path() / "x.npy", tmp.path() / "y.npy", peer_epochs);
          if (p.ok) peer_ms.push_back(p.ms_per_epoch);
        }
      }
      const double s = median(seconds), ms_epoch = s * 1000 / 50, gflops = flops_per_epoch / (ms_epoch * 1e6);
      const double p = peer_ms.empty() ? 0 : median(peer_ms);
      const double ratio = p > 0 ? p / ms_epoch : 0;
      std::printf("%-10zu %8d %12.3f %12.2f %9.1f %7.1f%% %16.1f %8.1f\n", n, threads, s, ms_epoch, gflops,
                  100 * gflops / (threads == 1 ? peak1 : peak), p, ratio);
      nlohmann::ordered_json row = {{"examples", n}, {"threads", threads}, {"epochs", 50}, {"batch", 16}, {"seconds", s},
                                    {"ms_per_epoch", ms_epoch}, {"gflops_per_epoch", flops_per_epoch / 1e9}, {"achieved_gflops_per_s", gflops},
                                    {"share_of_peak", gflops / (threads == 1 ? peak1 : peak)}};
      if (threads == cores && p > 0)
        row["tfjs_wasm"] = {{"epochs_per_run", peer_epochs}, {"ms_per_epoch", p}, {"ratio_per_epoch", ratio}};
      heads.push_back(row);
    }
  }
  result["head_training"] = heads;
  easel::detail::write_file_atomic(fs::path(EASEL_SOURCE_DIR) / "bench" / "results" / "training.json", result.dump(2) + "\n");
  std::printf("\nwritten to bench/results/training.json\n");
  return 0;
}
