#include "core/files.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "easel/error.h"

namespace fs = std::filesystem;

namespace easel::detail {

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorCode::io_error, "Cannot read '" + file.string() + "'.", "Check that the file exists and is readable.");
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

namespace {

// The mode for the saved file: an existing file's own, else what open(O_CREAT, 0666)
// would give a new one, 0666 less the umask. (mkstemp makes 0600, which left saved
// images and videos unreadable to others.) The umask is read from /proc: umask() can
// only be read by setting it, for every thread at once.
mode_t saved_file_mode(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0) return st.st_mode & 07777;
  mode_t mask = 022;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("Umask:", 0) == 0) {
      mask = static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8));
      break;
    }
  return 0666 & ~mask;
}

}  // namespace

void write_file_atomic(const fs::path& file, std::string_view bytes) {
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::string name = file.filename().string();
  name.insert(0, 1, '.');
  name.append(".tmp-XXXXXX");
  std::string tmpl = (dir / name).string();
  int fd = mkstemp(tmpl.data());
  if (fd < 0) throw Error(ErrorCode::io_error, "Cannot create a temporary file in '" + dir.string() + "': " + std::strerror(errno) + ".");
  ::fchmod(fd, saved_file_mode(file));  // best effort: the bytes matter more than the mode
  const char* p = bytes.data();
  size_t left = bytes.size();
  bool ok = true;
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      ok = false;
      break;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || std::rename(tmpl.c_str(), file.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmpl.c_str());
    throw Error(ErrorCode::io_error, "Saving '" + file.string() + "' failed: " + why + "; the previous version is unchanged.");
  }
}

void move_file_atomic(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  if (std::rename(from.c_str(), to.c_str()) != 0)
    throw Error(ErrorCode::io_error, "Cannot move '" + from.string() + "' to '" + to.string() + "': " + std::strerror(errno) + ".");
}

TempDir::TempDir(const fs::path& parent, std::string_view prefix) {
  std::error_code ec;
  fs::create_directories(parent, ec);
  std::string tmpl = (parent / (std::string(prefix) + "XXXXXX")).string();
  if (!mkdtemp(tmpl.data()))
    throw Error(ErrorCode::io_error, "Cannot create a temporary directory in '" + parent.string() + "': " + std::strerror(errno) + ".");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? std::string(v) : fallback;
}

fs::path user_cache_dir(const char* override_env, const std::string& kind, const std::string& home) {
  const std::string set = env_or(override_env);
  if (!set.empty()) return set;
  const std::string xdg = env_or("XDG_CACHE_HOME");
  if (!xdg.empty()) return fs::path(xdg) / "easel" / kind;
  return fs::path(env_or("HOME", home)) / ".cache" / "easel" / kind;
}

std::string json_problem(const std::exception& e) {
  std::string_view what = e.what();
  if (what.starts_with("[json.exception.")) {
    const std::size_t end = what.find("] ");
    if (end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  return std::string(what);
}

}  // namespace easel::detail
