// A dataset for training: examples sorted into classes, one folder per class, as Teachable
// Machine's classes and ml5's addData() hold them. Files easel cannot use are listed with
// the reason, never silently dropped.
//
//   auto data = easel::Dataset::from_folders({{"cat", "photos/cats"}, {"dog", "photos/dogs"}});
//   std::printf("%zu examples in %zu classes\n", data.files.size(), data.labels.size());
//   for (const auto& s : data.skipped) std::printf("skipped %s: %s\n", s.file.c_str(), s.reason.c_str());
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace easel {

// What a dataset's files are: pictures, recordings, or poses (pictures of people, or poses
// saved as JSON by `easel pose --json` or ml5's bodyPose).
enum class MediaKind { image, sound, pose };

struct LabelledFile {
  std::filesystem::path file;
  int label = 0;  // index into Dataset::labels
};

struct SkippedFile {
  std::filesystem::path file;
  std::string reason;  // "not an image (.txt)", "cannot be decoded", ...
};

struct Dataset {
  MediaKind kind = MediaKind::image;
  std::vector<std::string> labels;  // class names, in the order given
  std::vector<LabelledFile> files;  // sorted by class, then by path
  std::vector<SkippedFile> skipped;

  // One class per (label, folder): the folder's files of `kind`, its sub-folders included,
  // in path order. Other files are listed in `skipped`. A zip file serves as a folder (it
  // is unpacked once, safely, into ~/.cache/easel/datasets, or $EASEL_DATASET_CACHE).
  // Throws Error(bad_input) for a missing folder, a damaged or unsafe zip, a label given
  // twice or an empty label; a class with no usable file is kept (the trainer says which
  // class is empty).
  static Dataset from_folders(const std::vector<std::pair<std::string, std::filesystem::path>>& classes,
                              MediaKind kind = MediaKind::image);
  // Every sub-folder of a folder or zip is a class, named after it, in name order (a zip
  // holding one folder of classes is read inside it).
  static Dataset from_folder_of_classes(const std::filesystem::path& folder_or_zip, MediaKind kind = MediaKind::image);
  // Examples per class, in labels' order.
  std::vector<int> counts() const;
};

}  // namespace easel
