#include "easel/training.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <numeric>
#include <optional>
#include <random>

#include "easel/error.h"
#include "easel/knn_classifier.h"
#include "easel/version.h"
#include "learn/dense_network.h"
#include "learn/model_file.h"
#include "learn/tfjs_layers_file.h"
#include "learn/trained_classifier_impl.h"

namespace fs = std::filesystem;

namespace easel {

// --- Examples -------------------------------------------------------------------------

void Examples::add(std::span<const float> values, const std::string& label, std::string source) {
  if (values.empty()) throw Error(ErrorCode::bad_input, "An example needs at least one feature.");
  if (length == 0) length = static_cast<int>(values.size());
  if (static_cast<int>(values.size()) != length)
    throw Error(ErrorCode::bad_input, "An example of '" + label + "' has " + std::to_string(values.size()) + " features; the others have " +
                                          std::to_string(length) + ".");
  auto it = std::find(labels.begin(), labels.end(), label);
  if (it == labels.end()) it = labels.insert(labels.end(), label);
  classes.push_back(static_cast<int>(it - labels.begin()));
  features.insert(features.end(), values.begin(), values.end());
  sources.push_back(std::move(source));
}

Examples Examples::subset(const std::vector<std::size_t>& rows) const {
  Examples out;
  out.extractor = extractor;
  out.extractor_checksum = extractor_checksum;
  out.labels = labels;
  out.length = length;
  out.features.reserve(rows.size() * static_cast<std::size_t>(length));
  for (std::size_t r : rows) {
    const auto v = row(r);
    out.features.insert(out.features.end(), v.begin(), v.end());
    out.classes.push_back(classes.at(r));
    out.sources.push_back(sources.at(r));
  }
  return out;
}

std::vector<int> Examples::counts() const {
  std::vector<int> n(labels.size(), 0);
  for (int c : classes) ++n.at(static_cast<std::size_t>(c));
  return n;
}

// --- Evaluation's sums ------------------------------------------------------------------

int Evaluation::total() const {
  int n = 0;
  for (const auto& row : confusion) n = std::accumulate(row.begin(), row.end(), n);
  return n;
}

int Evaluation::correct() const {
  int n = 0;
  for (std::size_t i = 0; i < confusion.size(); ++i) n += confusion[i][i];
  return n;
}

double Evaluation::accuracy() const { return total() == 0 ? 0.0 : static_cast<double>(correct()) / total(); }

std::vector<double> Evaluation::class_accuracy() const {
  std::vector<double> out;
  for (std::size_t i = 0; i < confusion.size(); ++i) {
    const int n = std::accumulate(confusion[i].begin(), confusion[i].end(), 0);
    out.push_back(n == 0 ? std::nan("") : static_cast<double>(confusion[i][i]) / n);
  }
  return out;
}

// --- TrainedClassifier ------------------------------------------------------------------

namespace {

using Rng = std::mt19937;

template <typename T>
void fisher_yates(std::vector<T>& v, Rng& rng) {
  for (std::size_t i = v.size(); i-- > 1;) std::swap(v[i], v[std::uniform_int_distribution<std::size_t>(0, i)(rng)]);
}

// TF.js's varianceScaling() defaults (scale 1, fan in, normal): a normal of standard
// deviation sqrt(1 / fan_in) truncated at two deviations.
std::vector<float> variance_scaling(int fan_in, int fan_out, Rng& rng) {
  const float deviation = std::sqrt(1.f / static_cast<float>(fan_in));
  std::normal_distribution<float> normal(0.f, deviation);
  std::vector<float> w(static_cast<std::size_t>(fan_in) * static_cast<std::size_t>(fan_out));
  for (float& x : w) do x = normal(rng);
    while (std::abs(x) > 2 * deviation);
  return w;
}

void read_report(const nlohmann::json& h, TrainedClassifier::Impl& m);

int argmax(std::span<const float> p) { return static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin()); }

std::vector<float> one_hot(const Examples& e, const std::vector<std::size_t>& rows) {
  std::vector<float> y(rows.size() * e.labels.size(), 0.f);
  for (std::size_t i = 0; i < rows.size(); ++i) y[i * e.labels.size() + static_cast<std::size_t>(e.classes[rows[i]])] = 1.f;
  return y;
}

std::vector<float> gather(const Examples& e, const std::vector<std::size_t>& rows) {
  std::vector<float> x;
  x.reserve(rows.size() * static_cast<std::size_t>(e.length));
  for (std::size_t r : rows) x.insert(x.end(), e.row(r).begin(), e.row(r).end());
  return x;
}

void check_trainable(const Examples& examples, const TrainOptions& o) {
  if (examples.labels.size() < 2)
    throw Error(ErrorCode::bad_input, "Training needs at least two classes; " + std::string(examples.labels.empty() ? "there are none" : "there is only '" + examples.labels[0] + "'") + ".",
                "Add a second class: a classifier tells classes apart.");
  for (int c : examples.classes)
    if (c < 0 || static_cast<std::size_t>(c) >= examples.labels.size())
      throw Error(ErrorCode::bad_input, "An example's class (" + std::to_string(c) + ") is not one of the " + std::to_string(examples.labels.size()) + " labels.");
  const std::vector<int> n = examples.counts();
  for (std::size_t c = 0; c < n.size(); ++c)
    if (n[c] == 0)
      throw Error(ErrorCode::bad_input, "The class '" + examples.labels[c] + "' has no examples" +
                                            (examples.skipped.empty() ? std::string(".") : " easel could read (see the skipped files)."),
                  "Add examples to it or leave it out.");
  if (examples.features.size() != examples.size() * static_cast<std::size_t>(examples.length) || examples.sources.size() != examples.size())
    throw Error(ErrorCode::bad_input, "The examples' features, classes and sources do not line up.");
  if (o.epochs < 1 || o.batch_size < 1) throw Error(ErrorCode::bad_input, "Epochs and batch size must be at least 1.");
  if (o.hidden_units < 0) throw Error(ErrorCode::bad_input, "The hidden layer's units cannot be negative.");
  if (!(o.validation_fraction >= 0.f && o.validation_fraction < 1.f))
    throw Error(ErrorCode::bad_input, "The validation fraction must be at least 0 and below 1, not " + std::to_string(o.validation_fraction) + ".");
  for (float v : examples.features)
    if (!std::isfinite(v)) throw Error(ErrorCode::bad_input, "An example holds a feature that is not a finite number.");
}

Evaluation score(const TrainedClassifier::Impl& m, const Examples& e, const std::vector<std::size_t>& rows) {
  Evaluation result;
  result.labels = m.labels;
  result.confusion.assign(m.labels.size(), std::vector<int>(m.labels.size(), 0));
  for (std::size_t r : rows) {
    const std::vector<float> p = m.probabilities(e.row(r));
    const int predicted = argmax(p), expected = e.classes[r];
    ++result.confusion[static_cast<std::size_t>(expected)][static_cast<std::size_t>(predicted)];
    if (predicted != expected) result.mistakes.push_back({e.sources[r], expected, predicted, p[static_cast<std::size_t>(predicted)]});
  }
  return result;
}

// Retraining: the earlier model's weights where they fit. Its hidden layer is taken whole;
// each class it knows keeps its column of the output layer, and a new class keeps the
// fresh column it was given.
void start_from(const TrainedClassifier::Impl& from, const TrainedClassifier::Impl& to, std::vector<learn::DenseLayer>& layers) {
  const std::string why = !from.network                         ? "it is a KNN model"
                          : from.extractor != to.extractor || from.extractor_checksum != to.extractor_checksum
                              ? "it was trained on features of '" + from.extractor + "', these come from '" + to.extractor + "'"
                          : from.network->layers().size() != layers.size() ? "its head has another number of layers"
                          : layers.size() == 2 && from.network->layers()[0].units != layers[0].units
                              ? "its hidden layer has " + std::to_string(from.network->layers()[0].units) + " units, not " + std::to_string(layers[0].units)
                              : "";
  if (!why.empty()) throw Error(ErrorCode::bad_input, "Cannot retrain from the given model: " + why + ".");
  const auto& old = from.network->layers();
  for (std::size_t i = 0; i + 1 < layers.size(); ++i) layers[i] = old[i];
  learn::DenseLayer& out = layers.back();
  const learn::DenseLayer& was = old.back();
  for (std::size_t c = 0; c < to.labels.size(); ++c) {
    const auto it = std::find(from.labels.begin(), from.labels.end(), to.labels[c]);
    if (it == from.labels.end()) continue;
    const auto s = static_cast<std::size_t>(it - from.labels.begin());
    for (int i = 0; i < out.inputs; ++i)
      out.kernel[static_cast<std::size_t>(i) * static_cast<std::size_t>(out.units) + c] = was.kernel[static_cast<std::size_t>(i) * static_cast<std::size_t>(was.units) + s];
    if (out.use_bias && was.use_bias) out.bias[c] = was.bias[s];
  }
}

}  // namespace

learn::HoldoutSplit learn::holdout_split(const Examples& examples, float fraction_given, std::mt19937& rng) {
  // Unlike Teachable Machine, a class always keeps one example to train on.
  std::vector<std::vector<std::size_t>> by_class(examples.labels.size());
  for (std::size_t r = 0; r < examples.size(); ++r) by_class[static_cast<std::size_t>(examples.classes[r])].push_back(r);
  HoldoutSplit split;
  // The fraction as the decimal it was written as (0.15f is 0.15000000596...): 15% of 40 is 6.
  const double fraction = std::round(static_cast<double>(fraction_given) * 1e6) / 1e6;
  for (auto& rows : by_class) {
    fisher_yates(rows, rng);
    const auto n = rows.size();
    const auto held = std::min(n - 1, static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(n) - 1e-9)));
    split.train.insert(split.train.end(), rows.begin(), rows.end() - static_cast<std::ptrdiff_t>(held));
    split.validation.insert(split.validation.end(), rows.end() - static_cast<std::ptrdiff_t>(held), rows.end());
  }
  fisher_yates(split.train, rng);
  fisher_yates(split.validation, rng);
  return split;
}

TrainedClassifier::TrainedClassifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TrainedClassifier::~TrainedClassifier() = default;
TrainedClassifier::TrainedClassifier(TrainedClassifier&&) noexcept = default;
TrainedClassifier& TrainedClassifier::operator=(TrainedClassifier&&) noexcept = default;

TrainedClassifier TrainedClassifier::train(const Examples& examples, const TrainOptions& o) {
  check_trainable(examples, o);
  auto impl = std::make_unique<Impl>();
  Impl& m = *impl;
  m.labels = examples.labels;
  m.extractor = examples.extractor;
  m.extractor_checksum = examples.extractor_checksum;
  m.length = examples.length;
  m.training = {{"epochs", o.epochs}, {"batch_size", o.batch_size}, {"learning_rate", o.learning_rate}, {"hidden_units", o.hidden_units},
                {"validation_fraction", o.validation_fraction}, {"knn", o.knn}, {"patience", o.patience}, {"seed", o.seed},
                {"examples", examples.size()}};
  Rng rng(o.seed);

  const auto [train_rows, validation_rows] = learn::holdout_split(examples, o.validation_fraction, rng);

  if (o.knn > 0) {
    m.k = o.knn;
    m.knn.emplace();
    // Class by class, so that the KNN's labels (in the order first added) are examples.labels.
    std::vector<std::size_t> ordered = train_rows;
    std::stable_sort(ordered.begin(), ordered.end(), [&](std::size_t a, std::size_t b) { return examples.classes[a] < examples.classes[b]; });
    m.knn_examples = examples.subset(ordered);
    for (std::size_t i = 0; i < m.knn_examples.size(); ++i)
      m.knn->add_example(m.knn_examples.row(i), m.labels[static_cast<std::size_t>(m.knn_examples.classes[i])]);
    m.validation = score(m, examples, validation_rows);
    return TrainedClassifier(std::move(impl));
  }

  const int classes = static_cast<int>(examples.labels.size());
  std::vector<learn::DenseLayer> layers;
  int inputs = examples.length;
  if (o.hidden_units > 0) {
    layers.push_back({inputs, o.hidden_units, learn::Activation::relu, true, variance_scaling(inputs, o.hidden_units, rng),
                      std::vector<float>(static_cast<std::size_t>(o.hidden_units), 0.f)});
    inputs = o.hidden_units;
  }
  layers.push_back({inputs, classes, learn::Activation::softmax, false, variance_scaling(inputs, classes, rng), {}});
  if (o.start_from) start_from(o.start_from->internals(), m, layers);
  m.network.emplace(std::move(layers), learn::Loss::categorical_crossentropy,
                    learn::OptimizerOptions{.kind = learn::OptimizerOptions::Kind::adam, .learning_rate = o.learning_rate});

  const std::vector<float> x = gather(examples, train_rows), y = one_hot(examples, train_rows);
  const std::vector<float> vx = gather(examples, validation_rows), vy = one_hot(examples, validation_rows);
  const std::size_t batch = static_cast<std::size_t>(o.batch_size), length = static_cast<std::size_t>(examples.length);
  float best_validation_loss = INFINITY;
  int epochs_without_progress = 0;
  std::vector<float> out;
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    // The same batches in the same order every epoch, as Teachable Machine's fitDataset
    // over a dataset shuffled once. Loss and accuracy are the batches' example-weighted means.
    double loss_sum = 0;
    int right = 0;
    for (std::size_t start = 0; start < train_rows.size(); start += batch) {
      const std::size_t rows = std::min(batch, train_rows.size() - start);
      loss_sum += static_cast<double>(m.network->train_batch(x.data() + start * length, y.data() + start * classes,
                                                             static_cast<std::int64_t>(rows), &out)) *
                  static_cast<double>(rows);
      for (std::size_t i = 0; i < rows; ++i)
        right += argmax({out.data() + i * classes, static_cast<std::size_t>(classes)}) == examples.classes[train_rows[start + i]];
    }
    EpochReport report;
    report.epoch = epoch;
    report.epochs = o.epochs;
    report.loss = static_cast<float>(loss_sum / static_cast<double>(train_rows.size()));
    report.accuracy = static_cast<float>(right) / static_cast<float>(train_rows.size());
    if (!validation_rows.empty()) {
      report.has_validation = true;
      const auto n = static_cast<std::int64_t>(validation_rows.size());
      report.validation_loss = m.network->loss(vx.data(), vy.data(), n);
      const std::vector<float> p = m.network->predict(vx.data(), n);
      int ok = 0;
      for (std::size_t i = 0; i < validation_rows.size(); ++i)
        ok += argmax({p.data() + i * classes, static_cast<std::size_t>(classes)}) == examples.classes[validation_rows[i]];
      report.validation_accuracy = static_cast<float>(ok) / static_cast<float>(validation_rows.size());
    }
    m.history.push_back(report);
    if (o.on_epoch) o.on_epoch(report);
    if (o.patience > 0 && report.has_validation) {
      if (report.validation_loss < best_validation_loss) {
        best_validation_loss = report.validation_loss;
        epochs_without_progress = 0;
      } else if (++epochs_without_progress >= o.patience) {
        break;
      }
    }
  }
  m.validation = score(m, examples, validation_rows);
  return TrainedClassifier(std::move(impl));
}

std::vector<float> TrainedClassifier::probabilities(std::span<const float> features) const { return impl_->probabilities(features); }

std::vector<Classification> TrainedClassifier::classify(std::span<const float> features, int top_k) const {
  const std::vector<float> p = probabilities(features);
  std::vector<int> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return p[static_cast<std::size_t>(a)] > p[static_cast<std::size_t>(b)]; });
  std::vector<Classification> out;
  for (int i = 0; i < std::min<int>(std::max(1, top_k), static_cast<int>(order.size())); ++i)
    out.push_back({impl_->labels[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])], p[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])], order[static_cast<std::size_t>(i)]});
  return out;
}

const std::vector<std::string>& TrainedClassifier::labels() const { return impl_->labels; }
const std::string& TrainedClassifier::extractor() const { return impl_->extractor; }
const std::string& TrainedClassifier::extractor_checksum() const { return impl_->extractor_checksum; }
int TrainedClassifier::feature_length() const { return impl_->length; }
bool TrainedClassifier::is_knn() const { return impl_->knn.has_value(); }
const std::vector<EpochReport>& TrainedClassifier::history() const { return impl_->history; }

TrainOptions TrainedClassifier::options() const {
  TrainOptions o;
  const nlohmann::json& t = impl_->training;
  if (!t.is_object()) return o;
  // Read leniently: the file's record of training is information, not the model.
  const auto get = [&t](const char* key, auto fallback) {
    try {
      return t.value(key, fallback);
    } catch (const nlohmann::json::exception&) {
      return fallback;
    }
  };
  o.epochs = get("epochs", o.epochs);
  o.batch_size = get("batch_size", o.batch_size);
  o.learning_rate = get("learning_rate", o.learning_rate);
  o.hidden_units = get("hidden_units", o.hidden_units);
  o.validation_fraction = get("validation_fraction", o.validation_fraction);
  o.knn = get("knn", o.knn);
  o.patience = get("patience", o.patience);
  o.seed = get("seed", o.seed);
  return o;
}
const Evaluation& TrainedClassifier::validation() const { return impl_->validation; }

// --- MODEL.easel ------------------------------------------------------------------------

void TrainedClassifier::save(const fs::path& file) const {
  const Impl& m = *impl_;
  learn::ModelFileWriter writer;
  nlohmann::json h;
  h["format"] = "easel-model";
  h["task"] = "classification";
  h["easel_version"] = version();
  h["labels"] = m.labels;
  h["extractor"] = {{"name", m.extractor}, {"checksum", m.extractor_checksum}, {"length", m.length}};
  h["training"] = m.training;
  if (m.network) {
    h["kind"] = "dense";
    nlohmann::json layers = nlohmann::json::array();
    for (const learn::DenseLayer& l : m.network->layers()) {
      nlohmann::json j = {{"inputs", l.inputs}, {"units", l.units}, {"activation", learn::activation_name(l.activation)}, {"use_bias", l.use_bias},
                          {"kernel", writer.add(l.kernel)}};
      if (l.use_bias) j["bias"] = writer.add(l.bias);
      layers.push_back(j);
    }
    h["layers"] = layers;
  } else {
    h["kind"] = "knn";
    h["knn"] = {{"k", m.k}, {"examples", m.knn_examples.size()}, {"features", writer.add(m.knn_examples.features)},
                {"classes", m.knn_examples.classes}};
  }
  nlohmann::json history = nlohmann::json::array();
  for (const EpochReport& r : m.history) {
    nlohmann::json e = {{"epoch", r.epoch}, {"loss", r.loss}, {"accuracy", r.accuracy}};
    if (r.has_validation) e["validation_loss"] = r.validation_loss, e["validation_accuracy"] = r.validation_accuracy;
    history.push_back(e);
  }
  h["history"] = history;
  h["validation"] = {{"examples", m.validation.total()}, {"accuracy", m.validation.accuracy()}, {"confusion", m.validation.confusion}};
  writer.write(file, h);
}

TrainedClassifier TrainedClassifier::load(const fs::path& file) {
  using T = nlohmann::json::value_t;
  const learn::ModelFileReader r(file);
  const nlohmann::json& h = r.header();
  if (r.field(h, "format", T::string, "the header") != "easel-model") r.fail("it is not an easel model");
  auto impl = std::make_unique<Impl>();
  Impl& m = *impl;
  for (const auto& l : r.field(h, "labels", T::array, "the header")) {
    if (!l.is_string() || l.get<std::string>().empty()) r.fail("a label is not a non-empty string");
    m.labels.push_back(l);
  }
  if (m.labels.size() < 2) r.fail("it has fewer than two classes");
  const auto& ex = r.field(h, "extractor", T::object, "the header");
  m.extractor = r.field(ex, "name", T::string, "extractor");
  m.extractor_checksum = r.field(ex, "checksum", T::string, "extractor");
  const auto length = r.field(ex, "length", T::number_integer, "extractor").get<std::int64_t>();
  if (length < 1 || length > (1 << 20)) r.fail("its feature length " + std::to_string(length) + " is out of range");
  m.length = static_cast<int>(length);
  if (h.contains("training")) m.training = h["training"];
  const std::string kind = r.field(h, "kind", T::string, "the header");
  if (kind == "dense") {
    std::vector<learn::DenseLayer> layers;
    const auto& list = r.field(h, "layers", T::array, "the header");
    if (list.empty() || list.size() > 16) r.fail("it has " + std::to_string(list.size()) + " layers");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string where = "layer " + std::to_string(i + 1);
      learn::DenseLayer l;
      const auto inputs = r.field(list[i], "inputs", T::number_integer, where).get<std::int64_t>();
      const auto units = r.field(list[i], "units", T::number_integer, where).get<std::int64_t>();
      if (inputs < 1 || units < 1 || inputs > (1 << 20) || units > (1 << 20)) r.fail(where + " has an impossible size");
      l.inputs = static_cast<int>(inputs);
      l.units = static_cast<int>(units);
      const std::string a = r.field(list[i], "activation", T::string, where);
      if (!learn::activation_from_name(a, l.activation)) r.fail(where + "'s activation '" + a + "' is not one easel knows");
      l.use_bias = r.field(list[i], "use_bias", T::boolean, where);
      // value(), not operator[]: on a const json, [] of a missing key is undefined behaviour.
      l.kernel = r.array(list[i].value("kernel", nlohmann::json()), inputs * units, where + "'s kernel");
      if (l.use_bias) l.bias = r.array(list[i].value("bias", nlohmann::json()), units, where + "'s bias");
      layers.push_back(std::move(l));
    }
    if (layers.front().inputs != m.length) r.fail("its first layer takes " + std::to_string(layers.front().inputs) + " features, not " + std::to_string(m.length));
    if (layers.back().units != static_cast<int>(m.labels.size()))
      r.fail("its last layer scores " + std::to_string(layers.back().units) + " classes but it has " + std::to_string(m.labels.size()) + " labels");
    try {
      m.network.emplace(std::move(layers), learn::Loss::categorical_crossentropy);
    } catch (const Error& e) {
      r.fail(e.what());
    }
  } else if (kind == "knn") {
    const auto& knn = r.field(h, "knn", T::object, "the header");
    const auto k = r.field(knn, "k", T::number_integer, "knn").get<std::int64_t>();
    const auto n = r.field(knn, "examples", T::number_integer, "knn").get<std::int64_t>();
    if (k < 1 || k > (1 << 20) || n < 1 || n > (std::int64_t{1} << 28) / length) r.fail("its KNN sizes are out of range");
    m.k = static_cast<int>(k);
    const auto& classes = r.field(knn, "classes", T::array, "knn");
    if (static_cast<std::int64_t>(classes.size()) != n) r.fail("its KNN lists " + std::to_string(classes.size()) + " classes for " + std::to_string(n) + " examples");
    const std::vector<float> features = r.array(knn.value("features", nlohmann::json()), n * length, "knn features");
    m.knn.emplace();
    m.knn_examples.labels = m.labels;
    for (std::int64_t i = 0; i < n; ++i) {
      const auto& c = classes[static_cast<std::size_t>(i)];
      if (!c.is_number_integer() || c.get<std::int64_t>() < 0 || c.get<std::int64_t>() >= static_cast<std::int64_t>(m.labels.size()))
        r.fail("its KNN example " + std::to_string(i) + " has no valid class");
      const std::span<const float> row(features.data() + i * length, static_cast<std::size_t>(length));
      try {
        m.knn->add_example(row, m.labels[c.get<std::size_t>()]);
      } catch (const Error& e) {
        r.fail(e.what());
      }
      m.knn_examples.add(row, m.labels[c.get<std::size_t>()]);
    }
  } else {
    r.fail("its kind '" + kind + "' is neither 'dense' nor 'knn'");
  }
  // History and validation are what the model reported when trained: shown, never used to
  // predict, so a malformed entry is dropped rather than refused.
  try {
    read_report(h, m);
  } catch (const nlohmann::json::exception&) {
    m.history.clear();
    m.validation = {};
  }
  return TrainedClassifier(std::move(impl));
}

namespace {
void read_report(const nlohmann::json& h, TrainedClassifier::Impl& m) {
  if (h.contains("history") && h["history"].is_array())
    for (const auto& e : h["history"]) {
      if (!e.is_object()) continue;
      EpochReport rep;
      rep.epoch = e.value("epoch", 0);
      rep.loss = e.value("loss", 0.f);
      rep.accuracy = e.value("accuracy", 0.f);
      rep.has_validation = e.contains("validation_loss");
      rep.validation_loss = e.value("validation_loss", 0.f);
      rep.validation_accuracy = e.value("validation_accuracy", 0.f);
      m.history.push_back(rep);
    }
  for (EpochReport& rep : m.history) rep.epochs = static_cast<int>(m.history.size());
  m.validation.labels = m.labels;
  const auto v = h.value("validation", nlohmann::json::object());
  if (v.contains("confusion") && v["confusion"].is_array() && v["confusion"].size() == m.labels.size()) {
    for (const auto& row : v["confusion"]) {
      std::vector<int> counts;
      if (row.is_array() && row.size() == m.labels.size())
        for (const auto& c : row) counts.push_back(c.is_number_integer() ? c.get<int>() : 0);
      if (counts.size() != m.labels.size()) counts.assign(m.labels.size(), 0);
      m.validation.confusion.push_back(counts);
    }
  }
}
}  // namespace

}  // namespace easel
