#include "easel/neural_network.h"

#include <csv.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <optional>
#include <random>

#include "core/files.h"
#include "easel/error.h"
#include "learn/dense_network.h"
#include "learn/tfjs_layers_file.h"

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

namespace easel {

namespace {

// A column of the data as ml5 describes it in model_meta.json: a number scaled by its min
// and max, or a word one-hot encoded in the order its values first appeared.
struct Column {
  std::string name;
  bool is_string = false;
  double min = 0, max = 1;
  std::vector<std::string> unique;  // words: the one-hot order
  int units() const { return is_string ? static_cast<int>(unique.size()) : 1; }
};

std::string text_of(const DataValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", std::get<double>(v));
  return buf;
}


// ml5's normalizeValue: (v - min) / (max - min), and 0 for a column of one value.
double normalize(double v, double min, double max) { return min == max ? 0.0 : (v - min) / (max - min); }

// JavaScript's order of an object's keys, which ml5's Object.keys() follows: keys that are
// array indices ("0", "41") first, ascending, then the others in the order written.
std::vector<std::string> js_key_order(const ordered_json& object) {
  std::vector<std::pair<std::uint64_t, std::string>> indices;
  std::vector<std::string> others;
  for (const auto& [key, value] : object.items()) {
    std::uint64_t n = 0;
    const auto r = std::from_chars(key.data(), key.data() + key.size(), n);
    const bool index = !key.empty() && r.ec == std::errc() && r.ptr == key.data() + key.size() && (key == "0" || key[0] != '0') && n < 4294967295ull;
    if (index) indices.emplace_back(n, key);
    else others.push_back(key);
  }
  std::sort(indices.begin(), indices.end());
  std::vector<std::string> out;
  for (auto& [n, key] : indices) out.push_back(key);
  out.insert(out.end(), others.begin(), others.end());
  return out;
}

}  // namespace

struct NeuralNetwork::Impl {
  NeuralNetworkOptions options;
  std::vector<std::string> input_names, output_names;  // the first row's, in its order
  std::vector<std::vector<DataValue>> xs, ys;           // rows, in those orders
  std::vector<Column> inputs, outputs;                  // set by describe() or load()
  bool described = false, normalized = false;
  std::optional<learn::DenseNetwork> network;
  std::mt19937 rng;

  int input_units() const {
    int n = 0;
    for (const Column& c : inputs) n += c.units();
    return n;
  }
  int output_units() const {
    int n = 0;
    for (const Column& c : outputs) n += c.units();
    return n;
  }

  // ml5's createMetadata: each column's kind from the first row, numbers' min and max over
  // every row, words' values in the order they first appear.
  void describe() {
    if (xs.empty()) throw Error(ErrorCode::bad_input, "The neural network has no data.", "Add rows with add_data() or load_data() first.");
    const auto columns = [this](const std::vector<std::string>& names, const std::vector<std::vector<DataValue>>& rows, const char* side) {
      std::vector<Column> out;
      for (std::size_t c = 0; c < names.size(); ++c) {
        Column col;
        col.name = names[c];
        col.is_string = std::holds_alternative<std::string>(rows[0][c]);
        if (!col.is_string) col.min = INFINITY, col.max = -INFINITY;
        for (std::size_t r = 0; r < rows.size(); ++r) {
          const DataValue& v = rows[r][c];
          if (std::holds_alternative<std::string>(v) != col.is_string)
            throw Error(ErrorCode::bad_input, std::string("The ") + side + " '" + col.name + "' holds " + (col.is_string ? "words" : "numbers") +
                                                  " but row " + std::to_string(r + 1) + " gives " + (col.is_string ? "a number" : "a word") + " ('" +
                                                  text_of(v) + "').");
          if (col.is_string) {
            if (std::find(col.unique.begin(), col.unique.end(), std::get<std::string>(v)) == col.unique.end()) col.unique.push_back(std::get<std::string>(v));
          } else {
            col.min = std::min(col.min, std::get<double>(v));
            col.max = std::max(col.max, std::get<double>(v));
          }
        }
        out.push_back(std::move(col));
      }
      return out;
    };
    inputs = columns(input_names, xs, "input");
    outputs = columns(output_names, ys, "output");
    described = true;
  }

  // One row as the network's numbers: words one-hot, numbers scaled when normalised.
  void encode(const std::vector<Column>& cols, const std::vector<DataValue>& row, std::vector<float>& out) const {
    for (std::size_t c = 0; c < cols.size(); ++c) {
      const Column& col = cols[c];
      if (col.is_string) {
        if (!std::holds_alternative<std::string>(row[c]))
          throw Error(ErrorCode::bad_input, "'" + col.name + "' takes a word (one of: " + join(col.unique) + "), not the number " + text_of(row[c]) + ".");
        const auto it = std::find(col.unique.begin(), col.unique.end(), std::get<std::string>(row[c]));
        if (it == col.unique.end())
          throw Error(ErrorCode::bad_input, "'" + col.name + "' was never '" + std::get<std::string>(row[c]) + "' in the data.",
                      "It learnt: " + join(col.unique) + ".");
        for (std::size_t k = 0; k < col.unique.size(); ++k) out.push_back(k == static_cast<std::size_t>(it - col.unique.begin()) ? 1.f : 0.f);
      } else {
        if (!std::holds_alternative<double>(row[c])) throw Error(ErrorCode::bad_input, "'" + col.name + "' takes a number, not '" + text_of(row[c]) + "'.");
        const double v = std::get<double>(row[c]);
        out.push_back(static_cast<float>(normalized ? normalize(v, col.min, col.max) : v));
      }
    }
  }

  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  }

  // A DataRow's values in the columns' order (names matched, every one required).
  std::vector<DataValue> by_name(const DataRow& row, const std::vector<std::string>& names, const char* side) const {
    std::vector<DataValue> out;
    for (const std::string& n : names) {
      const auto it = std::find_if(row.begin(), row.end(), [&](const auto& p) { return p.first == n; });
      if (it == row.end()) throw Error(ErrorCode::bad_input, std::string("The ") + side + " '" + n + "' is missing.", std::string("Give every ") + side + ": " + join(names) + ".");
      out.push_back(it->second);
    }
    if (row.size() != names.size())
      for (const auto& [name, value] : row)
        if (std::find(names.begin(), names.end(), name) == names.end())
          throw Error(ErrorCode::bad_input, std::string("The ") + side + " '" + name + "' is not one the network has.",
                      std::string("Its ") + side + "s: " + join(names) + ".");
    return out;
  }

  std::vector<float> run(const std::vector<DataValue>& values) const {
    if (!network) throw Error(ErrorCode::bad_input, "The neural network has not been trained or loaded.", "Call train() or load() first.");
    if (values.size() != inputs.size())
      throw Error(ErrorCode::bad_input, "The network takes " + std::to_string(inputs.size()) + " inputs, not " + std::to_string(values.size()) + ".");
    std::vector<float> x;
    encode(inputs, values, x);
    return network->predict(x.data(), 1);
  }

  void build() {
    const int in = input_units(), out = output_units(), hidden = options.hidden_units;
    // TF.js's default kernel initialiser, glorotUniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out)).
    const auto glorot = [this](int fan_in, int fan_out) {
      const float limit = std::sqrt(6.f / static_cast<float>(fan_in + fan_out));
      std::uniform_real_distribution<float> u(-limit, limit);
      std::vector<float> w(static_cast<std::size_t>(fan_in) * static_cast<std::size_t>(fan_out));
      for (float& v : w) v = u(rng);
      return w;
    };
    const bool classify = options.task == NeuralNetworkTask::classification;
    std::vector<learn::DenseLayer> layers;
    layers.push_back({in, hidden, learn::Activation::relu, true, glorot(in, hidden), std::vector<float>(static_cast<std::size_t>(hidden), 0.f)});
    layers.push_back({hidden, out, classify ? learn::Activation::softmax : learn::Activation::sigmoid, true, glorot(hidden, out),
                      std::vector<float>(static_cast<std::size_t>(out), 0.f)});
    network.emplace(std::move(layers), classify ? learn::Loss::categorical_crossentropy : learn::Loss::mean_squared_error,
                    learn::OptimizerOptions{.kind = classify ? learn::OptimizerOptions::Kind::sgd : learn::OptimizerOptions::Kind::adam,
                                            .learning_rate = options.learning_rate});
  }
};

NeuralNetwork::NeuralNetwork(const NeuralNetworkOptions& options) : impl_(std::make_unique<Impl>()) {
  if (options.hidden_units < 1) throw Error(ErrorCode::bad_input, "The hidden layer needs at least one unit.");
  if (!(options.learning_rate > 0) || !std::isfinite(options.learning_rate)) throw Error(ErrorCode::bad_input, "The learning rate must be a positive number.");
  impl_->options = options;
  impl_->rng.seed(options.seed);
}
NeuralNetwork::~NeuralNetwork() = default;
NeuralNetwork::NeuralNetwork(NeuralNetwork&&) noexcept = default;
NeuralNetwork& NeuralNetwork::operator=(NeuralNetwork&&) noexcept = default;

void NeuralNetwork::add_data(const DataRow& inputs, const DataRow& outputs) {
  Impl& m = *impl_;
  if (inputs.empty() || outputs.empty()) throw Error(ErrorCode::bad_input, "A row needs at least one input and one output.");
  if (m.xs.empty()) {
    for (const auto& [name, value] : inputs) m.input_names.push_back(name);
    for (const auto& [name, value] : outputs) m.output_names.push_back(name);
    for (const auto* names : {&m.input_names, &m.output_names}) {
      std::vector<std::string> sorted = *names;
      std::sort(sorted.begin(), sorted.end());
      if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
        throw Error(ErrorCode::bad_input, "A row names the column '" + *std::adjacent_find(sorted.begin(), sorted.end()) + "' twice.");
    }
  }
  std::vector<DataValue> x = m.by_name(inputs, m.input_names, "input"), y = m.by_name(outputs, m.output_names, "output");
  for (const DataValue& v : x)
    if (const auto* d = std::get_if<double>(&v); d && !std::isfinite(*d)) throw Error(ErrorCode::bad_input, "An input is not a finite number.");
  // A class is a label however it is written: 1 and "1" are the same class.
  if (m.options.task == NeuralNetworkTask::classification)
    for (DataValue& v : y) v = text_of(v);
  else
    for (const DataValue& v : y)
      if (!std::holds_alternative<double>(v) || !std::isfinite(std::get<double>(v)))
        throw Error(ErrorCode::bad_input, "Regression predicts numbers; an output is '" + text_of(v) + "'.", "Use the classification task for words.");
  m.xs.push_back(std::move(x));
  m.ys.push_back(std::move(y));
  m.described = false;
}

std::size_t NeuralNetwork::data_size() const { return impl_->xs.size(); }

namespace {

struct CsvTable {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> current;
  std::string field;
};

}  // namespace

namespace {

// The rows of a data file: CSV with a header line, or JSON. `inputs` and `outputs` name the
// columns; with both empty, only the column names are read (into `columns`).
void read_table(const fs::path& file, const std::vector<std::string>& inputs, const std::vector<std::string>& outputs, std::vector<DataRow>& xs,
                std::vector<DataRow>& ys, std::vector<std::string>* columns = nullptr) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) throw Error(ErrorCode::io_error, "Cannot read the data file '" + file.string() + "': " + ec.message() + ".");
  if (size > (1ull << 30)) throw Error(ErrorCode::bad_input, "The data file '" + file.string() + "' is larger than 1 GB.");
  const std::string bytes = detail::read_file(file);
  const auto column_list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".json") {
    const json doc = json::parse(bytes, nullptr, false);
    if (doc.is_discarded()) throw Error(ErrorCode::bad_input, "'" + file.string() + "' is not valid JSON.");
    const auto value_of = [&](const json& v, const std::string& col, std::size_t row) -> DataValue {
      if (v.is_number()) return v.get<double>();
      if (v.is_string()) return v.get<std::string>();
      throw Error(ErrorCode::bad_input, "'" + file.string() + "': row " + std::to_string(row + 1) + "'s '" + col + "' is neither a number nor a word.");
    };
    // ml5's saveData(): {"data": [{"xs": {...}, "ys": {...}}]}; or a list of flat objects
    // (or {"entries": [...]}, as ml5 reads a CSV), whose columns are named by `inputs`/`outputs`.
    const json* list = doc.is_array() ? &doc : doc.contains("data") ? &doc["data"] : doc.contains("entries") ? &doc["entries"] : nullptr;
    if (!list || !list->is_array()) throw Error(ErrorCode::bad_input, "'" + file.string() + "' holds no list of rows (\"data\" or \"entries\").");
    if (columns) {
      if (list->empty() || !(*list)[0].is_object()) throw Error(ErrorCode::bad_input, "'" + file.string() + "' has no rows.");
      const json& first = (*list)[0];
      for (const char* side : {"xs", "ys"})
        if (first.contains(side) && first[side].is_object())
          for (const auto& [k, v] : first[side].items()) columns->push_back(k);
      if (columns->empty())
        for (const auto& [k, v] : first.items()) columns->push_back(k);
      return;
    }
    for (std::size_t r = 0; r < list->size(); ++r) {
      const json& row = (*list)[r];
      DataRow x, y;
      for (const auto* side : {&inputs, &outputs}) {
        const bool is_x = side == &inputs;
        const json& from = row.contains(is_x ? "xs" : "ys") ? row[is_x ? "xs" : "ys"] : row;
        for (const std::string& col : *side) {
          if (!from.is_object() || !from.contains(col))
            throw Error(ErrorCode::bad_input, "'" + file.string() + "': row " + std::to_string(r + 1) + " has no '" + col + "'.");
          (is_x ? x : y).emplace_back(col, value_of(from[col], col, r));
        }
      }
      xs.push_back(std::move(x));
      ys.push_back(std::move(y));
    }
  } else {
    // CSV (RFC 4180) through libcsv; the first row names the columns.
    CsvTable table;
    csv_parser parser;
    if (csv_init(&parser, CSV_APPEND_NULL) != 0) throw Error(ErrorCode::internal, "libcsv could not start.");
    const auto on_field = [](void* s, std::size_t n, void* data) {
      auto* t = static_cast<CsvTable*>(data);
      t->current.emplace_back(static_cast<const char*>(s), n);
    };
    const auto on_row = [](int, void* data) {
      auto* t = static_cast<CsvTable*>(data);
      t->rows.push_back(std::move(t->current));
      t->current.clear();
    };
    const bool ok = csv_parse(&parser, bytes.data(), bytes.size(), on_field, on_row, &table) == bytes.size() &&
                    csv_fini(&parser, on_field, on_row, &table) == 0;
    const std::string why = ok ? "" : csv_strerror(csv_error(&parser));
    csv_free(&parser);
    if (!ok) throw Error(ErrorCode::bad_input, "'" + file.string() + "' is not a CSV file easel can read: " + why + ".");
    if (table.rows.size() < 2) throw Error(ErrorCode::bad_input, "'" + file.string() + "' has no rows under its header.");
    const std::vector<std::string>& header = table.rows[0];
    if (columns) {
      *columns = header;
      return;
    }
    const auto index_of = [&](const std::string& col) {
      const auto it = std::find(header.begin(), header.end(), col);
      if (it == header.end())
        throw Error(ErrorCode::bad_input, "'" + file.string() + "' has no column '" + col + "'.", "Its columns: " + column_list(header) + ".");
      return static_cast<std::size_t>(it - header.begin());
    };
    // A column is numeric when its values parse whole as numbers. A column of numbers with a
    // word in it ("NA", an empty cell) is refused by line: a model would learn that word as
    // a category of its own.
    const auto is_number = [](const std::string& s) {
      double v = 0;
      const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
      return !s.empty() && res.ec == std::errc() && res.ptr == s.data() + s.size() && std::isfinite(v);
    };
    std::vector<bool> numeric(header.size(), false);
    for (std::size_t c = 0; c < header.size(); ++c) {
      std::size_t numbers = 0, first_word = 0;
      for (std::size_t r = 1; r < table.rows.size(); ++r) {
        if (c >= table.rows[r].size()) continue;
        if (is_number(table.rows[r][c])) ++numbers;
        else if (first_word == 0) first_word = r;
      }
      numeric[c] = numbers > 0;
      const bool used = std::find(inputs.begin(), inputs.end(), header[c]) != inputs.end() ||
                        std::find(outputs.begin(), outputs.end(), header[c]) != outputs.end();
      if (used && numbers > 0 && first_word > 0)
        throw Error(ErrorCode::bad_input,
                    "'" + file.string() + "': the column '" + header[c] + "' holds numbers, but line " + std::to_string(first_word + 1) +
                        " has '" + table.rows[first_word][c] + "' there.",
                    "Remove or fill in the rows with missing values.");
    }
    for (std::size_t r = 1; r < table.rows.size(); ++r) {
      const auto& row = table.rows[r];
      if (row.size() == 1 && row[0].empty()) continue;  // a blank line
      DataRow x, y;
      for (const auto* side : {&inputs, &outputs})
        for (const std::string& col : *side) {
          const std::size_t c = index_of(col);
          if (c >= row.size())
            throw Error(ErrorCode::bad_input, "'" + file.string() + "': line " + std::to_string(r + 1) + " has no value for '" + col + "'.");
          DataValue v = numeric[c] ? DataValue(std::strtod(row[c].c_str(), nullptr)) : DataValue(row[c]);
          (side == &inputs ? x : y).emplace_back(col, std::move(v));
        }
      xs.push_back(std::move(x));
      ys.push_back(std::move(y));
    }
  }
}

}  // namespace

void NeuralNetwork::load_data(const fs::path& file, const std::vector<std::string>& inputs, const std::vector<std::string>& outputs) {
  if (inputs.empty() || outputs.empty()) throw Error(ErrorCode::bad_input, "Name the input and output columns to learn from.");
  std::vector<DataRow> xs, ys;
  read_table(file, inputs, outputs, xs, ys);
  for (std::size_t r = 0; r < xs.size(); ++r) add_data(xs[r], ys[r]);
}

std::vector<std::string> data_columns(const fs::path& file) {
  std::vector<DataRow> xs, ys;
  std::vector<std::string> columns;
  read_table(file, {}, {}, xs, ys, &columns);
  return columns;
}

void NeuralNetwork::normalize_data() {
  Impl& m = *impl_;
  m.describe();
  m.normalized = true;
}

std::vector<EpochReport> NeuralNetwork::train(const NeuralNetworkTrainOptions& o) {
  Impl& m = *impl_;
  if (o.epochs < 1 || o.batch_size < 1) throw Error(ErrorCode::bad_input, "Epochs and batch size must be at least 1.");
  if (!(o.validation_split >= 0.f && o.validation_split < 1.f)) throw Error(ErrorCode::bad_input, "The validation split must be at least 0 and below 1.");
  if (!m.described) m.describe();
  const bool classify = m.options.task == NeuralNetworkTask::classification;
  if (classify && (m.outputs.size() != 1 || m.outputs[0].unique.size() < 2))
    throw Error(ErrorCode::bad_input,
                m.outputs.size() != 1 ? "Classification learns one output (the label); the data has " + std::to_string(m.outputs.size()) + "."
                                      : "Classification needs at least two classes; the data has only '" + m.outputs[0].unique[0] + "'.");
  if (!m.network) m.build();
  if (m.network->inputs() != m.input_units() || m.network->outputs() != m.output_units())
    throw Error(ErrorCode::bad_input, "The data's columns no longer fit the network (" + std::to_string(m.input_units()) + " inputs and " +
                                          std::to_string(m.output_units()) + " outputs for a network of " + std::to_string(m.network->inputs()) +
                                          " and " + std::to_string(m.network->outputs()) + ").");
  const std::size_t n = m.xs.size(), in = static_cast<std::size_t>(m.input_units()), out = static_cast<std::size_t>(m.output_units());
  std::vector<float> x, y;
  for (std::size_t r = 0; r < n; ++r) {
    m.encode(m.inputs, m.xs[r], x);
    m.encode(m.outputs, m.ys[r], y);
  }
  // TF.js's fit: the last validation_split of the rows, as given, are held out.
  const auto split = static_cast<std::size_t>(std::floor(static_cast<double>(n) * (1.0 - std::round(static_cast<double>(o.validation_split) * 1e6) / 1e6)));
  if (split == 0) throw Error(ErrorCode::bad_input, "With " + std::to_string(n) + " rows and a validation split of " + std::to_string(o.validation_split) + ", nothing is left to train on.");
  std::vector<std::size_t> order(split);
  std::iota(order.begin(), order.end(), 0);
  std::vector<float> bx, by, predicted;
  std::vector<EpochReport> reports;
  const auto argmax = [](const float* p, std::size_t k) { return static_cast<std::size_t>(std::max_element(p, p + k) - p); };
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    if (o.shuffle) std::shuffle(order.begin(), order.end(), m.rng);
    double loss_sum = 0;
    std::size_t right = 0;
    for (std::size_t start = 0; start < split; start += static_cast<std::size_t>(o.batch_size)) {
      const std::size_t rows = std::min(static_cast<std::size_t>(o.batch_size), split - start);
      bx.resize(rows * in);
      by.resize(rows * out);
      for (std::size_t i = 0; i < rows; ++i) {
        std::copy_n(x.begin() + static_cast<std::ptrdiff_t>(order[start + i] * in), in, bx.begin() + static_cast<std::ptrdiff_t>(i * in));
        std::copy_n(y.begin() + static_cast<std::ptrdiff_t>(order[start + i] * out), out, by.begin() + static_cast<std::ptrdiff_t>(i * out));
      }
      loss_sum += static_cast<double>(m.network->train_batch(bx.data(), by.data(), static_cast<std::int64_t>(rows), &predicted)) * static_cast<double>(rows);
      if (classify)
        for (std::size_t i = 0; i < rows; ++i) right += argmax(predicted.data() + i * out, out) == argmax(by.data() + i * out, out);
    }
    EpochReport r;
    r.epoch = epoch;
    r.epochs = o.epochs;
    r.loss = static_cast<float>(loss_sum / static_cast<double>(split));
    r.accuracy = classify ? static_cast<float>(right) / static_cast<float>(split) : 0.f;
    if (split < n) {
      r.has_validation = true;
      const auto held = static_cast<std::int64_t>(n - split);
      r.validation_loss = m.network->loss(x.data() + split * in, y.data() + split * out, held);
      if (classify) {
        const std::vector<float> p = m.network->predict(x.data() + split * in, held);
        std::size_t ok = 0;
        for (std::size_t i = 0; i < n - split; ++i) ok += argmax(p.data() + i * out, out) == argmax(y.data() + (split + i) * out, out);
        r.validation_accuracy = static_cast<float>(ok) / static_cast<float>(n - split);
      }
    }
    reports.push_back(r);
    if (o.on_epoch) o.on_epoch(r);
  }
  return reports;
}

namespace {

std::vector<DataValue> numbers(const std::vector<double>& v) { return {v.begin(), v.end()}; }

}  // namespace

// ml5's classify: every class with its probability, most confident first.
static std::vector<Classification> classes_of(const NeuralNetwork::Impl& m, const std::vector<DataValue>& values) {
  if (m.options.task != NeuralNetworkTask::classification)
    throw Error(ErrorCode::bad_input, "This network predicts numbers (regression): use predict(), not classify().");
  const std::vector<float> p = m.run(values);
  std::vector<Classification> out;
  for (std::size_t i = 0; i < p.size(); ++i) out.push_back({m.outputs[0].unique[i], p[i], static_cast<int>(i)});
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.confidence > b.confidence; });
  return out;
}

// ml5's predict: each output's value, scaled back to the data's units when normalised.
static std::vector<Prediction> values_of(const NeuralNetwork::Impl& m, const std::vector<DataValue>& values) {
  if (m.options.task != NeuralNetworkTask::regression)
    throw Error(ErrorCode::bad_input, "This network classifies: use classify(), not predict().");
  const std::vector<float> p = m.run(values);
  std::vector<Prediction> out;
  for (std::size_t i = 0; i < m.outputs.size(); ++i) {
    const Column& c = m.outputs[i];
    const double v = m.normalized ? p[i] * (c.max - c.min) + c.min : p[i];
    out.push_back({c.name, static_cast<float>(v)});
  }
  return out;
}

namespace {
DataRow numbered(const std::vector<double>& values, const std::string& prefix) {
  DataRow row;
  row.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) row.emplace_back(prefix + std::to_string(i), values[i]);
  return row;
}
}  // namespace

void NeuralNetwork::add_data(const std::vector<double>& inputs, const std::vector<double>& outputs) {
  add_data(numbered(inputs, ""), numbered(outputs, "out"));
}
void NeuralNetwork::add_data(const std::vector<double>& inputs, const std::string& label) {
  add_data(numbered(inputs, ""), DataRow{{"label", label}});
}

std::vector<Classification> NeuralNetwork::classify(const DataRow& inputs) const {
  return classes_of(*impl_, impl_->by_name(inputs, impl_->input_names, "input"));
}
std::vector<Classification> NeuralNetwork::classify(const std::vector<double>& inputs) const { return classes_of(*impl_, numbers(inputs)); }
std::vector<Prediction> NeuralNetwork::predict(const DataRow& inputs) const {
  return values_of(*impl_, impl_->by_name(inputs, impl_->input_names, "input"));
}
std::vector<Prediction> NeuralNetwork::predict(const std::vector<double>& inputs) const { return values_of(*impl_, numbers(inputs)); }

Evaluation NeuralNetwork::evaluate(const fs::path& file) const {
  const Impl& m = *impl_;
  if (m.options.task != NeuralNetworkTask::classification) throw Error(ErrorCode::bad_input, "Only a classifier is evaluated by its classes.");
  std::vector<DataRow> xs, ys;
  read_table(file, m.input_names, m.output_names, xs, ys);
  Evaluation result;
  result.labels = labels();
  result.confusion.assign(result.labels.size(), std::vector<int>(result.labels.size(), 0));
  for (std::size_t r = 0; r < xs.size(); ++r) {
    const std::string truth = text_of(ys[r][0].second);
    const auto it = std::find(result.labels.begin(), result.labels.end(), truth);
    if (it == result.labels.end())
      throw Error(ErrorCode::bad_input, "'" + file.string() + "': row " + std::to_string(r + 1) + " is of the class '" + truth + "', which the network never learnt.");
    const auto top = classify(xs[r]).at(0);
    const int expected = static_cast<int>(it - result.labels.begin());
    ++result.confusion[static_cast<std::size_t>(expected)][static_cast<std::size_t>(top.index)];
    if (top.index != expected) result.mistakes.push_back({"row " + std::to_string(r + 1), expected, top.index, top.confidence});
  }
  return result;
}

NeuralNetworkTask NeuralNetwork::task() const { return impl_->options.task; }
std::vector<std::string> NeuralNetwork::labels() const {
  const Impl& m = *impl_;
  return m.options.task == NeuralNetworkTask::classification && m.outputs.size() == 1 ? m.outputs[0].unique : std::vector<std::string>{};
}
std::vector<std::string> NeuralNetwork::input_names() const { return impl_->input_names; }

void NeuralNetwork::save(const fs::path& folder, const std::string& name) const {
  const Impl& m = *impl_;
  if (!m.network) throw Error(ErrorCode::bad_input, "There is no trained network to save.", "Call train() first.");
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    throw Error(ErrorCode::bad_input, "The model's name '" + name + "' is not a file name.");
  std::string weights;
  json layers = json::array(), entries = json::array();
  const auto& net = m.network->layers();
  for (std::size_t i = 0; i < net.size(); ++i) {
    const learn::DenseLayer& l = net[i];
    const std::string layer = "dense_Dense" + std::to_string(i + 1);
    layers.push_back(learn::dense_layer_json(l, layer, i == 0));
    weights.append(reinterpret_cast<const char*>(l.kernel.data()), l.kernel.size() * sizeof(float));
    entries.push_back({{"name", layer + "/kernel"}, {"shape", {l.inputs, l.units}}, {"dtype", "float32"}});
    if (l.use_bias) {
      weights.append(reinterpret_cast<const char*>(l.bias.data()), l.bias.size() * sizeof(float));
      entries.push_back({{"name", layer + "/bias"}, {"shape", {l.units}}, {"dtype", "float32"}});
    }
  }
  const json model = {{"modelTopology",
                       {{"class_name", "Sequential"},
                        {"config", {{"name", "sequential_1"}, {"layers", layers}}},
                        {"keras_version", "tfjs-layers 4.22.0"},
                        {"backend", "tensor_flow.js"}}},
                      {"weightsManifest", json::array({{{"paths", {"./" + name + ".weights.bin"}}, {"weights", entries}}})}};
  // model_meta.json, in ml5's words and order.
  const auto describe = [](const std::vector<Column>& cols) {
    ordered_json out = ordered_json::object();
    for (const Column& c : cols) {
      ordered_json d = {{"dtype", c.is_string ? "string" : "number"}, {"min", c.min}, {"max", c.max}};
      if (c.is_string) {
        d["uniqueValues"] = c.unique;
        ordered_json legend = ordered_json::object();
        for (std::size_t k = 0; k < c.unique.size(); ++k) {
          std::vector<int> hot(c.unique.size(), 0);
          hot[k] = 1;
          legend[c.unique[k]] = hot;
        }
        d["legend"] = legend;
      }
      out[c.name] = d;
    }
    return out;
  };
  const ordered_json meta = {{"inputUnits", {m.input_units()}}, {"outputUnits", m.output_units()}, {"inputs", describe(m.inputs)},
                             {"outputs", describe(m.outputs)}, {"isNormalized", m.normalized}};
  std::error_code ec;
  fs::create_directories(folder, ec);
  detail::write_file_atomic(folder / (name + ".weights.bin"), weights);
  detail::write_file_atomic(folder / (name + "_meta.json"), meta.dump());
  detail::write_file_atomic(folder / (name + ".json"), model.dump());
}

NeuralNetwork NeuralNetwork::load(const fs::path& path) {
  const fs::path model_json = fs::is_directory(path) ? path / "model.json" : path;
  const auto refuse = [model_json](const std::string& problem) {
    throw Error(ErrorCode::bad_model, "'" + model_json.string() + "' is not an ml5 neuralNetwork save easel can open: " + problem + ".",
                "Pass the model.json that ml5's save() wrote, with its .weights.bin and _meta.json beside it.");
  };
  learn::LayersFile file(model_json, refuse);
  std::string stem = model_json.stem().string();
  fs::path meta_file = model_json.parent_path() / (stem + "_meta.json");
  if (!fs::is_regular_file(meta_file)) meta_file = model_json.parent_path() / "model_meta.json";
  if (!fs::is_regular_file(meta_file)) refuse("there is no " + (stem + "_meta.json") + " beside it (the inputs' and outputs' description)");
  std::error_code ec;
  if (fs::file_size(meta_file, ec) > (64u << 20)) refuse("its _meta.json is too large");
  const ordered_json meta = ordered_json::parse(detail::read_file(meta_file), nullptr, false);
  if (!meta.is_object() || !meta.contains("inputs") || !meta["inputs"].is_object() || !meta.contains("outputs") || !meta["outputs"].is_object())
    refuse("its _meta.json has no inputs and outputs");

  NeuralNetwork nn;
  Impl& m = *nn.impl_;
  const auto columns = [&](const ordered_json& described, const char* side) {
    std::vector<Column> out;
    for (const std::string& key : js_key_order(described)) {
      const ordered_json& d = described[key];
      Column c;
      c.name = key;
      if (!d.is_object() || !d.contains("dtype") || !d["dtype"].is_string()) refuse(std::string("the ") + side + " '" + key + "' has no dtype");
      const std::string dtype = d["dtype"];
      if (dtype == "string") {
        c.is_string = true;
        if (!d.contains("uniqueValues") || !d["uniqueValues"].is_array() || d["uniqueValues"].empty())
          refuse(std::string("the ") + side + " '" + key + "' has no uniqueValues");
        for (const auto& v : d["uniqueValues"]) c.unique.push_back(v.is_string() ? v.get<std::string>() : v.dump());
      } else if (dtype == "number") {
        if (!d.contains("min") || !d["min"].is_number() || !d.contains("max") || !d["max"].is_number())
          refuse(std::string("the ") + side + " '" + key + "' has no min and max");
        c.min = d["min"];
        c.max = d["max"];
      } else {
        refuse(std::string("the ") + side + " '" + key + "' is of dtype '" + dtype + "' (easel reads numbers and strings)");
      }
      out.push_back(std::move(c));
    }
    if (out.empty()) refuse(std::string("it describes no ") + side + "s");
    return out;
  };
  m.inputs = columns(meta["inputs"], "input");
  m.outputs = columns(meta["outputs"], "output");
  for (const Column& c : m.inputs) m.input_names.push_back(c.name);
  for (const Column& c : m.outputs) m.output_names.push_back(c.name);
  m.described = true;
  const ordered_json normalized = meta.value("isNormalized", ordered_json(false));
  if (!normalized.is_boolean()) refuse("its isNormalized is not true or false");
  m.normalized = normalized.get<bool>();
  json* layers = learn::LayersFile::layers_of(file.model["modelTopology"]);
  if (!layers) refuse("its model is not a Sequential of dense layers");
  std::vector<learn::DenseLayer> dense = file.dense_layers(*layers, m.input_units());
  if (dense.back().units != m.output_units())
    refuse("its last layer gives " + std::to_string(dense.back().units) + " values but its _meta.json describes " + std::to_string(m.output_units()));
  const bool softmax = dense.back().activation == learn::Activation::softmax;
  m.options.task = softmax ? NeuralNetworkTask::classification : NeuralNetworkTask::regression;
  if (softmax && (m.outputs.size() != 1 || !m.outputs[0].is_string)) refuse("it classifies but its output is not one label");
  m.options.hidden_units = dense.front().units;
  const bool classify = softmax;
  m.network.emplace(std::move(dense), classify ? learn::Loss::categorical_crossentropy : learn::Loss::mean_squared_error,
                    learn::OptimizerOptions{.kind = classify ? learn::OptimizerOptions::Kind::sgd : learn::OptimizerOptions::Kind::adam,
                                            .learning_rate = m.options.learning_rate});
  return nn;
}

}  // namespace easel
