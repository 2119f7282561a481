// File helpers shared by the store and, later, by everything that saves user work:
// atomic writes (temp file + rename, so an old version survives a failed save) and
// temporary directories that clean up after themselves.
#pragma once

#include <exception>
#include <filesystem>
#include <string>
#include <string_view>

namespace easel::detail {

std::string read_file(const std::filesystem::path& file);

// Writes to a temp file beside `file`, flushes it and renames it over `file`.
void write_file_atomic(const std::filesystem::path& file, std::string_view bytes);

// Moves `from` over `to` atomically (same file system), creating `to`'s parent.
void move_file_atomic(const std::filesystem::path& from, const std::filesystem::path& to);

// A fresh directory, removed with everything in it when the object dies.
class TempDir {
 public:
  TempDir(const std::filesystem::path& parent, std::string_view prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// What a JSON parser's exception says, without its "[json.exception.parse_error.101] "
// prefix: the part a person can read ("parse error at line 3, column 7: ...").
std::string json_problem(const std::exception& e);

// Value of an environment variable, or `fallback` when unset or empty.
std::string env_or(const char* name, std::string fallback = {});

// Where easel keeps a kind of cache ("models", "features", "datasets"): $override_env when
// set, else $XDG_CACHE_HOME/easel/KIND, else $HOME/.cache/easel/KIND (`home` when HOME is
// unset).
std::filesystem::path user_cache_dir(const char* override_env, const std::string& kind, const std::string& home = "/tmp");

}  // namespace easel::detail
