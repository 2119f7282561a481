#include "nn/fuse.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <utility>

namespace easel::nn {
namespace {

bool is_producer_op(const std::string& op) { return op == "conv2d" || op == "depthwise_conv2d" || op == "matmul"; }

bool is_const(const Graph& g, int v) { return v >= 0 && g.values[static_cast<std::size_t>(v)].is_constant(); }

// Output channels of a conv/dense whose weights can absorb a per-channel affine map, or -1.
std::int64_t foldable_channels(const Graph& g, const Node& n) {
  static const std::vector<std::string> ops = {"conv2d", "depthwise_conv2d", "conv2d_transpose", "matmul"};
  if (std::find(ops.begin(), ops.end(), n.op) == ops.end()) return -1;
  if (n.inputs.size() < 2 || n.inputs.size() > 3 || !is_const(g, n.inputs[1])) return -1;
  if (n.inputs.size() == 3 && n.inputs[2] >= 0 && !is_const(g, n.inputs[2])) return -1;
  if (n.attrs.get_string("activation", "none") != "none") return -1;
  const Tensor& w = g.values[static_cast<std::size_t>(n.inputs[1])].constant;
  if (w.dtype() != DType::f32) return -1;
  if (n.op == "matmul") return w.rank() == 2 && !n.attrs.get_bool("transpose_b", false) ? w.dim(1) : -1;
  if (w.rank() != 4) return -1;
  if (n.op == "conv2d") return w.dim(3);
  if (n.op == "depthwise_conv2d") return w.dim(2) * w.dim(3);
  return w.dim(2);  // conv2d_transpose: [KH, KW, O, C]
}

// The per-channel operand of `c` (mul/add of `x` by a constant that only varies along
// the last axis, with `channels` entries or one), broadcast to `channels` values.
bool channel_operand(const Graph& g, const Node& c, int x, std::int64_t channels, std::vector<float>* out) {
  if (c.inputs.size() != 2 || (c.inputs[0] == x) == (c.inputs[1] == x)) return false;
  const int other = c.inputs[0] == x ? c.inputs[1] : c.inputs[0];
  if (!is_const(g, other)) return false;
  const Tensor& t = g.values[static_cast<std::size_t>(other)].constant;
  const Shape& xs = g.values[static_cast<std::size_t>(x)].shape;
  if (t.dtype() != DType::f32 || xs.empty() || t.rank() > static_cast<int>(xs.size())) return false;
  if (t.size() != channels && t.size() != 1) return false;
  for (int i = 0; i + 1 < t.rank(); ++i)
    if (t.dim(i) != 1) return false;
  out->resize(static_cast<std::size_t>(channels));
  for (std::int64_t i = 0; i < channels; ++i) (*out)[static_cast<std::size_t>(i)] = t.data<float>()[t.size() == 1 ? 0 : i];
  return true;
}

// Number of output channels of a conv/matmul node with a constant filter, if known.
std::optional<std::int64_t> output_channels(const Graph& g, const Node& n) {
  if (n.inputs.size() < 2 || n.inputs[1] < 0) return std::nullopt;
  const Value& f = g.values[static_cast<std::size_t>(n.inputs[1])];
  if (!f.is_constant()) return std::nullopt;
  const Shape& s = f.constant.shape();
  if (n.op == "conv2d" && s.size() == 4) return s[3];
  if (n.op == "depthwise_conv2d" && s.size() == 4) return s[2] * s[3];
  if (n.op == "matmul" && s.size() == 2) return n.attrs.get_bool("transpose_b", false) ? s[0] : s[1];
  return std::nullopt;
}

// A float constant holding one value per channel ([C], [1,C], [1,1,1,C]...), or a scalar.
std::optional<std::vector<float>> per_channel(const Value& v, std::int64_t channels) {
  if (!v.is_constant() || v.constant.dtype() != DType::f32) return std::nullopt;
  const Tensor& t = v.constant;
  for (int d = 0; d + 1 < t.rank(); ++d)
    if (t.dim(d) != 1) return std::nullopt;
  if (t.size() == 1) return std::vector<float>(static_cast<std::size_t>(channels), t.data<float>()[0]);
  if (t.rank() == 0 || t.dim(-1) != channels) return std::nullopt;
  return std::vector<float>(t.data<float>(), t.data<float>() + channels);
}

const std::set<std::string> kActivations = {"relu", "relu6", "sigmoid", "tanh", "elu", "hard_swish", "leaky_relu"};

// The value of a scalar float constant (any shape with one element).
std::optional<float> scalar(const Graph& g, int v) {
  if (v < 0) return std::nullopt;
  const Value& val = g.values[static_cast<std::size_t>(v)];
  if (!val.is_constant() || val.constant.dtype() != DType::f32 || val.constant.size() != 1) return std::nullopt;
  return val.constant.data<float>()[0];
}

// The input of binary node `n` other than `v`, or -1 if `v` is not one of its two inputs.
int other_input(const Node& n, int v) {
  if (n.inputs.size() != 2) return -1;
  if (n.inputs[0] == v) return n.inputs[1];
  if (n.inputs[1] == v) return n.inputs[0];
  return -1;
}

// MobileNetV3 and the Keras applications write hard-swish as four elementwise ops after a
// conv: y * relu6(y + 3) * (1/6), multiplied in one of three orders. Each is replaced by
// the conv's hard_swish activation (oneDNN's post-op: one pass instead of four).
int fuse_hard_swish(Graph& g) {
  int fused = 0;
  bool changed = true;
  while (changed) {
    changed = false;
    const ValueUses uses = find_uses(g);
    const auto& readers = uses.readers;
    const auto& is_output = uses.is_output;
    // The single node reading value v (not a graph output), or nullptr.
    auto only_reader = [&](int v) -> Node* {
      const auto& r = readers[static_cast<std::size_t>(v)];
      return r.size() == 1 && !is_output[static_cast<std::size_t>(v)] ? &g.nodes[static_cast<std::size_t>(r[0])] : nullptr;
    };
    float sixth = 0;  // the multiplier found, about 1/6
    auto is_sixth = [&](std::optional<float> k) {
      if (!k || std::abs(*k * 6.0f - 1.0f) > 1e-3f) return false;
      sixth = *k;
      return true;
    };

    for (std::size_t p = 0; p < g.nodes.size() && !changed; ++p) {
      Node& prod = g.nodes[p];
      if (!is_producer_op(prod.op) || prod.outputs.size() != 1 || prod.attrs.get_string("activation", "none") != "none") continue;
      const int y = prod.outputs[0];
      const auto& yr = readers[static_cast<std::size_t>(y)];
      if (yr.size() != 2 || is_output[static_cast<std::size_t>(y)]) continue;
      for (int i = 0; i < 2 && !changed; ++i) {
        Node& add = g.nodes[static_cast<std::size_t>(yr[static_cast<std::size_t>(i)])];
        Node& m1 = g.nodes[static_cast<std::size_t>(yr[static_cast<std::size_t>(1 - i)])];
        if (add.op != "add" || m1.op != "mul") continue;
        const auto three = scalar(g, other_input(add, y));
        if (!three || *three != 3.0f) continue;
        Node* relu6 = only_reader(add.outputs[0]);
        if (!relu6 || relu6->op != "relu6") continue;
        const int r = relu6->outputs[0];
        Node* next = only_reader(r);
        if (!next || next->op != "mul") continue;
        std::vector<Node*> gone = {&add, relu6};
        int result = -1;
        if (next == &m1) {
          // (y * relu6(y + 3)) * (1/6)
          Node* last = only_reader(m1.outputs[0]);
          if (last && last->op == "mul" && is_sixth(scalar(g, other_input(*last, m1.outputs[0])))) {
            gone.insert(gone.end(), {&m1, last});
            result = last->outputs[0];
          }
        } else if (is_sixth(scalar(g, other_input(m1, y))) && other_input(*next, r) == m1.outputs[0] && only_reader(m1.outputs[0])) {
          // (y * (1/6)) * relu6(y + 3)
          gone.insert(gone.end(), {&m1, next});
          result = next->outputs[0];
        } else if (is_sixth(scalar(g, other_input(*next, r))) && other_input(m1, y) == next->outputs[0] && only_reader(next->outputs[0])) {
          // y * (relu6(y + 3) * (1/6))
          gone.insert(gone.end(), {next, &m1});
          result = m1.outputs[0];
        }
        if (result < 0) continue;
        prod.attrs.set("activation", std::string("hard_swish"));
        // hard_swish divides by 6; the model may multiply by a rounded 1/6.
        if (sixth != 1.0f / 6) prod.attrs.set("activation_scale", static_cast<double>(sixth * 6.0f));
        prod.outputs[0] = result;
        std::vector<std::size_t> erase;
        for (Node* n : gone) erase.push_back(static_cast<std::size_t>(n - g.nodes.data()));
        std::sort(erase.rbegin(), erase.rend());
        for (std::size_t e : erase) g.nodes.erase(g.nodes.begin() + static_cast<std::ptrdiff_t>(e));
        fused += static_cast<int>(erase.size());
        changed = true;
      }
    }
  }
  return fused;
}

// SiLU / swish written as two ops after a conv: y * sigmoid(y) (YOLOX has 110 of them).
// Replaced by the conv's swish activation (oneDNN's post-op: one pass instead of three).
int fuse_swish(Graph& g) {
  const ValueUses uses = find_uses(g);
  const auto& readers = uses.readers;
  const auto& is_output = uses.is_output;
  std::vector<bool> gone(g.nodes.size(), false);
  int fused = 0;
  for (std::size_t p = 0; p < g.nodes.size(); ++p) {
    Node& prod = g.nodes[p];
    if (!is_producer_op(prod.op) || prod.outputs.size() != 1 || prod.attrs.get_string("activation", "none") != "none") continue;
    const int y = prod.outputs[0];
    const auto& yr = readers[static_cast<std::size_t>(y)];
    if (yr.size() != 2 || is_output[static_cast<std::size_t>(y)]) continue;
    for (int i = 0; i < 2; ++i) {
      const auto sig = static_cast<std::size_t>(yr[static_cast<std::size_t>(i)]),
                 mul = static_cast<std::size_t>(yr[static_cast<std::size_t>(1 - i)]);
      const Node& s = g.nodes[sig];
      const Node& m = g.nodes[mul];
      if (s.op != "sigmoid" || s.inputs.size() != 1 || m.op != "mul" || gone[sig] || gone[mul]) continue;
      const int sv = s.outputs[0];
      if (readers[static_cast<std::size_t>(sv)].size() != 1 || is_output[static_cast<std::size_t>(sv)] || other_input(m, y) != sv) continue;
      prod.attrs.set("activation", std::string("swish"));
      prod.outputs[0] = m.outputs[0];
      gone[sig] = gone[mul] = true;
      fused += 2;
      break;
    }
  }
  std::size_t kept = 0;
  for (std::size_t n = 0; n < g.nodes.size(); ++n)
    if (!gone[n]) {
      if (kept != n) g.nodes[kept] = std::move(g.nodes[n]);
      ++kept;
    }
  g.nodes.resize(kept);
  return fused;
}

}  // namespace

// ZeroPadding2D + conv with VALID (MobileNet's strided convs) -> one explicitly padded conv.
int fold_padding(Graph& g) {
  int folded = 0;
  ValueUses u = find_uses(g);
  for (Node& n : g.nodes) {
    if ((n.op != "conv2d" && n.op != "depthwise_conv2d") || n.inputs.empty() || n.inputs[0] < 0) continue;
    const std::string padding = n.attrs.get_string("padding", "VALID");
    if (padding != "VALID" && padding != "EXPLICIT") continue;
    const int x = n.inputs[0];
    const int p = u.writer[static_cast<std::size_t>(x)];
    if (p < 0 || !u.single_use(x)) continue;
    Node& pad = g.nodes[static_cast<std::size_t>(p)];
    if (pad.op != "pad" || pad.inputs.size() != 1 || pad.attrs.get_string("mode", "constant") != "constant" ||
        pad.attrs.get_float("constant_value", 0) != 0)
      continue;
    std::vector<std::int64_t> pads = pad.attrs.get_ints("paddings", {});
    if (pads.size() != 8 || pads[0] || pads[1] || pads[6] || pads[7]) continue;
    std::vector<std::int64_t> have =
        padding == "EXPLICIT" ? n.attrs.get_ints("explicit_paddings", {0, 0, 0, 0}) : std::vector<std::int64_t>(4, 0);
    if (have.size() != 4) continue;
    for (std::size_t i = 0; i < 4; ++i) have[i] += pads[i + 2];
    n.attrs.set("padding", std::string("EXPLICIT"));
    n.attrs.set("explicit_paddings", have);
    n.inputs[0] = pad.inputs[0];
    pad.op.clear();  // dead; its output has no reader left
    pad.outputs.clear();
    pad.inputs.clear();
    ++folded;
  }
  return folded;
}

// Folds BatchNormalization's mul + add, then an activation, into the conv/dense before
// them: W' = W * s per output channel, b' = b * s + t, activation fused.
int fold_affine_and_activation(Graph& g) {
  int folded = 0;
  ValueUses u = find_uses(g);
  static const std::vector<std::string> fusable = {"relu", "relu6", "sigmoid", "tanh", "elu", "hard_swish", "leaky_relu"};
  for (Node& n : g.nodes) {
    if (n.op.empty() || n.outputs.size() != 1) continue;
    for (;;) {
      const int x = n.outputs[0];
      if (!u.single_use(x)) break;
      Node& c = g.nodes[static_cast<std::size_t>(u.readers[static_cast<std::size_t>(x)][0])];
      const std::int64_t channels = foldable_channels(g, n);
      std::vector<float> v;
      if (channels > 0 && (c.op == "mul" || c.op == "add") && channel_operand(g, c, x, channels, &v)) {
        const int bias_id = n.inputs.size() == 3 ? n.inputs[2] : -1;
        Tensor bias = bias_id >= 0 ? g.values[static_cast<std::size_t>(bias_id)].constant.clone() : Tensor(DType::f32, {channels});
        if (bias.size() != channels) break;
        if (c.op == "mul") {
          const int w_id = n.inputs[1];
          Tensor w = g.values[static_cast<std::size_t>(w_id)].constant.clone();
          // Channel of filter element i: innermost axis except conv2d_transpose ([KH,KW,O,C]).
          const std::int64_t inner = n.op == "conv2d_transpose" ? w.dim(3) : 1;
          for (std::int64_t i = 0; i < w.size(); ++i) w.data<float>()[i] *= v[static_cast<std::size_t>((i / inner) % channels)];
          for (std::int64_t i = 0; i < channels; ++i) bias.data<float>()[i] *= v[static_cast<std::size_t>(i)];
          n.inputs[1] = g.add_constant(g.values[static_cast<std::size_t>(w_id)].name, std::move(w));
        } else {
          for (std::int64_t i = 0; i < channels; ++i) bias.data<float>()[i] += v[static_cast<std::size_t>(i)];
        }
        const std::string bias_name = bias_id >= 0 ? g.values[static_cast<std::size_t>(bias_id)].name : n.name + "/bias";
        const int new_bias = g.add_constant(bias_name, std::move(bias));
        if (n.inputs.size() < 3) n.inputs.resize(3, -1);
        n.inputs[2] = new_bias;
      } else if (std::find(fusable.begin(), fusable.end(), c.op) != fusable.end() && c.inputs.size() == 1 &&
                 n.attrs.get_string("activation", "") == "none" && n.inputs.size() <= 3 &&
                 (n.op == "conv2d" || n.op == "depthwise_conv2d" || n.op == "conv2d_transpose" || n.op == "matmul")) {
        n.attrs.set("activation", c.op);
        if (c.op == "leaky_relu") n.attrs.set("alpha", c.attrs.get_float("alpha", 0.2));
      } else {
        break;
      }
      // `n` now computes `c`'s output, under `c`'s name (the later layer's).
      n.outputs[0] = c.outputs[0];
      u.writer[static_cast<std::size_t>(c.outputs[0])] = static_cast<int>(&n - g.nodes.data());
      c.op.clear();
      c.inputs.clear();
      c.outputs.clear();
      ++folded;
    }
  }
  return folded;
}

int fuse_ops(Graph& g) {
  int folded = fuse_hard_swish(g) + fuse_swish(g);
  bool changed = true;
  while (changed) {
    changed = false;
    std::vector<int> readers(g.values.size(), 0), reader_node(g.values.size(), -1);
    for (std::size_t n = 0; n < g.nodes.size(); ++n)
      for (int v : g.nodes[n].inputs)
        if (v >= 0) ++readers[static_cast<std::size_t>(v)], reader_node[static_cast<std::size_t>(v)] = static_cast<int>(n);
    for (int out : g.outputs) readers[static_cast<std::size_t>(out)] += 100;  // a graph output must stay visible

    for (std::size_t p = 0; p < g.nodes.size() && !changed; ++p) {
      Node& prod = g.nodes[p];
      if (!is_producer_op(prod.op) || prod.outputs.size() != 1) continue;
      auto out = static_cast<std::size_t>(prod.outputs[0]);
      if (readers[out] != 1) continue;
      Node& next = g.nodes[static_cast<std::size_t>(reader_node[out])];
      auto channels = output_channels(g, prod);
      const std::string act = prod.attrs.get_string("activation", "none");
      const bool has_bias = prod.inputs.size() > 2 && prod.inputs[2] >= 0;
      std::optional<std::vector<float>> vec;
      int other = -1;
      if ((next.op == "add" || next.op == "mul") && next.inputs.size() == 2 && channels && act == "none") {
        other = next.inputs[0] == prod.outputs[0] ? next.inputs[1] : next.inputs[0];
        if (other >= 0) vec = per_channel(g.values[static_cast<std::size_t>(other)], *channels);
      }
      const bool bias_known = !has_bias || g.values[static_cast<std::size_t>(prod.inputs[2])].is_constant();
      if (next.op == "add" && vec && bias_known) {
        // y = conv(x) + b  ->  conv with bias (added to an existing bias).
        Tensor bias(DType::f32, {*channels});
        for (std::int64_t c = 0; c < *channels; ++c)
          bias.data<float>()[c] = (*vec)[static_cast<std::size_t>(c)] +
                                  (has_bias ? static_cast<float>(g.values[static_cast<std::size_t>(prod.inputs[2])].constant.at(c)) : 0.0f);
        int id = g.add_constant(prod.name + "/fused_bias", bias);
        if (prod.inputs.size() < 3) prod.inputs.resize(3, -1);
        prod.inputs[2] = id;
      } else if (next.op == "mul" && vec && bias_known) {
        // y = conv(x) * s  ->  filter and bias scaled per output channel.
        Value& fv = g.values[static_cast<std::size_t>(prod.inputs[1])];
        Tensor filter = fv.constant.clone();
        const std::int64_t c = *channels;
        bool tb = prod.op == "matmul" && prod.attrs.get_bool("transpose_b", false);
        for (std::int64_t i = 0; i < filter.size(); ++i) {
          std::int64_t ch = tb ? i / filter.dim(1) : i % c;
          filter.data<float>()[i] *= (*vec)[static_cast<std::size_t>(ch)];
        }
        if (has_bias) {
          Tensor bias = g.values[static_cast<std::size_t>(prod.inputs[2])].constant.clone();
          for (std::int64_t i = 0; i < c; ++i) bias.data<float>()[i] *= (*vec)[static_cast<std::size_t>(i)];
          g.nodes[p].inputs[2] = g.add_constant(prod.name + "/scaled_bias", bias);
        }
        g.nodes[p].inputs[1] = g.add_constant(prod.name + "/scaled_filter", filter);
      } else if (kActivations.count(next.op) && next.inputs.size() == 1 && act == "none") {
        prod.attrs.set("activation", next.op);
        if (next.op == "leaky_relu") prod.attrs.set("alpha", next.attrs.get_float("alpha", 0.2));
      } else {
        continue;
      }
      // The producer takes over the absorbed node's output value; the node goes.
      Node& producer = g.nodes[p];
      Node& absorbed = g.nodes[static_cast<std::size_t>(reader_node[out])];
      producer.outputs[0] = absorbed.outputs[0];
      g.nodes.erase(g.nodes.begin() + reader_node[out]);
      ++folded;
      changed = true;
    }
  }
  return folded;
}

}  // namespace easel::nn
