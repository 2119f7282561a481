// easel_bench_mediapipe: the face, face mesh, hand, segmentation and BlazePose tasks on one
// photo each, as a program calls them per picture (the whole pipeline: detector, then the
// landmark model on each region), beside the TF.js runtimes of @tensorflow-models on TF.js
// 4.22's wasm backend in the same run (bench/tfjs_mediapipe.js, same model files, same
// pixels). Medians of --runs timed calls after warm-up, at 1 thread and all cores; TF.js
// wasm runs one thread under node (its multithreading is off there). FLOPs per call: the
// models' own counts (detector once, landmark model per face or hand found), and the share
// of the sgemm peak they reach. Results: bench/results/mediapipe.json.
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_util.h"
#include "core/files.h"
#include "easel/face.h"
#include "easel/hands.h"
#include "easel/model.h"
#include "easel/model_store.h"
#include "easel/npy.h"
#include "easel/pose.h"
#include "easel/segmentation.h"
#include "machine.h"
#include "sample_media.h"

namespace fs = std::filesystem;

namespace {

// A model's FLOPs per run, its batch fixed at 1 (some TF.js models leave it open).
double model_flops(const std::string& name) {
  easel::Model model = easel::Model::load(name);
  easel::Shape shape = model.inputs().at(0).shape;
  if (!shape.empty() && shape[0] < 0) shape[0] = 1;
  return model.stats({shape}).flops;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 20;
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
  const fs::path models = easel::ModelStore().get("facemesh").dir.parent_path();  // the cache's model folders
  const fs::path scratch = fs::temp_directory_path() / "easel-bench-mediapipe";
  fs::create_directories(scratch);

  struct Task {
    std::string name, photo;
    std::function<std::function<int()>(const easel::Image&, int threads)> make;  // a call, returning what it found
    std::function<double(int found)> flops;
  };
  const std::vector<Task> tasks = {
      {"face", "face.jpg",
       [](const easel::Image& im, int t) {
         auto d = std::make_shared<easel::FaceDetector>(easel::FaceDetector::create({.max_faces = 1, .threads = t}));
         return std::function<int()>([d, &im] { return static_cast<int>(d->detect(im).size()); });
       },
       [](int) { return model_flops("face-detection-short"); }},
      {"facemesh", "face.jpg",
       [](const easel::Image& im, int t) {
         auto d = std::make_shared<easel::FaceMesh>(easel::FaceMesh::create({.max_faces = 1, .threads = t}));
         return std::function<int()>([d, &im] { return static_cast<int>(d->detect(im).size()); });
       },
       [](int n) { return model_flops("face-detection-short") + n * model_flops("facemesh"); }},
      {"hands", "halfcurl.jpg",
       [](const easel::Image& im, int t) {
         auto d = std::make_shared<easel::HandPose>(easel::HandPose::create({.max_hands = 2, .threads = t}));
         return std::function<int()>([d, &im] { return static_cast<int>(d->detect(im).size()); });
       },
       [](int n) { return model_flops("handdetect") + n * model_flops("handlandmark-full"); }},
      {"selfie", "squat.bmp",
       [](const easel::Image& im, int t) {
         auto d = std::make_shared<easel::ImageSegmenter>(easel::ImageSegmenter::create({.model = "selfie", .threads = t}));
         return std::function<int()>([d, &im] { return static_cast<int>(d->segment(im).classes.size() > 0); });
       },
       [](int) { return model_flops("selfie"); }},
      {"meet", "squat.bmp",
       [](const easel::Image& im, int t) {
         auto d = std::make_shared<easel::ImageSegmenter>(easel::ImageSegmenter::create({.model = "meet", .threads = t}));
         return std::function<int()>([d, &im] { return static_cast<int>(d->segment(im).classes.size() > 0); });
       },
       [](int) { return model_flops("meet"); }},
      {"blazepose", "squat.bmp",
       [](const easel::Image& im, int t) {
         auto d = std::make_shared<easel::PoseEstimator>(easel::PoseEstimator::create({.model = "blazepose-full", .threads = t}));
         return std::function<int()>([d, &im] { return static_cast<int>(d->estimate(im).size()); });
       },
       [](int n) { return model_flops("blazepose-detector") + n * model_flops("blazepose-full"); }},
  };
  auto rows = nlohmann::ordered_json::array();
  for (const Task& task : tasks) {
    const easel::Image image = easel::Image::load(easel::find_sample(task.photo));
    nlohmann::ordered_json row = {{"task", task.name}, {"photo", task.photo}};
    int found = 0;
    for (int threads : {1, cores}) {
      auto call = task.make(image, threads);
      found = call();
      const double ms = easel::bench::time_ms([&] { call(); }, runs);
      const double gflops = task.flops(found) / (ms * 1e6);
      const double peak = threads == 1 ? peak1 : peak_all;
      row[threads == 1 ? "easel_1_thread" : "easel_all_cores"] = {{"ms", ms}, {"share_of_peak", gflops / peak}};
      std::printf("%-9s %d thread(s): %7.2f ms  (%.0f%% of peak)\n", task.name.c_str(), threads, ms, 100 * gflops / peak);
    }
    row["found"] = found;
    row["gflops_per_call"] = task.flops(found) / 1e9;
    if (peer) {
      easel::Tensor pixels(easel::DType::u8, {image.height(), image.width(), 3});
      std::copy(image.data(), image.data() + pixels.size(), pixels.data<std::uint8_t>());
      const fs::path npy = scratch / (task.name + ".npy");
      easel::write_npy(npy, pixels);
      const nlohmann::json j = easel::bench::run_peer("node '" + (fs::path(EASEL_SOURCE_DIR) / "bench" / "tfjs_mediapipe.js").string() + "' --task " + task.name +
                                                      " --image '" + npy.string() + "' --models '" + models.string() + "' --runs " + std::to_string(runs) +
                                                      " --backend wasm --threads 1");
      if (j.is_object() && j.contains("median_ms")) {
        const double tfjs = j["median_ms"].get<double>();
        row["tfjs_wasm"] = {{"ms", tfjs}, {"found", j["found"]}};
        row["tfjs_wasm_over_easel_1_thread"] = tfjs / row["easel_1_thread"]["ms"].get<double>();
        row["tfjs_wasm_over_easel_all_cores"] = tfjs / row["easel_all_cores"]["ms"].get<double>();
        std::printf("%-9s TF.js wasm: %7.2f ms: easel %.1fx faster on 1 thread, %.1fx on %d\n", task.name.c_str(), tfjs,
                    row["tfjs_wasm_over_easel_1_thread"].get<double>(), row["tfjs_wasm_over_easel_all_cores"].get<double>(), cores);
      }
    }
    rows.push_back(row);
  }
  results["tasks"] = rows;
  fs::remove_all(scratch);
  easel::detail::write_file_atomic(fs::path(EASEL_SOURCE_DIR) / "bench" / "results" / "mediapipe.json", results.dump(2) + "\n");
  std::printf("\nwritten to bench/results/mediapipe.json\n");
  return 0;
}
