// Small ONNX models built in code (ModelProto through onnx's protobuf classes): the ONNX
// importer's tests and the fuzzer's seeds (fuzz/make_seeds.cpp) build theirs with this.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "easel/tensor.h"

namespace easel::test {

// Uniform values in [lo, hi), the same for the same seed.
inline Tensor random_tensor(const Shape& s, unsigned seed, float lo = -1, float hi = 1) {
  Tensor t(DType::f32, s);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  for (std::int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = u(rng);
  return t;
}

// A model under construction: inputs, outputs, initializers and nodes in the order added.
struct Builder {
  onnx::ModelProto model;
  onnx::GraphProto* g;
  unsigned seed = 1;
  explicit Builder(int opset = 14) {
    model.set_ir_version(7);
    model.add_opset_import()->set_version(opset);
    g = model.mutable_graph();
    g->set_name("easel_test");
  }
  void input(const std::string& name, const Shape& shape) {
    auto* v = g->add_input();
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    for (auto d : shape) t->mutable_shape()->add_dim()->set_dim_value(d);
  }
  void output(const std::string& name) {
    auto* v = g->add_output();
    v->set_name(name);
    v->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  }
  std::string weights(const std::string& name, const Shape& shape) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    Tensor v = random_tensor(shape, seed++);
    for (auto d : shape) t->add_dims(d);
    for (std::int64_t i = 0; i < v.size(); ++i) t->add_float_data(v.data<float>()[i]);
    return name;
  }
  std::string floats(const std::string& name, const Shape& shape, const std::vector<float>& values) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : shape) t->add_dims(d);
    for (float x : values) t->add_float_data(x);
    return name;
  }
  std::string ints(const std::string& name, const std::vector<std::int64_t>& values) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(static_cast<std::int64_t>(values.size()));
    for (auto x : values) t->add_int64_data(x);
    return name;
  }
  onnx::NodeProto* node(const std::string& op, const std::vector<std::string>& in, const std::vector<std::string>& out) {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(out[0] + "_node");
    for (const auto& s : in) n->add_input(s);
    for (const auto& s : out) n->add_output(s);
    return n;
  }
  static void set(onnx::NodeProto* n, const std::string& name, std::int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name), a->set_type(onnx::AttributeProto::INT), a->set_i(v);
  }
  static void set(onnx::NodeProto* n, const std::string& name, float v) {
    auto* a = n->add_attribute();
    a->set_name(name), a->set_type(onnx::AttributeProto::FLOAT), a->set_f(v);
  }
  static void set(onnx::NodeProto* n, const std::string& name, const std::string& v) {
    auto* a = n->add_attribute();
    a->set_name(name), a->set_type(onnx::AttributeProto::STRING), a->set_s(v);
  }
  static void set(onnx::NodeProto* n, const std::string& name, const std::vector<std::int64_t>& v) {
    auto* a = n->add_attribute();
    a->set_name(name), a->set_type(onnx::AttributeProto::INTS);
    for (auto x : v) a->add_ints(x);
  }
  std::filesystem::path save(const std::filesystem::path& file) const {
    std::ofstream out(file, std::ios::binary);
    model.SerializeToOstream(&out);
    return file;
  }
};

}  // namespace easel::test
