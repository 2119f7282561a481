#include <samplerate.h>
#include <sndfile.h>

#include <cstdint>
#include <cstring>

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

}  // namespace

AudioBuffer resample(const AudioBuffer& audio, int target_rate) {
  if (target_rate <= 0 || target_rate == audio.sample_rate || audio.samples.empty()) return audio;
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
  if (rc != 0) throw Error(ErrorCode::internal, std::string("Resampling failed: ") + src_strerror(rc) + ".");
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
    throw Error(ErrorCode::bad_input, "'" + file.string() + "' is not an audio file easel can read (" + why + ").",
                "easel reads WAV, FLAC and OGG files, and .raw files of 16 kHz 16-bit mono PCM.");
  }
  std::vector<float> interleaved(static_cast<std::size_t>(info.frames) * static_cast<std::size_t>(info.channels));
  sf_count_t got = sf_readf_float(sf, interleaved.data(), info.frames);
  sf_close(sf);
  interleaved.resize(static_cast<std::size_t>(got) * static_cast<std::size_t>(info.channels));
  if (interleaved.empty()) throw Error(ErrorCode::bad_input, "'" + file.string() + "' holds no audio samples.");
  AudioBuffer audio{mix_to_mono(interleaved, info.channels), info.samplerate};
  return resample(audio, target_rate);
}

AudioBuffer load_raw_pcm(const fs::path& file, int sample_rate, int channels, int target_rate) {
  std::string bytes = detail::read_file(file);
  if (bytes.size() < 2 || channels < 1 || sample_rate <= 0)
    throw Error(ErrorCode::bad_input, "'" + file.string() + "' holds no 16-bit PCM samples.");
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
