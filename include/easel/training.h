// Train your own classifier from a few examples, as Teachable Machine does: every example
// becomes a feature vector (FeatureExtractor), and a small head learns your classes on top.
// The head is Teachable Machine's (Dense(100, relu), Dense(classes, softmax), Adam, 50
// epochs, batches of 16, 15% of each class held out) or, with knn > 0, ml5's KNN.
//
//   auto data = easel::Dataset::from_folders({{"cat", "photos/cats"}, {"dog", "photos/dogs"}});
//   auto extractor = easel::FeatureExtractor::create();
//   easel::Examples examples = easel::extract_examples(extractor, data);
//   auto model = easel::TrainedClassifier::train(examples);
//   std::printf("validation accuracy %.2f\n", model.validation().accuracy());
//   model.save("pets.easel");   // easel::ImageClassifier opens it like any model
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "easel/classification.h"
#include "easel/dataset.h"
#include "easel/feature_extractor.h"

namespace easel {

// Labelled feature vectors: what the trainers learn from.
struct Examples {
  std::string extractor;                     // the FeatureExtractor's name (checked when a model meets examples)
  std::string extractor_checksum;            // and its checksum
  std::vector<std::string> labels;           // class names
  int length = 0;                            // values per example
  std::vector<float> features;               // size() rows of `length` values
  std::vector<int> classes;                  // per example: index into labels
  std::vector<std::string> sources;          // per example: the file it came from ("" if none)
  std::vector<SkippedFile> skipped;          // files that gave no example, with the reason

  std::size_t size() const { return classes.size(); }
  std::span<const float> row(std::size_t i) const {
    return {features.data() + i * static_cast<std::size_t>(length), static_cast<std::size_t>(length)};
  }
  // Adds an example (the first one sets length; a new label becomes a new class).
  void add(std::span<const float> values, const std::string& label, std::string source = {});
  // The examples at these positions, with the same labels.
  Examples subset(const std::vector<std::size_t>& rows) const;
  std::vector<int> counts() const;  // examples per class
};

struct ExtractOptions {
  // Features are kept on disk by the file's content and the extractor, so that retraining
  // never decodes a photo twice. Empty: $EASEL_FEATURE_CACHE, else ~/.cache/easel/features.
  std::filesystem::path cache_dir;
  bool use_cache = true;
  // Called after each file: (files done, files in all).
  std::function<void(std::size_t, std::size_t)> progress = {};
};

// Features of every file of a dataset (a recording: one example per window the extractor
// hears, sound_windows()); files that cannot be decoded land in
// Examples::skipped with the reason, as do the dataset's own skipped files.
Examples extract_examples(FeatureExtractor& extractor, const Dataset& data, const ExtractOptions& options = {});

struct EpochReport {
  int epoch = 0, epochs = 0;     // 1-based
  float loss = 0, accuracy = 0;  // on the training examples, as TF.js's fit reports them
  bool has_validation = false;
  float validation_loss = 0, validation_accuracy = 0;
};

struct TrainOptions {
  int epochs = 50;
  int batch_size = 16;
  float learning_rate = 0.001f;
  int hidden_units = 100;           // Teachable Machine's Dense(100, relu); 0: no hidden layer
  float validation_fraction = 0.15f;  // of each class, rounded up (Teachable Machine's split)
  int knn = 0;                      // > 0: a KNN classifier with this k instead of a trained head
  int patience = 0;                 // > 0: stop when the validation loss has not improved for this many epochs
  std::uint32_t seed = 1;           // the shuffles and initial weights
  std::function<void(const EpochReport&)> on_epoch = {};
  // Retraining: start from this model's weights (a classifier trained before, or a Teachable
  // Machine export opened with import_teachable_machine). Its classes keep their weights; a
  // new class starts fresh. It must be a trained head on the same features with the same
  // hidden layer.
  const class TrainedClassifier* start_from = nullptr;
};

struct Mistake {
  std::string source;      // the example's file
  int expected = 0;        // its class
  int predicted = 0;       // what the model said
  float confidence = 0;    // how sure it was
};

// How a classifier did on labelled examples. evaluation.h computes and draws them.
struct Evaluation {
  std::vector<std::string> labels;
  std::vector<std::vector<int>> confusion;  // [true class][predicted class]: example counts
  std::vector<Mistake> mistakes;            // every misclassified example

  int total() const;
  int correct() const;
  double accuracy() const;  // correct / total; 0 without examples
  // Per class: the share of its examples classified right (NaN for a class with none).
  std::vector<double> class_accuracy() const;
};

class TrainedClassifier {
 public:
  // Trains on `examples`. Throws Error(bad_input) for fewer than two classes, a class with
  // no example, or bad options.
  static TrainedClassifier train(const Examples& examples, const TrainOptions& options = {});
  // Opens a MODEL.easel file. Throws Error(bad_model) naming the file and what is wrong.
  static TrainedClassifier load(const std::filesystem::path& file);
  ~TrainedClassifier();
  TrainedClassifier(TrainedClassifier&&) noexcept;
  TrainedClassifier& operator=(TrainedClassifier&&) noexcept;

  // Writes MODEL.easel atomically: a failed save leaves the previous file as it was.
  void save(const std::filesystem::path& file) const;

  // Teachable Machine's TF.js layout in `dir`: model.json (a Sequential of the extractor's
  // base and this head), weights.bin and metadata.json, as the Teachable Machine page
  // exports and @teachablemachine/image loads. Needs a trained head (not KNN) on the
  // features of a Teachable Machine export (tm-image-2019, the default).
  void export_teachable_machine(const std::filesystem::path& dir) const;
  // Opens a Teachable Machine image export (its folder or model.json) as a trained head on
  // the base easel knows (checked weight by weight), to predict or to retrain with more
  // classes or examples (TrainOptions::start_from).
  static TrainedClassifier import_teachable_machine(const std::filesystem::path& path);

  // Every class's probability (KNN: its share of the votes), in labels() order.
  std::vector<float> probabilities(std::span<const float> features) const;
  // The top_k classes, most confident first.
  std::vector<Classification> classify(std::span<const float> features, int top_k = 3) const;

  const std::vector<std::string>& labels() const;
  const std::string& extractor() const;           // the FeatureExtractor it was trained on
  const std::string& extractor_checksum() const;
  int feature_length() const;
  bool is_knn() const;
  const std::vector<EpochReport>& history() const;  // one report per epoch trained
  TrainOptions options() const;                      // what it was trained with (no callbacks)
  const Evaluation& validation() const;            // on the held-out examples (empty if none)

  struct Impl;  // easel's own (src/learn)
  const Impl& internals() const { return *impl_; }

 private:
  explicit TrainedClassifier(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel
