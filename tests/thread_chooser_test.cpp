// The default thread count (nn::ThreadChooser) on timings as a loaded or quiet machine
// gives them, and a default-threads Model computing what one with fixed threads computes.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>

#include "easel/model.h"
#include "golden_util.h"
#include "nn/thread_chooser.h"

using easel::nn::ThreadChooser;

namespace {

// Runs the chooser `runs` times against a machine whose run time for a thread count is
// time(threads, run); returns how many runs used each count (index 1 and 2).
std::array<int, 3> simulate(ThreadChooser& chooser, int runs, const std::function<double(int, int)>& time, int first_run = 0) {
  std::array<int, 3> used{};
  for (int r = first_run; r < first_run + runs; ++r) {
    const int t = chooser.next();
    ++used[static_cast<std::size_t>(t)];
    chooser.record(t, time(t, r));
  }
  return used;
}

}  // namespace

TEST(ThreadChooser, AQuietMachineRunsOnAllCores) {
  ThreadChooser chooser({2, 1});
  const auto used = simulate(chooser, 1000, [](int t, int) { return t == 2 ? 7.0 : 11.0; });
  EXPECT_EQ(chooser.current(), 2);
  EXPECT_LT(used[1], 150) << "tries of one thread: " << used[1];  // every 32 runs, four runs
}

TEST(ThreadChooser, ABusyMachineRunsOnOneThread) {
  ThreadChooser chooser({2, 1});
  const auto used = simulate(chooser, 1000, [](int t, int) { return t == 2 ? 15.0 : 11.0; });
  EXPECT_EQ(chooser.current(), 1);
  EXPECT_GT(used[1], 850);
}

TEST(ThreadChooser, FollowsTheLoadWhenItChanges) {
  ThreadChooser chooser({2, 1});
  // Quiet for 300 runs, busy for 300, quiet again.
  const auto time = [](int t, int run) {
    const bool busy = run >= 300 && run < 600;
    return t == 2 ? (busy ? 15.0 : 7.0) : 11.0;
  };
  simulate(chooser, 300, time, 0);
  EXPECT_EQ(chooser.current(), 2);
  const auto busy = simulate(chooser, 300, time, 300);
  EXPECT_EQ(chooser.current(), 1);
  EXPECT_GT(busy[1], 200) << "the switch came late";
  const auto quiet = simulate(chooser, 300, time, 600);
  EXPECT_EQ(chooser.current(), 2);
  EXPECT_GT(quiet[2], 200) << "the switch back came late";
}

TEST(ThreadChooser, BurstsOfSlowRunsDoNotHideTheFasterCount) {
  // Two threads on a loaded machine: usually 12 ms, but in bursts a partner waits for its
  // core and a run takes 100; one thread: always 23. The median run must stay near 12.
  ThreadChooser chooser({2, 1});
  std::mt19937 rng(5);
  int burst = 0;
  std::vector<double> times;
  const auto used = simulate(chooser, 2000, [&](int t, int) {
    double ms = 12;
    if (t == 1) ms = 23;
    else if (burst > 0) --burst, ms = 100;
    else if (std::uniform_real_distribution<>(0, 1)(rng) < 0.1) burst = 2;
    times.push_back(ms);
    return ms;
  });
  std::sort(times.begin(), times.end());
  EXPECT_LE(times[times.size() / 2], 1.2 * 12);
  EXPECT_GT(used[2], 2 * used[1]);
}

TEST(ThreadChooser, AFarSlowerCountIsTriedLessAndLess) {
  ThreadChooser chooser({2, 1});
  const auto used = simulate(chooser, 5000, [](int t, int) { return t == 2 ? 100.0 : 10.0; });
  EXPECT_EQ(chooser.current(), 1);
  EXPECT_LT(used[2], 60) << "runs spent trying the slow count";
}

TEST(ThreadChooser, TheRunAfterASwitchIsNotCounted) {
  // Each count is slow on its first run after a switch (a woken worker): the steady times
  // decide, 8 against 9, not the switch costs.
  ThreadChooser chooser({2, 1});
  int last = 0;
  simulate(chooser, 500, [&](int t, int) {
    const bool after_switch = t != last;
    last = t;
    return after_switch ? 50.0 : (t == 2 ? 8.0 : 9.0);
  });
  EXPECT_EQ(chooser.current(), 2);
}

TEST(ModelDefaultThreads, ComputesWhatFixedThreadsCompute) {
  // The default switches between its plans; every run must give the same answer.
  const std::string movenet = easel::test::model_store().get("movenet-lightning").entry().string();
  easel::Model chosen = easel::Model::load(movenet);
  easel::Model fixed = easel::Model::load(movenet, {.threads = 1});
  const auto info = chosen.inputs().at(0);
  easel::Tensor x(info.dtype == easel::DType::i32 ? easel::DType::i32 : easel::DType::f32, info.shape);
  std::mt19937 rng(3);
  for (std::int64_t i = 0; i < x.size(); ++i) x.data<std::int32_t>()[i] = static_cast<std::int32_t>(rng() % 256);
  const auto want = fixed.run({x});
  for (int run = 0; run < 50; ++run) {  // both plans run in these (the chooser times each)
    const auto got = chosen.run({x});
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t o = 0; o < got.size(); ++o)
      for (std::int64_t i = 0; i < got[o].size(); ++i) ASSERT_NEAR(got[o].at(i), want[o].at(i), 1e-4) << "run " << run << " output " << o;
  }
}
