// A k-nearest-neighbours classifier over feature vectors, as ml5's KNNClassifier (and the
// TF.js knn-classifier under it): examples are kept at unit length, neighbours are the most
// cosine-similar, and a class's confidence is its share of the k votes. Saves and loads
// ml5's JSON file, so a model made in the browser opens here and the other way round.
//
//   easel::KnnClassifier knn;
//   knn.add_example(std::vector<float>{1, 0, 0}, "red");
//   knn.add_example(std::vector<float>{0, 1, 0}, "green");
//   knn.add_example(std::vector<float>{0.9f, 0.2f, 0}, "red");
//   easel::KnnResult r = knn.classify(std::vector<float>{0.8f, 0.1f, 0});
//   std::printf("%s %.2f\n", r.label.c_str(), r.confidence);  // red 0.67
//   knn.save("myKNN.json");
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "easel/classification.h"

namespace easel {

struct KnnResult {
  std::string label;     // the class with the most votes (the first one added wins a tie)
  float confidence = 0;  // its votes / k
  int class_index = 0;   // its index in labels()
  // Every class's share of the votes, in the order of labels().
  std::vector<Classification> confidences;
};

class KnnClassifier {
 public:
  KnnClassifier();
  ~KnnClassifier();
  KnnClassifier(KnnClassifier&&) noexcept;
  KnnClassifier& operator=(KnnClassifier&&) noexcept;

  // Adds an example of `label` (a new label becomes a new class). Every example has the
  // length of the first; a vector of zeros has no direction and is refused.
  void add_example(std::span<const float> features, const std::string& label);
  // The k most similar examples vote (k is capped at the number of examples; ml5's default
  // is 3). Throws Error(bad_input) before any example is added.
  KnnResult classify(std::span<const float> features, int k = 3) const;

  // The classes in the order they were added, and how many examples each holds.
  std::vector<std::string> labels() const;
  std::map<std::string, std::int64_t> count_by_label() const;
  std::int64_t example_count() const;
  int feature_length() const;  // 0 before the first example
  void clear_label(const std::string& label);
  void clear_all_labels();

  // ml5's file: {"dataset": {"0": {"label": ..., "shape": [n, d], "dtype": "float32", ...}, ...},
  // "tensors": [{"0": x, "1": y, ...}, ...]}. Written atomically; an old file survives a
  // failed save.
  void save(const std::filesystem::path& file) const;
  static KnnClassifier load(const std::filesystem::path& file);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel
