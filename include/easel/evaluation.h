// How good is my model, and how much data does it need? Accuracy, per-class accuracy, the
// confusion matrix and the misclassified files on examples the model never saw; k-fold
// cross-validation; and the learning curve (accuracy against examples per class).
//
//   auto extractor = easel::FeatureExtractor::create();
//   auto test = easel::Dataset::from_folders({{"cat", "test/cats"}, {"dog", "test/dogs"}});
//   auto model = easel::TrainedClassifier::load("pets.easel");
//   easel::Evaluation result = easel::evaluate(model, easel::extract_examples(extractor, test));
//   std::printf("%s", easel::to_text(result).c_str());      // accuracy 0.93, per class, matrix
//   easel::save_confusion_png(result, "confusion.png");
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "easel/training.h"

namespace easel {

// The model on examples with known classes. Their classes are matched to the model's by
// name; a class the model does not know is an error (Error(bad_input) naming it).
Evaluation evaluate(const TrainedClassifier& model, const Examples& examples);

// k-fold cross-validation (Wekinator's accuracy): each class is shuffled and dealt into k
// folds; each fold is classified by a model trained on the others (with no further
// validation split). The result covers every example once.
Evaluation cross_validate(const Examples& examples, int folds, TrainOptions options = {});

struct LearningCurvePoint {
  int per_class = 0;                // training examples per class
  std::vector<double> accuracies;   // on the test examples, one per seed
  double mean() const;
};

// For each count, `seeds` models trained on that many random examples per class of `train`
// (no validation split), each scored on all of `test`.
std::vector<LearningCurvePoint> learning_curve(const Examples& train, const Examples& test, const std::vector<int>& per_class,
                                               int seeds = 3, TrainOptions options = {});

std::string to_text(const Evaluation& result);  // accuracy, per class, the matrix, the first mistakes
std::string to_json(const Evaluation& result);  // everything, the mistakes' files included
// Pictures a person would want to look at, written atomically as PNG.
void save_confusion_png(const Evaluation& result, const std::filesystem::path& file);
void save_learning_curve_png(const std::vector<LearningCurvePoint>& curve, const std::filesystem::path& file,
                             const std::string& title = "accuracy against examples per class");

}  // namespace easel
