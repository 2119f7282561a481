// Model benchmark: easel against TF.js (wasm backend, under node) on the same inputs, in
// the same run. For each model: median ms per inference at 1 and 2 threads, GFLOPs
// counted from the graph, achieved GFLOP/s as a share of this machine's measured oneDNN
// sgemm peak, TF.js-wasm's median ms and the speed ratio. Prints a table and writes
// bench/results/models.json.
//
//   build/bench/easel_bench [--runs 20] [--models posenet,movenet-lightning] [--no-peer]
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <omp.h>

#include "bench_util.h"
#include "machine.h"
#include "core/files.h"
#include "core/process.h"
#include "easel/error.h"
#include "easel/model.h"
#include "easel/npy.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

using easel::bench::cpu_name;
using easel::bench::median;
using easel::bench::sgemm_peak_gflops;

const std::vector<std::string> kDefaultModels = {"posenet",
                                                 "movenet-lightning",
                                                 "movenet-thunder",
                                                 "movenet-multipose",
                                                 "centernet",
                                                 "nanodet",
                                                 "blazeface",
                                                 "facemesh",
                                                 "selfie",
                                                 "meet",
                                                 "tm-image-2019",
                                                 "tm-tiny-image-2021",
                                                 "darknet-tiny",
                                                 "doodlenet",
                                                 "ml5-neuralnetwork",
                                                 "crepe"};

easel::Tensor make_input(const easel::TensorInfo& info, std::mt19937& rng) {
  easel::Shape shape = info.shape;
  for (size_t d = 0; d < shape.size(); ++d)
    if (shape[d] < 0) shape[d] = d == 0 ? 1 : (shape.size() == 4 && d == 3 ? 3 : 256);
  easel::DType dtype = info.dtype == easel::DType::i32 ? easel::DType::i32 : easel::DType::f32;
  easel::Tensor t(dtype, shape);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (int64_t i = 0; i < t.size(); ++i) {
    if (dtype == easel::DType::i32) t.data<int32_t>()[i] = static_cast<int32_t>(u(rng) * 255);
    else t.data<float>()[i] = u(rng) * 2 - 1;
  }
  return t;
}

double time_easel(const std::string& name, const std::vector<easel::Tensor>& inputs, int threads, int runs, double* gflops) {
  easel::Model model = easel::Model::load(name, {.threads = threads});
  std::vector<easel::Shape> shapes;
  for (const auto& t : inputs) shapes.push_back(t.shape());
  *gflops = model.stats(shapes).flops / 1e9;
  for (int i = 0; i < 3; ++i) model.run(inputs);
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    model.run(inputs);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  return median(ms);
}

// TF.js-wasm on the same inputs; -1 if the peer could not run it.
double time_tfjs(const fs::path& model_file, const std::vector<fs::path>& inputs, int runs, std::string* note) {
  std::vector<std::string> argv = {"node",      std::string(EASEL_SOURCE_DIR) + "/bench/tfjs_bench.js",
                                   "--model",   model_file.string(),
                                   "--runs",    std::to_string(runs),
                                   "--backend", "wasm"};
  for (const auto& in : inputs) argv.insert(argv.end(), {"--input", in.string()});
  auto r = easel::detail::run_process(argv);
  auto pos = r.output.find("\"median_ms\":");
  if (r.exit_code != 0 || pos == std::string::npos) {
    *note = r.output.substr(0, 200);
    while (!note->empty() && (note->back() == '\n')) note->pop_back();
    return -1;
  }
  return std::stod(r.output.substr(pos + 12));
}

// Where a model spends its time, per op type, at `threads` threads (--profile).
void print_profile(const std::string& name, const std::vector<easel::Tensor>& inputs, int threads, int runs) {
  easel::Model model = easel::Model::load(name, {.threads = threads, .profile = true});
  for (int i = 0; i < runs; ++i) model.run(inputs);
  struct Sum {
    int nodes = 0;
    double ms = 0, flops = 0;
  };
  std::map<std::string, Sum> by_op;
  double total = 0;
  for (const auto& t : model.profile()) {
    Sum& s = by_op[t.op];
    ++s.nodes;
    s.ms += t.total_ms / std::max(1, t.runs);
    s.flops += t.flops;
    total += t.total_ms / std::max(1, t.runs);
  }
  std::vector<std::pair<std::string, Sum>> rows(by_op.begin(), by_op.end());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });
  std::printf("%s at %d thread(s): %.2f ms per run in ops\n", name.c_str(), threads, total);
  std::printf("  %-24s %6s %9s %7s %9s\n", "op", "nodes", "ms/run", "share", "GFLOP/s");
  for (const auto& [op, s] : rows)
    std::printf("  %-24s %6d %9.3f %6.1f%% %9.1f\n", op.c_str(), s.nodes, s.ms, 100 * s.ms / total, s.ms > 0 ? s.flops / (s.ms * 1e6) : 0);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 20;
  bool peer = true;
  bool profile = false;  // per-op-type times instead of the comparison table
  std::vector<std::string> models = kDefaultModels;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) runs = std::stoi(argv[++i]);
    else if (a == "--no-peer") peer = false;
    else if (a == "--profile") profile = true;
    else if (a == "--models" && i + 1 < argc) {
      models.clear();
      std::stringstream ss(argv[++i]);
      for (std::string m; std::getline(ss, m, ',');) models.push_back(m);
    } else {
      std::fprintf(stderr, "usage: easel_bench [--runs N] [--models a,b] [--no-peer] [--profile]\n");
      return 2;
    }
  }
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (profile) {
    std::mt19937 rng(7);
    for (const auto& name : models) {
      easel::Model probe = easel::Model::load(name);
      std::vector<easel::Tensor> inputs;
      for (const auto& info : probe.inputs()) inputs.push_back(make_input(info, rng));
      for (int i = 0; i < 3; ++i) probe.run(inputs);
      print_profile(name, inputs, 1, runs);
      print_profile(name, inputs, cores, runs);
    }
    return 0;
  }
  const double peak1 = sgemm_peak_gflops(1, cores), peak = sgemm_peak_gflops(cores, 1);
  std::printf("machine: %s, %d cores; oneDNN sgemm peak %.1f GFLOP/s (1 thread), %.1f GFLOP/s (%d threads)\n\n", cpu_name().c_str(), cores,
              peak1, peak, cores);
  std::printf("%-20s %8s %10s %10s %9s %7s %12s %8s\n", "model", "GFLOPs", "ms@1t", ("ms@" + std::to_string(cores) + "t").c_str(),
              "GFLOP/s", "%peak", "tfjs-wasm ms", "ratio");

  std::ostringstream json;
  json << "{\n  \"machine\": \"" << cpu_name() << "\",\n  \"cores\": " << cores << ",\n  \"sgemm_peak_gflops_1t\": " << peak1
       << ",\n  \"sgemm_peak_gflops\": " << peak << ",\n  \"runs\": " << runs << ",\n  \"models\": [\n";
  easel::detail::TempDir tmp(fs::temp_directory_path(), "easel-bench-");
  std::mt19937 rng(7);
  bool first = true;
  for (const auto& name : models) {
    std::string note;
    double gflops = 0, ms1 = -1, msn = -1, peer_ms = -1;
    fs::path model_file;
    std::vector<easel::Tensor> inputs;
    std::vector<fs::path> input_files;
    try {
      easel::Model probe = easel::Model::load(name);
      model_file = probe.path();
      for (const auto& info : probe.inputs()) {
        inputs.push_back(make_input(info, rng));
        input_files.push_back(tmp.path() / (name + "_" + std::to_string(input_files.size()) + ".npy"));
        easel::write_npy(input_files.back(), inputs.back());
      }
      ms1 = time_easel(name, inputs, 1, runs, &gflops);
      msn = time_easel(name, inputs, cores, runs, &gflops);
    } catch (const easel::Error& e) {
      note = e.what();
    }
    if (peer && !model_file.empty()) peer_ms = time_tfjs(model_file, input_files, runs, &note);
    double achieved = msn > 0 ? gflops / (msn / 1e3) : 0;
    double ratio = (msn > 0 && peer_ms > 0) ? peer_ms / msn : 0;
    std::printf("%-20s %8.3f %10.2f %10.2f %9.1f %6.1f%% %12.2f %7.1fx  %s\n", name.c_str(), gflops, ms1, msn, achieved,
                100 * achieved / peak, peer_ms, ratio, note.substr(0, 60).c_str());
    std::fflush(stdout);
    if (!first) json << ",\n";
    first = false;
    std::string escaped;
    for (char c : note) escaped += (c == '"' || c == '\\') ? ' ' : c == '\n' ? ' ' : c;
    json << "    {\"model\": \"" << name << "\", \"gflops\": " << gflops << ", \"easel_ms_1t\": " << ms1 << ", \"easel_ms\": " << msn
         << ", \"threads\": " << cores << ", \"achieved_gflops_per_s\": " << achieved << ", \"share_of_peak\": " << achieved / peak
         << ", \"tfjs_wasm_ms\": " << peer_ms << ", \"speedup_vs_tfjs_wasm\": " << ratio << ", \"note\": \"" << escaped << "\"}";
  }
  json << "\n  ]\n}\n";
  // Only a run over every model replaces the table in bench/results.
  fs::path out =
      fs::path(EASEL_SOURCE_DIR) / "bench" / "results" / (models == kDefaultModels && peer ? "models.json" : "models-partial.json");
  easel::detail::write_file_atomic(out, json.str());
  std::printf("\nwritten: %s\n", out.c_str());
  return 0;
}
