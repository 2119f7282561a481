// Audio input and the speech-commands MFCC front end, checked against the reference
// features shipped with the model (../shared/models/kws-dscnn-mlperf-tiny/reference).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "easel/audio.h"
#include "easel/error.h"
#include "easel/spectrogram.h"
#include "sample_media.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace easel;

namespace {

std::vector<std::vector<double>> read_csv(const fs::path& file) {
  std::vector<std::vector<double>> rows;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    std::vector<double> row;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) row.push_back(std::stod(cell));
    if (!row.empty()) rows.push_back(row);
  }
  return rows;
}

void expect_matches_reference(const std::string& wav, const std::string& csv) {
  const fs::path ref = test::shared_dir() / "models/kws-dscnn-mlperf-tiny/reference" / csv;
  if (!fs::exists(ref)) EASEL_SKIP_UNLESS_REQUIRED("no " + ref.string());
  AudioBuffer clip = load_audio(find_sample(wav), 16000);
  Tensor features = mfcc(clip);
  auto expected = read_csv(ref);
  ASSERT_EQ(features.shape(), (Shape{49, 10}));
  ASSERT_EQ(expected.size(), 49u);
  double worst = 0;
  for (int f = 0; f < 49; ++f)
    for (int k = 0; k < 10; ++k)
      worst = std::max(worst,
                       std::abs(features.data<float>()[f * 10 + k] - expected[static_cast<std::size_t>(f)][static_cast<std::size_t>(k)]));
  std::printf("%s: max abs error against the reference MFCCs: %.2e\n", wav.c_str(), worst);
  EXPECT_LE(worst, 1e-3);
}

}  // namespace

TEST(AudioMfcc, YesMatchesTheReferenceFeatures) { expect_matches_reference("yes.wav", "mfcc_yes_wav_49x10.csv"); }
TEST(AudioMfcc, DownMatchesTheReferenceFeatures) { expect_matches_reference("down.wav", "mfcc_down_wav_49x10.csv"); }

TEST(AudioIo, ReadsWavAndRawPcmAndResamples) {
  AudioBuffer yes = load_audio(find_sample("yes.wav"));
  EXPECT_EQ(yes.sample_rate, 16000);
  EXPECT_NEAR(yes.seconds(), 1.0, 0.01);
  AudioBuffer raw = load_raw_pcm(find_sample("goforward.raw"), 16000);
  EXPECT_NEAR(raw.seconds(), 89160 / 2 / 16000.0, 1e-6);
  AudioBuffer half = resample(yes, 8000);
  EXPECT_EQ(half.sample_rate, 8000);
  EXPECT_NEAR(static_cast<double>(half.samples.size()), yes.samples.size() / 2.0, 2.0);
}

TEST(AudioIo, ResamplingKeepsTheFrequencyOfATone) {
  // A 440 Hz tone at 44.1 kHz resampled to 16 kHz still crosses zero 880 times a second.
  AudioBuffer tone{{}, 44100};
  for (int i = 0; i < 44100; ++i) tone.samples.push_back(static_cast<float>(std::sin(2 * M_PI * 440 * i / 44100.0)));
  AudioBuffer r = resample(tone, 16000);
  int crossings = 0;
  for (std::size_t i = 1000; i + 1000 < r.samples.size(); ++i) crossings += (r.samples[i - 1] < 0) != (r.samples[i] < 0);
  EXPECT_NEAR(crossings * 16000.0 / (r.samples.size() - 2000), 880, 3);
}

TEST(AudioIo, BadFilesGiveClearErrors) {
  test::ScratchDir scratch;
  test::write(scratch / "not_audio.wav", "this is text, not a RIFF file");
  try {
    load_audio(scratch / "not_audio.wav");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::bad_input);
    EXPECT_NE(std::string(e.what()).find("not_audio.wav"), std::string::npos);
  }
  EXPECT_THROW(load_audio(scratch / "missing.wav"), Error);
  EXPECT_THROW(mfcc(load_audio(find_sample("yes.wav"), 8000)), Error);  // wrong rate is named, not silently used
}

TEST(AudioSpectrogram, LogMelPeaksAtTheToneFrequency) {
  AudioBuffer tone{{}, 16000};
  for (int i = 0; i < 16000; ++i) tone.samples.push_back(static_cast<float>(0.5 * std::sin(2 * M_PI * 1000 * i / 16000.0)));
  LogMelOptions o;
  o.mel_bins = 64;
  Tensor s = log_mel_spectrogram(tone, o);
  ASSERT_EQ(s.dim(1), 64);
  int best = 0;
  for (int m = 1; m < 64; ++m)
    if (s.data<float>()[10 * 64 + m] > s.data<float>()[10 * 64 + best]) best = m;
  // 1000 Hz on an HTK mel scale from 20 Hz to 8 kHz lies a bit under 40% of the way up.
  double mel = 1127 * std::log(1 + 1000 / 700.0), lo = 1127 * std::log(1 + 20 / 700.0), hi = 1127 * std::log(1 + 8000 / 700.0);
  double expected_bin = (mel - lo) / (hi - lo) * 65 - 1;
  EXPECT_NEAR(best, expected_bin, 1.5);
}
