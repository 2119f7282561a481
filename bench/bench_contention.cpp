// easel_bench_contention: how inference fares when the CPU is shared. A creative program
// renders while it infers, and a laptop runs other work; OpenMP threads that spin on cores
// they do not get can make two threads slower than one.
//
// For 0..3 competing busy processes (each spins on one core, pinned round-robin), each model (posenet,
// movenet-lightning) is timed back to back at 1 thread, 2 threads and easel's defaults
// (ModelOptions{} as a user gets it), each configuration in its own process (so one
// configuration's idle OpenMP workers never steal time from another's), in rounds that
// alternate the configurations; the figure is the median over all rounds' runs. Also timed
// for reference: 2 threads under OMP_WAIT_POLICY=passive. The report gives, per load, the
// defaults against the better of 1 and 2 threads as a ratio.
// Writes bench/results/contention.json.
//
//   easel_bench_contention [--runs 30] [--rounds 3] [--models posenet,movenet-lightning] [--loads 0,1,2,3]
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "core/files.h"
#include "easel/model.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string part; std::getline(ss, part, ',');)
    if (!part.empty()) out.push_back(part);
  return out;
}

easel::Tensor make_input(const easel::TensorInfo& info) {
  easel::Shape shape = info.shape;
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (shape[d] < 0) shape[d] = d == 0 ? 1 : (shape.size() == 4 && d == 3 ? 3 : 256);
  const easel::DType dtype = info.dtype == easel::DType::i32 ? easel::DType::i32 : easel::DType::f32;
  easel::Tensor t(dtype, shape);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (std::int64_t i = 0; i < t.size(); ++i) {
    if (dtype == easel::DType::i32) t.data<std::int32_t>()[i] = static_cast<std::int32_t>(u(rng) * 255);
    else t.data<float>()[i] = u(rng) * 2 - 1;
  }
  return t;
}

// The child: load, warm up, print one time in ms per run.
int child(const std::string& model_name, int threads, int runs) {
  easel::ModelOptions options;
  if (threads > 0) options.threads = threads;
  easel::Model model = easel::Model::load(model_name, options);
  const easel::Tensor x = make_input(model.inputs().at(0));
  // Warm-up, and for the default the chooser's first tries of each thread count.
  for (int i = 0; i < 20; ++i) model.run({x});
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    model.run({x});
    std::printf("%.4f\n", std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  return 0;
}

struct Config {
  std::string name;
  int threads;           // 0: easel's default
  bool passive = false;  // OMP_WAIT_POLICY=passive
};

// Runs this program as a child for one configuration; its per-run times.
std::vector<double> time_in_child(const std::string& model, const Config& config, int runs) {
  int pipe_fd[2];
  if (::pipe(pipe_fd) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fd[1], 1);
    ::close(pipe_fd[0]);
    ::close(pipe_fd[1]);
    if (config.passive) ::setenv("OMP_WAIT_POLICY", "passive", 1);
    const std::string threads = std::to_string(config.threads), n = std::to_string(runs);
    ::execl("/proc/self/exe", "easel_bench_contention", "--child", model.c_str(), threads.c_str(), n.c_str(), nullptr);
    std::_Exit(127);
  }
  ::close(pipe_fd[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(pipe_fd[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(pipe_fd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::vector<double> ms;
  std::istringstream lines(out);
  for (double v; lines >> v;) ms.push_back(v);
  return ms;
}

// A competing process: spins on core `core` until killed. Pinned, so that a load is the
// same load in every round: unpinned, the scheduler sometimes stacks the busy processes on
// one core and leaves the other free, and a configuration's time then depends on luck.
pid_t start_busy_process(int core) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    ::sched_setaffinity(0, sizeof set, &set);
    volatile unsigned long spin = 0;
    for (;;) spin = spin + 1;
  }
  return pid;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--child") return child(argv[2], std::stoi(argv[3]), std::stoi(argv[4]));
  int runs = 30, rounds = 3;
  std::vector<std::string> models = {"posenet", "movenet-lightning"};
  std::vector<int> loads = {0, 1, 2, 3};
  for (int i = 1; i + 1 < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--runs") runs = std::stoi(argv[++i]);
    else if (a == "--rounds") rounds = std::stoi(argv[++i]);
    else if (a == "--models") models = split(argv[++i]);
    else if (a == "--loads") {
      loads.clear();
      for (const auto& l : split(argv[++i])) loads.push_back(std::stoi(l));
    }
  }
  const std::vector<Config> configs = {{"1 thread", 1}, {"2 threads", 2}, {"default", 0}, {"2 threads, passive wait", 2, true}};
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::printf("%d cores; %d rounds of %d runs per configuration, each in its own process\n\n", cores, rounds, runs);
  std::printf("%-18s %5s %10s %10s %10s %10s %14s\n", "model", "load", "1 thread", "2 threads", "default", "2 passive", "default/best");
  std::ostringstream json;
  json << "{\n  \"cores\": " << cores << ",\n  \"runs\": " << runs << ",\n  \"rounds\": " << rounds
       << ",\n  \"what\": \"median ms per inference, back to back, with N competing busy processes; each configuration in its own "
          "process\",\n  \"results\": [\n";
  bool first = true;
  double worst = 0;
  for (int load : loads) {
    std::vector<pid_t> busy;
    for (int i = 0; i < load; ++i) busy.push_back(start_busy_process(i % cores));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (const std::string& model : models) {
      std::vector<std::vector<double>> samples(configs.size());
      for (int r = 0; r < rounds; ++r)
        for (std::size_t c = 0; c < configs.size(); ++c) {
          auto ms = time_in_child(model, configs[c], runs);
          samples[c].insert(samples[c].end(), ms.begin(), ms.end());
        }
      std::vector<double> med;
      for (auto& s : samples) med.push_back(easel::bench::median(s));
      const double best = std::min(med[0], med[1]);
      const double ratio = med[2] / best;
      worst = std::max(worst, ratio);
      std::printf("%-18s %5d %10.2f %10.2f %10.2f %10.2f %13.2fx\n", model.c_str(), load, med[0], med[1], med[2], med[3], ratio);
      std::fflush(stdout);
      json << (first ? "" : ",\n") << "    {\"model\": \"" << model << "\", \"busy_processes\": " << load << ", \"ms_1_thread\": " << med[0]
           << ", \"ms_2_threads\": " << med[1] << ", \"ms_default\": " << med[2] << ", \"ms_2_threads_passive\": " << med[3]
           << ", \"default_over_best\": " << ratio << "}";
      first = false;
    }
    for (pid_t p : busy) ::kill(p, SIGKILL);
    for (pid_t p : busy) ::waitpid(p, nullptr, 0);
  }
  json << "\n  ],\n  \"worst_default_over_best\": " << worst << "\n}\n";
  std::printf("\nworst default / best of 1 and 2 threads: %.2fx\n", worst);
  const fs::path out = fs::path(EASEL_SOURCE_DIR) / "bench" / "results" / "contention.json";
  easel::detail::write_file_atomic(out, json.str());
  std::printf("wrote %s\n", out.c_str());
  return 0;
}
