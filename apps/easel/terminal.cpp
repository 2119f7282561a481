#include "terminal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

namespace easel::cli {
namespace {
std::FILE* g_messages = stderr;
}  // namespace

void keep_library_chatter_out(bool verbose) {
  if (verbose) return;
  const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull < 0) return;
  const int real_stderr = ::fcntl(2, F_DUPFD_CLOEXEC, 3);
  std::FILE* stream = real_stderr >= 0 ? ::fdopen(real_stderr, "w") : nullptr;
  if (!stream) {
    if (real_stderr >= 0) ::close(real_stderr);
    ::close(devnull);
    return;
  }
  std::setvbuf(stream, nullptr, _IONBF, 0);
  std::fflush(stderr);
  ::dup2(devnull, 2);
  ::close(devnull);
  g_messages = stream;
#if defined(__SANITIZE_ADDRESS__)
  // A sanitizer's report is easel's own business: it must reach the real stderr.
  __sanitizer_set_report_fd(reinterpret_cast<void*>(static_cast<intptr_t>(real_stderr)));
#endif
}

std::FILE* messages() { return g_messages; }

ProgressBar::ProgressBar(int total) : total_(total), start_(std::chrono::steady_clock::now()) {
  // Worth it for a run of several items, and only where a person watches.
  enabled_ = total >= 5 && ::isatty(::fileno(messages()));
}

ProgressBar::~ProgressBar() { clear(); }

void ProgressBar::update(int done, const std::string& what) {
  done_ = done;
  what_ = what;
  if (enabled_) draw();
}

void ProgressBar::print(const std::string& line) {
  clear();
  std::fputs(line.c_str(), stdout);
  std::fflush(stdout);
  if (enabled_) draw();
}

void ProgressBar::note(const std::string& line) {
  clear();
  std::fputs(line.c_str(), messages());
  if (enabled_) draw();
}

void ProgressBar::clear() {
  if (!shown_) return;
  std::fputs("\r\033[K", messages());
  shown_ = false;
}

void ProgressBar::draw() {
  constexpr int kWidth = 30;
  const int filled = total_ > 0 ? std::min(kWidth, done_ * kWidth / total_) : 0;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '.');
  std::string what = what_.size() > 40 ? "..." + what_.substr(what_.size() - 37) : what_;
  // The time left, from the pace so far.
  std::string eta;
  if (done_ > 0 && done_ < total_) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const long left = std::lround(elapsed * (total_ - done_) / done_);
    eta = "ETA " + (left >= 3600 ? std::to_string(left / 3600) + "h " + std::to_string(left % 3600 / 60) + "m"
                    : left >= 60 ? std::to_string(left / 60) + "m " + std::to_string(left % 60) + "s"
                                 : std::to_string(left) + "s") +
          "  ";
  }
  std::fprintf(messages(), "\r\033[K[%s] %d/%d  %s%s", bar.c_str(), done_, total_, eta.c_str(), what.c_str());
  shown_ = true;
}

}  // namespace easel::cli
