#include "nn/ops/conv_dnnl.h"

#include <atomic>
#include <string_view>

namespace easel::nn {

namespace {
std::atomic<bool> fuse_activations{true};
}  // namespace

void set_activation_fusion(bool enabled) { fuse_activations = enabled; }
bool activation_fusion_enabled() { return fuse_activations; }

dnnl::primitive_attr make_attr(const FusedActivation& act, int prelu_mask, bool fuse) {
  dnnl::primitive_attr attr;
  // User-managed: one per-thread buffer (dnnl_scratchpad) serves every primitive,
  // instead of each primitive holding its own or allocating per execution.
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (!fuse || act.kind == Activation::none) return attr;
  using A = dnnl::algorithm;
  dnnl::post_ops ops;
  switch (act.kind) {
    case Activation::none:
      break;
    case Activation::relu:
      ops.append_eltwise(act.scale, A::eltwise_relu, 0.f, 0.f);
      break;
    case Activation::relu6:
      ops.append_eltwise(act.scale, A::eltwise_clip, 0.f, 6.f);
      break;
    case Activation::leaky_relu:
      ops.append_eltwise(act.scale, A::eltwise_relu, act.alpha, 0.f);
      break;
    case Activation::prelu:
      ops.append_prelu(prelu_mask);
      break;
    case Activation::sigmoid:
      ops.append_eltwise(act.scale, A::eltwise_logistic, 0.f, 0.f);
      break;
    case Activation::tanh:
      ops.append_eltwise(act.scale, A::eltwise_tanh, 0.f, 0.f);
      break;
    // oneDNN 2.x hardswish is x * relu6(x + 3) / 6 (alpha, beta ignored).
    case Activation::hard_swish:
      ops.append_eltwise(act.scale, A::eltwise_hardswish, 0.f, 0.f);
      break;
    case Activation::elu:
      ops.append_eltwise(act.scale, A::eltwise_elu, 1.f, 0.f);
      break;
    case Activation::swish:
      ops.append_eltwise(act.scale, A::eltwise_swish, 1.f, 0.f);
      break;  // x * sigmoid(1 * x)
  }
  attr.set_post_ops(ops);
  return attr;
}

bool is_reference_impl(const dnnl::primitive_desc_base& pd) { return std::string_view(pd.impl_info_str()).starts_with("ref"); }

dnnl::memory::desc dense_desc(const dnnl::memory::dims& dims) {
  dnnl::memory::dims strides(dims.size(), 1);
  for (std::size_t d = dims.size(); d-- > 1;) strides[d - 1] = strides[d] * dims[d];
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, strides);
}

void DnnlPrimitive::init(dnnl::primitive primitive, const dnnl::memory::desc& scratchpad) {
  primitive_ = std::move(primitive);
  const_dnnl_primitive_desc_t pd = primitive_.get_primitive_desc();
  const char* info = nullptr;
  if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &info) == dnnl_success && info) implementation_ = info;
  scratchpad_bytes_ = scratchpad.get_size();
  if (scratchpad_bytes_) {
    scratchpad_ = dnnl::memory(scratchpad, dnnl_engine(), DNNL_MEMORY_NONE);
    args_[DNNL_ARG_SCRATCHPAD] = scratchpad_;
    dnnl_scratchpad(scratchpad_bytes_);  // grow now, on the preparing thread, not in run()
  }
}

int DnnlPrimitive::add_runtime(int arg, const dnnl::memory::desc& md) {
  dnnl::memory m(md, dnnl_engine(), DNNL_MEMORY_NONE);
  args_[arg] = m;
  runtime_.push_back(m);
  return static_cast<int>(runtime_.size()) - 1;
}

int DnnlPrimitive::add_input(int arg, const dnnl::memory::desc& md, const Tensor* constant) {
  if (!constant) return add_runtime(arg, md);
  kept_.push_back(*constant);
  args_[arg] = dnnl::memory(md, dnnl_engine(), const_cast<void*>(kept_.back().raw()));
  return -1;
}

int DnnlPrimitive::add_weights(int arg, const dnnl::memory::desc& user, const dnnl::memory::desc& wanted, const Tensor* constant) {
  if (constant) {
    dnnl::memory from(user, dnnl_engine(), const_cast<void*>(constant->raw()));
    dnnl::memory to(wanted, dnnl_engine());  // owned by oneDNN, freed with the op
    dnnl::reorder(from, to).execute(dnnl_stream(), from, to);
    dnnl_stream().wait();
    args_[arg] = to;
    return -1;
  }
  if (user == wanted) return add_runtime(arg, user);
  // Weights computed by the graph (rare): reorder every run into a buffer allocated now.
  dnnl::memory from(user, dnnl_engine(), DNNL_MEMORY_NONE);
  dnnl::memory to(wanted, dnnl_engine());
  reorders_.push_back({dnnl::reorder(dnnl::reorder::primitive_desc(from, to)), from, to});
  args_[arg] = to;
  runtime_.push_back(from);
  return static_cast<int>(runtime_.size()) - 1;
}

void DnnlPrimitive::execute() {
  dnnl::stream& stream = dnnl_stream();
  if (scratchpad_bytes_) scratchpad_.set_data_handle(dnnl_scratchpad(scratchpad_bytes_));
  for (RuntimeReorder& r : reorders_) r.reorder.execute(stream, r.from, r.to);
  primitive_.execute(stream, args_);
  stream.wait();  // a no-op on the CPU runtime; keeps the contract if that changes
}

}  // namespace easel::nn
