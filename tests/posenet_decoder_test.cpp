// easel's PoseNet decoder against the JavaScript one of @tensorflow-models/posenet 2.2.2
// (tests/posenet_js/decode_posenet.js), both on the same raw outputs of the posenet model:
// keypoints within 0.5 px, scores within 1e-4, the same number of poses.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <string>

#include "easel/image.h"
#include "easel/model.h"
#include "easel/npy.h"
#include "easel/video.h"
#include "golden_util.h"
#include "sample_media.h"
#include "test_util.h"
#include "vision/posenet_decoder.h"
#include "vision/preprocess.h"

namespace fs = std::filesystem;
using namespace easel;

namespace {

fs::path oracle_script() { return fs::path(EASEL_SOURCE_DIR) / "tests" / "posenet_js" / "decode_posenet.js"; }

void compare(const vision::PosenetPose& ours, const nlohmann::json& theirs, const std::string& what) {
  EXPECT_NEAR(ours.score, theirs["score"].get<double>(), 1e-4) << what;
  ASSERT_EQ(ours.keypoints.size(), theirs["keypoints"].size()) << what;
  for (std::size_t k = 0; k < ours.keypoints.size(); ++k) {
    const auto& t = theirs["keypoints"][k];
    EXPECT_NEAR(ours.keypoints[k].x, t["x"].get<double>(), 0.5) << what << " " << t["part"];
    EXPECT_NEAR(ours.keypoints[k].y, t["y"].get<double>(), 0.5) << what << " " << t["part"];
    EXPECT_NEAR(ours.keypoints[k].score, t["score"].get<double>(), 1e-4) << what << " " << t["part"];
  }
}

void check_image(Model& model, const Image& image, const std::string& name) {
  SCOPED_TRACE(name);
  vision::InputSpec spec;
  spec.height = spec.width = 385;
  spec.fit = vision::Fit::letterbox;
  spec.range = vision::Range::signed_unit;
  const auto out = model.run({vision::to_tensor(image, spec)});
  const auto infos = model.outputs();
  test::ScratchDir dir;
  std::map<std::string, const Tensor*> heads;
  for (std::size_t i = 0; i < infos.size(); ++i)
    for (const char* head : {"heatmap", "offset", "displacement_fwd", "displacement_bwd"})
      if (infos[i].name.find(head) != std::string::npos) {
        heads[head] = &out[i];
        write_npy(dir / (std::string(head) + ".npy"), out[i]);
      }
  ASSERT_EQ(heads.size(), 4u);
  const Tensor& heatmap = *heads["heatmap"];
  vision::PosenetOutputs raw;
  raw.heatmap = heatmap.data<float>();
  raw.offsets = heads["offset"]->data<float>();
  raw.displacement_fwd = heads["displacement_fwd"]->data<float>();
  raw.displacement_bwd = heads["displacement_bwd"]->data<float>();
  raw.height = static_cast<int>(heatmap.dim(1));
  raw.width = static_cast<int>(heatmap.dim(2));
  raw.output_stride = 16;

  const auto r =
      test::run("node " + test::shell_quote(oracle_script().string()) + " --heatmap " + test::shell_quote((dir / "heatmap.npy").string()) +
                " --offsets " + test::shell_quote((dir / "offset.npy").string()) + " --fwd " +
                test::shell_quote((dir / "displacement_fwd.npy").string()) + " --bwd " +
                test::shell_quote((dir / "displacement_bwd.npy").string()) + " --stride 16 --max 5 --threshold 0.5 --nms 20");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // TF.js may print advice before the JSON line: parse the line that holds the result.
  const auto start = r.output.rfind("\n{\"single\"");
  const auto theirs = nlohmann::json::parse(start == std::string::npos ? r.output : r.output.substr(start + 1));

  compare(vision::decode_single_pose(raw), theirs["single"], "single pose");
  const auto multi = vision::decode_multiple_poses(raw, {});
  ASSERT_EQ(multi.size(), theirs["multi"].size());
  std::printf("[ posenet  ] %s: %zu poses, as the JavaScript decoder\n", name.c_str(), multi.size());
  for (std::size_t p = 0; p < multi.size(); ++p) compare(multi[p], theirs["multi"][p], "multi pose " + std::to_string(p));
}

}  // namespace

TEST(PosenetDecoder, MatchesTheJavaScriptDecoder) {
  if (!fs::exists(oracle_script().parent_path() / "node_modules" / "@tensorflow-models" / "posenet"))
    EASEL_SKIP_UNLESS_REQUIRED("tests/posenet_js/node_modules is not installed; run scripts/setup.sh");
  Model model = Model::load("posenet");
  check_image(model, Image::load(find_sample("messi5.jpg")), "messi5.jpg");
  check_image(model, Image::load(find_sample("kite.jpg")), "kite.jpg");
  VideoReader video = VideoReader::open(find_sample("vtest.avi"));
  Image frame;
  while (video.read(frame) && video.frame_index() < 50) {}
  check_image(model, frame, "vtest.avi frame 50");
}
