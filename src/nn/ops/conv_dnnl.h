// oneDNN plumbing shared by the conv group's optimized kernels: fused activations as
// post-ops, and DnnlPrimitive, which owns a prepared primitive with its arguments so
// that run() only points the activations at this run's buffers and executes.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "nn/dnnl_context.h"
#include "nn/op.h"
#include "nn/ops/conv_common.h"
#include "nn/ops/conv_ops.h"  // set_activation_fusion

namespace easel::nn {

// The post-op argument that carries prelu's slopes (prelu is the only post-op, index 0).
constexpr int kPreluSlopesArg = DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_WEIGHTS;

// Attributes for a primitive: user-managed scratchpad, and `act` as a post-op when
// `fuse` (prelu reads kPreluSlopesArg, broadcast per `prelu_mask`).
dnnl::primitive_attr make_attr(const FusedActivation& act, int prelu_mask, bool fuse);

// True when oneDNN picked its slow reference implementation ("ref:...").
bool is_reference_impl(const dnnl::primitive_desc_base& pd);

// A primitive descriptor with `act` fused when oneDNN has a fast kernel for the fused
// form. Some post-op chains are unimplemented or send oneDNN to its reference
// implementation (oneDNN 2.6 has only "ref:any" for the prelu post-op); then the unfused
// descriptor is returned with fused = false and the caller applies the activation in a
// second pass over dst (activate_in_place).
template <class PrimitiveDesc, class OpDesc>
std::pair<PrimitiveDesc, bool> make_primitive_desc(const OpDesc& desc, const FusedActivation& act, int prelu_mask) {
  if (act.kind == Activation::none) return {PrimitiveDesc(desc, make_attr(act, prelu_mask, false), dnnl_engine()), true};
  std::optional<PrimitiveDesc> fused;
  if (activation_fusion_enabled()) {
    try {
      fused.emplace(desc, make_attr(act, prelu_mask, true), dnnl_engine());
      if (!is_reference_impl(*fused)) return {*fused, true};
    } catch (const dnnl::error& e) {
      if (e.status != dnnl_unimplemented) throw;
    }
  }
  PrimitiveDesc plain(desc, make_attr(act, prelu_mask, false), dnnl_engine());
  if (fused && is_reference_impl(plain)) return {*fused, true};  // slow either way: keep one pass
  return {plain, false};
}

// A dense row-major f32 descriptor (the layout of an easel Tensor of these dims).
dnnl::memory::desc dense_desc(const dnnl::memory::dims& dims);

class DnnlPrimitive {
 public:
  // `scratchpad` is the primitive descriptor's scratchpad_desc() (user mode, see make_attr).
  void init(dnnl::primitive primitive, const dnnl::memory::desc& scratchpad);

  // An argument whose buffer is given per run with bind(); returns its slot.
  int add_runtime(int arg, const dnnl::memory::desc& md);
  // An input read as is: from `constant` when non-null (kept alive, not copied; returns
  // -1), else bound per run (returns its slot).
  int add_input(int arg, const dnnl::memory::desc& md, const Tensor* constant);
  // Weights stored in layout `user`, wanted by the primitive in layout `wanted`. A
  // constant is reordered now, once (returns -1); otherwise returns a slot to bind per
  // run, and execute() reorders into a buffer owned here first (unless the layouts agree).
  int add_weights(int arg, const dnnl::memory::desc& user, const dnnl::memory::desc& wanted, const Tensor* constant);

  void bind(int slot, const void* data) const {
    // oneDNN takes void* for every argument; it does not write to inputs.
    runtime_[static_cast<std::size_t>(slot)].set_data_handle(const_cast<void*>(data));
  }
  void execute();

  const char* implementation() const { return implementation_; }

 private:
  struct RuntimeReorder {
    dnnl::reorder reorder;
    dnnl::memory from, to;
  };
  dnnl::primitive primitive_;
  const char* implementation_ = "";
  std::unordered_map<int, dnnl::memory> args_;  // built once; execute() passes it as is
  std::vector<dnnl::memory> runtime_;           // by slot; the same objects as in args_
  std::vector<RuntimeReorder> reorders_;
  std::vector<Tensor> kept_;  // constants that fixed arguments point into
  std::size_t scratchpad_bytes_ = 0;
  dnnl::memory scratchpad_;
};

// The arguments of a convolution-family primitive (convolution, deconvolution, the im2col
// matmul), by DnnlPrimitive slot, and whether the activation is fused into it.
struct ConvArgs {
  int src = -1, dst = -1, filter = -1, bias = -1, slopes = -1;
  bool activation_fused = true;

  // Points the primitive at this run's buffers (constants were bound once in prepare).
  void bind(const DnnlPrimitive& p, const float* x, float* y, const float* filter_data, const float* bias_data,
            const float* slopes_data) const {
    p.bind(src, x);
    p.bind(dst, y);
    if (filter >= 0) p.bind(filter, filter_data);
    if (bias >= 0) p.bind(bias, bias_data);
    if (slopes >= 0) p.bind(slopes, slopes_data);
  }
};

// Builds `primitive` from `desc` with `act` fused where oneDNN has a fast kernel for it, and
// registers its arguments: src and dst per run; the filter (input 1), stored as
// `user_filter` and reordered once when constant; the bias (input 2, as `bias_md`) and the
// prelu slopes (input 3) as `epilogue` has them. `channels` and `dst_rank` give the slopes'
// broadcast shape ([1,C,1,1] or [1,C]; the channel is oneDNN's axis 1 either way).
template <class Primitive, class PrimitiveDesc, class OpDesc>
ConvArgs prepare_conv_primitive(DnnlPrimitive& primitive, const OpDesc& desc, const FusedActivation& act, const EpilogueInputs& epilogue,
                                std::int64_t channels, int dst_rank, const dnnl::memory::desc& user_filter,
                                const dnnl::memory::desc& bias_md, const PrepareContext& ctx) {
  const bool per_channel = epilogue.prelu_slopes > 1;
  auto [pd, fused] = make_primitive_desc<PrimitiveDesc>(desc, act, per_channel ? 1 << 1 : 0);
  ConvArgs args;
  args.activation_fused = fused;
  primitive.init(Primitive(pd), pd.scratchpad_desc());
  args.src = primitive.add_runtime(DNNL_ARG_SRC, pd.src_desc());
  args.dst = primitive.add_runtime(DNNL_ARG_DST, pd.dst_desc());
  args.filter = primitive.add_weights(DNNL_ARG_WEIGHTS, user_filter, pd.weights_desc(), ctx.input_constants[1]);
  if (epilogue.has_bias) args.bias = primitive.add_input(DNNL_ARG_BIAS, bias_md, ctx.input_constants[2]);
  if (act.kind == Activation::prelu && fused) {
    const std::int64_t n = per_channel ? channels : 1;
    const dnnl::memory::desc slopes_md =
        dst_rank == 4 ? dnnl::memory::desc({1, n, 1, 1}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::abcd)
                      : dnnl::memory::desc({1, n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab);
    args.slopes = primitive.add_input(kPreluSlopesArg, slopes_md, ctx.input_constants[3]);
  }
  return args;
}

}  // namespace easel::nn
