// SoundClassifier: which word was that? ml5's soundClassifier (speech commands) in C++.
//
//   auto words = easel::SoundClassifier::create();                  // 12 speech commands
//   auto clip = easel::load_audio("yes.wav", 16000);
//   words.classify(clip)[0].label;                                  // "yes"
//   for (auto& w : words.listen(easel::load_audio("talk.wav", 16000)))
//     std::printf("%.2f s  %s %.2f\n", w.time_s, w.label.c_str(), w.confidence);
//
// The model hears one second at a time (MLPerf Tiny's DS-CNN on MFCCs): down, go, left,
// no, off, on, right, stop, up, yes, plus _silence_ and _unknown_. A sound model you trained
// (MODEL.easel, from `easel train sound`) opens the same way: {.model = "words.easel"}; its
// background class ("Background Noise", or a name with background, noise or silence) is
// not a word.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "easel/audio.h"
#include "easel/classification.h"

namespace easel {

struct WordDetection {
  std::string label;  // the word
  float confidence = 0;
  double time_s = 0;              // where the word's window was most confident (its centre)
  double start_s = 0, end_s = 0;  // the one-second window
};

// One window's classes, as ml5's classifyStart reports them.
struct SoundWindow {
  double start_s = 0;                  // where the one-second window starts (from the first sample pushed)
  std::vector<Classification> ranked;  // every class, most probable first
  std::vector<float> probabilities;    // every class's probability, in labels() order
};

struct SoundClassifierOptions {
  std::string model = "speech-commands";
  int top_k = 3;
  // Streaming (listen, Stream):
  float min_confidence = 0.75f;  // a word counts when its probability reaches this
  double hop_s = 0.1;            // the one-second window moves this far each step
  double suppress_s = 0.75;      // after a word, the same word is not reported again for this long
  int threads = 1;               // a small model: one thread leaves the other cores free
  // ml5's classifyStart: on_window hears a window every (1 - window_overlap) seconds of the
  // sound a stream is given, with every class (no probability threshold). 0.5 is ml5's
  // default, a window each half second; 0.9 gives every 100 ms step.
  double window_overlap = 0.5;
  std::function<void(const SoundWindow&)> on_window = {};
};

class SoundClassifier {
 public:
  static SoundClassifier create(const SoundClassifierOptions& options = {});
  ~SoundClassifier();
  SoundClassifier(SoundClassifier&&) noexcept;
  SoundClassifier& operator=(SoundClassifier&&) noexcept;

  // One clip (resampled to 16 kHz; its first second, zero-padded when shorter).
  std::vector<Classification> classify(const AudioBuffer& clip);
  // Every class's probability for one clip, in labels() order.
  std::vector<float> probabilities(const AudioBuffer& clip);
  // The words in a recording of any length, in order, each once.
  std::vector<WordDetection> listen(const AudioBuffer& audio);

  // Incremental listening (a microphone): push samples as they come; each call returns
  // the words completed so far. Times count from the first sample pushed.
  class Stream {
   public:
    std::vector<WordDetection> push(const float* samples, std::size_t count);
    std::vector<WordDetection> finish();  // flush the last word, if one is pending
    double seconds_heard() const;

    ~Stream();
    Stream(Stream&&) noexcept;
    Stream& operator=(Stream&&) noexcept;

   private:
    friend class SoundClassifier;
    struct Impl;
    explicit Stream(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
  };
  Stream stream();

  const std::vector<std::string>& labels() const;
  int sample_rate() const;  // 16000

 private:
  struct Impl;
  friend class Stream;
  explicit SoundClassifier(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel
