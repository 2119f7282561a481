// matmul: out[.., M, N] = activation(a[.., M, K] x b[.., K, N] + bias), with optional
// transposes of the last two dims and numpy-broadcast batch dims (TF BatchMatMulV2).
// A constant b (the usual fully-connected weights) is reordered once into oneDNN's
// preferred layout; transposed inputs are described by strides, never copied.
#include <algorithm>

#include "nn/ops/conv_dnnl.h"
#include "nn/ops/conv_ops.h"
#include "nn/ops/reference/conv_reference.h"

namespace easel::nn {
namespace {

constexpr int kMaxRank = DNNL_MAX_NDIMS;

class MatMul final : public Op {
 public:
  explicit MatMul(Backend backend) : backend_(backend) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(2, 4);
    expect_float_input(ctx, 0, "a", -1);
    expect_float_input(ctx, 1, "b", -1);
    const Shape& a = ctx.input_shapes[0];
    const Shape& b = ctx.input_shapes[1];
    auto& s = shape_;
    s.transpose_a = ctx.node.attrs.get_bool("transpose_a", false);
    s.transpose_b = ctx.node.attrs.get_bool("transpose_b", false);
    const auto ra = static_cast<int>(a.size()), rb = static_cast<int>(b.size());
    s.rank = std::max(ra, rb);
    if (s.rank > kMaxRank) ctx.fail("rank " + std::to_string(s.rank) + " is above the supported " + std::to_string(kMaxRank));
    s.m = s.transpose_a ? a[ra - 1] : a[ra - 2];
    const std::int64_t k_a = s.transpose_a ? a[ra - 2] : a[ra - 1];
    const std::int64_t k_b = s.transpose_b ? b[rb - 1] : b[rb - 2];
    s.n = s.transpose_b ? b[rb - 2] : b[rb - 1];
    if (k_a != k_b)
      ctx.fail("inner dimensions differ: a " + to_string(a) + (s.transpose_a ? " (transposed)" : "") + " has K = " + std::to_string(k_a) +
               ", b " + to_string(b) + (s.transpose_b ? " (transposed)" : "") + " has K = " + std::to_string(k_b));
    s.k = k_a;
    // Batch dims aligned from the right; the shorter operand gets leading 1s.
    Shape out;
    for (int d = 0; d < s.rank - 2; ++d) {
      const int da = d - (s.rank - ra), db = d - (s.rank - rb);
      s.batch_dims_a[d] = da >= 0 ? a[static_cast<std::size_t>(da)] : 1;
      s.batch_dims_b[d] = db >= 0 ? b[static_cast<std::size_t>(db)] : 1;
      if (s.batch_dims_a[d] != s.batch_dims_b[d] && s.batch_dims_a[d] != 1 && s.batch_dims_b[d] != 1)
        ctx.fail("batch dimensions of a " + to_string(a) + " and b " + to_string(b) + " do not broadcast");
      s.batch_dims_out[d] = std::max(s.batch_dims_a[d], s.batch_dims_b[d]);
      out.push_back(s.batch_dims_out[d]);
    }
    out.push_back(s.m);
    out.push_back(s.n);
    activation_ = parse_activation(ctx);
    epilogue_ = check_epilogue_inputs(ctx, 2, 3, s.n, activation_);
    ctx.output_dtypes[0] = DType::f32;
    ctx.output_shapes[0] = out;
    // An empty product (K = 0: out = bias) is left to the plain loops; oneDNN rejects it.
    use_dnnl_ = backend_ == Backend::optimized && num_elements(out) > 0 && s.k > 0;
    if (use_dnnl_) {
      try {
        prepare_dnnl(ctx);
      } catch (const dnnl::error& e) {
        ctx.fail(std::string("oneDNN cannot build this matmul: ") + e.what());
      }
    }
  }

  void run(RunContext& ctx) override {
    const float* a = ctx.in(0).data<float>();
    const float* b = ctx.in(1).data<float>();
    const float* bias = epilogue_.has_bias ? ctx.in(2).data<float>() : nullptr;
    const float* slopes = epilogue_.prelu_slopes ? ctx.in(3).data<float>() : nullptr;
    Tensor& out = ctx.out(0);
    float* y = out.data<float>();
    if (out.size() == 0) return;
    if (!use_dnnl_) {
      reference::matmul(shape_, a, b, bias, y);
      activate_in_place(activation_, slopes, epilogue_.prelu_slopes, shape_.n, y, out.size());
      return;
    }
    primitive_.bind(a_slot_, a);
    primitive_.bind(out_slot_, y);
    if (b_slot_ >= 0) primitive_.bind(b_slot_, b);
    if (bias_slot_ >= 0) primitive_.bind(bias_slot_, bias);
    if (slopes_slot_ >= 0) primitive_.bind(slopes_slot_, slopes);
    primitive_.execute();
    if (!activation_fused_) activate_in_place(activation_, slopes, epilogue_.prelu_slopes, shape_.n, y, out.size());
  }

  double flops() const override {
    double batches = 1;
    for (int d = 0; d < shape_.rank - 2; ++d) batches *= static_cast<double>(shape_.batch_dims_out[d]);
    return 2.0 * batches * static_cast<double>(shape_.m) * static_cast<double>(shape_.n) * static_cast<double>(shape_.k);
  }

 private:
  // A [.., rows, cols] operand stored either as is or with its last two dims swapped.
  static dnnl::memory::desc operand_desc(const std::int64_t* batch, int batch_rank, std::int64_t rows, std::int64_t cols,
                                         bool stored_transposed) {
    dnnl::memory::dims dims(batch, batch + batch_rank), strides(static_cast<std::size_t>(batch_rank) + 2);
    dims.push_back(rows);
    dims.push_back(cols);
    const auto r = static_cast<std::size_t>(batch_rank);
    strides[r] = stored_transposed ? 1 : cols;
    strides[r + 1] = stored_transposed ? rows : 1;
    std::int64_t step = rows * cols;
    for (std::size_t d = r; d-- > 0;) {
      strides[d] = step;
      step *= dims[d];
    }
    return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, strides);
  }

  void prepare_dnnl(const PrepareContext& ctx) {
    const auto& s = shape_;
    const int batch_rank = s.rank - 2;
    const auto rank = static_cast<std::size_t>(s.rank);
    dnnl::memory::desc a_md = operand_desc(s.batch_dims_a, batch_rank, s.m, s.k, s.transpose_a);
    dnnl::memory::desc user_b_md = operand_desc(s.batch_dims_b, batch_rank, s.k, s.n, s.transpose_b);
    dnnl::memory::dims out_dims(s.batch_dims_out, s.batch_dims_out + batch_rank);
    out_dims.push_back(s.m);
    out_dims.push_back(s.n);
    dnnl::memory::desc out_md = dense_desc(out_dims);
    dnnl::memory::dims channel_dims(rank, 1);  // bias and slopes broadcast over all but N
    channel_dims.back() = s.n;
    dnnl::memory::desc bias_md = epilogue_.has_bias ? dense_desc(channel_dims) : dnnl::memory::desc();
    // Constant weights: let oneDNN choose their layout (reordered once below). Weights
    // computed by the graph: use them where they lie rather than reorder every run.
    const Tensor* b_constant = ctx.input_constants[1];
    dnnl::memory::desc b_md =
        b_constant ? dnnl::memory::desc(user_b_md.dims(), dnnl::memory::data_type::f32, dnnl::memory::format_tag::any) : user_b_md;
    dnnl::matmul::desc desc(a_md, b_md, bias_md, out_md);
    const bool per_channel = epilogue_.prelu_slopes > 1;
    auto [pd, fused] = make_primitive_desc<dnnl::matmul::primitive_desc>(desc, activation_, per_channel ? 1 << (s.rank - 1) : 0);
    activation_fused_ = fused;
    primitive_.init(dnnl::matmul(pd), pd.scratchpad_desc());
    a_slot_ = primitive_.add_runtime(DNNL_ARG_SRC, a_md);
    out_slot_ = primitive_.add_runtime(DNNL_ARG_DST, out_md);
    b_slot_ = primitive_.add_weights(DNNL_ARG_WEIGHTS, user_b_md, pd.weights_desc(), b_constant);
    if (epilogue_.has_bias) bias_slot_ = primitive_.add_input(DNNL_ARG_BIAS, bias_md, ctx.input_constants[2]);
    if (activation_.kind == Activation::prelu && fused) {
      dnnl::memory::dims slope_dims(rank, 1);
      slope_dims.back() = per_channel ? s.n : 1;
      slopes_slot_ = primitive_.add_input(kPreluSlopesArg, dense_desc(slope_dims), ctx.input_constants[3]);
    }
  }

  Backend backend_;
  bool use_dnnl_ = false;
  reference::MatMulShape shape_;
  FusedActivation activation_;
  EpilogueInputs epilogue_;
  DnnlPrimitive primitive_;
  bool activation_fused_ = true;
  int a_slot_ = -1, out_slot_ = -1, b_slot_ = -1, bias_slot_ = -1, slopes_slot_ = -1;
};

}  // namespace

std::unique_ptr<Op> make_matmul(Backend backend) { return std::make_unique<MatMul>(backend); }

}  // namespace easel::nn
