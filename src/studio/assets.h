// The studio page's files (web/studio/), compiled into the library by
// cmake/embed_files.cmake: the server looks a request's path up in this table and never on
// disk.
#pragma once

#include <cstddef>

namespace easel::studio {

struct Asset {
  const char* path;  // "/index.html"
  const char* mime;
  const unsigned char* data;
  std::size_t size;
};

extern const Asset kAssets[];
extern const std::size_t kAssetCount;

}  // namespace easel::studio
