// The TF.js layers-model importer: the six shared models, corrupted variants of them,
// and small synthetic models written here whose translations are checked by number.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <set>

#include "easel/error.h"
#include "easel/model.h"
#include "nn/import/importers.h"
#include "nn/op.h"
#include "test_util.h"

namespace fs = std::filesystem;
using easel::DType;
using easel::Shape;
using easel::Tensor;
using easel::nn::Graph;
using json = nlohmann::json;

namespace {

fs::path models_dir() { return easel::test::shared_dir() / "models"; }

// Every op in src/nn/ops/README.md: the importer must emit nothing else.
const std::set<std::string> kEaselOps = {"identity",
                                         "conv2d",
                                         "depthwise_conv2d",
                                         "conv2d_transpose",
                                         "matmul",
                                         "max_pool",
                                         "avg_pool",
                                         "add",
                                         "sub",
                                         "mul",
                                         "div",
                                         "maximum",
                                         "minimum",
                                         "pow",
                                         "squared_difference",
                                         "floor_div",
                                         "floor_mod",
                                         "equal",
                                         "not_equal",
                                         "less",
                                         "less_equal",
                                         "greater",
                                         "greater_equal",
                                         "logical_and",
                                         "logical_or",
                                         "add_n",
                                         "relu",
                                         "relu6",
                                         "sigmoid",
                                         "tanh",
                                         "exp",
                                         "log",
                                         "sqrt",
                                         "rsqrt",
                                         "square",
                                         "abs",
                                         "neg",
                                         "reciprocal",
                                         "floor",
                                         "ceil",
                                         "round",
                                         "sign",
                                         "sin",
                                         "cos",
                                         "softplus",
                                         "elu",
                                         "selu",
                                         "hard_swish",
                                         "erf",
                                         "logical_not",
                                         "leaky_relu",
                                         "prelu",
                                         "clip",
                                         "cast",
                                         "softmax",
                                         "log_softmax",
                                         "select",
                                         "reshape",
                                         "squeeze",
                                         "expand_dims",
                                         "transpose",
                                         "concat",
                                         "split",
                                         "pack",
                                         "unpack",
                                         "pad",
                                         "slice",
                                         "strided_slice",
                                         "tile",
                                         "gather",
                                         "gather_nd",
                                         "shape",
                                         "size",
                                         "fill",
                                         "range",
                                         "resize_bilinear",
                                         "resize_nearest",
                                         "mean",
                                         "sum",
                                         "max",
                                         "min",
                                         "prod",
                                         "any",
                                         "all",
                                         "argmax",
                                         "argmin",
                                         "top_k",
                                         "sparse_to_dense",
                                         "one_hot"};

int count_op(const Graph& g, const std::string& op) {
  int n = 0;
  for (const auto& node : g.nodes) n += node.op == op;
  return n;
}

const easel::nn::Node* find_node(const Graph& g, const std::string& op) {
  for (const auto& node : g.nodes)
    if (node.op == op) return &node;
  return nullptr;
}

// Whether the kernels for every op of `g` are in the tree yet (they are written in parallel).
std::string missing_ops(const Graph& g) {
  std::string missing;
  for (const auto& n : g.nodes)
    if (!easel::nn::find_op(n.op) && missing.find(" " + n.op + " ") == std::string::npos) missing += " " + n.op + " ";
  return missing;
}

Tensor random_tensor(Shape shape, unsigned seed, float lo = -1, float hi = 1) {
  Tensor t(DType::f32, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (std::int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

// Expects `fn` to throw easel::Error with `code` and a message containing every word.
void expect_error(const std::function<void()>& fn, easel::ErrorCode code, const std::vector<std::string>& words) {
  try {
    fn();
    ADD_FAILURE() << "no error thrown";
  } catch (const easel::Error& e) {
    EXPECT_EQ(easel::to_string(e.code()), std::string(easel::to_string(code))) << e.what();
    for (const auto& w : words) EXPECT_NE(std::string(e.what()).find(w), std::string::npos) << "'" << w << "' not in: " << e.what();
  }
}

// ---- the six shared models

struct SharedModel {
  const char* name;
  Shape input, output;
  const char* input_name;
  const char* output_name;
  enum Kind { softmax, logits, sigmoid } kind;
};
// Test names and failure messages show the model's name, not the struct's bytes.
void PrintTo(const SharedModel& m, std::ostream* os) { *os << m.name; }

const SharedModel kModels[] = {
    {"tm-image-official-2019", {-1, 224, 224, 3}, {-1, 2}, "input_1", "sequential_3", SharedModel::softmax},
    {"tm-tiny-image-official-2021", {-1, 96, 96, 1}, {-1, 2}, "conv2d_27_input", "sequential_3", SharedModel::softmax},
    {"ml5-darknet-tiny", {-1, 224, 224, 3}, {-1, 1000}, "input_1", "global_average_pooling2d_1", SharedModel::logits},
    {"ml5-doodlenet", {-1, 28, 28, 1}, {-1, 345}, "conv2d_input", "dense_1", SharedModel::softmax},
    {"ml5-neuralnetwork-saved", {-1, 42}, {-1, 3}, "dense_Dense1_input", "dense_Dense2", SharedModel::softmax},
    {"ml5-crepe", {-1, 1024}, {-1, 360}, "crepe_input", "crepe_classifier", SharedModel::sigmoid},
};

class TfjsLayersModels : public ::testing::TestWithParam<SharedModel> {};

TEST_P(TfjsLayersModels, ImportsWithShapesAndOnlyEaselOps) {
  const SharedModel& m = GetParam();
  const fs::path file = models_dir() / m.name / "model.json";
  Graph g = easel::nn::import_tfjs_layers(file);
  EXPECT_EQ(g.source, file.string());
  ASSERT_EQ(g.inputs.size(), 1u);
  ASSERT_EQ(g.outputs.size(), 1u);
  const auto& in = g.values[static_cast<std::size_t>(g.inputs[0])];
  const auto& out = g.values[static_cast<std::size_t>(g.outputs[0])];
  EXPECT_EQ(in.shape, m.input);
  EXPECT_EQ(in.name, m.input_name);
  EXPECT_EQ(out.shape, m.output);
  EXPECT_EQ(out.name, m.output_name);
  for (const auto& n : g.nodes) EXPECT_TRUE(kEaselOps.count(n.op)) << n.op << " (node " << n.name << ")";
  // Topological order, every input produced before use.
  std::vector<bool> ready(g.values.size(), false);
  for (std::size_t v = 0; v < g.values.size(); ++v) ready[v] = g.values[v].is_constant();
  for (int v : g.inputs) ready[static_cast<std::size_t>(v)] = true;
  for (const auto& n : g.nodes) {
    for (int v : n.inputs) EXPECT_TRUE(v < 0 || ready[static_cast<std::size_t>(v)]) << n.name;
    for (int v : n.outputs) ready[static_cast<std::size_t>(v)] = true;
  }
}

TEST_P(TfjsLayersModels, RunsEndToEnd) {
  const SharedModel& m = GetParam();
  const fs::path file = models_dir() / m.name / "model.json";
  if (auto missing = missing_ops(easel::nn::import_tfjs_layers(file)); !missing.empty()) FAIL() << "missing kernels:" << missing;
  auto model = easel::Model::load(file.string());
  EXPECT_EQ(model.format(), "tfjs-layers");
  ASSERT_EQ(model.outputs().size(), 1u);
  EXPECT_EQ(model.outputs()[0].shape, m.output);
  for (std::int64_t batch : {1, 2}) {
    Shape shape = m.input;
    shape[0] = batch;
    auto outs = model.run({random_tensor(shape, 7)});
    ASSERT_EQ(outs.size(), 1u);
    Shape want = m.output;
    want[0] = batch;
    ASSERT_EQ(outs[0].shape(), want);
    const std::int64_t classes = want[1];
    for (std::int64_t b = 0; b < batch; ++b) {
      double sum = 0;
      for (std::int64_t i = 0; i < classes; ++i) {
        float v = outs[0].data<float>()[b * classes + i];
        ASSERT_TRUE(std::isfinite(v)) << m.name << " output " << i;
        if (m.kind != SharedModel::logits) {
          EXPECT_GE(v, 0.0f);
          EXPECT_LE(v, 1.0f);
        }
        sum += v;
      }
      if (m.kind == SharedModel::softmax) {
        EXPECT_NEAR(sum, 1.0, 1e-4) << m.name;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(TfjsLayers, TfjsLayersModels, ::testing::ValuesIn(kModels), [](const auto& info) {
  std::string n = info.param.name;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
});

TEST(TfjsLayersImport, FoldsBatchNormPaddingAndActivationsIntoConvs) {
  // MobileNetV2: every BN follows a conv, every ZeroPadding2D precedes a VALID conv.
  Graph g = easel::nn::import_tfjs_layers(models_dir() / "tm-image-official-2019" / "model.json");
  EXPECT_EQ(count_op(g, "mul"), 0);
  EXPECT_EQ(count_op(g, "pad"), 0);
  EXPECT_EQ(count_op(g, "relu6"), 0);  // fused into the convs
  EXPECT_EQ(count_op(g, "conv2d") + count_op(g, "depthwise_conv2d"), 52);
  EXPECT_EQ(count_op(g, "add"), 10);  // the residual Adds, nothing else
  // No orphan weights survive folding: parameters are MobileNetV2-0.35 + head, without BN's 4 vectors.
  std::int64_t params = 0;
  for (const auto& v : g.values)
    if (v.is_constant()) params += v.constant.size();
  EXPECT_LT(params, 2154032 / 4);

  // CREPE puts BN after the conv's ReLU: it stays a mul + add.
  Graph crepe = easel::nn::import_tfjs_layers(models_dir() / "ml5-crepe" / "model.json");
  EXPECT_EQ(count_op(crepe, "mul"), 6);
  EXPECT_EQ(count_op(crepe, "add"), 6);
}

TEST(TfjsLayersImport, NeuralNetworkMatchesTfjs) {
  // SOURCE.txt: TF.js 4.22 predicts [0.0084, 0.9659, 0.0257] for all inputs 0.5.
  const fs::path file = models_dir() / "ml5-neuralnetwork-saved" / "model.json";
  if (auto missing = missing_ops(easel::nn::import_tfjs_layers(file)); !missing.empty()) FAIL() << "missing kernels:" << missing;
  auto model = easel::Model::load(file.string());
  Tensor x(DType::f32, {1, 42});
  for (int i = 0; i < 42; ++i) x.data<float>()[i] = 0.5f;
  auto y = model.run({x})[0];
  EXPECT_NEAR(y.data<float>()[0], 0.0084, 1e-4);
  EXPECT_NEAR(y.data<float>()[1], 0.9659, 1e-4);
  EXPECT_NEAR(y.data<float>()[2], 0.0257, 1e-4);
}

TEST(TfjsLayersImport, ListsClasses) {
  auto classes = easel::nn::tfjs_layers_classes();
  for (const char* c : {"Conv2D", "DepthwiseConv2D", "BatchNormalization", "Dense", "Sequential", "Model", "ReLU", "LeakyReLU",
                        "ZeroPadding2D", "GlobalAveragePooling2D", "Reshape", "Flatten", "MaxPooling2D", "Dropout", "Add"})
    EXPECT_NE(std::find(classes.begin(), classes.end(), c), classes.end()) << c;
  EXPECT_TRUE(std::is_sorted(classes.begin(), classes.end()));
}

// ---- corrupted variants

// A copy of a shared model in a scratch folder, its model.json parsed for editing.
struct Copy {
  easel::test::ScratchDir dir;
  json doc;
  explicit Copy(const char* model) {
    for (const auto& e : fs::directory_iterator(models_dir() / model))
      if (e.is_regular_file()) fs::copy_file(e.path(), dir / e.path().filename().string());
    doc = json::parse(easel::test::slurp(dir / "model.json"));
  }
  fs::path save() {
    fs::path p = dir / "model.json";
    fs::permissions(p, fs::perms::owner_write, fs::perm_options::add);
    easel::test::write(p, doc.dump());
    return p;
  }
};

json& layers_of(json& topology) {
  json& m = topology.contains("model_config") ? topology["model_config"] : topology;
  return m["config"].is_array() ? m["config"] : m["config"]["layers"];
}

TEST(TfjsLayersErrors, UnknownLayerClass) {
  Copy c("ml5-neuralnetwork-saved");
  layers_of(c.doc["modelTopology"])[1]["class_name"] = "FancyAttention";
  fs::path p = c.save();
  expect_error([&] { easel::nn::import_tfjs_layers(p); }, easel::ErrorCode::unsupported_op,
               {"Layer class 'FancyAttention'", "dense_Dense2", p.string(), "is not supported"});
  // Through the public API the same error surfaces.
  expect_error([&] { easel::Model::load(p.string()); }, easel::ErrorCode::unsupported_op, {"FancyAttention"});
}

TEST(TfjsLayersErrors, MissingWeight) {
  Copy c("ml5-neuralnetwork-saved");
  c.doc["weightsManifest"][0]["weights"][2]["name"] = "something_else/kernel";
  fs::path p = c.save();
  expect_error([&] { easel::nn::import_tfjs_layers(p); }, easel::ErrorCode::bad_model, {"dense_Dense2", "dense_Dense2/kernel", p.string()});
}

TEST(TfjsLayersErrors, TruncatedShard) {
  Copy c("ml5-neuralnetwork-saved");
  fs::path p = c.save();
  fs::path bin = c.dir / "model.weights.bin";
  std::string bytes = easel::test::slurp(bin);
  fs::permissions(bin, fs::perms::owner_write, fs::perm_options::add);
  easel::test::write(bin, bytes.substr(0, bytes.size() - 100));
  expect_error([&] { easel::nn::import_tfjs_layers(p); }, easel::ErrorCode::bad_model, {p.string(), "bytes"});
  fs::remove(bin);
  expect_error([&] { easel::nn::import_tfjs_layers(p); }, easel::ErrorCode::bad_model, {"model.weights.bin", "missing"});
}

TEST(TfjsLayersErrors, MalformedJson) {
  Copy c("ml5-neuralnetwork-saved");
  fs::path p = c.save();
  std::string text = easel::test::slurp(p);
  easel::test::write(p, text.substr(0, text.size() / 2));
  expect_error([&] { easel::nn::import_tfjs_layers(p); }, easel::ErrorCode::bad_model, {p.string(), "not valid JSON"});
  easel::test::write(p, R"({"modelTopology": {"class_name": "Sequential", "config": 7}, "weightsManifest": []})");
  expect_error([&] { easel::nn::import_tfjs_layers(p); }, easel::ErrorCode::bad_model, {p.string(), "layers"});
  easel::test::write(p, R"({"modelTopology": 3})");
  expect_error([&] { easel::nn::import_tfjs_layers(p); }, easel::ErrorCode::bad_model, {p.string(), "modelTopology"});
}

TEST(TfjsLayersErrors, InboundNodeNamesUnknownLayer) {
  Copy c("ml5-crepe");
  for (json& l : layers_of(c.doc["modelTopology"]))
    if (l["name"] == "crepe_conv1") l["inbound_nodes"][0][0][0] = "no_such_layer";
  fs::path p = c.save();
  expect_error([&] { easel::nn::import_tfjs_layers(p); }, easel::ErrorCode::bad_model, {p.string(), "crepe_conv1", "no_such_layer"});
}

TEST(TfjsLayersErrors, WrongWeightShapeNamesLayerAndWeight) {
  Copy c("ml5-crepe");
  for (json& l : layers_of(c.doc["modelTopology"]))
    if (l["name"] == "crepe_conv2") l["config"]["kernel_size"] = json::array({32, 1});
  fs::path p = c.save();
  expect_error([&] { easel::nn::import_tfjs_layers(p); }, easel::ErrorCode::bad_model, {p.string(), "crepe_conv2", "kernel"});
}

// Every value in the topology replaced by values of other types: the importer must
// either succeed or throw easel::Error, never crash or leak another exception.
TEST(TfjsLayersErrors, MutatedTopologyNeverCrashes) {
  Copy c("ml5-neuralnetwork-saved");
  const json original = c.doc;
  std::vector<json::json_pointer> paths;
  std::function<void(const json&, const json::json_pointer&)> walk = [&](const json& j, const json::json_pointer& at) {
    paths.push_back(at);
    if (j.is_object())
      for (auto it = j.begin(); it != j.end(); ++it) walk(it.value(), at / it.key());
    else if (j.is_array())
      for (std::size_t i = 0; i < j.size(); ++i) walk(j[i], at / i);
  };
  walk(original["modelTopology"], json::json_pointer("/modelTopology"));
  const json replacements[] = {nullptr, "x", -3, json::array(), json::object(), 1e300};
  int errors = 0;
  for (const auto& path : paths)
    for (const json& r : replacements) {
      c.doc = original;
      c.doc[path] = r;
      fs::path p = c.save();
      try {
        easel::nn::import_tfjs_layers(p);
      } catch (const easel::Error&) {
        ++errors;
      } catch (const std::exception& e) {
        ADD_FAILURE() << path.to_string() << " = " << r.dump() << ": " << e.what();
      }
    }
  EXPECT_GT(errors, 0);
}

// ---- synthetic models

// Writes model.json (given topology) and weights.bin holding `weights` in order.
fs::path write_model(const fs::path& dir, const json& topology, const std::vector<std::pair<std::string, Tensor>>& weights) {
  json manifest = json::array();
  json entries = json::array();
  std::string bytes;
  for (const auto& [name, t] : weights) {
    entries.push_back({{"name", name}, {"shape", t.shape()}, {"dtype", "float32"}});
    bytes.append(static_cast<const char*>(t.raw()), t.bytes());
  }
  manifest.push_back({{"paths", {"weights.bin"}}, {"weights", entries}});
  json doc = {{"modelTopology", topology}, {"weightsManifest", manifest}, {"format", "layers-model"}};
  easel::test::write(dir / "weights.bin", bytes);
  easel::test::write(dir / "model.json", doc.dump(1));
  return dir / "model.json";
}

json layer(const std::string& cls, json config, json inbound = nullptr) {
  json l = {{"class_name", cls}, {"config", std::move(config)}};
  if (!inbound.is_null()) {
    l["name"] = l["config"]["name"];
    l["inbound_nodes"] = std::move(inbound);
  }
  return l;
}

json from(const std::string& name) { return json::array({json::array({json::array({name, 0, 0, json::object()})})}); }

std::vector<float> softmax(std::vector<float> v) {
  float mx = *std::max_element(v.begin(), v.end()), s = 0;
  for (float& x : v) s += (x = std::exp(x - mx));
  for (float& x : v) x /= s;
  return v;
}

TEST(TfjsLayersSynthetic, DenseSoftmax) {
  easel::test::ScratchDir dir;
  Tensor k = random_tensor({3, 4}, 1), bias = random_tensor({4}, 2);
  json topo = {
      {"class_name", "Sequential"},
      {"keras_version", "tfjs-layers 4.8.0"},
      {"config",
       {{"name", "seq"},
        {"layers",
         json::array({layer(
             "Dense",
             {{"name", "d"}, {"units", 4}, {"activation", "softmax"}, {"use_bias", true}, {"batch_input_shape", {nullptr, 3}}})})}}}};
  fs::path p = write_model(dir.path(), topo, {{"d/kernel", k}, {"d/bias", bias}});
  Graph g = easel::nn::import_tfjs_layers(p);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].op, "matmul");
  EXPECT_EQ(g.nodes[1].op, "softmax");
  EXPECT_EQ(g.values[static_cast<std::size_t>(g.outputs[0])].name, "d");
  EXPECT_EQ(g.values[static_cast<std::size_t>(g.inputs[0])].name, "d_input");
  if (auto missing = missing_ops(g); !missing.empty()) FAIL() << "missing kernels:" << missing;
  Tensor x = random_tensor({2, 3}, 3);
  auto y = easel::Model::load(p.string()).run({x})[0];
  ASSERT_EQ(y.shape(), (Shape{2, 4}));
  for (int b = 0; b < 2; ++b) {
    std::vector<float> z(4);
    for (int j = 0; j < 4; ++j) {
      z[j] = bias.data<float>()[j];
      for (int i = 0; i < 3; ++i) z[j] += x.data<float>()[b * 3 + i] * k.data<float>()[i * 4 + j];
    }
    z = softmax(z);
    for (int j = 0; j < 4; ++j) EXPECT_NEAR(y.data<float>()[b * 4 + j], z[j], 1e-5);
  }
}

// Plain NHWC x HWIO convolution with top/left padding offsets, the test's oracle.
Tensor ref_conv(const Tensor& x, const Tensor& w, const float* bias, int stride, int pad_top, int pad_left, int oh, int ow) {
  const int n = static_cast<int>(x.dim(0)), h = static_cast<int>(x.dim(1)), wd = static_cast<int>(x.dim(2)), c = static_cast<int>(x.dim(3));
  const int kh = static_cast<int>(w.dim(0)), kw = static_cast<int>(w.dim(1)), o = static_cast<int>(w.dim(3));
  Tensor y(DType::f32, {n, oh, ow, o});
  for (int b = 0; b < n; ++b)
    for (int i = 0; i < oh; ++i)
      for (int j = 0; j < ow; ++j)
        for (int f = 0; f < o; ++f) {
          double acc = bias ? bias[f] : 0;
          for (int di = 0; di < kh; ++di)
            for (int dj = 0; dj < kw; ++dj) {
              int yi = i * stride + di - pad_top, xj = j * stride + dj - pad_left;
              if (yi < 0 || yi >= h || xj < 0 || xj >= wd) continue;
              for (int ch = 0; ch < c; ++ch)
                acc += x.data<float>()[((b * h + yi) * wd + xj) * c + ch] * w.data<float>()[((di * kw + dj) * c + ch) * o + f];
            }
          y.data<float>()[((b * oh + i) * ow + j) * o + f] = static_cast<float>(acc);
        }
  return y;
}

TEST(TfjsLayersSynthetic, ConvSamePaddingWithBatchNormFoldsExactly) {
  easel::test::ScratchDir dir;
  // 6x6 input, stride 2, SAME: TF pads 0 on top/left and 1 on bottom/right.
  Tensor k = random_tensor({3, 3, 2, 3}, 4), bias = random_tensor({3}, 5);
  Tensor gamma = random_tensor({3}, 6, 0.5f, 2), beta = random_tensor({3}, 7), mean = random_tensor({3}, 8),
         var = random_tensor({3}, 9, 0.1f, 2);
  json topo = {{"class_name", "Model"},
               {"keras_version", "2.2.4-tf"},
               {"config",
                {{"name", "m"},
                 {"layers",
                  {layer("InputLayer", {{"name", "img"}, {"batch_input_shape", {nullptr, 6, 6, 2}}}, json::array()),
                   layer("Conv2D",
                         {{"name", "conv"},
                          {"filters", 3},
                          {"kernel_size", {3, 3}},
                          {"strides", {2, 2}},
                          {"padding", "same"},
                          {"data_format", "channels_last"},
                          {"dilation_rate", {1, 1}},
                          {"activation", "linear"},
                          {"use_bias", true}},
                         from("img")),
                   layer("BatchNormalization", {{"name", "bn"}, {"axis", json::array({3})}, {"epsilon", 0.001}}, from("conv")),
                   layer("ReLU", {{"name", "act"}, {"max_value", nullptr}}, from("bn"))}},
                 {"input_layers", json::array({json::array({"img", 0, 0})})},
                 {"output_layers", json::array({json::array({"act", 0, 0})})}}}};
  fs::path p = write_model(dir.path(), topo,
                           {{"conv/kernel", k},
                            {"conv/bias", bias},
                            {"bn/gamma", gamma},
                            {"bn/beta", beta},
                            {"bn/moving_mean", mean},
                            {"bn/moving_variance", var}});
  Graph g = easel::nn::import_tfjs_layers(p);
  ASSERT_EQ(g.nodes.size(), 1u) << "BN and ReLU fold into the conv";
  const auto& conv = g.nodes[0];
  EXPECT_EQ(conv.op, "conv2d");
  EXPECT_EQ(conv.attrs.get_string("padding"), "SAME");
  EXPECT_EQ(conv.attrs.get_string("activation"), "relu");
  EXPECT_EQ(conv.attrs.get_ints("strides"), (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(g.values[static_cast<std::size_t>(g.outputs[0])].name, "act");
  EXPECT_EQ(g.values[static_cast<std::size_t>(g.outputs[0])].shape, (Shape{-1, 3, 3, 3}));
  const Tensor& wf = g.values[static_cast<std::size_t>(conv.inputs[1])].constant;
  const Tensor& bf = g.values[static_cast<std::size_t>(conv.inputs[2])].constant;
  // Folded weights equal BN applied to the conv's.
  for (int f = 0; f < 3; ++f) {
    double s = gamma.data<float>()[f] / std::sqrt(var.data<float>()[f] + 0.001);
    EXPECT_NEAR(bf.data<float>()[f], (bias.data<float>()[f] - mean.data<float>()[f]) * s + beta.data<float>()[f], 1e-5);
    for (int i = 0; i < 18; ++i) EXPECT_NEAR(wf.data<float>()[i * 3 + f], k.data<float>()[i * 3 + f] * s, 1e-6);
  }
  // Numerically: the folded conv equals conv -> BN -> ReLU computed unfolded.
  Tensor x = random_tensor({2, 6, 6, 2}, 10);
  Tensor unfolded = ref_conv(x, k, bias.data<float>(), 2, 0, 0, 3, 3);
  for (std::int64_t i = 0; i < unfolded.size(); ++i) {
    int f = static_cast<int>(i % 3);
    float& v = unfolded.data<float>()[i];
    v = (v - mean.data<float>()[f]) / std::sqrt(var.data<float>()[f] + 0.001f) * gamma.data<float>()[f] + beta.data<float>()[f];
    v = std::max(v, 0.0f);
  }
  Tensor folded = ref_conv(x, wf, bf.data<float>(), 2, 0, 0, 3, 3);
  for (std::int64_t i = 0; i < folded.size(); ++i) EXPECT_NEAR(std::max(folded.data<float>()[i], 0.0f), unfolded.data<float>()[i], 1e-4);
  if (auto missing = missing_ops(g); !missing.empty()) FAIL() << "missing kernels:" << missing;
  auto y = easel::Model::load(p.string()).run({x})[0];
  ASSERT_EQ(y.shape(), unfolded.shape());
  for (std::int64_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y.data<float>()[i], unfolded.data<float>()[i], 1e-4) << i;
}

TEST(TfjsLayersSynthetic, ZeroPaddingFoldsIntoValidConv) {
  easel::test::ScratchDir dir;
  Tensor k = random_tensor({3, 3, 1, 2}, 11);
  json topo = {{"class_name", "Sequential"},
               {"config",
                {layer("ZeroPadding2D", {{"name", "pad"}, {"padding", {{0, 1}, {2, 1}}}, {"batch_input_shape", {nullptr, 5, 4, 1}}}),
                 layer("Conv2D", {{"name", "conv"},
                                  {"filters", 2},
                                  {"kernel_size", {3, 3}},
                                  {"strides", {2, 2}},
                                  {"padding", "valid"},
                                  {"activation", "linear"},
                                  {"use_bias", false}})}}};
  fs::path p = write_model(dir.path(), topo, {{"conv/kernel", k}});
  Graph g = easel::nn::import_tfjs_layers(p);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].attrs.get_string("padding"), "EXPLICIT");
  EXPECT_EQ(g.nodes[0].attrs.get_ints("explicit_paddings"), (std::vector<std::int64_t>{0, 1, 2, 1}));
  // Padded 6x7, 3x3 stride 2 VALID: 2x3.
  EXPECT_EQ(g.values[static_cast<std::size_t>(g.outputs[0])].shape, (Shape{-1, 2, 3, 2}));
  if (auto missing = missing_ops(g); !missing.empty()) FAIL() << "missing kernels:" << missing;
  Tensor x = random_tensor({1, 5, 4, 1}, 12);
  auto y = easel::Model::load(p.string()).run({x})[0];
  Tensor want = ref_conv(x, k, nullptr, 2, 0, 2, 2, 3);
  ASSERT_EQ(y.shape(), want.shape());
  for (std::int64_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y.data<float>()[i], want.data<float>()[i], 1e-5);
}

TEST(TfjsLayersSynthetic, NestedSequentialInsideSequential) {
  easel::test::ScratchDir dir;
  Tensor k1 = random_tensor({3, 4}, 13), b1 = random_tensor({4}, 14), k2 = random_tensor({4, 2}, 15);
  // 2019 style: configs are lists; the inner model's weights carry its name as a prefix.
  json inner = {{"class_name", "Sequential"},
                {"config",
                 {layer("Dense", {{"name", "hidden"}, {"units", 4}, {"activation", "relu"}, {"batch_input_shape", {nullptr, 3}}}),
                  layer("Dropout", {{"name", "drop"}, {"rate", 0.5}})}}};
  json topo = {{"class_name", "Sequential"},
               {"keras_version", "tfjs-layers 1.1.2"},
               {"config", {inner, layer("Dense", {{"name", "head"}, {"units", 2}, {"activation", "softmax"}, {"use_bias", false}})}}};
  fs::path p = write_model(dir.path(), topo, {{"inner_seq/hidden/kernel", k1}, {"inner_seq/hidden/bias", b1}, {"head/kernel", k2}});
  Graph g = easel::nn::import_tfjs_layers(p);
  EXPECT_EQ(g.values[static_cast<std::size_t>(g.inputs[0])].name, "hidden_input");
  EXPECT_EQ(g.values[static_cast<std::size_t>(g.inputs[0])].shape, (Shape{-1, 3}));
  EXPECT_EQ(g.values[static_cast<std::size_t>(g.outputs[0])].shape, (Shape{-1, 2}));
  ASSERT_EQ(count_op(g, "matmul"), 2);
  EXPECT_EQ(find_node(g, "matmul")->attrs.get_string("activation"), "relu");
  if (auto missing = missing_ops(g); !missing.empty()) FAIL() << "missing kernels:" << missing;
  Tensor x = random_tensor({1, 3}, 16);
  auto y = easel::Model::load(p.string()).run({x})[0];
  std::vector<float> h(4), z(2, 0);
  for (int j = 0; j < 4; ++j) {
    h[j] = b1.data<float>()[j];
    for (int i = 0; i < 3; ++i) h[j] += x.data<float>()[i] * k1.data<float>()[i * 4 + j];
    h[j] = std::max(h[j], 0.0f);
  }
  for (int j = 0; j < 2; ++j)
    for (int i = 0; i < 4; ++i) z[j] += h[i] * k2.data<float>()[i * 2 + j];
  z = softmax(z);
  for (int j = 0; j < 2; ++j) EXPECT_NEAR(y.data<float>()[j], z[j], 1e-5);
}

TEST(TfjsLayersSynthetic, Keras3FunctionalWithMergeAndReshape) {
  easel::test::ScratchDir dir;
  Tensor ka = random_tensor({4, 6}, 17), kb = random_tensor({4, 6}, 18);
  auto tensor = [](const std::string& name) {
    return json{{"class_name", "__keras_tensor__"},
                {"config", {{"shape", {nullptr, 4}}, {"dtype", "float32"}, {"keras_history", {name, 0, 0}}}}};
  };
  auto node = [](json args) { return json::array({{{"args", std::move(args)}, {"kwargs", json::object()}}}); };
  json topo = {{"class_name", "Functional"},
               {"keras_version", "3.3.3"},
               {"config",
                {{"name", "f"},
                 {"layers",
                  {layer("InputLayer", {{"name", "in"}, {"batch_shape", {nullptr, 4}}, {"dtype", "float32"}}, json::array()),
                   layer("Dense", {{"name", "a"}, {"units", 6}, {"activation", "linear"}, {"use_bias", false}}, node({tensor("in")})),
                   layer("Dense", {{"name", "b"}, {"units", 6}, {"activation", "hard_sigmoid"}, {"use_bias", false}}, node({tensor("in")})),
                   layer("Add", {{"name", "sum"}}, node({json::array({tensor("a"), tensor("b")})})),
                   layer("Reshape", {{"name", "r"}, {"target_shape", {-1, 2}}}, node({tensor("sum")})),
                   layer("Softmax", {{"name", "sm"}, {"axis", -1}}, node({tensor("r")}))}},
                 {"input_layers", json::array({json::array({"in", 0, 0})})},
                 {"output_layers", json::array({"sm", 0, 0})}}}};
  fs::path p = write_model(dir.path(), topo, {{"a/kernel", ka}, {"b/kernel", kb}});
  Graph g = easel::nn::import_tfjs_layers(p);
  EXPECT_EQ(g.values[static_cast<std::size_t>(g.outputs[0])].shape, (Shape{-1, 3, 2}));
  EXPECT_EQ(g.values[static_cast<std::size_t>(g.outputs[0])].name, "sm");
  if (auto missing = missing_ops(g); !missing.empty()) FAIL() << "missing kernels:" << missing;
  Tensor x = random_tensor({1, 4}, 19, -4, 4);
  auto y = easel::Model::load(p.string()).run({x})[0];
  ASSERT_EQ(y.shape(), (Shape{1, 3, 2}));
  std::vector<float> s(6);
  for (int j = 0; j < 6; ++j) {
    float a = 0, b = 0;
    for (int i = 0; i < 4; ++i)
      a += x.data<float>()[i] * ka.data<float>()[i * 6 + j], b += x.data<float>()[i] * kb.data<float>()[i * 6 + j];
    s[j] = a + std::clamp(b / 6 + 0.5f, 0.0f, 1.0f);  // Keras 3 hard_sigmoid
  }
  for (int r = 0; r < 3; ++r) {
    auto sm = softmax({s[r * 2], s[r * 2 + 1]});
    EXPECT_NEAR(y.data<float>()[r * 2], sm[0], 1e-5);
    EXPECT_NEAR(y.data<float>()[r * 2 + 1], sm[1], 1e-5);
  }
}

// Every other translation, each layer's output a model output: the importer's static
// shapes must equal what the kernels compute, and the data-movement layers and
// composite activations are checked value by value.
TEST(TfjsLayersSynthetic, ManyLayersShapesAndValues) {
  easel::test::ScratchDir dir;
  auto refs = [](std::initializer_list<const char*> names) {
    json node = json::array();
    for (const char* n : names) node.push_back(json::array({n, 0, 0, json::object()}));
    return json::array({node});
  };
  json layers = json::array();
  std::vector<std::string> outputs;
  auto add = [&](const std::string& cls, json cfg, std::initializer_list<const char*> in, bool output = true) {
    layers.push_back(layer(cls, std::move(cfg), refs(in)));
    if (output) outputs.push_back(layers.back()["name"]);
  };
  layers.push_back(layer("InputLayer", {{"name", "img"}, {"batch_input_shape", {nullptr, 8, 8, 4}}}, json::array()));
  layers.push_back(layer("InputLayer", {{"name", "seq"}, {"batch_input_shape", {nullptr, 10, 3}}}, json::array()));
  layers.push_back(layer("InputLayer", {{"name", "ids"}, {"batch_input_shape", {nullptr, 5}}}, json::array()));
  add("SeparableConv2D",
      {{"name", "sep"}, {"filters", 6}, {"kernel_size", 3}, {"padding", "same"}, {"depth_multiplier", 2}, {"activation", "relu"}}, {"img"});
  add("DepthwiseConv2D", {{"name", "dw"}, {"kernel_size", {3, 3}}, {"strides", 2}, {"depth_multiplier", 2}, {"use_bias", true}}, {"img"});
  add("Cropping2D", {{"name", "crop"}, {"cropping", {{1, 2}, {0, 3}}}}, {"img"});
  add("UpSampling2D", {{"name", "up_bilinear"}, {"size", 2}, {"interpolation", "bilinear"}}, {"img"});
  add("UpSampling2D", {{"name", "up_nearest"}, {"size", {2, 3}}}, {"img"});
  add("UpSampling2D", {{"name", "up_square"}, {"size", 2}}, {"img"}, false);
  add("Concatenate", {{"name", "cat"}, {"axis", -1}}, {"up_bilinear", "up_square"});
  add("Permute", {{"name", "perm"}, {"dims", {3, 1, 2}}}, {"img"});
  add("GlobalMaxPooling2D", {{"name", "gmp"}}, {"img"});
  add("PReLU", {{"name", "prelu"}, {"shared_axes", {1, 2}}}, {"img"});
  add("ELU", {{"name", "elu"}, {"alpha", 0.5}}, {"img"});
  add("ReLU", {{"name", "capped"}, {"max_value", 2.5}, {"negative_slope", 0.1}}, {"img"});
  add("AveragePooling2D", {{"name", "avgp"}, {"pool_size", 3}, {"strides", 2}, {"padding", "same"}}, {"img"});
  add("Subtract", {{"name", "diff"}}, {"elu", "img"});
  add("Average", {{"name", "avg3"}}, {"elu", "img", "capped"});
  add("Maximum", {{"name", "mx"}}, {"elu", "capped"});
  add("Multiply", {{"name", "prod"}}, {"elu", "img"});
  add("Reshape", {{"name", "reshape"}, {"target_shape", {-1, 8}}}, {"img"});
  add("Flatten", {{"name", "flat"}}, {"img"});
  add("Rescaling", {{"name", "rescale"}, {"scale", 0.5}, {"offset", -1}}, {"img"});
  add("Conv1D",
      {{"name", "causal"}, {"filters", 4}, {"kernel_size", 3}, {"dilation_rate", 2}, {"padding", "causal"}, {"activation", "tanh"}},
      {"seq"});
  add("Conv1D", {{"name", "conv1d"}, {"filters", 4}, {"kernel_size", 3}, {"strides", 2}, {"use_bias", false}, {"activation", "softmax"}},
      {"seq"});
  add("MaxPooling1D", {{"name", "mp1d"}}, {"seq"});
  add("GlobalAveragePooling1D", {{"name", "gap1d"}}, {"seq"});
  add("ZeroPadding1D", {{"name", "zp1d"}, {"padding", 2}}, {"seq"});
  add("Cropping1D", {{"name", "crop1d"}, {"cropping", {1, 2}}}, {"seq"});
  add("Dense", {{"name", "dense3d"}, {"units", 3}, {"activation", "swish"}}, {"seq"});
  add("BatchNormalization", {{"name", "bn_time"}, {"axis", 1}, {"epsilon", 0.01}}, {"seq"});
  add("Activation", {{"name", "gelu"}, {"activation", "gelu"}}, {"seq"});
  add("Activation", {{"name", "softsign"}, {"activation", "softsign"}}, {"seq"});
  add("Activation", {{"name", "mish"}, {"activation", "mish"}}, {"seq"});
  add("Activation", {{"name", "hsig"}, {"activation", "hardSigmoid"}}, {"seq"});
  add("Activation", {{"name", "selu"}, {"activation", "selu"}}, {"seq"});
  add("Softmax", {{"name", "sm1"}, {"axis", 1}}, {"seq"});
  add("Embedding", {{"name", "emb"}, {"input_dim", 7}, {"output_dim", 2}}, {"ids"});
  json out_refs = json::array();
  for (const auto& o : outputs) out_refs.push_back(json::array({o, 0, 0}));
  json topo = {{"class_name", "Model"},
               {"config",
                {{"name", "many"},
                 {"layers", layers},
                 {"input_layers", json::array({json::array({"img", 0, 0}), json::array({"seq", 0, 0}), json::array({"ids", 0, 0})})},
                 {"output_layers", out_refs}}}};
  std::vector<std::pair<std::string, Tensor>> weights = {{"sep/depthwise_kernel", random_tensor({3, 3, 4, 2}, 30)},
                                                         {"sep/pointwise_kernel", random_tensor({1, 1, 8, 6}, 31)},
                                                         {"sep/bias", random_tensor({6}, 32)},
                                                         {"dw/depthwise_kernel", random_tensor({3, 3, 4, 2}, 33)},
                                                         {"dw/bias", random_tensor({8}, 34)},
                                                         {"deconv/kernel", random_tensor({3, 3, 5, 4}, 35)},
                                                         {"deconv/bias", random_tensor({5}, 36)},
                                                         {"deconv_valid/kernel", random_tensor({3, 3, 2, 4}, 37)},
                                                         {"prelu/alpha", random_tensor({1, 1, 4}, 38, 0, 0.5f)},
                                                         {"causal/kernel", random_tensor({3, 3, 4}, 39)},
                                                         {"causal/bias", random_tensor({4}, 40)},
                                                         {"conv1d/kernel", random_tensor({3, 3, 4}, 41)},
                                                         {"dense3d/kernel", random_tensor({3, 3}, 42)},
                                                         {"dense3d/bias", random_tensor({3}, 43)},
                                                         {"bn_time/gamma", random_tensor({10}, 44, 0.5f, 2)},
                                                         {"bn_time/beta", random_tensor({10}, 45)},
                                                         {"bn_time/moving_mean", random_tensor({10}, 46)},
                                                         {"bn_time/moving_variance", random_tensor({10}, 47, 0.5f, 2)},
                                                         {"emb/embeddings", random_tensor({7, 2}, 48)}};
  fs::path p = write_model(dir.path(), topo, weights);
  Graph g = easel::nn::import_tfjs_layers(p);
  ASSERT_EQ(g.outputs.size(), outputs.size());
  std::map<std::string, Shape> want = {
      {"sep", {-1, 8, 8, 6}},          {"dw", {-1, 3, 3, 8}},    {"crop", {-1, 5, 5, 4}}, {"up_bilinear", {-1, 16, 16, 4}},
      {"up_nearest", {-1, 16, 24, 4}}, {"cat", {-1, 16, 16, 8}}, {"perm", {-1, 4, 8, 8}}, {"gmp", {-1, 4}},
      {"avgp", {-1, 4, 4, 4}},         {"reshape", {-1, 32, 8}}, {"flat", {-1, 256}},     {"causal", {-1, 10, 4}},
      {"conv1d", {-1, 4, 4}},          {"mp1d", {-1, 5, 3}},     {"gap1d", {-1, 3}},      {"zp1d", {-1, 14, 3}},
      {"crop1d", {-1, 7, 3}},          {"dense3d", {-1, 10, 3}}, {"emb", {-1, 5, 2}}};
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const auto& v = g.values[static_cast<std::size_t>(g.outputs[i])];
    EXPECT_EQ(v.name, outputs[i]);
    if (want.count(outputs[i])) {
      EXPECT_EQ(v.shape, want[outputs[i]]) << outputs[i];
    }
  }
  for (const auto& n : g.nodes) EXPECT_TRUE(kEaselOps.count(n.op)) << n.op;
  if (auto missing = missing_ops(g); !missing.empty()) FAIL() << "missing kernels:" << missing;

  auto model = easel::Model::load(p.string());
  Tensor img = random_tensor({2, 8, 8, 4}, 50, -3, 3), seq = random_tensor({2, 10, 3}, 51, -3, 3);
  Tensor ids(DType::f32, {2, 5});
  for (int i = 0; i < 10; ++i) ids.data<float>()[i] = static_cast<float>((i * 3) % 7);
  auto outs = model.run({img, seq, ids});
  ASSERT_EQ(outs.size(), outputs.size());
  std::map<std::string, Tensor> y;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    Shape s = g.values[static_cast<std::size_t>(g.outputs[i])].shape;
    s[0] = 2;
    EXPECT_EQ(outs[i].shape(), s) << outputs[i] << ": importer and kernels disagree";
    y[outputs[i]] = outs[i];
  }
  auto I = [&](int b, int h, int w, int c) { return img.data<float>()[((b * 8 + h) * 8 + w) * 4 + c]; };
  auto S = [&](int b, int t, int c) { return seq.data<float>()[(b * 10 + t) * 3 + c]; };
  for (int b = 0; b < 2; ++b)
    for (int h = 0; h < 8; ++h)
      for (int w = 0; w < 8; ++w)
        for (int c = 0; c < 4; ++c) {
          const float x = I(b, h, w, c);
          const std::int64_t at = ((b * 8 + h) * 8 + w) * 4 + c;
          if (h >= 1 && h < 6 && w < 5) {
            EXPECT_EQ(y["crop"].data<float>()[((b * 5 + h - 1) * 5 + w) * 4 + c], x);
          }
          EXPECT_EQ(y["perm"].data<float>()[((b * 4 + c) * 8 + h) * 8 + w], x);
          for (int dh = 0; dh < 2; ++dh)
            for (int dw = 0; dw < 3; ++dw) EXPECT_EQ(y["up_nearest"].data<float>()[((b * 16 + 2 * h + dh) * 24 + 3 * w + dw) * 4 + c], x);
          EXPECT_EQ(y["cat"].data<float>()[((b * 16 + 2 * h) * 16 + 2 * w) * 8 + 4 + c], x);
          const float elu = x > 0 ? x : 0.5f * (std::exp(x) - 1);
          const float capped = std::min(x > 0 ? x : 0.1f * x, 2.5f);
          EXPECT_NEAR(y["elu"].data<float>()[at], elu, 1e-5);
          EXPECT_NEAR(y["capped"].data<float>()[at], capped, 1e-6);
          EXPECT_NEAR(y["prelu"].data<float>()[at], x > 0 ? x : weights[8].second.data<float>()[c] * x, 1e-6);
          EXPECT_NEAR(y["diff"].data<float>()[at], elu - x, 1e-5);
          EXPECT_NEAR(y["avg3"].data<float>()[at], (elu + x + capped) / 3, 1e-5);
          EXPECT_NEAR(y["mx"].data<float>()[at], std::max(elu, capped), 1e-5);
          EXPECT_NEAR(y["prod"].data<float>()[at], elu * x, 1e-5);
          EXPECT_NEAR(y["rescale"].data<float>()[at], x * 0.5f - 1, 1e-6);
          EXPECT_EQ(y["flat"].data<float>()[at], x);
        }
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 10; ++t)
      for (int c = 0; c < 3; ++c) {
        const float x = S(b, t, c);
        const std::int64_t at = (b * 10 + t) * 3 + c;
        EXPECT_EQ(y["zp1d"].data<float>()[(b * 14 + t + 2) * 3 + c], x);
        if (t >= 1 && t < 8) {
          EXPECT_EQ(y["crop1d"].data<float>()[(b * 7 + t - 1) * 3 + c], x);
        }
        EXPECT_NEAR(y["gelu"].data<float>()[at], 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))), 1e-5);
        EXPECT_NEAR(y["softsign"].data<float>()[at], x / (1 + std::fabs(x)), 1e-5);
        EXPECT_NEAR(y["mish"].data<float>()[at], x * std::tanh(std::log1p(std::exp(x))), 1e-4);
        EXPECT_NEAR(y["hsig"].data<float>()[at], std::clamp(0.2f * x + 0.5f, 0.0f, 1.0f), 1e-6);
        const float gamma = weights[14].second.data<float>()[t], beta = weights[15].second.data<float>()[t];
        const float mean = weights[16].second.data<float>()[t], var = weights[17].second.data<float>()[t];
        EXPECT_NEAR(y["bn_time"].data<float>()[at], (x - mean) / std::sqrt(var + 0.01f) * gamma + beta, 1e-4);
      }
  for (int i = 0; i < 10; ++i)
    for (int d = 0; d < 2; ++d)
      EXPECT_EQ(y["emb"].data<float>()[i * 2 + d], weights[18].second.data<float>()[static_cast<int>(ids.data<float>()[i]) * 2 + d]);
  // Causal Conv1D: output t sees inputs t, t-2, t-4 only (dilation 2, zeros before the start).
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 10; ++t)
      for (int f = 0; f < 4; ++f) {
        double acc = weights[10].second.data<float>()[f];
        for (int k = 0; k < 3; ++k) {
          int src = t - (2 - k) * 2;
          if (src < 0) continue;
          for (int c = 0; c < 3; ++c) acc += S(b, src, c) * weights[9].second.data<float>()[(k * 3 + c) * 4 + f];
        }
        EXPECT_NEAR(y["causal"].data<float>()[(b * 10 + t) * 4 + f], std::tanh(acc), 1e-5);
      }
}

// Reference transposed convolution (TF Conv2DBackpropInput): filter [KH,KW,O,C].
Tensor ref_conv_transpose(const Tensor& x, const Tensor& w, const Tensor* bias, int stride, int pad_top, int pad_left, int oh, int ow) {
  const int n = static_cast<int>(x.dim(0)), h = static_cast<int>(x.dim(1)), wd = static_cast<int>(x.dim(2)), c = static_cast<int>(x.dim(3));
  const int kh = static_cast<int>(w.dim(0)), kw = static_cast<int>(w.dim(1)), o = static_cast<int>(w.dim(2));
  Tensor y(DType::f32, {n, oh, ow, o});
  for (int b = 0; b < n; ++b)
    for (int i = 0; i < oh; ++i)
      for (int j = 0; j < ow; ++j)
        for (int f = 0; f < o; ++f) y.data<float>()[((b * oh + i) * ow + j) * o + f] = bias ? bias->data<float>()[f] : 0;
  for (int b = 0; b < n; ++b)
    for (int i = 0; i < h; ++i)
      for (int j = 0; j < wd; ++j)
        for (int di = 0; di < kh; ++di)
          for (int dj = 0; dj < kw; ++dj) {
            const int r = i * stride + di - pad_top, q = j * stride + dj - pad_left;
            if (r < 0 || r >= oh || q < 0 || q >= ow) continue;
            for (int f = 0; f < o; ++f)
              for (int ch = 0; ch < c; ++ch)
                y.data<float>()[((b * oh + r) * ow + q) * o + f] +=
                    x.data<float>()[((b * h + i) * wd + j) * c + ch] * w.data<float>()[((di * kw + dj) * o + f) * c + ch];
          }
  return y;
}

TEST(TfjsLayersSynthetic, Conv2DTranspose) {
  Tensor k = random_tensor({3, 3, 5, 2}, 60), bias = random_tensor({5}, 61), k2 = random_tensor({3, 3, 2, 2}, 62);
  Tensor x = random_tensor({2, 3, 4, 2}, 63);
  for (bool open_batch : {false, true}) {
    SCOPED_TRACE(open_batch ? "batch null" : "batch 2");
    easel::test::ScratchDir dir;
    json shape = {open_batch ? json(nullptr) : json(2), 3, 4, 2};
    json topo = {{"class_name", "Model"},
                 {"config",
                  {{"name", "m"},
                   {"layers",
                    {layer("InputLayer", {{"name", "x"}, {"batch_input_shape", shape}}, json::array()),
                     layer("Conv2DTranspose", {{"name", "same"}, {"filters", 5}, {"kernel_size", 3}, {"strides", 2}, {"padding", "same"}},
                           from("x")),
                     layer("Conv2DTranspose", {{"name", "valid"}, {"filters", 2}, {"kernel_size", 3}, {"strides", 2}, {"use_bias", false}},
                           from("x"))}},
                   {"input_layers", json::array({json::array({"x", 0, 0})})},
                   {"output_layers", json::array({json::array({"same", 0, 0}), json::array({"valid", 0, 0})})}}}};
    fs::path p = write_model(dir.path(), topo, {{"same/kernel", k}, {"same/bias", bias}, {"valid/kernel", k2}});
    Graph g = easel::nn::import_tfjs_layers(p);
    const std::int64_t n = open_batch ? -1 : 2;
    EXPECT_EQ(g.values[static_cast<std::size_t>(g.outputs[0])].shape, (Shape{n, 6, 8, 5}));
    EXPECT_EQ(g.values[static_cast<std::size_t>(g.outputs[1])].shape, (Shape{n, 7, 9, 2}));  // in*s + max(k-s, 0)
    if (auto missing = missing_ops(g); !missing.empty()) FAIL() << "missing kernels:" << missing;
    std::vector<Tensor> y = easel::Model::load(p.string()).run({x});
    // SAME: total padding (in-1)*s + k - out = 1 on each axis, all of it after (top = total / 2 = 0).
    Tensor want_same = ref_conv_transpose(x, k, &bias, 2, 0, 0, 6, 8);
    Tensor want_valid = ref_conv_transpose(x, k2, nullptr, 2, 0, 0, 7, 9);
    ASSERT_EQ(y[0].shape(), want_same.shape());
    ASSERT_EQ(y[1].shape(), want_valid.shape());
    for (std::int64_t i = 0; i < y[0].size(); ++i) EXPECT_NEAR(y[0].data<float>()[i], want_same.data<float>()[i], 1e-4);
    for (std::int64_t i = 0; i < y[1].size(); ++i) EXPECT_NEAR(y[1].data<float>()[i], want_valid.data<float>()[i], 1e-4);
  }
}

TEST(TfjsLayersSynthetic, SharedLayerAndDropoutOutputKeepNames) {
  easel::test::ScratchDir dir;
  Tensor k = random_tensor({2, 2}, 20);
  // One Dense applied twice (node 0 and node 1), and the model ends in a Dropout.
  json topo = {
      {"class_name", "Model"},
      {"config",
       {{"name", "m"},
        {"layers",
         {layer("InputLayer", {{"name", "x"}, {"batch_input_shape", {nullptr, 2}}}, json::array()),
          layer("Dense", {{"name", "shared"}, {"units", 2}, {"use_bias", false}},
                json::array({json::array({json::array({"x", 0, 0, json::object()})}),
                             json::array({json::array({"shared", 0, 0, json::object()})})})),
          layer("Dropout", {{"name", "out"}, {"rate", 0.1}}, json::array({json::array({json::array({"shared", 1, 0, json::object()})})}))}},
        {"input_layers", json::array({json::array({"x", 0, 0})})},
        {"output_layers", json::array({json::array({"out", 0, 0})})}}}};
  fs::path p = write_model(dir.path(), topo, {{"shared/kernel", k}});
  Graph g = easel::nn::import_tfjs_layers(p);
  EXPECT_EQ(count_op(g, "matmul"), 2);
  EXPECT_EQ(g.values[static_cast<std::size_t>(g.outputs[0])].name, "out");
  int constants = 0;
  for (const auto& v : g.values) constants += v.is_constant();
  EXPECT_EQ(constants, 1) << "both calls share one weight";
}

}  // namespace
