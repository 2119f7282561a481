// lstm_cell: one step of TensorFlow's BasicLSTMCell (tf.basicLSTMCell in TF.js, the cell of
// ml5's charRNN). With [i, j, f, o] the four column blocks of [x, h] * kernel + bias:
//   c' = sigmoid(i) * tanh(j) + c * sigmoid(f + forget_bias)
//   h' = tanh(c') * sigmoid(o)
// The reference kernel computes exactly that, in float, one output at a time. The
// optimized one is oneDNN's LSTM (vanilla_lstm, one step, one layer): its gates come in the
// order i, f, c~, o and its bias has no forget bias, so prepare() reorders the kernel's
// column blocks into oneDNN's weights and adds forget_bias to the f block of the bias.
#include <cmath>
#include <cstring>
#include <unordered_map>
#include <string>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "nn/dnnl_context.h"
#include "nn/ops/recurrent_ops.h"

namespace easel::nn {
namespace {

float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

class LstmCell final : public Op {
 public:
  explicit LstmCell(Backend backend) : backend_(backend) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(4, 5);
    const char* names[] = {"x", "c", "h", "kernel", "bias"};
    for (int i = 0; i < ctx.num_inputs(); ++i)
      if (ctx.has_input(i) && ctx.input_dtypes[static_cast<std::size_t>(i)] != DType::f32)
        ctx.fail(std::string(names[i]) + " must be float32, got " + to_string(ctx.input_dtypes[static_cast<std::size_t>(i)]));
    const Shape& x = ctx.input_shapes[0];
    const Shape& c = ctx.input_shapes[1];
    const Shape& h = ctx.input_shapes[2];
    const Shape& k = ctx.input_shapes[3];
    if (x.size() != 2) ctx.fail("x must be [batch, inputs], got " + to_string(x));
    if (k.size() != 2 || k[1] % 4 != 0 || k[1] == 0)
      ctx.fail("kernel must be [inputs + units, 4 * units], got " + to_string(k));
    batch_ = x[0];
    inputs_ = x[1];
    units_ = k[1] / 4;
    const Shape state{batch_, units_};
    if (c != state || h != state)
      ctx.fail("c " + to_string(c) + " and h " + to_string(h) + " must both be " + to_string(state) + " (batch of x, units of the kernel " +
               to_string(k) + ")");
    if (k[0] != inputs_ + units_)
      ctx.fail("kernel " + to_string(k) + " must have " + std::to_string(inputs_ + units_) + " rows: x's " + std::to_string(inputs_) +
               " inputs and " + std::to_string(units_) + " units");
    has_bias_ = ctx.has_input(4);
    if (has_bias_ && num_elements(ctx.input_shapes[4]) != 4 * units_)
      ctx.fail("bias " + to_string(ctx.input_shapes[4]) + " must have " + std::to_string(4 * units_) + " values (4 * units)");
    forget_bias_ = static_cast<float>(ctx.node.attrs.get_float("forget_bias", 1.0));
    ctx.output_dtypes = {DType::f32, DType::f32};
    ctx.output_shapes = {state, state};
    use_dnnl_ = false;
    // oneDNN needs the weights reordered once: only when they are constants (a model's).
    const bool constant_weights = ctx.input_constants[3] && (!has_bias_ || ctx.input_constants[4]);
    if (backend_ != Backend::optimized || !constant_weights || batch_ == 0 || inputs_ == 0) return;
    try {
      prepare_dnnl(*ctx.input_constants[3], has_bias_ ? ctx.input_constants[4] : nullptr);
      use_dnnl_ = true;
    } catch (const dnnl::error& e) {
      ctx.fail(std::string("oneDNN cannot build this LSTM cell: ") + e.what());
    }
  }

  void run(RunContext& ctx) override {
    const float* x = ctx.in(0).data<float>();
    const float* c = ctx.in(1).data<float>();
    const float* h = ctx.in(2).data<float>();
    float* c_out = ctx.out(0).data<float>();
    float* h_out = ctx.out(1).data<float>();
    if (!use_dnnl_) {
      const float* bias = has_bias_ ? ctx.in(4).data<float>() : nullptr;
      reference(x, c, h, ctx.in(3).data<float>(), bias, c_out, h_out);
      return;
    }
    using M = dnnl::memory;
    const dnnl::engine& eng = dnnl_engine();
    M src_layer(pd_.src_layer_desc(), eng, const_cast<float*>(x));
    M src_iter(pd_.src_iter_desc(), eng, const_cast<float*>(h));
    M src_iter_c(pd_.src_iter_c_desc(), eng, const_cast<float*>(c));
    M dst_layer(pd_.dst_layer_desc(), eng, h_out);
    M dst_iter_c(pd_.dst_iter_c_desc(), eng, c_out);
    // oneDNN writes the new h twice: as the layer's output and as the next step's state.
    M dst_iter(pd_.dst_iter_desc(), eng, h_copy_.data());
    std::unordered_map<int, M> args = {{DNNL_ARG_SRC_LAYER, src_layer},       {DNNL_ARG_SRC_ITER, src_iter},
                                       {DNNL_ARG_SRC_ITER_C, src_iter_c},     {DNNL_ARG_WEIGHTS_LAYER, weights_layer_},
                                       {DNNL_ARG_WEIGHTS_ITER, weights_iter_}, {DNNL_ARG_BIAS, bias_},
                                       {DNNL_ARG_DST_LAYER, dst_layer},       {DNNL_ARG_DST_ITER, dst_iter},
                                       {DNNL_ARG_DST_ITER_C, dst_iter_c}};
    if (scratch_bytes_ > 0) args.insert({DNNL_ARG_SCRATCHPAD, M(pd_.scratchpad_desc(), eng, dnnl_scratchpad(scratch_bytes_))});
    primitive_.execute(dnnl_stream(), args);
  }

  double flops() const override { return 2.0 * static_cast<double>(batch_ * (inputs_ + units_) * 4 * units_); }

 private:
  void reference(const float* x, const float* c, const float* h, const float* kernel, const float* bias, float* c_out,
                 float* h_out) const {
    const std::int64_t U = units_, rows = inputs_ + units_;
    std::vector<float> gates(static_cast<std::size_t>(4 * U));
    for (std::int64_t b = 0; b < batch_; ++b) {
      for (std::int64_t g = 0; g < 4 * U; ++g) {
        float sum = bias ? bias[g] : 0.0f;
        for (std::int64_t r = 0; r < rows; ++r) {
          const float in = r < inputs_ ? x[b * inputs_ + r] : h[b * U + (r - inputs_)];
          sum += in * kernel[r * 4 * U + g];
        }
        gates[static_cast<std::size_t>(g)] = sum;
      }
      for (std::int64_t u = 0; u < U; ++u) {
        const float i = gates[static_cast<std::size_t>(u)], j = gates[static_cast<std::size_t>(U + u)];
        const float f = gates[static_cast<std::size_t>(2 * U + u)], o = gates[static_cast<std::size_t>(3 * U + u)];
        const float cn = sigmoid(i) * std::tanh(j) + c[b * U + u] * sigmoid(f + forget_bias_);
        c_out[b * U + u] = cn;
        h_out[b * U + u] = std::tanh(cn) * sigmoid(o);
      }
    }
  }

  void prepare_dnnl(const Tensor& kernel, const Tensor* bias) {
    using M = dnnl::memory;
    using tag = M::format_tag;
    const auto f32 = M::data_type::f32;
    const M::dim N = batch_, I = inputs_, U = units_;
    const M::desc src_layer({1, N, I}, f32, tag::tnc);
    const M::desc src_iter({1, 1, N, U}, f32, tag::ldnc);
    const M::desc weights_layer_any({1, 1, I, 4, U}, f32, tag::any);
    const M::desc weights_iter_any({1, 1, U, 4, U}, f32, tag::any);
    const M::desc bias_md({1, 1, 4, U}, f32, tag::ldgo);
    const M::desc dst_layer({1, N, U}, f32, tag::tnc);
    const dnnl::lstm_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::rnn_direction::unidirectional_left2right, src_layer,
                                        src_iter, src_iter, weights_layer_any, weights_iter_any, bias_md, dst_layer, src_iter, src_iter);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    pd_ = dnnl::lstm_forward::primitive_desc(desc, attr, dnnl_engine());
    primitive_ = dnnl::lstm_forward(pd_);
    scratch_bytes_ = pd_.scratchpad_desc().get_size();
    if (scratch_bytes_ > 0) dnnl_scratchpad(scratch_bytes_);
    h_copy_.resize(static_cast<std::size_t>(N * U));

    // TF's column blocks i, j, f, o become oneDNN's gates i, f, c~ (= j), o.
    constexpr int kFromTf[4] = {0, 2, 1, 3};  // oneDNN gate g takes TF block kFromTf[g]
    const float* k = kernel.data<float>();
    std::vector<float> wl(static_cast<std::size_t>(I * 4 * U)), wi(static_cast<std::size_t>(U * 4 * U)), b(static_cast<std::size_t>(4 * U));
    for (M::dim r = 0; r < I + U; ++r)
      for (int g = 0; g < 4; ++g) {
        const float* from = k + r * 4 * U + kFromTf[g] * U;
        float* to = r < I ? wl.data() + (r * 4 + g) * U : wi.data() + ((r - I) * 4 + g) * U;
        std::memcpy(to, from, static_cast<std::size_t>(U) * sizeof(float));
      }
    for (int g = 0; g < 4; ++g)
      for (M::dim u = 0; u < U; ++u)
        b[static_cast<std::size_t>(g * U + u)] = (bias ? bias->data<float>()[kFromTf[g] * U + u] : 0.0f) + (g == 1 ? forget_bias_ : 0.0f);
    const dnnl::engine& eng = dnnl_engine();
    auto place = [&](const M::desc& want, const M::desc& have, std::vector<float>& values) {
      M user(have, eng, values.data());
      M mem(want, eng);
      dnnl::reorder(user, mem).execute(dnnl_stream(), user, mem);
      return mem;
    };
    weights_layer_ = place(pd_.weights_layer_desc(), M::desc({1, 1, I, 4, U}, f32, tag::ldigo), wl);
    weights_iter_ = place(pd_.weights_iter_desc(), M::desc({1, 1, U, 4, U}, f32, tag::ldigo), wi);
    bias_ = place(pd_.bias_desc(), bias_md, b);
  }

  Backend backend_;
  std::int64_t batch_ = 0, inputs_ = 0, units_ = 0;
  bool has_bias_ = false;
  float forget_bias_ = 1.0f;
  bool use_dnnl_ = false;
  dnnl::lstm_forward::primitive_desc pd_;
  dnnl::lstm_forward primitive_;
  dnnl::memory weights_layer_, weights_iter_, bias_;
  std::size_t scratch_bytes_ = 0;
  std::vector<float> h_copy_;
};

}  // namespace

std::unique_ptr<Op> make_lstm_cell(Backend backend) { return std::make_unique<LstmCell>(backend); }

}  // namespace easel::nn
