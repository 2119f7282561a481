// Helpers for the tests that compare easel with TF.js (golden_test, infer_cli_test):
// where the TF.js reference runner is, running it, and comparing .npy outputs.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "easel/model_store.h"
#include "easel/npy.h"
#include "easel/tensor.h"
#include "test_util.h"

namespace easel::test {

// tests/golden/run_tfjs.js (EASEL_RUN_TFJS is set by tests/CMakeLists.txt).
inline std::filesystem::path run_tfjs_script() { return EASEL_RUN_TFJS; }

// Empty when node and tests/golden/node_modules are there; otherwise why the TF.js side
// cannot run (the only reason a golden test may skip).
inline std::string tfjs_missing() {
  static const std::string why = [] {
    const auto modules = run_tfjs_script().parent_path() / "node_modules" / "@tensorflow";
    for (const char* m : {"tfjs-core", "tfjs-converter", "tfjs-layers", "tfjs-backend-cpu"})
      if (!std::filesystem::exists(modules / m / "package.json"))
        return "TF.js is not installed (" + (modules / m).string() + " is missing); run scripts/setup.sh";
    if (run("node --version").exit_code != 0) return std::string("node is not on PATH; run scripts/setup.sh");
    return std::string();
  }();
  return why;
}

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The store, looking in ../shared/models when EASEL_MODEL_PATH is unset (as the scripts do).
inline ModelStore model_store() {
  ModelStoreOptions options = ModelStoreOptions::from_environment();
  if (options.search_path.empty() && std::filesystem::is_directory(shared_dir() / "models"))
    options.search_path.push_back(shared_dir() / "models");
  return ModelStore(options);
}

// The environment prefix for running the CLI with the same store ("" when EASEL_MODEL_PATH is set).
inline std::string model_path_env() {
  const char* env = std::getenv("EASEL_MODEL_PATH");
  if ((env && *env) || !std::filesystem::is_directory(shared_dir() / "models")) return "";
  return "EASEL_MODEL_PATH=" + shell_quote((shared_dir() / "models").string()) + " ";
}

// The file an output tensor is written to, by `easel infer` and run_tfjs.js alike:
// ":0" dropped, '/' and ':' -> '_', ".npy" added.
inline std::string npy_name(const std::string& tensor_name) {
  std::string s = tensor_name;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ":0") == 0) s.resize(s.size() - 2);
  for (char& c : s)
    if (c == '/' || c == ':') c = '_';
  return s + ".npy";
}

// Runs the TF.js reference: inputs as (name, file) pairs, name empty for "the only input".
inline CommandResult run_tfjs(const std::filesystem::path& model_json,
                              const std::vector<std::pair<std::string, std::filesystem::path>>& inputs,
                              const std::filesystem::path& out_dir) {
  std::string cmd = "node " + shell_quote(run_tfjs_script().string()) + " --quiet --model " + shell_quote(model_json.string());
  for (const auto& [name, file] : inputs) cmd += " --input " + shell_quote(name.empty() ? file.string() : name + "=" + file.string());
  cmd += " --out " + shell_quote(out_dir.string());
  return run(cmd);
}

inline std::set<std::string> npy_files(const std::filesystem::path& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".npy") names.insert(e.path().filename().string());
  return names;
}

struct Diff {
  double max_err = 0;       // max |got - ref|; infinity for a NaN in one but not the other
  double max_ref = 0;       // max |ref| over finite values
  std::int64_t worst = -1;  // element index of max_err
  double tolerance() const { return 1e-3 * std::max(1.0, max_ref); }
  bool ok() const { return max_err <= tolerance(); }
};

// Element-wise comparison of same-shaped tensors (any dtypes, compared as double).
inline Diff compare(const Tensor& got, const Tensor& ref) {
  Diff d;
  const std::int64_t n = std::min(got.size(), ref.size());
  for (std::int64_t i = 0; i < n; ++i) {
    const double r = ref.at(i), g = got.at(i);
    if (std::isfinite(r)) d.max_ref = std::max(d.max_ref, std::abs(r));
    double err;
    if (std::isnan(r) || std::isnan(g)) err = std::isnan(r) && std::isnan(g) ? 0 : INFINITY;
    else if (std::isinf(r) || std::isinf(g)) err = r == g ? 0 : INFINITY;
    else err = std::abs(g - r);
    if (err > d.max_err || d.worst < 0) d.max_err = err, d.worst = i;
  }
  return d;
}

inline std::string format_diff(const Diff& d) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "max|err| %.3g (element %lld), max|ref| %.4g, tolerance %.3g", d.max_err, static_cast<long long>(d.worst),
                d.max_ref, d.tolerance());
  return buf;
}

}  // namespace easel::test
