#include "easel/evaluation.h"

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>

#include "core/files.h"
#include "easel/error.h"

namespace fs = std::filesystem;

namespace easel {
namespace {

std::string fixed(double v, int decimals = 2) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Rows of `examples` per class, in order.
std::vector<std::vector<std::size_t>> rows_by_class(const Examples& examples) {
  std::vector<std::vector<std::size_t>> out(examples.labels.size());
  for (std::size_t r = 0; r < examples.size(); ++r) out.at(static_cast<std::size_t>(examples.classes[r])).push_back(r);
  return out;
}

void add_into(Evaluation& total, const Evaluation& part) {
  for (std::size_t i = 0; i < total.confusion.size(); ++i)
    for (std::size_t j = 0; j < total.confusion.size(); ++j) total.confusion[i][j] += part.confusion[i][j];
  total.mistakes.insert(total.mistakes.end(), part.mistakes.begin(), part.mistakes.end());
}

void write_png(const cv::Mat& bgr, const fs::path& file) {
  std::vector<unsigned char> bytes;
  if (!cv::imencode(".png", bgr, bytes)) throw Error(ErrorCode::io_error, "Could not encode the picture for '" + file.string() + "'.");
  detail::write_file_atomic(file, {reinterpret_cast<const char*>(bytes.data()), bytes.size()});
}

void text(cv::Mat& img, const std::string& s, cv::Point at, double scale = 0.5, cv::Scalar colour = {40, 40, 40}, int thickness = 1) {
  cv::putText(img, s, at, cv::FONT_HERSHEY_SIMPLEX, scale, colour, thickness, cv::LINE_AA);
}

int text_width(const std::string& s, double scale = 0.5, int thickness = 1) {
  int baseline = 0;
  return cv::getTextSize(s, cv::FONT_HERSHEY_SIMPLEX, scale, thickness, &baseline).width;
}

}  // namespace

Evaluation evaluate(const TrainedClassifier& model, const Examples& examples) {
  if (examples.length != model.feature_length() && examples.size() > 0)
    throw Error(ErrorCode::bad_input, "The examples have " + std::to_string(examples.length) + " features; the model takes " +
                                          std::to_string(model.feature_length()) + ".");
  if (!examples.extractor.empty() && !model.extractor().empty() &&
      (examples.extractor != model.extractor() || examples.extractor_checksum != model.extractor_checksum()))
    throw Error(ErrorCode::bad_input, "The model was trained on features of '" + model.extractor() + "' but the examples come from '" +
                                          examples.extractor + "'" + (examples.extractor == model.extractor() ? " (another version)" : "") + ".");
  const auto& labels = model.labels();
  std::vector<int> to_model(examples.labels.size());
  for (std::size_t c = 0; c < examples.labels.size(); ++c) {
    const auto it = std::find(labels.begin(), labels.end(), examples.labels[c]);
    if (it == labels.end()) {
      std::string known;
      for (const auto& l : labels) known += (known.empty() ? "" : ", ") + l;
      throw Error(ErrorCode::bad_input, "The model has no class '" + examples.labels[c] + "'.", "Its classes: " + known + ".");
    }
    to_model[c] = static_cast<int>(it - labels.begin());
  }
  Evaluation result;
  result.labels = labels;
  result.confusion.assign(labels.size(), std::vector<int>(labels.size(), 0));
  for (std::size_t r = 0; r < examples.size(); ++r) {
    const std::vector<float> p = model.probabilities(examples.row(r));
    const int predicted = static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
    const int expected = to_model[static_cast<std::size_t>(examples.classes[r])];
    ++result.confusion[static_cast<std::size_t>(expected)][static_cast<std::size_t>(predicted)];
    if (predicted != expected) result.mistakes.push_back({examples.sources[r], expected, predicted, p[static_cast<std::size_t>(predicted)]});
  }
  return result;
}

Evaluation cross_validate(const Examples& examples, int folds, TrainOptions options) {
  const auto by_class = rows_by_class(examples);
  if (folds < 2) throw Error(ErrorCode::bad_input, "Cross-validation needs at least 2 folds, not " + std::to_string(folds) + ".");
  for (std::size_t c = 0; c < by_class.size(); ++c)
    if (static_cast<int>(by_class[c].size()) < folds)
      throw Error(ErrorCode::bad_input, "The class '" + examples.labels[c] + "' has " + std::to_string(by_class[c].size()) +
                                            " examples, fewer than the " + std::to_string(folds) + " folds.",
                  "Use fewer folds (--folds) or add examples.");
  // Each class is shuffled and dealt round the folds, so every fold holds every class.
  std::mt19937 rng(options.seed);
  std::vector<int> fold_of(examples.size());
  for (auto rows : by_class) {
    std::shuffle(rows.begin(), rows.end(), rng);
    for (std::size_t i = 0; i < rows.size(); ++i) fold_of[rows[i]] = static_cast<int>(i % static_cast<std::size_t>(folds));
  }
  options.validation_fraction = 0;
  options.patience = 0;
  Evaluation total;
  total.labels = examples.labels;
  total.confusion.assign(examples.labels.size(), std::vector<int>(examples.labels.size(), 0));
  for (int k = 0; k < folds; ++k) {
    std::vector<std::size_t> train, test;
    for (std::size_t r = 0; r < examples.size(); ++r) (fold_of[r] == k ? test : train).push_back(r);
    add_into(total, evaluate(TrainedClassifier::train(examples.subset(train), options), examples.subset(test)));
  }
  return total;
}

double LearningCurvePoint::mean() const {
  return accuracies.empty() ? 0.0 : std::accumulate(accuracies.begin(), accuracies.end(), 0.0) / static_cast<double>(accuracies.size());
}

std::vector<LearningCurvePoint> learning_curve(const Examples& train, const Examples& test, const std::vector<int>& per_class, int seeds,
                                               TrainOptions options) {
  if (seeds < 1) throw Error(ErrorCode::bad_input, "A learning curve needs at least one seed.");
  const auto by_class = rows_by_class(train);
  options.validation_fraction = 0;
  options.patience = 0;
  const std::uint32_t first_seed = options.seed;
  std::vector<LearningCurvePoint> curve;
  for (int n : per_class) {
    for (std::size_t c = 0; c < by_class.size(); ++c)
      if (n < 1 || static_cast<std::size_t>(n) > by_class[c].size())
        throw Error(ErrorCode::bad_input, "The learning curve asks for " + std::to_string(n) + " examples of '" + train.labels[c] + "', which has " +
                                              std::to_string(by_class[c].size()) + ".");
    LearningCurvePoint point;
    point.per_class = n;
    for (int s = 0; s < seeds; ++s) {
      std::mt19937 rng(first_seed + static_cast<std::uint32_t>(s) * 7919u);
      std::vector<std::size_t> rows;
      for (auto pool : by_class) {
        std::shuffle(pool.begin(), pool.end(), rng);
        rows.insert(rows.end(), pool.begin(), pool.begin() + n);
      }
      options.seed = first_seed + static_cast<std::uint32_t>(s);
      point.accuracies.push_back(evaluate(TrainedClassifier::train(train.subset(rows), options), test).accuracy());
    }
    curve.push_back(std::move(point));
  }
  return curve;
}

std::string to_text(const Evaluation& r) {
  std::string out = "accuracy " + fixed(r.accuracy()) + " (" + std::to_string(r.correct()) + " of " + std::to_string(r.total()) + ")\n";
  std::size_t width = 5;
  for (const auto& l : r.labels) width = std::max(width, l.size());
  // Appends s right-aligned in w columns (appending, not operator+: GCC 12 warns falsely there).
  const auto put = [&out](const std::string& s, std::size_t w) {
    if (s.size() < w) out.append(w - s.size(), ' ');
    out += s;
  };
  const auto per_class = r.class_accuracy();
  out += "per class:\n";
  for (std::size_t c = 0; c < r.labels.size(); ++c) {
    const int n = std::accumulate(r.confusion[c].begin(), r.confusion[c].end(), 0);
    out += "  ";
    put(r.labels[c], width);
    out += "  ";
    out += n == 0 ? std::string("   -") : fixed(per_class[c]);
    out += " (" + std::to_string(r.confusion[c][c]) + " of " + std::to_string(n) + ")\n";
  }
  out += "confusion matrix (rows: true class, columns: predicted):\n  ";
  out.append(width, ' ');
  for (std::size_t c = 0; c < r.labels.size(); ++c) {
    out += ' ';
    put(r.labels[c].substr(0, 6), 6);
  }
  out += "\n";
  for (std::size_t i = 0; i < r.labels.size(); ++i) {
    out += "  ";
    put(r.labels[i], width);
    for (std::size_t j = 0; j < r.labels.size(); ++j) {
      out += ' ';
      put(std::to_string(r.confusion[i][j]), 6);
    }
    out += "\n";
  }
  if (!r.mistakes.empty()) {
    out += "misclassified (" + std::to_string(r.mistakes.size()) + "):\n";
    for (std::size_t i = 0; i < std::min<std::size_t>(r.mistakes.size(), 10); ++i) {
      const Mistake& m = r.mistakes[i];
      out += "  " + (m.source.empty() ? std::string("(example)") : m.source) + ": " + r.labels[static_cast<std::size_t>(m.expected)] + " taken for " +
             r.labels[static_cast<std::size_t>(m.predicted)] + " " + fixed(m.confidence) + "\n";
    }
    if (r.mistakes.size() > 10) out += "  ... and " + std::to_string(r.mistakes.size() - 10) + " more (see the JSON report)\n";
  }
  return out;
}

std::string to_json(const Evaluation& r) {
  nlohmann::json j;
  j["labels"] = r.labels;
  j["examples"] = r.total();
  j["accuracy"] = r.accuracy();
  nlohmann::json per_class = nlohmann::json::array();
  for (double a : r.class_accuracy()) per_class.push_back(std::isnan(a) ? nlohmann::json() : nlohmann::json(a));
  j["class_accuracy"] = per_class;
  j["confusion"] = r.confusion;
  nlohmann::json mistakes = nlohmann::json::array();
  for (const Mistake& m : r.mistakes)
    mistakes.push_back({{"file", m.source}, {"label", r.labels[static_cast<std::size_t>(m.expected)]},
                        {"predicted", r.labels[static_cast<std::size_t>(m.predicted)]}, {"confidence", m.confidence}});
  j["misclassified"] = mistakes;
  return j.dump(2) + "\n";
}

void save_confusion_png(const Evaluation& r, const fs::path& file) {
  const int n = static_cast<int>(r.labels.size());
  if (n > 100)
    throw Error(ErrorCode::bad_input, "A confusion matrix of " + std::to_string(n) + " classes is too large to draw.", "Read it in the JSON report.");
  if (r.confusion.size() != r.labels.size()) throw Error(ErrorCode::bad_input, "The evaluation's confusion matrix does not match its labels.");
  int label_width = 0;
  for (const auto& l : r.labels) label_width = std::max(label_width, text_width(l));
  const int cell = std::clamp(480 / std::max(n, 1), 28, 64);
  const int left = label_width + 24, top = 70 + std::min(label_width, 200), w = left + n * cell + 30, h = top + n * cell + 40;
  cv::Mat img(h, w, CV_8UC3, cv::Scalar(255, 255, 255));
  text(img, "confusion matrix: accuracy " + fixed(r.accuracy()) + " (" + std::to_string(r.correct()) + "/" + std::to_string(r.total()) + ")",
       {10, 24}, 0.6, {0, 0, 0}, 1);
  text(img, "rows: true class, columns: predicted", {10, 46}, 0.45, {90, 90, 90});
  for (int i = 0; i < n; ++i) {
    const int row_total = std::accumulate(r.confusion[static_cast<std::size_t>(i)].begin(), r.confusion[static_cast<std::size_t>(i)].end(), 0);
    text(img, r.labels[static_cast<std::size_t>(i)], {left - 10 - text_width(r.labels[static_cast<std::size_t>(i)]), top + i * cell + cell / 2 + 5});
    for (int j = 0; j < n; ++j) {
      const int count = r.confusion[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
      const double share = row_total == 0 ? 0.0 : static_cast<double>(count) / row_total;
      // Right answers in blue, mistakes in red, deeper for a larger share of the row.
      const cv::Scalar colour = i == j ? cv::Scalar(255, 255 - 155 * share, 255 - 215 * share) : cv::Scalar(255 - 215 * share, 255 - 215 * share, 255);
      const cv::Rect box(left + j * cell, top + i * cell, cell, cell);
      cv::rectangle(img, box, colour, cv::FILLED);
      cv::rectangle(img, box, {200, 200, 200}, 1);
      const std::string s = std::to_string(count);
      text(img, s, {box.x + (cell - text_width(s, 0.45)) / 2, box.y + cell / 2 + 5}, 0.45, share > 0.6 ? cv::Scalar(255, 255, 255) : cv::Scalar(30, 30, 30));
    }
  }
  // Column labels, turned to read upwards.
  cv::Mat heads(label_width + 10, n * cell, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::Mat turned;
  cv::rotate(heads, turned, cv::ROTATE_90_CLOCKWISE);
  for (int j = 0; j < n; ++j) text(turned, r.labels[static_cast<std::size_t>(j)], {4, j * cell + cell / 2 + 5});
  cv::rotate(turned, heads, cv::ROTATE_90_COUNTERCLOCKWISE);
  const int head_h = std::min(heads.rows, top - 56);
  heads(cv::Rect(0, heads.rows - head_h, heads.cols, head_h)).copyTo(img(cv::Rect(left, top - head_h - 4, heads.cols, head_h)));
  write_png(img, file);
}

void save_learning_curve_png(const std::vector<LearningCurvePoint>& curve, const fs::path& file, const std::string& title) {
  const int w = 720, h = 460, left = 70, right = 30, top = 50, bottom = 60;
  cv::Mat img(h, w, CV_8UC3, cv::Scalar(255, 255, 255));
  text(img, title, {left, 24}, 0.6, {0, 0, 0});
  if (curve.empty()) return write_png(img, file);
  const int max_n = std::max_element(curve.begin(), curve.end(), [](const auto& a, const auto& b) { return a.per_class < b.per_class; })->per_class;
  // A logarithmic axis when the counts span more than a decade, as 1..100 does.
  const bool log_axis = max_n >= 10 * std::max(1, curve.front().per_class);
  const double lo = log_axis ? std::log(std::max(1, curve.front().per_class)) : 0, hi = log_axis ? std::log(max_n) : max_n;
  const auto x_of = [&](double n) { return left + static_cast<int>((((log_axis ? std::log(n) : n) - lo) / std::max(hi - lo, 1e-9)) * (w - left - right)); };
  const auto y_of = [&](double a) { return top + static_cast<int>((1.0 - a) * (h - top - bottom)); };
  for (int t = 0; t <= 10; ++t) {
    const double a = t / 10.0;
    cv::line(img, {left, y_of(a)}, {w - right, y_of(a)}, t % 5 == 0 ? cv::Scalar(190, 190, 190) : cv::Scalar(235, 235, 235), 1);
    if (t % 2 == 0) text(img, fixed(a, 1), {left - 40, y_of(a) + 5}, 0.45);
  }
  for (const auto& p : curve) {
    cv::line(img, {x_of(p.per_class), h - bottom}, {x_of(p.per_class), h - bottom + 5}, {120, 120, 120}, 1);
    const std::string s = std::to_string(p.per_class);
    text(img, s, {x_of(p.per_class) - text_width(s, 0.4) / 2, h - bottom + 20}, 0.4);
  }
  cv::rectangle(img, {left, top}, {w - right, h - bottom}, {120, 120, 120}, 1);
  text(img, std::string("training examples per class") + (log_axis ? " (log scale)" : ""), {left + 180, h - 15}, 0.5);
  text(img, "accuracy on the test examples", {left, top - 6}, 0.45, {90, 90, 90});
  std::vector<cv::Point> means;
  for (const auto& p : curve) {
    const auto [lo_a, hi_a] = std::minmax_element(p.accuracies.begin(), p.accuracies.end());
    const int x = x_of(p.per_class);
    if (lo_a != p.accuracies.end()) cv::line(img, {x, y_of(*lo_a)}, {x, y_of(*hi_a)}, {230, 170, 120}, 3);  // the seeds' spread
    for (double a : p.accuracies) cv::circle(img, {x, y_of(a)}, 2, {200, 140, 90}, cv::FILLED);
    means.push_back({x, y_of(p.mean())});
  }
  cv::polylines(img, means, false, {170, 80, 20}, 2, cv::LINE_AA);
  for (const auto& m : means) cv::circle(img, m, 4, {170, 80, 20}, cv::FILLED, cv::LINE_AA);
  const auto& last = curve.back();
  text(img, fixed(last.mean()) + " at " + std::to_string(last.per_class), {std::max(left, means.back().x - 110), std::max(top + 15, means.back().y - 12)}, 0.45,
       {170, 80, 20});
  write_png(img, file);
}

}  // namespace easel
