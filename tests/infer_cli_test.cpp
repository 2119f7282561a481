// `easel infer` as a user runs it: .npy in, one .npy per output out, named after the output
// tensor as TF.js names it, values equal to TF.js's; and one clear error per bad input.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "easel/error.h"
#include "easel/model.h"
#include "easel/npy.h"
#include "golden_util.h"

namespace fs = std::filesystem;
using easel::DType;
using easel::Tensor;
using easel::test::run;
using easel::test::ScratchDir;
using easel::test::shell_quote;

namespace {

std::string infer_cmd() { return easel::test::model_path_env() + std::string(EASEL_CLI) + " infer "; }

Tensor random_image(const easel::Shape& shape) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  Tensor t(DType::f32, shape);
  for (std::int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = u(rng);
  return t;
}

// ml5's saved neuralNetwork: one input [?,42] float32, Dense layers only.
const char* kSmall = "ml5-neuralnetwork";

std::string small_input_name() { return easel::Model::load(easel::test::model_store().get(kSmall).entry().string()).inputs().at(0).name; }

}  // namespace

TEST(InferCli, PosenetWritesEveryOutputNamedAfterItsTensor) {
  ScratchDir scratch;
  easel::write_npy(scratch / "image.npy", random_image({1, 385, 385, 3}));
  auto r = run(infer_cmd() + "posenet --input image:0=" + shell_quote((scratch / "image.npy").string()) + " --output-dir " +
               shell_quote((scratch / "out").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("inference:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("MobilenetV1/heatmap_2/BiasAdd"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[1,25,25,17]"), std::string::npos) << r.output;
  const auto files = easel::test::npy_files(scratch / "out");
  EXPECT_EQ(files, (std::set<std::string>{"MobilenetV1_displacement_bwd_2_BiasAdd.npy", "MobilenetV1_displacement_fwd_2_BiasAdd.npy",
                                          "MobilenetV1_heatmap_2_BiasAdd.npy", "MobilenetV1_offset_2_BiasAdd.npy"}));
  for (const auto& e : fs::directory_iterator(scratch / "out")) EXPECT_EQ(e.path().extension(), ".npy") << "left behind: " << e.path();
  EXPECT_EQ(easel::read_npy(scratch / "out/MobilenetV1_offset_2_BiasAdd.npy").shape(), (easel::Shape{1, 25, 25, 34}));
}

TEST(InferCli, PosenetOutputsEqualTfjs) {
  if (const std::string why = easel::test::tfjs_missing(); !why.empty()) EASEL_SKIP_UNLESS_REQUIRED(why);
  ScratchDir scratch;
  const fs::path image = scratch / "image.npy";
  easel::write_npy(image, random_image({1, 385, 385, 3}));
  auto r = run(infer_cmd() + "posenet --threads 2 --input image=" + shell_quote(image.string()) + " --output-dir " +
               shell_quote((scratch / "easel").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path entry = easel::test::model_store().get("posenet").entry();
  auto t = easel::test::run_tfjs(entry, {{"image", image}}, scratch / "tfjs");
  ASSERT_EQ(t.exit_code, 0) << t.output;

  const auto ours = easel::test::npy_files(scratch / "easel");
  ASSERT_EQ(ours, easel::test::npy_files(scratch / "tfjs"));
  ASSERT_EQ(ours.size(), 4u);
  for (const auto& f : ours) {
    const Tensor got = easel::read_npy(scratch / "easel" / f), ref = easel::read_npy(scratch / "tfjs" / f);
    ASSERT_EQ(got.shape(), ref.shape()) << f;
    const auto d = easel::test::compare(got, ref);
    std::printf("[ infer    ] posenet %s: %s\n", f.c_str(), easel::test::format_diff(d).c_str());
    EXPECT_TRUE(d.ok()) << f << ": " << easel::test::format_diff(d);
  }
}

TEST(InferCli, ReferenceKernelsAndAnUnnamedInputForAOneInputModel) {
  ScratchDir scratch;
  easel::write_npy(scratch / "x.npy", Tensor::from<float>({1, 42}, std::vector<float>(42, 0.5f)));
  auto r = run(infer_cmd() + kSmall + " --reference --threads 1 --input " + shell_quote((scratch / "x.npy").string()) + " --output-dir " +
               shell_quote((scratch / "out").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto files = easel::test::npy_files(scratch / "out");
  ASSERT_EQ(files.size(), 1u) << r.output;
  const Tensor y = easel::read_npy(scratch / "out" / *files.begin());
  ASSERT_EQ(y.shape(), (easel::Shape{1, 3}));
  EXPECT_NEAR(y.at(0) + y.at(1) + y.at(2), 1.0, 1e-5);  // a softmax
}

TEST(InferCli, WrongShapeIsExitCode2AndNamesTheInput) {
  ScratchDir scratch;
  const std::string name = small_input_name();
  easel::write_npy(scratch / "x.npy", Tensor(DType::f32, {1, 41}));
  auto r = run(infer_cmd() + kSmall + " --input " + shell_quote(name + "=" + (scratch / "x.npy").string()) + " --output-dir " +
               shell_quote((scratch / "out").string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("Input '" + name + "'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[1,41]"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("terminate"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(scratch / "out")) << "nothing is written for a bad input";
}

TEST(InferCli, WrongDtypeIsExitCode2) {
  ScratchDir scratch;
  easel::write_npy(scratch / "x.npy", Tensor(DType::i32, {1, 42}));
  auto r = run(infer_cmd() + kSmall + " --input " + shell_quote((scratch / "x.npy").string()) + " --output-dir " +
               shell_quote((scratch / "out").string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("float32"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("int32"), std::string::npos) << r.output;
}

TEST(InferCli, MissingNpyNamesTheFile) {
  ScratchDir scratch;
  const std::string missing = (scratch / "no-such-input.npy").string();
  auto r = run(infer_cmd() + kSmall + " --input " + shell_quote(missing) + " --output-dir " + shell_quote((scratch / "out").string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(missing), std::string::npos) << r.output;
}

TEST(InferCli, UnknownInputNameListsTheModelsInputs) {
  ScratchDir scratch;
  easel::write_npy(scratch / "x.npy", Tensor(DType::f32, {1, 42}));
  auto r = run(infer_cmd() + kSmall + " --input bogus=" + shell_quote((scratch / "x.npy").string()) + " --output-dir " +
               shell_quote((scratch / "out").string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no input named 'bogus'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(small_input_name()), std::string::npos) << r.output;
}

TEST(InferCli, AnInputGivenTwiceOrAnExtraInputIsAnError) {
  ScratchDir scratch;
  const std::string name = small_input_name();
  const std::string x = shell_quote(name + "=" + (scratch / "x.npy").string());
  easel::write_npy(scratch / "x.npy", Tensor(DType::f32, {1, 42}));
  auto twice = run(infer_cmd() + kSmall + " --input " + x + " --input " + x + " --output-dir " + shell_quote((scratch / "out").string()));
  EXPECT_EQ(twice.exit_code, 2) << twice.output;
  EXPECT_NE(twice.output.find("given twice"), std::string::npos) << twice.output;
  auto extra = run(infer_cmd() + kSmall + " --input " + x + " --input other=" + shell_quote((scratch / "x.npy").string()) +
                   " --output-dir " + shell_quote((scratch / "out").string()));
  EXPECT_EQ(extra.exit_code, 2) << extra.output;
  EXPECT_NE(extra.output.find("'other'"), std::string::npos) << extra.output;
}

TEST(InferCli, UnknownModelIsExitCode3) {
  ScratchDir scratch;
  easel::write_npy(scratch / "x.npy", Tensor(DType::f32, {1, 42}));
  auto r = run(infer_cmd() + "posnet --input " + shell_quote((scratch / "x.npy").string()) + " --output-dir " +
               shell_quote((scratch / "out").string()));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("posenet"), std::string::npos) << r.output;
}
