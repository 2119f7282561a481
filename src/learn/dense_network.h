// A stack of dense layers that trains as TF.js layers does: the heads of transfer learning
// (Teachable Machine's Dense(100, relu) + Dense(classes, softmax, no bias)) and ml5's
// neuralNetwork. The maths follow TF.js step for step (categorical cross-entropy on
// normalised, clipped probabilities; mean squared error; SGD; Adam with TF.js's epsilon and
// bias correction), so that the same weights, data and batch order end with the same weights
// (tests/dense_network_test.cpp trains both). Matrix products go through oneDNN's sgemm.
#pragma once

#include <cstdint>
#include <vector>

namespace easel::learn {

enum class Activation { linear, relu, sigmoid, softmax };

struct DenseLayer {
  int inputs = 0, units = 0;
  Activation activation = Activation::linear;
  bool use_bias = true;
  std::vector<float> kernel = {};  // inputs x units, row-major: TF.js's kernel layout
  std::vector<float> bias = {};    // units; empty without a bias
};

enum class Loss { categorical_crossentropy, mean_squared_error };

struct OptimizerOptions {
  enum class Kind { sgd, adam } kind = Kind::adam;
  float learning_rate = 0.001f;
  // Adam, with TF.js's defaults (its epsilon is the backend's, 1e-7).
  float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-7f;
};

class DenseNetwork {
 public:
  // Checks that the layers chain (each one's inputs are the previous one's units) and that
  // every kernel and bias has its size; throws Error(bad_input) naming the layer otherwise.
  DenseNetwork(std::vector<DenseLayer> layers, Loss loss, OptimizerOptions optimizer = {});

  int inputs() const { return layers_.front().inputs; }
  int outputs() const { return layers_.back().units; }
  const std::vector<DenseLayer>& layers() const { return layers_; }

  // The outputs for `rows` examples: x is rows x inputs(), the result rows x outputs().
  std::vector<float> predict(const float* x, std::int64_t rows) const;
  // The mean loss over `rows` examples with their targets (rows x outputs()).
  float loss(const float* x, const float* targets, std::int64_t rows) const;
  // One optimiser step on a batch; returns the batch's mean loss before the step. `outputs`,
  // when given, receives the batch's outputs before the step (rows x outputs()), from which
  // TF.js's fit reports its accuracy.
  float train_batch(const float* x, const float* targets, std::int64_t rows, std::vector<float>* outputs = nullptr);

 private:
  struct Moments {
    std::vector<float> kernel_m, kernel_v, bias_m, bias_v;
  };
  // Every layer's output for the batch (activations[0] is the input, copied).
  void forward(const float* x, std::int64_t rows, std::vector<std::vector<float>>& activations) const;
  void update(std::vector<float>& value, std::vector<float>& m, std::vector<float>& v, const std::vector<float>& gradient,
              float one_minus_beta1_power, float one_minus_beta2_power) const;

  std::vector<DenseLayer> layers_;
  Loss loss_;
  OptimizerOptions optimizer_;
  std::vector<Moments> moments_;
  float beta1_power_, beta2_power_;  // TF.js's accBeta1 and accBeta2 (float32 there too)
};

}  // namespace easel::learn
