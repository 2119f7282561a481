// A model manifest (EASEL_MANIFESTS, ModelStoreOptions::extra_manifests): models, their
// sources, sha256s and task recipes.
#include "fuzz_util.h"
#include "models/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  easel::fuzz::expect_clean([&] { easel::detail::parse_manifest(easel::fuzz::as_text(data, size), "fuzz.json"); });
  return 0;
}
