// Reductions mean, sum, max, min, prod (numeric), any, all (bool), and argmax/argmin.
// axes: constant input 1 (TF semantics: an empty list reduces nothing) or attribute
// `axes` (absent or empty: all dims, per README). keep_dims keeps reduced dims as 1.
// Integer sums and products wrap; integer means go through 64 bits and truncate (TF).
//
// optimized: size-1 dims are dropped and neighbouring dims of the same kind (kept or
// reduced) merged in prepare(), so every case is a walk over rows of the innermost
// merged dim:
//   innermost kept (e.g. mean over H,W of NHWC = [HW, C]): each input row is combined
//     element-wise into its output row; threads split the columns;
//   innermost reduced (e.g. the last axis): each row is reduced with 8 independent
//     accumulators (vectorisable) and combined into its output; threads split rows
//     when every row has its own output.
// reference: per output element, a plain loop over its reduced elements, with float
// sums in double.
//
// argmax, argmin: axis (attribute or constant input 1), int32 output, the first index
// wins ties.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "nn/ops/shape_ops.h"
#include "nn/ops/shape_util.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace easel::nn {
namespace {

using namespace shape_util;

enum class Kind { sum, mean, prod, max, min, any, all };

template <typename T, Kind K>
constexpr T init_value() {
  if constexpr (K == Kind::sum || K == Kind::mean) return T(0);
  else if constexpr (K == Kind::prod) return T(1);
  else if constexpr (K == Kind::any) return T(false);
  else if constexpr (K == Kind::all) return T(true);
  else if constexpr (K == Kind::max) {
    if constexpr (std::numeric_limits<T>::has_infinity) return -std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::lowest();
  } else {
    if constexpr (std::numeric_limits<T>::has_infinity) return std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::max();
  }
}

// a (op) b in T; integer sums and products wrap through the unsigned type instead of
// overflowing (undefined behaviour for signed types).
template <typename T, Kind K>
inline T combine(T a, T b) {
  if constexpr (K == Kind::any) return a || b;
  else if constexpr (K == Kind::all) return a && b;
  else if constexpr (K == Kind::max) return b > a ? b : a;
  else if constexpr (K == Kind::min) return b < a ? b : a;
  else if constexpr (std::is_floating_point_v<T>) return K == Kind::prod ? a * b : a + b;
  else {
    using U = std::make_unsigned_t<T>;
    if constexpr (K == Kind::prod) return static_cast<T>(static_cast<U>(static_cast<U>(a) * static_cast<U>(b)));
    else return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  }
}

template <typename T, Kind K>
inline T finalize(T acc, std::int64_t count) {
  if constexpr (K != Kind::mean) {
    return acc;
  } else if constexpr (std::is_floating_point_v<T>) {
    return acc / static_cast<T>(count);
  } else {
    return count == 0 ? T(0) : static_cast<T>(static_cast<std::int64_t>(acc) / count);
  }
}

class Reduce final : public Op {
 public:
  Reduce(Backend backend, Kind kind) : backend_(backend), kind_(kind) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, 2);
    const Shape& in = ctx.input_shapes[0];
    const auto rank = static_cast<std::int64_t>(in.size());
    dtype_ = ctx.input_dtypes[0];
    const bool logical = kind_ == Kind::any || kind_ == Kind::all;
    if (logical && dtype_ != DType::boolean) ctx.fail("input must be bool, got " + std::string(to_string(dtype_)));
    if (!logical && !is_numeric(dtype_)) ctx.fail("input must be numeric, got " + std::string(to_string(dtype_)));
    std::vector<bool> reduced(in.size(), false);
    std::vector<std::int64_t> axes;
    if (ctx.has_input(1)) {
      axes = ints_of(ctx, ctx.constant(1, "axes"), "axes");
    } else {
      axes = ctx.node.attrs.get_ints("axes", {});
      if (axes.empty()) {
        axes.resize(in.size());
        for (std::size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<std::int64_t>(i);
      }
    }
    for (auto a : axes) reduced[static_cast<std::size_t>(normalize_axis(ctx, a, rank))] = true;
    const bool keep = ctx.node.attrs.get_bool("keep_dims", ctx.node.attrs.get_bool("keepdims", false));

    Shape out;
    count_ = 1;
    kept_dims_.clear();
    kept_strides_.clear();
    red_dims_.clear();
    red_strides_.clear();
    const auto in_strides = strides_of(in);
    for (std::size_t d = 0; d < in.size(); ++d) {
      if (reduced[d]) {
        count_ *= in[d];
        red_dims_.push_back(in[d]);
        red_strides_.push_back(in_strides[d]);
        if (keep) out.push_back(1);
      } else {
        kept_dims_.push_back(in[d]);
        kept_strides_.push_back(in_strides[d]);
        out.push_back(in[d]);
      }
    }
    out_elems_ = num_elements(out);
    in_elems_ = num_elements(in);

    // The optimized plan: merged (size, reduced) dims without size-1 dims.
    dims_.clear();
    flags_.clear();
    for (std::size_t d = 0; d < in.size(); ++d) {
      if (in[d] == 1) continue;
      if (!dims_.empty() && flags_.back() == reduced[d]) dims_.back() *= in[d];
      else {
        dims_.push_back(in[d]);
        flags_.push_back(reduced[d]);
      }
    }
    if (dims_.empty()) {
      dims_.push_back(1);
      flags_.push_back(false);
    }
    if (dims_.size() > kMaxRank) ctx.fail("rank above " + std::to_string(kMaxRank) + " is not supported");
    out_strides_.assign(dims_.size(), 0);
    std::int64_t s = 1;
    for (std::size_t d = dims_.size(); d-- > 0;)
      if (!flags_[d]) {
        out_strides_[d] = s;
        s *= dims_[d];
      }
    threads_ = std::max(1, ctx.threads);
    ctx.output_dtypes[0] = dtype_;
    ctx.output_shapes[0] = out;
  }

  void run(RunContext& ctx) override {
    if (out_elems_ == 0) return;
    auto go = [&]<typename T>() {
      const T* in = ctx.in(0).data<T>();
      T* out = ctx.out(0).data<T>();
      switch (kind_) {
        case Kind::sum:
          return dispatch<T, Kind::sum>(in, out);
        case Kind::mean:
          return dispatch<T, Kind::mean>(in, out);
        case Kind::prod:
          return dispatch<T, Kind::prod>(in, out);
        case Kind::max:
          return dispatch<T, Kind::max>(in, out);
        case Kind::min:
          return dispatch<T, Kind::min>(in, out);
        case Kind::any:
        case Kind::all:
          break;
      }
    };
    if (dtype_ == DType::boolean) {
      const bool* in = ctx.in(0).data<bool>();
      bool* out = ctx.out(0).data<bool>();
      if (kind_ == Kind::any) dispatch<bool, Kind::any>(in, out);
      else dispatch<bool, Kind::all>(in, out);
      return;
    }
    dispatch_numeric(dtype_, [&](auto tag) { go.template operator()<typename decltype(tag)::type>(); });
  }

 private:
  static constexpr std::size_t kMaxRank = 32;

  template <typename T, Kind K>
  void dispatch(const T* in, T* out) const {
    if (in_elems_ == 0) {  // reduced dims of size 0: the identity of the reduction
      std::fill_n(out, out_elems_, finalize<T, K>(init_value<T, K>(), 0));
      return;
    }
    if (backend_ == Backend::reference) reference<T, K>(in, out);
    else optimized<T, K>(in, out);
  }

  // Accumulator of the reference: double for float sums, means and products; a
  // wrapping 64-bit integer for integer ones; T otherwise.
  template <typename T, Kind K>
  using RefAcc = std::conditional_t<(K == Kind::sum || K == Kind::mean || K == Kind::prod) && !std::is_same_v<T, bool>,
                                    std::conditional_t<std::is_floating_point_v<T>, double, std::uint64_t>, T>;

  template <typename T, Kind K>
  void reference(const T* in, T* out) const {
    using A = RefAcc<T, K>;
    for (std::int64_t o = 0; o < out_elems_; ++o) {
      std::int64_t base = 0, rest = o;
      for (std::size_t j = kept_dims_.size(); j-- > 0;) {
        base += (rest % kept_dims_[j]) * kept_strides_[j];
        rest /= kept_dims_[j];
      }
      A acc;
      if constexpr (std::is_same_v<A, T>) acc = init_value<T, K>();
      else acc = K == Kind::prod ? A(1) : A(0);
      for (std::int64_t r = 0; r < count_; ++r) {
        std::int64_t off = base, rr = r;
        for (std::size_t j = red_dims_.size(); j-- > 0;) {
          off += (rr % red_dims_[j]) * red_strides_[j];
          rr /= red_dims_[j];
        }
        const T v = in[off];
        if constexpr (std::is_same_v<A, T>) acc = combine<T, K>(acc, v);
        else if constexpr (std::is_floating_point_v<A>) acc = K == Kind::prod ? acc * v : acc + v;
        else
          acc = K == Kind::prod ? acc * static_cast<A>(static_cast<std::int64_t>(v)) : acc + static_cast<A>(static_cast<std::int64_t>(v));
      }
      if constexpr (std::is_same_v<A, T>) {
        out[o] = acc;
      } else if constexpr (std::is_floating_point_v<A>) {
        out[o] = static_cast<T>(K == Kind::mean ? acc / static_cast<double>(count_) : acc);
      } else {
        const auto v = static_cast<std::int64_t>(acc);
        out[o] = static_cast<T>(K == Kind::mean ? (count_ ? v / count_ : 0) : v);
      }
    }
  }

  // Reduces a contiguous row with 8 independent accumulators.
  template <typename T, Kind K>
  static T reduce_row(const T* p, std::int64_t n) {
    if constexpr (K == Kind::any || K == Kind::all) {
      for (std::int64_t i = 0; i < n; ++i)
        if (p[i] == (K == Kind::any)) return K == Kind::any;
      return K == Kind::all;
    } else {
      T acc[8];
      for (auto& a : acc) a = init_value<T, K>();
      std::int64_t i = 0;
      for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j) acc[j] = combine<T, K>(acc[j], p[i + j]);
      for (; i < n; ++i) acc[0] = combine<T, K>(acc[0], p[i]);
      for (int j = 1; j < 8; ++j) acc[0] = combine<T, K>(acc[0], acc[j]);
      return acc[0];
    }
  }

  template <typename T, Kind K>
  void optimized(const T* in, T* out) const {
    // TF averages integers through a 64-bit intermediate (no overflow), which the
    // reference loop does; integer means are rare, so it serves here too.
    if constexpr (K == Kind::mean && !std::is_floating_point_v<T>) {
      reference<T, K>(in, out);
      return;
    }
    const std::size_t m = dims_.size();
    const std::int64_t last = dims_[m - 1];
    const std::int64_t rows = in_elems_ / last;
    std::fill_n(out, out_elems_, init_value<T, K>());
    if (!flags_[m - 1]) {
      // Innermost kept: out row += in row. Threads split the columns.
      const bool parallel = in_elems_ >= (1 << 16) && last >= 64 * threads_;
#pragma omp parallel num_threads(threads_) if (parallel)
      {
        int t = 0, nt = 1;
#ifdef _OPENMP
        t = omp_get_thread_num();
        nt = omp_get_num_threads();
#endif
        const std::int64_t c0 = last * t / nt, c1 = last * (t + 1) / nt;
        walk_rows(rows, [&](std::int64_t row, std::int64_t out_off) {
          const T* s = in + row * last;
          T* d = out + out_off;
          for (std::int64_t k = c0; k < c1; ++k) d[k] = combine<T, K>(d[k], s[k]);
        });
        for (std::int64_t k = c0; k < c1; ++k)
          for (std::int64_t o = k; o < out_elems_; o += last) out[o] = finalize<T, K>(out[o], count_);
      }
      return;
    }
    // Innermost reduced: reduce each row into its output element.
    const bool one_row_per_output = rows == out_elems_;
    if (one_row_per_output) {
      const bool parallel = in_elems_ >= (1 << 16) && rows > 1;
#pragma omp parallel for num_threads(threads_) if (parallel) schedule(static)
      for (std::int64_t r = 0; r < rows; ++r) out[r] = finalize<T, K>(reduce_row<T, K>(in + r * last, last), count_);
      return;
    }
    walk_rows(rows, [&](std::int64_t row, std::int64_t out_off) {
      out[out_off] = combine<T, K>(out[out_off], reduce_row<T, K>(in + row * last, last));
    });
    for (std::int64_t o = 0; o < out_elems_; ++o) out[o] = finalize<T, K>(out[o], count_);
  }

  // Calls f(row, output offset) for every row of the innermost merged dim, in order.
  template <typename F>
  void walk_rows(std::int64_t rows, F&& f) const {
    const std::size_t outer = dims_.size() - 1;
    std::int64_t coord[kMaxRank] = {};
    std::int64_t out_off = 0;
    for (std::int64_t row = 0; row < rows; ++row) {
      f(row, out_off);
      for (std::size_t j = outer; j-- > 0;) {
        out_off += out_strides_[j];
        if (++coord[j] < dims_[j]) break;
        out_off -= out_strides_[j] * dims_[j];
        coord[j] = 0;
      }
    }
  }

  Backend backend_;
  Kind kind_;
  DType dtype_ = DType::f32;
  std::int64_t count_ = 1, out_elems_ = 0, in_elems_ = 0;
  // reference plan: kept and reduced input dims with their input strides
  std::vector<std::int64_t> kept_dims_, kept_strides_, red_dims_, red_strides_;
  // optimized plan: merged dims, reduced flags, output strides (0 for reduced dims)
  std::vector<std::int64_t> dims_, out_strides_;
  std::vector<bool> flags_;
  int threads_ = 1;
};

class ArgReduce final : public Op {
 public:
  ArgReduce(Backend backend, bool max) : backend_(backend), max_(max) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, 2);
    const Shape& in = ctx.input_shapes[0];
    dtype_ = ctx.input_dtypes[0];
    if (!is_numeric(dtype_)) ctx.fail("input must be numeric, got " + std::string(to_string(dtype_)));
    if (in.empty()) ctx.fail("input must have at least one dim");
    const auto axis =
        static_cast<std::size_t>(normalize_axis(ctx, int_input_or_attr(ctx, 1, "axis", 0), static_cast<std::int64_t>(in.size())));
    outer_ = product(in, 0, axis);
    n_ = in[axis];
    inner_ = product(in, axis + 1, in.size());
    Shape out = in;
    out.erase(out.begin() + static_cast<std::ptrdiff_t>(axis));
    if (n_ == 0 && num_elements(out) > 0) ctx.fail("cannot take the arg" + std::string(max_ ? "max" : "min") + " along an empty dim");
    scratch_.assign(static_cast<std::size_t>(inner_) * dtype_size(dtype_), std::byte{0});
    ctx.output_dtypes[0] = DType::i32;
    ctx.output_shapes[0] = out;
  }

  void run(RunContext& ctx) override {
    if (n_ == 0) return;
    std::int32_t* out = ctx.out(0).data<std::int32_t>();
    dispatch_numeric(dtype_, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* in = ctx.in(0).data<T>();
      if (max_) go<T, true>(in, out);
      else go<T, false>(in, out);
    });
  }

 private:
  // Strictly better only, so the first index wins ties.
  template <typename T, bool Max>
  static bool better(T a, T b) {
    if constexpr (Max) return a > b;
    else return a < b;
  }

  template <typename T, bool Max>
  void go(const T* in, std::int32_t* out) {
    if (backend_ == Backend::optimized && inner_ == 1) {
      // Along the last axis (a segmentation's classes): rows in parallel, branch-free
      // updates (ties keep the first index, as below).
      // Eight rows interleaved: one row's compare-select chain is latency-bound.
      constexpr std::int64_t kLanes = 8;
      const std::int64_t blocks = outer_ / kLanes;
#pragma omp parallel for schedule(static) if (outer_ * n_ > 65536)
      for (std::int64_t blk = 0; blk < blocks; ++blk) {
        const T* p = in + blk * kLanes * n_;
        T best[kLanes];
        std::int32_t idx[kLanes] = {};
        for (std::int64_t l = 0; l < kLanes; ++l) best[l] = p[l * n_];
        for (std::int64_t r = 1; r < n_; ++r)
          for (std::int64_t l = 0; l < kLanes; ++l) {
            const T v = p[l * n_ + r];
            const bool b = better<T, Max>(v, best[l]);
            best[l] = b ? v : best[l];
            idx[l] = b ? static_cast<std::int32_t>(r) : idx[l];
          }
        for (std::int64_t l = 0; l < kLanes; ++l) out[blk * kLanes + l] = idx[l];
      }
      for (std::int64_t o = blocks * kLanes; o < outer_; ++o) {
        const T* p = in + o * n_;
        T best = p[0];
        std::int32_t idx = 0;
        for (std::int64_t r = 1; r < n_; ++r)
          if (better<T, Max>(p[r], best)) best = p[r], idx = static_cast<std::int32_t>(r);
        out[o] = idx;
      }
      return;
    }
    if (backend_ == Backend::reference || inner_ == 1) {
      for (std::int64_t o = 0; o < outer_; ++o)
        for (std::int64_t j = 0; j < inner_; ++j) {
          const T* p = in + o * n_ * inner_ + j;
          T best = p[0];
          std::int32_t idx = 0;
          for (std::int64_t r = 1; r < n_; ++r)
            if (better<T, Max>(p[r * inner_], best)) {
              best = p[r * inner_];
              idx = static_cast<std::int32_t>(r);
            }
          out[o * inner_ + j] = idx;
        }
      return;
    }
    // Rows at a time: a running best per column, so the input is read in order.
    T* best = reinterpret_cast<T*>(scratch_.data());
    for (std::int64_t o = 0; o < outer_; ++o) {
      const T* p = in + o * n_ * inner_;
      std::int32_t* idx = out + o * inner_;
      std::copy_n(p, inner_, best);
      std::fill_n(idx, inner_, 0);
      for (std::int64_t r = 1; r < n_; ++r) {
        const T* row = p + r * inner_;
        for (std::int64_t j = 0; j < inner_; ++j)
          if (better<T, Max>(row[j], best[j])) {
            best[j] = row[j];
            idx[j] = static_cast<std::int32_t>(r);
          }
      }
    }
  }

  Backend backend_;
  bool max_;
  DType dtype_ = DType::f32;
  std::int64_t outer_ = 1, n_ = 1, inner_ = 1;
  std::vector<std::byte> scratch_;  // running best values, sized in prepare()
};

}  // namespace

std::unique_ptr<Op> make_mean(Backend backend) { return std::make_unique<Reduce>(backend, Kind::mean); }
std::unique_ptr<Op> make_sum(Backend backend) { return std::make_unique<Reduce>(backend, Kind::sum); }
std::unique_ptr<Op> make_max(Backend backend) { return std::make_unique<Reduce>(backend, Kind::max); }
std::unique_ptr<Op> make_min(Backend backend) { return std::make_unique<Reduce>(backend, Kind::min); }
std::unique_ptr<Op> make_prod(Backend backend) { return std::make_unique<Reduce>(backend, Kind::prod); }
std::unique_ptr<Op> make_any(Backend backend) { return std::make_unique<Reduce>(backend, Kind::any); }
std::unique_ptr<Op> make_all(Backend backend) { return std::make_unique<Reduce>(backend, Kind::all); }
std::unique_ptr<Op> make_argmax(Backend backend) { return std::make_unique<ArgReduce>(backend, true); }
std::unique_ptr<Op> make_argmin(Backend backend) { return std::make_unique<ArgReduce>(backend, false); }

}  // namespace easel::nn
