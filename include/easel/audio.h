// Sound in: WAV, FLAC, OGG (libsndfile) and raw PCM, mixed to mono and resampled
// (libsamplerate) to the rate a model wants. Samples are float in [-1, 1].
//
//   auto clip = easel::load_audio("yes.wav", 16000);     // mono, resampled to 16 kHz
//   std::printf("%.2f s, %zu samples\n", clip.seconds(), clip.samples.size());
#pragma once

#include <filesystem>
#include <vector>

namespace easel {

struct AudioBuffer {
  std::vector<float> samples;  // mono
  int sample_rate = 0;
  double seconds() const { return sample_rate ? static_cast<double>(samples.size()) / sample_rate : 0.0; }
};

// Reads any file libsndfile understands (WAV, FLAC, OGG, ...), and .raw files as headerless
// 16 kHz 16-bit mono PCM (pocketsphinx's recordings); `target_rate` > 0 resamples to it.
// Throws Error(bad_input) naming the file if it is missing, empty or not audio.
AudioBuffer load_audio(const std::filesystem::path& file, int target_rate = 0);

// Headerless 16-bit little-endian PCM (e.g. pocketsphinx .raw files).
AudioBuffer load_raw_pcm(const std::filesystem::path& file, int sample_rate, int channels = 1, int target_rate = 0);

// High-quality sinc resampling; returns `audio` unchanged when the rates match.
AudioBuffer resample(const AudioBuffer& audio, int target_rate);

}  // namespace easel
