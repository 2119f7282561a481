// easel live listen (--audio FILE | --mic): words as they are heard, OSC /easel/word.
// easel live pose|detect|classify|predict|style (--video FILE | --camera N) [--model M] [--osc HOST:PORT]
// [--out FILE] [--max-frames N] [--every-frame] [--quiet]: a model on a video as it plays
// or on a camera, the newest frame each time (stale ones dropped), one line per analysed
// frame with its latency, OSC to other tools (Wekinator's /wek/inputs and easel's own
// addresses, include/easel/osc.h), the annotated frames written with --out.
#include <atomic>
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
#include "terminal.h"
#include "easel/draw.h"
#include "easel/image_classifier.h"
#include "easel/audio.h"
#include "easel/live.h"
#include "easel/sound_classifier.h"
#include "easel/object_detector.h"
#include "easel/osc.h"
#include "easel/pose.h"
#include "easel/style_transfer.h"
#include "easel/video.h"
#include "easel/window.h"

namespace easel::cli {
namespace {

volatile std::sig_atomic_t interrupted = 0;

std::string window_title(const std::string& task) { return "easel live " + task; }

struct LiveArgs {
  std::string task, model, video, osc, out, audio, device = "default";
  bool mic = false;
  int camera = -1, max_frames = 0, threads = 0;
  double seconds = 0;  // listen --mic: stop after this long (0: until Ctrl-C)
  double overlap = 0.5;  // listen: ml5's overlapFactor for the windows sent by OSC
  std::string style = "wave";  // style: the painting
  int max_size = 256;          // style: paint a copy this big (longer side), for speed
  bool every_frame = false, quiet = false, headless = false, wekinator = false;
  bool flip = false;  // mirror each frame first (ml5's flipped)
};

void run_live(const LiveArgs& a) {
  if (a.video.empty() == (a.camera < 0)) throw UsageError("Give one source: --video FILE or --camera N.");
  VideoReader source = a.video.empty() ? VideoReader::camera(a.camera) : VideoReader::open(a.video);
  std::optional<OscSender> osc;
  if (!a.osc.empty() && a.wekinator) throw UsageError("Give --osc HOST:PORT or --wekinator, not both.");
  // Wekinator listens for inputs on 6448 and its output patches for outputs on 12000.
  if (a.wekinator) osc.emplace(OscSender::open(a.task == "predict" ? "127.0.0.1:12000" : "127.0.0.1:6448"));
  else if (!a.osc.empty()) osc.emplace(OscSender::open(a.osc));
  const double source_fps = source.fps();  // (source moves into the loop)
  std::optional<PoseEstimator> poses;
  std::optional<ObjectDetector> detector;
  std::optional<ImageClassifier> classifier;
  std::optional<StyleTransfer> painter;
  std::optional<FaceDetector> faces;
  std::optional<FaceMesh> mesh;
  std::optional<HandPose> hands;
  std::optional<ImageSegmenter> segmenter;
  if (a.task == "face" && a.model == "facemesh") mesh.emplace(FaceMesh::create({.max_faces = 2, .threads = a.threads}));
  else if (a.task == "face") faces.emplace(FaceDetector::create({.model = a.model.empty() ? FaceDetectorOptions{}.model : a.model, .threads = a.threads}));
  else if (a.task == "hands") hands.emplace(HandPose::create({.model = a.model.empty() ? HandPoseOptions{}.model : a.model, .threads = a.threads}));
  else if (a.task == "segment") segmenter.emplace(ImageSegmenter::create({.model = a.model.empty() ? "selfie" : a.model == "deeplab" ? "deeplabv3" : a.model, .threads = a.threads}));
  else if (a.task == "style") painter.emplace(StyleTransfer::create({.style = a.style, .model = a.model.empty() ? "style-transfer" : a.model,
                                                                 .max_size = a.max_size, .threads = a.threads}));
  else if (a.task == "pose") poses.emplace(PoseEstimator::create({.model = a.model.empty() ? PoseEstimatorOptions{}.model : a.model, .threads = a.threads}));
  else if (a.task == "detect") detector.emplace(ObjectDetector::create({.model = a.model.empty() ? "yolo" : a.model, .threads = a.threads}));
  else classifier.emplace(ImageClassifier::create({.model = a.model.empty() ? "mobilenet" : a.model, .threads = a.threads}));
  // predict: a model you trained, speaking to Wekinator's output patches (port 12000).
  const bool wekinator_outputs = a.task == "predict";
  std::optional<VideoWriter> writer;
  std::optional<Error> failure;
  std::mutex failure_mutex;

  // A window where a screen is (highgui draws on the main thread, so frames reach it through
  // `shown`); --headless, or no screen, writes lines (and --out) only.
  std::optional<Window> window;
  if (!a.headless) {
    if (Window::available()) window.emplace(Window::open(window_title(a.task)));
    else if (!a.quiet) std::fprintf(messages(), "No screen here: running headless (--out FILE writes the annotated video).\n");
  }
  std::mutex shown_mutex;
  std::optional<LiveFrame> shown;  // the newest annotated frame, for the window
  std::atomic<bool> paused{false};

  const auto on_frame = [&](const LiveFrame& frame) {
    if (paused) return;
    Image picture = a.flip ? frame.image.mirrored() : frame.image;
    std::string said;
    if (painter) {
      picture = painter->transfer(picture);
      said = "painted in " + painter->style();
    } else if (faces || mesh) {
      // OSC: /easel/face/ID/NAME x y (0..1) for the detector's six points; Wekinator's
      // inputs: the first face's points.
      const auto found = faces ? faces->track(picture, frame.timestamp_ms) : mesh->track(picture, frame.timestamp_ms);
      if (osc && !found.empty()) {
        std::vector<float> inputs;
        for (const Keypoint& k : found[0].keypoints) inputs.push_back(k.nx), inputs.push_back(k.ny);
        osc->send_wek_inputs(inputs);
        if (faces)
          for (const Face& f : found)
            for (const Keypoint& k : f.keypoints) osc->send("/easel/face/" + std::to_string(f.id) + "/" + k.name, {k.nx, k.ny});
      }
      for (const Face& f : found) draw_face(picture, f, palette(f.id));
      said = std::to_string(found.size()) + (found.size() == 1 ? " face" : " faces");
    } else if (hands) {
      // OSC: /easel/hand/ID/NAME x y z and /easel/hand/ID/handedness; Wekinator's inputs: the
      // first hand's 21 points.
      const auto found = hands->track(picture, frame.timestamp_ms);
      if (osc && !found.empty()) {
        std::vector<float> inputs;
        for (const Keypoint& k : found[0].keypoints) inputs.push_back(k.nx), inputs.push_back(k.ny);
        osc->send_wek_inputs(inputs);
        for (const Hand& h : found) {
          osc->send("/easel/hand/" + std::to_string(h.id) + "/handedness", {h.handedness, h.handedness_confidence});
          for (const Keypoint& k : h.keypoints) osc->send("/easel/hand/" + std::to_string(h.id) + "/" + k.name, {k.nx, k.ny, k.z});
        }
      }
      for (const Hand& h : found) draw_hand(picture, h, palette(h.id));
      for (const Hand& h : found) said += (said.empty() ? "" : ", ") + h.handedness + " hand";
      if (said.empty()) said = "no hands";
    } else if (segmenter) {
      // The background blurred, as a video call does it; OSC /easel/person (the share of the
      // picture that is a person or, for DeepLab, not background).
      const Segmentation seg = segmenter->segment(picture);
      const float share = 1.f - seg.coverage("background");
      if (osc) osc->send("/easel/person", {share});
      picture = blur_background(picture, seg);
      char text[64];
      std::snprintf(text, sizeof text, "%.0f%% person", 100 * share);
      said = text;
    } else if (poses) {
      const auto found = poses->track(picture, frame.timestamp_ms);  // ids that stay with people, keypoints smoothed
      if (osc) osc->send_pose(found);
      for (std::size_t i = 0; i < found.size(); ++i) draw_pose(picture, found[i], 0.3f, palette(found[i].id >= 0 ? found[i].id : static_cast<int>(i)));
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
      if (!writer) writer.emplace(VideoWriter::create(a.out, picture.width(), picture.height(), source_fps > 0 ? source_fps : 30));
      writer->write(picture);
    }
    if (window) {
      std::lock_guard lock(shown_mutex);
      shown = LiveFrame{std::move(picture), frame.timestamp_ms, frame.index, frame.age_ms};
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
  int snapshots = 0;
  std::optional<Image> last_shown;  // what s saves
  while (live.running() && !interrupted) {
    if (!window) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    std::optional<LiveFrame> frame;
    {
      std::lock_guard lock(shown_mutex);
      frame.swap(shown);
    }
    if (frame) {
      const LiveStats s = live.stats();
      char text[120];
      std::snprintf(text, sizeof text, "%.1f fps  latency %.0f ms%s", s.fps, s.latency_ms, paused ? "  (paused)" : "");
      draw_text(frame->image, text, 8, frame->image.height() - 24);
      window->show(frame->image);
      window->set_title(window_title(a.task) + " - frame " + std::to_string(frame->index));
      last_shown = std::move(frame->image);
    }
    const int key = window->key(15);
    if (key == 'q' || key == 27 || !window->is_open()) break;
    if (key == ' ') paused = !paused;
    if (key == 's' && last_shown) {
      const std::string file = "easel-snapshot-" + std::to_string(++snapshots) + ".png";
      last_shown->save(file);
      std::fprintf(messages(), "Saved %s\n", file.c_str());
    }
  }
  live.stop();
  if (writer) writer->close();
  const LiveStats s = live.stats();
  std::fprintf(messages(), "%d frames read, %d analysed, %d dropped (the model was busy); last latency %.0f ms\n", s.read, s.analysed, s.dropped,
               s.latency_ms);
  if (failure) throw *failure;
}

// listen: words as they are heard from a microphone or a recording played at its own pace
// (--every-frame: as fast as the model goes), every window's probabilities to on_window as
// ml5's classifyStart gives them; OSC /easel/word and /wek/inputs (the window's).
void run_live_listen(const LiveArgs& a) {
  if (a.audio.empty() == !a.mic) throw UsageError("Give one source: --audio FILE or --mic.");
  std::optional<OscSender> osc;
  if (a.wekinator) osc.emplace(OscSender::open("127.0.0.1:6448"));
  else if (!a.osc.empty()) osc.emplace(OscSender::open(a.osc));
  SoundClassifierOptions options{.model = a.model.empty() ? SoundClassifierOptions{}.model : a.model};
  options.window_overlap = a.overlap;
  if (osc) options.on_window = [&](const SoundWindow& w) { osc->send_wek_inputs(w.probabilities); };
  SoundClassifier words = SoundClassifier::create(options);
  const auto heard = [&](const std::vector<WordDetection>& found) {
    for (const WordDetection& w : found) {
      if (osc) osc->send("/easel/word", {w.label, w.confidence});
      if (!a.quiet) std::printf("%7.2f s  %-10s %.2f\n", w.time_s, w.label.c_str(), w.confidence);
    }
    std::fflush(stdout);
  };
  auto stream = words.stream();
  const std::size_t chunk = static_cast<std::size_t>(words.sample_rate() / 10);  // 100 ms
  if (a.mic) {
    hear_microphone(stream, a.device, words.sample_rate(), a.seconds, heard);
  } else {
    std::signal(SIGINT, [](int) { interrupted = 1; });
    const AudioBuffer sound = load_audio(a.audio, words.sample_rate());
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t at = 0; at < sound.samples.size() && !interrupted; at += chunk) {
      if (!a.every_frame)  // the recording plays at its own pace, as a microphone would deliver it
        std::this_thread::sleep_until(start + std::chrono::milliseconds(static_cast<long long>(at * 1000 / static_cast<std::size_t>(words.sample_rate()))));
      heard(stream.push(sound.samples.data() + at, std::min(chunk, sound.samples.size() - at)));
    }
  }
  heard(stream.finish());
}

}  // namespace

void add_live_command(CLI::App& app) {
  auto args = std::make_shared<LiveArgs>();
  auto live = app.add_subcommand("live", "Run a model live on a camera or a video as it plays, in a window (keys: q quit, s snapshot, space pause), with OSC out (Wekinator's and easel's addresses)");
  live->require_subcommand(1);
  for (const auto& [task, what] : std::vector<std::pair<const char*, const char*>>{
           {"pose", "Body keypoints of everyone, live (default: each person found, then movenet-lightning)"},
           {"face", "Faces and their six keypoints, live (--model facemesh: 468 points)"},
           {"hands", "Hands, 21 points each and left or right, live"},
           {"segment", "The background blurred behind the people, live (--model selfie, meet or deeplab)"},
           {"detect", "Objects, live (default yolo)"},
           {"classify", "What the camera sees, live (default mobilenet, or MODEL.easel / a Teachable Machine export)"},
           {"predict", "A model you trained (MODEL.easel), live; its OSC is Wekinator's /wek/outputs (the class number)"},
           {"style", "The camera painted in the style of a painting, live (ml5's styleTransfer; --style wave)"}}) {
    auto cmd = live->add_subcommand(task, what);
    cmd->add_option("--video", args->video, "A video file, played at its own speed");
    cmd->add_option("--camera", args->camera, "A camera by index (0: the first)");
    cmd->add_option("--model,-m", args->model, "The model");
    cmd->add_option("--osc", args->osc, "Send results by OSC to HOST:PORT");
    cmd->add_flag("--wekinator", args->wekinator,
                  "Send OSC where Wekinator listens: its inputs port, 127.0.0.1:6448 (predict: its outputs port, 12000)");
    cmd->add_option("--out,-o", args->out, "Write the annotated frames to this video file");
    cmd->add_option("--max-frames", args->max_frames, "Stop after reading this many frames")->check(CLI::NonNegativeNumber);
    cmd->add_flag("--flip", args->flip, "Mirror each frame left to right first, as a selfie camera shows you (ml5's flipped)");
    cmd->add_flag("--every-frame", args->every_frame, "Analyse every frame of a video, as fast as the model goes, instead of playing it");
    cmd->add_flag("--headless", args->headless, "No window (lines to the terminal, frames to --out); without a screen this is the default");
    cmd->add_flag("--quiet,-q", args->quiet, "No line per frame");
    cmd->add_option("--threads", args->threads, "Threads (0: easel chooses)");
    const std::string name = task;
    if (name == "predict") cmd->get_option("--model")->required();
    if (name == "style") {
      cmd->add_option("--style,-s", args->style, "la_muse, mathura, matilde_perez, matta, rain_princess, scream, udnie, wave (default), wreck");
      cmd->add_option("--max-size", args->max_size, "Paint a copy whose longer side is this many pixels (0: full size, slow)")->capture_default_str();
    }
    cmd->callback([args, name] {
      args->task = name;
      run_live(*args);
    });
  }
  auto listen = live->add_subcommand("listen", "Words as they are heard, from a microphone or a recording played at its own pace");
  listen->add_option("--audio", args->audio, "A recording (WAV, FLAC, OGG), played at its own speed");
  listen->add_flag("--mic", args->mic, "The microphone (Ctrl-C stops)");
  listen->add_option("--device", args->device, "Microphone (ALSA name; easel listen --list-devices lists them)");
  listen->add_option("--seconds", args->seconds, "With --mic: stop after this many seconds (default: at Ctrl-C)");
  listen->add_option("--model,-m", args->model, "speech-commands (default) or a sound model you trained (MODEL.easel)");
  listen->add_option("--osc", args->osc, "Send /easel/word and each window's /wek/inputs by OSC to HOST:PORT");
  listen->add_flag("--wekinator", args->wekinator, "Send OSC where Wekinator listens (127.0.0.1:6448)");
  listen->add_option("--overlap", args->overlap, "How much each window sent by OSC overlaps the one before (ml5's default 0.5: one each half second; 0.9: every 100 ms)")
      ->check(CLI::Range(0.0, 0.95));
  listen->add_flag("--every-frame", args->every_frame, "Hear a recording as fast as the model goes instead of in real time");
  listen->add_flag("--quiet,-q", args->quiet, "No line per word");
  listen->callback([args] { run_live_listen(*args); });
}

}  // namespace easel::cli
