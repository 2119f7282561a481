// The TF.js graph-model importer: model.json ("format": "graph-model") with its weight
// shards -> nn::Graph. TensorFlow nodes become easel ops (src/nn/ops/README.md); the op
// map is in tfjs_graph_ops.cpp. Placeholders become graph inputs, Consts constants from
// the weight shards; the graph outputs are the signature's, else (as TF.js does) every
// node nobody consumes.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include "core/files.h"
#include "easel/error.h"
#include "nn/import/importers.h"
#include "nn/import/tfjs_graph_importer.h"
#include "nn/import/tfjs_weights.h"

namespace fs = std::filesystem;

namespace easel::nn {
namespace tfjs_graph_import {
namespace {

// Thrown by the JSON value readers below; OpContext turns it into a message that names
// the node and the attribute.
struct BadValue {
  std::string why;
};

std::int64_t json_int(const Json& v) {
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) throw BadValue{"is out of range"};
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::nearbyint(d) != d || std::fabs(d) > 9.2e18) throw BadValue{"is not an integer"};
    return static_cast<std::int64_t>(d);
  }
  if (v.is_string()) {  // int64 values are strings in TF's JSON
    const auto& s = v.get_ref<const std::string&>();
    std::int64_t out = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return out;
    throw BadValue{"'" + s + "' is not an integer"};
  }
  throw BadValue{"is not an integer"};
}

double json_float(const Json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {  // non-finite floats are strings in TF's JSON
    const auto& s = v.get_ref<const std::string&>();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    double out = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return out;
    throw BadValue{"'" + s + "' is not a number"};
  }
  throw BadValue{"is not a number"};
}

// DataType enum values, for files that write types as numbers instead of names.
std::string type_name(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) {
    static const std::map<std::int64_t, std::string> names = {{0, "DT_INVALID"},   {1, "DT_FLOAT"}, {2, "DT_DOUBLE"},  {3, "DT_INT32"},
                                                              {4, "DT_UINT8"},     {5, "DT_INT16"}, {6, "DT_INT8"},    {7, "DT_STRING"},
                                                              {8, "DT_COMPLEX64"}, {9, "DT_INT64"}, {10, "DT_BOOL"},   {14, "DT_BFLOAT16"},
                                                              {17, "DT_UINT16"},   {19, "DT_HALF"}, {22, "DT_UINT32"}, {23, "DT_UINT64"}};
    auto it = names.find(v.get<std::int64_t>());
    if (it != names.end()) return it->second;
  }
  throw BadValue{"is not a data type"};
}

// TF dtype -> the dtype easel feeds. TF.js has no int64 or 8/16-bit tensors: it feeds
// them as int32, and so does easel.
std::optional<DType> easel_dtype(const std::string& tf) {
  if (tf == "DT_FLOAT" || tf == "DT_HALF" || tf == "DT_DOUBLE" || tf == "DT_BFLOAT16") return DType::f32;
  if (tf == "DT_INT32" || tf == "DT_INT64" || tf == "DT_INT16" || tf == "DT_INT8" || tf == "DT_UINT8" || tf == "DT_UINT16" ||
      tf == "DT_UINT32")
    return DType::i32;
  if (tf == "DT_BOOL") return DType::boolean;
  return std::nullopt;
}

// A TensorShapeProto in JSON: {"dim": [{"size": "-1"}, {}], "unknownRank": true}. An
// omitted size is 0 (proto3 leaves defaults out). nullopt for an unknown rank.
std::optional<Shape> json_shape(const Json& v) {
  if (!v.is_object()) throw BadValue{"is not a shape"};
  if (v.contains("unknownRank") && v["unknownRank"].is_boolean() && v["unknownRank"].get<bool>()) return std::nullopt;
  Shape shape;
  if (!v.contains("dim")) return shape;
  const Json& dims = v["dim"];
  if (!dims.is_array()) throw BadValue{"has a 'dim' that is not a list"};
  for (const Json& d : dims) {
    if (!d.is_object()) throw BadValue{"has a dimension that is not an object"};
    std::int64_t size = d.contains("size") ? json_int(d["size"]) : 0;
    if (size < -1) throw BadValue{"has a negative dimension " + std::to_string(size)};
    shape.push_back(size);
  }
  return shape;
}

}  // namespace

std::optional<std::string> decode_base64(std::string_view text) {
  auto value = [](char ch) -> int {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+' || ch == '-') return 62;
    if (ch == '/' || ch == '_') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char ch : text) {
    int v = value(ch);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xffu);
    }
  }
  return out;
}

// ---- OpContext ----

OpContext::OpContext(Graph& graph, const std::string& file, const std::string& name, const std::string& op, const Json* attrs,
                     std::vector<int> inputs)
    : graph_(graph), file_(file), name_(name), op_(op), attrs_(attrs), inputs_(std::move(inputs)) {}

void OpContext::fail(const std::string& message) const {
  throw Error(ErrorCode::bad_model, "Node '" + name_ + "' (" + op_ + ") in " + file_ + ": " + message + ".");
}

void OpContext::unsupported(const std::string& message) const {
  throw Error(ErrorCode::unsupported_op, "Node '" + name_ + "' (" + op_ + ") in " + file_ + ": " + message + ".",
              "`easel ops` lists the supported ops per format.");
}

int OpContext::input(int i) const {
  if (i < 0 || i >= num_inputs()) fail("input " + std::to_string(i) + " is missing");
  return inputs_[static_cast<std::size_t>(i)];
}

void OpContext::expect_inputs(int min, int max) const {
  if (num_inputs() < min || num_inputs() > max)
    fail("expected " + (min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max)) + " inputs, got " +
         std::to_string(num_inputs()));
}

const Tensor* OpContext::constant(int i) const {
  const Value& v = graph_.values[static_cast<std::size_t>(input(i))];
  return v.is_constant() ? &v.constant : nullptr;
}

std::optional<std::vector<std::int64_t>> OpContext::const_ints(int i) const {
  const Tensor* t = constant(i);
  if (!t) return std::nullopt;
  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(t->size()));
  for (std::int64_t k = 0; k < t->size(); ++k) {
    double d = t->at(k);
    if (std::nearbyint(d) != d || std::fabs(d) > 9.2e18) fail("input " + std::to_string(i) + " must hold integers");
    out.push_back(static_cast<std::int64_t>(d));
  }
  return out;
}

std::optional<double> OpContext::const_scalar(int i) const {
  const Tensor* t = constant(i);
  if (!t) return std::nullopt;
  if (t->size() != 1) fail("input " + std::to_string(i) + " must hold one value, it has shape " + to_string(t->shape()));
  return t->at(0);
}

const Json* OpContext::attr(const std::string& key) const {
  if (!attrs_ || !attrs_->is_object()) return nullptr;
  auto it = attrs_->find(key);
  if (it == attrs_->end()) return nullptr;
  if (!it->is_object()) fail("attribute '" + key + "' is not an AttrValue object");
  return &*it;
}

bool OpContext::has_attr(const std::string& key) const { return attr(key) != nullptr; }

// The readers below: an absent attribute is the fallback (or an error without one); a
// present one whose field is omitted is proto3's default (0, false, "", []).
std::int64_t OpContext::attr_int(const std::string& key, std::optional<std::int64_t> fallback) const {
  const Json* a = attr(key);
  if (!a) {
    if (!fallback) fail("attribute '" + key + "' is missing");
    return *fallback;
  }
  try {
    return a->contains("i") ? json_int((*a)["i"]) : 0;
  } catch (const BadValue& e) {
    fail("attribute '" + key + "' " + e.why);
  }
}

double OpContext::attr_float(const std::string& key, std::optional<double> fallback) const {
  const Json* a = attr(key);
  if (!a) {
    if (!fallback) fail("attribute '" + key + "' is missing");
    return *fallback;
  }
  try {
    return a->contains("f") ? json_float((*a)["f"]) : 0.0;
  } catch (const BadValue& e) {
    fail("attribute '" + key + "' " + e.why);
  }
}

bool OpContext::attr_bool(const std::string& key, std::optional<bool> fallback) const {
  const Json* a = attr(key);
  if (!a) {
    if (!fallback) fail("attribute '" + key + "' is missing");
    return *fallback;
  }
  if (!a->contains("b")) return false;
  if (!(*a)["b"].is_boolean()) fail("attribute '" + key + "' is not a boolean");
  return (*a)["b"].get<bool>();
}

std::string OpContext::attr_string(const std::string& key, std::optional<std::string> fallback) const {
  const Json* a = attr(key);
  if (!a) {
    if (!fallback) fail("attribute '" + key + "' is missing");
    return *fallback;
  }
  if (!a->contains("s")) return "";
  const Json& s = (*a)["s"];
  std::optional<std::string> bytes;
  if (s.is_string()) bytes = decode_base64(s.get_ref<const std::string&>());
  if (!bytes) fail("attribute '" + key + "' is not a base64 string");
  return *bytes;
}

std::string OpContext::attr_type(const std::string& key, std::optional<std::string> fallback) const {
  const Json* a = attr(key);
  if (!a) {
    if (!fallback) fail("attribute '" + key + "' is missing");
    return *fallback;
  }
  try {
    return a->contains("type") ? type_name((*a)["type"]) : "DT_INVALID";
  } catch (const BadValue& e) {
    fail("attribute '" + key + "' " + e.why);
  }
}

const Json& OpContext::attr_list(const std::string& key) const {
  static const Json empty = Json::object();
  const Json* a = attr(key);
  if (!a || !a->contains("list")) return empty;
  const Json& list = (*a)["list"];
  if (!list.is_object()) fail("attribute '" + key + "' has a 'list' that is not an object");
  return list;
}

std::vector<std::int64_t> OpContext::attr_ints(const std::string& key, std::optional<std::vector<std::int64_t>> fallback) const {
  if (!attr(key)) {
    if (!fallback) fail("attribute '" + key + "' is missing");
    return *fallback;
  }
  const Json& list = attr_list(key);
  std::vector<std::int64_t> out;
  if (!list.contains("i")) return out;
  if (!list["i"].is_array()) fail("attribute '" + key + "' is not a list of integers");
  try {
    for (const Json& v : list["i"]) out.push_back(json_int(v));
  } catch (const BadValue& e) {
    fail("attribute '" + key + "' has a value that " + e.why);
  }
  return out;
}

std::vector<std::string> OpContext::attr_strings(const std::string& key) const {
  const Json& list = attr_list(key);
  std::vector<std::string> out;
  if (!list.contains("s")) return out;
  if (!list["s"].is_array()) fail("attribute '" + key + "' is not a list of strings");
  for (const Json& v : list["s"]) {
    std::optional<std::string> bytes;
    if (v.is_string()) bytes = decode_base64(v.get_ref<const std::string&>());
    if (!bytes) fail("attribute '" + key + "' has a value that is not a base64 string");
    out.push_back(*bytes);
  }
  return out;
}

void OpContext::emit(const std::string& op, std::vector<int> inputs, Attrs attrs, int num_outputs) {
  // Trailing absent optional inputs are dropped so kernels see TF's input count.
  while (!inputs.empty() && inputs.back() < 0) inputs.pop_back();
  Node& n = graph_.add_node(op, name_, std::move(inputs), num_outputs);
  n.attrs = std::move(attrs);
  outputs_ = n.outputs;
}

void OpContext::emit_output(const std::string& op, std::vector<int> inputs, Attrs attrs) {
  while (!inputs.empty() && inputs.back() < 0) inputs.pop_back();
  Node& n = graph_.add_node(op, name_, std::move(inputs), 1);
  n.attrs = std::move(attrs);
  const int out = n.outputs[0];
  graph_.values[static_cast<std::size_t>(out)].name = outputs_.empty() ? name_ : name_ + ":" + std::to_string(outputs_.size());
  outputs_.push_back(out);
}

int OpContext::emit_hidden(const std::string& op, const std::string& suffix, std::vector<int> inputs, Attrs attrs) {
  while (!inputs.empty() && inputs.back() < 0) inputs.pop_back();
  Node& n = graph_.add_node(op, name_, std::move(inputs), 1);
  n.attrs = std::move(attrs);
  int out = n.outputs[0];
  graph_.values[static_cast<std::size_t>(out)].name = name_ + "#" + suffix;
  return out;
}

int OpContext::add_constant(const std::string& suffix, Tensor tensor) {
  return graph_.add_constant(name_ + "#" + suffix, std::move(tensor));
}

void OpContext::emit_constant(Tensor tensor) { outputs_ = {graph_.add_constant(name_, std::move(tensor))}; }

}  // namespace tfjs_graph_import

namespace {

using tfjs_graph_import::Json;

struct TensorRef {
  std::string node;
  int index = 0;
};

struct TfNode {
  std::string name, op;
  std::vector<TensorRef> inputs;      // data inputs
  std::vector<std::string> controls;  // ^name inputs: ordering only, which easel does not need
  const Json* attrs = nullptr;
};

// "name", "name:2" (output 2 of node name); node names never contain ':'.
std::optional<TensorRef> parse_ref(const std::string& text) {
  TensorRef ref{text, 0};
  auto colon = text.rfind(':');
  if (colon != std::string::npos) {
    std::string idx = text.substr(colon + 1);
    int k = 0;
    auto [end, ec] = std::from_chars(idx.data(), idx.data() + idx.size(), k);
    if (idx.empty() || ec != std::errc() || end != idx.data() + idx.size() || k < 0) return std::nullopt;
    ref = {text.substr(0, colon), k};
  }
  if (ref.node.empty()) return std::nullopt;
  return ref;
}

class Importer {
 public:
  explicit Importer(const fs::path& model_json) : path_(model_json), file_(model_json.string()) {}

  Graph run() {
    graph_.source = file_;
    Json doc;
    try {
      doc = Json::parse(detail::read_file(path_));
    } catch (const Json::exception& e) {  // parse errors, and numbers past a double's range
      throw Error(ErrorCode::bad_model, "'" + file_ + "' is not valid JSON: " + detail::json_problem(e) + ".");
    }
    try {
      build(doc);
    } catch (const Json::exception& e) {
      // Every field is checked where it is read; this is the net under the net.
      throw Error(ErrorCode::bad_model, "'" + file_ + "' is not a valid TF.js graph model: " + detail::json_problem(e) + ".");
    }
    graph_.sort();
    return std::move(graph_);
  }

 private:
  [[noreturn]] void bad(const std::string& message) const {
    throw Error(ErrorCode::bad_model, "'" + file_ + "' " + message + ".", "Re-export the model with tensorflowjs_converter.");
  }
  [[noreturn]] void bad_node(const TfNode& n, const std::string& message) const {
    throw Error(ErrorCode::bad_model, "Node '" + n.name + "' (" + n.op + ") in " + file_ + ": " + message + ".");
  }

  void build(const Json& doc) {
    if (!doc.is_object()) bad("is not a TF.js model.json (not a JSON object)");
    if (doc.contains("format")) {
      if (!doc["format"].is_string()) bad("has a 'format' that is not a string");
      if (doc["format"].get<std::string>() != "graph-model")
        bad("has format '" + doc["format"].get<std::string>() + "', not 'graph-model'");
    }
    if (!doc.contains("modelTopology") || !doc["modelTopology"].is_object()) bad("has no 'modelTopology' object");
    const Json& topo = doc["modelTopology"];
    if (!topo.contains("node") || !topo["node"].is_array()) bad("has no 'modelTopology.node' list; it is not a TF.js graph model");
    parse_nodes(topo["node"]);
    if (doc.contains("signature")) {
      if (!doc["signature"].is_object()) bad("has a 'signature' that is not an object");
      signature_ = &doc["signature"];
    }
    if (doc.contains("weightsManifest")) {
      // load_tfjs_weights takes nlohmann::json; the manifest's key order does not matter.
      weights_ = load_tfjs_weights(nlohmann::json(doc["weightsManifest"]), path_);
    }
    translate_all();
    set_inputs();
    set_outputs();
  }

  void parse_nodes(const Json& list) {
    nodes_.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
      const Json& j = list[i];
      const std::string where = "has a node (#" + std::to_string(i) + ")";
      if (!j.is_object()) bad(where + " that is not an object");
      if (!j.contains("name") || !j["name"].is_string() || j["name"].get_ref<const std::string&>().empty())
        bad(where + " without a 'name'");
      TfNode n;
      n.name = j["name"].get<std::string>();
      if (!j.contains("op") || !j["op"].is_string() || j["op"].get_ref<const std::string&>().empty())
        bad("has a node '" + n.name + "' without an 'op'");
      n.op = j["op"].get<std::string>();
      if (j.contains("input")) {
        if (!j["input"].is_array()) bad_node(n, "'input' is not a list");
        for (const Json& in : j["input"]) {
          if (!in.is_string()) bad_node(n, "an input is not a string");
          const std::string& s = in.get_ref<const std::string&>();
          if (!s.empty() && s[0] == '^') {
            n.controls.push_back(s.substr(1));
            continue;
          }
          auto ref = parse_ref(s);
          if (!ref) bad_node(n, "input '" + s + "' is not a tensor name");
          n.inputs.push_back(*ref);
        }
      }
      if (j.contains("attr")) {
        if (!j["attr"].is_object()) bad_node(n, "'attr' is not an object");
        n.attrs = &j["attr"];
      }
      if (!index_.emplace(n.name, nodes_.size()).second) bad("has two nodes named '" + n.name + "'");
      nodes_.push_back(std::move(n));
    }
    for (const TfNode& n : nodes_) {
      for (const TensorRef& r : n.inputs)
        if (!index_.count(r.node)) bad_node(n, "input '" + r.node + "' names no node of the graph");
      for (const std::string& c : n.controls)
        if (!index_.count(c)) bad_node(n, "control input '^" + c + "' names no node of the graph");
    }
  }

  // Nodes in an order where producers come first (the file's order is not guaranteed
  // to be one); iterative, so a long chain cannot overflow the stack.
  std::vector<std::size_t> topological_order() const {
    std::vector<std::size_t> order;
    order.reserve(nodes_.size());
    std::vector<char> state(nodes_.size(), 0);               // 0 unseen, 1 on the stack, 2 done
    std::vector<std::pair<std::size_t, std::size_t>> stack;  // node, next input to visit
    for (std::size_t root = 0; root < nodes_.size(); ++root) {
      if (state[root]) continue;
      stack.push_back({root, 0});
      state[root] = 1;
      while (!stack.empty()) {
        auto& [n, next] = stack.back();
        if (next < nodes_[n].inputs.size()) {
          std::size_t p = index_.at(nodes_[n].inputs[next++].node);
          if (state[p] == 1) bad("has a cycle through node '" + nodes_[p].name + "'");
          if (state[p] == 0) {
            state[p] = 1;
            stack.push_back({p, 0});
          }
          continue;
        }
        state[n] = 2;
        order.push_back(n);
        stack.pop_back();
      }
    }
    return order;
  }

  const Json* signature_entry(const char* section, const std::string& node) const {
    if (!signature_ || !signature_->contains(section) || !(*signature_)[section].is_object()) return nullptr;
    for (const auto& [key, entry] : (*signature_)[section].items()) {
      if (!entry.is_object()) bad("has a signature " + std::string(section) + " entry '" + key + "' that is not an object");
      std::string name = entry.contains("name") && entry["name"].is_string() ? entry["name"].get<std::string>() : key;
      auto ref = parse_ref(name);
      if (ref && ref->node == node) return &entry;
    }
    return nullptr;
  }

  void translate_all() {
    outputs_of_.assign(nodes_.size(), {});
    for (std::size_t idx : topological_order()) {
      const TfNode& n = nodes_[idx];
      std::vector<int> inputs;
      for (const TensorRef& r : n.inputs) {
        const auto& outs = outputs_of_[index_.at(r.node)];
        if (r.index >= static_cast<int>(outs.size()))
          bad_node(n, "input '" + r.node + ":" + std::to_string(r.index) + "' asks for output " + std::to_string(r.index) + " of '" +
                          r.node + "', which has " + std::to_string(outs.size()));
        inputs.push_back(outs[static_cast<std::size_t>(r.index)]);
      }
      if (n.op == "Placeholder") {
        outputs_of_[idx] = {placeholder(n)};
        placeholders_.push_back(idx);
      } else if (n.op == "Const") {
        auto w = weights_.find(n.name);
        if (w == weights_.end()) bad_node(n, "its value is not in 'weightsManifest' (no weight named '" + n.name + "')");
        outputs_of_[idx] = {graph_.add_constant(n.name, w->second)};
      } else if (n.op == "NoOp") {
        outputs_of_[idx] = {};  // control edges only
      } else {
        tfjs_graph_import::Translation translate = tfjs_graph_import::find_translation(n.op);
        if (!translate) throw_unsupported_op("Op", n.op, "node '" + n.name + "'", file_);
        tfjs_graph_import::OpContext ctx(graph_, file_, n.name, n.op, n.attrs, std::move(inputs));
        try {
          translate(ctx);
        } catch (const Error& e) {
          const std::string what = e.what();
          if (what.starts_with("Node '") || what.starts_with("Op '")) throw;
          ctx.fail(what);
        } catch (const Json::exception& e) {
          ctx.fail(std::string("malformed attribute: ") + e.what());
        }
        if (ctx.outputs().empty()) ctx.fail("translation produced no output (a bug in easel)");
        outputs_of_[idx] = ctx.outputs();
      }
    }
  }

  int placeholder(const TfNode& n) {
    tfjs_graph_import::OpContext ctx(graph_, file_, n.name, n.op, n.attrs, {});
    const Json* sig = signature_entry("inputs", n.name);
    std::string tf_type = ctx.attr_type("dtype", "DT_FLOAT");
    if (!ctx.has_attr("dtype") && sig && sig->contains("dtype") && (*sig)["dtype"].is_string())
      tf_type = (*sig)["dtype"].get<std::string>();
    std::optional<DType> dtype = tfjs_graph_import::easel_dtype(tf_type);
    if (!dtype) ctx.unsupported("the input has dtype " + tf_type + ", which easel cannot feed");
    std::optional<Shape> shape;
    try {
      if (ctx.has_attr("shape")) {
        const Json* a = &(*n.attrs)["shape"];
        if (a->contains("shape")) shape = tfjs_graph_import::json_shape((*a)["shape"]);
      }
      // The Placeholder's own shape wins: a -1 there stays -1 even where the signature
      // was exported with a fixed size, since the graph accepts any size.
      if (!shape && sig && sig->contains("tensorShape")) shape = tfjs_graph_import::json_shape((*sig)["tensorShape"]);
    } catch (const tfjs_graph_import::BadValue& e) {
      ctx.fail("the shape " + e.why);
    }
    if (!shape) ctx.fail("the input has no shape of known rank");
    return graph_.add_input(n.name, *dtype, *shape);
  }

  // Graph inputs: the signature's in its order (TF.js's order), then any other
  // Placeholder in the order of the file.
  void set_inputs() {
    std::vector<int> inputs;
    std::set<std::size_t> taken;
    if (signature_ && signature_->contains("inputs")) {
      const Json& section = (*signature_)["inputs"];
      if (!section.is_object()) bad("has signature 'inputs' that are not an object");
      for (const auto& [key, entry] : section.items()) {
        std::string name = entry.contains("name") && entry["name"].is_string() ? entry["name"].get<std::string>() : key;
        auto ref = parse_ref(name);
        auto it = ref ? index_.find(ref->node) : index_.end();
        if (it == index_.end()) bad("has a signature input '" + name + "' that names no node of the graph");
        if (nodes_[it->second].op != "Placeholder")
          bad("has a signature input '" + name + "' that is a " + nodes_[it->second].op + " node, not a Placeholder");
        if (taken.insert(it->second).second) inputs.push_back(outputs_of_[it->second][0]);
      }
    }
    // placeholders_ is in translation order; TF.js uses the file's.
    std::sort(placeholders_.begin(), placeholders_.end());
    for (std::size_t idx : placeholders_)
      if (!taken.count(idx)) inputs.push_back(outputs_of_[idx][0]);
    graph_.inputs = std::move(inputs);
  }

  void set_outputs() {
    std::vector<int> outputs;
    if (signature_ && signature_->contains("outputs") && !(*signature_)["outputs"].empty()) {
      const Json& section = (*signature_)["outputs"];
      if (!section.is_object()) bad("has signature 'outputs' that are not an object");
      for (const auto& [key, entry] : section.items()) {
        if (!entry.is_object()) bad("has a signature output '" + key + "' that is not an object");
        std::string name = entry.contains("name") && entry["name"].is_string() ? entry["name"].get<std::string>() : key;
        auto ref = parse_ref(name);
        auto it = ref ? index_.find(ref->node) : index_.end();
        if (it == index_.end()) bad("has a signature output '" + name + "' that names no node of the graph");
        const auto& outs = outputs_of_[it->second];
        if (ref->index >= static_cast<int>(outs.size()))
          bad("has a signature output '" + name + "' but node '" + ref->node + "' has " + std::to_string(outs.size()) + " output(s)");
        outputs.push_back(outs[static_cast<std::size_t>(ref->index)]);
      }
    } else {
      // TF.js: without a signature the outputs are the nodes no other node consumes
      // (through data or control edges), in the file's order.
      std::vector<char> consumed(nodes_.size(), 0);
      for (const TfNode& n : nodes_) {
        for (const TensorRef& r : n.inputs) consumed[index_.at(r.node)] = 1;
        for (const std::string& c : n.controls) consumed[index_.at(c)] = 1;
      }
      for (std::size_t i = 0; i < nodes_.size(); ++i)
        if (!consumed[i] && !outputs_of_[i].empty()) outputs.push_back(outputs_of_[i][0]);
    }
    if (outputs.empty()) bad("has no outputs");
    graph_.outputs = std::move(outputs);
  }

  fs::path path_;
  std::string file_;
  Graph graph_;
  std::vector<TfNode> nodes_;
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<std::vector<int>> outputs_of_;  // per node: its output value ids
  std::vector<std::size_t> placeholders_;
  const Json* signature_ = nullptr;
  std::map<std::string, Tensor> weights_;
};

}  // namespace

Graph import_tfjs_graph(const fs::path& model_json) { return Importer(model_json).run(); }

std::vector<std::string> tfjs_graph_ops() {
  std::vector<std::string> ops = tfjs_graph_import::translated_ops();
  for (const char* own : {"Const", "NoOp", "Placeholder"}) ops.push_back(own);
  std::sort(ops.begin(), ops.end());
  ops.erase(std::unique(ops.begin(), ops.end()), ops.end());
  return ops;
}

}  // namespace easel::nn
