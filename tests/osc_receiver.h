// A liblo server for the tests: receives OSC on a free port of 127.0.0.1 and keeps every
// message (address, type tags, floats and strings).
#pragma once

#include <lo/lo.h>

#include <cstring>
#include <mutex>
#include <string>
#include <vector>

namespace easel::test {

struct Message {
  std::string path, types;
  std::vector<float> floats;
  std::vector<std::string> strings;
};

// A liblo server on a free port of 127.0.0.1, keeping every message it receives.
class OscReceiver {
 public:
  OscReceiver() {
    thread_ = lo_server_thread_new_with_proto(nullptr, LO_UDP, nullptr);
    lo_server_thread_add_method(thread_, nullptr, nullptr, &OscReceiver::handle, this);
    lo_server_thread_start(thread_);
  }
  ~OscReceiver() { lo_server_thread_free(thread_); }
  int port() const { return lo_server_thread_get_port(thread_); }
  std::vector<Message> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  // Every message received, a line each ("/easel/word s f: down 0.98"), for a failure's report.
  std::string transcript() {
    std::string out;
    for (const Message& m : messages()) {
      out += m.path + " " + m.types + ":";
      for (const std::string& s : m.strings) out += " " + s;
      for (std::size_t i = 0; i < m.floats.size() && i < 4; ++i) out += " " + std::to_string(m.floats[i]);
      if (m.floats.size() > 4) out += " ...";
      out += "\n";
    }
    return out;
  }

 private:
  static int handle(const char* path, const char* types, lo_arg** argv, int argc, lo_message, void* self) {
    Message m{path, types, {}, {}};
    for (int i = 0; i < argc; ++i) {
      // OSC aligns arguments to 4 bytes, and lo_arg (which holds doubles) wants 8: read the
      // bytes, not the union's members (UBSan calls that a misaligned access).
      if (types[i] == 'f') {
        float f;
        std::memcpy(&f, argv[i], sizeof f);
        m.floats.push_back(f);
      }
      if (types[i] == 's') m.strings.emplace_back(reinterpret_cast<const char*>(argv[i]));
    }
    auto* r = static_cast<OscReceiver*>(self);
    std::lock_guard lock(r->mutex_);
    r->messages_.push_back(std::move(m));
    return 0;
  }
  lo_server_thread thread_;
  std::mutex mutex_;
  std::vector<Message> messages_;
};


}  // namespace easel::test
