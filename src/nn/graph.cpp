#include "nn/graph.h"

#include <functional>
#include <type_traits>

#include "easel/error.h"

namespace easel::nn {

const AttrValue& Attrs::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw Error(ErrorCode::bad_model, "attribute '" + name + "' is missing");
  return it->second;
}

std::int64_t Attrs::get_int(const std::string& name) const {
  const AttrValue& v = get(name);
  if (auto p = std::get_if<std::int64_t>(&v)) return *p;
  if (auto p = std::get_if<bool>(&v)) return *p;
  if (auto p = std::get_if<double>(&v)) return static_cast<std::int64_t>(*p);
  throw Error(ErrorCode::bad_model, "attribute '" + name + "' must be an integer");
}
std::int64_t Attrs::get_int(const std::string& name, std::int64_t fallback) const { return has(name) ? get_int(name) : fallback; }

double Attrs::get_float(const std::string& name) const {
  const AttrValue& v = get(name);
  if (auto p = std::get_if<double>(&v)) return *p;
  if (auto p = std::get_if<std::int64_t>(&v)) return static_cast<double>(*p);
  throw Error(ErrorCode::bad_model, "attribute '" + name + "' must be a number");
}
double Attrs::get_float(const std::string& name, double fallback) const { return has(name) ? get_float(name) : fallback; }

bool Attrs::get_bool(const std::string& name, bool fallback) const {
  if (!has(name)) return fallback;
  const AttrValue& v = get(name);
  if (auto p = std::get_if<bool>(&v)) return *p;
  if (auto p = std::get_if<std::int64_t>(&v)) return *p != 0;
  throw Error(ErrorCode::bad_model, "attribute '" + name + "' must be a boolean");
}

std::string Attrs::get_string(const std::string& name) const {
  if (auto p = std::get_if<std::string>(&get(name))) return *p;
  throw Error(ErrorCode::bad_model, "attribute '" + name + "' must be a string");
}
std::string Attrs::get_string(const std::string& name, const std::string& fallback) const {
  return has(name) ? get_string(name) : fallback;
}

std::vector<std::int64_t> Attrs::get_ints(const std::string& name) const {
  const AttrValue& v = get(name);
  if (auto p = std::get_if<std::vector<std::int64_t>>(&v)) return *p;
  if (auto p = std::get_if<std::int64_t>(&v)) return {*p};
  if (auto p = std::get_if<std::vector<double>>(&v)) {
    std::vector<std::int64_t> out;
    for (double d : *p) out.push_back(static_cast<std::int64_t>(d));
    return out;
  }
  throw Error(ErrorCode::bad_model, "attribute '" + name + "' must be a list of integers");
}
std::vector<std::int64_t> Attrs::get_ints(const std::string& name, const std::vector<std::int64_t>& fallback) const {
  return has(name) ? get_ints(name) : fallback;
}

std::vector<double> Attrs::get_floats(const std::string& name) const {
  const AttrValue& v = get(name);
  if (auto p = std::get_if<std::vector<double>>(&v)) return *p;
  if (auto p = std::get_if<double>(&v)) return {*p};
  if (auto p = std::get_if<std::vector<std::int64_t>>(&v)) return {p->begin(), p->end()};
  throw Error(ErrorCode::bad_model, "attribute '" + name + "' must be a list of numbers");
}

int Graph::add_value(std::string name, DType dtype, Shape shape) {
  values.push_back({std::move(name), dtype, std::move(shape), {}, {}});
  return static_cast<int>(values.size()) - 1;
}

int Graph::add_constant(std::string name, Tensor tensor) {
  DType dt = tensor.dtype();
  Shape shape = tensor.shape();
  values.push_back({std::move(name), dt, std::move(shape), std::move(tensor), {}});
  return static_cast<int>(values.size()) - 1;
}

int Graph::add_input(std::string name, DType dtype, Shape shape) {
  int id = add_value(std::move(name), dtype, std::move(shape));
  inputs.push_back(id);
  return id;
}

Node& Graph::add_node(std::string op, std::string name, std::vector<int> node_inputs, int num_outputs) {
  Node n;
  n.op = std::move(op);
  n.name = std::move(name);
  n.inputs = std::move(node_inputs);
  for (int i = 0; i < num_outputs; ++i) n.outputs.push_back(add_value(i == 0 ? n.name : n.name + ":" + std::to_string(i), DType::f32, {}));
  nodes.push_back(std::move(n));
  return nodes.back();
}

int Graph::find(const std::string& value_name) const {
  for (std::size_t i = 0; i < values.size(); ++i)
    if (values[i].name == value_name) return static_cast<int>(i);
  return -1;
}

void Graph::sort() {
  std::vector<int> producer(values.size(), -1);
  for (std::size_t n = 0; n < nodes.size(); ++n)
    for (int v : nodes[n].outputs) producer[static_cast<std::size_t>(v)] = static_cast<int>(n);
  std::vector<int> state(nodes.size(), 0);  // 0 unseen, 1 in progress, 2 done
  std::vector<Node> ordered;
  ordered.reserve(nodes.size());
  std::function<void(int)> visit = [&](int n) {
    if (state[static_cast<std::size_t>(n)] == 2) return;
    if (state[static_cast<std::size_t>(n)] == 1)
      throw Error(ErrorCode::bad_model,
                  "The graph in " + source + " has a cycle through node '" + nodes[static_cast<std::size_t>(n)].name + "'.");
    state[static_cast<std::size_t>(n)] = 1;
    for (int v : nodes[static_cast<std::size_t>(n)].inputs)
      if (v >= 0 && producer[static_cast<std::size_t>(v)] >= 0) visit(producer[static_cast<std::size_t>(v)]);
    state[static_cast<std::size_t>(n)] = 2;
    ordered.push_back(nodes[static_cast<std::size_t>(n)]);
  };
  for (int out : outputs)
    if (producer[static_cast<std::size_t>(out)] >= 0) visit(producer[static_cast<std::size_t>(out)]);
  nodes = std::move(ordered);
}

void Graph::compact() {
  nodes.erase(std::remove_if(nodes.begin(), nodes.end(), [](const Node& n) { return n.op.empty(); }), nodes.end());
  std::vector<int> remap(values.size(), -1);
  auto mark = [&](int v) {
    if (v >= 0) remap[static_cast<std::size_t>(v)] = 0;
  };
  for (const Node& n : nodes) {
    for (int v : n.inputs) mark(v);
    for (int v : n.outputs) mark(v);
  }
  for (int v : inputs) mark(v);
  for (int v : outputs) mark(v);
  std::vector<Value> kept;
  for (std::size_t v = 0; v < values.size(); ++v) {
    if (remap[v] < 0) continue;
    remap[v] = static_cast<int>(kept.size());
    kept.push_back(std::move(values[v]));
  }
  values = std::move(kept);
  auto fix = [&](std::vector<int>& ids) {
    for (int& v : ids)
      if (v >= 0) v = remap[static_cast<std::size_t>(v)];
  };
  for (Node& n : nodes) {
    fix(n.inputs);
    fix(n.outputs);
  }
  fix(inputs);
  fix(outputs);
}

ValueUses find_uses(const Graph& g) {
  ValueUses u{std::vector<std::vector<int>>(g.values.size()), std::vector<int>(g.values.size(), -1),
              std::vector<bool>(g.values.size(), false)};
  for (std::size_t n = 0; n < g.nodes.size(); ++n) {
    for (int v : g.nodes[n].inputs)
      if (v >= 0) u.readers[static_cast<std::size_t>(v)].push_back(static_cast<int>(n));
    for (int v : g.nodes[n].outputs) u.writer[static_cast<std::size_t>(v)] = static_cast<int>(n);
  }
  for (int v : g.outputs) u.is_output[static_cast<std::size_t>(v)] = true;
  return u;
}

std::string too_large(const Shape& shape) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) {
    if (d < 0) return {};  // unknown: checked once known
    if (d > 0 && n > kMaxTensorElements / d) return "shape " + to_string(shape) + " has more than 2^30 elements, easel's limit for one tensor";
    n *= d;
  }
  return n > kMaxTensorElements ? "shape " + to_string(shape) + " has more than 2^30 elements, easel's limit for one tensor" : std::string();
}

}  // namespace easel::nn
