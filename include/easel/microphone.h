// Sound from a microphone (ALSA), as mono float samples at the rate asked for.
//
//   auto mic = easel::Microphone::open();            // the default capture device, 16 kHz
//   std::vector<float> chunk(1600);
//   while (mic.read(chunk.data(), chunk.size()) > 0) { /* 100 ms of sound in chunk */ }
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace easel {

struct MicrophoneInfo {
  std::string id;           // what Microphone::open takes, e.g. "hw:1,0" or "default"
  std::string description;  // the card's name
};

// The capture devices ALSA can open now: a sound server's ("default", "pulse", "pipewire")
// where one runs, then each sound card's; empty on a machine with neither.
std::vector<MicrophoneInfo> list_microphones();

class Microphone {
 public:
  // Throws Error naming the device when it cannot be opened at this rate.
  static Microphone open(const std::string& device = "default", int sample_rate = 16000);
  ~Microphone();
  Microphone(Microphone&&) noexcept;
  Microphone& operator=(Microphone&&) noexcept;

  // Blocks until `count` samples (or fewer, at the end) have been captured; returns how many.
  // A capture thread keeps recording into a ten-second ring buffer between calls.
  std::size_t read(float* out, std::size_t count);
  int sample_rate() const;
  std::size_t dropped() const;  // samples lost because the reader fell more than 10 s behind
  // Times the device's own buffer (half a second) filled before the capture thread emptied
  // it, each losing some sound: a machine too busy to give that thread a turn.
  std::size_t overruns() const;

 private:
  struct Impl;
  explicit Microphone(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel
