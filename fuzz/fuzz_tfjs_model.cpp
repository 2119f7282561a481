// A TF.js model: graph models ("format": "graph-model") and layers models (Keras topology:
// ml5 and Teachable Machine saves), their weightsManifest and their shard. The seeds hold
// both kinds.
#include "fuzz_tfjs.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  easel::fuzz::load_plan_and_run(easel::fuzz::write_tfjs_model(data, size));
  return 0;
}
