#include "nn/int8_pass.h"

#include <string>
#include <vector>

namespace easel::nn {
namespace {

const char* dtype_attr(DType d) { return d == DType::u8 ? "uint8" : "int8"; }

bool is_int8_quant(const Value& v) { return v.quant.quantized() && (v.quant.dtype == DType::u8 || v.quant.dtype == DType::i8); }

// True when `n` has an integer kernel and every value it reads and writes is quantized.
bool has_int8_form(const Graph& g, const Node& n) {
  auto value = [&](int id) -> const Value& { return g.values[static_cast<std::size_t>(id)]; };
  if (n.outputs.size() != 1 || !is_int8_quant(value(n.outputs[0]))) return false;
  if (n.op == "conv2d" || n.op == "depthwise_conv2d") {
    if (n.inputs.size() < 2 || n.inputs.size() > 3 || n.inputs[0] < 0 || n.inputs[1] < 0) return false;
    if (!is_int8_quant(value(n.inputs[0]))) return false;
    const Value& filter = value(n.inputs[1]);
    if (!filter.is_constant() || filter.constant.dtype() != DType::f32 || filter.constant.shape().size() != 4) return false;
    if (n.inputs.size() == 3 && n.inputs[2] >= 0) {
      const Value& bias = value(n.inputs[2]);
      if (!bias.is_constant() || bias.constant.dtype() != DType::f32) return false;
    }
    const std::string act = n.attrs.get_string("activation", "none");
    return (act == "none" || act == "relu" || act == "relu6") && !n.attrs.has("activation_scale");
  }
  if (n.op == "avg_pool") {  // TFLite's integer pool keeps its input's quantization
    if (n.inputs.size() != 1 || n.inputs[0] < 0 || n.attrs.has("activation")) return false;
    const QuantParams& x = value(n.inputs[0]).quant;
    const QuantParams& y = value(n.outputs[0]).quant;
    return is_int8_quant(value(n.inputs[0])) && x.dtype == y.dtype && x.scale == y.scale && x.zero_point == y.zero_point;
  }
  if (n.op == "add")
    return n.inputs.size() == 2 && n.inputs[0] >= 0 && n.inputs[1] >= 0 && is_int8_quant(value(n.inputs[0])) &&
           is_int8_quant(value(n.inputs[1])) && !value(n.inputs[0]).is_constant() && !value(n.inputs[1]).is_constant();
  return false;
}

void set_quant_attrs(Node& n, const std::string& prefix, const QuantParams& q) {
  n.attrs.set(prefix + "_scale", static_cast<double>(q.scale));
  n.attrs.set(prefix + "_zero_point", static_cast<std::int64_t>(q.zero_point));
}

// A dequantize node from integers `from` to exactly these per-tensor parameters.
bool dequantizes_as(const Graph& g, const Node& n, const QuantParams& q) {
  if (n.op != "dequantize" || n.inputs.size() != 1 || n.inputs[0] < 0) return false;
  if (g.values[static_cast<std::size_t>(n.inputs[0])].dtype != q.dtype) return false;
  const std::vector<double> scale = n.attrs.get_floats("scale");
  const std::vector<std::int64_t> zp = n.attrs.get_ints("zero_point", {0});
  return scale.size() == 1 && static_cast<float>(scale[0]) == q.scale && zp.size() == 1 && zp[0] == q.zero_point;
}

// A quantize or dequantize node from value `in` to `out` with `value`'s parameters.
Node affine_node(const char* op, const Value& value, int in, int out) {
  Node n;
  n.op = op;
  n.name = value.name + "/" + op;
  n.inputs = {in};
  n.outputs = {out};
  n.attrs.set("scale", std::vector<double>{value.quant.scale});
  n.attrs.set("zero_point", std::vector<std::int64_t>{value.quant.zero_point});
  if (std::string(op) == "quantize") n.attrs.set("to", std::string(dtype_attr(value.quant.dtype)));
  return n;
}

}  // namespace

int lower_to_int8(Graph& g) {
  const std::size_t num_nodes = g.nodes.size();
  std::vector<bool> lowered(num_nodes, false);
  int count = 0;
  for (std::size_t i = 0; i < num_nodes; ++i)
    if (has_int8_form(g, g.nodes[i])) lowered[i] = true, ++count;
  if (count == 0) return 0;

  std::vector<int> producer(g.values.size(), -1);
  for (std::size_t i = 0; i < num_nodes; ++i)
    for (int v : g.nodes[i].outputs) producer[static_cast<std::size_t>(v)] = static_cast<int>(i);
  // Values some float node (or the caller) still reads as float32.
  std::vector<bool> read_as_float(g.values.size(), false);
  for (std::size_t i = 0; i < num_nodes; ++i)
    if (!lowered[i])
      for (int v : g.nodes[i].inputs)
        if (v >= 0) read_as_float[static_cast<std::size_t>(v)] = true;
  for (int v : g.outputs) read_as_float[static_cast<std::size_t>(v)] = true;

  // The integer twin of a float value, made on first use.
  std::vector<int> twin(g.values.size(), -1);
  std::vector<Node> added;
  auto twin_of = [&](int v) {
    int& t = twin[static_cast<std::size_t>(v)];
    if (t >= 0) return t;
    const Value value = g.values[static_cast<std::size_t>(v)];  // a copy: add_value may reallocate
    const int p = producer[static_cast<std::size_t>(v)];
    if (p >= 0 && lowered[static_cast<std::size_t>(p)]) {
      // Written by a lowered node: it writes the integers; float readers get a dequantize.
      t = g.add_value(value.name + "/int", value.quant.dtype, value.shape);
      if (read_as_float[static_cast<std::size_t>(v)]) added.push_back(affine_node("dequantize", value, t, v));
    } else if (p >= 0 && dequantizes_as(g, g.nodes[static_cast<std::size_t>(p)], value.quant)) {
      t = g.nodes[static_cast<std::size_t>(p)].inputs[0];  // e.g. the model's uint8 input
    } else {
      t = g.add_value(value.name + "/int", value.quant.dtype, value.shape);
      added.push_back(affine_node("quantize", value, v, t));
    }
    return t;
  };

  for (std::size_t i = 0; i < num_nodes; ++i) {
    if (!lowered[i]) continue;
    Node& n = g.nodes[i];
    const QuantParams y = g.values[static_cast<std::size_t>(n.outputs[0])].quant;
    if (n.op == "add") {
      const QuantParams a = g.values[static_cast<std::size_t>(n.inputs[0])].quant,
                        b = g.values[static_cast<std::size_t>(n.inputs[1])].quant;
      set_quant_attrs(n, "a", a);
      set_quant_attrs(n, "b", b);
      n.op = "quantized_add";
    } else if (n.op == "avg_pool") {
      n.op = "quantized_avg_pool";
    } else {
      set_quant_attrs(n, "x", g.values[static_cast<std::size_t>(n.inputs[0])].quant);
      const QuantParams& filter = g.values[static_cast<std::size_t>(n.inputs[1])].quant;
      if (filter.quantized()) n.attrs.set("filter_scale", static_cast<double>(filter.scale));
      n.op = "quantized_" + n.op;
    }
    set_quant_attrs(n, "y", y);
    n.attrs.set("to", std::string(dtype_attr(y.dtype)));
  }
  // Rewire in a second sweep: twin_of() reads the lowered flags of all nodes.
  for (std::size_t i = 0; i < num_nodes; ++i) {
    if (!lowered[i]) continue;
    const int x0 = twin_of(g.nodes[i].inputs[0]);
    g.nodes[i].inputs[0] = x0;
    if (g.nodes[i].op == "quantized_add") {
      const int x1 = twin_of(g.nodes[i].inputs[1]);
      g.nodes[i].inputs[1] = x1;
    }
    const int y = twin_of(g.nodes[i].outputs[0]);
    g.nodes[i].outputs[0] = y;
  }
  for (Node& n : added) g.nodes.push_back(std::move(n));
  g.sort();  // places the new nodes; drops dequantize nodes no one reads any more
  return count;
}

}  // namespace easel::nn
