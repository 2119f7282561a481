// easel live pose|detect|classify|predict (--video FILE | --camera N) [--model M] [--osc HOST:PORT]
// [--out FILE] [--max-frames N] [--every-frame] [--quiet]: a model on a video as it plays
// or on a camera, the newest frame each time (stale ones dropped), one line per analysed
// frame with its latency, OSC to other tools (Wekinator's /wek/inputs and easel's own
// addresses, include/easel/osc.h), the annotated frames written with --out.
#include <csignal>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <chrono>
#include <thread>
#include <string>
#include <vector>

#include "commands.h"
#include "easel/draw.h"
#include "easel/image_classifier.h"
#include "easel/live.h"
#include "easel/object_detector.h"
#include "easel/osc.h"
#include "easel/pose.h"
#include "easel/video.h"

namespace easel::cli {
namespace {

volatile std::sig_atomic_t interrupted = 0;

struct LiveArgs {
  std::string task, model, video, osc, out;
  int camera = -1, max_frames = 0, threads = 0;
  bool every_frame = false, quiet = false, headless = false, wekinator = false;
};

void run_live(const LiveArgs& a) {
  if (a.video.empty() == (a.camera < 0)) throw UsageError("Give one source: --video FILE or --camera N.");
  VideoReader source = a.video.empty() ? VideoReader::camera(a.camera) : VideoReader::open(a.video);
  std::optional<OscSender> osc;
  if (!a.osc.empty() && a.wekinator) throw UsageError("Give --osc HOST:PORT or --wekinator, not both.");
  // Wekinator listens for inputs on 6448 and its output patches for outputs on 12000.
  if (a.wekinator) osc.emplace(OscSender::open(a.task == "predict" ? "127.0.0.1:12000" : "127.0.0.1:6448"));
  else if (!a.osc.empty()) osc.emplace(OscSender::open(a.osc));
  std::optional<PoseEstimator> poses;
  std::optional<ObjectDetector> detector;
  std::optional<ImageClassifier> classifier;
  if (a.task == "pose") poses.emplace(PoseEstimator::create({.model = a.model.empty() ? "movenet-multipose" : a.model, .threads = a.threads}));
  else if (a.task == "detect") detector.emplace(ObjectDetector::create({.model = a.model.empty() ? "yolo" : a.model, .threads = a.threads}));
  else classifier.emplace(ImageClassifier::create({.model = a.model.empty() ? "mobilenet" : a.model, .threads = a.threads}));
  // predict: a model you trained, speaking to Wekinator's output patches (port 12000).
  const bool wekinator_outputs = a.task == "predict";
  std::optional<VideoWriter> writer;
  std::optional<Error> failure;
  std::mutex failure_mutex;

  const auto on_frame = [&](const LiveFrame& frame) {
    Image picture = frame.image;
    std::string said;
    if (poses) {
      const auto found = poses->estimate(picture);
      if (osc) osc->send_pose(found);
      for (std::size_t i = 0; i < found.size(); ++i) draw_pose(picture, found[i], 0.3f, palette(static_cast<int>(i)));
      said = std::to_string(found.size()) + (found.size() == 1 ? " person" : " people");
    } else if (detector) {
      const auto found = detector->detect(picture);
      if (osc) osc->send_detections(found);
      for (const Detection& d : found) draw_box(picture, d.box, d.label, palette(d.class_index));
      for (const Detection& d : found) said += (said.empty() ? "" : ", ") + d.label;
      if (said.empty()) said = "nothing";
    } else {
      const auto p = classifier->probabilities(picture);
      if (osc && wekinator_outputs) osc->send_wek_outputs(p, classifier->labels());
      else if (osc) osc->send_classes(p, classifier->labels());
      const auto best = classifier->classify(picture);
      char text[200];
      std::snprintf(text, sizeof text, "%s %.2f", best.empty() ? "?" : best[0].label.c_str(), best.empty() ? 0.f : best[0].confidence);
      said = text;
      draw_text(picture, said, 8, 24);
    }
    if (!a.out.empty()) {
      if (!writer) writer.emplace(VideoWriter::create(a.out, picture.width(), picture.height(), source.fps() > 0 ? source.fps() : 30));
      writer->write(picture);
    }
    if (!a.quiet) std::printf("[%7.0f ms] frame %d: %s (waited %.0f ms)\n", frame.timestamp_ms, frame.index, said.c_str(), frame.age_ms);
    std::fflush(stdout);
  };
  const auto on_error = [&](const Error& e) {
    std::lock_guard lock(failure_mutex);
    failure = e;
  };
  std::signal(SIGINT, [](int) { interrupted = 1; });
  LiveLoop live = LiveLoop::start(std::move(source), on_frame, on_error, {.realtime = !a.every_frame, .max_frames = a.max_frames});
  while (live.running() && !interrupted) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  live.stop();
  if (writer) writer->close();
  const LiveStats s = live.stats();
  std::fprintf(stderr, "%d frames read, %d analysed, %d dropped (the model was busy); last latency %.0f ms\n", s.read, s.analysed, s.dropped,
               s.latency_ms);
  if (failure) throw *failure;
}

}  // namespace

void add_live_command(CLI::App& app) {
  auto args = std::make_shared<LiveArgs>();
  auto live = app.add_subcommand("live", "Run a model live on a camera or a video as it plays, with OSC out (Wekinator's and easel's addresses)");
  live->require_subcommand(1);
  for (const auto& [task, what] : std::vector<std::pair<const char*, const char*>>{
           {"pose", "Body keypoints of everyone, live (default movenet-multipose)"},
           {"detect", "Objects, live (default yolo)"},
           {"classify", "What the camera sees, live (default mobilenet, or MODEL.easel / a Teachable Machine export)"},
           {"predict", "A model you trained (MODEL.easel), live; its OSC is Wekinator's /wek/outputs (the class number)"}}) {
    auto cmd = live->add_subcommand(task, what);
    cmd->add_option("--video", args->video, "A video file, played at its own speed");
    cmd->add_option("--camera", args->camera, "A camera by index (0: the first)");
    cmd->add_option("--model,-m", args->model, "The model");
    cmd->add_option("--osc", args->osc, "Send results by OSC to HOST:PORT");
    cmd->add_flag("--wekinator", args->wekinator,
                  "Send OSC where Wekinator listens: its inputs port, 127.0.0.1:6448 (predict: its outputs port, 12000)");
    cmd->add_option("--out,-o", args->out, "Write the annotated frames to this video file");
    cmd->add_option("--max-frames", args->max_frames, "Stop after reading this many frames")->check(CLI::NonNegativeNumber);
    cmd->add_flag("--every-frame", args->every_frame, "Analyse every frame of a video, as fast as the model goes, instead of playing it");
    cmd->add_flag("--headless", args->headless, "No window (the default for now: frames go to --out and lines to the terminal)");
    cmd->add_flag("--quiet,-q", args->quiet, "No line per frame");
    cmd->add_option("--threads", args->threads, "Threads (0: easel chooses)");
    const std::string name = task;
    if (name == "predict") cmd->get_option("--model")->required();
    cmd->callback([args, name] {
      args->task = name;
      run_live(*args);
    });
  }
}

}  // namespace easel::cli
