// ml5's NeuralNetwork files: a save (model.json NUL model_meta.json NUL model.weights.bin)
// opened by NeuralNetwork::load, and, from the same input's metadata part, a data file
// (CSV or ml5's saveData JSON) read by load_data with the columns x, y -> label.
#include "easel/neural_network.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace f = easel::fuzz;
  const auto parts = f::split_files(data, size, 3);
  const auto model = f::write("model.json", parts[0]);
  f::write("model_meta.json", parts[1]);
  f::write("model.weights.bin", parts[2]);
  f::expect_clean([&] { easel::NeuralNetwork::load(model); });
  const auto csv = f::write("data.csv", parts[1]);
  const auto json = f::write("data.json", parts[1]);
  for (const auto& file : {csv, json}) {
    f::expect_clean([&] {
      easel::NeuralNetwork nn;
      nn.load_data(file, {"x", "y"}, {"label"});
      nn.normalize_data();
    });
  }
  return 0;
}
