// Turns an image into a vector of numbers that says what is in it: the layer of a trained
// classifier just before its last one, where transfer learning (Teachable Machine, ml5's
// featureExtractor) trains a new head or compares examples. By default Teachable Machine's
// own base (MobileNetV2 0.35 from its official export, 1280 values), with its preprocessing
// (the centre square, 224 x 224, -1..1), so that a head trained on these features is a real
// Teachable Machine model. A pose model ("movenet-lightning", "movenet-thunder", "posenet")
// gives the pose of the most confident person instead: pose_features() of it. A sound model
// hears one second at a time: "speech-embedding" (Google's speech embedding behind
// openWakeWord's mel front end, 3 x 96 values) or "speech-commands" (its DS-CNN's 64).
//
//   auto extractor = easel::FeatureExtractor::create();
//   std::vector<float> features = extractor.extract(easel::Image::load("photo.jpg"));
//   std::printf("%zu features from %s\n", features.size(), extractor.name().c_str());
//   auto ears = easel::FeatureExtractor::create({.model = "speech-embedding"});
//   std::vector<float> word = ears.extract(easel::load_audio("yes.wav"));
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "easel/audio.h"
#include "easel/image.h"
#include "easel/pose.h"

namespace easel {

// A pose as 51 numbers that do not change when the person moves across the picture or nearer
// the camera: each keypoint's position relative to the middle of the torso, in torso lengths
// (mid-shoulders to mid-hips), then its confidence. What pose classifiers learn from.
std::vector<float> pose_features(const Pose& pose);

// A pose saved as JSON: `easel pose --json`'s line ({"poses": [...]}: the first pose), ml5's
// bodyPose results (a list of poses: the first) or one pose ({"keypoints": [...]}). Each
// keypoint has x, y and a confidence (or score), and a name or its place among the 17.
// Throws Error(bad_input) naming the file and what is missing.
Pose load_pose(const std::filesystem::path& file);

struct FeatureExtractorOptions {
  // A store model whose recipe names its features ("features": {"output": VALUE}), or a pose
  // model.
  std::string model = "tm-image-2019";
  int threads = 0;  // 0: easel chooses
};

class FeatureExtractor {
 public:
  // Throws Error(bad_input) for a model whose recipe names no features, listing those that do.
  static FeatureExtractor create(const FeatureExtractorOptions& options = {});
  ~FeatureExtractor();
  FeatureExtractor(FeatureExtractor&&) noexcept;
  FeatureExtractor& operator=(FeatureExtractor&&) noexcept;

  // Throws Error(bad_input) when a pose model finds no one in the picture, or when this
  // extractor takes sounds.
  std::vector<float> extract(const Image& image);
  // A sound model's features of one clip (any rate: resampled): its loudest window of
  // window_seconds(), the clip centred in silence when shorter. Throws Error(bad_input)
  // when this extractor takes images.
  std::vector<float> extract(const AudioBuffer& clip);
  // A recording cut into the windows a sound model hears, as a dataset's sounds are: a clip
  // up to 1.5 windows long is one window (its loudest, or itself padded with silence); a
  // longer one is cut into consecutive windows, the last kept when at least half a window.
  std::vector<AudioBuffer> sound_windows(const AudioBuffer& recording) const;
  int length() const;               // how many values extract() returns
  bool is_pose() const;             // a pose model: extract() gives pose_features()
  bool is_sound() const;            // a sound model: extract(AudioBuffer), sound_windows()
  // Whether the store model `model` is a sound model, read from its recipe (nothing loaded).
  static bool hears_sounds(const std::string& model);
  double window_seconds() const;    // a sound model's window (1 s); 0 for images
  const std::string& name() const;  // the model's name
  // A digest of the model's files: features from another version of the model are not these.
  const std::string& checksum() const;
  // How an image becomes the model's input (the recipe's "input", as JSON text).
  const std::string& preprocessing() const;

 private:
  struct Impl;
  explicit FeatureExtractor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel
