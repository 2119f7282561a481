// Cvae: QuickDraw-style sketches of a chosen thing, drawn by a conditional variational
// autoencoder's decoder, as ml5's CVAE (its QuickDraw model knows 50 labels: "airplane",
// "apple", "lion", "moon", "owl", ...; labels() lists them).
//
//   auto cvae = easel::Cvae::create();
//   cvae.generate("lion").save("lion.png");                  // a new lion each call
//   auto frames = cvae.walk("apple", "moon", 8);             // apple turning into moon
//
// A sketch comes from a random point of the model's latent space (16 numbers in 0..1, as
// ml5 draws them) and the label; the same point and label give the same sketch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "easel/image.h"

namespace easel {

struct CvaeOptions {
  std::string model = "cvae-quickdraw";  // a store name, a folder or ml5's manifest.json
  std::uint32_t random_seed = 0;         // 0: different sketches every run
  int threads = 1;
  bool reference_kernels = false;
};

class Cvae {
 public:
  static Cvae create(const CvaeOptions& options = {});
  ~Cvae();
  Cvae(Cvae&&) noexcept;
  Cvae& operator=(Cvae&&) noexcept;

  // A sketch (28x28 for the QuickDraw model, grey on RGB) of `label` at a random point.
  // Throws Error(bad_input) naming the labels there are for an unknown one.
  Image generate(const std::string& label);
  // At a given point of the latent space (latent_size() numbers).
  Image generate(const std::string& label, const std::vector<float>& latent);
  // `steps` sketches (2 or more) on the straight line from a random point with label `from`
  // to another with label `to`, the label blended along with it.
  std::vector<Image> walk(const std::string& from, const std::string& to, int steps);
  // The decoder's output for a latent point and a label weight vector (labels().size()
  // values), 0..1 per pixel: what generate() turns into an image.
  std::vector<float> decode(const std::vector<float>& latent, const std::vector<float>& label_weights);

  const std::vector<std::string>& labels() const;
  int latent_size() const;
  int width() const;
  int height() const;

 private:
  struct Impl;
  explicit Cvae(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel
