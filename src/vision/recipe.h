// The vision part of a model's recipe (models/recipe.h): its "input" object as the
// InputSpec that to_tensor() follows.
//
//   "input": {"fit": "stretch" | "center_crop" | "letterbox",
//             "range": "bytes" | "pixels" | "unit" | "signed_unit" | "inverted_unit" | "inverted_binary",
//             "layout": "nhwc" | "nchw", "colors": "rgb" | "bgr",
//             "anchor": "center" | "top_left", "pad": 0..255, "round": "nearest" | "down",
//             "area_downscale": false, "sampling": "area" | "points", "size": [height, width]}
//
// Sizes and channels come from the model's input shape where it is fixed; "size" gives
// them where it is not.
#pragma once

#include "easel/model_store.h"
#include "models/recipe.h"
#include "vision/preprocess.h"

namespace easel::vision {

InputSpec input_spec(const detail::Recipe& recipe, const TensorInfo& model_input);

}  // namespace easel::vision
