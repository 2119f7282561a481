// SoundClassifier, PitchDetector and the sound commands on real speech (ARM's Speech
// Commands samples, pocketsphinx's goforward.raw), synthetic speech (espeak-ng, several
// voices and speeds) and synthetic tones and noise (sox).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "audio/ring_buffer.h"
#include "easel/audio.h"
#include "easel/error.h"
#include "easel/image.h"
#include "easel/microphone.h"
#include "easel/pitch.h"
#include "easel/sound_classifier.h"
#include "sample_media.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace easel;

namespace {

fs::path kws_sample(const std::string& name) {
  const fs::path p = test::shared_dir() / "media" / "arm-kws-samples" / name;
  if (!fs::exists(p)) ADD_FAILURE() << "no " << p;
  return p;
}

SoundClassifier& words() {
  static SoundClassifier classifier = SoundClassifier::create();
  return classifier;
}

std::string said(const std::vector<WordDetection>& found) {
  std::string s;
  for (const auto& w : found) s += w.label + "@" + std::to_string(w.time_s).substr(0, 4) + " ";
  return s;
}

// Runs a command that makes a sound file (sox, espeak-ng); false when the tool is missing.
bool make_sound(const std::string& command) { return test::run(command).exit_code == 0; }

}  // namespace

TEST(SoundClassifier, SpeechCommandsSamples) {
  EXPECT_EQ(words().classify(load_audio(kws_sample("yes.wav")))[0].label, "yes");
  EXPECT_EQ(words().classify(load_audio(kws_sample("down.wav")))[0].label, "down");
  const auto yes = words().listen(load_audio(kws_sample("yes.wav")));
  ASSERT_EQ(yes.size(), 1u) << said(yes);
  EXPECT_EQ(yes[0].label, "yes");
  const auto down = words().listen(load_audio(kws_sample("down.wav")));
  ASSERT_EQ(down.size(), 1u) << said(down);
  EXPECT_EQ(down[0].label, "down");
}

// Each sample with silence around it, as a word said into a quiet microphone: the word, and
// nothing for its tail as the windows slide past it ("own" of "down" once came out as "on").
TEST(SoundClassifier, AWordInSilenceIsOneWord) {
  for (const char* name : {"yes.wav", "down.wav", "right_left_up.wav"}) {
    const AudioBuffer sample = load_audio(kws_sample(name), 16000);
    const auto in_the_file = words().listen(sample);
    for (const auto& [before, after] : std::vector<std::pair<int, int>>{{0, 16000}, {8000, 24000}, {800, 16000}, {4000, 8000}}) {
      AudioBuffer padded;
      padded.sample_rate = 16000;
      padded.samples.assign(static_cast<std::size_t>(before), 0.f);
      padded.samples.insert(padded.samples.end(), sample.samples.begin(), sample.samples.end());
      padded.samples.resize(padded.samples.size() + static_cast<std::size_t>(after), 0.f);
      const auto heard = words().listen(padded);
      ASSERT_EQ(heard.size(), in_the_file.size()) << name << " with " << before << " samples of silence before, " << after << " after: "
                                                  << said(heard);
      for (std::size_t i = 0; i < heard.size(); ++i) EXPECT_EQ(heard[i].label, in_the_file[i].label) << name << ": " << said(heard);
    }
  }
}

TEST(SoundClassifier, RightLeftUpInOrder) {
  const auto found = words().listen(load_audio(kws_sample("right_left_up.wav")));
  ASSERT_EQ(found.size(), 3u) << said(found);
  EXPECT_EQ(found[0].label, "right");
  EXPECT_EQ(found[1].label, "left");
  EXPECT_EQ(found[2].label, "up");
  EXPECT_LT(found[0].time_s, found[1].time_s);
  EXPECT_LT(found[1].time_s, found[2].time_s);
  EXPECT_LE(found[2].time_s, 3.0);  // the file is 3 s long
}

TEST(SoundClassifier, StreamingInChunksHearsTheSameWords) {
  const AudioBuffer audio = load_audio(kws_sample("right_left_up.wav"), 16000);
  auto stream = words().stream();
  std::vector<WordDetection> found;
  for (std::size_t i = 0; i < audio.samples.size(); i += 1234) {
    auto more = stream.push(audio.samples.data() + i, std::min<std::size_t>(1234, audio.samples.size() - i));
    found.insert(found.end(), more.begin(), more.end());
  }
  auto rest = stream.finish();
  found.insert(found.end(), rest.begin(), rest.end());
  const auto whole = words().listen(audio);
  ASSERT_EQ(found.size(), whole.size()) << said(found) << " vs " << said(whole);
  for (std::size_t i = 0; i < found.size(); ++i) {
    EXPECT_EQ(found[i].label, whole[i].label);
    EXPECT_DOUBLE_EQ(found[i].time_s, whole[i].time_s);
  }
  EXPECT_NEAR(stream.seconds_heard(), 3.0, 0.01);
}

// ml5's classifyStart: every class of a window each half second (overlap 0.5), or each
// 100 ms step (0.9), ranked, each window the model's answer for that second of sound.
TEST(SoundClassifier, WindowsAsMl5sClassifyStartGivesThem) {
  const AudioBuffer audio = load_audio(kws_sample("right_left_up.wav"), 16000);
  for (const double overlap : {0.5, 0.9}) {
    std::vector<SoundWindow> windows;
    auto classifier = SoundClassifier::create({.window_overlap = overlap, .on_window = [&](const SoundWindow& w) { windows.push_back(w); }});
    auto stream = classifier.stream();
    stream.push(audio.samples.data(), audio.samples.size());
    stream.finish();
    ASSERT_GE(windows.size(), 4u);
    for (std::size_t i = 1; i < windows.size(); ++i) EXPECT_NEAR(windows[i].start_s - windows[i - 1].start_s, 1.0 - overlap, 1e-6);
    for (const SoundWindow& w : windows) {
      ASSERT_EQ(w.ranked.size(), classifier.labels().size());
      ASSERT_EQ(w.probabilities.size(), classifier.labels().size());
      for (std::size_t k = 1; k < w.ranked.size(); ++k) EXPECT_GE(w.ranked[k - 1].confidence, w.ranked[k].confidence);
      EXPECT_EQ(w.ranked[0].label, classifier.labels()[static_cast<std::size_t>(w.ranked[0].index)]);
      EXPECT_FLOAT_EQ(w.ranked[0].confidence, w.probabilities[static_cast<std::size_t>(w.ranked[0].index)]);
    }
    // A window inside the recording is the model's answer for that second of it.
    const SoundWindow& w = windows[windows.size() / 2];
    ASSERT_GE(w.start_s, 0.0);
    AudioBuffer second;
    second.sample_rate = 16000;
    const auto from = static_cast<std::size_t>(std::lround(w.start_s * 16000));
    second.samples.assign(audio.samples.begin() + static_cast<std::ptrdiff_t>(from),
                          audio.samples.begin() + static_cast<std::ptrdiff_t>(std::min(audio.samples.size(), from + 16000)));
    const std::vector<float> direct = classifier.probabilities(second);
    for (std::size_t k = 0; k < direct.size(); ++k) EXPECT_NEAR(w.probabilities[k], direct[k], 1e-4) << classifier.labels()[k];
  }
  EXPECT_THROW(SoundClassifier::create({.window_overlap = 1.0}), Error);
}

TEST(SoundClassifier, GoAtTheStartOfGoForward) {
  const fs::path raw = find_sample("goforward.raw");
  ASSERT_FALSE(raw.empty());
  const auto found = words().listen(load_raw_pcm(raw, 16000));
  ASSERT_FALSE(found.empty()) << "nothing heard";
  EXPECT_EQ(found[0].label, "go") << said(found);
  EXPECT_LT(found[0].time_s, 1.0) << said(found);  // "go" is spoken at 0.5-0.65 s
}

TEST(SoundClassifier, SilenceAndNoiseAreNoWords) {
  test::ScratchDir dir;
  AudioBuffer silence;
  silence.sample_rate = 16000;
  silence.samples.assign(16000, 0.f);
  auto top = words().classify(silence)[0].label;
  EXPECT_TRUE(top == "_silence_" || top == "_unknown_") << top;
  EXPECT_TRUE(words().listen(silence).empty());
  for (const char* noise : {"whitenoise vol 0.02", "pinknoise vol 0.05", "brownnoise vol 0.05"}) {
    const fs::path f = dir / "noise.wav";
    if (!make_sound("sox -n -r 16000 -c 1 -b 16 '" + f.string() + "' synth 1 " + noise)) EASEL_SKIP_UNLESS_REQUIRED("sox is not installed");
    top = words().classify(load_audio(f))[0].label;
    EXPECT_TRUE(top == "_silence_" || top == "_unknown_") << noise << ": " << top;
    const auto heard = words().listen(load_audio(f));
    EXPECT_TRUE(heard.empty()) << noise << ": " << said(heard);
  }
}

// Seven words in five espeak-ng voices at two speeds: the first word heard must be the word
// said. Accuracy per word is printed; overall it must reach 70%.
TEST(SoundClassifier, SyntheticSpeechAccuracy) {
  test::ScratchDir dir;
  const std::vector<std::string> vocabulary = {"yes", "stop", "up", "left", "right", "down", "go"};
  std::map<std::string, std::pair<int, int>> score;  // word -> (right, tried)
  int right = 0, tried = 0;
  for (const char* voice : {"en-us", "en-gb", "en-us+f3", "en-gb+m3", "en-us+f4"})
    for (int speed : {130, 170})
      for (const std::string& word : vocabulary) {
        const fs::path f = dir / (word + ".wav");
        if (!make_sound("espeak-ng -v " + std::string(voice) + " -s " + std::to_string(speed) + " -w '" + f.string() + "' " + word))
          EASEL_SKIP_UNLESS_REQUIRED("espeak-ng is not installed");
        const auto heard = words().listen(load_audio(f));
        const bool ok = !heard.empty() && heard[0].label == word;
        right += ok, ++tried;
        score[word].first += ok, ++score[word].second;
      }
  for (const auto& [word, s] : score) std::printf("[ espeak   ] %-5s %d/%d\n", word.c_str(), s.first, s.second);
  std::printf("[ espeak   ] overall %d/%d (%.0f%%)\n", right, tried, 100.0 * right / tried);
  EXPECT_GE(right, 0.7 * tried);
}

TEST(SoundClassifier, ClearErrors) {
  EXPECT_THROW(SoundClassifier::create({.model = "mobilenet"}), Error);
  EXPECT_THROW(SoundClassifier::create({.hop_s = 0}), Error);
  EXPECT_THROW(Microphone::open("no-such-microphone"), Error);
  for (const auto& m : list_microphones()) EXPECT_FALSE(m.id.empty());
}

TEST(PitchDetector, SineTonesWithinOnePercent) {
  test::ScratchDir dir;
  PitchDetector crepe = PitchDetector::create();
  for (int hz : {220, 440, 880}) {
    const fs::path f = dir / ("sine" + std::to_string(hz) + ".wav");
    if (!make_sound("sox -n -r 44100 -c 1 -b 16 '" + f.string() + "' synth 1 sine " + std::to_string(hz) + " vol 0.5"))
      EASEL_SKIP_UNLESS_REQUIRED("sox is not installed");
    int confident = 0, close = 0;
    for (const PitchFrame& frame : crepe.track(load_audio(f))) {
      if (frame.confidence < 0.5f) continue;
      ++confident;
      close += std::abs(frame.frequency_hz - hz) <= 0.01f * hz;
    }
    std::printf("[ crepe    ] %d Hz: %d of %d confident frames within 1%%\n", hz, close, confident);
    EXPECT_GT(confident, 50) << hz;
    EXPECT_GE(close, 0.9 * confident) << hz;
  }
  // Silence has no pitch.
  AudioBuffer quiet;
  quiet.sample_rate = 16000;
  quiet.samples.assign(4000, 0.f);
  for (const PitchFrame& frame : crepe.track(quiet)) EXPECT_EQ(frame.frequency_hz, 0.f);
}

TEST(SoundCli, ListenPitchAndSpectrogram) {
  test::ScratchDir dir;
  const std::string cli = EASEL_CLI;
  auto r = test::run(cli + " listen '" + kws_sample("right_left_up.wav").string() + "' --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  std::string line, order;
  while (std::getline(lines, line)) order += nlohmann::json::parse(line)["label"].get<std::string>() + " ";
  EXPECT_EQ(order, "right left up ");
  const fs::path tone = dir / "a440.wav";
  if (!make_sound("sox -n -r 16000 -c 1 -b 16 '" + tone.string() + "' synth 0.5 sine 440 vol 0.5"))
    EASEL_SKIP_UNLESS_REQUIRED("sox is not installed");
  r = test::run(cli + " pitch '" + tone.string() + "' --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream frames(r.output);
  int voiced = 0;
  while (std::getline(frames, line)) {
    const auto f = nlohmann::json::parse(line);
    if (f["frequency_hz"].is_null()) continue;
    ++voiced;
    EXPECT_NEAR(f["frequency_hz"].get<double>(), 440, 4.4);
  }
  EXPECT_GT(voiced, 20);
  r = test::run(cli + " spectrogram '" + kws_sample("yes.wav").string() + "' -o '" + (dir / "yes.png").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Image picture = Image::load(dir / "yes.png");
  EXPECT_GT(picture.width(), 90);  // 1 s in 10 ms frames
  EXPECT_EQ(picture.height(), 64 * 4);
  r = test::run(cli + " listen --mic --device no-such-microphone");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("no-such-microphone"), std::string::npos) << r.output;
  r = test::run(cli + " listen /no/such/sound.wav");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("/no/such/sound.wav"), std::string::npos) << r.output;
}

// The microphone's ring buffer: order kept across the wrap, the oldest dropped (and
// counted) on overflow, and a writer thread feeding a blocked reader.
TEST(RingBuffer, KeepsOrderDropsTheOldestAndFeedsABlockedReader) {
  RingBuffer ring(8);
  std::vector<float> seq(20);
  for (std::size_t i = 0; i < seq.size(); ++i) seq[i] = static_cast<float>(i);
  ring.write(seq.data(), 5);
  float out[16];
  ASSERT_EQ(ring.read(out, 3), 3u);
  EXPECT_EQ(out[0], 0.f);
  EXPECT_EQ(out[2], 2.f);
  ring.write(seq.data() + 5, 5);  // wraps around the end of the storage
  ASSERT_EQ(ring.size(), 7u);
  ASSERT_EQ(ring.read(out, 16), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(out[i], static_cast<float>(3 + i));
  ring.write(seq.data(), 20);  // more than fits: the newest 8 stay
  EXPECT_EQ(ring.dropped(), 12u);
  ASSERT_EQ(ring.read(out, 16), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(out[i], static_cast<float>(12 + i));
  EXPECT_EQ(ring.read(out, 4), 0u);

  RingBuffer live(5000);  // room for everything: a slow (sanitized, busy) reader must not drop
  std::thread writer([&] {
    std::vector<float> chunk(100);
    for (int c = 0; c < 50; ++c) {
      for (int i = 0; i < 100; ++i) chunk[static_cast<std::size_t>(i)] = static_cast<float>(c * 100 + i);
      live.write(chunk.data(), chunk.size());
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    live.close();
  });
  std::vector<float> got(5000), buf(64);
  std::size_t total = 0;
  for (std::size_t n; (n = live.read_blocking(buf.data(), buf.size())) > 0;) {
    std::copy_n(buf.data(), n, got.begin() + static_cast<std::ptrdiff_t>(total));
    total += n;
  }
  writer.join();
  EXPECT_EQ(total + live.dropped(), 5000u);
  EXPECT_EQ(live.dropped(), 0u);
  for (std::size_t i = 0; i < total; ++i) ASSERT_EQ(got[i], static_cast<float>(i));
  EXPECT_THROW(RingBuffer(0), Error);
}
