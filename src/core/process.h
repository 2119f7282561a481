// Runs a helper program (npm, apt-get, dpkg-deb, tar) without a shell, so names from
// the manifest can never be interpreted as shell syntax.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace easel::detail {

struct ProcessResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Throws Error(io_error) if the program cannot be started (for example, not installed).
ProcessResult run_process(const std::vector<std::string>& argv, const std::filesystem::path& cwd = {});

}  // namespace easel::detail
