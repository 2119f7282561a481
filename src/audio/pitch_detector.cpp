#include "easel/pitch.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "easel/error.h"
#include "easel/model.h"
#include "easel/model_store.h"
#include "models/recipe.h"

namespace easel {

namespace {
constexpr int kRate = 16000;
constexpr int kFrame = 1024;
// CREPE's 360 outputs are 20-cent steps from 1997.38 cents (about 32.7 Hz, C1), as ml5 maps them.
float bin_cents(int bin) { return 1997.3794084376191f + 20.f * static_cast<float>(bin); }
}  // namespace

struct PitchDetector::Impl {
  PitchDetectorOptions options;
  std::optional<Model> model;
};

PitchDetector::PitchDetector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PitchDetector::~PitchDetector() = default;
PitchDetector::PitchDetector(PitchDetector&&) noexcept = default;
PitchDetector& PitchDetector::operator=(PitchDetector&&) noexcept = default;

PitchDetector PitchDetector::create(const PitchDetectorOptions& options) {
  const detail::Recipe recipe =
      detail::load_task_recipe(options.model, {"pitch", "a pitch detector", "Pitch models", "pitch detection", {"crepe"}});
  if (options.hop_s <= 0) throw Error(ErrorCode::bad_input, "hop_s must be positive.");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->model.emplace(Model::load(recipe.file.string(), {.threads = options.threads}));
  return PitchDetector(std::move(impl));
}

PitchFrame PitchDetector::estimate(const float* samples) {
  // ml5: each frame made zero-mean and unit-variance.
  double mean = 0;
  for (int i = 0; i < kFrame; ++i) mean += samples[i];
  mean /= kFrame;
  double var = 0;
  for (int i = 0; i < kFrame; ++i) var += (samples[i] - mean) * (samples[i] - mean);
  const double stddev = std::sqrt(var / kFrame);
  PitchFrame frame;
  if (stddev < 1e-6) return frame;  // silence: no pitch
  Tensor x(DType::f32, {1, kFrame});
  for (int i = 0; i < kFrame; ++i) x.data<float>()[i] = static_cast<float>((samples[i] - mean) / stddev);
  const Tensor y = impl_->model->run({x}).at(0);
  const float* a = y.data<float>();
  const int bins = static_cast<int>(y.size());
  const int centre = static_cast<int>(std::max_element(a, a + bins) - a);
  frame.confidence = a[centre];
  // The activation-weighted mean of the cents around the peak (nine bins), as ml5 does.
  double weighted = 0, weights = 0;
  for (int b = std::max(0, centre - 4); b < std::min(bins, centre + 5); ++b) weighted += a[b] * bin_cents(b), weights += a[b];
  const double cents = weights > 0 ? weighted / weights : bin_cents(centre);
  frame.frequency_hz = static_cast<float>(10.0 * std::pow(2.0, cents / 1200.0));
  return frame;
}

std::vector<PitchFrame> PitchDetector::track(const AudioBuffer& input) {
  const AudioBuffer audio = input.sample_rate == kRate ? input : resample(input, kRate);
  std::vector<PitchFrame> frames;
  const auto hop = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(impl_->options.hop_s * kRate)));
  // A recording shorter than one frame is zero-padded to one; longer ones are read in place.
  std::vector<float> padded;
  const std::vector<float>* samples = &audio.samples;
  if (audio.samples.size() < static_cast<std::size_t>(kFrame)) {
    padded = audio.samples;
    padded.resize(kFrame, 0.f);
    samples = &padded;
  }
  for (std::size_t start = 0; start + kFrame <= samples->size(); start += hop) {
    PitchFrame f = estimate(samples->data() + start);
    f.time_s = (static_cast<double>(start) + kFrame / 2.0) / kRate;
    frames.push_back(f);
  }
  return frames;
}

}  // namespace easel
