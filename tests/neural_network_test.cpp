// NeuralNetwork as ml5's neuralNetwork (issue 14): the ml5 example's saved model opens and
// predicts as TF.js does; Palmer penguins (a real table: numbers, words, missing values)
// train a classifier and a regression from CSV; a save opens in TF.js with the same
// answers, its _meta.json read by the test to prepare TF.js's inputs as ml5 would.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

#include "easel/error.h"
#include "easel/neural_network.h"
#include "easel/npy.h"
#include "golden_util.h"
#include "sample_media.h"
#include "test_util.h"

namespace fs = std::filesystem;

namespace {

fs::path ml5_save() { return easel::test::shared_dir() / "models" / "ml5-neuralnetwork-saved"; }

// TF.js's outputs for rows of model inputs (already normalised and one-hot), rows x width.
easel::Tensor tfjs_predict(const fs::path& model_json, const std::vector<std::vector<float>>& rows, const fs::path& dir) {
  easel::Tensor x(easel::DType::f32, {static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(rows[0].size())});
  for (std::size_t r = 0; r < rows.size(); ++r) std::copy(rows[r].begin(), rows[r].end(), x.data<float>() + r * rows[0].size());
  easel::write_npy(dir / "x.npy", x);
  const auto result = easel::test::run_tfjs(model_json, {{"", dir / "x.npy"}}, dir / "tfjs");
  if (result.exit_code != 0) throw std::runtime_error(result.output);
  const auto written = easel::test::npy_files(dir / "tfjs");
  if (written.size() != 1) throw std::runtime_error("TF.js wrote " + std::to_string(written.size()) + " outputs");
  return easel::read_npy(dir / "tfjs" / *written.begin());
}

// The model's input for a row as ml5 prepares it, from the save's _meta.json alone: numbers
// min-max scaled when isNormalized, words replaced by their legend's one-hot vector.
std::vector<float> ml5_input(const nlohmann::ordered_json& meta, const easel::DataRow& row) {
  std::vector<float> out;
  for (const auto& [name, d] : meta["inputs"].items()) {
    const auto it = std::find_if(row.begin(), row.end(), [&](const auto& p) { return p.first == name; });
    if (it == row.end()) throw std::runtime_error("no input " + name);
    if (d["dtype"] == "string") {
      for (int v : d["legend"][std::get<std::string>(it->second)]) out.push_back(static_cast<float>(v));
    } else {
      const double v = std::get<double>(it->second), lo = d["min"], hi = d["max"];
      out.push_back(static_cast<float>(meta["isNormalized"].get<bool>() ? (lo == hi ? 0.0 : (v - lo) / (hi - lo)) : v));
    }
  }
  return out;
}

// penguins.csv without the rows that miss a value, shuffled (seeded): the file is sorted by
// species, and TF.js's fit holds out the last rows. Returns the train and test files.
std::pair<fs::path, fs::path> penguin_tables(const fs::path& dir, double train_share) {
  std::istringstream in(easel::test::slurp(easel::find_sample("penguins.csv")));
  std::string header, line;
  std::getline(in, header);
  std::vector<std::string> rows;
  while (std::getline(in, line))
    if (!line.empty() && line.find("NA") == std::string::npos) rows.push_back(line);
  std::mt19937 rng(7);
  std::shuffle(rows.begin(), rows.end(), rng);
  const auto cut = static_cast<std::size_t>(static_cast<double>(rows.size()) * train_share);
  std::string train = header + "\n", test = header + "\n";
  for (std::size_t i = 0; i < rows.size(); ++i) (i < cut ? train : test) += rows[i] + "\n";
  easel::test::write(dir / "train.csv", train);
  easel::test::write(dir / "test.csv", test);
  return {dir / "train.csv", dir / "test.csv"};
}

// The rows of a penguins CSV as DataRows (numbers where numbers are).
std::vector<std::pair<easel::DataRow, std::string>> penguin_rows(const fs::path& csv) {
  std::istringstream in(easel::test::slurp(csv));
  std::string line;
  std::getline(in, line);
  std::vector<std::pair<easel::DataRow, std::string>> out;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) f.push_back(cell);
    easel::DataRow row = {{"island", f[1]},
                          {"bill_length_mm", std::stod(f[2])},
                          {"bill_depth_mm", std::stod(f[3])},
                          {"flipper_length_mm", std::stod(f[4])},
                          {"body_mass_g", std::stod(f[5])},
                          {"sex", f[6]}};
    out.emplace_back(row, f[0]);
  }
  return out;
}

const std::vector<std::string> kPenguinInputs = {"island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "sex"};

TEST(NeuralNetwork, Ml5SaveOpensAndClassifiesAsTfjs) {
  if (const std::string why = easel::test::tfjs_missing(); !why.empty()) EASEL_SKIP_UNLESS_REQUIRED(why);
  easel::test::ScratchDir dir;
  const auto nn = easel::NeuralNetwork::load(ml5_save() / "model.json");
  EXPECT_EQ(nn.task(), easel::NeuralNetworkTask::classification);
  EXPECT_EQ(nn.labels(), (std::vector<std::string>{"Paper", "Rock", "Scissors"}));
  ASSERT_EQ(nn.input_names().size(), 42u);
  EXPECT_EQ(nn.input_names()[10], "10");  // JavaScript's key order: "0".."41" as numbers

  // Hands in the inputs' own units: each coordinate at a share of its range.
  const auto meta = nlohmann::ordered_json::parse(easel::test::slurp(ml5_save() / "model_meta.json"));
  std::vector<easel::DataRow> hands;
  for (double t : {0.5, 0.2, 0.8, 0.35}) {
    easel::DataRow row;
    int k = 0;
    for (const auto& [name, d] : meta["inputs"].items()) {
      const double share = std::fmod(t + 0.137 * k++, 1.0);
      row.emplace_back(name, d["min"].get<double>() + share * (d["max"].get<double>() - d["min"].get<double>()));
    }
    hands.push_back(row);
  }
  std::vector<std::vector<float>> x;
  for (const auto& h : hands) x.push_back(ml5_input(meta, h));
  const easel::Tensor want = tfjs_predict(ml5_save() / "model.json", x, dir.path());
  ASSERT_EQ(want.shape(), (std::vector<std::int64_t>{4, 3}));
  for (std::size_t i = 0; i < hands.size(); ++i) {
    const auto got = nn.classify(hands[i]);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_GE(got[0].confidence, got[1].confidence);
    for (const auto& c : got) EXPECT_NEAR(c.confidence, want.data<float>()[i * 3 + static_cast<std::size_t>(c.index)], 1e-5) << c.label;
  }
}

TEST(NeuralNetwork, PenguinsClassifiedFromCsv) {
  easel::test::ScratchDir dir;
  // The file as published: missing values are refused by line, not learnt as a category.
  easel::NeuralNetwork raw;
  try {
    raw.load_data(easel::find_sample("penguins.csv"), kPenguinInputs, {"species"});
    ADD_FAILURE() << "learnt from NA";
  } catch (const easel::Error& e) {
    EXPECT_NE(std::string(e.what()).find("line 5 has 'NA'"), std::string::npos) << e.what();
  }

  const auto [train, test] = penguin_tables(dir.path(), 0.7);
  easel::NeuralNetwork nn;  // ml5's defaults: classification, 16 hidden units, SGD at 0.2
  nn.load_data(train, kPenguinInputs, {"species"});
  EXPECT_EQ(nn.data_size(), 233u);
  nn.normalize_data();
  const auto reports = nn.train({.epochs = 50});
  ASSERT_EQ(reports.size(), 50u);
  EXPECT_TRUE(reports.back().has_validation);
  EXPECT_LT(reports.back().loss, reports.front().loss);
  int right = 0, total = 0;
  for (const auto& [row, species] : penguin_rows(test)) {
    easel::DataRow x = row;
    x.erase(std::find_if(x.begin(), x.end(), [](const auto& p) { return p.first == "body_mass_g"; }));
    right += nn.classify(x).at(0).label == species;
    ++total;
  }
  std::printf("species of %d test penguins: %d right\n", total, right);
  EXPECT_EQ(total, 100);
  EXPECT_GT(right, 90);

  // Words it never saw, and missing inputs, are named.
  easel::DataRow odd = penguin_rows(test).at(0).first;
  odd.erase(std::find_if(odd.begin(), odd.end(), [](const auto& p) { return p.first == "body_mass_g"; }));
  odd[0].second = std::string("Atlantis");
  try {
    nn.classify(odd);
    ADD_FAILURE();
  } catch (const easel::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'island' was never 'Atlantis'"), std::string::npos) << e.what();
  }
  odd.erase(odd.begin());
  EXPECT_THROW(nn.classify(odd), easel::Error);
  EXPECT_THROW(nn.predict(penguin_rows(test).at(0).first), easel::Error);  // a classifier has no predict()
}

TEST(NeuralNetwork, PenguinsBodyMassByRegression) {
  easel::test::ScratchDir dir;
  const auto [train, test] = penguin_tables(dir.path(), 0.7);
  easel::NeuralNetwork nn({.task = easel::NeuralNetworkTask::regression, .learning_rate = 0.01f});
  nn.load_data(train, {"species", "flipper_length_mm", "bill_length_mm", "bill_depth_mm", "sex"}, {"body_mass_g"});
  nn.normalize_data();
  nn.train({.epochs = 100});
  double error = 0, spread = 0, mean = 0;
  const auto rows = penguin_rows(test);
  for (const auto& [row, species] : rows) mean += std::get<double>(row[4].second) / static_cast<double>(rows.size());
  for (const auto& [row, species] : rows) {
    easel::DataRow x = {{"species", species}, row[3], row[1], row[2], row[5]};
    const auto p = nn.predict(x);
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].label, "body_mass_g");
    error += std::abs(p[0].value - std::get<double>(row[4].second)) / static_cast<double>(rows.size());
    spread += std::abs(mean - std::get<double>(row[4].second)) / static_cast<double>(rows.size());
  }
  std::printf("body mass: mean error %.0f g against %.0f g from guessing the mean\n", error, spread);
  EXPECT_LT(error, 0.5 * spread);
}

TEST(NeuralNetwork, SaveOpensInTfjsAndInEasel) {
  if (const std::string why = easel::test::tfjs_missing(); !why.empty()) EASEL_SKIP_UNLESS_REQUIRED(why);
  easel::test::ScratchDir dir;
  const auto [train, test] = penguin_tables(dir.path(), 0.7);
  easel::NeuralNetwork nn;
  nn.load_data(train, kPenguinInputs, {"species"});
  nn.normalize_data();
  nn.train({.epochs = 5});
  nn.save(dir / "saved", "penguins");
  for (const char* f : {"penguins.json", "penguins.weights.bin", "penguins_meta.json"}) EXPECT_TRUE(fs::exists(dir / "saved" / f)) << f;
  const auto meta = nlohmann::ordered_json::parse(easel::test::slurp(dir / "saved" / "penguins_meta.json"));
  EXPECT_EQ(meta["isNormalized"], true);
  EXPECT_EQ(meta["outputs"]["species"]["dtype"], "string");
  EXPECT_EQ(meta["inputs"]["island"]["legend"].size(), 3u);
  EXPECT_EQ(meta["inputUnits"], nlohmann::json::array({3 + 3 + 2}));  // island, three numbers, sex

  std::vector<easel::DataRow> rows;
  std::vector<std::vector<float>> x;
  for (const auto& [row, species] : penguin_rows(test)) {
    easel::DataRow r = row;
    r.erase(std::find_if(r.begin(), r.end(), [](const auto& p) { return p.first == "body_mass_g"; }));
    rows.push_back(r);
    x.push_back(ml5_input(meta, r));
    if (rows.size() == 6) break;
  }
  const easel::Tensor want = tfjs_predict(dir / "saved" / "penguins.json", x, dir.path());
  const auto reopened = easel::NeuralNetwork::load(dir / "saved" / "penguins.json");
  EXPECT_EQ(reopened.labels(), nn.labels());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto a = nn.classify(rows[i]), b = reopened.classify(rows[i]);
    for (std::size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a[k].label, b[k].label);
      EXPECT_EQ(a[k].confidence, b[k].confidence);
      EXPECT_NEAR(a[k].confidence, want.data<float>()[i * 3 + static_cast<std::size_t>(a[k].index)], 1e-5);
    }
  }
}

TEST(NeuralNetwork, BadDataAndDamagedSavesGetClearErrors) {
  easel::test::ScratchDir dir;
  easel::NeuralNetwork nn;
  EXPECT_THROW(nn.train(), easel::Error);  // no data
  nn.add_data({{"x", 1.0}}, {{"label", "a"}});
  nn.add_data({{"x", 2.0}}, {{"label", "a"}});
  try {
    nn.train();
    ADD_FAILURE();
  } catch (const easel::Error& e) {
    EXPECT_NE(std::string(e.what()).find("at least two classes"), std::string::npos) << e.what();
  }
  EXPECT_THROW(nn.add_data({{"y", 1.0}}, {{"label", "b"}}), easel::Error);  // another column
  nn.add_data({{"x", std::string("three")}}, {{"label", "b"}});
  EXPECT_THROW(nn.train(), easel::Error);  // a word in a column of numbers
  EXPECT_THROW(easel::NeuralNetwork(easel::NeuralNetworkOptions{.hidden_units = 0}), easel::Error);

  fs::copy(ml5_save(), dir / "cut", fs::copy_options::recursive);
  const std::string weights = easel::test::slurp(dir / "cut" / "model.weights.bin");
  fs::permissions(dir / "cut" / "model.weights.bin", fs::perms::owner_write, fs::perm_options::add);
  easel::test::write(dir / "cut" / "model.weights.bin", weights.substr(0, 100));
  try {
    easel::NeuralNetwork::load(dir / "cut" / "model.json");
    ADD_FAILURE();
  } catch (const easel::Error& e) {
    EXPECT_EQ(e.code(), easel::ErrorCode::bad_model);
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  fs::permissions(dir / "cut" / "model_meta.json", fs::perms::owner_write, fs::perm_options::add);
  fs::remove(dir / "cut" / "model_meta.json");
  EXPECT_THROW(easel::NeuralNetwork::load(dir / "cut"), easel::Error);

  // Fields of the wrong kind anywhere are the file's fault, said as such (never a crash or
  // an "unexpected error").
  const std::string model = easel::test::slurp(ml5_save() / "model.json"), meta = easel::test::slurp(ml5_save() / "model_meta.json");
  const std::vector<std::pair<std::string, std::string>> edits = {
      {"\"class_name\": \"Dense\"", "\"class_name\": 5"},   {"\"class_name\":\"Dense\"", "\"class_name\":5"},
      {"\"shape\":[3],\"dtype\":\"float32\"", "\"shape\":[3],\"dtype\":7"},
      {"\"isNormalized\":true", "\"isNormalized\":\"yes\""}, {"\"units\": 16", "\"units\": \"16\""},
      {"\"units\":16", "\"units\":\"16\""},                 {"\"dtype\":\"string\"", "\"dtype\":[\"string\"]"},
      {"\"dtype\":\"number\"", "\"dtype\":1"},              {"\"min\":26.76", "\"min\":\"26.76\",\"x\":26.76"}};
  int tried = 0;
  for (const auto& [from, to] : edits) {
    std::string m = model, t = meta;
    const bool in_model = m.find(from) != std::string::npos, in_meta = t.find(from) != std::string::npos;
    if (!in_model && !in_meta) continue;
    if (in_model) m.replace(m.find(from), from.size(), to);
    if (in_meta) t.replace(t.find(from), from.size(), to);
    const fs::path d = dir / ("edit" + std::to_string(tried++));
    easel::test::write(d / "model.json", m);
    easel::test::write(d / "model_meta.json", t);
    easel::test::write(d / "model.weights.bin", weights);
    try {
      easel::NeuralNetwork::load(d / "model.json");
      ADD_FAILURE() << "loaded with " << to;
    } catch (const easel::Error& e) {
      EXPECT_EQ(e.code(), easel::ErrorCode::bad_model) << to << ": " << e.what();
    }
  }
  EXPECT_GE(tried, 4);
}

}  // namespace
