#include "easel/segmentation.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <optional>

#include "easel/error.h"
#include "easel/model.h"
#include "models/recipe.h"
#include "vision/landmark_pipeline.h"
#include "vision/recipe.h"

namespace easel {
namespace {

const detail::TaskKind kSegmentation{"segmentation", "a segmentation model", "Segmentation models", "segmentation",
                                     {"person-mask", "class-map"}};

cv::Mat wrap(const Image& image) { return cv::Mat(image.height(), image.width(), CV_8UC3, const_cast<std::uint8_t*>(image.data())); }

}  // namespace

int Segmentation::label_index(const std::string& label) const {
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] == label) return static_cast<int>(i);
  return -1;
}

float Segmentation::coverage(const std::string& label) const {
  const int index = label_index(label);
  if (index < 0) {
    std::string known;
    for (const std::string& l : labels) known += (known.empty() ? "" : ", ") + l;
    throw Error(ErrorCode::bad_input, "The segmentation has no class '" + label + "'.", "Its classes: " + known + ".");
  }
  if (classes.empty()) return 0;
  const auto n = std::count(classes.begin(), classes.end(), static_cast<std::uint8_t>(index));
  return static_cast<float>(n) / static_cast<float>(classes.size());
}

Image Segmentation::mask() const {
  Image out(width, height);
  for (std::size_t i = 0; i < classes.size(); ++i) std::fill_n(out.data() + 3 * i, 3, classes[i] ? 255 : 0);
  return out;
}

Image Segmentation::colored() const {
  Image out(width, height);
  for (std::size_t i = 0; i < classes.size(); ++i) {
    const SegmentColor c = segmentation_color(classes[i]);
    out.data()[3 * i] = c.r, out.data()[3 * i + 1] = c.g, out.data()[3 * i + 2] = c.b;
  }
  return out;
}

SegmentColor segmentation_color(int index) {
  // PASCAL VOC's colour map: the bits of the index spread over the top bits of r, g and b.
  SegmentColor c;
  for (int shift = 7; shift >= 0 && index > 0; --shift, index >>= 3) {
    c.r = static_cast<std::uint8_t>(c.r | ((index & 1) << shift));
    c.g = static_cast<std::uint8_t>(c.g | (((index >> 1) & 1) << shift));
    c.b = static_cast<std::uint8_t>(c.b | (((index >> 2) & 1) << shift));
  }
  return c;
}

struct ImageSegmenter::Impl {
  ImageSegmenterOptions options;
  detail::Recipe recipe;
  std::optional<Model> model;
  vision::InputSpec input;
  int output = 0;
  bool person_mask = true;
  std::string activation;  // person-mask: "none" (already a probability), "sigmoid", "softmax"
  int channel = 0;         // person-mask: the person's channel
};

ImageSegmenter::ImageSegmenter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ImageSegmenter::~ImageSegmenter() = default;
ImageSegmenter::ImageSegmenter(ImageSegmenter&&) noexcept = default;
ImageSegmenter& ImageSegmenter::operator=(ImageSegmenter&&) noexcept = default;
const std::vector<std::string>& ImageSegmenter::labels() const { return impl_->recipe.labels; }

ImageSegmenter ImageSegmenter::create(const ImageSegmenterOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->recipe = detail::load_task_recipe(options.model, kSegmentation);
  impl->model.emplace(Model::load(impl->recipe.file.string(), {.threads = options.threads}));
  const auto inputs = impl->model->inputs();
  if (inputs.size() != 1) throw Error(ErrorCode::bad_model, "The segmentation model '" + options.model + "' does not take one image.");
  impl->input = vision::input_spec(impl->recipe, inputs[0]);
  const nlohmann::json& r = impl->recipe.data;
  if (r.contains("output")) impl->output = vision::output_index(*impl->model, r["output"].get<std::string>(), options.model);
  impl->person_mask = impl->recipe.decoder == "person-mask";
  impl->activation = r.value("activation", std::string("none"));
  impl->channel = r.value("channel", 0);
  if (impl->activation != "none" && impl->activation != "sigmoid" && impl->activation != "softmax")
    throw Error(ErrorCode::bad_model, "The recipe of model '" + options.model + "': activation '" + impl->activation + "' is not none, sigmoid or softmax.");
  if (impl->person_mask && impl->recipe.labels.empty()) impl->recipe.labels = {"background", "person"};
  if (impl->recipe.labels.size() < 2 || impl->recipe.labels.size() > 256)
    throw Error(ErrorCode::bad_model, "The segmentation model '" + options.model + "' needs between 2 and 256 labels.");
  return ImageSegmenter(std::move(impl));
}

Segmentation ImageSegmenter::segment(const Image& image) {
  Impl& m = *impl_;
  if (image.empty()) throw Error(ErrorCode::bad_input, "The image is empty (0x0).");
  const Tensor input = vision::to_tensor(image, m.input);
  const std::vector<Tensor> out = m.model->run({input});
  const Tensor& t = out.at(static_cast<std::size_t>(m.output));
  const Shape& shape = t.shape();
  // [1, H, W, C] (or [1, H, W]) over the model's whole input (stretched over the image).
  if (shape.size() < 3 || shape[0] != 1) throw Error(ErrorCode::bad_model, "The segmentation output " + to_string(shape) + " is not [1, H, W, C].");
  const int h = static_cast<int>(shape[1]), w = static_cast<int>(shape[2]);
  const int c = shape.size() >= 4 ? static_cast<int>(shape[3]) : 1;
  Segmentation s;
  s.width = image.width(), s.height = image.height();
  s.labels = m.recipe.labels;
  const cv::Size size(image.width(), image.height());
  if (m.person_mask) {
    if (t.dtype() != DType::f32 || m.channel >= c || (m.activation == "softmax" && c < 2))
      throw Error(ErrorCode::bad_model, "The segmentation output " + to_string(shape) + " has no person channel " + std::to_string(m.channel) + ".");
    cv::Mat small(h, w, CV_32F);
    const float* p = t.data<float>();
    for (int i = 0; i < h * w; ++i) {
      const float* v = p + static_cast<std::ptrdiff_t>(i) * c;
      float prob = v[m.channel];
      if (m.activation == "sigmoid") {
        prob = 1.f / (1.f + std::exp(-prob));
      } else if (m.activation == "softmax") {
        const float top = *std::max_element(v, v + c);
        float sum = 0;
        for (int k = 0; k < c; ++k) sum += std::exp(v[k] - top);
        prob = std::exp(v[m.channel] - top) / sum;
      }
      small.at<float>(i / w, i % w) = prob;
    }
    // To the image's size as TF.js's body-segmentation does it (tf.image.resizeBilinear, no
    // half-pixel centres: output x samples x * w / W): the same mask, edge for edge.
    s.confidence.resize(static_cast<std::size_t>(size.width) * size.height);
    const float fx = static_cast<float>(w) / size.width, fy = static_cast<float>(h) / size.height;
    for (int y = 0; y < size.height; ++y) {
      const float sy = y * fy;
      const int y0 = std::min(static_cast<int>(sy), h - 1), y1 = std::min(y0 + 1, h - 1);
      const float ay = sy - static_cast<float>(y0);
      for (int x = 0; x < size.width; ++x) {
        const float sx = x * fx;
        const int x0 = std::min(static_cast<int>(sx), w - 1), x1 = std::min(x0 + 1, w - 1);
        const float ax = sx - static_cast<float>(x0);
        const float top = small.at<float>(y0, x0) * (1 - ax) + small.at<float>(y0, x1) * ax;
        const float bottom = small.at<float>(y1, x0) * (1 - ax) + small.at<float>(y1, x1) * ax;
        s.confidence[static_cast<std::size_t>(y) * size.width + x] = top * (1 - ay) + bottom * ay;
      }
    }
    s.classes.resize(s.confidence.size());
    for (std::size_t i = 0; i < s.confidence.size(); ++i) s.classes[i] = s.confidence[i] >= m.options.threshold ? 1 : 0;
    return s;
  }
  // A class map: each pixel's class index (arg max in the model, or here over C scores).
  cv::Mat small(h, w, CV_8U);
  for (int i = 0; i < h * w; ++i) {
    std::int64_t k = 0;
    if (t.dtype() == DType::i64) k = t.data<std::int64_t>()[i];
    else if (t.dtype() == DType::i32) k = t.data<std::int32_t>()[i];
    else if (t.dtype() == DType::f32) k = std::max_element(t.data<float>() + static_cast<std::ptrdiff_t>(i) * c, t.data<float>() + static_cast<std::ptrdiff_t>(i + 1) * c) - (t.data<float>() + static_cast<std::ptrdiff_t>(i) * c);
    else throw Error(ErrorCode::bad_model, "The segmentation output is " + std::string(to_string(t.dtype())) + ", not class indices or scores.");
    small.at<std::uint8_t>(i / w, i % w) = static_cast<std::uint8_t>(k >= 0 && k < static_cast<std::int64_t>(s.labels.size()) ? k : 0);
  }
  cv::Mat full;
  cv::resize(small, full, size, 0, 0, cv::INTER_NEAREST);
  s.classes.assign(full.begin<std::uint8_t>(), full.end<std::uint8_t>());
  s.confidence.resize(s.classes.size());
  for (std::size_t i = 0; i < s.classes.size(); ++i) s.confidence[i] = s.classes[i] ? 1.f : 0.f;
  return s;
}

namespace {

Image blend(const Image& image, const Segmentation& seg, const cv::Mat& behind) {
  if (seg.width != image.width() || seg.height != image.height() || seg.confidence.size() != static_cast<std::size_t>(image.width()) * image.height())
    throw Error(ErrorCode::bad_input, "The segmentation (" + std::to_string(seg.width) + "x" + std::to_string(seg.height) +
                                          ") is not of this image (" + std::to_string(image.width()) + "x" + std::to_string(image.height()) + ").");
  Image out(image.width(), image.height());
  const std::uint8_t* front = image.data();
  const std::uint8_t* back = behind.ptr<std::uint8_t>(0);
  for (std::size_t i = 0; i < seg.confidence.size(); ++i) {
    const float a = std::clamp(seg.confidence[i], 0.f, 1.f);
    for (int k = 0; k < 3; ++k)
      out.data()[3 * i + k] = static_cast<std::uint8_t>(std::lround(a * front[3 * i + k] + (1 - a) * back[3 * i + k]));
  }
  return out;
}

}  // namespace

Image blur_background(const Image& image, const Segmentation& seg, int radius) {
  if (image.empty()) throw Error(ErrorCode::bad_input, "The image is empty (0x0).");
  radius = std::clamp(radius, 1, 200);
  cv::Mat blurred;
  cv::GaussianBlur(wrap(image), blurred, cv::Size(2 * radius + 1, 2 * radius + 1), 0);
  return blend(image, seg, blurred);
}

Image replace_background(const Image& image, const Segmentation& seg, const Image& background) {
  if (image.empty() || background.empty()) throw Error(ErrorCode::bad_input, "The image or the background is empty (0x0).");
  // Scaled to cover the image, centred, the rest cut off.
  const double scale = std::max(static_cast<double>(image.width()) / background.width(), static_cast<double>(image.height()) / background.height());
  const int w = std::max(image.width(), static_cast<int>(std::ceil(background.width() * scale)));
  const int h = std::max(image.height(), static_cast<int>(std::ceil(background.height() * scale)));
  cv::Mat scaled;
  cv::resize(wrap(background), scaled, cv::Size(w, h), 0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  const cv::Mat behind = scaled(cv::Rect((w - image.width()) / 2, (h - image.height()) / 2, image.width(), image.height())).clone();
  return blend(image, seg, behind);
}

}  // namespace easel
