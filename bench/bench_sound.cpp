// easel_bench_sound: streaming word recognition on a long recording at 1 thread: seconds of
// audio per second of compute (the real-time factor), and the CPU share it takes to keep up
// with a live 16 kHz source (compute time / audio time). The recording: the speech-commands
// samples and pocketsphinx's sentences, end to end, repeated to a minute.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "bench_util.h"
#include "core/files.h"
#include "easel/audio.h"
#include "easel/sound_classifier.h"
#include "sample_media.h"

namespace fs = std::filesystem;

int main() {
  const fs::path kws = fs::path(EASEL_SOURCE_DIR).parent_path() / "shared" / "media" / "arm-kws-samples";
  easel::AudioBuffer audio;
  audio.sample_rate = 16000;
  std::vector<easel::AudioBuffer> parts;
  for (const char* f : {"yes.wav", "down.wav", "right_left_up.wav", "yes_no_go_stop.wav"})
    if (fs::exists(kws / f)) parts.push_back(easel::load_audio(kws / f, 16000));
  for (const char* f : {"goforward.raw", "numbers.raw", "something.raw"})
    parts.push_back(easel::load_raw_pcm(easel::find_sample(f), 16000));
  if (parts.empty()) {
    std::fprintf(stderr, "no sample audio: run scripts/setup.sh\n");
    return 1;
  }
  while (audio.seconds() < 60)
    for (const auto& p : parts) audio.samples.insert(audio.samples.end(), p.samples.begin(), p.samples.end());

  easel::SoundClassifier words = easel::SoundClassifier::create({.threads = 1});
  words.listen(parts[0]);  // warm up
  std::vector<double> rtf;
  std::size_t heard = 0;
  for (int run = 0; run < 5; ++run) {
    const std::clock_t c0 = std::clock();
    const auto t0 = std::chrono::steady_clock::now();
    auto stream = words.stream();
    for (std::size_t i = 0; i < audio.samples.size(); i += 1600) {  // 100 ms chunks, as from a microphone
      heard += stream.push(audio.samples.data() + i, std::min<std::size_t>(1600, audio.samples.size() - i)).size();
    }
    heard += stream.finish().size();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    rtf.push_back(audio.seconds() / wall);
    std::printf("run %d: %.1f s of audio in %.3f s (%.0fx real time), cpu %.3f s\n", run + 1, audio.seconds(), wall, audio.seconds() / wall,
                cpu);
  }
  const double median = easel::bench::median(rtf);
  std::printf("\nstreaming word recognition, 1 thread: median %.0fx real time; live 16 kHz input needs %.1f%% of one core\n", median,
              100.0 / median);
  std::printf("(%zu words heard over the runs)\n", heard);
  const std::string json = "{\n  \"audio_seconds\": " + std::to_string(audio.seconds()) +
                           ",\n  \"threads\": 1,\n  \"real_time_factor\": " + std::to_string(median) +
                           ",\n  \"cpu_share_of_one_core_live\": " + std::to_string(1.0 / median) + "\n}\n";
  easel::detail::write_file_atomic(fs::path(EASEL_SOURCE_DIR) / "bench" / "results" / "sound.json", json);
  return 0;
}
