#include "easel/feature_extractor.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/files.h"
#include "core/sha256.h"
#include "easel/error.h"
#include "easel/model.h"
#include "easel/model_store.h"
#include "easel/spectrogram.h"
#include "audio/room_noise.h"
#include "models/recipe.h"
#include "vision/preprocess.h"
#include "vision/recipe.h"

namespace easel {

struct FeatureExtractor::Impl {
  std::string name;
  std::optional<Model> model;
  vision::InputSpec input;
  TensorInfo output;
  int length = 0;
  std::string checksum, preprocessing;
  std::optional<PoseEstimator> poses;  // a pose model: features of the best pose
  // A sound model: a front end turns samples into frames, the model hears `frames` of them
  // at a time, every `step` frames, `embeddings` times a window; the features are those
  // embeddings one after another (the word's course in time).
  struct Sound {
    // User-provided: clang judges a nested struct with member initializers not default-
    // constructible while its enclosing class is incomplete (std::optional<Sound> below).
    Sound() {}
    std::optional<Model> front_end;  // or, without one, MFCCs (speech commands' front end)
    int sample_rate = 16000, window = 16000;
    float input_scale = 1, frame_scale = 1, frame_offset = 0, output_scale = 1;
    int frames = 0, step = 0, embeddings = 0, bins = 0;
  };
  std::optional<Sound> sound;
};

namespace {

// The manifest's sha256 of every file, in the manifest's order, digested together with
// what the features are (`kind`), so that another model, another version of it or another
// way of taking its features all give another checksum.
std::string model_checksum(const ModelSpec& spec, const std::string& kind) {
  std::string digests = kind + "\n";
  for (const ModelFile& f : spec.files) digests += f.path + " " + f.sha256 + "\n";
  return detail::sha256_hex(digests);
}

}  // namespace

std::vector<float> pose_features(const Pose& pose) {
  if (pose.keypoints.size() != kPoseKeypointNames.size())
    throw Error(ErrorCode::bad_input, "A pose has " + std::to_string(pose.keypoints.size()) + " keypoints, not 17.");
  const auto mid = [&](int a, int b) {
    return std::pair{(pose.keypoints[a].x + pose.keypoints[b].x) / 2, (pose.keypoints[a].y + pose.keypoints[b].y) / 2};
  };
  const auto [sx, sy] = mid(5, 6);   // shoulders
  const auto [hx, hy] = mid(11, 12);  // hips
  const float cx = (sx + hx) / 2, cy = (sy + hy) / 2;
  float scale = std::hypot(sx - hx, sy - hy);
  // A torso seen end on (or keypoints all in one place): the box's size instead.
  if (!(scale > 1e-3f * std::max(pose.box.width, pose.box.height))) scale = std::max({pose.box.width, pose.box.height, 1e-6f}) / 2;
  std::vector<float> out;
  out.reserve(51);
  for (const Keypoint& k : pose.keypoints) {
    out.push_back((k.x - cx) / scale);
    out.push_back((k.y - cy) / scale);
    out.push_back(k.confidence);
  }
  return out;
}

FeatureExtractor::FeatureExtractor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FeatureExtractor::~FeatureExtractor() = default;
FeatureExtractor::FeatureExtractor(FeatureExtractor&&) noexcept = default;
FeatureExtractor& FeatureExtractor::operator=(FeatureExtractor&&) noexcept = default;

FeatureExtractor FeatureExtractor::create(const FeatureExtractorOptions& options) {
  ModelStore store;
  const ModelSpec& spec = store.spec(options.model);
  if (spec.task == "pose") {
    auto impl = std::make_unique<Impl>();
    impl->name = options.model;
    impl->poses.emplace(PoseEstimator::create({.model = options.model, .threads = options.threads}));
    impl->length = 51;
    impl->checksum = model_checksum(spec, "pose_features 1");
    impl->preprocessing = nlohmann::json{{"pose", options.model}, {"features", "keypoints about the torso's middle, in torso lengths, and confidences"}}.dump();
    return FeatureExtractor(std::move(impl));
  }
  // The store keeps each recipe as JSON text.
  const auto names_features = [](const ModelSpec& s) {
    if (s.recipe.empty()) return false;
    const nlohmann::json r = nlohmann::json::parse(s.recipe, nullptr, false);
    return r.is_object() && r.contains("features");
  };
  if (!names_features(spec)) {
    std::string known;
    for (const ModelSpec& s : store.models())
      if (names_features(s) || s.task == "pose") known += (known.empty() ? "" : ", ") + s.name;
    throw Error(ErrorCode::bad_input, "'" + options.model + "' has no features easel knows how to take out.",
                "Feature extractors: " + known + ".");
  }
  const detail::Recipe recipe = detail::load_recipe(store, spec, store.get(options.model));
  const auto& features = recipe.data["features"];
  // A sound model's recipe: "features": {"output": embedding, "sound": {"sample_rate",
  // "window_s", "input_scale" (samples in -1..1 times this), "front_end": {"model", "scale",
  // "offset"} (frames times scale plus offset), "frames", "step", "embeddings",
  // "output_scale" (the embeddings times this)}}.
  if (features.is_object() && features.contains("sound")) {
    const nlohmann::json& s = features["sound"];
    const auto bad = [&](const std::string& why) {
      return Error(ErrorCode::bad_model, "The recipe of '" + options.model + "' describes its sound features badly: " + why + ".");
    };
    try {
      auto impl = std::make_unique<Impl>();
      impl->name = options.model;
      Impl::Sound& sound = impl->sound.emplace();
      sound.sample_rate = s.at("sample_rate").get<int>();
      sound.window = static_cast<int>(std::lround(s.at("window_s").get<double>() * sound.sample_rate));
      sound.input_scale = s.value("input_scale", 1.f);
      sound.output_scale = s.value("output_scale", 1.f);
      const nlohmann::json& fe = s.at("front_end");
      sound.frame_scale = fe.value("scale", 1.f);
      sound.frame_offset = fe.value("offset", 0.f);
      sound.frames = s.at("frames").get<int>();
      sound.step = s.at("step").get<int>();
      sound.embeddings = s.at("embeddings").get<int>();
      if (sound.sample_rate < 1000 || sound.window < 1 || sound.frames < 1 || sound.step < 1 || sound.embeddings < 1)
        throw bad("a size is not positive");
      if (fe.contains("model"))
        sound.front_end.emplace(Model::load((recipe.file.parent_path() / fe.at("model").get<std::string>()).string(), {.threads = options.threads}));
      else if (fe.value("kind", std::string()) != "mfcc")
        throw bad("its front end is neither a model nor \"mfcc\"");
      impl->model.emplace(Model::load(recipe.file.string(), {.threads = options.threads, .outputs = {features.at("output").get<std::string>()}}));
      const auto inputs = impl->model->inputs();
      if (inputs.size() != 1 || inputs[0].shape.size() < 3) throw bad("its model does not take [1, frames, bins, ...]");
      if (inputs[0].shape[1] != sound.frames) throw bad("its model hears " + std::to_string(inputs[0].shape[1]) + " frames, not " + std::to_string(sound.frames));
      sound.bins = static_cast<int>(inputs[0].shape[2]);
      impl->output = impl->model->outputs().at(0);
      // How many values an embedding has: the model's answer to a window of frames (an
      // inner value's shape may be unknown until it runs).
      Tensor frames(DType::f32, {1, sound.frames, sound.bins, 1});
      impl->length = static_cast<int>(impl->model->run({frames}).at(0).size()) * sound.embeddings;
      impl->checksum = model_checksum(spec, "sound " + s.dump() + " output " + features.at("output").get<std::string>());
      impl->preprocessing = nlohmann::json{{"sound", s}}.dump();
      return FeatureExtractor(std::move(impl));
    } catch (const nlohmann::json::exception& e) {
      throw bad(e.what());
    }
  }
  if (!features.is_object() || !features.contains("output") || !features["output"].is_string())
    throw Error(ErrorCode::bad_model, "The recipe of '" + options.model + "' gives its features without an \"output\" name.");

  auto impl = std::make_unique<Impl>();
  impl->name = options.model;
  impl->model.emplace(Model::load(recipe.file.string(), {.threads = options.threads, .outputs = {features["output"].get<std::string>()}}));
  const auto inputs = impl->model->inputs();
  if (inputs.size() != 1) throw Error(ErrorCode::bad_model, "The model '" + options.model + "' does not take one image.");
  impl->input = vision::input_spec(recipe, inputs[0]);
  impl->output = impl->model->outputs().at(0);
  std::int64_t length = 1;
  for (std::int64_t d : impl->output.shape) length *= d < 0 ? 1 : d;
  impl->length = static_cast<int>(length);
  impl->checksum = model_checksum(spec, "output " + features["output"].get<std::string>());
  impl->preprocessing = recipe.data.value("input", nlohmann::json::object()).dump();
  return FeatureExtractor(std::move(impl));
}

std::vector<float> FeatureExtractor::extract(const Image& image) {
  Impl& m = *impl_;
  if (m.sound) throw Error(ErrorCode::bad_input, "'" + m.name + "' takes sounds, not images.");
  if (m.poses) {
    const std::vector<Pose> found = m.poses->estimate(image);
    if (found.empty()) throw Error(ErrorCode::bad_input, "'" + m.name + "' finds no one in the picture.");
    return pose_features(found.front());
  }
  const Tensor y = m.model->run({vision::to_tensor(image, m.input)}).at(0);
  std::vector<float> out(static_cast<std::size_t>(y.size()));
  const bool quantized = (y.dtype() == DType::u8 || y.dtype() == DType::i8) && m.output.scale > 0;
  for (std::int64_t i = 0; i < y.size(); ++i) {
    const float v = static_cast<float>(y.at(i));
    out[static_cast<std::size_t>(i)] = quantized ? m.output.scale * (v - static_cast<float>(m.output.zero_point)) : v;
  }
  return out;
}

std::vector<AudioBuffer> FeatureExtractor::sound_windows(const AudioBuffer& recording) const {
  if (!impl_->sound) throw Error(ErrorCode::bad_input, "'" + impl_->name + "' takes images, not sounds.");
  const Impl::Sound& s = *impl_->sound;
  if (recording.sample_rate <= 0) throw Error(ErrorCode::bad_input, "A sound without a sample rate.");
  const AudioBuffer clip = recording.sample_rate == s.sample_rate ? recording : resample(recording, s.sample_rate);
  const std::size_t w = static_cast<std::size_t>(s.window), n = clip.samples.size();
  std::vector<AudioBuffer> out;
  const auto window_at = [&](std::size_t start) {
    AudioBuffer b;
    b.sample_rate = s.sample_rate;
    b.samples.assign(clip.samples.begin() + static_cast<std::ptrdiff_t>(start),
                     clip.samples.begin() + static_cast<std::ptrdiff_t>(std::min(n, start + w)));
    b.samples.resize(w, 0.f);
    return b;
  };
  if (n <= w) {  // centred in silence
    AudioBuffer b;
    b.sample_rate = s.sample_rate;
    b.samples.assign(w, 0.f);
    std::copy(clip.samples.begin(), clip.samples.end(), b.samples.begin() + static_cast<std::ptrdiff_t>((w - n) / 2));
    out.push_back(std::move(b));
  } else if (n <= w + w / 2) {  // the loudest window, found on running sums of energy
    std::vector<double> energy(n + 1, 0.0);
    for (std::size_t i = 0; i < n; ++i) energy[i + 1] = energy[i] + static_cast<double>(clip.samples[i]) * clip.samples[i];
    std::size_t best = 0;
    for (std::size_t start = 0; start + w <= n; start += 160)
      if (energy[start + w] - energy[start] > energy[best + w] - energy[best]) best = start;
    out.push_back(window_at(best));
  } else {
    for (std::size_t start = 0; start < n; start += w)
      if (n - start >= w / 2) out.push_back(window_at(start));
  }
  return out;
}

std::vector<float> FeatureExtractor::extract(const AudioBuffer& clip) {
  Impl& m = *impl_;
  if (!m.sound) throw Error(ErrorCode::bad_input, "'" + m.name + "' takes images, not sounds.", "Use a sound model such as speech-embedding.");
  Impl::Sound& s = *m.sound;
  const AudioBuffer window = sound_windows(clip).front();
  Tensor frames;  // [..., frames, bins]
  if (s.front_end) {
    Tensor x(DType::f32, {1, static_cast<std::int64_t>(window.samples.size())});
    for (std::size_t i = 0; i < window.samples.size(); ++i) x.data<float>()[i] = window.samples[i] * s.input_scale;
    frames = s.front_end->run({x}).at(0);
  } else {
    // Speech commands' MFCCs divide by the clip's peak, and its model never heard digital
    // zeros: the same faint room as SoundClassifier hears under the clip.
    AudioBuffer heard = window;
    float peak = 0;
    for (float v : heard.samples) peak = std::max(peak, std::abs(v));
    detail::add_room_noise(heard.samples, peak > 1e-5f ? peak : 1.f);
    frames = mfcc(heard);
  }
  const std::int64_t needed = static_cast<std::int64_t>(s.embeddings - 1) * s.step + s.frames;
  if (frames.size() / s.bins < needed)
    throw Error(ErrorCode::bad_model, "The front end of '" + m.name + "' gives " + std::to_string(frames.size() / s.bins) +
                                          " frames of a window; its recipe needs " + std::to_string(needed) + ".");
  std::vector<float> out;
  out.reserve(static_cast<std::size_t>(m.length));
  Tensor slice(DType::f32, {1, s.frames, s.bins, 1});
  for (int e = 0; e < s.embeddings; ++e) {
    const std::int64_t first = static_cast<std::int64_t>(e) * s.step;
    for (std::int64_t f = 0; f < s.frames; ++f)
      for (int b = 0; b < s.bins; ++b)
        slice.data<float>()[f * s.bins + b] = frames.data<float>()[(first + f) * s.bins + b] * s.frame_scale + s.frame_offset;
    const Tensor y = m.model->run({slice}).at(0);
    for (std::int64_t i = 0; i < y.size(); ++i) out.push_back(y.data<float>()[i] * s.output_scale);
  }
  return out;
}

bool FeatureExtractor::hears_sounds(const std::string& model) {
  const ModelStore store;
  const nlohmann::json r = nlohmann::json::parse(store.spec(model).recipe, nullptr, false);
  return r.is_object() && r.contains("features") && r["features"].is_object() && r["features"].contains("sound");
}

int FeatureExtractor::length() const { return impl_->length; }
bool FeatureExtractor::is_pose() const { return impl_->poses.has_value(); }
bool FeatureExtractor::is_sound() const { return impl_->sound.has_value(); }
double FeatureExtractor::window_seconds() const {
  return impl_->sound ? static_cast<double>(impl_->sound->window) / impl_->sound->sample_rate : 0.0;
}

Pose load_pose(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) throw Error(ErrorCode::io_error, "Cannot read the pose file '" + file.string() + "': " + ec.message() + ".");
  if (size > (16u << 20)) throw Error(ErrorCode::bad_input, "'" + file.string() + "' is too large to be a pose.");
  const nlohmann::json doc = nlohmann::json::parse(detail::read_file(file), nullptr, false);
  const auto bad = [&](const std::string& why) { return Error(ErrorCode::bad_input, "'" + file.string() + "' is not a pose easel reads: " + why + "."); };
  const nlohmann::json* pose = &doc;
  if (doc.is_object() && doc.contains("poses")) pose = &doc["poses"];
  if (pose->is_array()) {
    if (pose->empty()) throw bad("it holds no pose");
    pose = &(*pose)[0];
  }
  if (!pose->is_object() || !pose->contains("keypoints") || !(*pose)["keypoints"].is_array()) throw bad("it has no \"keypoints\" list");
  const nlohmann::json& points = (*pose)["keypoints"];
  if (points.size() != kPoseKeypointNames.size()) throw bad("it has " + std::to_string(points.size()) + " keypoints, not 17");
  Pose out;
  out.keypoints.resize(kPoseKeypointNames.size());
  std::vector<bool> seen(kPoseKeypointNames.size(), false);
  float x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const nlohmann::json& k = points[i];
    std::size_t at = i;
    if (k.contains("name") && k["name"].is_string()) {
      const auto it = std::find(kPoseKeypointNames.begin(), kPoseKeypointNames.end(), k["name"].get<std::string>());
      if (it == kPoseKeypointNames.end()) throw bad("keypoint " + std::to_string(i + 1) + " is named '" + k["name"].get<std::string>() + "'");
      at = static_cast<std::size_t>(it - kPoseKeypointNames.begin());
    }
    if (seen[at]) throw bad("the keypoint '" + std::string(kPoseKeypointNames[at]) + "' is given twice");
    seen[at] = true;
    const char* score = k.contains("confidence") ? "confidence" : "score";
    if (!k.contains("x") || !k["x"].is_number() || !k.contains("y") || !k["y"].is_number() || !k.contains(score) || !k[score].is_number())
      throw bad("keypoint " + std::to_string(i + 1) + " lacks x, y or a confidence");
    Keypoint& p = out.keypoints[at];
    p.name = kPoseKeypointNames[at];
    p.x = k["x"].get<float>();
    p.y = k["y"].get<float>();
    p.confidence = k[score].get<float>();
    if (!std::isfinite(p.x) || !std::isfinite(p.y) || !std::isfinite(p.confidence)) throw bad("keypoint " + std::to_string(i + 1) + " is not finite");
    x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
  }
  out.box = {x0, y0, x1 - x0, y1 - y0};
  out.confidence = pose->value("confidence", pose->value("score", 1.f));
  return out;
}
const std::string& FeatureExtractor::name() const { return impl_->name; }
const std::string& FeatureExtractor::checksum() const { return impl_->checksum; }
const std::string& FeatureExtractor::preprocessing() const { return impl_->preprocessing; }

}  // namespace easel
