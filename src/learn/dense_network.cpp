#include "learn/dense_network.h"

#include <oneapi/dnnl/dnnl.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "easel/error.h"

namespace easel::learn {
namespace {

// TF.js layers' epsilon(): the clip of probabilities before the log.
constexpr float kProbabilityEpsilon = 1e-7f;

std::string layer_name(std::size_t i) { return "dense layer " + std::to_string(i + 1); }

// c = a (m x k) * b (k x n), row-major; a or b read transposed when asked.
void matmul(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k, const float* a, const float* b, float* c) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    std::fill(c, c + m * n, 0.f);
    return;
  }
  // A training step's products are small (a batch of 16 through 1280 x 100 is 2 million
  // multiply-adds): waking OpenMP's threads for them costs more than they save, so they run
  // on the calling thread.
  const bool small = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) < 16e6;
  const int threads = omp_get_max_threads();
  if (small && threads > 1) omp_set_num_threads(1);
  const dnnl_status_t status =
      dnnl_sgemm(transpose_a ? 'T' : 'N', transpose_b ? 'T' : 'N', m, n, k, 1.f, a, transpose_a ? m : k, b, transpose_b ? k : n, 0.f, c, n);
  if (small && threads > 1) omp_set_num_threads(threads);
  if (status != dnnl_success) throw Error(ErrorCode::internal, "oneDNN's sgemm failed (status " + std::to_string(status) + ").");
}

void activate(Activation activation, std::int64_t rows, int units, float* z) {
  const std::int64_t count = rows * units;
  switch (activation) {
    case Activation::linear:
      return;
    case Activation::relu:
      for (std::int64_t i = 0; i < count; ++i) z[i] = std::max(z[i], 0.f);
      return;
    case Activation::sigmoid:
      for (std::int64_t i = 0; i < count; ++i) z[i] = 1.f / (1.f + std::exp(-z[i]));
      return;
    case Activation::softmax:
      // As TF.js: exp(z - logsumexp(z)).
      for (std::int64_t r = 0; r < rows; ++r) {
        float* row = z + r * units;
        const float top = *std::max_element(row, row + units);
        float sum = 0;
        for (int j = 0; j < units; ++j) sum += std::exp(row[j] - top);
        const float log_sum = top + std::log(sum);
        for (int j = 0; j < units; ++j) row[j] = std::exp(row[j] - log_sum);
      }
      return;
  }
}

// Per example: categorical cross-entropy on probabilities normalised to sum 1 and clipped
// to [eps, 1 - eps], or the mean squared error over the outputs. The loss of the batch is
// their mean.
float mean_loss(Loss loss, const float* out, const float* targets, std::int64_t rows, int units) {
  double total = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* p = out + r * units;
    const float* y = targets + r * units;
    float example = 0;
    if (loss == Loss::categorical_crossentropy) {
      float sum = 0;
      for (int j = 0; j < units; ++j) sum += p[j];
      for (int j = 0; j < units; ++j) example -= y[j] * std::log(std::clamp(p[j] / sum, kProbabilityEpsilon, 1.f - kProbabilityEpsilon));
    } else {
      for (int j = 0; j < units; ++j) example += (p[j] - y[j]) * (p[j] - y[j]);
      example /= static_cast<float>(units);
    }
    total += example;
  }
  return static_cast<float>(total / static_cast<double>(rows));
}

// d(mean loss)/d(output) for the batch, through the normalisation and the clip as TF.js's
// gradients go (the clip passes the gradient only inside [eps, 1 - eps]).
void loss_gradient(Loss loss, const float* out, const float* targets, std::int64_t rows, int units, float* grad) {
  const float per_row = 1.f / static_cast<float>(rows);
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* p = out + r * units;
    const float* y = targets + r * units;
    float* g = grad + r * units;
    if (loss == Loss::mean_squared_error) {
      for (int j = 0; j < units; ++j) g[j] = 2.f * (p[j] - y[j]) / static_cast<float>(units) * per_row;
      continue;
    }
    float sum = 0;
    for (int j = 0; j < units; ++j) sum += p[j];
    float dot = 0;  // sum over j of d/dq_j * q_j, q = p / sum
    for (int j = 0; j < units; ++j) {
      const float q = p[j] / sum;
      g[j] = q >= kProbabilityEpsilon && q <= 1.f - kProbabilityEpsilon ? -y[j] / q * per_row : 0.f;
      dot += g[j] * q;
    }
    for (int j = 0; j < units; ++j) g[j] = (g[j] - dot) / sum;
  }
}

// Turns d/d(output) into d/d(pre-activation) in place; `out` is the activation's output.
void activation_gradient(Activation activation, const float* out, std::int64_t rows, int units, float* grad) {
  const std::int64_t count = rows * units;
  switch (activation) {
    case Activation::linear:
      return;
    case Activation::relu:
      for (std::int64_t i = 0; i < count; ++i)
        if (!(out[i] > 0.f)) grad[i] = 0.f;
      return;
    case Activation::sigmoid:
      for (std::int64_t i = 0; i < count; ++i) grad[i] *= out[i] * (1.f - out[i]);
      return;
    case Activation::softmax:
      for (std::int64_t r = 0; r < rows; ++r) {
        const float* y = out + r * units;
        float* g = grad + r * units;
        float dot = 0;
        for (int j = 0; j < units; ++j) dot += g[j] * y[j];
        for (int j = 0; j < units; ++j) g[j] = y[j] * (g[j] - dot);
      }
      return;
  }
}

// One Adam step over n weights, in TF.js's order of operations. Most of a training step's
// time is here (every weight, every step), so the loop is built for AVX-512, AVX2 and the
// baseline, the best chosen when the library loads; pointers that cannot alias let GCC
// vectorise it.
__attribute__((target_clones("avx512f", "avx2", "default"))) void adam_step(float* __restrict w, float* __restrict m, float* __restrict v,
                                                                            const float* __restrict g, std::size_t n, float b1, float b2,
                                                                            float eps, float lr, float one_minus_b1_power,
                                                                            float one_minus_b2_power) {
  for (std::size_t i = 0; i < n; ++i) {
    m[i] = m[i] * b1 + g[i] * (1.f - b1);
    v[i] = v[i] * b2 + g[i] * g[i] * (1.f - b2);
    const float m_hat = m[i] / one_minus_b1_power, v_hat = v[i] / one_minus_b2_power;
    w[i] += m_hat / (std::sqrt(v_hat) + eps) * -lr;
  }
}

}  // namespace

DenseNetwork::DenseNetwork(std::vector<DenseLayer> layers, Loss loss, OptimizerOptions optimizer)
    : layers_(std::move(layers)), loss_(loss), optimizer_(optimizer), beta1_power_(optimizer.beta1), beta2_power_(optimizer.beta2) {
  if (layers_.empty()) throw Error(ErrorCode::bad_input, "A network needs at least one dense layer.");
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const DenseLayer& l = layers_[i];
    if (l.inputs <= 0 || l.units <= 0)
      throw Error(ErrorCode::bad_input, "The " + layer_name(i) + " has " + std::to_string(l.inputs) + " inputs and " +
                                            std::to_string(l.units) + " units; both must be positive.");
    if (i > 0 && l.inputs != layers_[i - 1].units)
      throw Error(ErrorCode::bad_input, "The " + layer_name(i) + " takes " + std::to_string(l.inputs) +
                                            " inputs, but the layer before gives " + std::to_string(layers_[i - 1].units) + ".");
    if (l.kernel.size() != static_cast<std::size_t>(l.inputs) * static_cast<std::size_t>(l.units))
      throw Error(ErrorCode::bad_input, "The " + layer_name(i) + "'s kernel holds " + std::to_string(l.kernel.size()) + " values, not " +
                                            std::to_string(l.inputs) + " x " + std::to_string(l.units) + ".");
    if (l.bias.size() != (l.use_bias ? static_cast<std::size_t>(l.units) : 0u))
      throw Error(ErrorCode::bad_input, "The " + layer_name(i) + "'s bias holds " + std::to_string(l.bias.size()) + " values, not " +
                                            std::to_string(l.use_bias ? l.units : 0) + ".");
    if (l.activation == Activation::softmax && i + 1 != layers_.size())
      throw Error(ErrorCode::bad_input, "Only the last layer may be a softmax (the " + layer_name(i) + " is one).");
  }
  if (optimizer_.learning_rate <= 0 || !std::isfinite(optimizer_.learning_rate))
    throw Error(ErrorCode::bad_input, "The learning rate must be a positive number, not " + std::to_string(optimizer_.learning_rate) + ".");
  moments_.resize(layers_.size());
  if (optimizer_.kind == OptimizerOptions::Kind::adam)
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      moments_[i].kernel_m.assign(layers_[i].kernel.size(), 0.f);
      moments_[i].kernel_v.assign(layers_[i].kernel.size(), 0.f);
      moments_[i].bias_m.assign(layers_[i].bias.size(), 0.f);
      moments_[i].bias_v.assign(layers_[i].bias.size(), 0.f);
    }
}

void DenseNetwork::forward(const float* x, std::int64_t rows, std::vector<std::vector<float>>& activations) const {
  activations.resize(layers_.size() + 1);
  activations[0].assign(x, x + rows * inputs());
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const DenseLayer& l = layers_[i];
    std::vector<float>& out = activations[i + 1];
    out.resize(static_cast<std::size_t>(rows) * l.units);
    matmul(false, false, rows, l.units, l.inputs, activations[i].data(), l.kernel.data(), out.data());
    if (l.use_bias)
      for (std::int64_t r = 0; r < rows; ++r)
        for (int j = 0; j < l.units; ++j) out[r * l.units + j] += l.bias[j];
    activate(l.activation, rows, l.units, out.data());
  }
}

std::vector<float> DenseNetwork::predict(const float* x, std::int64_t rows) const {
  std::vector<std::vector<float>> activations;
  forward(x, rows, activations);
  return std::move(activations.back());
}

float DenseNetwork::loss(const float* x, const float* targets, std::int64_t rows) const {
  if (rows <= 0) throw Error(ErrorCode::bad_input, "The loss needs at least one example.");
  const std::vector<float> out = predict(x, rows);
  return mean_loss(loss_, out.data(), targets, rows, outputs());
}

void DenseNetwork::update(std::vector<float>& value, std::vector<float>& m, std::vector<float>& v, const std::vector<float>& gradient,
                          float one_minus_beta1_power, float one_minus_beta2_power) const {
  const float lr = optimizer_.learning_rate;
  if (optimizer_.kind == OptimizerOptions::Kind::sgd) {
    for (std::size_t i = 0; i < value.size(); ++i) value[i] -= lr * gradient[i];
    return;
  }
  adam_step(value.data(), m.data(), v.data(), gradient.data(), value.size(), optimizer_.beta1, optimizer_.beta2, optimizer_.epsilon, lr,
            one_minus_beta1_power, one_minus_beta2_power);
}

float DenseNetwork::train_batch(const float* x, const float* targets, std::int64_t rows, std::vector<float>* outputs) {
  if (rows <= 0) throw Error(ErrorCode::bad_input, "A training batch needs at least one example.");
  std::vector<std::vector<float>> activations;
  forward(x, rows, activations);
  const float batch_loss = mean_loss(loss_, activations.back().data(), targets, rows, this->outputs());
  if (outputs) *outputs = activations.back();

  // Backwards through the layers: grad holds d(loss)/d(this layer's output).
  std::vector<float> grad(activations.back().size()), grad_below;
  loss_gradient(loss_, activations.back().data(), targets, rows, this->outputs(), grad.data());
  std::vector<std::vector<float>> kernel_grads(layers_.size()), bias_grads(layers_.size());
  for (std::size_t i = layers_.size(); i-- > 0;) {
    const DenseLayer& l = layers_[i];
    activation_gradient(l.activation, activations[i + 1].data(), rows, l.units, grad.data());
    kernel_grads[i].resize(l.kernel.size());
    matmul(true, false, l.inputs, l.units, rows, activations[i].data(), grad.data(), kernel_grads[i].data());
    if (l.use_bias) {
      bias_grads[i].assign(static_cast<std::size_t>(l.units), 0.f);
      for (std::int64_t r = 0; r < rows; ++r)
        for (int j = 0; j < l.units; ++j) bias_grads[i][j] += grad[r * l.units + j];
    }
    if (i > 0) {
      grad_below.resize(static_cast<std::size_t>(rows) * l.inputs);
      matmul(false, true, rows, l.inputs, l.units, grad.data(), l.kernel.data(), grad_below.data());
      grad.swap(grad_below);
    }
  }
  // Every gradient is taken before any weight moves, as one TF.js optimiser step.
  const float one_minus_b1 = 1.f - beta1_power_, one_minus_b2 = 1.f - beta2_power_;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    update(layers_[i].kernel, moments_[i].kernel_m, moments_[i].kernel_v, kernel_grads[i], one_minus_b1, one_minus_b2);
    if (layers_[i].use_bias) update(layers_[i].bias, moments_[i].bias_m, moments_[i].bias_v, bias_grads[i], one_minus_b1, one_minus_b2);
  }
  if (optimizer_.kind == OptimizerOptions::Kind::adam) beta1_power_ *= optimizer_.beta1, beta2_power_ *= optimizer_.beta2;
  return batch_loss;
}

}  // namespace easel::learn
