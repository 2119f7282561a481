#include "easel/sound_classifier.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>

#include "easel/error.h"
#include "easel/feature_extractor.h"
#include "easel/model.h"
#include "easel/model_store.h"
#include "easel/spectrogram.h"
#include "easel/training.h"
#include "audio/room_noise.h"
#include "learn/model_file.h"
#include "learn/trained_model.h"
#include "models/recipe.h"

namespace easel {

namespace {
constexpr int kRate = 16000;
constexpr int kWindow = 16000;  // one second
std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
// Not a word: speech commands' _silence_ and _unknown_, and a trained model's background
// class (Teachable Machine's "Background Noise", or one named background, noise or silence).
bool is_word(const std::string& label) {
  const std::string l = lower(label);
  return !l.empty() && l[0] != '_' && l.find("background") == std::string::npos && l != "noise" && l != "silence";
}
}  // namespace

struct SoundClassifier::Impl {
  SoundClassifierOptions options;
  std::optional<Model> model;
  std::vector<std::string> labels;
  int silence = -1;  // the class digital silence is (-1: none; the model hears it)
  // A model trained in easel (MODEL.easel): its extractor's features into its head.
  std::optional<TrainedClassifier> trained;
  std::optional<FeatureExtractor> extractor;
};

SoundClassifier::SoundClassifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SoundClassifier::~SoundClassifier() = default;
SoundClassifier::SoundClassifier(SoundClassifier&&) noexcept = default;
SoundClassifier& SoundClassifier::operator=(SoundClassifier&&) noexcept = default;
const std::vector<std::string>& SoundClassifier::labels() const { return impl_->labels; }
int SoundClassifier::sample_rate() const { return kRate; }

SoundClassifier SoundClassifier::create(const SoundClassifierOptions& options) {
  if (!(options.window_overlap >= 0 && options.window_overlap < 1))
    throw Error(ErrorCode::bad_input, "window_overlap must be in [0, 1), got " + std::to_string(options.window_overlap) + ".");
  if (options.hop_s <= 0 || options.hop_s > 1)
    throw Error(ErrorCode::bad_input, "hop_s must be in (0, 1] seconds, got " + std::to_string(options.hop_s) + ".");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (std::filesystem::is_regular_file(options.model) && learn::is_model_file(options.model)) {
    learn::TrainedModel opened = learn::open_trained_model(options.model, true, options.threads);
    impl->trained.emplace(std::move(opened.head));
    impl->extractor.emplace(std::move(opened.extractor));
    if (std::abs(impl->extractor->window_seconds() - static_cast<double>(kWindow) / kRate) > 1e-9)
      throw Error(ErrorCode::bad_model, "'" + impl->trained->extractor() + "' hears windows of " + std::to_string(impl->extractor->window_seconds()) +
                                            " s; SoundClassifier listens a second at a time.");
    impl->labels = impl->trained->labels();
    for (std::size_t i = 0; i < impl->labels.size(); ++i)
      if (!is_word(impl->labels[i]) && impl->silence < 0) impl->silence = static_cast<int>(i);
    return SoundClassifier(std::move(impl));
  }
  const detail::Recipe recipe = detail::load_task_recipe(
      options.model, {"sound-classification", "a sound classifier", "Sound classifiers", "sound classification", {"speech-commands"}});
  // One front end so far: MFCC [49, 10] over one second at 16 kHz (MLPerf Tiny's keyword spotting).
  const std::string front_end = recipe.data.value("front_end", std::string());
  if (front_end != "mfcc")
    throw Error(ErrorCode::bad_model,
                "The recipe of model '" + options.model + "' asks for the front end '" + front_end + "'; easel has 'mfcc'.");
  impl->model.emplace(Model::load(recipe.file.string(), {.threads = options.threads}));
  impl->labels = recipe.labels;
  const auto silence = std::find(impl->labels.begin(), impl->labels.end(), "_silence_");
  if (silence == impl->labels.end())
    throw Error(ErrorCode::bad_model, "The recipe of model '" + options.model + "' names no '_silence_' class among its labels.");
  impl->silence = static_cast<int>(silence - impl->labels.begin());
  return SoundClassifier(std::move(impl));
}

std::vector<float> SoundClassifier::probabilities(const AudioBuffer& input) {
  Impl& m = *impl_;
  const AudioBuffer clip = input.sample_rate == kRate ? input : resample(input, kRate);
  AudioBuffer second;
  second.sample_rate = kRate;
  second.samples.assign(clip.samples.begin(),
                        clip.samples.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(clip.samples.size(), kWindow)));
  second.samples.resize(kWindow, 0.f);
  std::vector<float> p(m.labels.size(), 0.f);
  // The front end divides by the clip's maximum: digital silence has none to divide by.
  float peak = 0;
  for (float v : second.samples) peak = std::max(peak, std::abs(v));
  if (peak <= 1e-5f && m.silence >= 0) {
    p[static_cast<std::size_t>(m.silence)] = 1.f;
    return p;
  }
  // A trained model hears the clip as it heard its examples (its loudest second).
  if (m.trained) return m.trained->probabilities(m.extractor->extract(clip));
  // The model learned from microphones, never from digital zeros: a faint room under the
  // clip lifts synthetic speech (espeak-ng words) from 66% to over 85% right and leaves real
  // recordings as they were.
  detail::add_room_noise(second.samples, peak);
  Tensor features = mfcc(second);  // [49, 10]
  Tensor x(DType::f32, {1, features.dim(0), features.dim(1), 1});
  std::copy_n(features.data<float>(), features.size(), x.data<float>());
  const Tensor y = m.model->run({x}).at(0);
  for (std::size_t i = 0; i < p.size() && static_cast<std::int64_t>(i) < y.size(); ++i) p[i] = y.data<float>()[i];
  return p;
}

namespace {
// The `count` most probable classes, most probable first (the earlier label wins a tie).
std::vector<Classification> ranked_classes(const std::vector<float>& p, const std::vector<std::string>& labels, std::size_t count) {
  std::vector<int> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return p[static_cast<std::size_t>(a)] > p[static_cast<std::size_t>(b)]; });
  std::vector<Classification> out;
  for (std::size_t i = 0; i < std::min(count, order.size()); ++i) {
    const int c = order[i];
    out.push_back({labels[static_cast<std::size_t>(c)], p[static_cast<std::size_t>(c)], c});
  }
  return out;
}
}  // namespace

std::vector<Classification> SoundClassifier::classify(const AudioBuffer& clip) {
  return ranked_classes(probabilities(clip), impl_->labels, static_cast<std::size_t>(std::max(0, impl_->options.top_k)));
}

// ---- streaming
//
// One-second windows every hop_s, over the sound with half a second of silence before and
// after (so a word at the very start or end sits inside a window, as in the training
// clips). Speech-commands clips hold one word with quiet around it; in running speech a
// window also holds the next word and the model hears "unknown". So a window heard as
// _unknown_ is heard again with only its first 0.6 s kept (the rest silent), which isolates
// a word from the one after it ("go" in "go forward").
// Consecutive windows agreeing on a word above the threshold are one detection, reported at
// its most confident window; the same word again within suppress_s is dropped.

namespace {
constexpr int kMargin = 8000;  // 0.5 s of silence before the first and after the last sample
constexpr int kKept = 9600;    // the shortened hearing keeps 0.6 s
}  // namespace

struct SoundClassifier::Stream::Impl {
  SoundClassifier* owner = nullptr;
  std::vector<float> pending;  // samples not yet consumed by a window
  std::size_t consumed = 0;    // samples before pending[0]
  std::size_t heard = 0;
  double next_window_s = -1e9;  // on_window's next window starts here or later
  // The word being heard across windows, and what was reported.
  bool started = false;
  bool active = false;
  WordDetection best;
  std::map<std::string, double> last_reported;
  bool has_previous = false;
  WordDetection previous;  // the last word reported
  double best_fresh_sound = 1;  // the share of best's window's energy after previous's window

  // The share of a window's energy (sum of squares) in its part after the last reported
  // word's window ended; 1 when it shares nothing with it.
  double fresh_sound(const std::vector<float>& window, double start_s) const {
    if (!has_previous || previous.end_s <= start_s) return 1;
    const auto from = static_cast<std::size_t>(std::clamp((previous.end_s - start_s) * kRate, 0.0, static_cast<double>(window.size())));
    double total = 0, fresh = 0;
    for (std::size_t i = 0; i < window.size(); ++i) {
      const double e = static_cast<double>(window[i]) * window[i];
      total += e;
      if (i >= from) fresh += e;
    }
    return total > 0 ? fresh / total : 0;
  }

  void close(std::vector<WordDetection>& out) {
    if (!active) return;
    active = false;
    auto it = last_reported.find(best.label);
    if (it != last_reported.end() && best.time_s - it->second < owner->impl_->options.suppress_s) return;
    // The tail of a surer word just reported, not a new word: a window sharing half of
    // itself with that word's ("op" of "stop" heard as "off"), or one whose only sound is in
    // the part it shares ("own" of "down" followed by silence, heard as "on"). The next
    // word of running speech shares as much of its window ("up" after "left" in
    // right_left_up.wav: 0.3 s) but brings its own sound.
    const double shared = has_previous ? previous.end_s - best.start_s : 0;
    if (has_previous && previous.confidence > best.confidence && (shared >= 0.5 || (shared > 0 && best_fresh_sound < 0.1))) return;
    last_reported[best.label] = best.time_s;
    previous = best;
    has_previous = true;
    out.push_back(best);
  }

  // The word (not _silence_/_unknown_) the model is surest of, and how sure.
  std::pair<int, float> best_word(const std::vector<float>& p) const {
    std::pair<int, float> found{-1, 0.f};
    for (std::size_t i = 0; i < p.size(); ++i)
      if (is_word(owner->impl_->labels[i]) && p[i] > found.second) found = {static_cast<int>(i), p[i]};
    return found;
  }

  // Windows over `pending` while a whole one is there.
  void windows(std::vector<WordDetection>& out) {
    const SoundClassifierOptions& o = owner->impl_->options;
    const std::vector<std::string>& labels = owner->impl_->labels;
    const std::size_t hop = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(o.hop_s * kRate)));
    AudioBuffer window, shortened;
    window.sample_rate = shortened.sample_rate = kRate;
    while (pending.size() >= static_cast<std::size_t>(kWindow)) {
      window.samples.assign(pending.begin(), pending.begin() + kWindow);
      shortened.samples.assign(pending.begin(), pending.begin() + kKept);
      shortened.samples.resize(kWindow, 0.f);
      const std::vector<float> whole = owner->probabilities(window);
      const double start_s = (static_cast<double>(consumed) - kMargin) / kRate;
      if (o.on_window && start_s >= next_window_s - 1e-6) {
        next_window_s = start_s + (1.0 - o.window_overlap);
        o.on_window(SoundWindow{start_s, ranked_classes(whole, labels, whole.size()), whole});
      }
      const auto a = best_word(whole);
      // Only a window the model calls _unknown_ as a whole is heard shortened: a word among
      // other speech, not the tail of a word that already counted.
      const bool unknown = labels[static_cast<std::size_t>(std::max_element(whole.begin(), whole.end()) - whole.begin())] == "_unknown_";
      const std::vector<float> first = unknown ? owner->probabilities(shortened) : std::vector<float>(whole.size(), 0.f);
      const auto b = best_word(first);
      // A word counts when it is also the top class of its hearing (above _unknown_, ...).
      const auto& p = b.second > a.second ? first : whole;
      const auto [word, confidence] = b.second > a.second ? b : a;
      const bool top = word >= 0 && std::max_element(p.begin(), p.end()) - p.begin() == word;
      const double start = (static_cast<double>(consumed) - kMargin) / kRate;
      if (top && confidence >= o.min_confidence) {
        const std::string& label = labels[static_cast<std::size_t>(word)];
        if (active && best.label != label) close(out);
        const double centre = start + (p == first ? 0.3 : 0.5);
        if (!active || confidence > best.confidence) {
          best = {label, confidence, std::max(0.0, centre), std::max(0.0, start), start + 1.0};
          best_fresh_sound = fresh_sound(window.samples, start);
        }
        active = true;
      } else {
        close(out);
      }
      const std::size_t step = std::min(hop, pending.size());
      pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(step));
      consumed += step;
    }
  }
};

SoundClassifier::Stream::Stream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SoundClassifier::Stream::~Stream() = default;
SoundClassifier::Stream::Stream(Stream&&) noexcept = default;
SoundClassifier::Stream& SoundClassifier::Stream::operator=(Stream&&) noexcept = default;

SoundClassifier::Stream SoundClassifier::stream() {
  auto impl = std::make_unique<Stream::Impl>();
  impl->owner = this;
  return Stream(std::move(impl));
}

double SoundClassifier::Stream::seconds_heard() const { return static_cast<double>(impl_->heard) / kRate; }

std::vector<WordDetection> SoundClassifier::Stream::push(const float* samples, std::size_t count) {
  Impl& s = *impl_;
  std::vector<WordDetection> out;
  if (!s.started) {
    s.pending.assign(kMargin, 0.f);
    s.started = true;
  }
  s.pending.insert(s.pending.end(), samples, samples + count);
  s.heard += count;
  s.windows(out);
  return out;
}

std::vector<WordDetection> SoundClassifier::Stream::finish() {
  Impl& s = *impl_;
  std::vector<WordDetection> out;
  if (!s.started) return out;
  // The trailing silence, then windows until the last sample has left the window.
  s.pending.insert(s.pending.end(), kMargin, 0.f);
  s.windows(out);
  s.close(out);
  s.pending.clear();
  s.started = false;
  return out;
}

std::vector<WordDetection> SoundClassifier::listen(const AudioBuffer& input) {
  const AudioBuffer audio = input.sample_rate == kRate ? input : resample(input, kRate);
  Stream s = stream();
  std::vector<WordDetection> words = s.push(audio.samples.data(), audio.samples.size());
  auto rest = s.finish();
  words.insert(words.end(), rest.begin(), rest.end());
  return words;
}

}  // namespace easel
