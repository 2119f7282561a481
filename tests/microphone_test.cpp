// A real microphone path on a machine without a sound card: a PulseAudio server of the
// test's own with a null sink, whose monitor is the default source; ALSA's pulse plugin
// routes easel's "default" capture device to it, and paplay speaks recordings into the
// sink. `easel listen --mic`, `easel live listen --mic` (OSC out) and the library's
// Microphone + SoundClassifier stream then hear the words of the recordings.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "easel/audio.h"
#include "easel/microphone.h"
#include "easel/sound_classifier.h"
#include "golden_util.h"
#include "osc_receiver.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

fs::path recording(const std::string& name) { return easel::test::shared_dir() / "media" / "arm-kws-samples" / name; }

// pulseaudio with one null sink ("easel_speaker"), its monitor the default source, on a
// socket in a scratch folder; PULSE_SERVER points this process and its children at it.
class PulseServer {
 public:
  PulseServer() {
    const fs::path config = dir_ / "pulse.pa";
    easel::test::write(config, "load-module module-null-sink sink_name=easel_speaker\n"
                               "set-default-sink easel_speaker\n"
                               "set-default-source easel_speaker.monitor\n"
                               "load-module module-native-protocol-unix socket=" + (dir_ / "native").string() + " auth-anonymous=1\n");
    fs::create_directories(dir_ / "runtime");
    setenv("PULSE_RUNTIME_PATH", (dir_ / "runtime").c_str(), 1);
    setenv("PULSE_STATE_PATH", (dir_ / "runtime").c_str(), 1);
    pid_ = easel::test::start_server({"pulseaudio", "-n", "-F", config.string(), "--daemonize=no", "--exit-idle-time=-1"});
    if (pid_ < 0) return;
    setenv("PULSE_SERVER", ("unix:" + (dir_ / "native").string()).c_str(), 1);
    for (int i = 0; i < 100 && !ready_; ++i) {  // up to 10 s on a busy machine
      ready_ = easel::test::run("pactl info").exit_code == 0;
      if (!ready_) std::this_thread::sleep_for(100ms);
    }
  }
  ~PulseServer() {
    unsetenv("PULSE_SERVER");
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool ready() const { return ready_; }

  // Waits until someone records from the server (easel opened its microphone).
  bool wait_for_a_listener(std::atomic<bool>& gave_up) const {
    for (int i = 0; i < 300 && !gave_up; ++i) {  // 30 s: loading a model on a busy machine
      if (!easel::test::run("pactl list short source-outputs").output.empty()) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  // Plays recordings into the sink, one after the other with a second of silence between,
  // as someone speaking. They are joined into one file first (sox): played one by one, the
  // silence between them is the time between two paplay runs, and a busy server that falls
  // behind renders the next file early, closing the gap (then a window holding the end of
  // one word and the start of the next is heard as a third word).
  void say(const std::vector<std::string>& files) const {
    std::string join = "sox";
    for (std::size_t i = 0; i < files.size(); ++i) {
      const fs::path padded = dir_ / ("padded" + std::to_string(i) + ".wav");
      ASSERT_EQ(easel::test::run("sox " + easel::test::shell_quote(recording(files[i]).string()) + " " + padded.string() + " pad 0 1").exit_code, 0)
          << files[i];
      join += " " + padded.string();
    }
    const fs::path speech = dir_ / "speech.wav";
    ASSERT_EQ(easel::test::run(join + " " + speech.string()).exit_code, 0);
    EXPECT_EQ(easel::test::run("paplay " + speech.string()).exit_code, 0);
  }

 private:
  easel::test::ScratchDir dir_;
  pid_t pid_ = -1;
  bool ready_ = false;
};

bool pulse_installed() {
  return easel::test::run("command -v pulseaudio && command -v paplay && command -v pactl && command -v sox").exit_code == 0;
}

#define NEED_PULSE()                                                                                             \
  if (!pulse_installed()) {                                                                                      \
    if (easel::test::require_all()) FAIL() << "pulseaudio or sox is missing: setup.sh installs them";         \
    GTEST_SKIP() << "pulseaudio is not installed";                                                             \
  }                                                                                                              \
  PulseServer pulse;                                                                                             \
  ASSERT_TRUE(pulse.ready()) << "pulseaudio did not start"

// The words a CLI run printed ("   1.40 s  left   0.99" lines), in order.
std::vector<std::string> words_printed(const std::string& output) {
  std::vector<std::string> words;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    std::istringstream l(line);
    double t;
    std::string s, word;
    if (l >> t >> s >> word && s == "s") words.push_back(word);
  }
  return words;
}

}  // namespace

TEST(Microphone, ASoundServersInputIsListed) {
  NEED_PULSE();
  const auto r = easel::test::run(std::string(EASEL_CLI) + " listen --list-devices");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("default\t"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("pulse\t"), std::string::npos) << r.output;
}

// Runs the CLI (listening to the microphone) while the recordings are played into it.
// A run in which easel reported sound lost to a machine too busy to read the microphone
// (its buffer overflowed) proves nothing either way, and is run once more; the report of the
// first is printed.
template <class Command, class Check>
void hear_through_the_cli(PulseServer& pulse, Command command, const std::vector<std::string>& files, Check check) {
  for (int attempt = 1;; ++attempt) {
    std::atomic<bool> done{false};
    easel::test::CommandResult cli;
    const std::string cmd = command();
    std::thread listener([&] {
      cli = easel::test::run(cmd);
      done = true;
    });
    const bool listening = pulse.wait_for_a_listener(done);
    if (listening) pulse.say(files);
    listener.join();
    ASSERT_TRUE(listening) << "easel never opened the microphone\n" << cli.output;
    ASSERT_EQ(cli.exit_code, 0) << cli.output;
    const bool sound_lost = cli.output.find("sound was lost") != std::string::npos || cli.output.find("were lost") != std::string::npos;
    if (sound_lost && attempt == 1) {
      std::printf("[ busy     ] the machine was too busy to read the microphone; once more. easel said:\n%s\n", cli.output.c_str());
      continue;
    }
    check(cli);
    return;
  }
}

TEST(Microphone, ListenMicHearsWordsSpokenIntoIt) {
  NEED_PULSE();
  hear_through_the_cli(pulse, [] { return std::string(EASEL_CLI) + " listen --mic --seconds 9"; }, {"right_left_up.wav", "yes.wav"},
                       [](const easel::test::CommandResult& cli) {
                         EXPECT_EQ(words_printed(cli.output), (std::vector<std::string>{"right", "left", "up", "yes"})) << cli.output;
                       });
}

TEST(Microphone, LiveListenSendsWhatItHearsByOsc) {
  NEED_PULSE();
  std::optional<easel::test::OscReceiver> receiver;
  const auto command = [&] {  // a receiver of its own for each run
    receiver.emplace();
    return std::string(EASEL_CLI) + " live listen --mic --seconds 7 --osc 127.0.0.1:" + std::to_string(receiver->port());
  };
  hear_through_the_cli(pulse, command, {"down.wav", "yes.wav"}, [&](const easel::test::CommandResult& cli) {
    std::this_thread::sleep_for(300ms);  // the last datagrams reach the receiver's thread
    std::vector<std::string> words;
    int windows = 0;
    for (const auto& m : receiver->messages()) {
      if (m.path == "/easel/word") words.push_back(m.strings.at(0));
      windows += m.path == "/wek/inputs";
    }
    EXPECT_EQ(words, (std::vector<std::string>{"down", "yes"})) << cli.output << receiver->transcript();
    EXPECT_GE(windows, 12) << "a window each half second of the 7 s heard (ml5's overlap, 0.5)\n" << cli.output << receiver->transcript();
  });
}

// The library's own path: Microphone reads the default device, a SoundClassifier stream
// hears it, the same words as in the file played into it.
TEST(Microphone, TheLibrarysMicrophoneFeedsAStream) {
  NEED_PULSE();
  auto classifier = easel::SoundClassifier::create();
  easel::Microphone mic = easel::Microphone::open("default", classifier.sample_rate());
  std::atomic<bool> stop{false};
  std::thread speaker([&] {
    std::this_thread::sleep_for(500ms);
    pulse.say({"yes_no_go_stop.wav"});
  });
  auto stream = classifier.stream();
  std::vector<std::string> words;
  std::vector<float> chunk(1600);
  while (stream.seconds_heard() < 7) {
    const std::size_t n = mic.read(chunk.data(), chunk.size());
    ASSERT_GT(n, 0u);
    for (const auto& w : stream.push(chunk.data(), n)) words.push_back(w.label);
  }
  for (const auto& w : stream.finish()) words.push_back(w.label);
  speaker.join();
  // What the same model hears in the file itself (its "no" sounds like "go" to it).
  std::vector<std::string> in_the_file;
  for (const auto& w : classifier.listen(easel::load_audio(recording("yes_no_go_stop.wav"), classifier.sample_rate())))
    in_the_file.push_back(w.label);
  EXPECT_EQ(in_the_file.size(), 4u);
  EXPECT_EQ(words, in_the_file) << "sound lost to a busy machine: " << mic.overruns() << " overrun(s)";
  EXPECT_EQ(mic.dropped(), 0u);
}
