// How many threads a model runs on by default, chosen run by run from how long runs take.
//
// All cores is fastest on a quiet machine, but a creative program renders while it infers
// and a laptop runs other work: OpenMP threads then wait (spinning) for a partner that has
// no core, and two threads take 1.3x to 16x as long as one (bench/results/contention.json).
// OpenMP's wait policy is fixed when the process starts, and oneDNN fixes a primitive's
// thread count when it is created, so the default keeps one plan per candidate count and
// times them: it runs the fastest of late, and now and then tries another for a few runs to
// notice when the load changes. The run right after a switch is not counted (a woken
// worker, cold caches), so a try measures what staying would give. A count's time is the
// second fastest of its last five runs: interference only ever adds time, and on a loaded
// machine two threads lose a run in three to a partner that waits for its core, in bursts
// that a median of five does not survive. A try that is much
// slower waits twice as long for the next one, so a loaded machine sees few slow runs.
#pragma once

#include <array>
#include <vector>

namespace easel::nn {

class ThreadChooser {
 public:
  // Candidate thread counts, tried in this order at first (each needs a few runs).
  explicit ThreadChooser(std::vector<int> candidates);

  // The thread count for the next run; report its time with record().
  int next();
  void record(int threads, double ms);
  // Forgets all timings (the input's shape changed, and with it every time).
  void reset();

  int current() const { return candidates_[static_cast<std::size_t>(best_)].threads; }

  static constexpr int kProbeEvery = 32;  // runs between tries of another candidate
  static constexpr int kMaxProbeEvery = 1024;
  static constexpr int kProbeRuns = 4;  // a try: the switch, then three counted runs

 private:
  struct Candidate {
    int threads = 1;
    int samples = 0;  // counted runs
    std::array<double, 5> last{};
    int probe_every = 0;
    double typical() const;
    bool measured() const { return samples >= static_cast<int>(last.size()); }
  };
  int index_of(int threads) const;
  void choose_best();

  std::vector<Candidate> candidates_;
  int best_ = 0;
  int last_threads_ = 0;  // the previous run's count: a run after a switch is not counted
  int probing_ = -1;      // the candidate being tried, and for how many more runs
  int probe_left_ = 0;
  int since_probe_ = 0;
  int probe_turn_ = 0;
};

}  // namespace easel::nn
