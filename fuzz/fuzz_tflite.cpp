// A .tflite flatbuffer: verified, imported (quantized ones too), planned and run.
#include "fuzz_model_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = easel::fuzz::write("model.tflite", easel::fuzz::as_text(data, size));
  easel::fuzz::load_plan_and_run(file.string());
  return 0;
}
