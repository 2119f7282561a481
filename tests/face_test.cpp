// FaceDetector and FaceMesh against the TF.js runtimes of @tensorflow-models/face-detection
// 1.0.3 and face-landmarks-detection 1.0.6, run under node on the same model files and the
// same pixels (tests/mediapipe_oracle/face_oracle.js): as many faces, boxes and keypoints
// within a few pixels, the 468 mesh points within 1% of the face's size on average; the mesh's
// named regions are the library's; ids stay with faces through a video.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "easel/error.h"
#include "easel/face.h"
#include "easel/video.h"
#include "mediapipe_oracle.h"
#include "test_util.h"

namespace easel {
namespace {

namespace fs = std::filesystem;

// The oracle's faces for `photo`, easel's beside them, paired by the order both sort them in.
struct FacePair {
  std::vector<Face> easel;
  nlohmann::json oracle;
};

FacePair detect_both(const std::string& photo, const std::string& model, const std::string& type, int max_faces) {
  test::ScratchDir dir;
  const Image image = test::photo(photo);
  const fs::path npy = test::write_image_npy(image, dir / "in.npy");
  FacePair pair;
  pair.oracle = test::mediapipe_oracle("face_oracle.js", "--image " + test::shell_quote(npy.string()) + " --detector " +
                                                             test::shell_quote(test::store_model_file(model).string()) +
                                                             " --model-type " + type + " --max-faces " + std::to_string(max_faces))["faces"];
  pair.easel = FaceDetector::create({.model = model, .max_faces = max_faces}).detect(image);
  return pair;
}

TEST(FaceDetector, FindsTheFacesTfjsFaceDetectionFinds) {
  EASEL_NEEDS_MEDIAPIPE_ORACLE();
  struct Case {
    std::string photo, model, type;
    std::size_t faces;  // what the library finds, checked by eye once (boxes on the faces)
  };
  for (const Case& c : {Case{"face.jpg", "face-detection-short", "short", 2}, Case{"grace_hopper.bmp", "face-detection-short", "short", 1},
                        Case{"astronaut.png", "face-detection-short", "short", 1}, Case{"messi5.jpg", "face-detection-full", "full", 1},
                        Case{"face.jpg", "face-detection-full", "full", 4}}) {
    SCOPED_TRACE(c.photo + " " + c.model);
    const FacePair p = detect_both(c.photo, c.model, c.type, 5);
    ASSERT_EQ(p.oracle.size(), c.faces);
    ASSERT_EQ(p.easel.size(), p.oracle.size());
    for (std::size_t i = 0; i < p.easel.size(); ++i) {
      const Face& e = p.easel[i];
      const nlohmann::json& o = p.oracle[i];
      const float size = o["box"]["width"].get<float>();
      // The photo sampled onto the detector's input at the same points but for the letterbox's
      // rounding, the same network: within a pixel (seen: up to 0.5 px on faces of 95 px).
      const float tolerance = std::max(1.f, 0.01f * size);
      EXPECT_NEAR(e.box.x, o["box"]["xMin"].get<float>(), tolerance);
      EXPECT_NEAR(e.box.y, o["box"]["yMin"].get<float>(), tolerance);
      EXPECT_NEAR(e.box.width, size, tolerance);
      EXPECT_NEAR(e.box.height, o["box"]["height"].get<float>(), tolerance);
      EXPECT_NEAR(e.confidence, o["score"].get<float>(), 0.02f);
      ASSERT_EQ(e.keypoints.size(), 6u);
      for (std::size_t k = 0; k < 6; ++k) {
        EXPECT_NEAR(e.keypoints[k].x, o["keypoints"][k]["x"].get<float>(), tolerance) << e.keypoints[k].name;
        EXPECT_NEAR(e.keypoints[k].y, o["keypoints"][k]["y"].get<float>(), tolerance) << e.keypoints[k].name;
      }
      // The library's names, in snake case.
      EXPECT_EQ(e.keypoints[0].name, "right_eye");
      EXPECT_EQ(o["keypoints"][0]["name"], "rightEye");
      EXPECT_EQ(e.keypoints[5].name, "left_ear_tragion");
      EXPECT_EQ(o["keypoints"][5]["name"], "leftEarTragion");
    }
  }
}

TEST(FaceDetector, KeypointsSitOnTheFace) {
  // Grace Hopper's portrait: eyes above the nose, the nose above the mouth, her right eye on
  // the photo's left, all inside the box.
  const auto faces = FaceDetector::create().detect(test::photo("grace_hopper.bmp"));
  ASSERT_EQ(faces.size(), 1u);
  const Face& f = faces[0];
  EXPECT_GT(f.confidence, 0.8f);
  EXPECT_LT(f["right_eye"].x, f["left_eye"].x);
  EXPECT_LT(f["right_eye"].y, f["nose_tip"].y);
  EXPECT_LT(f["nose_tip"].y, f["mouth_center"].y);
  for (const Keypoint& k : f.keypoints) {
    EXPECT_GE(k.x, f.box.x_min() - 0.05f * f.box.width) << k.name;
    EXPECT_LE(k.x, f.box.x_max() + 0.05f * f.box.width) << k.name;
  }
  EXPECT_THROW((void)f["chin"], Error);
  // Mirrored, the right eye moves to the photo's right.
  const auto flipped = FaceDetector::create({.flip_horizontal = true}).detect(test::photo("grace_hopper.bmp"));
  ASSERT_EQ(flipped.size(), 1u);
  EXPECT_GT(flipped[0]["right_eye"].x, flipped[0]["left_eye"].x);
  EXPECT_NEAR(flipped[0]["nose_tip"].x, 512 - f["nose_tip"].x, 0.01f);
}

TEST(FaceMesh, PointsMatchTfjsFaceLandmarksDetection) {
  EASEL_NEEDS_MEDIAPIPE_ORACLE();
  test::ScratchDir dir;
  for (const auto& [photo, max_faces] : {std::pair<std::string, int>{"face.jpg", 2}, {"grace_hopper.bmp", 1}, {"astronaut.png", 1}}) {
    SCOPED_TRACE(photo);
    const Image image = test::photo(photo);
    const fs::path npy = test::write_image_npy(image, dir / "in.npy");
    const nlohmann::json oracle =
        test::mediapipe_oracle("face_oracle.js", "--image " + test::shell_quote(npy.string()) + " --detector " +
                                                     test::shell_quote(test::store_model_file("face-detection-short").string()) + " --mesh " +
                                                     test::shell_quote(test::store_model_file("facemesh").string()) + " --max-faces " +
                                                     std::to_string(max_faces))["faces"];
    const auto faces = FaceMesh::create({.max_faces = max_faces}).detect(image);
    ASSERT_EQ(faces.size(), oracle.size());
    ASSERT_EQ(faces.size(), static_cast<std::size_t>(max_faces));
    for (std::size_t i = 0; i < faces.size(); ++i) {
      // The library's faces are in the detector's order, as easel's.
      const nlohmann::json& o = oracle[i];
      ASSERT_EQ(faces[i].keypoints.size(), 468u);
      ASSERT_EQ(o["keypoints"].size(), 468u);
      const float size = o["box"]["width"].get<float>();
      double sum = 0, worst = 0, sum_z = 0;
      for (std::size_t k = 0; k < 468; ++k) {
        const Keypoint& e = faces[i].keypoints[k];
        const double d = std::hypot(e.x - o["keypoints"][k]["x"].get<double>(), e.y - o["keypoints"][k]["y"].get<double>());
        sum += d, worst = std::max(worst, d);
        sum_z += std::abs(e.z - o["keypoints"][k]["z"].get<double>());
      }
      std::printf("%s face %zu: mean %.2f px, worst %.2f px, z mean %.2f, face %.0f px\n", photo.c_str(), i, sum / 468, worst, sum_z / 468, size);
      // Seen: mean 0.01 to 0.18 px, worst 0.36 px, on faces of 90 to 180 px.
      EXPECT_LT(sum / 468, 0.005 * size);
      EXPECT_LT(worst, 0.01 * size);
      EXPECT_LT(sum_z / 468, 0.005 * size);
      EXPECT_NEAR(faces[i].box.x, o["box"]["xMin"].get<float>(), 0.01f * size);
      EXPECT_NEAR(faces[i].box.width, size, 0.01f * size);
      EXPECT_NEAR(faces[i].confidence, o["score"].get<float>(), 0.01f);
    }
  }
}

TEST(FaceMesh, RegionsAreTheLibrarysContours) {
  EASEL_NEEDS_MEDIAPIPE_ORACLE();
  // face-landmarks-detection's own util.getKeypointIndexByContour, in ml5's words.
  const auto r = test::run("cd " + test::shell_quote(test::mediapipe_oracle_dir().string()) +
                           " && node -e \"const f=require('@tensorflow-models/face-landmarks-detection');"
                           "console.log(JSON.stringify(f.util.getKeypointIndexByContour(f.SupportedModels.MediaPipeFaceMesh)))\" 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json want = nlohmann::json::parse(r.output.substr(r.output.rfind('{')));
  const auto faces = FaceMesh::create().detect(test::photo("grace_hopper.bmp"));
  ASSERT_EQ(faces.size(), 1u);
  const Face& face = faces[0];
  const std::vector<std::pair<std::string, std::string>> names = {{"lips", "lips"},           {"left_eye", "leftEye"},   {"left_eyebrow", "leftEyebrow"},
                                                                  {"right_eye", "rightEye"}, {"right_eyebrow", "rightEyebrow"}, {"face_oval", "faceOval"}};
  for (const auto& [ours, theirs] : names) {
    const auto points = face.region(ours);
    const auto indices = want[theirs].get<std::vector<int>>();
    ASSERT_EQ(points.size(), indices.size()) << ours;
    for (std::size_t k = 0; k < indices.size(); ++k) EXPECT_EQ(points[k].x, face.keypoints[static_cast<std::size_t>(indices[k])].x) << ours;
  }
  // Where the regions are: the lips below the eyes, her left eye on the photo's right.
  EXPECT_GT(face.region_box("lips").center_y(), face.region_box("left_eye").center_y());
  EXPECT_GT(face.region_box("left_eye").center_x(), face.region_box("right_eye").center_x());
  EXPECT_GT(face.region_box("face_oval").width, 2 * face.region_box("lips").width);
  EXPECT_THROW((void)face.region("nose"), Error);
  EXPECT_THROW((void)FaceDetector::create().detect(test::photo("grace_hopper.bmp")).at(0).region("lips"), Error);
}

TEST(FaceMesh, TrackingFollowsTheFaceThroughAVideo) {
  // Megamind.avi: one animated face for 270 frames. Tracked, the mesh keeps one id and the
  // detector's region is carried from frame to frame; each frame's points stay near those
  // found on the frame alone.
  VideoReader video = VideoReader::open(find_sample("Megamind.avi"));
  FaceMesh tracked = FaceMesh::create(), single = FaceMesh::create();
  std::set<int> ids;
  int frames = 0, found = 0;
  double worst = 0;
  for (Image frame; frames < 60 && video.read(frame); ++frames) {
    const auto faces = tracked.track(frame);
    if (faces.empty()) continue;
    ++found;
    ids.insert(faces[0].id);
    const auto alone = single.detect(frame);
    if (alone.empty()) continue;
    double sum = 0;
    for (std::size_t k = 0; k < 468; ++k) sum += std::hypot(faces[0].keypoints[k].x - alone[0].keypoints[k].x, faces[0].keypoints[k].y - alone[0].keypoints[k].y);
    worst = std::max(worst, sum / 468 / faces[0].box.width);
  }
  EXPECT_GE(found, 55) << "of " << frames;
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_LT(worst, 0.05);
}

TEST(FaceDetector, BadRequestsGetClearErrors) {
  try {
    (void)FaceDetector::create({.model = "movenet-lightning"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::bad_input);
    EXPECT_NE(std::string(e.what()).find("not a face detector"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)FaceDetector::create({.max_faces = 0}), Error);
  EXPECT_THROW((void)FaceMesh::create({.model = "face-detection-short"}), Error);
  EXPECT_THROW((void)FaceDetector::create().detect(Image()), Error);
}

}  // namespace
}  // namespace easel
