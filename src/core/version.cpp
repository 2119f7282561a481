#include "easel/version.h"

namespace easel {
const char* version() { return EASEL_VERSION; }
}  // namespace easel
