#include <samplerate.h>
#include <sndfile.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/files.h"
#include "easel/audio.h"
#include "easel/error.h"

namespace fs = std::filesystem;

namespace easel {
namespace {

std::vector<float> mix_to_mono(const std::vector<float>& interleaved, int channels) {
  if (channels == 1) return interleaved;
  std::vector<float> mono(interleaved.size() / static_cast<std::size_t>(channels));
  for (std::size_t i = 0; i < mono.size(); ++i) {
    float sum = 0;
    for (int c = 0; c < channels; ++c) sum += interleaved[i * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)];
    mono[i] = sum / static_cast<float>(channels);
  }
  return mono;
}

// Sounds easel reads: 1 kHz to 768 kHz, up to an hour (at 48 kHz stereo, 1.3 GB of floats
// while reading). A header claiming more is damaged or hostile, or a recording to cut first.
constexpr int kMinRate = 1000, kMaxRate = 768000;
constexpr double kMaxSeconds = 3600;

// 'file' (built by appending: GCC 12 warns falsely of an overlap for "'" + string).
std::string quoted(const fs::path& file) {
  std::string q(1, '\'');
  q += file.string();
  q += '\'';
  return q;
}

void check_rate(int rate, const std::string& what) {
  if (rate < kMinRate || rate > kMaxRate)
    throw Error(ErrorCode::bad_input, what + " has a sample rate of " + std::to_string(rate) + " Hz; easel reads sounds of 1 kHz to 768 kHz.");
}

}  // namespace

AudioBuffer resample(const AudioBuffer& audio, int target_rate) {
  if (target_rate <= 0 || target_rate == audio.sample_rate || audio.samples.empty()) return audio;
  check_rate(audio.sample_rate, "A sound to resample");
  check_rate(target_rate, "The rate to resample to");
  const double ratio = static_cast<double>(target_rate) / audio.sample_rate;
  AudioBuffer out;
  out.sample_rate = target_rate;
  out.samples.resize(static_cast<std::size_t>(audio.samples.size() * ratio) + 16);
  SRC_DATA data{};
  data.data_in = audio.samples.data();
  data.input_frames = static_cast<long>(audio.samples.size());
  data.data_out = out.samples.data();
  data.output_frames = static_cast<long>(out.samples.size());
  data.src_ratio = ratio;
  int rc = src_simple(&data, SRC_SINC_BEST_QUALITY, 1);
  if (rc != 0) throw Error(ErrorCode::internal, std::string("Resampling failed (libsamplerate: ") + src_strerror(rc) + ").");
  out.samples.resize(static_cast<std::size_t>(data.output_frames_gen));
  return out;
}

AudioBuffer load_audio(const fs::path& file, int target_rate) {
  if (!fs::is_regular_file(file)) throw Error(ErrorCode::bad_input, "There is no audio file '" + file.string() + "'.", "Check the path.");
  if (file.extension() == ".raw") return load_raw_pcm(file, 16000, 1, target_rate);
  SF_INFO info{};
  SNDFILE* sf = sf_open(file.c_str(), SFM_READ, &info);
  if (!sf) {
    std::string why = sf_strerror(nullptr);  // libsndfile's words, often ending in a full stop
    while (!why.empty() && (why.back() == '.' || why.back() == ' ')) why.pop_back();
    // libsndfile's name for a header without a rate or channel count is its own struct's.
    if (why.find("SF_INFO") != std::string::npos) why = "its header gives no sample rate or no channels";
    throw Error(ErrorCode::bad_input, "'" + file.string() + "' is not an audio file easel can read (" + why + ").",
                "easel reads WAV, FLAC and OGG files, and .raw files of 16 kHz 16-bit mono PCM.");
  }
  struct Closer {
    SNDFILE* sf;
    ~Closer() { sf_close(sf); }
  } closer{sf};
  check_rate(info.samplerate, quoted(file));
  if (info.channels < 1 || info.channels > 64)
    throw Error(ErrorCode::bad_input, "'" + file.string() + "' has " + std::to_string(info.channels) + " channels; easel reads 1 to 64.");
  // Read a block at a time, up to the limit: the header's frame count is not trusted.
  const auto limit = static_cast<std::size_t>(kMaxSeconds * info.samplerate);
  std::vector<float> interleaved, block(static_cast<std::size_t>(65536) * static_cast<std::size_t>(info.channels));
  for (;;) {
    const sf_count_t got = sf_readf_float(sf, block.data(), 65536);
    if (got <= 0) break;
    interleaved.insert(interleaved.end(), block.begin(), block.begin() + got * info.channels);
    if (interleaved.size() / static_cast<std::size_t>(info.channels) > limit)
      throw Error(ErrorCode::bad_input, "'" + file.string() + "' is longer than an hour, the most easel reads at once.",
                  "Cut it into shorter recordings (sox IN.wav OUT.wav trim START LENGTH).");
  }
  if (interleaved.empty()) throw Error(ErrorCode::bad_input, "'" + file.string() + "' holds no audio samples.");
  AudioBuffer audio{mix_to_mono(interleaved, info.channels), info.samplerate};
  return resample(audio, target_rate);
}

AudioBuffer load_raw_pcm(const fs::path& file, int sample_rate, int channels, int target_rate) {
  std::string bytes = detail::read_file(file);
  if (bytes.size() < 2 || channels < 1 || sample_rate <= 0)
    throw Error(ErrorCode::bad_input, "'" + file.string() + "' holds no 16-bit PCM samples.");
  check_rate(sample_rate, quoted(file));
  if (static_cast<double>(bytes.size()) / 2 / channels / sample_rate > kMaxSeconds)
    throw Error(ErrorCode::bad_input, "'" + file.string() + "' is longer than an hour, the most easel reads at once.");
  std::vector<float> interleaved(bytes.size() / 2);
  for (std::size_t i = 0; i < interleaved.size(); ++i) {
    std::int16_t s;
    std::memcpy(&s, bytes.data() + 2 * i, 2);
    interleaved[i] = s / 32768.0f;
  }
  interleaved.resize(interleaved.size() / static_cast<std::size_t>(channels) * static_cast<std::size_t>(channels));
  AudioBuffer audio{mix_to_mono(interleaved, channels), sample_rate};
  return resample(audio, target_rate);
}

}  // namespace easel
