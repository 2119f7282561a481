#include "easel/spectrogram.h"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>

#include "easel/error.h"

namespace easel {
namespace {

constexpr double kPi = 3.14159265358979323846;

double hz_to_mel(double hz) { return 1127.0 * std::log(1.0 + hz / 700.0); }

// tf.signal.linear_to_mel_weight_matrix: [bins, mel_bins], the DC row all zero.
std::vector<double> mel_matrix(int bins, int mel_bins, int sample_rate, double lower_hz, double upper_hz) {
  std::vector<double> w(static_cast<std::size_t>(bins) * static_cast<std::size_t>(mel_bins), 0.0);
  const double nyquist = sample_rate / 2.0;
  std::vector<double> edges(static_cast<std::size_t>(mel_bins) + 2);
  const double lo = hz_to_mel(lower_hz), hi = hz_to_mel(upper_hz);
  for (std::size_t i = 0; i < edges.size(); ++i) edges[i] = lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(mel_bins + 1);
  for (int b = 1; b < bins; ++b) {
    const double mel = hz_to_mel(nyquist * b / (bins - 1));
    for (int m = 0; m < mel_bins; ++m) {
      const double left = edges[static_cast<std::size_t>(m)], center = edges[static_cast<std::size_t>(m) + 1],
                   right = edges[static_cast<std::size_t>(m) + 2];
      const double up = (mel - left) / (center - left), down = (right - mel) / (right - center);
      w[static_cast<std::size_t>(b) * static_cast<std::size_t>(mel_bins) + static_cast<std::size_t>(m)] = std::max(0.0, std::min(up, down));
    }
  }
  return w;
}

// FFTW's planner is not thread-safe; plans are made under a lock, executed freely.
std::mutex& plan_mutex() {
  static std::mutex m;
  return m;
}

struct FftwFree {
  void operator()(void* p) const { fftw_free(p); }
};

// |rfft| (power = false) or |rfft|^2 of each Hann-windowed frame: [frames][fft/2+1].
std::vector<std::vector<double>> stft(const std::vector<double>& x, int frame_length, int frame_step, int fft_length, bool power) {
  if (static_cast<int>(x.size()) < frame_length) return {};
  const int frames = 1 + (static_cast<int>(x.size()) - frame_length) / frame_step;
  const int bins = fft_length / 2 + 1;
  std::unique_ptr<double, FftwFree> in(static_cast<double*>(fftw_malloc(sizeof(double) * static_cast<std::size_t>(fft_length))));
  std::unique_ptr<fftw_complex, FftwFree> out(
      static_cast<fftw_complex*>(fftw_malloc(sizeof(fftw_complex) * static_cast<std::size_t>(bins))));
  fftw_plan plan;
  {
    std::lock_guard<std::mutex> lock(plan_mutex());
    plan = fftw_plan_dft_r2c_1d(fft_length, in.get(), out.get(), FFTW_ESTIMATE);
  }
  std::vector<double> window(static_cast<std::size_t>(frame_length));
  for (int n = 0; n < frame_length; ++n)
    window[static_cast<std::size_t>(n)] = 0.5 - 0.5 * std::cos(2 * kPi * n / frame_length);  // periodic
  std::vector<std::vector<double>> result(static_cast<std::size_t>(frames), std::vector<double>(static_cast<std::size_t>(bins)));
  for (int f = 0; f < frames; ++f) {
    std::fill(in.get(), in.get() + fft_length, 0.0);
    for (int n = 0; n < frame_length; ++n)
      in.get()[n] = x[static_cast<std::size_t>(f * frame_step + n)] * window[static_cast<std::size_t>(n)];
    fftw_execute(plan);
    for (int b = 0; b < bins; ++b) {
      const double re = out.get()[b][0], im = out.get()[b][1], p = re * re + im * im;
      result[static_cast<std::size_t>(f)][static_cast<std::size_t>(b)] = power ? p : std::sqrt(p);
    }
  }
  {
    std::lock_guard<std::mutex> lock(plan_mutex());
    fftw_destroy_plan(plan);
  }
  return result;
}

}  // namespace

Tensor mfcc(const AudioBuffer& clip, const MfccOptions& o) {
  if (clip.sample_rate != o.sample_rate)
    throw Error(ErrorCode::bad_input,
                "The MFCC front end needs " + std::to_string(o.sample_rate) + " Hz audio, got " + std::to_string(clip.sample_rate) + " Hz.",
                "Load it with load_audio(file, " + std::to_string(o.sample_rate) + "), which resamples.");
  std::vector<double> x(static_cast<std::size_t>(o.clip_samples), 0.0);
  const std::size_t n = std::min(x.size(), clip.samples.size());
  for (std::size_t i = 0; i < n; ++i) x[i] = clip.samples[i];
  if (o.normalize_by_max) {
    // The training code divides by the maximum sample value (not the maximum magnitude).
    const double peak = *std::max_element(x.begin(), x.end());
    if (peak > 0)
      for (double& v : x) v /= peak;
  }
  const auto spec = stft(x, o.frame_length, o.frame_step, o.fft_length, false);
  const int bins = o.fft_length / 2 + 1;
  const auto w = mel_matrix(bins, o.mel_bins, o.sample_rate, o.lower_hz, o.upper_hz);
  const int frames = static_cast<int>(spec.size());
  Tensor out(DType::f32, {frames, o.coefficients});
  std::vector<double> log_mel(static_cast<std::size_t>(o.mel_bins));
  const double scale = 1.0 / std::sqrt(2.0 * o.mel_bins);
  for (int f = 0; f < frames; ++f) {
    for (int m = 0; m < o.mel_bins; ++m) {
      double sum = 0;
      for (int b = 0; b < bins; ++b)
        sum += spec[static_cast<std::size_t>(f)][static_cast<std::size_t>(b)] *
               w[static_cast<std::size_t>(b) * static_cast<std::size_t>(o.mel_bins) + static_cast<std::size_t>(m)];
      log_mel[static_cast<std::size_t>(m)] = std::log(sum + 1e-6);
    }
    for (int k = 0; k < o.coefficients; ++k) {
      double sum = 0;  // unnormalised DCT-II: 2 * sum x_n cos(pi k (2n+1) / 2N)
      for (int m = 0; m < o.mel_bins; ++m)
        sum += log_mel[static_cast<std::size_t>(m)] * std::cos(kPi * k * (2 * m + 1) / (2.0 * o.mel_bins));
      out.data<float>()[f * o.coefficients + k] = static_cast<float>(2.0 * sum * scale);
    }
  }
  return out;
}

Tensor log_mel_spectrogram(const AudioBuffer& audio, const LogMelOptions& o) {
  std::vector<double> x(audio.samples.begin(), audio.samples.end());
  const auto spec = stft(x, o.frame_length, o.frame_step, o.fft_length, true);
  const int bins = o.fft_length / 2 + 1;
  const double upper = o.upper_hz > 0 ? o.upper_hz : audio.sample_rate / 2.0;
  const auto w = mel_matrix(bins, o.mel_bins, audio.sample_rate, o.lower_hz, upper);
  const int frames = static_cast<int>(spec.size());
  Tensor out(DType::f32, {frames, o.mel_bins});
  for (int f = 0; f < frames; ++f)
    for (int m = 0; m < o.mel_bins; ++m) {
      double sum = 0;
      for (int b = 0; b < bins; ++b)
        sum += spec[static_cast<std::size_t>(f)][static_cast<std::size_t>(b)] *
               w[static_cast<std::size_t>(b) * static_cast<std::size_t>(o.mel_bins) + static_cast<std::size_t>(m)];
      out.data<float>()[f * o.mel_bins + m] = static_cast<float>(std::log(sum + o.floor));
    }
  return out;
}

}  // namespace easel
