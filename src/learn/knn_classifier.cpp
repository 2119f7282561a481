#include "easel/knn_classifier.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

#include "core/files.h"
#include "easel/error.h"

namespace fs = std::filesystem;

namespace easel {
namespace {

// A save of this size holds about 30 million numbers; anything larger is not a KNN model
// a person made by adding examples.
constexpr std::uintmax_t kMaxFileBytes = 512ull << 20;

// v / |v| in float32, as the TF.js classifier stores and compares vectors.
std::vector<float> unit_length(std::span<const float> v, const char* what) {
  float squares = 0;
  for (float x : v) {
    if (!std::isfinite(x)) throw Error(ErrorCode::bad_input, std::string("The ") + what + " holds a value that is not a finite number.");
    squares += x * x;
  }
  const float norm = std::sqrt(squares);
  if (!(norm > 0)) throw Error(ErrorCode::bad_input, std::string("The ") + what + " is all zeros: it has no direction to compare.");
  std::vector<float> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = v[i] / norm;
  return out;
}

}  // namespace

struct KnnClassifier::Impl {
  struct Class {
    std::string label;
    std::vector<float> rows;  // examples x length, each at unit length
    std::int64_t count = 0;
  };
  std::vector<Class> classes;  // in the order they were added: the order votes are counted in
  int length = 0;

  Class* find(const std::string& label) {
    for (Class& c : classes)
      if (c.label == label) return &c;
    return nullptr;
  }
  std::int64_t examples() const {
    std::int64_t n = 0;
    for (const Class& c : classes) n += c.count;
    return n;
  }
};

KnnClassifier::KnnClassifier() : impl_(std::make_unique<Impl>()) {}
KnnClassifier::~KnnClassifier() = default;
KnnClassifier::KnnClassifier(KnnClassifier&&) noexcept = default;
KnnClassifier& KnnClassifier::operator=(KnnClassifier&&) noexcept = default;

void KnnClassifier::add_example(std::span<const float> features, const std::string& label) {
  Impl& m = *impl_;
  if (features.empty()) throw Error(ErrorCode::bad_input, "An example needs at least one feature.");
  if (m.length != 0 && static_cast<int>(features.size()) != m.length)
    throw Error(ErrorCode::bad_input,
                "This example has " + std::to_string(features.size()) + " features; the classifier's examples have " +
                    std::to_string(m.length) + ".",
                "Use the same feature extractor for every example.");
  std::vector<float> row = unit_length(features, "example");
  Impl::Class* c = m.find(label);
  if (!c) c = &m.classes.emplace_back(Impl::Class{label, {}, 0});
  c->rows.insert(c->rows.end(), row.begin(), row.end());
  ++c->count;
  m.length = static_cast<int>(features.size());
}

KnnResult KnnClassifier::classify(std::span<const float> features, int k) const {
  const Impl& m = *impl_;
  if (k < 1) throw Error(ErrorCode::bad_input, "k must be a positive number of neighbours, not " + std::to_string(k) + ".");
  const std::int64_t total = m.examples();
  if (total == 0) throw Error(ErrorCode::bad_input, "The KNN classifier has no examples yet.", "Add examples of each class first.");
  if (static_cast<int>(features.size()) != m.length)
    throw Error(ErrorCode::bad_input,
                "The input has " + std::to_string(features.size()) + " features; the examples have " + std::to_string(m.length) + ".");
  const std::vector<float> query = unit_length(features, "input");

  // Cosine similarity with every example, classes one after another.
  std::vector<float> similarity;
  std::vector<int> owner;
  similarity.reserve(static_cast<std::size_t>(total));
  for (std::size_t c = 0; c < m.classes.size(); ++c)
    for (std::int64_t r = 0; r < m.classes[c].count; ++r) {
      const float* row = m.classes[c].rows.data() + r * m.length;
      float dot = 0;
      for (int i = 0; i < m.length; ++i) dot += row[i] * query[i];
      similarity.push_back(dot);
      owner.push_back(static_cast<int>(c));
    }
  // The k most similar; among equals the earlier example (a stable sort, as the TF.js topK).
  const int votes_cast = static_cast<int>(std::min<std::int64_t>(k, total));
  std::vector<int> order(similarity.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return similarity[a] > similarity[b]; });
  std::vector<int> votes(m.classes.size(), 0);
  for (int i = 0; i < votes_cast; ++i) ++votes[owner[order[i]]];

  KnnResult result;
  float best = 0;
  for (std::size_t c = 0; c < m.classes.size(); ++c) {
    const float share = static_cast<float>(votes[c]) / static_cast<float>(votes_cast);
    result.confidences.push_back({m.classes[c].label, share, static_cast<int>(c)});
    if (share > best) best = share, result.label = m.classes[c].label, result.class_index = static_cast<int>(c), result.confidence = share;
  }
  return result;
}

std::vector<std::string> KnnClassifier::labels() const {
  std::vector<std::string> out;
  for (const auto& c : impl_->classes) out.push_back(c.label);
  return out;
}

std::map<std::string, std::int64_t> KnnClassifier::count_by_label() const {
  std::map<std::string, std::int64_t> out;
  for (const auto& c : impl_->classes) out[c.label] = c.count;
  return out;
}

std::int64_t KnnClassifier::example_count() const { return impl_->examples(); }
int KnnClassifier::feature_length() const { return impl_->length; }

void KnnClassifier::clear_label(const std::string& label) {
  auto& classes = impl_->classes;
  const auto it = std::find_if(classes.begin(), classes.end(), [&](const Impl::Class& c) { return c.label == label; });
  if (it == classes.end()) throw Error(ErrorCode::bad_input, "The KNN classifier has no class '" + label + "'.");
  classes.erase(it);
  if (classes.empty()) impl_->length = 0;
}

void KnnClassifier::clear_all_labels() {
  impl_->classes.clear();
  impl_->length = 0;
}

void KnnClassifier::save(const fs::path& file) const {
  const Impl& m = *impl_;
  // ml5 writes JSON.stringify({dataset, tensors}): each class's tf.Tensor (its fields, with
  // the label added) under the class index, and its values as an object of index -> value.
  nlohmann::ordered_json dataset = nlohmann::ordered_json::object(), tensors = nlohmann::ordered_json::array();
  for (std::size_t c = 0; c < m.classes.size(); ++c) {
    const Impl::Class& cls = m.classes[c];
    dataset[std::to_string(c)] = {{"kept", false},
                                  {"isDisposedInternal", false},
                                  {"shape", {cls.count, m.length}},
                                  {"dtype", "float32"},
                                  {"size", cls.count * m.length},
                                  {"strides", {m.length}},
                                  {"rankType", "2"},
                                  {"label", cls.label}};
    nlohmann::ordered_json values = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < cls.rows.size(); ++i) values[std::to_string(i)] = static_cast<double>(cls.rows[i]);
    tensors.push_back(std::move(values));
  }
  const nlohmann::ordered_json doc = {{"dataset", std::move(dataset)}, {"tensors", std::move(tensors)}};
  detail::write_file_atomic(file, doc.dump());
}

KnnClassifier KnnClassifier::load(const fs::path& file) {
  const std::string name = std::string("'").append(file.string()).append("'");
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::bad_model, name + " is not an ml5 KNN classifier save: " + why + ".",
                 "Open a file written by ml5's knnClassifier.save() or easel's KnnClassifier::save().");
  };
  std::error_code ec;
  const std::uintmax_t bytes = fs::file_size(file, ec);
  if (ec) throw Error(ErrorCode::io_error, "There is no KNN classifier file " + name + ".", "Check the path.");
  if (bytes > kMaxFileBytes) throw bad("it is " + std::to_string(bytes >> 20) + " MB, more than the 512 MB a save may be");
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (doc.is_discarded()) throw bad("it is not JSON");
  if (!doc.is_object() || !doc.contains("dataset") || !doc.contains("tensors") || !doc["dataset"].is_object() || !doc["tensors"].is_array())
    throw bad("it lacks \"dataset\" and \"tensors\"");
  const auto& dataset = doc["dataset"];
  const auto& tensors = doc["tensors"];
  // Classes by their index, as ml5 numbers them (and JavaScript orders integer keys).
  std::vector<std::pair<long long, std::string>> keys;
  for (const auto& [key, value] : dataset.items()) {
    long long index = -1;
    const auto [end, err] = std::from_chars(key.data(), key.data() + key.size(), index);
    if (err != std::errc() || end != key.data() + key.size() || index < 0) throw bad("the dataset key '" + key + "' is not a class index");
    keys.emplace_back(index, key);
  }
  std::sort(keys.begin(), keys.end());
  if (keys.size() != tensors.size())
    throw bad("it has " + std::to_string(keys.size()) + " classes but " + std::to_string(tensors.size()) + " tensors");

  KnnClassifier knn;
  Impl& m = *knn.impl_;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto& entry = dataset[keys[i].second];
    const auto& values = tensors[i];
    if (!entry.is_object() || !entry.contains("shape") || !entry["shape"].is_array() || entry["shape"].size() != 2)
      throw bad("class " + keys[i].second + " has no [examples, features] shape");
    if (entry.contains("dtype") && entry["dtype"] != "float32") throw bad("class " + keys[i].second + " is not float32");
    const auto& shape = entry["shape"];
    if (!shape[0].is_number_unsigned() || !shape[1].is_number_unsigned() || shape[1].get<std::uint64_t>() == 0 ||
        shape[1].get<std::uint64_t>() > (1u << 24) || shape[0].get<std::uint64_t>() > (1u << 24))
      throw bad("class " + keys[i].second + "'s shape " + shape.dump() + " is not a count of examples and of features");
    const std::int64_t count = shape[0].get<std::int64_t>(), length = shape[1].get<std::int64_t>();
    if (m.length != 0 && length != m.length)
      throw bad("class " + keys[i].second + " has " + std::to_string(length) + " features, another " + std::to_string(m.length));
    if (!values.is_object() && !values.is_array()) throw bad("tensor " + std::to_string(i) + " holds no values");
    if (static_cast<std::int64_t>(values.size()) != count * length)
      throw bad("tensor " + std::to_string(i) + " holds " + std::to_string(values.size()) + " values, not " + std::to_string(count) +
                " x " + std::to_string(length));
    Impl::Class c;
    c.label = entry.contains("label") && entry["label"].is_string() ? entry["label"].get<std::string>() : keys[i].second;
    c.count = count;
    c.rows.resize(static_cast<std::size_t>(count * length));
    // An object's values in index order (JSON.stringify writes a Float32Array as {"0": .., "1": ..}).
    for (std::int64_t j = 0; j < count * length; ++j) {
      const nlohmann::json* v = nullptr;
      if (values.is_array()) v = &values[static_cast<std::size_t>(j)];
      else if (auto it = values.find(std::to_string(j)); it != values.end()) v = &*it;
      if (!v || !v->is_number()) throw bad("tensor " + std::to_string(i) + " has no number at " + std::to_string(j));
      c.rows[static_cast<std::size_t>(j)] = v->get<float>();
    }
    if (m.find(c.label)) throw bad("the label '" + c.label + "' names two classes");
    m.classes.push_back(std::move(c));
    m.length = static_cast<int>(length);
  }
  return knn;
}

}  // namespace easel
