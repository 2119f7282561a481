// TFLite models against an independent executor: Arm NN's TFLite parser on its CpuRef
// backend (tests/armnn_oracle/armnn_run.cpp), on the same real photos. Arm NN runs
// quantized models with TFLite's integer arithmetic, so it is the oracle of easel's int8
// engine as well as of the float path, and the only one for the embedding extractor.
// Arm NN 20.08 (Debian 12) cannot parse DeepLab (no ARG_MAX) nor the MediaPipe landmark
// models (float16 weights behind DEQUANTIZE); those are checked elsewhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/files.h"
#include "easel/model.h"
#include "easel/npy.h"
#include "sample_media.h"
#include "test_photos.h"
#include "test_util.h"

namespace fs = std::filesystem;

namespace easel {
namespace {

fs::path model_file(const std::string& folder, const std::string& file) { return test::shared_dir() / "models" / folder / file; }

// The outputs Arm NN computes for `inputs`; empty (and a skip or failure) when it cannot.
std::vector<Tensor> armnn_outputs(const fs::path& model, const std::vector<Tensor>& inputs) {
  if (std::string(EASEL_ARMNN_RUN).empty()) return {};
  detail::TempDir tmp(fs::temp_directory_path(), "easel-armnn-");
  std::string cmd = std::string(EASEL_ARMNN_RUN) + " '" + model.string() + "' '" + tmp.path().string() + "'";
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const fs::path in = tmp.path() / ("in" + std::to_string(i) + ".npy");
    write_npy(in, inputs[i]);
    cmd += " '" + in.string() + "'";
  }
  const auto r = test::run(cmd + " 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::vector<Tensor> out;
  for (int k = 0; fs::exists(tmp.path() / (std::to_string(k) + ".npy")); ++k)
    out.push_back(read_npy(tmp.path() / (std::to_string(k) + ".npy")));
  return out;
}

#define REQUIRE_ARMNN()                                                                                              \
  do {                                                                                                               \
    if (std::string(EASEL_ARMNN_RUN).empty()) EASEL_SKIP_UNLESS_REQUIRED("Arm NN's TFLite parser is not installed"); \
  } while (0)

double value(const Tensor& t, std::int64_t i) { return t.at(i); }

// Largest difference in quantization steps between two uint8/int8 outputs.
double max_steps(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  double worst = 0;
  for (std::int64_t i = 0; i < std::min(a.size(), b.size()); ++i) worst = std::max(worst, std::fabs(value(a, i) - value(b, i)));
  return worst;
}

std::int64_t argmax(const Tensor& t) {
  std::int64_t best = 0;
  for (std::int64_t i = 1; i < t.size(); ++i)
    if (value(t, i) > value(t, best)) best = i;
  return best;
}

struct Quantized {
  const char* folder;
  const char* file;
  const char* photo;
  int size;
  int int8_steps;   // easel's int8 engine against Arm NN's integer kernels
  int float_steps;  // easel's dequantize-to-float path against them
};

// The Coral MobileNets: the int8 engine and the float path against Arm NN's quantized run.
TEST(ArmnnOracle, QuantizedMobilenets) {
  REQUIRE_ARMNN();
  const Quantized models[] = {
      {"mobilenet-v2-quant-coral", "mobilenet_v2_1.0_224_quant.tflite", "parrot.jpg", 224, 2, 2},
      {"mobilenet-v2-quant-coral", "mobilenet_v2_1.0_224_quant.tflite", "cat.bmp", 224, 8, 8},
      {"mobilenet-v1-025-quant-coral", "mobilenet_v1_0.25_128_quant.tflite", "hot_dog.jpg", 128, 4, 6},
      {"mobilenet-v1-025-quant-coral", "mobilenet_v1_0.25_128_quant.tflite", "cat.bmp", 128, 4, 8},
      {"mobilenet-v1-embedding-coral", "mobilenet_v1_1.0_224_quant_embedding_extractor.tflite", "parrot.jpg", 224, 5, 7},
  };
  for (const Quantized& m : models) {
    SCOPED_TRACE(std::string(m.file) + " on " + m.photo);
    const fs::path file = model_file(m.folder, m.file);
    const Tensor x = test::rgb_tensor(find_sample(m.photo), m.size, m.size, DType::u8);
    const std::vector<Tensor> want = armnn_outputs(file, {x});
    ASSERT_EQ(want.size(), 1u);
    Model int8 = Model::load(file.string()), fallback = Model::load(file.string(), {.int8 = false});
    const Tensor a = int8.run({x})[0], b = fallback.run({x})[0];
    ASSERT_EQ(want[0].dtype(), DType::u8);
    std::printf("%s %s: int8 %g steps, float %g steps from Arm NN\n", m.file, m.photo, max_steps(a, want[0]), max_steps(b, want[0]));
    EXPECT_LE(max_steps(a, want[0]), m.int8_steps);
    EXPECT_LE(max_steps(b, want[0]), m.float_steps);
    if (want[0].size() > 1024) {
      EXPECT_EQ(argmax(a), argmax(want[0])) << "top-1";
    }
  }
}

// The int8 keyword spotter (int8 activations, per-channel weights), on MFCC-like input.
TEST(ArmnnOracle, Int8KeywordSpotter) {
  REQUIRE_ARMNN();
  const fs::path file = model_file("kws-dscnn-mlperf-tiny", "kws_ref_model.tflite");
  Tensor x(DType::i8, {1, 49, 10, 1});
  for (std::int64_t i = 0; i < x.size(); ++i) x.data<std::int8_t>()[i] = static_cast<std::int8_t>((i * 37) % 200 - 100);
  const std::vector<Tensor> want = armnn_outputs(file, {x});
  ASSERT_EQ(want.size(), 1u);
  Model m = Model::load(file.string());
  const Tensor got = m.run({x})[0];
  EXPECT_LE(max_steps(got, want[0]), 3);
  EXPECT_EQ(argmax(got), argmax(want[0]));
}

}  // namespace
}  // namespace easel
