#include "nn/ops/conv_common.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace easel::nn {

namespace {

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// An H,W pair given as ints[2], or as TF's NHWC ints[4] ([1,h,w,1]) which importers may
// pass through unchanged.
std::array<std::int64_t, 2> read_pair(const PrepareContext& ctx, const char* name, std::int64_t fallback) {
  std::vector<std::int64_t> v = ctx.node.attrs.get_ints(name, {fallback, fallback});
  if (v.size() == 1) return {v[0], v[0]};
  if (v.size() == 2) return {v[0], v[1]};
  if (v.size() == 4) return {v[1], v[2]};
  ctx.fail(std::string("attribute '") + name + "' must have 2 values (H,W), got " + std::to_string(v.size()));
}

constexpr const char* kActivationNames[] = {"none",    "relu", "relu6",      "leaky_relu", "prelu",
                                            "sigmoid", "tanh", "hard_swish", "elu",        "swish"};

}  // namespace

const char* activation_name(Activation kind) { return kActivationNames[static_cast<int>(kind)]; }

FusedActivation parse_activation(const PrepareContext& ctx) {
  FusedActivation act;
  std::string name = ctx.node.attrs.get_string("activation", "none");
  if (name.empty() || name == "linear") name = "none";
  bool found = false;
  for (int k = 0; k < static_cast<int>(std::size(kActivationNames)); ++k)
    if (name == kActivationNames[k]) {
      act.kind = static_cast<Activation>(k);
      found = true;
    }
  if (!found)
    ctx.fail("unknown activation '" + name + "' (expected none, relu, relu6, leaky_relu, prelu, sigmoid, tanh, hard_swish, elu or swish)");
  act.alpha = static_cast<float>(ctx.node.attrs.get_float("alpha", 0.2));
  act.scale = static_cast<float>(ctx.node.attrs.get_float("activation_scale", 1.0));
  if (act.scale != 1.f && (act.kind == Activation::prelu || act.kind == Activation::none))
    ctx.fail("activation_scale applies to a fused activation other than prelu, not to '" + name + "'");
  return act;
}

void activate_in_place(const FusedActivation& act, const float* slopes, std::int64_t slope_count, std::int64_t channels, float* y,
                       std::int64_t size) {
  if (act.kind == Activation::none || size == 0) return;
  // This is the optimized backend's second pass when oneDNN cannot fuse the activation
  // (prelu, on oneDNN 2.6), so it splits rows over the OpenMP threads for large outputs
  // and keeps the prelu loop free of the switch so that it vectorizes.
  const std::int64_t rows = size / channels;
  if (act.kind == Activation::prelu) {
#pragma omp parallel for if (size >= (1 << 16))
    for (std::int64_t r = 0; r < rows; ++r) {
      float* row = y + r * channels;
      for (std::int64_t c = 0; c < channels; ++c) {
        const float slope = slopes[slope_count > 1 ? c : 0];
        row[c] = row[c] > 0.f ? row[c] : slope * row[c];
      }
    }
    return;
  }
#pragma omp parallel for if (size >= (1 << 16))
  for (std::int64_t r = 0; r < rows; ++r) {
    float* row = y + r * channels;
    for (std::int64_t c = 0; c < channels; ++c) row[c] = activate(act, row[c], 0.f);
  }
}

Window2D parse_window(const PrepareContext& ctx, std::int64_t in_h, std::int64_t in_w, std::int64_t kernel_h, std::int64_t kernel_w,
                      bool with_dilations) {
  Window2D w;
  w.in_h = in_h;
  w.in_w = in_w;
  w.kernel_h = kernel_h;
  w.kernel_w = kernel_w;
  auto strides = read_pair(ctx, "strides", 1);
  w.stride_h = strides[0];
  w.stride_w = strides[1];
  if (with_dilations) {
    auto dilations = read_pair(ctx, "dilations", 1);
    w.dilation_h = dilations[0];
    w.dilation_w = dilations[1];
  }
  if (w.stride_h < 1 || w.stride_w < 1) ctx.fail("strides must be >= 1");
  if (w.dilation_h < 1 || w.dilation_w < 1) ctx.fail("dilations must be >= 1");
  if (kernel_h < 1 || kernel_w < 1) ctx.fail("the window must be at least 1x1");

  std::string padding = upper(ctx.node.attrs.get_string("padding", "VALID"));
  const bool ceil_mode = ctx.node.attrs.get_bool("ceil_mode", false);
  if (ceil_mode && padding != "VALID" && padding != "EXPLICIT") ctx.fail("ceil_mode applies to VALID and EXPLICIT padding only");
  if (padding == "SAME" || padding == "SAME_LOWER") {
    w.out_h = (in_h + w.stride_h - 1) / w.stride_h;
    w.out_w = (in_w + w.stride_w - 1) / w.stride_w;
    std::int64_t total_h = std::max<std::int64_t>((w.out_h - 1) * w.stride_h + w.extent_h() - in_h, 0);
    std::int64_t total_w = std::max<std::int64_t>((w.out_w - 1) * w.stride_w + w.extent_w() - in_w, 0);
    // SAME (TF, ONNX's SAME_UPPER) gives the odd pixel to the bottom/right, SAME_LOWER to
    // the top/left.
    const bool lower = padding == "SAME_LOWER";
    w.pad_top = lower ? total_h - total_h / 2 : total_h / 2;
    w.pad_bottom = total_h - w.pad_top;
    w.pad_left = lower ? total_w - total_w / 2 : total_w / 2;
    w.pad_right = total_w - w.pad_left;
  } else if (padding == "VALID" || padding == "EXPLICIT") {
    if (padding == "EXPLICIT") {
      std::vector<std::int64_t> p = ctx.node.attrs.get_ints("explicit_paddings", {});
      if (p.size() == 8) p = {p[2], p[3], p[4], p[5]};  // TF's NHWC pairs: keep H and W
      if (p.size() != 4) ctx.fail("attribute 'explicit_paddings' must have 4 values (top,bottom,left,right)");
      if (*std::min_element(p.begin(), p.end()) < 0) ctx.fail("explicit_paddings must be >= 0");
      w.pad_top = p[0];
      w.pad_bottom = p[1];
      w.pad_left = p[2];
      w.pad_right = p[3];
    }
    std::int64_t span_h = in_h + w.pad_top + w.pad_bottom - w.extent_h();
    std::int64_t span_w = in_w + w.pad_left + w.pad_right - w.extent_w();
    w.out_h = span_h < 0 ? 0 : span_h / w.stride_h + 1;
    w.out_w = span_w < 0 ? 0 : span_w / w.stride_w + 1;
    if (ceil_mode && span_h >= 0 && span_w >= 0) {
      // ONNX's and PyTorch's ceil_mode: a last window that overhangs the bottom/right edge,
      // as long as it starts inside the input or its top/left padding. The overhang is
      // padding that neither the maximum nor the average counts.
      const auto ceil_out = [](std::int64_t span, std::int64_t stride, std::int64_t in, std::int64_t pad_begin) {
        std::int64_t out = (span + stride - 1) / stride + 1;
        if ((out - 1) * stride >= in + pad_begin) --out;
        return out;
      };
      w.out_h = ceil_out(span_h, w.stride_h, in_h, w.pad_top);
      w.out_w = ceil_out(span_w, w.stride_w, in_w, w.pad_left);
      w.pad_bottom = std::max(w.pad_bottom, (w.out_h - 1) * w.stride_h + w.extent_h() - in_h - w.pad_top);
      w.pad_right = std::max(w.pad_right, (w.out_w - 1) * w.stride_w + w.extent_w() - in_w - w.pad_left);
    }
  } else {
    ctx.fail("padding must be SAME, SAME_LOWER, VALID or EXPLICIT, got '" + padding + "'");
  }
  if (w.out_h < 1 || w.out_w < 1)
    ctx.fail("a " + std::to_string(w.extent_h()) + "x" + std::to_string(w.extent_w()) + " window (dilated) does not fit the " +
             std::to_string(in_h) + "x" + std::to_string(in_w) + " input with this padding");
  return w;
}

Window2D parse_pool_window(const PrepareContext& ctx, const Shape& x) {
  if (!ctx.node.attrs.has("ksize")) ctx.fail("attribute 'ksize' is required");
  std::vector<std::int64_t> k = ctx.node.attrs.get_ints("ksize");
  if (k.size() == 4) k = {k[1], k[2]};  // TF's NHWC form [1,kh,kw,1]
  if (k.size() != 2) ctx.fail("attribute 'ksize' must have 2 values (H,W), got " + std::to_string(k.size()));
  const Window2D w = parse_window(ctx, x[1], x[2], k[0], k[1], true);
  if (std::max(w.pad_top, w.pad_bottom) >= w.extent_h() || std::max(w.pad_left, w.pad_right) >= w.extent_w())
    ctx.fail("padding must be smaller than the " + std::to_string(w.extent_h()) + "x" + std::to_string(w.extent_w()) + " window");
  return w;
}

void expect_float_input(const PrepareContext& ctx, int i, const char* what, int rank) {
  if (!ctx.has_input(i)) ctx.fail(std::string("input ") + std::to_string(i) + " (" + what + ") is missing");
  auto idx = static_cast<std::size_t>(i);
  if (ctx.input_dtypes[idx] != DType::f32) ctx.fail(std::string(what) + " must be float32, got " + to_string(ctx.input_dtypes[idx]));
  auto r = static_cast<int>(ctx.input_shapes[idx].size());
  if (rank >= 0 && r != rank)
    ctx.fail(std::string(what) + " must have rank " + std::to_string(rank) + ", got shape " + to_string(ctx.input_shapes[idx]));
  if (rank < 0 && r < 2) ctx.fail(std::string(what) + " must have rank >= 2, got shape " + to_string(ctx.input_shapes[idx]));
}

EpilogueInputs check_epilogue_inputs(const PrepareContext& ctx, int bias_input, int prelu_input, std::int64_t channels,
                                     const FusedActivation& act) {
  EpilogueInputs e;
  if (ctx.has_input(bias_input)) {
    auto idx = static_cast<std::size_t>(bias_input);
    if (ctx.input_dtypes[idx] != DType::f32) ctx.fail("bias must be float32, got " + std::string(to_string(ctx.input_dtypes[idx])));
    if (num_elements(ctx.input_shapes[idx]) != channels)
      ctx.fail("bias must have " + std::to_string(channels) + " elements (one per output channel), got shape " +
               to_string(ctx.input_shapes[idx]));
    e.has_bias = true;
  }
  bool has_slopes = ctx.has_input(prelu_input);
  if (act.kind == Activation::prelu && !has_slopes)
    ctx.fail("activation prelu needs its slopes as input " + std::to_string(prelu_input) + " (prelu_alpha)");
  if (act.kind != Activation::prelu && has_slopes)
    ctx.fail("input " + std::to_string(prelu_input) + " (prelu_alpha) is given but the activation is " + activation_name(act.kind));
  if (has_slopes) {
    auto idx = static_cast<std::size_t>(prelu_input);
    if (ctx.input_dtypes[idx] != DType::f32) ctx.fail("prelu_alpha must be float32, got " + std::string(to_string(ctx.input_dtypes[idx])));
    std::int64_t n = num_elements(ctx.input_shapes[idx]);
    const Shape& s = ctx.input_shapes[idx];
    // Broadcast over the channels only: one slope, or one per channel (the last dimension).
    if (!(n == 1 || (n == channels && !s.empty() && s.back() == channels)))
      ctx.fail("prelu_alpha must have 1 or " + std::to_string(channels) + " (per channel) elements, got shape " + to_string(s));
    e.prelu_slopes = n;
  }
  return e;
}

}  // namespace easel::nn
