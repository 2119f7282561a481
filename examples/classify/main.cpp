// classify PHOTO: what is in a photo, as "lemon 0.97" lines.
#include <easel/easel.h>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) return std::fprintf(stderr, "usage: %s PHOTO\n", argv[0]), 2;
  try {
    auto classifier = easel::ImageClassifier::create();  // MobileNet, 1000 ImageNet classes
    for (const auto& c : classifier.classify(easel::Image::load(argv[1]))) std::printf("%s %.2f\n", c.label.c_str(), c.confidence);
  } catch (const easel::Error& e) {
    return std::fprintf(stderr, "%s\n", e.what()), 1;
  }
}
