#include "nn/thread_chooser.h"

#include <algorithm>

namespace easel::nn {

ThreadChooser::ThreadChooser(std::vector<int> candidates) {
  for (int t : candidates) candidates_.push_back(Candidate{.threads = std::max(1, t), .probe_every = kProbeEvery});
  if (candidates_.empty()) candidates_.push_back(Candidate{.probe_every = kProbeEvery});
}

double ThreadChooser::Candidate::typical() const {
  auto sorted = last;
  std::sort(sorted.begin(), sorted.end());
  return sorted[1];
}

int ThreadChooser::index_of(int threads) const {
  for (std::size_t i = 0; i < candidates_.size(); ++i)
    if (candidates_[i].threads == threads) return static_cast<int>(i);
  return -1;
}

int ThreadChooser::next() {
  // First every candidate is timed, in the given order.
  for (const Candidate& c : candidates_)
    if (!c.measured()) return c.threads;
  if (probing_ >= 0) return candidates_[static_cast<std::size_t>(probing_)].threads;
  // Then the best, and now and then a try of another, each on its own (backed-off) interval.
  ++since_probe_;
  const std::size_t n = candidates_.size();
  for (std::size_t k = 0; k < n; ++k) {  // the others in turn, from where the last try left off
    const std::size_t i = (static_cast<std::size_t>(probe_turn_) + k) % n;
    if (static_cast<int>(i) == best_ || since_probe_ < candidates_[i].probe_every) continue;
    probing_ = static_cast<int>(i);
    probe_left_ = kProbeRuns;
    probe_turn_ = static_cast<int>((i + 1) % n);
    return candidates_[i].threads;
  }
  return current();
}

void ThreadChooser::record(int threads, double ms) {
  const int i = index_of(threads);
  if (i < 0) return;
  Candidate& c = candidates_[static_cast<std::size_t>(i)];
  if (threads == last_threads_) c.last[static_cast<std::size_t>(c.samples++) % c.last.size()] = ms;
  last_threads_ = threads;
  if (i == probing_ && --probe_left_ <= 0) {
    // A try far slower than the best backs off; one that comes close is tried at the base rate.
    const double best_ms = candidates_[static_cast<std::size_t>(best_)].typical();
    if (c.typical() > 2 * best_ms) c.probe_every = std::min(kMaxProbeEvery, c.probe_every * 2);
    else if (c.typical() < 1.25 * best_ms) c.probe_every = kProbeEvery;
    probing_ = -1;
    since_probe_ = 0;
  }
  choose_best();
}

void ThreadChooser::choose_best() {
  for (const Candidate& c : candidates_)
    if (!c.measured()) return;
  int best = 0;
  for (std::size_t i = 1; i < candidates_.size(); ++i)
    if (candidates_[i].typical() < candidates_[static_cast<std::size_t>(best)].typical()) best = static_cast<int>(i);
  best_ = best;
}

void ThreadChooser::reset() {
  for (Candidate& c : candidates_) c = Candidate{.threads = c.threads, .probe_every = kProbeEvery};
  best_ = 0;
  last_threads_ = 0;
  probing_ = -1;
  probe_left_ = 0;
  since_probe_ = 0;
  probe_turn_ = 0;
}

}  // namespace easel::nn
