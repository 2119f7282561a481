// Factories of the shape ops (see README.md beside this file).
#pragma once

#include <memory>

#include "nn/op.h"

namespace easel::nn {
// reshape.cpp
std::unique_ptr<Op> make_reshape(Backend backend);
std::unique_ptr<Op> make_squeeze(Backend backend);
std::unique_ptr<Op> make_expand_dims(Backend backend);
// transpose.cpp
std::unique_ptr<Op> make_transpose(Backend backend);
// concat.cpp
std::unique_ptr<Op> make_concat(Backend backend);
// pack.cpp
std::unique_ptr<Op> make_pack(Backend backend);
// split.cpp
std::unique_ptr<Op> make_split(Backend backend);
std::unique_ptr<Op> make_unpack(Backend backend);
// pad.cpp
std::unique_ptr<Op> make_pad(Backend backend);
// slice.cpp
std::unique_ptr<Op> make_slice(Backend backend);
std::unique_ptr<Op> make_strided_slice(Backend backend);
// depth_to_space.cpp
std::unique_ptr<Op> make_depth_to_space(Backend backend);
// tile.cpp
std::unique_ptr<Op> make_tile(Backend backend);
// gather.cpp
std::unique_ptr<Op> make_gather(Backend backend);
std::unique_ptr<Op> make_gather_nd(Backend backend);
// shape.cpp
std::unique_ptr<Op> make_shape(Backend backend);
std::unique_ptr<Op> make_size(Backend backend);
std::unique_ptr<Op> make_fill(Backend backend);
std::unique_ptr<Op> make_range(Backend backend);
// resize.cpp
std::unique_ptr<Op> make_resize_bilinear(Backend backend);
std::unique_ptr<Op> make_resize_nearest(Backend backend);
// reduce.cpp
std::unique_ptr<Op> make_mean(Backend backend);
std::unique_ptr<Op> make_sum(Backend backend);
std::unique_ptr<Op> make_max(Backend backend);
std::unique_ptr<Op> make_min(Backend backend);
std::unique_ptr<Op> make_prod(Backend backend);
std::unique_ptr<Op> make_any(Backend backend);
std::unique_ptr<Op> make_all(Backend backend);
std::unique_ptr<Op> make_argmax(Backend backend);
std::unique_ptr<Op> make_argmin(Backend backend);
// top_k.cpp
std::unique_ptr<Op> make_top_k(Backend backend);
// sparse_to_dense.cpp
std::unique_ptr<Op> make_sparse_to_dense(Backend backend);
// one_hot.cpp
std::unique_ptr<Op> make_one_hot(Backend backend);
}  // namespace easel::nn
