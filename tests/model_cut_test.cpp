// ModelOptions::outputs: a model run only as far as a named value, as a feature extractor
// cuts a classifier. Teachable Machine's official image export cut after its pooling layer
// gives the 1280 features TF.js gives for the export's inner base model (run_tfjs.js
// --layer 0: the first of its two nested models), on a real photo.
#include <gtest/gtest.h>

#include "easel/error.h"
#include "easel/model.h"
#include "easel/npy.h"
#include "golden_util.h"
#include "test_photos.h"

namespace fs = std::filesystem;

namespace {

fs::path tm_export() { return easel::test::shared_dir() / "models" / "tm-image-official-2019" / "model.json"; }

// A photo as Teachable Machine feeds it: 224 x 224, x / 127.5 - 1.
easel::Tensor tm_input(const std::string& photo) {
  easel::Tensor bytes = easel::test::rgb_tensor(easel::find_sample(photo), 224, 224, easel::DType::u8);
  easel::Tensor x(easel::DType::f32, {1, 224, 224, 3});
  for (std::int64_t i = 0; i < x.size(); ++i) x.data<float>()[i] = bytes.data<std::uint8_t>()[i] / 127.5f - 1.f;
  return x;
}

constexpr const char* kPooled = "global_average_pooling2d_GlobalAveragePooling2D1";

TEST(ModelCut, TeachableMachinesBaseGivesTheFeaturesTfjsGives) {
  if (!fs::exists(tm_export())) EASEL_SKIP_UNLESS_REQUIRED("the official Teachable Machine export is not in ../shared/models");
  if (const std::string why = easel::test::tfjs_missing(); !why.empty()) EASEL_SKIP_UNLESS_REQUIRED(why);
  easel::test::ScratchDir dir;
  const easel::Tensor x = tm_input("fruits.jpg");
  easel::write_npy(dir / "x.npy", x);

  easel::Model base = easel::Model::load(tm_export().string(), {.outputs = {kPooled}});
  ASSERT_EQ(base.outputs().size(), 1u);
  EXPECT_EQ(base.outputs()[0].name, kPooled);
  const easel::Tensor features = base.run({x}).at(0);
  ASSERT_EQ(features.size(), 1280);

  const auto r =
      easel::test::run("node " + easel::test::shell_quote(easel::test::run_tfjs_script().string()) + " --quiet --model " +
                       easel::test::shell_quote(tm_export().string()) + " --layer 0 --input " +
                       easel::test::shell_quote((dir / "x.npy").string()) + " --out " + easel::test::shell_quote((dir / "tfjs").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto written = easel::test::npy_files(dir / "tfjs");
  ASSERT_EQ(written.size(), 1u);
  const easel::Tensor want = easel::read_npy(dir / "tfjs" / *written.begin());
  ASSERT_EQ(want.size(), features.size());
  const easel::test::Diff d = easel::test::compare(features, want);
  EXPECT_TRUE(d.ok()) << "largest difference " << d.max_err << " at " << d.worst;
  EXPECT_GT(d.max_ref, 0.1) << "the features are all near zero";

  // The cut model is smaller than the whole one: the head is gone.
  easel::Model whole = easel::Model::load(tm_export().string());
  EXPECT_LT(base.stats({{1, 224, 224, 3}}).parameters, whole.stats({{1, 224, 224, 3}}).parameters);
}

TEST(ModelCut, AnUnknownNameSaysWhatTheOutputsAre) {
  if (!fs::exists(tm_export())) EASEL_SKIP_UNLESS_REQUIRED("the official Teachable Machine export is not in ../shared/models");
  try {
    easel::Model::load(tm_export().string(), {.outputs = {"penultimate"}});
    FAIL() << "an unknown value name was taken";
  } catch (const easel::Error& e) {
    EXPECT_EQ(e.code(), easel::ErrorCode::bad_input);
    EXPECT_NE(std::string(e.what()).find("has no value named 'penultimate'"), std::string::npos) << e.what();
    EXPECT_NE(e.hint().find("its outputs are 'sequential_3'"), std::string::npos) << e.hint();
  }
}

}  // namespace
