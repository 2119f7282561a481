// TrainedClassifier's inside, shared by training.cpp (train, save, load) and
// teachable_machine.cpp (export and import of Teachable Machine's TF.js layout).
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <random>
#include <vector>

#include "easel/error.h"
#include "easel/knn_classifier.h"
#include "easel/training.h"
#include "learn/dense_network.h"

namespace easel {

namespace learn {
// Teachable Machine's split of examples into training and held-out rows: each class
// shuffled, its last ceil(fraction) held out (a class always keeps one example to train
// on), then each side shuffled once. TrainedClassifier::train splits this way with its
// seed's generator, first thing; a caller given the same seed gets the very rows a trained
// model held out (the studio's learning curve checks on them).
struct HoldoutSplit {
  std::vector<std::size_t> train, validation;
};
HoldoutSplit holdout_split(const Examples& examples, float fraction, std::mt19937& rng);
}  // namespace learn

struct TrainedClassifier::Impl {
  std::vector<std::string> labels;
  std::string extractor, extractor_checksum;
  int length = 0;
  std::optional<learn::DenseNetwork> network;  // the trained head, or
  std::optional<KnnClassifier> knn;            // the examples a KNN compares with
  Examples knn_examples;                       // (kept to be saved)
  int k = 0;
  std::vector<EpochReport> history;
  Evaluation validation;
  nlohmann::json training;  // the options it was trained with, for the file

  std::vector<float> probabilities(std::span<const float> x) const {
    if (static_cast<int>(x.size()) != length)
      throw Error(ErrorCode::bad_input, "The model takes " + std::to_string(length) + " features, not " + std::to_string(x.size()) +
                                            " (features of '" + extractor + "').");
    if (network) return network->predict(x.data(), 1);
    const KnnResult r = knn->classify(x, k);
    std::vector<float> p(labels.size(), 0.f);
    for (const Classification& c : r.confidences) {
      const auto it = std::find(labels.begin(), labels.end(), c.label);
      if (it != labels.end()) p[static_cast<std::size_t>(it - labels.begin())] = c.confidence;
    }
    return p;
  }
};

}  // namespace easel
