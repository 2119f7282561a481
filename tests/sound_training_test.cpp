// Training a sound classifier (issue 14) on openWakeWord's speech embedding: three words
// spoken by espeak-ng voices and a background class made with sox. Trained on some voices,
// it must hear the words in voices it never heard, and in real recordings (Google Speech
// Commands' yes.wav and down.wav). Long recordings become one example per second, the
// features of every window come back from the cache, and the model file opens in
// SoundClassifier and the CLI.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "easel/audio.h"
#include "easel/error.h"
#include "easel/evaluation.h"
#include "easel/feature_extractor.h"
#include "easel/image_classifier.h"
#include "easel/sound_classifier.h"
#include "easel/training.h"
#include "golden_util.h"
#include "sample_media.h"
#include "test_util.h"

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kWords = {"yes", "down", "left"};

fs::path kws_sample(const std::string& name) { return easel::test::shared_dir() / "media" / "arm-kws-samples" / name; }

// Features are kept in the build folder between tests (each runs in a process of its own).
easel::ExtractOptions cached() {
  easel::ExtractOptions o;
  o.cache_dir = fs::path(EASEL_BINARY_DIR) / "sound-training" / "features";
  return o;
}

easel::FeatureExtractor& extractor() {
  static easel::FeatureExtractor e = easel::FeatureExtractor::create({.model = "speech-embedding"});
  return e;
}

// Runs a command that makes a sound file; the test is skipped (or fails, when everything is
// required) without the tool.
void make(const std::string& command) {
  const auto r = easel::test::run(command);
  if (r.exit_code != 0) throw std::runtime_error("'" + command + "' failed: " + r.output);
}

// espeak-ng speaking each word in each voice (a voice and variant, e.g. "en-gb+f2"), at each
// speed and pitch, into root/<word>/; and root/background/: white, pink and brown noise at
// three levels, a 50 Hz hum (three seconds: three examples) and digital silence.
void speak(const fs::path& root, const std::vector<std::string>& voices, const std::vector<int>& speeds, const std::vector<int>& pitches) {
  for (const std::string& w : kWords) {
    fs::create_directories(root / w);
    for (const std::string& v : voices)
      for (int s : speeds)
        for (int p : pitches)
          make("espeak-ng -v " + v + " -s " + std::to_string(s) + " -p " + std::to_string(p) + " -w " +
               easel::test::shell_quote((root / w / (v + "-" + std::to_string(s) + "-" + std::to_string(p) + ".wav")).string()) + " " + w);
  }
  fs::create_directories(root / "background");
  for (const char* colour : {"whitenoise", "pinknoise", "brownnoise"})
    for (const char* level : {"0.02", "0.1", "0.3"})
      make("sox -n -r 16000 -b 16 " + easel::test::shell_quote((root / "background" / (std::string(colour) + level + ".wav")).string()) +
           " synth 1.1 " + colour + " vol " + level);
  make("sox -n -r 16000 -b 16 " + easel::test::shell_quote((root / "background" / "hum.wav").string()) + " synth 3 sine 50 vol 0.2");
  make("sox -n -r 16000 -b 16 " + easel::test::shell_quote((root / "background" / "silence.wav").string()) + " trim 0 1");
}

std::vector<std::pair<std::string, fs::path>> classes(const fs::path& root) {
  std::vector<std::pair<std::string, fs::path>> c;
  for (const std::string& w : kWords) c.emplace_back(w, root / w);
  c.emplace_back("background", root / "background");
  return c;
}

easel::Examples examples_of(const fs::path& root) {
  return easel::extract_examples(extractor(), easel::Dataset::from_folders(classes(root), easel::MediaKind::sound), cached());
}

std::vector<std::string> variants(const std::vector<std::string>& voices, const std::vector<std::string>& kinds) {
  std::vector<std::string> out;
  for (const auto& v : voices)
    for (const auto& k : kinds) out.push_back(v + k);
  return out;
}

#define SKIP_WITHOUT_TOOLS()                                                                                     \
  if (easel::test::run("command -v espeak-ng && command -v sox").exit_code != 0)                                \
    EASEL_SKIP_UNLESS_REQUIRED("espeak-ng and sox make this test's sounds; they are not installed");             \
  try {                                                                                                            \
    extractor();                                                                                                   \
  } catch (const easel::Error& e) {                                                                                \
    EASEL_SKIP_UNLESS_REQUIRED(std::string("speech-embedding is not installed: ") + e.what());                     \
  }

}  // namespace

// Four voices in thirteen variants, two speeds and two pitches (208 examples a word) train
// a head that hears four other voices above 90% and both real recordings. (Fewer voices, or
// sox's noise, reverb, speed and gain instead of voices, hear yes.wav but not down.wav: the
// closing note of issue 14 has the figures.)
TEST(SoundTraining, WordsOfUnseenVoicesAndRealRecordings) {
  SKIP_WITHOUT_TOOLS();
  easel::test::ScratchDir dir;
  speak(dir / "train",
        variants({"en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp"},
                 {"", "+m1", "+m2", "+m3", "+m4", "+m6", "+m7", "+f1", "+f2", "+f4", "+f5", "+klatt3", "+croak"}),
        {120, 170}, {35, 65});
  speak(dir / "test", variants({"en-029", "en-us-nyc", "en-gb-x-gbclan", "en-gb-x-gbcwmd"}, {"", "+m5", "+f3"}), {150}, {50});
  const easel::Examples train = examples_of(dir / "train"), test = examples_of(dir / "test");
  EXPECT_TRUE(train.skipped.empty() && test.skipped.empty());
  ASSERT_EQ(train.counts(), (std::vector<int>{208, 208, 208, 9 + 3 + 1}));
  ASSERT_EQ(test.size(), 36u + 13u);

  const auto model = easel::TrainedClassifier::train(train);
  const easel::Evaluation result = easel::evaluate(model, test);
  std::printf("[ sound    ] unseen voices: %s", easel::to_text(result).c_str());
  EXPECT_GT(result.accuracy(), 0.9);

  for (const std::string word : {"yes", "down"}) {
    const auto p = model.probabilities(extractor().extract(easel::load_audio(kws_sample(word + ".wav"))));
    const auto best = std::max_element(p.begin(), p.end()) - p.begin();
    std::printf("[ sound    ] %s.wav heard as %s %.2f\n", word.c_str(), model.labels()[static_cast<std::size_t>(best)].c_str(),
                p[static_cast<std::size_t>(best)]);
    EXPECT_EQ(model.labels()[static_cast<std::size_t>(best)], word);
  }
}

// A recording longer than 1.5 s is cut into seconds (a last piece under half a second is
// dropped); a shorter one is heard as its loudest second, at any rate and channel count.
// Every window's features come back from the cache as they were computed.
TEST(SoundTraining, LongRecordingsBecomeOneExampleASecondAndComeBackFromTheCache) {
  SKIP_WITHOUT_TOOLS();
  easel::test::ScratchDir dir;
  fs::create_directories(dir / "hum");
  fs::create_directories(dir / "word");
  make("sox -n -r 44100 -c 2 -b 16 " + easel::test::shell_quote((dir / "hum" / "long.wav").string()) + " synth 3.4 sine 220 vol 0.3");
  make("sox -n -r 8000 -b 16 " + easel::test::shell_quote((dir / "hum" / "short.flac").string()) + " synth 0.5 sine 440 vol 0.3");
  make("espeak-ng -v en-us -w " + easel::test::shell_quote((dir / "word" / "yes.wav").string()) + " yes");
  const auto data = easel::Dataset::from_folders({{"hum", dir / "hum"}, {"word", dir / "word"}}, easel::MediaKind::sound);
  easel::ExtractOptions o;
  o.cache_dir = dir / "cache";
  const easel::Examples first = easel::extract_examples(extractor(), data, o);
  ASSERT_TRUE(first.skipped.empty()) << first.skipped.front().reason;
  EXPECT_EQ(first.sources, (std::vector<std::string>{(dir / "hum" / "long.wav").string() + "@0s", (dir / "hum" / "long.wav").string() + "@1s",
                                                     (dir / "hum" / "long.wav").string() + "@2s", (dir / "hum" / "short.flac").string(),
                                                     (dir / "word" / "yes.wav").string()}));
  EXPECT_EQ(first.counts(), (std::vector<int>{4, 1}));
  EXPECT_EQ(first.length, 288);  // three embeddings of 96
  // The three seconds of a steady hum sound alike; the word does not.
  const auto distance = [&](std::size_t a, std::size_t b) {
    double d = 0;
    for (int i = 0; i < first.length; ++i) d += std::pow(first.row(a)[static_cast<std::size_t>(i)] - first.row(b)[static_cast<std::size_t>(i)], 2);
    return std::sqrt(d);
  };
  EXPECT_LT(distance(0, 1) * 3, distance(0, 4));
  // Read back from the cache (one entry a file, its windows one after another).
  const easel::Examples again = easel::extract_examples(extractor(), data, o);
  EXPECT_EQ(again.features, first.features);
  EXPECT_EQ(again.sources, first.sources);
  // The features of a file's window are the extractor's features of that window.
  const auto windows = extractor().sound_windows(easel::load_audio(dir / "hum" / "long.wav"));
  ASSERT_EQ(windows.size(), 3u);
  const auto second = extractor().extract(windows[1]);
  EXPECT_EQ(std::vector<float>(first.row(1).begin(), first.row(1).end()), second);

  // Sounds need a sound model and pictures a picture model, in words.
  auto image_extractor = easel::FeatureExtractor::create();
  try {
    easel::extract_examples(image_extractor, data, o);
    ADD_FAILURE() << "an image extractor took sounds";
  } catch (const easel::Error& e) {
    EXPECT_NE(std::string(e.what()).find("takes images; the dataset holds sounds"), std::string::npos) << e.what();
  }
  EXPECT_THROW(extractor().extract(easel::Image(4, 4)), easel::Error);
}

// MODEL.easel trained on sounds opens in SoundClassifier (the same probabilities as the
// model on the extractor's features), in `easel predict` and `easel listen`, and
// ImageClassifier refuses it in words.
TEST(SoundTraining, ModelFileOpensInSoundClassifierAndTheCli) {
  SKIP_WITHOUT_TOOLS();
  easel::test::ScratchDir dir;
  speak(dir / "train", variants({"en-us", "en-gb", "en-gb-x-rp"}, {"", "+m3", "+f2"}), {130, 170}, {50});
  const std::string file = (dir / "words.easel").string();
  const auto r = easel::test::run(std::string(EASEL_CLI) + " train sound -q --cache " + easel::test::shell_quote((dir / "cache").string()) +
                                  " -c yes=" + easel::test::shell_quote((dir / "train" / "yes").string()) + " -c down=" +
                                  easel::test::shell_quote((dir / "train" / "down").string()) + " -c left=" +
                                  easel::test::shell_quote((dir / "train" / "left").string()) + " -c background=" +
                                  easel::test::shell_quote((dir / "train" / "background").string()) + " -o " + easel::test::shell_quote(file));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("from speech-embedding"), std::string::npos) << r.output;

  make("espeak-ng -v en-us-nyc -w " + easel::test::shell_quote((dir / "left.wav").string()) + " left");
  auto words = easel::SoundClassifier::create({.model = file});
  EXPECT_EQ(words.labels(), (std::vector<std::string>{"yes", "down", "left", "background"}));
  const auto model = easel::TrainedClassifier::load(file);
  const auto clip = easel::load_audio(dir / "left.wav");
  const auto p = words.probabilities(clip), want = model.probabilities(extractor().extract(clip));
  ASSERT_EQ(p.size(), want.size());
  for (std::size_t i = 0; i < p.size(); ++i) EXPECT_NEAR(p[i], want[i], 1e-6f);
  EXPECT_EQ(words.classify(clip)[0].label, "left");
  // Digital silence is the background class, without running the model.
  easel::AudioBuffer silence;
  silence.sample_rate = 16000;
  silence.samples.assign(16000, 0.f);
  EXPECT_EQ(words.classify(silence)[0].label, "background");

  const auto predicted = easel::test::run(std::string(EASEL_CLI) + " predict " + easel::test::shell_quote(file) + " " +
                                          easel::test::shell_quote((dir / "left.wav").string()));
  ASSERT_EQ(predicted.exit_code, 0) << predicted.output;
  EXPECT_EQ(predicted.output.substr(0, 5), "left ") << predicted.output;
  // The word among a second and a half of silence on either side, heard by `listen`.
  make("sox " + easel::test::shell_quote((dir / "left.wav").string()) + " " + easel::test::shell_quote((dir / "padded.wav").string()) +
       " pad 1.5 1.5");
  const auto heard = easel::test::run(std::string(EASEL_CLI) + " listen -m " + easel::test::shell_quote(file) + " " +
                                      easel::test::shell_quote((dir / "padded.wav").string()));
  ASSERT_EQ(heard.exit_code, 0) << heard.output;
  EXPECT_NE(heard.output.find("left"), std::string::npos) << heard.output;

  try {
    easel::ImageClassifier::create({.model = file});
    ADD_FAILURE() << "ImageClassifier opened a sound model";
  } catch (const easel::Error& e) {
    EXPECT_NE(std::string(e.what()).find("sounds"), std::string::npos) << e.what();
  }
}

// The alternative base: speech commands' DS-CNN cut after its average pool (64 values over
// MFCCs). Its network learnt from real recordings of these very words, so a head trained on
// a few synthetic voices already hears the real ones.
TEST(SoundTraining, SpeechCommandsFeaturesAreTheAlternativeBase) {
  SKIP_WITHOUT_TOOLS();
  easel::test::ScratchDir dir;
  speak(dir / "train", variants({"en-us", "en-gb", "en-gb-x-rp"}, {"", "+m3", "+f2"}), {130, 170}, {50});
  speak(dir / "test", variants({"en-029", "en-us-nyc", "en-gb-x-gbclan"}, {"", "+f3"}), {150}, {50});
  auto base = easel::FeatureExtractor::create({.model = "speech-commands"});
  ASSERT_TRUE(base.is_sound());
  EXPECT_EQ(base.length(), 64);
  const auto data = [&](const fs::path& root) {
    return easel::extract_examples(base, easel::Dataset::from_folders(classes(root), easel::MediaKind::sound), cached());
  };
  const auto model = easel::TrainedClassifier::train(data(dir / "train"));
  const easel::Evaluation result = easel::evaluate(model, data(dir / "test"));
  std::printf("[ sound    ] speech-commands base, unseen voices: accuracy %.3f\n", result.accuracy());
  EXPECT_GT(result.accuracy(), 0.9);
  for (const std::string word : {"yes", "down"}) {
    const auto p = model.probabilities(base.extract(easel::load_audio(kws_sample(word + ".wav"))));
    EXPECT_EQ(model.labels()[static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin())], word);
  }
}
