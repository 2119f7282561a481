// The studio's projects on disk, as Teachable Machine's are in the browser: a project is a
// folder holding project.json (its name, kind and classes) and one folder of samples per
// class. Every write is atomic (a temp file renamed into place), so a crash or a full disk
// leaves the last good version; a restarted server finds the same projects.
//
//   PROJECTS/
//     p-3f9a1c2b/
//       project.json                 {"name", "kind", "classes": [{"id", "name", "enabled"}], ...}
//       c-81d0e4aa/                  one class's samples, named by their ids
//         s-6b2f0c91d3e4.jpg
//         .thumbs/s-6b2f0c91d3e4.jpg (images; 96 px on the long side)
//
// Ids are made here, of letters and digits after a prefix; a request's id that is not of
// that form is refused before it reaches the file system, so no id can name a path outside
// the project folder.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/files.h"
#include "easel/dataset.h"

namespace easel::studio {

// A request the studio refuses: its HTTP status and the JSON body's code, message and hint.
struct StudioError : std::runtime_error {
  StudioError(int status_code, std::string error_code, const std::string& message, std::string hint_text = {})
      : std::runtime_error(message), status(status_code), code(std::move(error_code)), hint(std::move(hint_text)) {}
  int status;
  std::string code;
  std::string hint;
};

// A sound project's class of the room's own sounds, as Teachable Machine's: it cannot be
// renamed or deleted, and training needs samples in it.
constexpr const char* kBackgroundNoise = "Background Noise";

struct ClassInfo {
  std::string id, name;
  bool enabled = true;
  int samples = 0;
};

struct ProjectInfo {
  std::string id, name;
  MediaKind kind = MediaKind::image;
  std::string created;  // ISO 8601, UTC
  std::vector<ClassInfo> classes;
};

struct SampleInfo {
  std::string id;
  std::string file;  // its file name in the class folder
  std::uint64_t bytes = 0;
};

// "image", "sound", "pose"; parse_kind throws StudioError(400) for another word.
const char* kind_name(MediaKind kind);
MediaKind parse_kind(const std::string& word);

class ProjectStore {
 public:
  // Opens (and creates) the projects folder.
  explicit ProjectStore(std::filesystem::path root);

  std::vector<ProjectInfo> list() const;
  // A sound project starts with Teachable Machine's "Background Noise" class; `classes`, when
  // given, are the classes instead (an imported project or model).
  ProjectInfo create(const std::string& name, MediaKind kind, const std::vector<std::string>& classes = {});
  ProjectInfo get(const std::string& project) const;
  ProjectInfo rename(const std::string& project, const std::string& name);
  void remove(const std::string& project);

  ProjectInfo add_class(const std::string& project, const std::string& name);
  ProjectInfo update_class(const std::string& project, const std::string& cls, const std::optional<std::string>& name,
                           const std::optional<bool>& enabled);
  ProjectInfo remove_class(const std::string& project, const std::string& cls);

  // Stores a sample given as the bytes of a file (a photo for image and pose projects, a
  // recording for sound ones; `file_name` only says its format). Refused with 415 when it is
  // not one easel can read, so a class never holds a sample training would skip.
  // `keep_id`: an imported sample keeps its id when it is one and is free (so an imported
  // report's references to samples still hold).
  SampleInfo add_sample(const std::string& project, const std::string& cls, const std::string& bytes, const std::string& file_name,
                        const std::string& keep_id = {});
  // Every file of a zip (class folders ignored: all go to this class) that is a usable sample;
  // returns the samples added and, in `skipped`, the members that were not.
  std::vector<SampleInfo> add_zip(const std::string& project, const std::string& cls, const std::string& bytes,
                                  std::vector<std::string>& skipped);
  // One page of a class's samples, oldest first, and the count in all.
  std::vector<SampleInfo> samples(const std::string& project, const std::string& cls, std::size_t offset, std::size_t limit,
                                  std::size_t* total = nullptr) const;
  std::filesystem::path sample_file(const std::string& project, const std::string& cls, const std::string& sample) const;
  // A small JPEG of an image sample; nullopt for a sound.
  std::optional<std::filesystem::path> thumbnail(const std::string& project, const std::string& cls, const std::string& sample) const;
  void remove_sample(const std::string& project, const std::string& cls, const std::string& sample);

  // The project's enabled classes as a dataset, for training.
  Dataset dataset(const std::string& project) const;
  const std::filesystem::path& root() const { return root_; }
  // A folder for an upload, import or export in progress, removed when it dies. It lies in
  // PROJECTS/.incoming: on the projects' file system (a sample moves into its class by a
  // rename) and in no project (a project's export never holds it).
  detail::TempDir scratch(std::string_view prefix) const;
  std::filesystem::path folder(const std::string& project) const;  // checked id

 private:
  // project.json; each class's sample count only `with_counts` (a walk of its folder, which
  // a sample's upload or lookup does not need).
  ProjectInfo read(const std::string& project, bool with_counts = false) const;
  void write(const ProjectInfo& info) const;
  std::filesystem::path class_folder(ProjectInfo info, const std::string& cls) const;

  std::filesystem::path root_;
  mutable std::mutex mutex_;  // one writer at a time; project.json is read whole
};

// Checks an id from a request: the prefix and 8 to 16 lowercase letters or digits.
// Throws StudioError(404) otherwise (an id of another form names nothing).
void check_id(const std::string& id, char prefix, const char* what);

// The largest upload the studio takes in one request (a sample, a zip of samples, a project):
// 256 MB. A named limit with a reason: it bounds what one request can make the server hold.
constexpr std::uint64_t kMaxUploadBytes = std::uint64_t{256} << 20;

}  // namespace easel::studio
