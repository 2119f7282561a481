// Cvae: the decoder of ml5's CVAE (a TF.js layers model: latent point and label vector in,
// a 28x28 sketch out) and the label manifest ml5 keeps beside it.
#include "easel/cvae.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/json_file.h"
#include "easel/error.h"
#include "easel/model.h"
#include "generative/generative_common.h"

namespace fs = std::filesystem;

namespace easel {

struct Cvae::Impl {
  Model model;
  std::vector<std::string> labels;
  int latent = 0, label_width = 0, width = 0, height = 0;
  detail::Mulberry32 random{1};

  std::vector<float> weights_for(const std::string& label) const {
    const auto it = std::find(labels.begin(), labels.end(), label);
    if (it == labels.end()) {
      std::string list;
      for (const auto& l : labels) list += (list.empty() ? "" : ", ") + l;
      throw Error(ErrorCode::bad_input, "The model cannot draw '" + label + "'.", "Its labels are: " + list + ".");
    }
    std::vector<float> w(labels.size(), 0.0f);
    w[static_cast<std::size_t>(it - labels.begin())] = 1.0f;
    return w;
  }

  std::vector<float> random_point() {
    std::vector<float> z(static_cast<std::size_t>(latent));
    for (float& v : z) v = static_cast<float>(random.next());  // uniform in [0, 1), as ml5's tf.randomUniform
    return z;
  }

  Image to_image(const std::vector<float>& pixels) const {
    Image out(width, height);
    std::uint8_t* o = out.data();
    for (std::size_t i = 0; i < pixels.size(); ++i) {
      // tf.browser.toPixels: Math.round(v * 255) on each of R, G and B.
      const double level = std::floor(static_cast<double>(pixels[i]) * 255.0 + 0.5);
      o[3 * i] = o[3 * i + 1] = o[3 * i + 2] = static_cast<std::uint8_t>(std::clamp(level, 0.0, 255.0));
    }
    return out;
  }
};

Cvae::Cvae(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Cvae::~Cvae() = default;
Cvae::Cvae(Cvae&&) noexcept = default;
Cvae& Cvae::operator=(Cvae&&) noexcept = default;

Cvae Cvae::create(const CvaeOptions& options) {
  const fs::path manifest = detail::locate_model_file(options.model);
  const nlohmann::json doc = detail::read_json_file(manifest);
  if (!doc.is_object() || !doc.contains("labels") || !doc["labels"].is_array() || doc["labels"].empty())
    throw Error(ErrorCode::bad_model, "'" + manifest.string() + "' has no list of labels; ml5's CVAE manifest is {\"model\": ..., \"labels\": [...]}.");
  std::vector<std::string> labels;
  for (const auto& l : doc["labels"]) {
    if (!l.is_string()) throw Error(ErrorCode::bad_model, "'" + manifest.string() + "': the label " + l.dump() + " is not text.");
    labels.push_back(l.get<std::string>());
  }
  Model model = Model::load(manifest.string(), {.threads = options.threads, .reference_kernels = options.reference_kernels});
  const auto inputs = model.inputs();
  if (inputs.size() != 2 || inputs[0].shape.size() != 2 || inputs[1].shape.size() != 2)
    throw Error(ErrorCode::bad_model, "'" + manifest.string() + "' is not a CVAE decoder: it should take a latent point and a label vector.");
  auto impl = std::make_unique<Impl>(Impl{std::move(model), std::move(labels)});
  impl->latent = static_cast<int>(inputs[0].shape[1]);
  impl->label_width = static_cast<int>(inputs[1].shape[1]);
  // ml5 makes the label vector one longer than the labels and sets index (label + 1).
  if (impl->latent < 1 || impl->label_width != static_cast<int>(impl->labels.size()) + 1)
    throw Error(ErrorCode::bad_model, "'" + manifest.string() + "' lists " + std::to_string(impl->labels.size()) + " labels, but its model takes " +
                                          std::to_string(inputs[1].shape[1]) + " label values (ml5 gives it one more than the labels).");
  impl->random = detail::Mulberry32(options.random_seed ? options.random_seed : detail::fresh_seed());
  std::vector<Tensor> probe{Tensor(DType::f32, {1, impl->latent}), Tensor(DType::f32, {1, impl->label_width})};
  for (Tensor& t : probe) std::fill(t.data<float>(), t.data<float>() + t.size(), 0.0f);
  const Tensor out = impl->model.run(probe).at(0);
  if (out.rank() != 4 || out.dim(0) != 1 || out.dim(3) != 1)
    throw Error(ErrorCode::bad_model, "'" + manifest.string() + "': the decoder gives " + to_string(out.shape()) + ", not one grey image [1,H,W,1].");
  impl->height = static_cast<int>(out.dim(1));
  impl->width = static_cast<int>(out.dim(2));
  return Cvae(std::move(impl));
}

std::vector<float> Cvae::decode(const std::vector<float>& latent, const std::vector<float>& label_weights) {
  if (static_cast<int>(latent.size()) != impl_->latent)
    throw Error(ErrorCode::bad_input, "The latent point has " + std::to_string(latent.size()) + " numbers; this model's has " +
                                          std::to_string(impl_->latent) + ".");
  if (label_weights.size() != impl_->labels.size())
    throw Error(ErrorCode::bad_input, "There are " + std::to_string(label_weights.size()) + " label weights; this model has " +
                                          std::to_string(impl_->labels.size()) + " labels.");
  Tensor z(DType::f32, {1, impl_->latent});
  std::copy(latent.begin(), latent.end(), z.data<float>());
  Tensor label(DType::f32, {1, impl_->label_width});
  float* l = label.data<float>();
  l[0] = 0;  // ml5 leaves the first value 0 (its vector is one longer than the labels)
  std::copy(label_weights.begin(), label_weights.end(), l + 1);
  const Tensor out = impl_->model.run({z, label}).at(0);
  return {out.data<float>(), out.data<float>() + out.size()};
}

Image Cvae::generate(const std::string& label, const std::vector<float>& latent) {
  return impl_->to_image(decode(latent, impl_->weights_for(label)));
}

Image Cvae::generate(const std::string& label) {
  const std::vector<float> weights = impl_->weights_for(label);
  return impl_->to_image(decode(impl_->random_point(), weights));
}

std::vector<Image> Cvae::walk(const std::string& from, const std::string& to, int steps) {
  if (steps < 2) throw Error(ErrorCode::bad_input, "A walk needs 2 steps or more, got " + std::to_string(steps) + ".");
  const std::vector<float> a = impl_->weights_for(from), b = impl_->weights_for(to);
  const std::vector<float> za = impl_->random_point(), zb = impl_->random_point();
  std::vector<Image> frames;
  for (int s = 0; s < steps; ++s) {
    const float t = static_cast<float>(s) / static_cast<float>(steps - 1);
    std::vector<float> z(za.size()), w(a.size());
    for (std::size_t i = 0; i < z.size(); ++i) z[i] = za[i] + t * (zb[i] - za[i]);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = a[i] + t * (b[i] - a[i]);
    frames.push_back(impl_->to_image(decode(z, w)));
  }
  return frames;
}

const std::vector<std::string>& Cvae::labels() const { return impl_->labels; }
int Cvae::latent_size() const { return impl_->latent; }
int Cvae::width() const { return impl_->width; }
int Cvae::height() const { return impl_->height; }

}  // namespace easel
