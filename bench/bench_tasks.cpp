// easel_bench_tasks: the vision tasks end to end on vtest.avi (decode, preprocess, infer,
// postprocess to plain results), frames per second at 1 thread and at all cores, side by
// side in the same run with TF.js-wasm under node doing the same task with the same model
// on the same frames (bench/tfjs_tasks.js). Prints a table, writes bench/results/tasks.json.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "core/files.h"
#include "core/process.h"
#include "easel/error.h"
#include "easel/image_classifier.h"
#include "easel/model_store.h"
#include "easel/npy.h"
#include "easel/object_detector.h"
#include "easel/pose.h"
#include "easel/video.h"
#include "sample_media.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

using easel::bench::median;

struct Task {
  std::string name;   // classify, detect, pose
  std::string model;  // easel's model name
  bool peer;          // TF.js runs the same model
  std::function<std::function<void(const easel::Image&)>(int threads)> make;
};

// Median ms per frame over `frames` frames, decoding each from the video inside the timing.
double time_task(const Task& task, const fs::path& video_file, int threads, int frames) {
  auto run = task.make(threads);
  easel::Image frame;
  {
    auto warm = easel::VideoReader::open(video_file);
    for (int i = 0; i < 3 && warm.read(frame); ++i) run(frame);
  }
  auto video = easel::VideoReader::open(video_file);
  std::vector<double> ms;
  for (int i = 0; i < frames; ++i) {
    const auto t0 = Clock::now();
    if (!video.read(frame)) break;
    run(frame);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  return median(ms);
}

double time_tfjs(const std::string& task, const fs::path& model, const fs::path& frames, std::string* note) {
  auto r = easel::detail::run_process({"node", std::string(EASEL_SOURCE_DIR) + "/bench/tfjs_tasks.js", "--task", task, "--model",
                                       model.string(), "--frames", frames.string()});
  const auto pos = r.output.find("\"median_ms\":");
  if (r.exit_code != 0 || pos == std::string::npos) {
    *note = r.output.substr(0, 160);
    std::replace(note->begin(), note->end(), '\n', ' ');
    return -1;
  }
  return std::stod(r.output.substr(pos + 12));
}

}  // namespace

int main(int argc, char** argv) {
  int frames = 40;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--frames" && i + 1 < argc) frames = std::stoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: easel_bench_tasks [--frames N]\n");
      return 2;
    }
  }
  const fs::path video_file = easel::find_sample("vtest.avi");
  if (video_file.empty()) {
    std::fprintf(stderr, "vtest.avi is not here: run scripts/setup.sh\n");
    return 1;
  }
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  // The frames TF.js gets: the same ones, decoded once by easel.
  easel::detail::TempDir tmp(fs::temp_directory_path(), "easel-bench-tasks-");
  const fs::path frames_npy = tmp.path() / "frames.npy";
  {
    auto video = easel::VideoReader::open(video_file);
    easel::Image frame;
    std::vector<easel::Image> all;
    while (static_cast<int>(all.size()) < frames && video.read(frame)) all.push_back(frame);
    frames = static_cast<int>(all.size());
    easel::Tensor t(easel::DType::u8, {frames, all[0].height(), all[0].width(), 3});
    const std::size_t bytes = static_cast<std::size_t>(all[0].width()) * all[0].height() * 3;
    for (int i = 0; i < frames; ++i) std::copy_n(all[static_cast<std::size_t>(i)].data(), bytes, t.data<std::uint8_t>() + i * bytes);
    easel::write_npy(frames_npy, t);
  }

  const std::vector<Task> tasks = {
      {"classify", "darknet-tiny", true,
       [](int threads) {
         auto c = std::make_shared<easel::ImageClassifier>(
             easel::ImageClassifier::create({.model = "darknet-tiny", .top_k = 5, .threads = threads}));
         return [c](const easel::Image& f) { c->classify(f); };
       }},
      {"classify", "mobilenet", false,
       [](int threads) {
         auto c = std::make_shared<easel::ImageClassifier>(
             easel::ImageClassifier::create({.model = "mobilenet", .top_k = 5, .threads = threads}));
         return [c](const easel::Image& f) { c->classify(f); };
       }},
      {"detect", "centernet", true,
       [](int threads) {
         auto d = std::make_shared<easel::ObjectDetector>(easel::ObjectDetector::create({.model = "centernet", .threads = threads}));
         return [d](const easel::Image& f) { d->detect(f); };
       }},
      {"detect", "yolo", false,
       [](int threads) {
         auto d = std::make_shared<easel::ObjectDetector>(easel::ObjectDetector::create({.model = "yolo", .threads = threads}));
         return [d](const easel::Image& f) { d->detect(f); };
       }},
      {"pose", "movenet-lightning", true,
       [](int threads) {
         auto p = std::make_shared<easel::PoseEstimator>(easel::PoseEstimator::create({.model = "movenet-lightning", .threads = threads}));
         return [p](const easel::Image& f) { p->estimate(f); };
       }},
  };

  std::printf("vtest.avi, %d frames, %d cores; easel: decode + preprocess + infer + postprocess; TF.js-wasm: the same but decoding\n\n",
              frames, cores);
  std::printf("%-9s %-18s %9s %9s %10s %12s %8s\n", "task", "model", "fps@1t", ("fps@" + std::to_string(cores) + "t").c_str(), "ms/frame",
              "tfjs-wasm fps", "ratio");
  std::ostringstream json;
  json << "{\n  \"video\": \"vtest.avi\",\n  \"frames\": " << frames << ",\n  \"cores\": " << cores << ",\n  \"tasks\": [\n";
  bool first = true;
  easel::ModelStore store;
  for (const Task& task : tasks) {
    std::string note;
    double ms1 = -1, msn = -1, peer = -1;
    try {
      ms1 = time_task(task, video_file, 1, frames);
      msn = time_task(task, video_file, cores, frames);
      if (task.peer) peer = time_tfjs(task.name, store.get(task.model).entry(), frames_npy, &note);
    } catch (const easel::Error& e) {
      note = e.what();
    }
    const double ratio = peer > 0 && msn > 0 ? peer / msn : 0;
    std::printf("%-9s %-18s %9.1f %9.1f %10.2f %12s %7s  %s\n", task.name.c_str(), task.model.c_str(), ms1 > 0 ? 1000 / ms1 : 0,
                msn > 0 ? 1000 / msn : 0, msn, peer > 0 ? std::to_string(1000 / peer).substr(0, 6).c_str() : "-",
                ratio > 0 ? (std::to_string(ratio).substr(0, 4) + "x").c_str() : "-", note.substr(0, 60).c_str());
    std::fflush(stdout);
    json << (first ? "" : ",\n") << "    {\"task\": \"" << task.name << "\", \"model\": \"" << task.model
         << "\", \"easel_fps_1t\": " << (ms1 > 0 ? 1000 / ms1 : 0) << ", \"easel_fps\": " << (msn > 0 ? 1000 / msn : 0)
         << ", \"threads\": " << cores << ", \"tfjs_wasm_fps\": " << (peer > 0 ? 1000 / peer : 0) << ", \"speedup_vs_tfjs_wasm\": " << ratio
         << "}";
    first = false;
  }
  json << "\n  ]\n}\n";
  const fs::path out = fs::path(EASEL_SOURCE_DIR) / "bench" / "results" / "tasks.json";
  easel::detail::write_file_atomic(out, json.str());
  std::printf("\nwritten: %s\n", out.c_str());
  return 0;
}
