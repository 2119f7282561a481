// What a sound model sees: MFCCs and log-mel spectrograms.
//
//   easel::Tensor features = easel::mfcc(easel::load_audio("yes.wav", 16000));   // [49, 10]
#pragma once

#include <vector>

#include "easel/audio.h"
#include "easel/tensor.h"

namespace easel {

// The MFCC front end of the MLPerf Tiny keyword-spotting model (speech-commands), as
// its training code computes it with tf.signal: 16 kHz, 1 s (zero-padded), samples
// divided by their maximum, |STFT| with a periodic Hann window, HTK mel filterbank,
// ln(mel + 1e-6), unnormalised DCT-II scaled by 1/sqrt(2*mel_bins), first coefficients.
struct MfccOptions {
  int sample_rate = 16000;
  int clip_samples = 16000;
  int frame_length = 480;  // 30 ms
  int frame_step = 320;    // 20 ms
  int fft_length = 512;
  int mel_bins = 40;
  double lower_hz = 20, upper_hz = 4000;
  int coefficients = 10;
  bool normalize_by_max = true;
};

// Returns a [frames, coefficients] float32 tensor (49 x 10 with the defaults).
Tensor mfcc(const AudioBuffer& clip, const MfccOptions& options = {});

struct LogMelOptions {
  int frame_length = 400, frame_step = 160, fft_length = 512;
  int mel_bins = 64;
  double lower_hz = 20, upper_hz = 0;  // 0: Nyquist
  double floor = 1e-6;
};

// A [frames, mel_bins] log-mel spectrogram (power, natural log) of any length of audio.
Tensor log_mel_spectrogram(const AudioBuffer& audio, const LogMelOptions& options = {});

}  // namespace easel
