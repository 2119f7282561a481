// TFLite importer, float path: reads a .tflite flatbuffer (verified first, so a
// truncated or corrupt file is an Error, never a crash) into an nn::Graph. Quantized and
// float16 constants become float32 here; see tflite_importer.h for how quantized
// activations are handled and tflite_ops.cpp for the operators.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>

#include "core/half.h"
#include "easel/error.h"
#include "nn/import/importers.h"
#include "nn/import/tflite_importer.h"

namespace fs = std::filesystem;

namespace easel::nn {

namespace tflite_import {
namespace {

// Tensors of real models hold far fewer elements; a corrupt shape above this would
// otherwise make us allocate absurd amounts (or overflow) before failing.
constexpr std::int64_t kMaxElements = std::int64_t{1} << 40;

std::string tensor_type_name(fb::TensorType t) {
  const char* n = fb::EnumNameTensorType(t);
  return n && *n ? n : "type " + std::to_string(static_cast<int>(t));
}

std::size_t file_type_size(fb::TensorType t) {
  switch (t) {
    case fb::TensorType_FLOAT64:
    case fb::TensorType_INT64:
    case fb::TensorType_UINT64:
    case fb::TensorType_COMPLEX64:
      return 8;
    case fb::TensorType_FLOAT32:
    case fb::TensorType_INT32:
    case fb::TensorType_UINT32:
      return 4;
    case fb::TensorType_FLOAT16:
    case fb::TensorType_INT16:
    case fb::TensorType_UINT16:
    case fb::TensorType_BFLOAT16:
      return 2;
    case fb::TensorType_UINT8:
    case fb::TensorType_INT8:
    case fb::TensorType_BOOL:
      return 1;
    default:
      return 0;  // not a fixed-size type easel reads
  }
}

bool is_integer_type(fb::TensorType t) {
  return t == fb::TensorType_UINT8 || t == fb::TensorType_INT8 || t == fb::TensorType_INT16 || t == fb::TensorType_INT32 ||
         t == fb::TensorType_INT64;
}

template <class T>
T load(const std::uint8_t* p) {  // buffer data has no alignment guarantee in our copy
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Reads an integer element i of a file buffer of type `t`.
std::int64_t load_int(fb::TensorType t, const std::uint8_t* data, std::int64_t i) {
  const auto k = static_cast<std::size_t>(i);
  switch (t) {
    case fb::TensorType_UINT8:
      return data[k];
    case fb::TensorType_INT8:
      return static_cast<std::int8_t>(data[k]);
    case fb::TensorType_INT16:
      return load<std::int16_t>(data + 2 * k);
    case fb::TensorType_INT32:
      return load<std::int32_t>(data + 4 * k);
    case fb::TensorType_INT64:
      return load<std::int64_t>(data + 8 * k);
    default:
      return 0;
  }
}

}  // namespace

Importer::Importer(const fs::path& file) : file_(file) { graph_.source = file.string(); }

void Importer::read_model() {
  std::ifstream in(file_, std::ios::binary | std::ios::ate);
  if (!in) throw Error(ErrorCode::io_error, "Cannot read '" + file_.string() + "'.", "Check that the file exists and is readable.");
  const std::streamoff size = in.tellg();
  in.seekg(0);
  bytes_.resize(static_cast<std::size_t>(std::max<std::streamoff>(size, 0)));
  if (!in.read(reinterpret_cast<char*>(bytes_.data()), static_cast<std::streamsize>(bytes_.size())))
    throw Error(ErrorCode::io_error, "Cannot read '" + file_.string() + "'.", "Check that the file exists and is readable.");

  const std::string bad = "'" + file_.string() + "' is not a valid TFLite model: ";
  const std::string hint = "The file is truncated or corrupt; download or convert it again.";
  if (bytes_.size() < 8 || !flatbuffers::BufferHasIdentifier(bytes_.data(), fb::ModelIdentifier()))
    throw Error(ErrorCode::bad_model, bad + "it lacks the TFL3 file identifier.", hint);
  // A model over 2 GB keeps its constants after the flatbuffer (Buffer.offset), and the
  // flatbuffer itself always fits in the first 2 GB, which is all the verifier can take.
  const std::size_t fb_size = std::min<std::size_t>(bytes_.size(), FLATBUFFERS_MAX_BUFFER_SIZE - 1);
  flatbuffers::Verifier verifier(bytes_.data(), fb_size);
  if (!fb::VerifyModelBuffer(verifier)) throw Error(ErrorCode::bad_model, bad + "its flatbuffer fails verification.", hint);
  model_ = fb::GetModel(bytes_.data());
  if (!model_->subgraphs() || model_->subgraphs()->size() == 0) throw Error(ErrorCode::bad_model, bad + "it has no subgraph.", hint);
  // Subgraph 0 is the model; others are only reached through control-flow ops (WHILE,
  // IF, CALL_ONCE), which easel refuses as unsupported ops.
  subgraph_ = model_->subgraphs()->Get(0);
  if (!subgraph_->tensors()) throw Error(ErrorCode::bad_model, bad + "its subgraph has no tensor list.", hint);
  tensors_.resize(subgraph_->tensors()->size());
  check_tensors();
}

// Shapes and buffer references, checked once so that later code can index with them.
void Importer::check_tensors() const {
  const auto* buffers = model_->buffers();
  const std::uint32_t num_buffers = buffers ? buffers->size() : 0;
  for (std::size_t i = 0; i < tensors_.size(); ++i) {
    const fb::Tensor& t = *subgraph_->tensors()->Get(static_cast<flatbuffers::uoffset_t>(i));
    const std::string what = "Tensor #" + std::to_string(i) + " ('" + (t.name() ? t.name()->str() : "") + "') in " + file_.string();
    std::int64_t n = 1;
    if (t.shape())
      for (std::int32_t d : *t.shape()) {
        if (d < -1) throw Error(ErrorCode::bad_model, what + " has a negative dimension " + std::to_string(d) + ".");
        if (d > 0 && n > kMaxElements / d) throw Error(ErrorCode::bad_model, what + " has an absurd shape.");
        if (d >= 0) n *= d;
      }
    if (t.buffer() != 0 && t.buffer() >= num_buffers)
      throw Error(ErrorCode::bad_model,
                  what + " refers to buffer " + std::to_string(t.buffer()) + " of " + std::to_string(num_buffers) + ".");
  }
}

const fb::Tensor& Importer::tensor(int index) const { return *subgraph_->tensors()->Get(static_cast<flatbuffers::uoffset_t>(index)); }

// Parses and checks the quantization parameters of a tensor.
static Quantization parse_quantization(const fb::Tensor& t, const std::string& what) {
  Quantization q;
  const fb::QuantizationParameters* p = t.quantization();
  if (!p) return q;
  if (p->details_type() != fb::QuantizationDetails_NONE)
    throw Error(ErrorCode::unsupported_op, what + " uses custom quantization, which easel does not support.");
  if (!p->scale() || p->scale()->size() == 0) return q;
  for (float s : *p->scale()) {
    if (!std::isfinite(s)) throw Error(ErrorCode::bad_model, what + " has a non-finite quantization scale.");
    q.scale.push_back(s);
  }
  if (p->zero_point())
    for (std::int64_t z : *p->zero_point()) {
      // Zero points are values of the quantized type (int8 to int32); past that, q - z overflows.
      if (z < std::numeric_limits<std::int32_t>::min() || z > std::numeric_limits<std::int32_t>::max())
        throw Error(ErrorCode::bad_model, what + " has the quantization zero point " + std::to_string(z) + ", outside any integer type's range.");
      q.zero_point.push_back(z);
    }
  if (!q.zero_point.empty() && q.zero_point.size() != 1 && q.zero_point.size() != q.scale.size())
    throw Error(ErrorCode::bad_model, what + " has " + std::to_string(q.scale.size()) + " quantization scales but " +
                                          std::to_string(q.zero_point.size()) + " zero points.");
  q.axis = p->quantized_dimension();
  if (q.scale.size() > 1) {
    const auto rank = t.shape() ? static_cast<int>(t.shape()->size()) : 0;
    if (q.axis < 0 || q.axis >= rank ||
        t.shape()->Get(static_cast<flatbuffers::uoffset_t>(q.axis)) != static_cast<std::int32_t>(q.scale.size()))
      throw Error(ErrorCode::bad_model, what + " has " + std::to_string(q.scale.size()) + " quantization scales along dimension " +
                                            std::to_string(q.axis) + ", which does not match its shape.");
  }
  return q;
}

std::string Importer::builtin_name(int opcode_index) const {
  const fb::OperatorCode& oc = *model_->operator_codes()->Get(static_cast<flatbuffers::uoffset_t>(opcode_index));
  // Codes above 127 live in builtin_code only; older files only set the byte field.
  const int code = std::max<int>(oc.deprecated_builtin_code(), oc.builtin_code());
  if (code == fb::BuiltinOperator_CUSTOM) return oc.custom_code() ? oc.custom_code()->str() : "custom op";
  const char* n = code >= 0 && code <= fb::BuiltinOperator_MAX ? fb::EnumNameBuiltinOperator(static_cast<fb::BuiltinOperator>(code)) : "";
  return n && *n ? n : "builtin operator " + std::to_string(code);
}

Shape Importer::input_shape(int i) const {
  const fb::Tensor& t = input_tensor(i);
  Shape s;
  if (t.shape())
    for (std::int32_t d : *t.shape()) s.push_back(d);
  return s;
}

Shape Importer::output_shape(int i) const {
  const fb::Tensor& t = output_tensor(i);
  Shape s;
  if (t.shape())
    for (std::int32_t d : *t.shape()) s.push_back(d);
  return s;
}

int Importer::num_inputs() const { return op_->inputs() ? static_cast<int>(op_->inputs()->size()) : 0; }
int Importer::num_outputs() const { return op_->outputs() ? static_cast<int>(op_->outputs()->size()) : 0; }

bool Importer::has_input(int i) const {
  return i >= 0 && i < num_inputs() && op_->inputs()->Get(static_cast<flatbuffers::uoffset_t>(i)) >= 0;
}

int Importer::tensor_index(const flatbuffers::Vector<std::int32_t>* list, int i, const char* what) const {
  if (!list || i < 0 || i >= static_cast<int>(list->size())) fail(std::string("it has no ") + what + " " + std::to_string(i));
  const std::int32_t t = list->Get(static_cast<flatbuffers::uoffset_t>(i));
  if (t < 0 || t >= static_cast<std::int32_t>(tensors_.size()))
    fail(std::string(what) + " " + std::to_string(i) + " is absent or out of range");
  return t;
}

const fb::Tensor& Importer::input_tensor(int i) const { return tensor(tensor_index(op_->inputs(), i, "input")); }
const fb::Tensor& Importer::output_tensor(int i) const { return tensor(tensor_index(op_->outputs(), i, "output")); }

const Quantization& Importer::input_quantization(int i) const {
  static const Quantization none;
  if (!has_input(i)) return none;
  const int t = tensor_index(op_->inputs(), i, "input");
  return tensors_[static_cast<std::size_t>(t)].quant;
}

std::string Importer::output_name(int i) const {
  const fb::Tensor& t = output_tensor(i);
  if (t.name() && t.name()->size()) return t.name()->str();
  return "tensor_" + std::to_string(tensor_index(op_->outputs(), i, "output"));
}

int Importer::input(int i) {
  if (!has_input(i)) return -1;
  return value_of_tensor(tensor_index(op_->inputs(), i, "input"));
}

const Tensor* Importer::constant(int i) {
  const int v = input(i);
  if (v < 0) return nullptr;
  const Value& val = graph_.values[static_cast<std::size_t>(v)];
  return val.is_constant() ? &val.constant : nullptr;
}

std::vector<std::int64_t> Importer::ints(int i, const char* what) {
  const Tensor* t = constant(i);
  if (!t) fail(std::string("its ") + what + " (input " + std::to_string(i) + ") must be a constant");
  if (t->dtype() != DType::i32 && t->dtype() != DType::i64)
    fail(std::string("its ") + what + " (input " + std::to_string(i) + ") must be int32 or int64, not " + to_string(t->dtype()));
  std::vector<std::int64_t> out;
  for (std::int64_t k = 0; k < t->size(); ++k)
    out.push_back(t->dtype() == DType::i32 ? t->data<std::int32_t>()[k] : t->data<std::int64_t>()[k]);
  return out;
}

std::int64_t Importer::int_scalar(int i, const char* what) {
  const std::vector<std::int64_t> v = ints(i, what);
  if (v.size() != 1)
    fail(std::string("its ") + what + " (input " + std::to_string(i) + ") must hold one value, not " + std::to_string(v.size()));
  return v[0];
}

double Importer::scalar(int i, const char* what) {
  const Tensor* t = constant(i);
  if (!t || t->size() != 1) fail(std::string("its ") + what + " (input " + std::to_string(i) + ") must be a one-element constant");
  return t->at(0);
}

Node& Importer::add_node(const std::string& op, const std::string& suffix, std::vector<int> inputs, int num_outputs) {
  return graph_.add_node(op, output_name(0) + (suffix.empty() ? "" : "/" + suffix), std::move(inputs), num_outputs);
}

int Importer::add_constant(const std::string& name, Tensor t) { return graph_.add_constant(name, std::move(t)); }

void Importer::set_output(int k, int value) {
  const int t = tensor_index(op_->outputs(), k, "output");
  TensorState& s = tensors_[static_cast<std::size_t>(t)];
  if (s.value >= 0) fail("output " + std::to_string(k) + " ('" + output_name(k) + "') was already written by an earlier operator");
  s.value = value;
  annotate(value, t);
}

// Records a per-tensor uint8/int8 quantization on the value that carries tensor `index`,
// for the int8 pass. An alias (QUANTIZE, DEQUANTIZE) keeps its producer's: the integers
// the producer writes are encoded that way.
void Importer::annotate(int value, int index) {
  Value& v = graph_.values[static_cast<std::size_t>(value)];
  if (v.quant.quantized() || v.is_constant() || v.dtype != DType::f32) return;
  v.quant = per_tensor_quant(index);
}

// Tensor `index`'s quantization as the graph records it: per tensor, uint8 or int8 with a
// positive scale; otherwise none (scale 0).
QuantParams Importer::per_tensor_quant(int index) const {
  const Quantization& q = tensors_[static_cast<std::size_t>(index)].quant;
  const fb::TensorType type = tensor(index).type();
  if (q.scale.size() != 1 || !(q.scale[0] > 0) || (type != fb::TensorType_UINT8 && type != fb::TensorType_INT8)) return {};
  return {q.scale[0], static_cast<std::int32_t>(q.zero_point.empty() ? 0 : q.zero_point[0]),
          type == fb::TensorType_UINT8 ? DType::u8 : DType::i8};
}

const char* Importer::activation_attr(fb::ActivationFunctionType act) {
  switch (act) {
    case fb::ActivationFunctionType_NONE:
      return "none";
    case fb::ActivationFunctionType_RELU:
      return "relu";
    case fb::ActivationFunctionType_RELU6:
      return "relu6";
    case fb::ActivationFunctionType_TANH:
      return "tanh";
    default:
      return "";
  }
}

int Importer::apply_activation(int value, fb::ActivationFunctionType act) {
  switch (act) {
    case fb::ActivationFunctionType_NONE:
      return value;
    case fb::ActivationFunctionType_RELU:
      return add_node("relu", "relu", {value}).outputs[0];
    case fb::ActivationFunctionType_RELU6:
      return add_node("relu6", "relu6", {value}).outputs[0];
    case fb::ActivationFunctionType_TANH:
      return add_node("tanh", "tanh", {value}).outputs[0];
    case fb::ActivationFunctionType_RELU_N1_TO_1: {
      Node& n = add_node("clip", "relu_n1_to_1", {value});
      n.attrs.set("min", -1.0);
      n.attrs.set("max", 1.0);
      return n.outputs[0];
    }
    default:
      unsupported("its fused activation function " + std::to_string(static_cast<int>(act)) + " is not supported");
  }
}

void Importer::fail(const std::string& message) const {
  throw Error(ErrorCode::bad_model,
              "Operator #" + std::to_string(op_number_) + " (" + op_name_ + ") in " + file_.string() + ": " + message + ".");
}

void Importer::unsupported(const std::string& message) const {
  throw Error(ErrorCode::unsupported_op,
              "Operator #" + std::to_string(op_number_) + " (" + op_name_ + ") in " + file_.string() + ": " + message + ".",
              "`easel ops` lists the supported ops per format.");
}

// The constant data of a tensor in the dtype easel computes with: quantized integers
// dequantized to float32 as TFLite's reference Dequantize does (double scale, cast to
// float), float16/float64 to float32, other integers and bools as they are.
Tensor Importer::decode_constant(int index) const {
  const fb::Tensor& t = tensor(index);
  const std::string name = t.name() ? t.name()->str() : "";
  const std::string what = "Tensor #" + std::to_string(index) + " ('" + name + "') in " + file_.string();
  // Buffer 0 is the empty sentinel; a tensor of no elements may point there (or the file
  // may have no buffer list at all).
  const fb::Buffer* buf = t.buffer() && model_->buffers() ? model_->buffers()->Get(t.buffer()) : nullptr;
  const std::uint8_t* data = nullptr;
  std::size_t bytes = 0;
  if (buf && buf->offset() > 1) {  // stored after the flatbuffer (models over 2 GB)
    if (buf->offset() > bytes_.size() || buf->size() > bytes_.size() - buf->offset())
      throw Error(ErrorCode::bad_model, what + " has data beyond the end of the file (truncated?).");
    data = bytes_.data() + buf->offset();
    bytes = static_cast<std::size_t>(buf->size());
  } else if (buf && buf->data()) {
    data = buf->data()->data();
    bytes = buf->data()->size();
  }
  Shape shape;
  if (t.shape())
    for (std::int32_t d : *t.shape()) {
      if (d < 0) throw Error(ErrorCode::bad_model, what + " is a constant of unknown shape.");
      shape.push_back(d);
    }
  const std::int64_t n = num_elements(shape);
  const fb::TensorType type = t.type();
  if (t.sparsity()) throw Error(ErrorCode::unsupported_op, what + " is a sparse tensor, which easel does not support.");
  const std::size_t elem = file_type_size(type);
  if (elem == 0 || type == fb::TensorType_COMPLEX64 || type == fb::TensorType_BFLOAT16 || type == fb::TensorType_UINT16 ||
      type == fb::TensorType_UINT32 || type == fb::TensorType_UINT64)
    throw Error(ErrorCode::unsupported_op, what + " has type " + tensor_type_name(type) + ", which easel does not support.");
  if (bytes != static_cast<std::size_t>(n) * elem)
    throw Error(ErrorCode::bad_model, what + " holds " + std::to_string(bytes) + " bytes, but its shape " + to_string(shape) + " of " +
                                          tensor_type_name(type) + " needs " + std::to_string(static_cast<std::size_t>(n) * elem) + ".");

  const Quantization& q = tensors_[static_cast<std::size_t>(index)].quant;
  if (q.quantized() && is_integer_type(type)) {
    Tensor out(DType::f32, shape);
    float* o = out.data<float>();
    const std::int64_t channels = q.scale.size() > 1 ? shape[static_cast<std::size_t>(q.axis)] : 1;
    std::int64_t inner = 1;
    if (q.scale.size() > 1)
      for (std::size_t d = static_cast<std::size_t>(q.axis) + 1; d < shape.size(); ++d) inner *= shape[d];
    for (std::int64_t i = 0; i < n; ++i) {
      const auto c = static_cast<std::size_t>((i / inner) % channels);
      const double scale = q.scale[c];
      const std::int64_t zp = q.zero_point.empty() ? 0 : q.zero_point[q.zero_point.size() == 1 ? 0 : c];
      o[i] = static_cast<float>(scale * static_cast<double>(load_int(type, data, i) - zp));
    }
    return out;
  }
  switch (type) {
    case fb::TensorType_FLOAT32: {
      Tensor out(DType::f32, shape);
      if (n) std::memcpy(out.raw(), data, bytes);
      return out;
    }
    case fb::TensorType_FLOAT16: {
      Tensor out(DType::f32, shape);
      for (std::int64_t i = 0; i < n; ++i) out.data<float>()[i] = detail::half_to_float(load<std::uint16_t>(data + 2 * i));
      return out;
    }
    case fb::TensorType_FLOAT64: {
      Tensor out(DType::f32, shape);
      for (std::int64_t i = 0; i < n; ++i) out.data<float>()[i] = static_cast<float>(load<double>(data + 8 * i));
      return out;
    }
    case fb::TensorType_INT32:
    case fb::TensorType_INT64:
    case fb::TensorType_UINT8:
    case fb::TensorType_INT8:
    case fb::TensorType_BOOL: {
      const DType dt = type == fb::TensorType_INT32   ? DType::i32
                       : type == fb::TensorType_INT64 ? DType::i64
                       : type == fb::TensorType_UINT8 ? DType::u8
                       : type == fb::TensorType_INT8  ? DType::i8
                                                      : DType::boolean;
      Tensor out(dt, shape);
      if (dt == DType::boolean) {
        for (std::int64_t i = 0; i < n; ++i) out.data<bool>()[i] = data[i] != 0;  // any non-zero byte is true
      } else if (n) {
        std::memcpy(out.raw(), data, bytes);
      }
      return out;
    }
    default:
      throw Error(ErrorCode::unsupported_op,
                  what + " has type " + tensor_type_name(type) + " without quantization, which easel does not support.");
  }
}

// True for a tensor with data in the file, or with no elements (a constant either way).
bool Importer::has_constant_data(int index) const {
  const fb::Tensor& t = tensor(index);
  const fb::Buffer* buf = t.buffer() ? model_->buffers()->Get(t.buffer()) : nullptr;
  if (buf && ((buf->data() && buf->data()->size()) || buf->offset() > 1)) return true;
  Shape shape;
  if (t.shape())
    for (std::int32_t d : *t.shape()) shape.push_back(d);
  return std::none_of(shape.begin(), shape.end(), [](std::int64_t d) { return d < 0; }) && num_elements(shape) == 0;
}

int Importer::value_of_tensor(int index) {
  TensorState& s = tensors_[static_cast<std::size_t>(index)];
  if (s.value >= 0) return s.value;
  const fb::Tensor& t = tensor(index);
  if (!has_constant_data(index)) fail("it reads tensor '" + (t.name() ? t.name()->str() : "") + "' before any operator writes it");
  if (t.is_variable())
    throw Error(ErrorCode::unsupported_op, "Tensor '" + (t.name() ? t.name()->str() : "") + "' in " + file_.string() +
                                               " is a variable (stateful) tensor, which easel does not support.");
  s.value = graph_.add_constant(t.name() ? t.name()->str() : "const_" + std::to_string(index), decode_constant(index));
  // The grid of uint8/int8 weights, so that the int8 engine can use the file's integers.
  graph_.values[static_cast<std::size_t>(s.value)].quant = per_tensor_quant(index);
  return s.value;
}

void Importer::add_inputs() {
  if (!subgraph_->inputs()) return;
  std::set<int> seen;
  for (std::int32_t index : *subgraph_->inputs()) {
    if (index < 0 || index >= static_cast<std::int32_t>(tensors_.size()) || !seen.insert(index).second)
      throw Error(ErrorCode::bad_model,
                  "The inputs of " + file_.string() + " list tensor " + std::to_string(index) + " twice or out of range.");
    const fb::Tensor& t = tensor(index);
    const std::string name = t.name() && t.name()->size() ? t.name()->str() : "input_" + std::to_string(index);
    const Quantization& q = tensors_[static_cast<std::size_t>(index)].quant;
    Shape shape;
    if (t.shape())
      for (std::int32_t d : *t.shape()) shape.push_back(d);
    // A size free at run time (shape_signature -1; the stored shape holds a placeholder 1):
    // openWakeWord's mel front end takes [1, any number of samples]. The batch stays as stored.
    if (t.shape_signature() && t.shape_signature()->size() == shape.size())
      for (std::size_t d = 1; d < shape.size(); ++d)
        if (t.shape_signature()->Get(static_cast<flatbuffers::uoffset_t>(d)) < 0) shape[d] = -1;
    const fb::TensorType type = t.type();
    auto refuse = [&] {
      throw Error(ErrorCode::unsupported_op, "Input '" + name + "' of " + file_.string() + " has type " + tensor_type_name(type) +
                                                 (q.quantized() ? " (quantized)" : "") + ", which easel does not support.");
    };
    int value = -1;
    if (q.quantized() && (type == fb::TensorType_UINT8 || type == fb::TensorType_INT8)) {
      // The caller passes the integers TFLite takes; the graph computes with their real values.
      const int in = graph_.add_input(name, type == fb::TensorType_UINT8 ? DType::u8 : DType::i8, shape);
      graph_.values[static_cast<std::size_t>(in)].quant = per_tensor_quant(index);
      Node& n = graph_.add_node("dequantize", name + "/dequantize", {in});
      n.attrs.set("scale", std::vector<double>(q.scale.begin(), q.scale.end()));
      n.attrs.set("zero_point", q.zero_point.empty() ? std::vector<std::int64_t>{0} : q.zero_point);
      n.attrs.set("axis", static_cast<std::int64_t>(q.axis));
      value = n.outputs[0];
      annotate(value, index);
    } else if (q.quantized() && is_integer_type(type)) {
      refuse();  // int16 / int32 / int64 quantized inputs: easel tensors have no int16
    } else {
      switch (type) {
        case fb::TensorType_FLOAT32:
          value = graph_.add_input(name, DType::f32, shape);
          break;
        case fb::TensorType_FLOAT16: {
          const int in = graph_.add_input(name, DType::f16, shape);
          Node& n = graph_.add_node("cast", name + "/to_float32", {in});
          n.attrs.set("to", std::string("float32"));
          value = n.outputs[0];
          break;
        }
        case fb::TensorType_INT32:
          value = graph_.add_input(name, DType::i32, shape);
          break;
        case fb::TensorType_INT64:
          value = graph_.add_input(name, DType::i64, shape);
          break;
        case fb::TensorType_UINT8:
          value = graph_.add_input(name, DType::u8, shape);
          break;
        case fb::TensorType_INT8:
          value = graph_.add_input(name, DType::i8, shape);
          break;
        case fb::TensorType_BOOL:
          value = graph_.add_input(name, DType::boolean, shape);
          break;
        default:
          refuse();
      }
    }
    tensors_[static_cast<std::size_t>(index)].value = value;
  }
}

void Importer::add_outputs() {
  if (!subgraph_->outputs() || subgraph_->outputs()->size() == 0)
    throw Error(ErrorCode::bad_model, "The model in " + file_.string() + " has no outputs.");
  std::set<int> used;  // values already given to an output
  for (std::int32_t index : *subgraph_->outputs()) {
    if (index < 0 || index >= static_cast<std::int32_t>(tensors_.size()))
      throw Error(ErrorCode::bad_model,
                  "The outputs of " + file_.string() + " list tensor " + std::to_string(index) + ", which is out of range.");
    const fb::Tensor& t = tensor(index);
    const std::string name = t.name() && t.name()->size() ? t.name()->str() : "output_" + std::to_string(index);
    int value = tensors_[static_cast<std::size_t>(index)].value;
    if (value < 0) {
      if (!has_constant_data(index))
        throw Error(ErrorCode::bad_model, "Output '" + name + "' of " + file_.string() + " is not produced by any operator.");
      value = value_of_tensor(index);
    }
    const Quantization& q = tensors_[static_cast<std::size_t>(index)].quant;
    const fb::TensorType type = t.type();
    Shape shape;
    if (t.shape())
      for (std::int32_t d : *t.shape()) shape.push_back(d);
    // Copies, not a reference: adding nodes below may reallocate graph_.values.
    const bool is_constant = graph_.values[static_cast<std::size_t>(value)].is_constant();
    const bool shared =
        is_constant || used.count(value) || std::find(graph_.inputs.begin(), graph_.inputs.end(), value) != graph_.inputs.end();
    DType dtype = graph_.values[static_cast<std::size_t>(value)].dtype;
    if (q.quantized() && (type == fb::TensorType_UINT8 || type == fb::TensorType_INT8)) {
      // TFLite returns the integers; so does easel, quantized as TFLite's Quantize does.
      if (!shared) graph_.values[static_cast<std::size_t>(value)].name = name + "/float";
      Node& n = graph_.add_node("quantize", name + "/quantize", {value});
      n.attrs.set("scale", std::vector<double>(q.scale.begin(), q.scale.end()));
      n.attrs.set("zero_point", q.zero_point.empty() ? std::vector<std::int64_t>{0} : q.zero_point);
      n.attrs.set("axis", static_cast<std::int64_t>(q.axis));
      n.attrs.set("to", std::string(type == fb::TensorType_UINT8 ? "uint8" : "int8"));
      value = n.outputs[0];
      dtype = type == fb::TensorType_UINT8 ? DType::u8 : DType::i8;
    } else if (q.quantized() && is_integer_type(type)) {
      throw Error(ErrorCode::unsupported_op, "Output '" + name + "' of " + file_.string() + " is quantized " + tensor_type_name(type) +
                                                 ", which easel does not support.");
    } else if (type == fb::TensorType_FLOAT16) {
      Node& n = graph_.add_node("cast", name + "/to_float16", {value});
      n.attrs.set("to", std::string("float16"));
      value = n.outputs[0];
      dtype = DType::f16;
    } else if (shared) {
      // An input, a constant or another output: a node of its own keeps names and buffers apart.
      value = graph_.add_node("identity", name + "/identity", {value}).outputs[0];
    }
    if (!is_constant && !shared) {
      switch (type) {  // what the graph's nodes produce, for Model::outputs() before a run
        case fb::TensorType_INT32:
          dtype = DType::i32;
          break;
        case fb::TensorType_INT64:
          dtype = DType::i64;
          break;
        case fb::TensorType_BOOL:
          dtype = DType::boolean;
          break;
        case fb::TensorType_UINT8:
          if (!q.quantized()) dtype = DType::u8;
          break;
        case fb::TensorType_INT8:
          if (!q.quantized()) dtype = DType::i8;
          break;
        case fb::TensorType_FLOAT32:
          dtype = DType::f32;
          break;
        default:
          break;
      }
    }
    Value& out = graph_.values[static_cast<std::size_t>(value)];
    out.name = name;
    out.dtype = dtype;
    out.shape = shape;
    if (dtype == DType::u8 || dtype == DType::i8) out.quant = per_tensor_quant(index);
    used.insert(value);
    graph_.outputs.push_back(value);
  }
}

Graph Importer::import() {
  read_model();
  for (std::size_t i = 0; i < tensors_.size(); ++i) {
    const fb::Tensor& t = tensor(static_cast<int>(i));
    tensors_[i].quant =
        parse_quantization(t, "Tensor #" + std::to_string(i) + " ('" + (t.name() ? t.name()->str() : "") + "') in " + file_.string());
  }
  add_inputs();
  const auto* ops = subgraph_->operators();
  const std::uint32_t num_codes = model_->operator_codes() ? model_->operator_codes()->size() : 0;
  for (std::uint32_t n = 0; ops && n < ops->size(); ++n) {
    op_ = ops->Get(n);
    op_number_ = static_cast<int>(n);
    op_name_ = "operator";
    if (op_->opcode_index() >= num_codes)
      fail("its opcode index " + std::to_string(op_->opcode_index()) + " is out of range (" + std::to_string(num_codes) + " opcodes)");
    const fb::OperatorCode& oc = *model_->operator_codes()->Get(op_->opcode_index());
    const int code = std::max<int>(oc.deprecated_builtin_code(), oc.builtin_code());
    op_name_ = builtin_name(static_cast<int>(op_->opcode_index()));
    const Translation* translation = code == fb::BuiltinOperator_CUSTOM ? nullptr : find_translation(code);
    if (!translation) throw_unsupported_op("Op", op_name_, "operator #" + std::to_string(n), file_.string());
    if (!op_->outputs() || op_->outputs()->size() == 0) fail("it has no outputs");
    for (int k = 0; k < num_outputs(); ++k) tensor_index(op_->outputs(), k, "output");  // range checks
    for (int k = 0; k < num_inputs(); ++k)
      if (op_->inputs()->Get(static_cast<flatbuffers::uoffset_t>(k)) < -1 ||
          op_->inputs()->Get(static_cast<flatbuffers::uoffset_t>(k)) >= static_cast<std::int32_t>(tensors_.size()))
        fail("input " + std::to_string(k) + " is out of range");
    translation->translate(*this, translation->easel_op);
    for (int k = 0; k < num_outputs(); ++k)
      if (tensors_[static_cast<std::size_t>(tensor_index(op_->outputs(), k, "output"))].value < 0)
        fail("output " + std::to_string(k) + " is not produced (easel does not implement this form of the op)");
  }
  op_ = nullptr;
  add_outputs();
  graph_.sort();
  graph_.compact();
  return std::move(graph_);
}

}  // namespace tflite_import

Graph import_tflite(const fs::path& file) { return tflite_import::Importer(file).import(); }

std::vector<std::string> tflite_ops() { return tflite_import::translated_ops(); }

}  // namespace easel::nn
