// PitchDetector: which note is being sung or played? ml5's pitchDetection (CREPE) in C++.
//
//   auto crepe = easel::PitchDetector::create();
//   for (auto& f : crepe.track(easel::load_audio("flute.wav", 16000)))
//     if (f.confidence > 0.5f) std::printf("%.2f s  %.1f Hz\n", f.time_s, f.frequency_hz);
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "easel/audio.h"

namespace easel {

struct PitchFrame {
  double time_s = 0;       // centre of the 64 ms frame
  float frequency_hz = 0;  // 0 when the frame is silent
  float confidence = 0;    // CREPE's peak activation, 0..1 (ml5 trusts it above 0.5)
};

struct PitchDetectorOptions {
  std::string model = "crepe";
  double hop_s = 0.01;  // one estimate every 10 ms
  int threads = 1;
};

class PitchDetector {
 public:
  static PitchDetector create(const PitchDetectorOptions& options = {});
  ~PitchDetector();
  PitchDetector(PitchDetector&&) noexcept;
  PitchDetector& operator=(PitchDetector&&) noexcept;

  // The pitch of 1024 samples at 16 kHz (64 ms), as ml5 computes it.
  PitchFrame estimate(const float* samples_16khz);
  // Frames over a whole recording (resampled to 16 kHz).
  std::vector<PitchFrame> track(const AudioBuffer& audio);

 private:
  struct Impl;
  explicit PitchDetector(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel
