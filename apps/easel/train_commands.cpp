// Training your own model from the terminal, as Teachable Machine's page does it:
//   easel train image --class cat=photos/cats --class dog=photos/dogs -o pets.easel
//   easel evaluate pets.easel --class cat=test/cats --class dog=test/dogs [--folds 5] [--report DIR]
//   easel predict pets.easel photo.jpg ...        (first line: "cat 0.97")
//   easel export pets.easel --format tm -o pets-tm/
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "core/files.h"
#include "easel/error.h"
#include "easel/evaluation.h"
#include "easel/neural_network.h"
#include "easel/sound_classifier.h"
#include "easel/training.h"
#include "learn/model_file.h"
#include "media.h"
#include "terminal.h"

namespace fs = std::filesystem;

namespace easel::cli {
namespace {

// "NAME=FOLDER" pairs, in the order given.
std::vector<std::pair<std::string, fs::path>> parse_classes(const std::vector<std::string>& specs) {
  std::vector<std::pair<std::string, fs::path>> out;
  for (const std::string& s : specs) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size())
      throw UsageError("--class takes NAME=FOLDER, not '" + s + "'.", "For example: --class cat=photos/cats");
    out.emplace_back(s.substr(0, eq), s.substr(eq + 1));
  }
  return out;
}

struct ExampleArgs {
  std::vector<std::string> classes;
  std::string data;  // or a folder (zip) of class folders
  std::string cache;
  bool no_cache = false;
};

void add_example_options(CLI::App* cmd, ExampleArgs& a) {
  auto* classes = cmd->add_option("--class,-c", a.classes, "A class and its folder (or zip) of examples, NAME=FOLDER (give one per class)");
  auto* data = cmd->add_option("--data,-d", a.data, "Instead: a folder or zip with one sub-folder of examples per class");
  classes->excludes(data);
  cmd->add_option("--cache", a.cache, "Where features are kept between runs (default ~/.cache/easel/features)");
  cmd->add_flag("--no-cache", a.no_cache, "Compute every example's features again and keep none");
}

// The examples of the folders through `extractor`, with a progress bar and every file that
// gave none listed on stderr.
Examples load_examples(const ExampleArgs& a, const std::string& extractor_name) {
  FeatureExtractor extractor = FeatureExtractor::create({.model = extractor_name});
  const MediaKind kind = extractor.is_sound() ? MediaKind::sound : extractor.is_pose() ? MediaKind::pose : MediaKind::image;
  if (a.classes.empty() && a.data.empty())
    throw UsageError("Give the examples: --class NAME=FOLDER for each class, or --data FOLDER with a sub-folder per class.");
  const Dataset data = a.data.empty() ? Dataset::from_folders(parse_classes(a.classes), kind) : Dataset::from_folder_of_classes(a.data, kind);
  ExtractOptions options;
  options.cache_dir = a.cache;
  options.use_cache = !a.no_cache;
  ProgressBar bar(static_cast<int>(data.files.size()));
  options.progress = [&](std::size_t done, std::size_t) {
    bar.update(static_cast<int>(done), done < data.files.size() ? data.files[done].file.filename().string() : std::string());
  };
  Examples examples = extract_examples(extractor, data, options);
  for (const SkippedFile& s : examples.skipped) bar.note("skipped " + s.file.string() + ": " + s.reason + "\n");
  return examples;
}

std::string counts_text(const Examples& e) {
  std::string s;
  const auto n = e.counts();
  for (std::size_t c = 0; c < n.size(); ++c) s += (c ? ", " : "") + e.labels[c] + " " + std::to_string(n[c]);
  return s;
}

void write_report(const Evaluation& r, const std::string& dir, const std::vector<EpochReport>& history = {}) {
  if (dir.empty()) return;
  detail::write_file_atomic(fs::path(dir) / "evaluation.txt", to_text(r));
  detail::write_file_atomic(fs::path(dir) / "evaluation.json", to_json(r));
  save_confusion_png(r, fs::path(dir) / "confusion.png");
  if (!history.empty()) {
    std::string csv = "epoch,loss,accuracy,validation_loss,validation_accuracy\n";
    for (const EpochReport& e : history) {
      char line[160];
      std::snprintf(line, sizeof line, "%d,%.6f,%.6f,%s,%s\n", e.epoch, e.loss, e.accuracy,
                    e.has_validation ? std::to_string(e.validation_loss).c_str() : "", e.has_validation ? std::to_string(e.validation_accuracy).c_str() : "");
      csv += line;
    }
    detail::write_file_atomic(fs::path(dir) / "history.csv", csv);
  }
  std::fprintf(messages(), "report written to %s (evaluation.txt, evaluation.json, confusion.png%s)\n", dir.c_str(),
               history.empty() ? "" : ", history.csv");
}

struct TrainArgs {
  ExampleArgs examples;
  std::string out, base = "tm-image-2019", from, report;
  TrainOptions options;
  bool quiet = false;
};

void train_image(const TrainArgs& a) {
  if (fs::exists(a.out) && fs::is_directory(a.out)) throw UsageError("-o names a folder; give the model file's name, e.g. -o " + (fs::path(a.out) / "model.easel").string());
  std::optional<TrainedClassifier> start;
  std::string base = a.base;
  if (!a.from.empty()) {
    start.emplace(learn::is_model_file(a.from) ? TrainedClassifier::load(a.from) : TrainedClassifier::import_teachable_machine(a.from));
    base = start->extractor();
  }
  const Examples examples = load_examples(a.examples, base);
  std::fprintf(messages(), "%zu examples (%s) from %s\n", examples.size(), counts_text(examples).c_str(), base.c_str());
  TrainOptions options = a.options;
  if (start) options.start_from = &*start;
  if (!a.quiet && options.knn == 0)
    options.on_epoch = [](const EpochReport& r) {
      if (r.has_validation)
        std::fprintf(messages(), "epoch %d/%d  loss %.4f  accuracy %.3f  validation loss %.4f  validation accuracy %.3f\n", r.epoch, r.epochs, r.loss,
                     r.accuracy, r.validation_loss, r.validation_accuracy);
      else
        std::fprintf(messages(), "epoch %d/%d  loss %.4f  accuracy %.3f\n", r.epoch, r.epochs, r.loss, r.accuracy);
    };
  const TrainedClassifier model = TrainedClassifier::train(examples, options);
  model.save(a.out);
  std::printf("saved %s: %zu classes, %zu examples, %s\n", a.out.c_str(), model.labels().size(), examples.size(),
              model.is_knn() ? ("KNN with k = " + std::to_string(options.knn)).c_str() : (std::to_string(model.history().size()) + " epochs").c_str());
  if (model.validation().total() > 0) {
    std::printf("on the %d held-out examples:\n%s", model.validation().total(), to_text(model.validation()).c_str());
    write_report(model.validation(), a.report, model.history());
  } else if (!a.report.empty()) {
    std::fprintf(messages(), "no examples were held out (--validation 0): no report\n");
  }
}

struct TableArgs {
  std::string data, out, name = "model", task, inputs_list;
  std::vector<std::string> targets;
  NeuralNetworkOptions network;
  NeuralNetworkTrainOptions training;
  bool no_normalize = false, quiet = false;
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string item;
  for (char c : s + ",") {
    if (c == ',') {
      if (!item.empty()) out.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  return out;
}

void train_table(TableArgs a) {
  const std::vector<std::string> columns = data_columns(a.data);
  for (const std::string& t : a.targets)
    if (std::find(columns.begin(), columns.end(), t) == columns.end())
      throw UsageError("'" + a.data + "' has no column '" + t + "'.", "Its columns: " + [&] {
        std::string s;
        for (const auto& c : columns) s += (s.empty() ? "" : ", ") + c;
        return s;
      }());
  std::vector<std::string> inputs = split_list(a.inputs_list);
  if (inputs.empty())
    for (const std::string& c : columns)
      if (std::find(a.targets.begin(), a.targets.end(), c) == a.targets.end()) inputs.push_back(c);
  if (a.task.empty()) {
    // Words to learn are classes; numbers, a regression (say so: digits could be either).
    NeuralNetwork probe({.task = NeuralNetworkTask::regression});
    try {
      probe.load_data(a.data, inputs, a.targets);
      a.task = "regression";
      std::fprintf(messages(), "'%s' holds numbers: a regression (--task classification to learn them as classes)\n", a.targets[0].c_str());
    } catch (const Error&) {
      a.task = "classification";
    }
  }
  if (a.task != "classification" && a.task != "regression") throw UsageError("--task takes classification or regression, not '" + a.task + "'.");
  a.network.task = a.task == "classification" ? NeuralNetworkTask::classification : NeuralNetworkTask::regression;
  NeuralNetwork nn(a.network);
  nn.load_data(a.data, inputs, a.targets);
  std::fprintf(messages(), "%zu rows, %zu inputs -> %s (%s)\n", nn.data_size(), inputs.size(), a.targets[0].c_str(), a.task.c_str());
  if (!a.no_normalize) nn.normalize_data();
  if (!a.quiet)
    a.training.on_epoch = [&a](const EpochReport& r) {
      const bool classify = a.task == "classification";
      std::string line = "epoch " + std::to_string(r.epoch) + "/" + std::to_string(r.epochs);
      char buf[160];
      std::snprintf(buf, sizeof buf, "  loss %.4f", r.loss);
      line += buf;
      if (classify) std::snprintf(buf, sizeof buf, "  accuracy %.3f", r.accuracy), line += buf;
      if (r.has_validation) {
        std::snprintf(buf, sizeof buf, "  validation loss %.4f", r.validation_loss);
        line += buf;
        if (classify) std::snprintf(buf, sizeof buf, "  validation accuracy %.3f", r.validation_accuracy), line += buf;
      }
      std::fprintf(messages(), "%s\n", line.c_str());
    };
  nn.train(a.training);
  nn.save(a.out, a.name);
  std::printf("saved %s (%s.json, %s.weights.bin, %s_meta.json: ml5's neuralNetwork format)\n", a.out.c_str(), a.name.c_str(), a.name.c_str(),
              a.name.c_str());
}

// An ml5 neuralNetwork save: a folder holding model.json and model_meta.json, or a NAME.json
// with NAME_meta.json beside it.
bool is_network_save(const fs::path& p) {
  if (fs::is_directory(p)) return fs::is_regular_file(p / "model.json") && fs::is_regular_file(p / "model_meta.json");
  return p.extension() == ".json" && fs::is_regular_file(p.parent_path() / (p.stem().string() + "_meta.json"));
}

// `easel predict SAVE name=value ...`: classes most confident first, or the predicted values.
void predict_table(const std::string& model, const std::vector<std::string>& args) {
  const NeuralNetwork nn = NeuralNetwork::load(model);
  DataRow row;
  for (const std::string& a : args) {
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("Give the inputs as NAME=VALUE, not '" + a + "'.");
    const std::string name = a.substr(0, eq), text = a.substr(eq + 1);
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (!text.empty() && end == text.c_str() + text.size()) row.emplace_back(name, v);
    else row.emplace_back(name, text);
  }
  if (nn.task() == NeuralNetworkTask::classification) {
    for (const Classification& c : nn.classify(row)) std::printf("%s %.2f\n", c.label.c_str(), c.confidence);
  } else {
    for (const Prediction& p : nn.predict(row)) std::printf("%s %g\n", p.label.c_str(), p.value);
  }
}

// A MODEL.easel trained on sounds (its extractor hears sound).
bool is_sound_model(const std::string& model) {
  if (!fs::is_regular_file(model) || !learn::is_model_file(model)) return false;
  return FeatureExtractor::hears_sounds(TrainedClassifier::load(model).extractor());
}

// Each recording's top classes: "label 0.97" lines for one, "FILE: label 0.97; ..." for several.
void predict_sounds(const std::string& model, const std::vector<std::string>& inputs, int top, int threads, bool json) {
  if (inputs.empty()) throw UsageError("Give one or more sound files to classify.");
  SoundClassifier classifier = SoundClassifier::create({.model = model, .top_k = top, .threads = threads});
  for (const std::string& file : inputs) {
    const auto results = classifier.classify(load_audio(file));
    if (json) {
      auto list = nlohmann::ordered_json::array();
      for (const Classification& c : results) list.push_back({{"label", c.label}, {"confidence", c.confidence}, {"index", c.index}});
      std::printf("%s\n", nlohmann::ordered_json{{"sound", file}, {"model", model}, {"classes", list}}.dump().c_str());
      continue;
    }
    std::string line;
    for (const Classification& c : results) {
      char text[200];
      std::snprintf(text, sizeof text, "%s %.2f", c.label.c_str(), c.confidence);
      line += (line.empty() ? "" : inputs.size() > 1 ? "; " : "\n") + std::string(text);
    }
    std::printf("%s%s\n", inputs.size() > 1 ? (file + ": ").c_str() : "", line.c_str());
  }
}

struct EvaluateArgs {
  std::string model, report, table;
  ExampleArgs examples;
  int folds = 0;
  bool json = false;
};

void evaluate_model(const EvaluateArgs& a) {
  if (is_network_save(a.model)) {
    if (a.table.empty()) throw UsageError("A neuralNetwork model is evaluated on a table: pass --table DATA.csv.");
    const Evaluation result = NeuralNetwork::load(a.model).evaluate(a.table);
    std::fputs(a.json ? to_json(result).c_str() : to_text(result).c_str(), stdout);
    write_report(result, a.report);
    return;
  }
  const TrainedClassifier model = TrainedClassifier::load(a.model);
  const Examples examples = load_examples(a.examples, model.extractor());
  Evaluation result;
  if (a.folds > 0) {
    std::fprintf(messages(), "%d-fold cross-validation on %zu examples (%s), trained as %s was\n", a.folds, examples.size(),
                 counts_text(examples).c_str(), a.model.c_str());
    result = cross_validate(examples, a.folds, model.options());
  } else {
    result = evaluate(model, examples);
  }
  std::fputs(a.json ? to_json(result).c_str() : to_text(result).c_str(), stdout);
  write_report(result, a.report);
}

struct PredictArgs {
  std::string model;
  MediaArgs media;
  int top = 3;
  int threads = 0;
};

struct ExportArgs {
  std::string model, format = "tm", out;
};

void export_model(const ExportArgs& a) {
  if (a.format != "tm") throw UsageError("--format takes 'tm' (Teachable Machine's TF.js layout), not '" + a.format + "'.");
  TrainedClassifier::load(a.model).export_teachable_machine(a.out);
  std::printf("exported %s to %s (model.json, weights.bin, metadata.json)\n", a.model.c_str(), a.out.c_str());
}

}  // namespace

void add_training_commands(CLI::App& app) {
  auto train = app.add_subcommand("train", "Train your own model: from folders of pictures, sounds or poses (Teachable Machine's way) or a table (ml5's neuralNetwork)");
  train->require_subcommand(1);
  // image, sound and pose: the same training on another extractor's features.
  const auto add_trainer = [train](const char* name, const char* what, const char* base, const char* base_help) {
    auto t = std::make_shared<TrainArgs>();
    t->base = base;
    auto cmd = train->add_subcommand(name, what);
    add_example_options(cmd, t->examples);
    cmd->add_option("-o,--out", t->out, "The model file to write (MODEL.easel)")->required();
    cmd->add_option("--epochs", t->options.epochs, "Passes over the examples (default 50)")->check(CLI::PositiveNumber);
    cmd->add_option("--batch", t->options.batch_size, "Examples per step (default 16)")->check(CLI::PositiveNumber);
    cmd->add_option("--lr", t->options.learning_rate, "Adam's learning rate (default 0.001)")->check(CLI::PositiveNumber);
    cmd->add_option("--hidden", t->options.hidden_units, "Units of the hidden layer (default 100; 0: none)")->check(CLI::NonNegativeNumber);
    cmd->add_option("--validation", t->options.validation_fraction, "Share of each class held out to check on (default 0.15)")
        ->check(CLI::Range(0.0, 0.95));
    cmd->add_option("--patience", t->options.patience, "Stop when the validation loss has not improved for this many epochs (default: off)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--knn", t->options.knn, "Keep the examples and vote among the K nearest (ml5's KNN) instead of training")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--seed", t->options.seed, "Seed of the shuffles and initial weights (default 1)");
    cmd->add_option("--base", t->base, base_help);
    cmd->add_option("--from", t->from, "Retrain this model (MODEL.easel or a Teachable Machine export), keeping what it learnt");
    cmd->add_option("--report", t->report, "Write the held-out evaluation here (text, JSON, confusion.png, history.csv)");
    cmd->add_flag("--quiet,-q", t->quiet, "No line per epoch");
    cmd->callback([t] { train_image(*t); });
  };
  add_trainer("image", "Train an image classifier: one folder of pictures per class", "tm-image-2019",
              "The feature extractor (default tm-image-2019: Teachable Machine's own)");
  add_trainer("sound", "Train a sound classifier: one folder of recordings per class (WAV, FLAC, OGG; long ones cut into 1 s windows)",
              "speech-embedding", "The sound feature extractor (default speech-embedding)");
  add_trainer("pose", "Train a pose classifier: one folder of pictures of people per class (the pose of the most confident person)",
              "movenet-lightning", "The pose model (default movenet-lightning; movenet-thunder, posenet)");

  auto tb = std::make_shared<TableArgs>();
  auto table = train->add_subcommand("table", "Train ml5's neuralNetwork on a table (CSV or JSON): classify or predict a column");
  table->add_option("data", tb->data, "DATA.csv or DATA.json")->required()->check(CLI::ExistingFile);
  table->add_option("--target,-t", tb->targets, "The column to learn (give it again for several, in regression)")->required();
  table->add_option("--inputs", tb->inputs_list, "The input columns, comma-separated (default: all the others)");
  table->add_option("--task", tb->task, "classification or regression (default: classification for words, regression for numbers)");
  table->add_option("--epochs", tb->training.epochs, "Passes over the rows (default 10)")->check(CLI::PositiveNumber);
  table->add_option("--batch", tb->training.batch_size, "Rows per step (default 32)")->check(CLI::PositiveNumber);
  table->add_option("--lr", tb->network.learning_rate, "Learning rate (default 0.2: SGD's to classify, Adam's to predict)")->check(CLI::PositiveNumber);
  table->add_option("--hidden", tb->network.hidden_units, "Units of the hidden layer (default 16)")->check(CLI::PositiveNumber);
  table->add_option("--validation", tb->training.validation_split, "Share of the rows, the last ones, held out (default 0.1)")->check(CLI::Range(0.0, 0.95));
  table->add_option("--seed", tb->network.seed, "Seed of the initial weights and shuffles (default 1)");
  table->add_flag("--no-normalize", tb->no_normalize, "Keep the numbers as they are (ml5 without normalizeData())");
  table->add_option("-o,--out", tb->out, "The folder to save in (ml5's three files)")->required();
  table->add_option("--name", tb->name, "The files' name (default model: model.json, model.weights.bin, model_meta.json)");
  table->add_flag("--quiet,-q", tb->quiet, "No line per epoch");
  table->callback([tb] { train_table(*tb); });

  auto e = std::make_shared<EvaluateArgs>();
  auto evaluate = app.add_subcommand("evaluate", "How well a trained model does on labelled examples it never saw (or k-fold)");
  evaluate->add_option("model", e->model, "MODEL.easel")->required();
  add_example_options(evaluate, e->examples);
  evaluate->add_option("--table", e->table, "A neuralNetwork model's test rows (CSV or JSON with its columns)");
  evaluate->add_option("--folds", e->folds, "Instead: k-fold cross-validation of the model's training on these examples")->check(CLI::Range(2, 100));
  evaluate->add_option("--report", e->report, "Write evaluation.txt, evaluation.json and confusion.png here");
  evaluate->add_flag("--json", e->json, "Print the evaluation as JSON (the misclassified files included)");
  evaluate->callback([e] { evaluate_model(*e); });

  auto p = std::make_shared<PredictArgs>();
  auto predict = app.add_subcommand("predict", "Use a model you trained on pictures or sounds, or on a table with NAME=VALUE inputs (first line: the top label and its confidence)");
  predict->add_option("model", p->model, "MODEL.easel, a Teachable Machine export, or an ml5 neuralNetwork save (then: NAME=VALUE ...)")->required();
  add_media_options(predict, p->media, "its top classes");
  predict->add_option("--top,-k", p->top, "How many classes to print per image (default 3)")->check(CLI::PositiveNumber);
  predict->add_option("--threads", p->threads, "Threads (0: all cores)");
  predict->callback([p] {
    if (is_network_save(p->model)) return predict_table(p->model, p->media.inputs);
    if (is_sound_model(p->model)) return predict_sounds(p->model, p->media.inputs, p->top, p->threads, p->media.json);
    classify_media(p->media, p->model, p->top, p->threads);
  });

  auto x = std::make_shared<ExportArgs>();
  auto exp = app.add_subcommand("export", "Write a trained model in another tool's format (tm: Teachable Machine's TF.js export)");
  exp->add_option("model", x->model, "MODEL.easel")->required();
  exp->add_option("--format", x->format, "tm (default): model.json, weights.bin and metadata.json");
  exp->add_option("-o,--out", x->out, "The folder to write")->required();
  exp->callback([x] { export_model(*x); });
}

}  // namespace easel::cli
