#include "easel/microphone.h"

#include <alsa/asoundlib.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "audio/ring_buffer.h"
#include "easel/error.h"

namespace easel {

namespace {
// ALSA prints its configuration errors to stderr itself; easel reports them as Errors.
void silent(const char*, int, const char*, int, const char*, ...) {}
void quiet_alsa() {
  static const bool once = [] {
    snd_lib_error_set_handler(silent);
    return true;
  }();
  (void)once;
}

// Whether ALSA can open `name` for capture now (a sound server's device is there only while
// the server runs).
bool opens_for_capture(const char* name) {
  snd_pcm_t* pcm = nullptr;
  if (snd_pcm_open(&pcm, name, SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK) < 0) return false;
  snd_pcm_close(pcm);
  return true;
}
}  // namespace

std::vector<MicrophoneInfo> list_microphones() {
  quiet_alsa();
  std::vector<MicrophoneInfo> found;
  // Sound servers first (PulseAudio, PipeWire): ALSA's plugins reach them by name, and
  // "default" goes through one where one runs, with no sound card listed below.
  for (const auto& [name, description] : {std::pair{"default", "ALSA's default input (the sound server's, where one runs)"},
                                          std::pair{"pulse", "PulseAudio's (or PipeWire's) default input"},
                                          std::pair{"pipewire", "PipeWire's default input"}})
    if (opens_for_capture(name)) found.push_back({name, description});
  int card = -1;
  while (snd_card_next(&card) == 0 && card >= 0) {
    snd_ctl_t* ctl = nullptr;
    const std::string name = "hw:" + std::to_string(card);
    if (snd_ctl_open(&ctl, name.c_str(), 0) < 0) continue;
    snd_ctl_card_info_t* info = nullptr;
    snd_ctl_card_info_alloca(&info);
    std::string card_name = name;
    if (snd_ctl_card_info(ctl, info) == 0) card_name = snd_ctl_card_info_get_name(info);
    int device = -1;
    while (snd_ctl_pcm_next_device(ctl, &device) == 0 && device >= 0) {
      snd_pcm_info_t* pcm = nullptr;
      snd_pcm_info_alloca(&pcm);
      snd_pcm_info_set_device(pcm, static_cast<unsigned>(device));
      snd_pcm_info_set_subdevice(pcm, 0);
      snd_pcm_info_set_stream(pcm, SND_PCM_STREAM_CAPTURE);
      if (snd_ctl_pcm_info(ctl, pcm) < 0) continue;  // no capture on this device
      found.push_back({name + "," + std::to_string(device), card_name + ": " + snd_pcm_info_get_name(pcm)});
    }
    snd_ctl_close(ctl);
  }
  return found;
}

namespace {

// snd_pcm_set_params with a period of 20 ms and a buffer of 500 ms (set_params ties the
// period to a quarter of the buffer). Returns ALSA's error code, or 0.
int set_capture_params(snd_pcm_t* pcm, unsigned rate) {
  snd_pcm_hw_params_t* hw = nullptr;
  snd_pcm_hw_params_alloca(&hw);
  int rc = snd_pcm_hw_params_any(pcm, hw);
  if (rc >= 0) rc = snd_pcm_hw_params_set_rate_resample(pcm, hw, 1);
  if (rc >= 0) rc = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED);
  if (rc >= 0) rc = snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE);
  if (rc >= 0) rc = snd_pcm_hw_params_set_channels(pcm, hw, 1);
  if (rc >= 0) rc = snd_pcm_hw_params_set_rate(pcm, hw, rate, 0);
  unsigned buffer_us = 500000, period_us = 20000;
  if (rc >= 0) rc = snd_pcm_hw_params_set_buffer_time_near(pcm, hw, &buffer_us, nullptr);
  if (rc >= 0) rc = snd_pcm_hw_params_set_period_time_near(pcm, hw, &period_us, nullptr);
  if (rc >= 0) rc = snd_pcm_hw_params(pcm, hw);
  return rc;
}

}  // namespace

// A capture thread moves sound from ALSA into a ring buffer of ten seconds, so that a slow
// moment in the listener costs nothing (and a long one only the oldest audio, counted in
// dropped()), never an ALSA overrun.
struct Microphone::Impl {
  snd_pcm_t* pcm = nullptr;
  int rate = 16000;
  std::unique_ptr<RingBuffer> ring;
  std::thread capture;
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> overruns{0};
  std::mutex error_mutex;
  std::string error;

  void run() {
    std::vector<std::int16_t> chunk(static_cast<std::size_t>(rate / 50));  // 20 ms
    std::vector<float> samples(chunk.size());
    while (!stop) {
      // Non-blocking reads with waits of at most 100 ms: a plugin's stream (pulse) that
      // overran while the thread slept in poll() would otherwise never wake it.
      snd_pcm_sframes_t n = snd_pcm_readi(pcm, chunk.data(), chunk.size());
      if (n == -EAGAIN) {
        snd_pcm_wait(pcm, 100);
        continue;
      }
      if (n == -EPIPE || n == -ESTRPIPE || n == -EINTR) {
        // An overrun (the oldest sound is lost): prepare the stream again and restart it.
        if (n == -EPIPE) ++overruns;
        if (snd_pcm_recover(pcm, static_cast<int>(n), 1) == 0) {
          snd_pcm_start(pcm);
          continue;
        }
      }
      if (n < 0) {
        std::lock_guard lock(error_mutex);
        error = std::string("Reading the microphone failed: ") + snd_strerror(static_cast<int>(n)) + ".";
        break;
      }
      for (snd_pcm_sframes_t i = 0; i < n; ++i)
        samples[static_cast<std::size_t>(i)] = static_cast<float>(chunk[static_cast<std::size_t>(i)]) / 32768.f;
      ring->write(samples.data(), static_cast<std::size_t>(n));
    }
    ring->close();
  }

  ~Impl() {
    stop = true;
    if (pcm) snd_pcm_drop(pcm);  // the capture thread sees stop within its 100 ms wait
    if (capture.joinable()) capture.join();
    if (pcm) snd_pcm_close(pcm);
  }
};

Microphone::Microphone(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Microphone::~Microphone() = default;
Microphone::Microphone(Microphone&&) noexcept = default;
Microphone& Microphone::operator=(Microphone&&) noexcept = default;
int Microphone::sample_rate() const { return impl_->rate; }
std::size_t Microphone::dropped() const { return impl_->ring->dropped(); }
std::size_t Microphone::overruns() const { return impl_->overruns; }

Microphone Microphone::open(const std::string& device, int sample_rate) {
  quiet_alsa();
  auto impl = std::make_unique<Impl>();
  impl->rate = sample_rate;
  int rc = snd_pcm_open(&impl->pcm, device.c_str(), SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK);
  if (rc < 0) {
    impl->pcm = nullptr;
    throw Error(ErrorCode::io_error, "Cannot open the microphone '" + device + "': " + snd_strerror(rc) + ".",
                "See `easel listen --list-devices`; on a machine without a sound card there is none.");
  }
  // Mono, 16-bit, resampled by ALSA's plug layer to the rate asked for. Periods of 20 ms
  // bring the sound without delay; a buffer of half a second lets a busy machine leave the
  // capture thread waiting that long before any sound is lost.
  rc = set_capture_params(impl->pcm, static_cast<unsigned>(sample_rate));
  if (rc < 0)
    throw Error(ErrorCode::io_error, "The microphone '" + device + "' cannot record mono 16-bit sound at " + std::to_string(sample_rate) +
                                         " Hz: " + snd_strerror(rc) + ".");
  // Started now: a read of 20 ms is less than the start threshold set_params chooses (the
  // buffer), and would wait for the stream to start itself, which some plugins (pulse)
  // never do.
  rc = snd_pcm_start(impl->pcm);
  if (rc < 0 && snd_pcm_state(impl->pcm) != SND_PCM_STATE_RUNNING)
    throw Error(ErrorCode::io_error, "The microphone '" + device + "' does not start: " + snd_strerror(rc) + ".");
  impl->ring = std::make_unique<RingBuffer>(static_cast<std::size_t>(sample_rate) * 10);
  Impl* raw = impl.get();
  impl->capture = std::thread([raw] { raw->run(); });
  return Microphone(std::move(impl));
}

std::size_t Microphone::read(float* out, std::size_t count) {
  const std::size_t n = impl_->ring->read_blocking(out, count);
  if (n == 0) {
    std::lock_guard lock(impl_->error_mutex);
    if (!impl_->error.empty()) throw Error(ErrorCode::io_error, impl_->error);
  }
  return n;
}

}  // namespace easel
