// Sample photos, videos and speech for examples and tests. The setup script extracts
// them from Debian packages into data/media; ../shared/media is searched too.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

namespace easel {

// EASEL_MEDIA_PATH (':'-separated) if set, else <source>/data/media and <source>/../shared/media.
std::vector<std::filesystem::path> sample_media_dirs();

// The path of a sample by file name ("dog.jpg"), looked up in each media folder and
// its subfolders. Throws Error(bad_input) if it is nowhere.
std::filesystem::path find_sample(std::string_view file_name);

}  // namespace easel
