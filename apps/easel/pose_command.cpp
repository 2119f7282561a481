// easel pose IMAGE|VIDEO [--model M] [--multi] [--out FILE] [--json]: body keypoints in a
// photo, a video (one line per frame) or a camera, with an annotated picture or video.
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "easel/draw.h"
#include "easel/error.h"
#include "easel/image.h"
#include "easel/pose.h"
#include "easel/video.h"

namespace fs = std::filesystem;

namespace easel::cli {
namespace {

struct PoseArgs {
  std::string input;
  int camera = -1;
  std::string model = "movenet-lightning";
  bool multi = false;
  int input_size = 0;
  float min_score = 0.25f;
  std::string out;
  bool json = false;
  int threads = 0;
  int max_frames = 0;
};

nlohmann::ordered_json to_json(const std::vector<Pose>& poses) {
  auto list = nlohmann::ordered_json::array();
  for (const Pose& p : poses) {
    nlohmann::ordered_json pose = {{"score", p.score}, {"id", p.id}, {"box", {{"x", p.box.x}, {"y", p.box.y}, {"width", p.box.width}, {"height", p.box.height}}}};
    auto keypoints = nlohmann::ordered_json::array();
    for (const Keypoint& k : p.keypoints) keypoints.push_back({{"name", k.name}, {"x", k.x}, {"y", k.y}, {"nx", k.nx}, {"ny", k.ny}, {"score", k.score}});
    pose["keypoints"] = keypoints;
    list.push_back(pose);
  }
  return list;
}

void print_text(const std::vector<Pose>& poses, const std::string& prefix) {
  if (poses.empty()) std::printf("%sno pose found\n", prefix.c_str());
  for (std::size_t i = 0; i < poses.size(); ++i) {
    const Pose& p = poses[i];
    std::printf("%spose %zu%s score %.2f:", prefix.c_str(), i + 1, p.id >= 0 ? (" (id " + std::to_string(p.id) + ")").c_str() : "", p.score);
    for (const Keypoint& k : p.keypoints)
      if (k.score >= 0.3f) std::printf(" %s %.0f,%.0f", k.name.c_str(), k.x, k.y);
    std::printf("\n");
  }
}

void annotate(Image& image, const std::vector<Pose>& poses) {
  for (std::size_t i = 0; i < poses.size(); ++i) draw_pose(image, poses[i], 0.3f, palette(poses[i].id >= 0 ? poses[i].id : static_cast<int>(i)));
}

bool is_video(const std::string& file) {
  std::string ext = fs::path(file).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".avi" || ext == ".mp4" || ext == ".mkv" || ext == ".mov" || ext == ".webm" || ext == ".m4v" || ext == ".mpg";
}

void run_pose(const PoseArgs& args) {
  PoseEstimator estimator = PoseEstimator::create(
      {.model = args.model, .multi = args.multi, .min_pose_score = args.min_score, .input_size = args.input_size, .threads = args.threads});
  if (args.camera < 0 && args.input.empty()) throw Error(ErrorCode::usage, "Give an image or video file, or --camera N.");
  if (args.camera < 0 && !is_video(args.input)) {
    Image image = Image::load(args.input);
    const auto poses = estimator.estimate(image);
    if (args.json) std::printf("%s\n", nlohmann::ordered_json({{"image", args.input}, {"poses", to_json(poses)}}).dump().c_str());
    else print_text(poses, "");
    if (!args.out.empty()) {
      annotate(image, poses);
      image.save(args.out);
    }
    return;
  }
  VideoReader video = args.camera >= 0 ? VideoReader::camera(args.camera) : VideoReader::open(args.input);
  std::unique_ptr<VideoWriter> writer;
  Image frame;
  while (video.read(frame)) {
    if (args.max_frames > 0 && video.frame_index() >= args.max_frames) break;
    const auto poses = estimator.track(frame);
    if (args.json)
      std::printf("%s\n", nlohmann::ordered_json({{"frame", video.frame_index()}, {"timestamp_ms", video.timestamp_ms()}, {"poses", to_json(poses)}}).dump().c_str());
    else
      print_text(poses, "[" + std::to_string(static_cast<long long>(video.timestamp_ms())) + " ms] ");
    std::fflush(stdout);
    if (!args.out.empty()) {
      if (!writer) writer = std::make_unique<VideoWriter>(VideoWriter::create(args.out, frame.width(), frame.height(), video.fps()));
      annotate(frame, poses);
      writer->write(frame);
    }
  }
  if (writer) writer->close();
}

}  // namespace

void add_pose_command(CLI::App& app) {
  auto args = std::make_shared<PoseArgs>();
  auto cmd = app.add_subcommand("pose", "Find body keypoints (17 per person) in an image, a video or a camera");
  cmd->add_option("INPUT", args->input, "Image or video file");
  cmd->add_option("--camera", args->camera, "Read from camera N instead of a file");
  cmd->add_option("--model,-m", args->model, "movenet-lightning (default), movenet-thunder, movenet-multipose or posenet");
  cmd->add_flag("--multi", args->multi, "Several people (posenet multi-pose decoding; movenet-multipose always is)");
  cmd->add_option("--input-size", args->input_size, "movenet-multipose: the longer side in pixels (default 256; more finds smaller people)");
  cmd->add_option("--min-score", args->min_score, "Drop poses below this confidence");
  cmd->add_option("--out,-o", args->out, "Write the image or video with skeletons drawn on it (.png, .jpg, .mp4, .avi)");
  cmd->add_flag("--json", args->json, "One JSON object per image or video frame");
  cmd->add_option("--max-frames", args->max_frames, "Stop a video after this many frames");
  cmd->add_option("--threads", args->threads, "Threads (0: all cores)");
  cmd->callback([args] { run_pose(*args); });
}

}  // namespace easel::cli
