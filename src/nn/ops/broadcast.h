// Numpy broadcasting for elementwise ops: the output shape, and an iteration plan that
// prepare() builds once so that run() walks the output in long contiguous rows with no
// per-element index arithmetic. Also a small helper that splits large loops over OpenMP
// threads. Header-only so any op group can reuse it.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "easel/tensor.h"

namespace easel::nn {

// The numpy broadcast of `shapes` (right-aligned; each dim equal to the result's or 1),
// or nullopt if they are incompatible. A dim of 1 broadcasts to 0 as in numpy.
inline std::optional<Shape> broadcast_shapes(std::span<const Shape> shapes) {
  std::size_t rank = 0;
  for (const Shape& s : shapes) rank = std::max(rank, s.size());
  Shape out(rank, 1);
  for (const Shape& s : shapes) {
    const std::size_t lead = rank - s.size();
    for (std::size_t d = 0; d < s.size(); ++d) {
      std::int64_t& o = out[lead + d];
      const std::int64_t v = s[d];
      if (v == o || v == 1) continue;
      if (o != 1) return std::nullopt;
      o = v;
    }
  }
  return out;
}

// How N inputs map onto their broadcast output. init() drops size-1 output dims and
// merges adjacent dims wherever every input either spans both or broadcasts both, so
// the common cases collapse to very few dims: same shapes or a scalar operand -> rank 1,
// [N,H,W,C] + [C] -> rank 2 ([NHW, C]), [N,H,W,C] * [N,1,1,C] -> rank 3. The innermost
// collapsed dim is a "row": inside it every input advances by 0 (broadcast) or 1.
template <int N>
class BroadcastPlan {
 public:
  // Collapsed ranks above this are refused (TF's own broadcasting kernels stop at 8).
  static constexpr int kMaxRank = 16;
  using Offsets = std::array<std::int64_t, N>;

  // Returns false if the shapes do not broadcast or do not collapse to kMaxRank dims.
  bool init(std::span<const Shape> shapes) {
    if (shapes.size() != static_cast<std::size_t>(N)) return false;
    std::optional<Shape> out = broadcast_shapes(shapes);
    if (!out) return false;
    out_shape_ = *out;
    size_ = num_elements(out_shape_);
    const std::size_t rank = out_shape_.size();
    std::vector<std::int64_t> dims;
    std::vector<std::array<bool, N>> broadcast;  // per collapsed dim, per input
    for (std::size_t d = 0; d < rank; ++d) {
      if (out_shape_[d] == 1) continue;  // contributes nothing to any offset
      std::array<bool, N> flags{};
      for (int i = 0; i < N; ++i) {
        const Shape& s = shapes[static_cast<std::size_t>(i)];
        const std::size_t lead = rank - s.size();
        flags[static_cast<std::size_t>(i)] = d < lead || s[d - lead] == 1;
      }
      if (!dims.empty() && broadcast.back() == flags) {
        dims.back() *= out_shape_[d];
      } else {
        dims.push_back(out_shape_[d]);
        broadcast.push_back(flags);
      }
    }
    if (dims.empty()) {  // a scalar output (or all dims 1): one element, every input at offset 0
      dims.push_back(1);
      broadcast.push_back({});
    }
    if (dims.size() > static_cast<std::size_t>(kMaxRank)) return false;
    rank_ = static_cast<int>(dims.size());
    for (int d = 0; d < rank_; ++d) dims_[static_cast<std::size_t>(d)] = dims[static_cast<std::size_t>(d)];
    for (std::size_t i = 0; i < static_cast<std::size_t>(N); ++i) {
      std::int64_t stride = 1;
      for (int d = rank_ - 1; d >= 0; --d) {
        const auto ud = static_cast<std::size_t>(d);
        strides_[i][ud] = broadcast[ud][i] ? 0 : stride;
        if (!broadcast[ud][i]) stride *= dims_[ud];
      }
    }
    return true;
  }

  const Shape& out_shape() const { return out_shape_; }
  std::int64_t size() const { return size_; }  // output elements
  int rank() const { return rank_; }           // after collapsing
  std::int64_t dim(int d) const { return dims_[static_cast<std::size_t>(d)]; }
  std::int64_t stride(int input, int d) const { return strides_[static_cast<std::size_t>(input)][static_cast<std::size_t>(d)]; }
  std::int64_t inner() const { return dim(rank_ - 1); }                            // row length
  std::int64_t inner_stride(int input) const { return stride(input, rank_ - 1); }  // 0 or 1

  // Calls fn(out_offset, in_offsets, n) for the output elements [begin, end), cut at row
  // ends: elements out_offset..out_offset+n-1 read input i at in_offsets[i] + k * inner_stride(i).
  // Offsets are in elements. Allocation-free, so it can run inside run().
  template <class Fn>
  void for_range(std::int64_t begin, std::int64_t end, Fn&& fn) const {
    if (begin >= end) return;
    const std::int64_t inner_len = inner();
    std::int64_t row = begin / inner_len, col = begin % inner_len;
    std::array<std::int64_t, kMaxRank> idx{};
    Offsets base{};
    for (int d = rank_ - 2; d >= 0; --d) {
      const auto ud = static_cast<std::size_t>(d);
      idx[ud] = row % dims_[ud];
      row /= dims_[ud];
      for (std::size_t i = 0; i < static_cast<std::size_t>(N); ++i) base[i] += idx[ud] * strides_[i][ud];
    }
    const auto last = static_cast<std::size_t>(rank_ - 1);
    for (;;) {
      const std::int64_t n = std::min(inner_len - col, end - begin);
      Offsets off;
      for (std::size_t i = 0; i < static_cast<std::size_t>(N); ++i) off[i] = base[i] + col * strides_[i][last];
      fn(begin, off, n);
      begin += n;
      if (begin >= end) return;
      col = 0;
      for (int d = rank_ - 2; d >= 0; --d) {  // odometer step to the next row
        const auto ud = static_cast<std::size_t>(d);
        for (std::size_t i = 0; i < static_cast<std::size_t>(N); ++i) base[i] += strides_[i][ud];
        if (++idx[ud] < dims_[ud]) break;
        for (std::size_t i = 0; i < static_cast<std::size_t>(N); ++i) base[i] -= strides_[i][ud] * dims_[ud];
        idx[ud] = 0;
      }
    }
  }

 private:
  Shape out_shape_;
  std::int64_t size_ = 0;
  int rank_ = 1;
  std::array<std::int64_t, kMaxRank> dims_{};
  std::array<std::array<std::int64_t, kMaxRank>, N> strides_{};
};

// Below this many elements a loop runs on one thread: waking a team costs more than
// the memory-bound work saves.
inline constexpr std::int64_t kParallelMinElements = std::int64_t{1} << 16;

// Calls fn(begin, end) over [0, n), split into contiguous ranges across up to `threads`
// OpenMP threads when n is large (ranges start at multiples of 16 elements so threads do
// not share cache lines). Without OpenMP, or for small n, one call covers everything.
template <class Fn>
void parallel_ranges(std::int64_t n, int threads, Fn&& fn) {
#ifdef _OPENMP
  if (threads > 1 && n >= kParallelMinElements) {
    const int tasks = static_cast<int>(std::min<std::int64_t>(threads, n / (kParallelMinElements / 2)));
    auto cut = [&](int t) { return t == tasks ? n : (n * t / tasks) & ~std::int64_t{15}; };
#pragma omp parallel for num_threads(tasks) schedule(static)
    for (int t = 0; t < tasks; ++t) fn(cut(t), cut(t + 1));
    return;
  }
#else
  (void)threads;
#endif
  fn(std::int64_t{0}, n);
}

}  // namespace easel::nn
