// The studio's import (POST /api/import): a project zip, a Teachable Machine zip or a
// MODEL.easel, from anyone's browser. It may refuse with a StudioError below 500 or an
// easel::Error; nothing may land outside the scratch projects folder, and a refused import
// leaves no project behind.
#include <filesystem>

#include "fuzz_util.h"
#include "studio/project_archive.h"
#include "studio/project_store.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace f = easel::fuzz;
  namespace fs = std::filesystem;
  static easel::studio::ProjectStore store(f::scratch() / "projects");
  const std::string bytes(f::as_text(data, size));
  bool imported = false;
  f::expect_clean([&] {
    try {
      std::vector<std::string> skipped;
      const auto info = easel::studio::import_upload(store, bytes, "upload.zip", skipped);
      imported = true;
      store.remove(info.id);
    } catch (const easel::studio::StudioError& e) {
      if (e.status >= 500 || std::string_view(e.what()).empty()) {
        std::fprintf(stderr, "studio error %d (%s): '%s'\n", e.status, e.code.c_str(), e.what());
        std::abort();
      }
    }
  });
  // Every project made was removed again; nothing else is there but the uploads folder.
  for (const auto& entry : fs::directory_iterator(store.root()))
    if (entry.path().filename() != ".incoming") {
      std::fprintf(stderr, "the import left %s behind (imported: %d)\n", entry.path().c_str(), imported);
      std::abort();
    }
  for (const auto& entry : fs::directory_iterator(f::scratch()))
    if (entry.path().filename() != "projects") {
      std::fprintf(stderr, "the import wrote %s outside the projects folder\n", entry.path().c_str());
      std::abort();
    }
  return 0;
}
