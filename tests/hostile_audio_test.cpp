// Hostile and unusual recordings (issue 15): a WAV of 1 Hz or 0 Hz, a header claiming
// billions of frames, a recording cut short; each is a clear error in easel's words with the
// bad-input code (a 1 Hz file ended in the internal-error code), or, cut short, the samples
// that are there.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "easel/audio.h"
#include "easel/error.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace easel;

namespace {

void put32(std::string& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// A 16-bit mono PCM WAV of `samples` silent samples at `rate`, its data chunk claiming
// `data_bytes` (the true count when 0).
std::string wav(std::uint32_t rate, std::size_t samples, std::uint32_t data_bytes = 0) {
  std::string b(44 + 2 * samples, '\0');
  b.replace(0, 4, "RIFF");
  put32(b, 4, static_cast<std::uint32_t>(b.size() - 8));
  b.replace(8, 8, "WAVEfmt ");
  put32(b, 16, 16);
  b[20] = 1, b[22] = 1;  // PCM, mono
  put32(b, 24, rate);
  put32(b, 28, rate * 2);
  b[32] = 2, b[34] = 16;
  b.replace(36, 4, "data");
  put32(b, 40, data_bytes ? data_bytes : static_cast<std::uint32_t>(2 * samples));
  return b;
}

std::string refusal(const fs::path& file) {
  return test::refusal([&] { load_audio(file, 16000); }, ErrorCode::bad_input, file);
}

}  // namespace

TEST(HostileAudio, ImpossibleRatesAndSizesAreBadInput) {
  test::ScratchDir dir;
  test::write(dir / "one-hertz.wav", wav(1, 100));
  EXPECT_NE(refusal(dir / "one-hertz.wav").find("1 Hz"), std::string::npos);
  test::write(dir / "zero-hertz.wav", wav(0, 100));
  const std::string zero = refusal(dir / "zero-hertz.wav");
  EXPECT_EQ(zero.find("SF_INFO"), std::string::npos) << zero;
  test::write(dir / "fast.wav", wav(4000000, 100));
  EXPECT_NE(refusal(dir / "fast.wav").find("4000000 Hz"), std::string::npos);
  // A data chunk claiming 4 GB in a file of 200 bytes: what is there is read.
  test::write(dir / "claims.wav", wav(16000, 78, 0xFFFFFFF0u));
  EXPECT_EQ(load_audio(dir / "claims.wav").samples.size(), 78u);
  // Cut short in the middle of the samples: the whole samples there.
  std::string cut = wav(16000, 1000);
  test::write(dir / "cut.wav", cut.substr(0, 44 + 2 * 500 + 1));
  EXPECT_EQ(load_audio(dir / "cut.wav").samples.size(), 500u);
  // An empty .raw recording holds no samples.
  test::write(dir / "empty.raw", "");
  EXPECT_THROW(load_audio(dir / "empty.raw"), Error);
  // A good one still reads, resampled.
  test::write(dir / "good.wav", wav(8000, 8000));
  const AudioBuffer good = load_audio(dir / "good.wav", 16000);
  EXPECT_EQ(good.sample_rate, 16000);
  EXPECT_NEAR(static_cast<double>(good.samples.size()), 16000, 20);
}
