// The ONNX importer against onnxruntime-node (tests/onnx_oracle/run_onnx.js), an
// independent runtime: YOLOX-nano on a real photo and on noise, and small models built
// here that cover the common CNN opset in NCHW, each compared output by output.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <random>
#include <string>

#include "easel/audio.h"
#include "easel/error.h"
#include "easel/image.h"
#include "easel/model.h"
#include "easel/model_store.h"
#include "easel/npy.h"
#include "golden_util.h"
#include "onnx_builder.h"
#include "nn/import/importers.h"
#include "sample_media.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace easel;

namespace {

fs::path oracle() { return fs::path(EASEL_SOURCE_DIR) / "tests" / "onnx_oracle" / "run_onnx.js"; }
bool oracle_missing() { return !fs::exists(oracle().parent_path() / "node_modules" / "onnxruntime-node"); }

// Runs `model` in easel and in onnxruntime on the same inputs; returns the largest
// |easel - ort| / max(1, max|ort|) over all outputs.
double compare_with_onnxruntime(const fs::path& model, const std::vector<Tensor>& inputs, double tolerance) {
  test::ScratchDir dir;
  Model m = Model::load(model.string());
  const auto infos = m.inputs();
  std::string args;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const fs::path f = dir / ("in" + std::to_string(i) + ".npy");
    write_npy(f, inputs[i]);
    args += " --input " + test::shell_quote(infos[i].name + "=" + f.string());
  }
  const auto r = test::run("node " + test::shell_quote(oracle().string()) + " --model " + test::shell_quote(model.string()) + args +
                           " --output-dir " + test::shell_quote((dir / "ort").string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto ours = m.run(inputs);
  const auto outs = m.outputs();
  double worst = 0;
  for (std::size_t i = 0; i < outs.size(); ++i) {
    std::string file = outs[i].name;
    for (char& c : file)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') c = '_';
    const Tensor want = read_npy(dir / "ort" / (file + ".npy"));
    EXPECT_EQ(ours[i].shape(), want.shape()) << outs[i].name;
    if (ours[i].shape() != want.shape()) return 1e9;
    double err = 0, mag = 1;
    for (std::int64_t k = 0; k < want.size(); ++k) {
      err = std::max(err, std::abs(ours[i].at(k) - want.at(k)));
      mag = std::max(mag, std::abs(want.at(k)));
    }
    std::printf("[ onnx     ] %s %s: max|err| %.3g, max|ref| %.4g\n", model.filename().c_str(), outs[i].name.c_str(), err, mag);
    worst = std::max(worst, err / mag);
  }
  EXPECT_LE(worst, tolerance) << model;
  return worst;
}

}  // namespace

using test::Builder;
using test::random_tensor;

TEST(OnnxImport, YoloxNanoMatchesOnnxRuntime) {
  if (oracle_missing()) EASEL_SKIP_UNLESS_REQUIRED("tests/onnx_oracle/node_modules is not installed; run scripts/setup.sh");
  const fs::path model = test::shared_dir() / "models" / "yolox-nano-coco" / "yolox_nano.onnx";
  if (!fs::exists(model)) EASEL_SKIP_UNLESS_REQUIRED("no " + model.string());
  // A real photo as YOLOX takes it (BGR, 0..255, NCHW; the whole kite.jpg squeezed to 416).
  const Image photo = Image::load(find_sample("kite.jpg"));
  Tensor x(DType::f32, {1, 3, 416, 416});
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 416; ++y)
      for (int xx = 0; xx < 416; ++xx)
        x.data<float>()[(c * 416 + y) * 416 + xx] = photo.pixel(xx * photo.width() / 416, y * photo.height() / 416)[2 - c];
  compare_with_onnxruntime(model, {x}, 1e-4);
  compare_with_onnxruntime(model, {random_tensor({1, 3, 416, 416}, 5, 0, 255)}, 1e-4);
}

// Every op of the common CNN opset, in NCHW, each in a small model of its own.
TEST(OnnxImport, CommonOpsMatchOnnxRuntime) {
  if (oracle_missing()) EASEL_SKIP_UNLESS_REQUIRED("tests/onnx_oracle/node_modules is not installed; run scripts/setup.sh");
  test::ScratchDir dir;
  struct Case {
    std::string name;
    Shape input;
    std::function<void(Builder&)> build;  // from "x" to "y"
  };
  const std::vector<Case> cases = {
      {"conv_bn_relu",
       {1, 3, 9, 11},
       [](Builder& b) {
         auto* c = b.node("Conv", {"x", b.weights("w", {8, 3, 3, 3}), b.weights("bias", {8})}, {"c"});
         Builder::set(c, "pads", std::vector<std::int64_t>{1, 0, 1, 2});
         Builder::set(c, "strides", std::vector<std::int64_t>{2, 1});
         b.node("BatchNormalization",
                {"c", b.weights("s", {8}), b.weights("bb", {8}), b.weights("m", {8}),
                 b.floats("v", {8}, {0.5f, 1, 2, 0.7f, 0.9f, 1.5f, 0.3f, 1})},
                {"n"});
         b.node("Relu", {"n"}, {"y"});
       }},
      {"depthwise_and_grouped",
       {1, 8, 10, 10},
       [](Builder& b) {
         auto* d = b.node("Conv", {"x", b.weights("dw", {8, 1, 3, 3})}, {"d"});
         Builder::set(d, "group", std::int64_t{8});
         Builder::set(d, "pads", std::vector<std::int64_t>{1, 1, 1, 1});
         Builder::set(d, "dilations", std::vector<std::int64_t>{1, 1});
         auto* g = b.node("Conv", {"d", b.weights("gw", {6, 4, 1, 1}), b.weights("gb", {6})}, {"g"});
         Builder::set(g, "group", std::int64_t{2});
         b.node("Clip", {"g", b.floats("lo", {}, {0}), b.floats("hi", {}, {6})}, {"y"});
       }},
      {"pools_and_activations",
       {1, 4, 12, 12},
       [](Builder& b) {
         auto* m = b.node("MaxPool", {"x"}, {"m"});
         Builder::set(m, "kernel_shape", std::vector<std::int64_t>{3, 3});
         Builder::set(m, "strides", std::vector<std::int64_t>{2, 2});
         Builder::set(m, "pads", std::vector<std::int64_t>{1, 1, 1, 1});
         auto* a = b.node("AveragePool", {"m"}, {"a"});
         Builder::set(a, "kernel_shape", std::vector<std::int64_t>{2, 2});
         Builder::set(a, "strides", std::vector<std::int64_t>{1, 1});
         auto* l = b.node("LeakyRelu", {"a"}, {"l"});
         Builder::set(l, "alpha", 0.1f);
         b.node("HardSwish", {"l"}, {"h"});
         b.node("Sigmoid", {"h"}, {"s"});
         // Broadcast constants in NCHW: [C,1,1] per channel, [W] along the width.
         b.node("Mul", {"s", b.weights("k", {4, 1, 1})}, {"k1"});
         b.node("Add", {"k1", b.weights("w6", {5})}, {"k2"});
         b.node("Sub", {"k2", b.floats("half", {}, {0.5f})}, {"k3"});
         b.node("Div", {"k3", b.floats("two", {1}, {2})}, {"y"});
       }},
      {"concat_slice_resize",
       {1, 4, 6, 8},
       [](Builder& b) {
         b.node("Conv", {"x", b.weights("w", {4, 4, 1, 1})}, {"c"});
         auto* cat = b.node("Concat", {"c", "x"}, {"cat"});
         Builder::set(cat, "axis", std::int64_t{1});
         b.node("Slice", {"cat", b.ints("st", {1, 0}), b.ints("en", {7, 1000}), b.ints("ax", {1, 3}), b.ints("sp", {2, 2})}, {"sl"});
         auto* r = b.node("Resize", {"sl", "", b.floats("sc", {4}, {1, 1, 2, 2})}, {"r"});
         Builder::set(r, "mode", std::string("nearest"));
         Builder::set(r, "coordinate_transformation_mode", std::string("asymmetric"));
         Builder::set(r, "nearest_mode", std::string("floor"));
         auto* r2 = b.node("Resize", {"r", "", b.floats("sc2", {4}, {1, 1, 1.5f, 1.5f})}, {"y"});
         Builder::set(r2, "mode", std::string("linear"));
         Builder::set(r2, "coordinate_transformation_mode", std::string("half_pixel"));
       }},
      {"head_gemm_softmax",
       {2, 3, 8, 8},
       [](Builder& b) {
         b.node("Conv", {"x", b.weights("w", {5, 3, 3, 3})}, {"c"});
         b.node("GlobalAveragePool", {"c"}, {"p"});
         b.node("Flatten", {"p"}, {"f"});
         auto* gm = b.node("Gemm", {"f", b.weights("gw", {7, 5}), b.weights("gb", {7})}, {"gm"});
         Builder::set(gm, "transB", std::int64_t{1});
         Builder::set(gm, "alpha", 0.5f);
         b.node("Softmax", {"gm"}, {"y"});
       }},
      {"reshape_transpose_split_pad",
       {1, 6, 4, 4},
       [](Builder& b) {
         b.node("Conv", {"x", b.weights("w", {6, 6, 1, 1})}, {"c"});
         auto* p = b.node("Pad", {"c", b.ints("pads", {0, 0, 1, 2, 0, 0, 2, 1})}, {"p"});
         Builder::set(p, "mode", std::string("constant"));
         auto* s = b.node("Split", {"p", b.ints("sizes", {2, 4})}, {"s0", "s1"});
         Builder::set(s, "axis", std::int64_t{1});
         b.node("Reshape", {"s1", b.ints("shape", {0, 4, -1})}, {"r"});
         auto* t = b.node("Transpose", {"r"}, {"t"});
         Builder::set(t, "perm", std::vector<std::int64_t>{0, 2, 1});
         b.node("MatMul", {"t", b.weights("mw", {4, 3})}, {"y"});
         b.node("Relu", {"s0"}, {"y2"});
       }},
      {"conv_transpose",
       {1, 4, 5, 5},
       [](Builder& b) {
         auto* ct = b.node("ConvTranspose", {"x", b.weights("w", {4, 3, 3, 3}), b.weights("bias", {3})}, {"c"});
         Builder::set(ct, "strides", std::vector<std::int64_t>{2, 2});
         Builder::set(ct, "output_shape", std::vector<std::int64_t>{10, 10});
         auto* ct2 = b.node("ConvTranspose", {"c", b.weights("w2", {3, 2, 4, 4})}, {"y"});
         Builder::set(ct2, "strides", std::vector<std::int64_t>{2, 2});
         Builder::set(ct2, "pads", std::vector<std::int64_t>{1, 1, 1, 1});
       }},
      // An audio front end's forms: a 1-D convolution over [N, C, L] (strided, dilated,
      // padded unevenly), comparisons cast back to numbers, and a Clip whose floor is
      // computed (the peak less a margin, as a log-mel spectrogram's 80 dB range).
      {"conv1d_compare_cast_clip",
       {1, 2, 40},
       [](Builder& b) {
         auto* c = b.node("Conv", {"x", b.weights("w", {4, 2, 5}), b.weights("bias", {4})}, {"c"});
         Builder::set(c, "strides", std::vector<std::int64_t>{2});
         Builder::set(c, "pads", std::vector<std::int64_t>{1, 2});
         Builder::set(c, "dilations", std::vector<std::int64_t>{2});
         b.node("GreaterOrEqual", {"c", b.floats("t", {}, {0.1f})}, {"ge"});
         Builder::set(b.node("Cast", {"ge"}, {"gef"}), "to", std::int64_t{onnx::TensorProto::FLOAT});
         b.node("Floor", {"c"}, {"fl"});
         b.node("Equal", {"fl", b.floats("zero", {}, {0})}, {"eq"});
         Builder::set(b.node("Cast", {"eq"}, {"eqf"}), "to", std::int64_t{onnx::TensorProto::FLOAT});
         b.node("Less", {"c", b.floats("lt", {}, {-0.2f})}, {"ls"});
         b.node("Not", {"ls"}, {"nl"});
         Builder::set(b.node("Cast", {"nl"}, {"nlf"}), "to", std::int64_t{onnx::TensorProto::FLOAT});
         Builder::set(b.node("ReduceMax", {"c"}, {"peak"}), "keepdims", std::int64_t{0});
         b.node("Sub", {"peak", b.floats("range", {}, {0.5f})}, {"floor"});
         b.node("Clip", {"c", "floor"}, {"cl"});
         b.node("Add", {"cl", "gef"}, {"s1"});
         b.node("Add", {"s1", "eqf"}, {"s2"});
         b.node("Add", {"s2", "nlf"}, {"y"});
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Builder b;
    b.input("x", c.input);
    c.build(b);
    b.output("y");
    if (c.name == "reshape_transpose_split_pad") b.output("y2");
    const fs::path file = b.save(dir / (c.name + ".onnx"));
    compare_with_onnxruntime(file, {random_tensor(c.input, 11)}, 1e-4);
  }
}

// Forms ONNX's conformance cases caught easel ignoring or refusing (issue 15): Elu's alpha,
// Max and Min of one and of three inputs, Shape's start and end, pooling's dilations,
// ceil_mode, count_include_pad, SAME_LOWER and 1-D windows; each now matches onnxruntime.
// MaxPool's indices output, which easel does not make, is refused by name.
TEST(OnnxImport, ConformanceFormsOnceIgnored) {
  if (oracle_missing()) EASEL_SKIP_UNLESS_REQUIRED("tests/onnx_oracle/node_modules is not installed; run scripts/setup.sh");
  test::ScratchDir dir;
  const std::vector<std::pair<std::string, std::function<void(Builder&)>>> cases = {
      {"elu_alpha", [](Builder& b) { Builder::set(b.node("Elu", {"x"}, {"y"}), "alpha", 0.3f); }},
      {"max_one", [](Builder& b) { b.node("Max", {"x"}, {"y"}); }},
      {"min_one", [](Builder& b) { b.node("Min", {"x"}, {"y"}); }},
      {"max_three",
       [](Builder& b) {
         b.node("Max", {"x", b.weights("a", {3, 4}), b.weights("c", {4})}, {"y"});
       }},
      {"min_three",
       [](Builder& b) {
         b.node("Min", {"x", b.weights("a", {3, 4}), b.floats("c", {}, {0.1f})}, {"y"});
       }},
      {"shape_start_end",
       [](Builder& b) {
         auto* sh = b.node("Shape", {"x"}, {"s"});
         Builder::set(sh, "start", std::int64_t{-1});
         auto* sh2 = b.node("Shape", {"x"}, {"s2"});
         Builder::set(sh2, "start", std::int64_t{0});
         Builder::set(sh2, "end", std::int64_t{1});
         auto* c = b.node("Concat", {"s", "s2"}, {"s3"});
         Builder::set(c, "axis", std::int64_t{0});
         Builder::set(b.node("Cast", {"s3"}, {"y"}), "to", std::int64_t{onnx::TensorProto::FLOAT});
       }},
  };
  for (const auto& [name, build] : cases) {
    SCOPED_TRACE(name);
    Builder b(15);
    b.input("x", {3, 4});
    build(b);
    b.output("y");
    compare_with_onnxruntime(b.save(dir / (name + ".onnx")), {random_tensor({3, 4}, 21)}, 1e-5);
  }
  // Pooling forms once refused, now read: each against onnxruntime.
  using Ints = std::vector<std::int64_t>;
  const std::vector<std::tuple<std::string, Shape, std::function<void(onnx::NodeProto*)>>> pools = {
      {"maxpool_dilated", {1, 2, 8, 9}, [](onnx::NodeProto* m) { Builder::set(m, "dilations", Ints{2, 3}); }},
      {"maxpool_ceil", {1, 2, 8, 9}, [](onnx::NodeProto* m) { Builder::set(m, "strides", Ints{2, 2}), Builder::set(m, "ceil_mode", std::int64_t{1}); }},
      {"averagepool_ceil", {1, 2, 8, 9}, [](onnx::NodeProto* m) { Builder::set(m, "strides", Ints{3, 2}), Builder::set(m, "ceil_mode", std::int64_t{1}); }},
      {"averagepool_count_include_pad", {1, 2, 8, 9},
       [](onnx::NodeProto* m) { Builder::set(m, "pads", Ints{1, 0, 1, 1}), Builder::set(m, "count_include_pad", std::int64_t{1}); }},
      {"averagepool_same_lower", {1, 2, 8, 9},
       [](onnx::NodeProto* m) { Builder::set(m, "strides", Ints{2, 2}), Builder::set(m, "auto_pad", std::string("SAME_LOWER")); }},
      {"maxpool_1d", {1, 3, 17}, [](onnx::NodeProto* m) { Builder::set(m, "strides", Ints{2}), Builder::set(m, "pads", Ints{1, 1}); }},
      {"averagepool_1d", {1, 3, 17}, [](onnx::NodeProto* m) { Builder::set(m, "strides", Ints{3}); }},
  };
  for (const auto& [name, shape, configure] : pools) {
    SCOPED_TRACE(name);
    Builder b(15);
    b.input("x", shape);
    auto* m = b.node(name.starts_with("max") ? "MaxPool" : "AveragePool", {"x"}, {"y"});
    Builder::set(m, "kernel_shape", shape.size() == 3 ? Ints{3} : Ints{2, 3});
    configure(m);
    b.output("y");
    compare_with_onnxruntime(b.save(dir / (name + ".onnx")), {random_tensor(shape, 22)}, 1e-5);
  }
  Builder p;
  p.input("x", {1, 2, 8, 8});
  auto* m = p.node("MaxPool", {"x"}, {"y", "indices"});
  Builder::set(m, "kernel_shape", std::vector<std::int64_t>{2, 2});
  p.output("y");
  try {
    Model::load(p.save(dir / "indices.onnx").string());
    ADD_FAILURE() << "MaxPool's indices output was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported_op);
    EXPECT_NE(std::string(e.what()).find("indices"), std::string::npos) << e.what();
  }
}

// If with a condition known only at run time (both branches run, the condition picks) and
// with a constant one (one branch kept), on inputs that take each branch.
TEST(OnnxImport, IfTakesTheBranchItsConditionNames) {
  if (oracle_missing()) EASEL_SKIP_UNLESS_REQUIRED("tests/onnx_oracle/node_modules is not installed; run scripts/setup.sh");
  test::ScratchDir dir;
  const auto branch = [](onnx::NodeProto* n, const char* which, const std::string& op, const std::string& out, float k) {
    auto* a = n->add_attribute();
    a->set_name(which), a->set_type(onnx::AttributeProto::GRAPH);
    onnx::GraphProto* g = a->mutable_g();
    g->set_name(which);
    auto* c = g->add_initializer();
    c->set_name(out + "_k"), c->set_data_type(onnx::TensorProto::FLOAT), c->add_float_data(k);
    auto* node = g->add_node();
    node->set_op_type(op), node->add_input("h"), node->add_input(out + "_k"), node->add_output(out);
    auto* o = g->add_output();
    o->set_name(out), o->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  };
  for (const bool constant : {false, true}) {
    Builder b;
    b.input("x", {1, 6});
    b.node("Gemm", {"x", b.weights("w", {6, 6})}, {"h"});
    if (constant) {
      auto* t = b.g->add_initializer();
      t->set_name("cond"), t->set_data_type(onnx::TensorProto::BOOL), t->add_int32_data(0);
    } else {
      Builder::set(b.node("ReduceSum", {"x"}, {"s"}), "keepdims", std::int64_t{0});
      b.node("Greater", {"s", b.floats("zero", {}, {0})}, {"cond"});
    }
    auto* n = b.node("If", {"cond"}, {"y"});
    branch(n, "then_branch", "Mul", "doubled", 2.f);
    branch(n, "else_branch", "Sub", "lowered", 10.f);
    b.output("y");
    const fs::path file = b.save(dir / (constant ? "if_constant.onnx" : "if.onnx"));
    for (const float shift : {1.5f, -1.5f}) {  // the sum of x above zero, then below
      Tensor x = random_tensor({1, 6}, 5);
      for (std::int64_t i = 0; i < 6; ++i) x.data<float>()[i] += shift;
      compare_with_onnxruntime(file, {x}, 1e-5);
    }
  }
}

// openWakeWord's mel front end (a 1-D STFT convolution over a sound of any length, power,
// mel matrix, log, an 80 dB floor below the peak) on real speech at two lengths; and its
// TFLite twin (the sample count free at run time) against the same onnxruntime run.
TEST(OnnxImport, OpenWakeWordMelFrontEndMatchesOnnxRuntime) {
  if (oracle_missing()) EASEL_SKIP_UNLESS_REQUIRED("tests/onnx_oracle/node_modules is not installed; run scripts/setup.sh");
  fs::path model;
  try {
    model = ModelStore().get("speech-embedding").dir / "melspectrogram.onnx";
  } catch (const Error& e) {
    EASEL_SKIP_UNLESS_REQUIRED(std::string("speech-embedding is not installed: ") + e.what());
  }
  const AudioBuffer speech = load_audio(test::shared_dir() / "media" / "arm-kws-samples" / "yes_no_go_stop.wav", 16000);
  for (const std::size_t samples : {std::size_t{16000}, std::size_t{1760}}) {  // a second; openWakeWord's 80 ms step and its overlap
    Tensor x(DType::f32, {1, static_cast<std::int64_t>(samples)});
    for (std::size_t i = 0; i < samples; ++i) x.data<float>()[i] = speech.samples[i] * 32768.f;
    // Frames in dB (up to about 100): within 1e-5 of the largest.
    compare_with_onnxruntime(model, {x}, 1e-5);
    test::ScratchDir dir;
    write_npy(dir / "x.npy", x);
    const auto r = test::run("node " + test::shell_quote(oracle().string()) + " --model " + test::shell_quote(model.string()) +
                             " --input " + test::shell_quote((dir / "x.npy").string()) + " --output-dir " + test::shell_quote((dir / "ort").string()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const Tensor want = read_npy(dir / "ort" / "output.npy");
    const Tensor got = Model::load((model.parent_path() / "melspectrogram.tflite").string()).run({x}).at(0);
    ASSERT_EQ(got.shape(), want.shape());
    double err = 0, mag = 1;
    for (std::int64_t k = 0; k < want.size(); ++k) err = std::max(err, std::abs(got.at(k) - want.at(k))), mag = std::max(mag, std::abs(want.at(k)));
    std::printf("[ onnx     ] melspectrogram.tflite: max|err| %.3g, max|ref| %.4g\n", err, mag);
    EXPECT_LE(err / mag, 1e-5);
  }
}

TEST(OnnxImport, BadFilesAndUnsupportedOpsAreClearErrors) {
  test::ScratchDir dir;
  test::write(dir / "junk.onnx", "this is not a protobuf at all \x01\x02");
  try {
    nn::import_onnx(dir / "junk.onnx");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("junk.onnx"), std::string::npos) << e.what();
  }
  Builder b;
  b.input("x", {1, 4});
  b.node("Mish", {"x"}, {"y"});
  b.output("y");
  try {
    nn::import_onnx(b.save(dir / "mish.onnx"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported_op);
    EXPECT_NE(std::string(e.what()).find("Mish"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("y_node"), std::string::npos) << e.what();
  }
  // A truncated copy of a real model.
  const fs::path yolox = test::shared_dir() / "models" / "yolox-nano-coco" / "yolox_nano.onnx";
  if (fs::exists(yolox)) {
    std::string bytes = test::slurp(yolox);
    test::write(dir / "cut.onnx", bytes.substr(0, bytes.size() / 3));
    EXPECT_THROW(Model::load((dir / "cut.onnx").string()), Error);
  }
}

TEST(OnnxCli, InfoAndInferReadOnnxFiles) {
  const fs::path yolox = test::shared_dir() / "models" / "yolox-nano-coco" / "yolox_nano.onnx";
  if (!fs::exists(yolox)) EASEL_SKIP_UNLESS_REQUIRED("no " + yolox.string());
  test::ScratchDir dir;
  const std::string cli = EASEL_CLI;
  auto r = test::run(cli + " info " + test::shell_quote(yolox.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("format:   onnx"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("output float32 [1,3549,85]"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1.046 GFLOPs"), std::string::npos) << r.output;  // multiply-adds, SiLU fused
  write_npy(dir / "x.npy", random_tensor({1, 3, 416, 416}, 2, 0, 255));
  r = test::run(cli + " infer " + test::shell_quote(yolox.string()) + " --input images=" + test::shell_quote((dir / "x.npy").string()) +
                " --output-dir " + test::shell_quote((dir / "out").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_npy(dir / "out" / "output.npy").shape(), (Shape{1, 3549, 85}));
}

// `easel ops` reads the ONNX list from the importer's translation table; it lists what the
// hand-kept list did before the table existed (and the ops added since), and every name it
// lists is translated.
TEST(OnnxImport, OpsListComesFromTheTranslationTable) {
  const std::vector<std::string> before = {"Abs",           "Add",           "AveragePool", "BatchNormalization",
                                           "Cast",          "Ceil",          "Clip",          "Concat",      "Constant",
                                           "Conv",          "ConvTranspose", "Div",         "Dropout",
                                           "Elu",           "Equal",         "Erf",         "Exp",         "Flatten",
                                           "Floor",         "Gather",        "Gemm",        "GlobalAveragePool",
                                           "GlobalMaxPool", "Greater",       "GreaterOrEqual", "HardSwish", "Identity",    "If",          "InstanceNormalization", "LeakyRelu",
                                           "Less",          "LessOrEqual",   "Log",           "LogSoftmax",    "MatMul",      "Max",
                                           "MaxPool",       "Min",           "Mul",         "Neg",         "Not",
                                           "Pad",           "Pow",           "Reciprocal",  "ReduceMax",
                                           "ReduceMean",    "ReduceMin",     "ReduceSum",   "Relu",
                                           "Reshape",       "Resize",        "Shape",       "Sigmoid",
                                           "Slice",         "Softmax",       "Softplus",    "Split",
                                           "Sqrt",          "Squeeze",       "Sub",         "Tanh",
                                           "Transpose",     "Unsqueeze",     "Upsample"};
  EXPECT_EQ(nn::onnx_ops(), before);
  const auto r = test::run(std::string(EASEL_CLI) + " ops");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("(" + std::to_string(before.size()) + "):"), std::string::npos) << r.output;
}
