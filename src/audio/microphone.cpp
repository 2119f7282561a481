#include "easel/microphone.h"

#include <alsa/asoundlib.h>

#include <vector>

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
}  // namespace

std::vector<MicrophoneInfo> list_microphones() {
  quiet_alsa();
  std::vector<MicrophoneInfo> found;
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

struct Microphone::Impl {
  snd_pcm_t* pcm = nullptr;
  int rate = 16000;
  std::vector<std::int16_t> buffer;
  ~Impl() {
    if (pcm) snd_pcm_close(pcm);
  }
};

Microphone::Microphone(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Microphone::~Microphone() = default;
Microphone::Microphone(Microphone&&) noexcept = default;
Microphone& Microphone::operator=(Microphone&&) noexcept = default;
int Microphone::sample_rate() const { return impl_->rate; }

Microphone Microphone::open(const std::string& device, int sample_rate) {
  quiet_alsa();
  auto impl = std::make_unique<Impl>();
  impl->rate = sample_rate;
  int rc = snd_pcm_open(&impl->pcm, device.c_str(), SND_PCM_STREAM_CAPTURE, 0);
  if (rc < 0) {
    impl->pcm = nullptr;
    throw Error(ErrorCode::io_error, "Cannot open the microphone '" + device + "': " + snd_strerror(rc) + ".",
                "See `easel listen --list-devices`; on a machine without a sound card there is none.");
  }
  // Mono, 16-bit, resampled by ALSA's plug layer to the rate asked for, 100 ms of latency.
  rc = snd_pcm_set_params(impl->pcm, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED, 1, static_cast<unsigned>(sample_rate), 1, 100000);
  if (rc < 0)
    throw Error(ErrorCode::io_error, "The microphone '" + device + "' cannot record mono 16-bit sound at " + std::to_string(sample_rate) +
                                         " Hz: " + snd_strerror(rc) + ".");
  return Microphone(std::move(impl));
}

std::size_t Microphone::read(float* out, std::size_t count) {
  Impl& m = *impl_;
  m.buffer.resize(count);
  std::size_t got = 0;
  while (got < count) {
    snd_pcm_sframes_t n = snd_pcm_readi(m.pcm, m.buffer.data() + got, count - got);
    if (n == -EPIPE || n == -ESTRPIPE || n == -EINTR) {
      // An overrun (we were too slow) or a suspend: recover and keep listening.
      if (snd_pcm_recover(m.pcm, static_cast<int>(n), 1) < 0) break;
      continue;
    }
    if (n < 0) throw Error(ErrorCode::io_error, std::string("Reading the microphone failed: ") + snd_strerror(static_cast<int>(n)) + ".");
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  for (std::size_t i = 0; i < got; ++i) out[i] = static_cast<float>(m.buffer[i]) / 32768.f;
  return got;
}

}  // namespace easel
