// A Teachable Machine image export, as the training API imports it to train further and as
// ImageClassifier reads its labels: model.json NUL metadata.json NUL weights.bin.
#include "easel/training.h"
#include "fuzz_util.h"
#include "models/recipe.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace f = easel::fuzz;
  const auto parts = f::split_files(data, size, 3);
  f::write("model.json", parts[0]);
  f::write("metadata.json", parts[1]);
  f::write("weights.bin", parts[2]);
  f::expect_clean([&] { easel::detail::teachable_machine_recipe(f::scratch()); });
  f::expect_clean([&] { easel::TrainedClassifier::import_teachable_machine(f::scratch()); });
  return 0;
}
