#include "vision/recipe.h"

#include <map>

#include "easel/error.h"

namespace easel::vision {
namespace {

template <typename E>
E choose(const detail::Recipe& r, const nlohmann::json& input, const char* key, const std::map<std::string, E>& names, E fallback) {
  if (!input.contains(key)) return fallback;
  const std::string value = input[key].get<std::string>();
  auto it = names.find(value);
  if (it != names.end()) return it->second;
  std::string known;
  for (const auto& [name, e] : names) known += (known.empty() ? "" : ", ") + name;
  throw Error(ErrorCode::bad_model,
              "The recipe of model '" + r.model + "': input " + key + " '" + value + "' is not one of " + known + ".");
}

}  // namespace

InputSpec input_spec(const detail::Recipe& r, const TensorInfo& model_input) {
  const nlohmann::json input = r.data.value("input", nlohmann::json::object());
  InputSpec spec;
  try {
    spec.fit =
        choose(r, input, "fit",
               std::map<std::string, Fit>{{"stretch", Fit::stretch}, {"center_crop", Fit::center_crop}, {"letterbox", Fit::letterbox}},
               Fit::stretch);
    spec.range = choose(r, input, "range",
                        std::map<std::string, Range>{{"bytes", Range::bytes},
                                                     {"pixels", Range::pixels},
                                                     {"unit", Range::unit},
                                                     {"signed_unit", Range::signed_unit},
                                                     {"inverted_unit", Range::inverted_unit},
                                                     {"inverted_binary", Range::inverted_binary}},
                        Range::unit);
    spec.layout = choose(r, input, "layout", std::map<std::string, Layout>{{"nhwc", Layout::nhwc}, {"nchw", Layout::nchw}}, Layout::nhwc);
    spec.bgr = choose(r, input, "colors", std::map<std::string, bool>{{"rgb", false}, {"bgr", true}}, false);
    spec.anchor = choose(r, input, "anchor", std::map<std::string, Anchor>{{"center", Anchor::center}, {"top_left", Anchor::top_left}},
                         Anchor::center);
    spec.round_down = choose(r, input, "round", std::map<std::string, bool>{{"nearest", false}, {"down", true}}, false);
    spec.pad = static_cast<std::uint8_t>(input.value("pad", 0));
    spec.area_downscale = input.value("area_downscale", false);
    spec.point_sampling = choose(r, input, "sampling", std::map<std::string, bool>{{"area", false}, {"points", true}}, false);
    if (input.contains("size")) {
      const auto size = input["size"].get<std::vector<int>>();
      if (size.size() != 2 || size[0] <= 0 || size[1] <= 0)
        throw Error(ErrorCode::bad_model, "The recipe of model '" + r.model + "': input size must be [height, width].");
      spec.height = size[0], spec.width = size[1];
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::bad_model, "The recipe of model '" + r.model + "': its input has a field of the wrong type (" + e.what() + ").");
  }
  const auto& shape = model_input.shape;
  if (shape.size() != 4) throw Error(ErrorCode::bad_model, "The model '" + r.model + "' does not take one image (a 4-D input).");
  const bool nchw = spec.layout == Layout::nchw;
  const std::int64_t h = shape[nchw ? 2 : 1], w = shape[nchw ? 3 : 2], c = shape[nchw ? 1 : 3];
  if (h > 0) spec.height = static_cast<int>(h);
  if (w > 0) spec.width = static_cast<int>(w);
  if (c > 0) spec.channels = static_cast<int>(c);
  if (spec.range == Range::bytes) {
    if (model_input.dtype != DType::u8 && model_input.dtype != DType::i32)
      throw Error(ErrorCode::bad_model,
                  "The recipe of model '" + r.model + "' feeds bytes, but the model's input is " + to_string(model_input.dtype) + ".");
    spec.int32 = model_input.dtype == DType::i32;
  }
  return spec;
}

}  // namespace easel::vision
