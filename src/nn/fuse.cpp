#include "nn/fuse.h"

#include <optional>
#include <set>

namespace easel::nn {
namespace {

bool is_producer_op(const std::string& op) { return op == "conv2d" || op == "depthwise_conv2d" || op == "matmul"; }

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

}  // namespace

int fuse_ops(Graph& g) {
  int folded = 0;
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
