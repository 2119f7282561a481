#include "studio/trainer.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <optional>
#include <random>

#include "core/files.h"
#include "easel/audio.h"
#include "easel/error.h"
#include "easel/evaluation.h"
#include "easel/feature_extractor.h"
#include "easel/image.h"
#include "easel/training.h"
#include "learn/trained_classifier_impl.h"
#include "studio/project_archive.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace easel::studio {

struct Trainer::Job {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<json> events;
  bool finished = false;
  std::atomic<bool> cancel{false};
  std::thread thread;

  void emit(json event) {
    {
      std::lock_guard lock(mutex);
      events.push_back(std::move(event));
    }
    changed.notify_all();
  }
};

// A trained model opened for predictions, kept while its file stays the same.
struct Trainer::Loaded {
  Loaded(fs::file_time_type w, TrainedClassifier m, FeatureExtractor e) : written(w), model(std::move(m)), extractor(std::move(e)) {}
  fs::file_time_type written;
  TrainedClassifier model;
  FeatureExtractor extractor;
  std::mutex mutex;  // one prediction at a time through the extractor
};

namespace {

struct Cancelled {};

fs::path model_dir(const ProjectStore& store, const std::string& project) { return store.folder(project) / "model"; }

// A file of the project's trained model; 404 before there is one.
fs::path trained(const ProjectStore& store, const std::string& project, const char* name) {
  const fs::path file = model_dir(store, project) / name;
  if (!fs::exists(file)) throw StudioError(404, "not_trained", "This project has no trained model yet.", "Train it first.");
  return file;
}

// A sample's class and id from its file's path (PROJECTS/p-../c-../s-...ext).
json sample_ref(const std::string& file) {
  const fs::path p(file);
  return {{"class", p.parent_path().filename().string()}, {"sample", p.stem().string()}};
}

}  // namespace

const char* extractor_for(MediaKind kind) {
  switch (kind) {
    case MediaKind::sound: return "speech-embedding";
    case MediaKind::pose: return "movenet-lightning";
    case MediaKind::image: break;
  }
  return "tm-image-2019";
}

Trainer::Trainer(ProjectStore& store) : store_(store) {}

Trainer::~Trainer() {
  std::map<std::string, std::shared_ptr<Job>> jobs;
  {
    std::lock_guard lock(mutex_);
    jobs = jobs_;
  }
  for (auto& [id, job] : jobs) job->cancel = true;
  for (auto& [id, job] : jobs)
    if (job->thread.joinable()) job->thread.join();
}

void Trainer::start(const std::string& project, const TrainSettings& settings) {
  const ProjectInfo info = store_.get(project);  // 404 for no such project
  if (info.kind == MediaKind::sound) {
    const auto noise = std::find_if(info.classes.begin(), info.classes.end(), [](const ClassInfo& c) { return c.name == kBackgroundNoise; });
    if (noise == info.classes.end() || !noise->enabled || noise->samples == 0)
      throw StudioError(400, "bad_input", "A sound project trains with samples of its Background Noise class.",
                        "Record a few seconds of the room's quiet there (Teachable Machine asks for 20).");
  }
  if (settings.epochs < 1 || settings.epochs > 1000) throw StudioError(400, "bad_input", "Epochs must be between 1 and 1000.");
  if (settings.batch_size < 1 || settings.batch_size > 1024) throw StudioError(400, "bad_input", "The batch size must be between 1 and 1024.");
  if (!(settings.learning_rate > 0 && settings.learning_rate <= 1))
    throw StudioError(400, "bad_input", "The learning rate must be above 0 and at most 1.");
  std::lock_guard lock(mutex_);
  auto& slot = jobs_[project];
  if (slot) {
    std::lock_guard job_lock(slot->mutex);
    if (!slot->finished) throw StudioError(409, "busy", "This project is training already.", "Wait for it to finish.");
  }
  if (slot && slot->thread.joinable()) slot->thread.join();
  slot = std::make_shared<Job>();
  Job& job = *slot;
  job.thread = std::thread([this, &job, project, settings] { run(job, project, settings); });
}

void Trainer::run(Job& job, std::string project, TrainSettings settings) {
  try {
    const ProjectInfo info = store_.get(project);
    const Dataset data = store_.dataset(project);
    job.emit({{"stage", "features"}, {"done", 0}, {"total", data.files.size()}});
    // An imported model is where training starts from: its classes keep what they learnt,
    // on its own features.
    std::optional<TrainedClassifier> start;
    if (fs::exists(start_model(store_, project))) start.emplace(TrainedClassifier::load(start_model(store_, project)));
    FeatureExtractor extractor = FeatureExtractor::create({.model = start ? start->extractor() : std::string(extractor_for(info.kind))});
    ExtractOptions extract;
    std::size_t last = 0;
    extract.progress = [&](std::size_t done, std::size_t total) {
      if (job.cancel) throw Cancelled{};
      if (done == total || done >= last + std::max<std::size_t>(1, total / 50)) {
        last = done;
        job.emit({{"stage", "features"}, {"done", done}, {"total", total}});
      }
    };
    const Examples examples = extract_examples(extractor, data, extract);

    TrainOptions options;
    options.epochs = settings.epochs;
    options.batch_size = settings.batch_size;
    options.learning_rate = settings.learning_rate;
    if (start) options.start_from = &*start;
    options.on_epoch = [&](const EpochReport& r) {
      if (job.cancel) throw Cancelled{};
      json e = {{"stage", "epoch"}, {"epoch", r.epoch}, {"epochs", r.epochs}, {"loss", r.loss}, {"accuracy", r.accuracy}};
      if (r.has_validation) e["validation_loss"] = r.validation_loss, e["validation_accuracy"] = r.validation_accuracy;
      job.emit(e);
    };
    const TrainedClassifier model = TrainedClassifier::train(examples, options);

    // How accuracy grows with examples: models trained on 1, 2, 4 ... examples per class of
    // the training share, each checked on the samples the model held out (the same split:
    // its seed, first thing).
    json curve = json::array();
    {
      std::mt19937 rng(options.seed);
      const auto rows = learn::holdout_split(examples, options.validation_fraction, rng);
      const Examples train = examples.subset(rows.train), test = examples.subset(rows.validation);
      const auto counts = train.counts();
      const int most = counts.empty() ? 0 : *std::min_element(counts.begin(), counts.end());
      std::vector<int> per_class;
      for (int n = 1; n < most; n *= 2) per_class.push_back(n);
      if (most > 0) per_class.push_back(most);
      if (test.size() > 0 && most > 0) {
        job.emit({{"stage", "learning_curve"}});
        TrainOptions quiet = options;
        quiet.on_epoch = {};
        quiet.start_from = nullptr;  // the curve measures learning from these samples alone
        quiet.validation_fraction = 0;
        for (const auto& point : learning_curve(train, test, per_class, 2, quiet)) {
          if (job.cancel) throw Cancelled{};
          curve.push_back({{"per_class", point.per_class}, {"accuracy", point.mean()}});
        }
      }
    }

    const fs::path dir = model_dir(store_, project);
    fs::create_directories(dir);
    model.save(dir / "model.easel");
    json evaluation = json::parse(to_json(model.validation()));
    for (auto& m : evaluation["misclassified"]) m.update(sample_ref(m["file"].get<std::string>()));
    json history = json::array();
    for (const EpochReport& r : model.history()) {
      json h = {{"epoch", r.epoch}, {"loss", r.loss}, {"accuracy", r.accuracy}};
      if (r.has_validation) h["validation_loss"] = r.validation_loss, h["validation_accuracy"] = r.validation_accuracy;
      history.push_back(h);
    }
    json skipped = json::array();
    for (const SkippedFile& s : examples.skipped) skipped.push_back({{"file", s.file.filename().string()}, {"reason", s.reason}});
    std::vector<std::string> class_ids;
    for (const auto& c : info.classes)
      if (c.enabled) class_ids.push_back(c.id);
    const json report = {{"labels", model.labels()},
                         {"class_ids", class_ids},
                         {"examples", examples.size()},
                         {"counts", examples.counts()},
                         {"extractor", model.extractor()},
                         {"settings", {{"epochs", settings.epochs}, {"batch_size", settings.batch_size}, {"learning_rate", settings.learning_rate}}},
                         {"history", history},
                         {"evaluation", evaluation},
                         {"learning_curve", curve},
                         {"skipped", skipped}};
    detail::write_file_atomic(dir / "report.json", report.dump(1) + "\n");
    job.emit({{"stage", "done"}, {"accuracy", model.validation().accuracy()}, {"held_out", model.validation().total()}});
  } catch (const Cancelled&) {
    job.emit({{"stage", "error"}, {"message", "Training was stopped."}});
  } catch (const Error& e) {
    job.emit({{"stage", "error"}, {"message", e.what()}, {"hint", e.hint()}});
  } catch (const StudioError& e) {
    job.emit({{"stage", "error"}, {"message", e.what()}, {"hint", e.hint}});
  } catch (const std::exception& e) {
    job.emit({{"stage", "error"}, {"message", std::string("Training failed: ") + e.what()}, {"hint", "This is a bug in easel; please report it."}});
  }
  {
    std::lock_guard lock(job.mutex);
    job.finished = true;
  }
  job.changed.notify_all();
}

std::vector<json> Trainer::events(const std::string& project, std::size_t from, std::chrono::milliseconds timeout, bool& finished) {
  std::shared_ptr<Job> job;
  {
    std::lock_guard lock(mutex_);
    auto it = jobs_.find(project);
    if (it != jobs_.end()) job = it->second;
  }
  if (!job) {
    finished = true;
    return {};
  }
  std::unique_lock lock(job->mutex);
  job->changed.wait_for(lock, timeout, [&] { return job->events.size() > from || job->finished; });
  finished = job->finished;
  if (from >= job->events.size()) return {};
  return {job->events.begin() + static_cast<std::ptrdiff_t>(from), job->events.end()};
}

bool Trainer::running(const std::string& project) const {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(project);
  if (it == jobs_.end()) return false;
  std::lock_guard job_lock(it->second->mutex);
  return !it->second->finished;
}

json Trainer::report(const std::string& project) const { return json::parse(detail::read_file(trained(store_, project, "report.json"))); }

fs::path Trainer::model_file(const std::string& project) const { return trained(store_, project, "model.easel"); }

std::vector<Classification> Trainer::predict(const std::string& project, const std::string& bytes) {
  const fs::path file = model_file(project);
  const auto written = fs::last_write_time(file);
  std::shared_ptr<Loaded> loaded;
  {
    std::lock_guard lock(mutex_);
    auto& slot = loaded_[project];
    if (!slot || slot->written != written) {
      TrainedClassifier model = TrainedClassifier::load(file);
      FeatureExtractor extractor = FeatureExtractor::create({.model = model.extractor()});
      slot = std::make_shared<Loaded>(written, std::move(model), std::move(extractor));
    }
    loaded = slot;
  }
  if (bytes.empty()) throw StudioError(400, "bad_input", "Send a photo or a recording to classify.");
  // Decoded from a file, as samples are, so every format and limit is the same.
  const detail::TempDir tmp = store_.scratch("predict-");
  const fs::path f = tmp.path() / "input";
  detail::write_file_atomic(f, bytes);
  std::vector<float> features;
  {
    std::lock_guard lock(loaded->mutex);
    try {
      features = loaded->extractor.is_sound() ? loaded->extractor.extract(load_audio(f)) : loaded->extractor.extract(Image::load(f));
    } catch (const Error& e) {
      // A photo with no one in it for a pose model, a file that is no photo: the page says so.
      throw StudioError(e.code() == ErrorCode::bad_input ? 422 : 500, "cannot_classify", e.what(), e.hint());
    }
  }
  const std::vector<float> p = loaded->model.probabilities(features);
  std::vector<Classification> out;
  for (std::size_t i = 0; i < p.size(); ++i) out.push_back({loaded->model.labels()[i], p[i], static_cast<int>(i)});
  return out;
}

}  // namespace easel::studio
