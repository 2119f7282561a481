// easel_bench_generative: ml5's generative models, easel beside ml5 0.12.2 itself under
// node (tests/ml5_oracle/ml5_oracle.js bench-style / bench-charrnn), in the same run:
// - style transfer (the wave style) on a square picture of 256 and 512 px: frames per
//   second at 1 thread and at all cores, FLOPs per frame and the share of the sgemm peak.
//   Peers: ml5 0.12.2 on its TF.js 1.7.4 cpu backend (its wasm backend lacks sqrt and
//   conv2dTranspose, so ml5 cannot run style transfer on wasm), and ml5's network written
//   with TF.js 4.22 on the wasm backend (bench/tfjs_style.js);
// - charRNN (Shakespeare) writing 200 characters at temperature 0.5: characters per second,
//   beside ml5 0.12.2 on its TF.js 1.7.4 wasm backend.
// Every figure is the median of --runs timed runs after a warm-up (ml5 on the cpu backend,
// at 25 s and more a frame: 3 runs).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_util.h"
#include "core/files.h"
#include "easel/char_rnn.h"
#include "easel/model.h"
#include "easel/style_transfer.h"
#include "machine.h"
#include "sample_media.h"

namespace fs = std::filesystem;

namespace {

fs::path models() { return fs::path(EASEL_SOURCE_DIR).parent_path() / "shared" / "models"; }

nlohmann::json run_node(const fs::path& script, const std::string& args) {
  return easel::bench::run_peer("node '" + script.string() + "' " + args);
}

nlohmann::json run_ml5(const std::string& args) {
  return run_node(fs::path(EASEL_SOURCE_DIR) / "tests" / "ml5_oracle" / "ml5_oracle.js", args);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  bool peer = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--no-peer") peer = false;
  }
  const easel::bench::Machine machine = easel::bench::measure_machine();
  const int cores = machine.cores;
  const double peak1 = machine.peak1, peak_all = machine.peak_all;
  nlohmann::ordered_json results = machine.json(runs);

  const easel::Image photo = easel::Image::load(easel::find_sample("grace_hopper.bmp"));
  const std::string wave = (models() / "ml5-style-transfer" / "wave").string();
  auto style_rows = nlohmann::ordered_json::array();
  for (int size : {256, 512}) {
    const easel::Image picture = photo.resized(size, size);
    const double flops = easel::Model::load(wave + "/manifest.json").stats({{1, size, size, 3}}).flops;
    nlohmann::ordered_json row = {{"size", size}, {"gflops_per_frame", flops / 1e9}};
    for (int threads : {1, cores}) {
      easel::StyleTransfer painter = easel::StyleTransfer::create({.style = "wave", .threads = threads});
      const double ms = easel::bench::time_ms([&] { painter.transfer(picture); }, runs);
      const double gflops = flops / (ms * 1e6);
      const double peak = threads == 1 ? peak1 : peak_all;
      std::printf("style transfer %d px, %d thread(s): %.1f ms, %.2f frames/s, %.0f GFLOP/s (%.0f%% of peak)\n", size, threads, ms, 1000 / ms,
                  gflops, 100 * gflops / peak);
      row[threads == 1 ? "easel_1_thread" : "easel_all_cores"] = {{"ms", ms}, {"fps", 1000 / ms}, {"share_of_peak", gflops / peak}};
    }
    if (peer) {
      const double easel_ms = row["easel_all_cores"]["ms"].get<double>();
      auto report = [&](const char* key, const char* who, const nlohmann::json& j) {
        if (!j.is_object() || !j.contains("median_ms")) return;
        const double ms = j["median_ms"].get<double>();
        std::printf("  %s (TF.js %s, %s): %.0f ms, %.3f frames/s -> easel (all cores) %.1fx faster\n", who, j.value("tfjs_version", "?").c_str(),
                    j.value("backend", "?").c_str(), ms, 1000 / ms, ms / easel_ms);
        row[key] = {{"ms", ms}, {"fps", 1000 / ms}, {"backend", j.value("backend", "")}, {"tfjs", j.value("tfjs_version", "")},
                    {"easel_speedup_all_cores", ms / easel_ms}, {"easel_speedup_1_thread", ms / row["easel_1_thread"]["ms"].get<double>()}};
      };
      report("tfjs_wasm", "ml5's network on TF.js-wasm",
             run_node(fs::path(EASEL_SOURCE_DIR) / "bench" / "tfjs_style.js",
                      "--model '" + wave + "' --size " + std::to_string(size) + " --runs " + std::to_string(runs) + " --backend wasm"));
      report("ml5_cpu", "ml5 0.12.2",
             run_ml5("bench-style --model '" + wave + "' --size " + std::to_string(size) + " --runs " + std::to_string(std::min(runs, 3)) +
                     " --backend cpu"));
    }
    style_rows.push_back(row);
  }
  results["style_transfer"] = style_rows;

  // charRNN: 200 characters from ml5's default seed "a", as the peer writes them.
  const int chars = 200;
  easel::CharRnn rnn = easel::CharRnn::create({.model = "charrnn-shakespeare", .random_seed = 1});
  const double ms = easel::bench::time_ms([&] { rnn.generate({.seed = "a", .length = chars, .temperature = 0.5f}); }, runs);
  std::printf("\ncharRNN (Shakespeare, 2x128 LSTM), 1 thread: %d characters in %.2f ms, %.0f characters/s\n", chars, ms, chars / (ms / 1000));
  nlohmann::ordered_json text = {{"model", "charrnn-shakespeare"}, {"characters", chars}, {"easel_1_thread", {{"ms", ms}, {"chars_per_s", chars / (ms / 1000)}}}};
  if (peer) {
    const auto j = run_ml5("bench-charrnn --model '" + (models() / "ml5-charrnn-shakespeare").string() + "' --chars " + std::to_string(chars) +
                           " --runs " + std::to_string(runs) + " --backend wasm");
    if (j.is_object() && j.contains("median_ms")) {
      const double peer_ms = j["median_ms"].get<double>();
      std::printf("  ml5 on TF.js %s (%s): %.0f ms, %.0f characters/s -> easel %.0fx faster\n", j.value("tfjs_version", "?").c_str(),
                  j.value("backend", "?").c_str(), peer_ms, chars / (peer_ms / 1000), peer_ms / ms);
      text["ml5_wasm"] = {{"ms", peer_ms}, {"chars_per_s", chars / (peer_ms / 1000)}, {"backend", j.value("backend", "")}};
      text["speedup"] = peer_ms / ms;
    }
  }
  results["char_rnn"] = text;
  easel::detail::write_file_atomic(fs::path(EASEL_SOURCE_DIR) / "bench" / "results" / "generative.json", results.dump(2) + "\n");
  std::printf("\nwritten to bench/results/generative.json\n");
}
