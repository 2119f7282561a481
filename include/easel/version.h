#pragma once

namespace easel {
// The library's version.
//
//   std::printf("easel %s\n", easel::version());   // easel 0.1.0
const char* version();
}  // namespace easel
