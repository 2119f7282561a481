#include "nn/import/ml5_checkpoint.h"

#include <cctype>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_file.h"
#include "easel/error.h"

namespace fs = std::filesystem;

namespace easel::nn {
namespace {

[[noreturn]] void fail(const fs::path& manifest, const std::string& message) {
  throw Error(ErrorCode::bad_model, "'" + manifest.string() + "': " + message + ".",
              "An ml5 checkpoint is a manifest.json and one raw float32 file per variable beside it.");
}

// A variable's file must be a plain name in the manifest's folder: ml5 fetches
// folder + filename, and a file from anywhere must not reach outside it.
bool plain_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos && name.find('\\') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

}  // namespace

bool is_ml5_checkpoint_manifest(const nlohmann::json& doc) {
  if (!doc.is_object() || doc.empty()) return false;
  for (const auto& [name, entry] : doc.items())
    if (!entry.is_object() || !entry.contains("filename") || !entry.contains("shape")) return false;
  return true;
}

std::map<std::string, Tensor> read_ml5_checkpoint(const fs::path& manifest) {
  const nlohmann::json doc = detail::read_json_file(manifest);
  if (!is_ml5_checkpoint_manifest(doc)) fail(manifest, "not an ml5 checkpoint manifest (each entry needs a \"filename\" and a \"shape\")");
  std::map<std::string, Tensor> variables;
  for (const auto& [name, entry] : doc.items()) {
    const auto& file_name = entry["filename"];
    if (!file_name.is_string() || !plain_file_name(file_name.get<std::string>()))
      fail(manifest, "variable '" + name + "' names its file " + file_name.dump() + "; it must be a file name in the manifest's folder");
    const auto& dims = entry["shape"];
    if (!dims.is_array() || dims.size() > 8) fail(manifest, "variable '" + name + "' has shape " + dims.dump() + "; it must be a list of up to 8 sizes");
    Shape shape;
    for (const auto& d : dims) {
      if (!d.is_number_integer() || d.get<std::int64_t>() < 0)
        fail(manifest, "variable '" + name + "' has shape " + dims.dump() + "; sizes must be whole numbers 0 or more");
      shape.push_back(d.get<std::int64_t>());
    }
    if (const std::string why = too_large(shape); !why.empty()) fail(manifest, "variable '" + name + "': " + why);
    const fs::path file = manifest.parent_path() / file_name.get<std::string>();
    std::error_code ec;
    const auto bytes = fs::file_size(file, ec);
    if (ec) fail(manifest, "variable '" + name + "': its file '" + file.string() + "' cannot be read (" + ec.message() + ")");
    const auto want = static_cast<std::uintmax_t>(num_elements(shape)) * sizeof(float);
    if (bytes != want)
      fail(manifest, "variable '" + name + "': its file '" + file.string() + "' has " + std::to_string(bytes) + " bytes, but shape " +
                         dims.dump() + " needs " + std::to_string(want));
    Tensor t(DType::f32, shape);
    std::ifstream in(file, std::ios::binary);
    if (want > 0 && !in.read(static_cast<char*>(t.raw()), static_cast<std::streamsize>(want)))
      fail(manifest, "variable '" + name + "': its file '" + file.string() + "' cannot be read");
    variables.emplace(name, std::move(t));
  }
  return variables;
}

namespace {

class Builder {
 public:
  Builder(const fs::path& manifest, std::map<std::string, Tensor> variables) : manifest_(manifest), vars_(std::move(variables)) {
    graph_.source = manifest.string();
  }

  // The variable as a graph constant (added once), checked to have `rank` dimensions.
  int var(const std::string& name, std::size_t rank) {
    if (const auto it = ids_.find(name); it != ids_.end()) return it->second;
    const auto it = vars_.find(name);
    if (it == vars_.end()) fail(manifest_, "the variable '" + name + "' is missing");
    if (it->second.shape().size() != rank)
      fail(manifest_, "the variable '" + name + "' has shape " + to_string(it->second.shape()) + "; easel expects " + std::to_string(rank) +
                          " dimensions");
    const int id = graph_.add_constant(name, it->second);
    ids_[name] = id;
    return id;
  }
  int scalar(const std::string& name, float v) { return graph_.add_constant(name, Tensor::scalar(v)); }

  Graph& graph() { return graph_; }
  const fs::path& manifest() const { return manifest_; }

  Graph finish() {
    graph_.sort();
    return std::move(graph_);
  }

 private:
  fs::path manifest_;
  std::map<std::string, Tensor> vars_;
  std::map<std::string, int> ids_;
  Graph graph_;
};

// ---- fast style transfer (ml5's StyleTransfer, after Engstrom's fast-style-transfer) ----

std::string style_var(int id) { return id == 0 ? "Variable" : "Variable_" + std::to_string(id); }

bool looks_like_style_transfer(const std::map<std::string, Tensor>& vars) {
  for (int id = 0; id <= 47; ++id)
    if (!vars.contains(style_var(id))) return false;
  return true;
}

// instanceNorm(input, id): offset Variable_id, scale Variable_(id+1), epsilon 1e-3.
int instance_norm(Builder& b, int x, int id, bool relu) {
  Node& n = b.graph().add_node("instance_norm", style_var(id) + "/instance_norm", {x, b.var(style_var(id + 1), 1), b.var(style_var(id), 1)});
  n.attrs.set("epsilon", 1e-3);
  n.attrs.set("activation", std::string(relu ? "relu" : "none"));
  return n.outputs[0];
}

// convLayer(input, strides, relu, id): conv2d 'same' with Variable_id, then instanceNorm(id + 1).
int conv_layer(Builder& b, int x, int stride, bool relu, int id) {
  Node& n = b.graph().add_node("conv2d", style_var(id) + "/conv2d", {x, b.var(style_var(id), 4)});
  n.attrs.set("strides", std::vector<std::int64_t>{stride, stride});
  n.attrs.set("padding", std::string("SAME"));
  return instance_norm(b, n.outputs[0], id + 1, relu);
}

int residual_block(Builder& b, int x, int id) {
  const int conv1 = conv_layer(b, x, 1, true, id);
  const int conv2 = conv_layer(b, conv1, 1, false, id + 3);
  return b.graph().add_node("add", style_var(id) + "/residual", {conv2, x}).outputs[0];
}

// convTransposeLayer(input, numFilters, strides, id): conv2dTranspose 'same' to strides
// times the size, instanceNorm(id + 1), relu.
int conv_transpose_layer(Builder& b, int x, int stride, int id) {
  const int filter = b.var(style_var(id), 4);
  const std::int64_t filters = b.graph().values[static_cast<std::size_t>(filter)].shape[2];
  Node& n = b.graph().add_node("conv2d_transpose", style_var(id) + "/conv2d_transpose", {x, filter});
  n.attrs.set("strides", std::vector<std::int64_t>{stride, stride});
  n.attrs.set("padding", std::string("SAME"));
  n.attrs.set("output_shape", std::vector<std::int64_t>{-1, -1, -1, filters});
  return instance_norm(b, n.outputs[0], id + 1, true);
}

Graph build_style_transfer(Builder& b) {
  Graph& g = b.graph();
  const int image = g.add_input("image", DType::f32, {-1, -1, -1, 3});
  int x = conv_layer(b, image, 1, true, 0);
  x = conv_layer(b, x, 2, true, 3);
  x = conv_layer(b, x, 2, true, 6);
  for (int id = 9; id <= 33; id += 6) x = residual_block(b, x, id);
  x = conv_transpose_layer(b, x, 2, 39);
  x = conv_transpose_layer(b, x, 2, 42);
  x = conv_layer(b, x, 1, false, 45);
  // 255/2 + 150 * tanh(x), clipped to 0..255.
  x = g.add_node("tanh", "output/tanh", {x}).outputs[0];
  x = g.add_node("mul", "output/times", {x, b.scalar("output/150", 150.0f)}).outputs[0];
  x = g.add_node("add", "output/plus", {x, b.scalar("output/127.5", 255.0f / 2)}).outputs[0];
  Node& clip = g.add_node("clip", "image_out", {x});
  clip.attrs.set("min", 0.0);
  clip.attrs.set("max", 255.0);
  g.outputs = {clip.outputs[0]};
  return b.finish();
}

// ---- charRNN (ml5's CharRNN: multi-layer BasicLSTMCell, softmax layer) ----

// Sorts ml5's variables the way its loadCheckpoints does: names with cell_K or lstm_K are
// the K-th LSTM's kernel (weights, kernel or w in the name) or bias; names with softmax are
// the output layer's; "embedding" is the character embedding; others are left out.
struct CharRnnParts {
  std::map<int, std::string> kernels, biases;
  std::string softmax_w, softmax_b, embedding;
};

std::string lowered(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// ml5's /cell_[0-9]|lstm_[0-9]/i: the layer number after the first "cell_" or "lstm_" that
// has digits (its first three, so a hostile name cannot overflow it), and in `rest` where
// the name goes on after them; -1 when there is none. Plain loops, not std::regex, whose
// recursion a name of a million digits would take past the stack.
int layer_number(const std::string& name, std::size_t* rest) {
  for (std::size_t at = 0; at + 5 < name.size(); ++at) {
    if (name.compare(at, 5, "cell_") != 0 && name.compare(at, 5, "lstm_") != 0) continue;
    std::size_t end = at + 5;
    int layer = 0;
    while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end]))) {
      if (end - (at + 5) < 3) layer = layer * 10 + (name[end] - '0');
      ++end;
    }
    if (end == at + 5) continue;
    *rest = end;
    return layer;
  }
  return -1;
}

// ml5's /weights|weight|kernel|kernels|w/i: a "w" or "kernel" anywhere.
bool names_weights(const std::string& lowered_text) {
  return lowered_text.find('w') != std::string::npos || lowered_text.find("kernel") != std::string::npos;
}

CharRnnParts find_char_rnn_parts(const std::map<std::string, Tensor>& vars) {
  CharRnnParts p;
  for (const auto& [name, t] : vars) {
    const std::string low = lowered(name);
    std::size_t rest = 0;
    // Only the part after cell_K/lstm_K says weights or bias ("multi_rnn_cell" does not).
    if (const int layer = layer_number(low, &rest); layer >= 0) {
      (names_weights(low.substr(rest)) ? p.kernels : p.biases)[layer] = name;
    } else if (low.find("softmax") != std::string::npos) {
      (names_weights(low.substr(low.find_last_of('/') + 1)) ? p.softmax_w : p.softmax_b) = name;
    } else if (name == "embedding") {
      p.embedding = name;
    }
  }
  return p;
}

Graph build_char_rnn(Builder& b, const CharRnnParts& p) {
  Graph& g = b.graph();
  if (p.softmax_w.empty() || p.softmax_b.empty()) fail(b.manifest(), "a charRNN checkpoint needs softmax_w and softmax_b");
  const int softmax_w = b.var(p.softmax_w, 2), softmax_b = b.var(p.softmax_b, 1);
  const std::int64_t vocabulary = g.values[static_cast<std::size_t>(softmax_b)].shape[0];
  const int character = g.add_input("char", DType::i32, {1});
  int x;
  if (!p.embedding.empty()) {
    const int embedding = b.var(p.embedding, 2);
    if (g.values[static_cast<std::size_t>(embedding)].shape[0] != vocabulary)
      fail(b.manifest(), "the embedding " + to_string(g.values[static_cast<std::size_t>(embedding)].shape) + " has a row per character, but softmax_b has " +
                             std::to_string(vocabulary) + " characters");
    Node& n = g.add_node("gather", "embedding/lookup", {embedding, character});
    n.attrs.set("axis", std::int64_t{0});
    x = n.outputs[0];
  } else {
    Node& n = g.add_node("one_hot", "one_hot", {character});
    n.attrs.set("depth", vocabulary);
    n.attrs.set("on_value", 1.0);
    n.attrs.set("off_value", 0.0);
    x = n.outputs[0];
  }
  std::vector<int> next_state;
  int layer = 0;
  for (const auto& [k, kernel_name] : p.kernels) {
    if (k != layer) fail(b.manifest(), "the LSTM layers must be numbered from 0 without gaps; layer " + std::to_string(layer) + " is missing");
    const auto bias = p.biases.find(k);
    if (bias == p.biases.end()) fail(b.manifest(), "the LSTM layer " + std::to_string(k) + " has weights ('" + kernel_name + "') but no bias");
    const int kernel = b.var(kernel_name, 2);
    const std::int64_t units = g.values[static_cast<std::size_t>(b.var(bias->second, 1))].shape[0] / 4;
    const std::string number = std::to_string(k);
    const int c = g.add_input(std::string("c").append(number), DType::f32, {1, units});
    const int h = g.add_input(std::string("h").append(number), DType::f32, {1, units});
    Node& cell = g.add_node("lstm_cell", "cell_" + std::to_string(k), {x, c, h, kernel, b.var(bias->second, 1)}, 2);
    cell.attrs.set("forget_bias", 1.0);
    next_state.push_back(cell.outputs[0]);
    next_state.push_back(cell.outputs[1]);
    x = cell.outputs[1];
    ++layer;
  }
  if (layer == 0) fail(b.manifest(), "a charRNN checkpoint needs at least one LSTM layer (cell_0)");
  Node& out = g.add_node("matmul", "logits", {x, softmax_w, softmax_b});
  g.outputs = {out.outputs[0]};
  g.outputs.insert(g.outputs.end(), next_state.begin(), next_state.end());
  return b.finish();
}

}  // namespace

Graph import_ml5_checkpoint(const fs::path& manifest) {
  auto vars = read_ml5_checkpoint(manifest);
  if (looks_like_style_transfer(vars)) {
    Builder b(manifest, std::move(vars));
    return build_style_transfer(b);
  }
  const CharRnnParts parts = find_char_rnn_parts(vars);
  if (!parts.kernels.empty()) {
    Builder b(manifest, std::move(vars));
    return build_char_rnn(b, parts);
  }
  fail(manifest, "easel does not know the network of this ml5 checkpoint; it knows ml5's fast style transfer (Variable ... Variable_47) "
                 "and charRNN (rnnlm/multi_rnn_cell/cell_0/... and rnnlm/softmax_w)");
}

}  // namespace easel::nn
