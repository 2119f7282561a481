// easel pose IMAGE|VIDEO [--model M] [--multi] [--out FILE] [--json]: body keypoints in a
// photo, a video (one line per frame, tracking ids) or a camera, with skeletons drawn.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "easel/draw.h"
#include "easel/pose.h"
#include "media.h"

namespace easel::cli {
namespace {

struct PoseArgs {
  MediaArgs media;
  std::string model = "movenet-lightning";
  bool multi = false;
  int input_size = 0;
  std::string person_detector = PoseEstimatorOptions{}.person_detector;
  float min_confidence = PoseEstimatorOptions{}.min_pose_confidence;
  int threads = 0;
};

void run_pose(const PoseArgs& args) {
  PoseEstimator estimator = PoseEstimator::create({.model = args.model,
                                                   .multi = args.multi,
                                                   .min_pose_confidence = args.min_confidence,
                                                   .person_detector = args.person_detector == "none" ? "" : args.person_detector,
                                                   .input_size = args.input_size,
                                                   .threads = args.threads});
  run_on_media(
      args.media,
      {.analyse =
           [&](Image& image, bool draw, bool video_frame) {
             // A video or camera tracks people from frame to frame; photos are each on their own.
             const auto poses = video_frame ? estimator.track(image) : estimator.estimate(image);
             auto list = nlohmann::ordered_json::array();
             for (std::size_t i = 0; i < poses.size(); ++i) {
               const Pose& p = poses[i];
               nlohmann::ordered_json pose = {{"confidence", p.confidence},
                                              {"id", p.id},
                                              {"box", {{"x", p.box.x}, {"y", p.box.y}, {"width", p.box.width}, {"height", p.box.height}}}};
               auto keypoints = nlohmann::ordered_json::array();
               for (const Keypoint& k : p.keypoints)
                 keypoints.push_back({{"name", k.name}, {"x", k.x}, {"y", k.y}, {"nx", k.nx}, {"ny", k.ny}, {"confidence", k.confidence}});
               pose["keypoints"] = keypoints;
               list.push_back(pose);
               if (draw) draw_pose(image, p, 0.3f, palette(p.id >= 0 ? p.id : static_cast<int>(i)));
             }
             return nlohmann::ordered_json{{"poses", list}};
           },
       .describe =
           [](const nlohmann::ordered_json& result) {
             std::vector<std::string> lines;
             int n = 0;
             for (const auto& p : result["poses"]) {
               const int id = p["id"].get<int>();
               char head[96];
               std::snprintf(head, sizeof head, "pose %d%s %.2f:", ++n, id >= 0 ? (" (id " + std::to_string(id) + ")").c_str() : "",
                             p["confidence"].get<double>());
               std::string line = head;
               for (const auto& k : p["keypoints"]) {
                 if (k["confidence"].get<double>() < 0.3) continue;
                 char point[64];
                 std::snprintf(point, sizeof point, " %s %.0f,%.0f", k["name"].get<std::string>().c_str(), k["x"].get<double>(),
                               k["y"].get<double>());
                 line += point;
               }
               lines.push_back(line);
             }
             return lines;
           },
       .new_video = [&] { estimator.reset_tracking(); }});
}

}  // namespace

void add_pose_command(CLI::App& app) {
  auto args = std::make_shared<PoseArgs>();
  auto cmd = app.add_subcommand("pose", "Find body keypoints (17 per person, BlazePose 33) in an image, a video or a camera");
  add_media_options(cmd, args->media, "skeletons");
  cmd->add_option("--model,-m", args->model,
                  "movenet-lightning (default), movenet-thunder, movenet-multipose, posenet, blazepose-lite, blazepose-full or blazepose-heavy");
  cmd->add_flag("--multi", args->multi, "Several people (posenet multi-pose decoding; movenet-multipose always is)");
  cmd->add_option("--person-detector", args->person_detector,
                  "Single-person models: the detector that finds each person first (none: the whole picture is one person)")
      ->capture_default_str();
  cmd->add_option("--input-size", args->input_size,
                  "movenet-multipose: the longer side in pixels (default 256; more finds smaller people)");
  cmd->add_option("--min-confidence", args->min_confidence, "Drop poses below this confidence")->capture_default_str();
  cmd->add_option("--threads", args->threads, "Threads (0: all cores)");
  cmd->callback([args] { run_pose(*args); });
}

}  // namespace easel::cli
