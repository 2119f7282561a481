// StyleTransfer: ml5's fast style transfer network (built from its checkpoint by
// nn/import/ml5_checkpoint.cpp) on easel::Image.
#include "easel/style_transfer.h"

#include <algorithm>
#include <cmath>

#include "easel/error.h"
#include "easel/model.h"
#include "easel/model_store.h"
#include "generative/generative_common.h"

namespace fs = std::filesystem;

namespace easel {

namespace {

// The folder holding the styles (one subfolder with a manifest.json each) for a model
// option, or empty when the option names one style's folder or manifest.
fs::path styles_folder(const std::string& model, fs::path* single) {
  const fs::path path = model;
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    *single = path;
    return {};
  }
  if (fs::is_directory(path, ec)) {
    if (fs::is_regular_file(path / "manifest.json", ec)) {
      *single = path / "manifest.json";
      return {};
    }
    return path;
  }
  // A store name: its entry is one style's manifest, the styles are its folder's siblings.
  return detail::locate_model_file(model).parent_path().parent_path();
}

std::vector<std::string> list_styles(const fs::path& folder) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec))
    if (entry.is_directory() && fs::is_regular_file(entry.path() / "manifest.json")) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

struct StyleTransfer::Impl {
  std::string style;
  Model model;
  int max_size = 0;
  Image paint(const Image& image);  // at the image's own size
};

StyleTransfer::StyleTransfer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StyleTransfer::~StyleTransfer() = default;
StyleTransfer::StyleTransfer(StyleTransfer&&) noexcept = default;
StyleTransfer& StyleTransfer::operator=(StyleTransfer&&) noexcept = default;

std::vector<std::string> StyleTransfer::styles(const std::string& model) {
  fs::path single;
  const fs::path folder = styles_folder(model, &single);
  if (!single.empty()) return {single.parent_path().filename().string()};
  return list_styles(folder);
}

StyleTransfer StyleTransfer::create(const StyleTransferOptions& options) {
  if (options.max_size < 0) throw Error(ErrorCode::bad_input, "max_size must be 0 (the image's size) or more.");
  fs::path manifest;
  const fs::path folder = styles_folder(options.model, &manifest);
  std::string style = options.style;
  if (manifest.empty()) {
    const auto names = list_styles(folder);
    if (std::find(names.begin(), names.end(), style) == names.end()) {
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      throw Error(ErrorCode::bad_input, "There is no style '" + style + "' in '" + folder.string() + "'.",
                  names.empty() ? "That folder has no styles (subfolders with a manifest.json)." : "The styles are: " + list + ".");
    }
    manifest = folder / style / "manifest.json";
  } else {
    style = manifest.parent_path().filename().string();
  }
  auto impl = std::make_unique<Impl>(Impl{style, Model::load(manifest.string(), {.threads = options.threads,
                                                                                 .reference_kernels = options.reference_kernels}),
                                          options.max_size});
  const auto inputs = impl->model.inputs();
  if (inputs.size() != 1 || inputs[0].name != "image")
    throw Error(ErrorCode::bad_model, "'" + manifest.string() + "' is not a style transfer model (ml5's fast style transfer).");
  return StyleTransfer(std::move(impl));
}

const std::string& StyleTransfer::style() const { return impl_->style; }

Image StyleTransfer::transfer(const Image& image) {
  if (image.empty()) throw Error(ErrorCode::bad_input, "The image to paint is empty.");
  const int longer = std::max(image.width(), image.height());
  if (impl_->max_size == 0 || longer <= impl_->max_size) return impl_->paint(image);
  const double s = static_cast<double>(impl_->max_size) / longer;
  const int w = std::max(1, static_cast<int>(std::lround(image.width() * s)));
  const int h = std::max(1, static_cast<int>(std::lround(image.height() * s)));
  return impl_->paint(image.resized(w, h)).resized(image.width(), image.height());
}

Image StyleTransfer::Impl::paint(const Image& image) {
  const int H = image.height(), W = image.width();
  Tensor x(DType::f32, {1, H, W, 3});
  float* px = x.data<float>();
  const std::uint8_t* bytes = image.data();
  for (std::int64_t i = 0; i < x.size(); ++i) px[i] = bytes[i];
  const Tensor y = model.run({x}).at(0);
  // The network rounds the size up to a multiple of 4 (two stride-2 steps down and up):
  // the image is its top-left H x W.
  const std::int64_t out_w = y.dim(2);
  Image out(W, H);
  const float* py = y.data<float>();
  std::uint8_t* o = out.data();
  for (int r = 0; r < H; ++r)
    for (int c = 0; c < W; ++c)
      for (int k = 0; k < 3; ++k) {
        // ml5: v / 255 as a float32 tensor, then Math.floor(256 * v) into a canvas (which caps at 255).
        const float v = py[(static_cast<std::int64_t>(r) * out_w + c) * 3 + k] / 255.0f;
        const double level = std::floor(256.0 * static_cast<double>(v));
        o[(static_cast<std::size_t>(r) * W + c) * 3 + k] = static_cast<std::uint8_t>(std::clamp(level, 0.0, 255.0));
      }
  return out;
}

}  // namespace easel
