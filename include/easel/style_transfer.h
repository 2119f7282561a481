// StyleTransfer: a photo, a video frame or a camera repainted in the style of a painting,
// as ml5's styleTransfer (fast style transfer: Engstrom's network, the nine styles ml5
// ships: la_muse, mathura, matilde_perez, matta, rain_princess, scream, udnie, wave, wreck).
//
//   auto painter = easel::StyleTransfer::create({.style = "wave"});
//   painter.transfer(easel::Image::load("photo.jpg")).save("photo-wave.png");
//
// Any image size works; time grows with the pixels, so `max_size` paints a smaller copy
// (its longer side) and scales the result back, for a live camera.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "easel/image.h"

namespace easel {

struct StyleTransferOptions {
  std::string style = "wave";
  // A model store name, a folder of styles (one subfolder with a manifest.json each) or one
  // style's folder or manifest.json (then `style` is not used): ml5's checkpoint layout.
  std::string model = "style-transfer";
  int max_size = 0;  // 0: paint at the image's own size
  int threads = 0;   // 0: easel chooses
  bool reference_kernels = false;
};

class StyleTransfer {
 public:
  // Throws Error(bad_input) naming the styles there are for an unknown style.
  static StyleTransfer create(const StyleTransferOptions& options = {});
  ~StyleTransfer();
  StyleTransfer(StyleTransfer&&) noexcept;
  StyleTransfer& operator=(StyleTransfer&&) noexcept;

  // The image in the style, the same size. Pixels are ml5's: its network's 0..255 output
  // divided by 255, then floor(256 * v), capped at 255.
  Image transfer(const Image& image);
  const std::string& style() const;

  // The styles a model (store name or folder) holds, sorted.
  static std::vector<std::string> styles(const std::string& model = "style-transfer");

 private:
  struct Impl;
  explicit StyleTransfer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel
