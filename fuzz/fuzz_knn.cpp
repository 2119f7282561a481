// A saved KNN classifier (ml5's save format: JSON of classes and their examples).
#include "easel/knn_classifier.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = easel::fuzz::write("knn.json", easel::fuzz::as_text(data, size));
  easel::fuzz::expect_clean([&] { easel::KnnClassifier::load(file); });
  return 0;
}
