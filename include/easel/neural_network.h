// ml5's neuralNetwork in C++: a small network learns from rows of numbers and words (a
// table, a CSV file, keypoints) to classify or to predict numbers. The same defaults as
// ml5 (one hidden layer of 16, learning rate 0.2, SGD to classify and Adam to predict, 10
// epochs of 32, 10% held out), the same min-max normalisation and one-hot words, and the
// same three files when saved, so a model saved by ml5 opens here and the other way round.
//
//   easel::NeuralNetwork nn({.task = easel::NeuralNetworkTask::classification});
//   nn.add_data({{"r", 255.0}, {"g", 0.0}, {"b", 0.0}}, {{"color", "red"}});
//   nn.add_data({{"r", 0.0}, {"g", 0.0}, {"b", 255.0}}, {{"color", "blue"}});
//   nn.normalize_data();
//   nn.train({.epochs = 50});
//   auto results = nn.classify({{"r", 250.0}, {"g", 10.0}, {"b", 5.0}});
//   std::printf("%s %.2f\n", results[0].label.c_str(), results[0].confidence);  // red 0.97
//   nn.save("model");   // model.json, model.weights.bin, model_meta.json
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "easel/classification.h"
#include "easel/training.h"

namespace easel {

// A value in a row of data: a number, or a word ("red") that becomes a one-hot group.
using DataValue = std::variant<double, std::string>;
// Named values, in order: {{"r", 255.0}, {"g", 0.0}, {"b", 0.0}}.
using DataRow = std::vector<std::pair<std::string, DataValue>>;

enum class NeuralNetworkTask { classification, regression };

struct NeuralNetworkOptions {
  NeuralNetworkTask task = NeuralNetworkTask::classification;
  int hidden_units = 16;
  float learning_rate = 0.2f;  // ml5's: SGD's to classify, Adam's to predict numbers
  std::uint32_t seed = 1;      // initial weights and the shuffles of training
};

struct NeuralNetworkTrainOptions {
  int epochs = 10;
  int batch_size = 32;
  float validation_split = 0.1f;  // the last 10% of the rows, as TF.js's fit holds them out
  bool shuffle = true;            // the training rows, every epoch
  std::function<void(const EpochReport&)> on_epoch = {};
};

// One predicted number (regression), in the units of the data it learnt from.
struct Prediction {
  std::string label;  // the output's name
  float value = 0;
};

class NeuralNetwork {
 public:
  explicit NeuralNetwork(const NeuralNetworkOptions& options = {});
  ~NeuralNetwork();
  NeuralNetwork(NeuralNetwork&&) noexcept;
  NeuralNetwork& operator=(NeuralNetwork&&) noexcept;

  // A row of data. Every row has the first row's names (in any order) and kinds of value.
  void add_data(const DataRow& inputs, const DataRow& outputs);
  // ml5's arrays: nn.addData([0.2, 0.7], [1.5]). The columns are named "0", "1", ... and the
  // outputs "out0", "out1", ...; a label (classification) in place of the numbers.
  void add_data(const std::vector<double>& inputs, const std::vector<double>& outputs);
  void add_data(const std::vector<double>& inputs, const std::string& label);
  // Rows from a CSV file with a header line (numbers where a column holds only numbers),
  // or from JSON (ml5's saveData(): {"data": [{"xs": {...}, "ys": {...}}]}, or a list of
  // objects); `inputs` and `outputs` name the columns.
  void load_data(const std::filesystem::path& file, const std::vector<std::string>& inputs, const std::vector<std::string>& outputs);
  std::size_t data_size() const;

  // Scales every number to 0..1 by its column's min and max (kept for prediction).
  void normalize_data();
  // Trains from the rows added; returns one report per epoch. Throws Error(bad_input) with
  // no data or a classification with one class.
  std::vector<EpochReport> train(const NeuralNetworkTrainOptions& options = {});

  // Classification: every class, most confident first.
  std::vector<Classification> classify(const DataRow& inputs) const;
  std::vector<Classification> classify(const std::vector<double>& inputs) const;  // in the columns' order
  // Regression: one value per output.
  std::vector<Prediction> predict(const DataRow& inputs) const;
  std::vector<Prediction> predict(const std::vector<double>& inputs) const;

  // Classification: the network on every row of a CSV or JSON file holding its input and
  // output columns (accuracy, per class, the confusion matrix; mistakes named "line N").
  Evaluation evaluate(const std::filesystem::path& file) const;

  // ml5's save: FOLDER/NAME.json, NAME.weights.bin and NAME_meta.json, each atomically.
  void save(const std::filesystem::path& folder, const std::string& name = "model") const;
  // Opens an ml5 save: its model.json (or its folder), with the weights and the _meta.json
  // beside it. Throws Error(bad_model) naming the file and what is wrong.
  static NeuralNetwork load(const std::filesystem::path& path);

  NeuralNetworkTask task() const;
  std::vector<std::string> labels() const;       // classification: the classes, in output order
  std::vector<std::string> input_names() const;  // the input columns, in order

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The columns a CSV file's header names, or the keys of a JSON file's first row.
std::vector<std::string> data_columns(const std::filesystem::path& file);

}  // namespace easel
