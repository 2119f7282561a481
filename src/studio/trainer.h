// Training in the studio: one job at a time per project, on a thread of its own, through the
// same public API a program uses (extract_examples, TrainedClassifier::train, evaluate,
// learning_curve). Its progress is a list of events the page follows (server-sent events);
// its results are files in the project: model/model.easel and model/report.json, written
// atomically, so a restarted server shows the last model trained.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "easel/classification.h"
#include "studio/project_store.h"

namespace easel::studio {

struct TrainSettings {
  int epochs = 50;
  int batch_size = 16;
  float learning_rate = 0.001f;
};

// The feature extractor of a kind of project: Teachable Machine's image model, the speech
// embedding for sounds, MoveNet for poses.
const char* extractor_for(MediaKind kind);

class Trainer {
 public:
  explicit Trainer(ProjectStore& store);
  ~Trainer();  // stops and joins every job

  // Starts training; StudioError(409) while the project's last job still runs, (400) for
  // settings out of range.
  void start(const std::string& project, const TrainSettings& settings);
  // The project's job's events from `from` on, waiting up to `timeout` for one when there
  // are none yet. `finished`: the job has ended (done or failed) and every event is given.
  std::vector<nlohmann::json> events(const std::string& project, std::size_t from, std::chrono::milliseconds timeout, bool& finished);
  bool running(const std::string& project) const;

  // The report of the last model trained (404 when there is none).
  nlohmann::json report(const std::string& project) const;
  std::filesystem::path model_file(const std::string& project) const;  // 404 when none
  // Every class's probability for one sample (a photo, or a recording of about a second).
  std::vector<Classification> predict(const std::string& project, const std::string& bytes);

  struct Job;
  struct Loaded;

 private:
  void run(Job& job, std::string project, TrainSettings settings);

  ProjectStore& store_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  std::map<std::string, std::shared_ptr<Loaded>> loaded_;  // models opened for predict
};

}  // namespace easel::studio
