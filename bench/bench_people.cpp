// easel_bench_people: how many of the people in a street video each way of finding bodies
// finds, frame by frame, over the whole of OpenCV's vtest.avi (795 frames of 768x576, people
// about 80 pixels tall): the object detector's person boxes (YOLOX-nano, confidence 0.4) as
// the count to reach; movenet-multipose at its default 256 pixels and at 512; and top-down
// (the detector's boxes, each read by movenet-thunder, then movenet-lightning). A pose counts
// when its confidence is at least 0.25 (TF.js pose-detection's minPoseScore). Also each
// way's median milliseconds per frame at all cores. The figures choose PoseEstimator's
// multi-person default (bench/README.md). --frames N: the first N frames only.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_util.h"
#include "machine.h"
#include "core/files.h"
#include "easel/object_detector.h"
#include "easel/pose.h"
#include "easel/video.h"
#include "sample_media.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  int max_frames = 0;
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--frames" && i + 1 < argc) max_frames = std::max(1, std::atoi(argv[++i]));
  struct Way {
    std::string name;
    std::function<int(const easel::Image&)> count;
    std::vector<double> ms;
    long found = 0;
    int frames_with_all = 0;  // frames where it found at least as many as the detector
  };
  easel::ObjectDetector detector = easel::ObjectDetector::create({.min_confidence = 0.4f});
  easel::PoseEstimator multi256 = easel::PoseEstimator::create({.model = "movenet-multipose", .max_poses = 6});
  easel::PoseEstimator multi512 = easel::PoseEstimator::create({.model = "movenet-multipose", .max_poses = 6, .input_size = 512});
  easel::PoseEstimator thunder = easel::PoseEstimator::create({.model = "movenet-thunder", .max_poses = 20, .person_detector = "yolo"});
  easel::PoseEstimator lightning = easel::PoseEstimator::create({.model = "movenet-lightning", .max_poses = 20, .person_detector = "yolo"});
  const auto poses = [](easel::PoseEstimator& e) { return [&e](const easel::Image& f) { return static_cast<int>(e.estimate(f).size()); }; };
  std::vector<Way> ways;
  ways.push_back({"detector persons (yolo, 0.4)", [&](const easel::Image& f) {
                    int n = 0;
                    for (const auto& d : detector.detect(f)) n += d.label == "person";
                    return n;
                  }});
  ways.push_back({"movenet-multipose 256", poses(multi256)});
  ways.push_back({"movenet-multipose 512", poses(multi512)});
  ways.push_back({"top-down yolo + movenet-thunder", poses(thunder)});
  ways.push_back({"top-down yolo + movenet-lightning", poses(lightning)});

  easel::VideoReader video = easel::VideoReader::open(easel::find_sample("vtest.avi"));
  easel::Image frame;
  int frames = 0;
  while ((max_frames == 0 || frames < max_frames) && video.read(frame)) {
    int reference = 0;
    for (std::size_t w = 0; w < ways.size(); ++w) {
      const auto t0 = std::chrono::steady_clock::now();
      const int n = ways[w].count(frame);
      ways[w].ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (w == 0) reference = n;
      ways[w].found += n;
      ways[w].frames_with_all += n >= reference;
    }
    ++frames;
    if (frames % 100 == 0) std::fprintf(stderr, "%d frames\n", frames);
  }
  nlohmann::ordered_json results = {{"machine", easel::bench::cpu_name()},
                                    {"cores", static_cast<int>(std::thread::hardware_concurrency())},
                                    {"video", "vtest.avi"},
                                    {"frames", frames}};
  auto rows = nlohmann::ordered_json::array();
  std::printf("%-36s %12s %16s %10s\n", "", "per frame", "frames >= boxes", "ms/frame");
  for (const Way& w : ways) {
    const double per_frame = static_cast<double>(w.found) / frames;
    const double ms = easel::bench::median(w.ms);
    std::printf("%-36s %12.2f %15.0f%% %10.1f\n", w.name.c_str(), per_frame, 100.0 * w.frames_with_all / frames, ms);
    rows.push_back({{"way", w.name}, {"people_per_frame", per_frame}, {"share_of_frames_with_all_boxes", static_cast<double>(w.frames_with_all) / frames}, {"median_ms", ms}});
  }
  results["ways"] = rows;
  if (max_frames == 0) {
    easel::detail::write_file_atomic(fs::path(EASEL_SOURCE_DIR) / "bench" / "results" / "people.json", results.dump(2) + "\n");
    std::printf("\nwritten to bench/results/people.json\n");
  }
  return 0;
}
