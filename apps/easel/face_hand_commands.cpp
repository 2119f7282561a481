// easel face IMAGE|VIDEO|--camera N [--mesh] [--out FILE] [--json]: faces (boxes and six
// keypoints, or with --mesh 468 points); easel hands ...: hands (21 points and handedness).
// Videos and cameras track: ids stay with each face or hand.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "easel/draw.h"
#include "easel/face.h"
#include "easel/hands.h"
#include "media.h"

namespace easel::cli {
namespace {

nlohmann::ordered_json box_json(const BoundingBox& b) { return {{"x", b.x}, {"y", b.y}, {"width", b.width}, {"height", b.height}}; }

nlohmann::ordered_json keypoints_json(const std::vector<Keypoint>& points, bool with_z) {
  auto list = nlohmann::ordered_json::array();
  for (const Keypoint& k : points) {
    nlohmann::ordered_json p = {{"name", k.name}, {"x", k.x}, {"y", k.y}};
    if (with_z) p["z"] = k.z;
    p["confidence"] = k.confidence;
    list.push_back(std::move(p));
  }
  return list;
}

// "face 1 (id 0) 0.97 at 120,80 95x95" lines from the JSON of a face or hand list.
std::vector<std::string> describe_list(const nlohmann::ordered_json& list, const char* what) {
  std::vector<std::string> lines;
  int n = 0;
  for (const auto& f : list) {
    const int id = f["id"].get<int>();
    char line[160];
    std::snprintf(line, sizeof line, "%s %d%s%s %.2f at %.0f,%.0f %.0fx%.0f", what, ++n, id >= 0 ? (" (id " + std::to_string(id) + ")").c_str() : "",
                  f.contains("handedness") ? (" " + f["handedness"].get<std::string>()).c_str() : "", f["confidence"].get<double>(),
                  f["box"]["x"].get<double>(), f["box"]["y"].get<double>(), f["box"]["width"].get<double>(), f["box"]["height"].get<double>());
    lines.push_back(line);
  }
  return lines;
}

struct FaceArgs {
  MediaArgs media;
  bool mesh = false;
  std::string model;
  int max_faces = 0;
  float min_confidence = 0.5f;
  int threads = 0;
};

void run_face(const FaceArgs& args) {
  std::optional<FaceDetector> detector;
  std::optional<FaceMesh> mesh;
  if (args.mesh)
    mesh.emplace(FaceMesh::create({.model = args.model.empty() ? FaceMeshOptions{}.model : args.model,
                                   .max_faces = args.max_faces > 0 ? args.max_faces : 1,
                                   .min_confidence = args.min_confidence,
                                   .threads = args.threads}));
  else
    detector.emplace(FaceDetector::create({.model = args.model.empty() ? FaceDetectorOptions{}.model : args.model,
                                           .max_faces = args.max_faces > 0 ? args.max_faces : 5,
                                           .min_confidence = args.min_confidence,
                                           .threads = args.threads}));
  run_on_media(args.media,
               {.analyse =
                    [&](Image& image, bool draw, bool video_frame) {
                      const std::vector<Face> faces = mesh ? (video_frame ? mesh->track(image) : mesh->detect(image))
                                                           : (video_frame ? detector->track(image) : detector->detect(image));
                      auto list = nlohmann::ordered_json::array();
                      for (std::size_t i = 0; i < faces.size(); ++i) {
                        const Face& f = faces[i];
                        list.push_back({{"confidence", f.confidence}, {"id", f.id}, {"box", box_json(f.box)}, {"keypoints", keypoints_json(f.keypoints, mesh.has_value())}});
                        if (draw) draw_face(image, f, palette(f.id >= 0 ? f.id : static_cast<int>(i)));
                      }
                      return nlohmann::ordered_json{{"faces", list}};
                    },
                .describe = [](const nlohmann::ordered_json& r) { return describe_list(r["faces"], "face"); },
                .new_video =
                    [&] {
                      if (mesh) mesh->reset_tracking();
                      else detector->reset_tracking();
                    }});
}

struct HandArgs {
  MediaArgs media;
  std::string model = HandPoseOptions{}.model;
  int max_hands = HandPoseOptions{}.max_hands;
  float min_confidence = 0.5f;
  int threads = 0;
};

void run_hands(const HandArgs& args) {
  HandPose hands = HandPose::create({.model = args.model, .max_hands = args.max_hands, .min_confidence = args.min_confidence, .threads = args.threads});
  run_on_media(args.media,
               {.analyse =
                    [&](Image& image, bool draw, bool video_frame) {
                      const std::vector<Hand> found = video_frame ? hands.track(image) : hands.detect(image);
                      auto list = nlohmann::ordered_json::array();
                      for (std::size_t i = 0; i < found.size(); ++i) {
                        const Hand& h = found[i];
                        list.push_back({{"confidence", h.confidence},
                                        {"id", h.id},
                                        {"handedness", h.handedness},
                                        {"handedness_confidence", h.handedness_confidence},
                                        {"box", box_json(h.box)},
                                        {"keypoints", keypoints_json(h.keypoints, true)},
                                        {"keypoints3d", keypoints_json(h.keypoints3d, true)}});
                        if (draw) draw_hand(image, h, palette(h.id >= 0 ? h.id : static_cast<int>(i)));
                      }
                      return nlohmann::ordered_json{{"hands", list}};
                    },
                .describe = [](const nlohmann::ordered_json& r) { return describe_list(r["hands"], "hand"); },
                .new_video = [&] { hands.reset_tracking(); }});
}

}  // namespace

void add_face_command(CLI::App& app) {
  auto args = std::make_shared<FaceArgs>();
  auto cmd = app.add_subcommand("face", "Find faces (boxes and six keypoints, or with --mesh 468 points) in an image, a video or a camera");
  add_media_options(cmd, args->media, "faces");
  cmd->add_flag("--mesh", args->mesh, "468 points per face and its regions (lips, eyes, eyebrows, face oval), as ml5's faceMesh");
  cmd->add_option("--model,-m", args->model,
                  "face-detection-short (default), face-detection-full (smaller faces further away); with --mesh: facemesh");
  cmd->add_option("--max-faces", args->max_faces, "At most this many faces (default 5; with --mesh 1)");
  cmd->add_option("--min-confidence", args->min_confidence, "Drop faces below this confidence")->capture_default_str();
  cmd->add_option("--threads", args->threads, "Threads (0: all cores)");
  cmd->callback([args] { run_face(*args); });
}

void add_hands_command(CLI::App& app) {
  auto args = std::make_shared<HandArgs>();
  auto cmd = app.add_subcommand("hands", "Find hands (21 points each, left or right) in an image, a video or a camera");
  add_media_options(cmd, args->media, "hands");
  cmd->add_option("--model,-m", args->model, "handlandmark-full (default) or handlandmark-lite (faster)");
  cmd->add_option("--max-hands", args->max_hands, "At most this many hands")->capture_default_str();
  cmd->add_option("--min-confidence", args->min_confidence, "Drop hands below this confidence")->capture_default_str();
  cmd->add_option("--threads", args->threads, "Threads (0: all cores)");
  cmd->callback([args] { run_hands(*args); });
}

}  // namespace easel::cli
