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
#include "nn/ops/conv_ops.h"  // set_activation_fusion
#include "nn/ops/conv_common.h"

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
  std::vector<Tensor> kept_;                    // constants that fixed arguments point into
  std::size_t scratchpad_bytes_ = 0;
  dnnl::memory scratchpad_;
};

}  // namespace easel::nn
