// Recordings: WAV, FLAC, OGG, ... through libsndfile, then resampled to the 16 kHz the
// sound models hear.
#include "easel/audio.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = easel::fuzz::write("sound", easel::fuzz::as_text(data, size));
  easel::fuzz::expect_clean([&] { easel::load_audio(file, 16000); });
  return 0;
}
