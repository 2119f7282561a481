// easel listen FILE|--mic [--json]: spoken command words with their times.
// easel pitch FILE [--json]: the pitch over time (CREPE, ml5's pitchDetection).
// easel spectrogram IN -o OUT.png: a picture of what a sound model hears.
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "easel/audio.h"
#include "easel/error.h"
#include "easel/image.h"
#include "easel/microphone.h"
#include "easel/pitch.h"
#include "easel/sound_classifier.h"
#include "easel/spectrogram.h"
#include "terminal.h"

namespace fs = std::filesystem;

namespace easel::cli {
namespace {

std::atomic<bool> stop_listening{false};

struct ListenArgs {
  std::string file, model = SoundClassifierOptions{}.model;
  bool mic = false;
  std::string device = "default";
  bool list_devices = false;
  bool json = false;
  float min_confidence = SoundClassifierOptions{}.min_confidence;
  double seconds = 0;  // --mic: stop after this long (0: until Ctrl-C)
};

void print_word(const WordDetection& w, bool json) {
  if (json)
    std::printf("%s\n",
                nlohmann::ordered_json(
                    {{"time_s", w.time_s}, {"label", w.label}, {"confidence", w.confidence}, {"start_s", w.start_s}, {"end_s", w.end_s}})
                    .dump()
                    .c_str());
  else std::printf("%7.2f s  %-6s %.2f\n", w.time_s, w.label.c_str(), w.confidence);
  std::fflush(stdout);
}

void listen(const ListenArgs& args) {
  if (args.list_devices) {
    const auto devices = list_microphones();
    if (devices.empty()) std::printf("no microphones found\n");
    for (const auto& d : devices) std::printf("%s\t%s\n", d.id.c_str(), d.description.c_str());
    return;
  }
  SoundClassifier words = SoundClassifier::create({.model = args.model, .min_confidence = args.min_confidence});
  if (!args.mic) {
    if (args.file.empty()) throw UsageError("Give a sound file, or --mic.");
    for (const auto& w : words.listen(load_audio(args.file, words.sample_rate()))) print_word(w, args.json);
    return;
  }
  auto stream = words.stream();
  const auto print = [&](const std::vector<WordDetection>& found) {
    for (const auto& w : found) print_word(w, args.json);
  };
  hear_microphone(stream, args.device, words.sample_rate(), args.seconds, print);
  print(stream.finish());
}

}  // namespace

void hear_microphone(SoundClassifier::Stream& stream, const std::string& device, int sample_rate, double seconds,
                     const std::function<void(const std::vector<WordDetection>&)>& heard) {
  Microphone mic = Microphone::open(device, sample_rate);
  stop_listening = false;
  std::signal(SIGINT, [](int) { stop_listening = true; });
  std::vector<float> chunk(static_cast<std::size_t>(sample_rate / 10));  // 100 ms
  while (!stop_listening && (seconds <= 0 || stream.seconds_heard() < seconds)) {
    const std::size_t n = mic.read(chunk.data(), chunk.size());
    if (n == 0) break;
    heard(stream.push(chunk.data(), n));
  }
  // Sound lost is words unheard: say so rather than miss them in silence.
  if (mic.dropped() > 0)
    std::fprintf(cli::messages(), "easel: %.1f s of sound from the microphone were lost: the model fell more than 10 s behind it (a busy machine?).\n",
                 static_cast<double>(mic.dropped()) / sample_rate);
  if (mic.overruns() > 0)
    std::fprintf(cli::messages(), "easel: the microphone's buffer overflowed %zu time(s) and some sound was lost: the machine was too busy to read it in time.\n",
                 mic.overruns());
}

namespace {

struct PitchArgs {
  std::string file;
  bool json = false;
  float min_confidence = 0.5f;
};

void pitch(const PitchArgs& args) {
  PitchDetector crepe = PitchDetector::create();
  for (const PitchFrame& f : crepe.track(load_audio(args.file, 16000))) {
    const bool voiced = f.confidence >= args.min_confidence;
    if (args.json) {
      std::printf("%s\n",
                  nlohmann::ordered_json({{"time_s", f.time_s},
                                          {"frequency_hz", voiced ? nlohmann::ordered_json(f.frequency_hz) : nlohmann::ordered_json()},
                                          {"confidence", f.confidence}})
                      .dump()
                      .c_str());
    } else if (voiced) {
      std::printf("%7.3f s  %8.2f Hz  %.2f\n", f.time_s, f.frequency_hz, f.confidence);
    }
  }
}

struct SpectrogramArgs {
  std::string input, output;
};

// Low frequencies at the bottom, time to the right, loudness as a colour map.
void spectrogram(const SpectrogramArgs& args) {
  const AudioBuffer audio = load_audio(args.input, 16000);
  const Tensor s = log_mel_spectrogram(audio);  // [frames, mel_bins]
  const int frames = static_cast<int>(s.dim(0)), bins = static_cast<int>(s.dim(1));
  if (frames == 0) throw Error(ErrorCode::bad_input, "'" + args.input + "' is too short for a spectrogram.");
  const float* v = s.data<float>();
  float hi = v[0];
  for (std::int64_t i = 0; i < s.size(); ++i) hi = std::max(hi, v[i]);
  const float lo = hi - 12.f;  // show about 52 dB below the loudest
  const int scale = 4;
  Image picture(frames, bins * scale);
  for (int t = 0; t < frames; ++t)
    for (int b = 0; b < bins; ++b) {
      const float x = std::clamp((v[static_cast<std::int64_t>(t) * bins + b] - lo) / (hi - lo), 0.f, 1.f);
      // A dark-blue -> magenta -> yellow ramp (magma-like).
      const std::uint8_t r = static_cast<std::uint8_t>(255 * std::min(1.f, 1.6f * x));
      const std::uint8_t g = static_cast<std::uint8_t>(255 * std::clamp(2.f * x - 1.f, 0.f, 1.f));
      const std::uint8_t bl = static_cast<std::uint8_t>(255 * std::clamp(0.4f + 0.6f * std::sin(3.1416f * x), 0.f, 1.f) * (1 - 0.6f * x));
      for (int k = 0; k < scale; ++k) {
        std::uint8_t* p = picture.data() + ((static_cast<std::size_t>(bins - 1 - b) * scale + k) * frames + t) * 3;
        p[0] = r, p[1] = g, p[2] = bl;
      }
    }
  picture.save(args.output);
  std::printf("%s: %d frames x %d mel bands (%.2f s) -> %s\n", args.input.c_str(), frames, bins, audio.seconds(), args.output.c_str());
}

}  // namespace

void add_sound_commands(CLI::App& app) {
  auto la = std::make_shared<ListenArgs>();
  auto listen_cmd = app.add_subcommand(
      "listen", "Hear spoken command words (yes, no, up, down, left, right, on, off, stop, go) in a file or from a microphone");
  listen_cmd->add_option("FILE", la->file, "Sound file (wav, flac, ogg; .raw is 16 kHz 16-bit mono)");
  listen_cmd->add_option("--model,-m", la->model, "speech-commands (default), or a sound model you trained (MODEL.easel)");
  listen_cmd->add_flag("--mic", la->mic, "Listen to a microphone (Ctrl-C stops)");
  listen_cmd->add_option("--device", la->device, "Microphone (ALSA name; see --list-devices)");
  listen_cmd->add_flag("--list-devices", la->list_devices, "List the microphones");
  listen_cmd->add_option("--seconds", la->seconds, "With --mic: stop after this many seconds");
  listen_cmd->add_option("--min-confidence", la->min_confidence, "A word counts at this confidence or more")->capture_default_str();
  listen_cmd->add_flag("--json", la->json, "One JSON object per word");
  listen_cmd->callback([la] { listen(*la); });

  auto pa = std::make_shared<PitchArgs>();
  auto pitch_cmd = app.add_subcommand("pitch", "The pitch of a voice or instrument over time (CREPE)");
  pitch_cmd->add_option("FILE", pa->file, "Sound file")->required();
  pitch_cmd->add_option("--min-confidence", pa->min_confidence, "Frames below this are unvoiced")->capture_default_str();
  pitch_cmd->add_flag("--json", pa->json, "One JSON object per 10 ms frame, unvoiced ones too");
  pitch_cmd->callback([pa] { pitch(*pa); });

  auto sa = std::make_shared<SpectrogramArgs>();
  auto spec_cmd = app.add_subcommand("spectrogram", "Draw a sound's log-mel spectrogram");
  spec_cmd->add_option("INPUT", sa->input, "Sound file")->required();
  spec_cmd->add_option("--out,-o", sa->output, "Picture to write (.png)")->required();
  spec_cmd->callback([sa] { spectrogram(*sa); });
}

}  // namespace easel::cli
