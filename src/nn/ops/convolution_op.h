// The machinery conv2d and depthwise_conv2d share once their attributes are read: both
// are a grouped convolution of NHWC x with an HWIO filter (a depthwise filter
// [KH,KW,C,M] is, byte for byte, the grouped filter [KH,KW,1,C*M] with groups = C),
// plus bias and a fused activation. Inputs: x, filter, bias?, prelu_alpha?.
#pragma once

#include <vector>

#include "nn/op.h"
#include "nn/ops/conv_common.h"
#include "nn/ops/conv_dnnl.h"
#include "nn/ops/reference/conv_reference.h"

namespace easel::nn {

// The convolutions conv2d and depthwise_conv2d describe: x (input 0, rank 4) under the
// filter (input 1, rank 4, TF layout). The caller checks the dtypes.
reference::ConvShape describe_conv2d(const PrepareContext& ctx);
reference::ConvShape describe_depthwise_conv2d(const PrepareContext& ctx);

class ConvolutionOp : public Op {
 public:
  explicit ConvolutionOp(Backend backend) : backend_(backend) {}
  void prepare(PrepareContext& ctx) final;
  void run(RunContext& ctx) final;
  double flops() const final;

 protected:
  // Validates x and the filter (inputs 0, 1) and returns the convolution they describe.
  virtual reference::ConvShape describe(const PrepareContext& ctx) const = 0;

 private:
  void prepare_dnnl(const PrepareContext& ctx);
  void prepare_im2col(const PrepareContext& ctx);
  void im2col(const float* x, float* columns) const;

  Backend backend_;
  bool use_dnnl_ = false;
  reference::ConvShape shape_;
  FusedActivation activation_;
  EpilogueInputs epilogue_;
  // Backend::optimized
  DnnlPrimitive primitive_;
  // A single-channel input with a large kernel (CREPE's 512-tap first layer on raw audio)
  // runs as im2col + one matmul: oneDNN's direct convolution reaches a fifth of the speed.
  bool use_im2col_ = false;
  std::vector<float> columns_;  // [N*OH*OW, KH*KW*C]
  ConvArgs args_;
};

}  // namespace easel::nn
