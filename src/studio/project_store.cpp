#include "studio/project_store.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <random>

#include "core/files.h"
#include "core/zip_archive.h"
#include "easel/audio.h"
#include "easel/error.h"
#include "easel/image.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace easel::studio {
namespace {

constexpr const char* kProjectFile = "project.json";
constexpr int kThumbnailSide = 96;
constexpr std::size_t kMaxNameLength = 100;

std::string random_hex(int digits) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < digits; ++i) s += hex[rng() & 15];
  return s;
}

// Sample ids sort by the time they were made: 13 hex digits of microseconds, 3 random.
std::string new_sample_id() {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  char buf[20];
  std::snprintf(buf, sizeof buf, "%013llx", static_cast<unsigned long long>(us));
  return std::string("s-") + buf + random_hex(3);
}

std::string now_iso() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A name a person gave (a project, a class): trimmed, not empty, not too long, no control
// characters. It is only ever data in project.json, never part of a path.
std::string checked_name(const std::string& raw, const char* what) {
  std::string name = raw;
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  name.erase(name.begin(), std::find_if(name.begin(), name.end(), not_space));
  name.erase(std::find_if(name.rbegin(), name.rend(), not_space).base(), name.end());
  if (name.empty()) throw StudioError(400, "bad_input", std::string("The ") + what + " needs a name.");
  if (name.size() > kMaxNameLength)
    throw StudioError(400, "bad_input", std::string("The ") + what + " name is longer than " + std::to_string(kMaxNameLength) + " characters.");
  if (std::any_of(name.begin(), name.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    throw StudioError(400, "bad_input", std::string("The ") + what + " name holds a control character.");
  return name;
}

// The format of a sample, from its first bytes (the name's extension only where the bytes
// do not say: a JSON pose).
std::string sniff_extension(const std::string& bytes, const std::string& file_name) {
  const auto starts = [&](std::string_view magic, std::size_t at = 0) { return bytes.size() >= at + magic.size() && bytes.compare(at, magic.size(), magic) == 0; };
  if (starts("\xff\xd8\xff")) return ".jpg";
  if (starts("\x89PNG")) return ".png";
  if (starts("BM")) return ".bmp";
  if (starts("RIFF") && starts("WEBP", 8)) return ".webp";
  if (starts("RIFF") && starts("WAVE", 8)) return ".wav";
  if (starts("fLaC")) return ".flac";
  if (starts("OggS")) return ".ogg";
  std::string ext = fs::path(file_name).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".json") return ext;
  return "";
}

bool is_image_ext(const std::string& e) { return e == ".jpg" || e == ".png" || e == ".bmp" || e == ".webp"; }
bool is_sound_ext(const std::string& e) { return e == ".wav" || e == ".flac" || e == ".ogg"; }

// Why easel cannot use this file as a sample of this kind; "" when it can. Decodes it the
// way training will.
std::string unusable(const fs::path& file, const std::string& ext, MediaKind kind) {
  try {
    if (kind == MediaKind::sound) {
      if (!is_sound_ext(ext)) return "a sound project takes recordings (WAV, FLAC, Ogg)";
      load_audio(file, 16000);
    } else if (ext == ".json" && kind == MediaKind::pose) {
      if (json::parse(detail::read_file(file)).is_discarded()) return "not JSON";
    } else {
      if (!is_image_ext(ext))
        return kind == MediaKind::pose ? "a pose project takes photos (JPEG, PNG, BMP, WebP) or poses as JSON"
                                       : "an image project takes photos (JPEG, PNG, BMP, WebP)";
      Image::load(file);
    }
  } catch (const Error& e) {
    return e.what();
  } catch (const json::exception& e) {
    return "not JSON: " + detail::json_problem(e);
  }
  return "";
}

void write_thumbnail(const fs::path& image, const fs::path& thumb) {
  const cv::Mat m = cv::imread(image.string(), cv::IMREAD_COLOR | cv::IMREAD_REDUCED_COLOR_2);
  if (m.empty()) return;
  const double scale = static_cast<double>(kThumbnailSide) / std::max(m.cols, m.rows);
  cv::Mat small;
  cv::resize(m, small, cv::Size(std::max(1, static_cast<int>(m.cols * scale)), std::max(1, static_cast<int>(m.rows * scale))), 0, 0,
             cv::INTER_AREA);
  std::vector<unsigned char> jpeg;
  cv::imencode(".jpg", small, jpeg, {cv::IMWRITE_JPEG_QUALITY, 80});
  fs::create_directories(thumb.parent_path());
  detail::write_file_atomic(thumb, std::string_view(reinterpret_cast<const char*>(jpeg.data()), jpeg.size()));
}

StudioError not_found(const std::string& what) { return StudioError(404, "not_found", "There is no " + what + "."); }

// A class folder's file of the sample `id` (samples are named by their ids), if there is one.
std::optional<fs::path> file_of_sample(const fs::path& dir, const std::string& id) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().stem() == id) return e.path();
  return std::nullopt;
}

// The class `cls` of the project (its id checked first).
std::vector<ClassInfo>::iterator find_class(ProjectInfo& info, const std::string& cls) {
  check_id(cls, 'c', "class");
  const auto it = std::find_if(info.classes.begin(), info.classes.end(), [&](const ClassInfo& c) { return c.id == cls; });
  if (it == info.classes.end()) throw not_found("class '" + cls + "' in project '" + info.id + "'");
  return it;
}

// A sound project's Background Noise class is neither renamed nor deleted.
void keep_background_noise(const ProjectInfo& info, const ClassInfo& c) {
  if (info.kind == MediaKind::sound && c.name == kBackgroundNoise)
    throw StudioError(409, "bad_input", "A sound project keeps its Background Noise class: every sound model needs to know the room's quiet.");
}

}  // namespace

const char* kind_name(MediaKind kind) {
  switch (kind) {
    case MediaKind::image: return "image";
    case MediaKind::sound: return "sound";
    case MediaKind::pose: return "pose";
  }
  return "image";
}

MediaKind parse_kind(const std::string& word) {
  if (word == "image") return MediaKind::image;
  if (word == "sound") return MediaKind::sound;
  if (word == "pose") return MediaKind::pose;
  throw StudioError(400, "bad_input", "A project is of kind image, sound or pose, not '" + word + "'.");
}

void check_id(const std::string& id, char prefix, const char* what) {
  const bool ok = id.size() >= 10 && id.size() <= 18 && id[0] == prefix && id[1] == '-' &&
                  std::all_of(id.begin() + 2, id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); });
  if (!ok) throw not_found(std::string(what) + " '" + id.substr(0, 40) + "'");
}

ProjectStore::ProjectStore(fs::path root) : root_(std::move(root)) {
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (!fs::is_directory(root_))
    throw Error(ErrorCode::io_error, "Cannot make the projects folder '" + root_.string() + "'" + (ec ? ": " + ec.message() : "") + ".");
}

fs::path ProjectStore::folder(const std::string& project) const {
  check_id(project, 'p', "project");
  const fs::path dir = root_ / project;
  if (!fs::exists(dir / kProjectFile)) throw not_found("project '" + project + "'");
  return dir;
}

ProjectInfo ProjectStore::read(const std::string& project, bool with_counts) const {
  const fs::path dir = folder(project);
  ProjectInfo info;
  try {
    const json j = json::parse(detail::read_file(dir / kProjectFile));
    info.id = project;
    info.name = j.value("name", project);
    info.kind = parse_kind(j.value("kind", "image"));
    info.created = j.value("created", "");
    for (const auto& c : j.value("classes", json::array())) {
      ClassInfo ci{c.value("id", ""), c.value("name", ""), c.value("enabled", true), 0};
      check_id(ci.id, 'c', "class");
      if (with_counts) {
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir / ci.id, ec))
          if (e.is_regular_file()) ++ci.samples;
      }
      info.classes.push_back(ci);
    }
  } catch (const json::exception& e) {
    throw StudioError(500, "bad_project", "The project file " + (dir / kProjectFile).string() + " is damaged: " + detail::json_problem(e),
                      "Restore it from a project zip, or delete the folder.");
  }
  return info;
}

void ProjectStore::write(const ProjectInfo& info) const {
  json classes = json::array();
  for (const auto& c : info.classes) classes.push_back({{"id", c.id}, {"name", c.name}, {"enabled", c.enabled}});
  const json j = {{"name", info.name}, {"kind", kind_name(info.kind)}, {"created", info.created}, {"classes", classes}, {"format", 1}};
  detail::write_file_atomic(root_ / info.id / kProjectFile, j.dump(2) + "\n");
}

std::vector<ProjectInfo> ProjectStore::list() const {
  std::lock_guard lock(mutex_);
  std::vector<ProjectInfo> out;
  for (const auto& e : fs::directory_iterator(root_)) {
    const std::string id = e.path().filename().string();
    try {
      check_id(id, 'p', "project");
      if (fs::exists(e.path() / kProjectFile)) out.push_back(read(id, true));
    } catch (const StudioError&) {
      // Not a project folder, or a damaged one: listed by nothing, left as it is.
    }
  }
  std::sort(out.begin(), out.end(), [](const ProjectInfo& a, const ProjectInfo& b) { return a.created != b.created ? a.created > b.created : a.id < b.id; });
  return out;
}

ProjectInfo ProjectStore::create(const std::string& name, MediaKind kind, const std::vector<std::string>& class_names) {
  std::lock_guard lock(mutex_);
  ProjectInfo info;
  info.name = checked_name(name, "project");
  info.kind = kind;
  info.created = now_iso();
  do info.id = "p-" + random_hex(8);
  while (fs::exists(root_ / info.id));
  fs::create_directories(root_ / info.id);
  // Teachable Machine's starting classes: two to fill in; a sound project's first is the
  // background noise every sound model needs.
  std::vector<std::string> names = class_names;
  if (names.empty())
    names = kind == MediaKind::sound ? std::vector<std::string>{kBackgroundNoise, "Class 2"} : std::vector<std::string>{"Class 1", "Class 2"};
  for (const auto& n : names) {
    ClassInfo c{"c-" + random_hex(8), checked_name(n, "class"), true, 0};
    fs::create_directories(root_ / info.id / c.id);
    info.classes.push_back(c);
  }
  write(info);
  return info;
}

ProjectInfo ProjectStore::get(const std::string& project) const {
  std::lock_guard lock(mutex_);
  return read(project, true);
}

ProjectInfo ProjectStore::rename(const std::string& project, const std::string& name) {
  std::lock_guard lock(mutex_);
  ProjectInfo info = read(project, true);
  info.name = checked_name(name, "project");
  write(info);
  return info;
}

void ProjectStore::remove(const std::string& project) {
  std::lock_guard lock(mutex_);
  const fs::path dir = folder(project);
  // project.json goes first: a removal cut short leaves no half project in the list.
  fs::remove(dir / kProjectFile);
  fs::remove_all(dir);
}

ProjectInfo ProjectStore::add_class(const std::string& project, const std::string& name) {
  std::lock_guard lock(mutex_);
  ProjectInfo info = read(project, true);
  ClassInfo c{"c-" + random_hex(8), checked_name(name, "class"), true, 0};
  for (const auto& other : info.classes)
    if (other.name == c.name) throw StudioError(409, "bad_input", "There is a class named '" + c.name + "' already.");
  fs::create_directories(root_ / project / c.id);
  info.classes.push_back(c);
  write(info);
  return info;
}

ProjectInfo ProjectStore::update_class(const std::string& project, const std::string& cls, const std::optional<std::string>& name,
                                       const std::optional<bool>& enabled) {
  std::lock_guard lock(mutex_);
  ProjectInfo info = read(project, true);
  const auto it = find_class(info, cls);
  if (name && *name != kBackgroundNoise) keep_background_noise(info, *it);
  if (name) {
    const std::string n = checked_name(*name, "class");
    for (const auto& other : info.classes)
      if (other.id != cls && other.name == n) throw StudioError(409, "bad_input", "There is a class named '" + n + "' already.");
    it->name = n;
  }
  if (enabled) it->enabled = *enabled;
  write(info);
  return info;
}

ProjectInfo ProjectStore::remove_class(const std::string& project, const std::string& cls) {
  std::lock_guard lock(mutex_);
  ProjectInfo info = read(project, true);
  const auto it = find_class(info, cls);
  keep_background_noise(info, *it);
  info.classes.erase(it);
  write(info);  // the class leaves the project first, then its samples go
  fs::remove_all(root_ / project / cls);
  fs::remove_all(root_ / project / ".thumbs" / cls);
  return info;
}

fs::path ProjectStore::class_folder(ProjectInfo info, const std::string& cls) const {
  find_class(info, cls);
  return root_ / info.id / cls;
}

SampleInfo ProjectStore::add_sample(const std::string& project, const std::string& cls, const std::string& bytes, const std::string& file_name,
                                    const std::string& keep_id) {
  ProjectInfo info;
  fs::path dir;
  {
    std::lock_guard lock(mutex_);
    info = read(project);
    dir = class_folder(info, cls);
  }
  if (bytes.empty()) throw StudioError(400, "bad_input", "The sample is empty.");
  if (bytes.size() > kMaxUploadBytes) throw StudioError(413, "too_large", "The sample is larger than the studio's upload limit.");
  const std::string ext = sniff_extension(bytes, file_name);
  // Decoded beside where it will live, under a name no listing shows, then renamed into place.
  const detail::TempDir incoming = scratch("sample-");
  SampleInfo s{new_sample_id(), "", bytes.size()};
  if (!keep_id.empty()) {
    try {
      check_id(keep_id, 's', "sample");
      if (!file_of_sample(dir, keep_id)) s.id = keep_id;
    } catch (const StudioError&) {
      // not an id of ours: the sample gets a new one
    }
  }
  const fs::path tmp = incoming.path() / (s.id + (ext.empty() ? ".bin" : ext));
  detail::write_file_atomic(tmp, bytes);
  const std::string why = unusable(tmp, ext, info.kind);
  if (!why.empty())
    throw StudioError(415, "unsupported_media", "'" + (file_name.empty() ? std::string("the sample") : file_name) + "' cannot be a sample of this " +
                                                    kind_name(info.kind) + " project: " + why + ".");
  s.file = s.id + ext;
  if (is_image_ext(ext)) write_thumbnail(tmp, root_ / project / ".thumbs" / cls / (s.id + ".jpg"));
  std::lock_guard lock(mutex_);
  if (!fs::is_directory(dir)) throw not_found("class '" + cls + "' in project '" + project + "'");  // deleted meanwhile
  detail::move_file_atomic(tmp, dir / s.file);
  return s;
}

std::vector<SampleInfo> ProjectStore::add_zip(const std::string& project, const std::string& cls, const std::string& bytes,
                                              std::vector<std::string>& skipped) {
  {
    std::lock_guard lock(mutex_);
    class_folder(read(project), cls);
  }
  const detail::TempDir tmp = scratch("zip-");
  const fs::path zip = tmp.path() / "upload.zip";
  detail::write_file_atomic(zip, bytes);
  if (!detail::looks_like_zip(zip)) throw StudioError(415, "unsupported_media", "The upload is not a zip file.");
  detail::ZipLimits limits;
  limits.max_total_bytes = 4 * kMaxUploadBytes;
  limits.max_file_bytes = kMaxUploadBytes;
  limits.max_files = 20000;
  std::vector<std::string> members;
  try {
    members = detail::unpack_zip(zip, tmp.path() / "files", {}, limits);
  } catch (const Error& e) {
    throw StudioError(400, "bad_input", e.what());
  }
  std::sort(members.begin(), members.end());
  std::vector<SampleInfo> added;
  for (const auto& m : members) {
    const fs::path file = tmp.path() / "files" / detail::zip_member_path(m);
    try {
      added.push_back(add_sample(project, cls, detail::read_file(file), file.filename().string()));
    } catch (const StudioError& e) {
      if (e.status != 415) throw;
      skipped.push_back(m + ": " + e.what());
    }
  }
  return added;
}

std::vector<SampleInfo> ProjectStore::samples(const std::string& project, const std::string& cls, std::size_t offset, std::size_t limit,
                                              std::size_t* total) const {
  fs::path dir;
  {
    std::lock_guard lock(mutex_);
    dir = class_folder(read(project), cls);
  }
  std::vector<SampleInfo> all;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    const std::string file = e.path().filename().string();
    all.push_back({e.path().stem().string(), file, static_cast<std::uint64_t>(e.file_size(ec))});
  }
  std::sort(all.begin(), all.end(), [](const SampleInfo& a, const SampleInfo& b) { return a.id < b.id; });
  if (total) *total = all.size();
  if (offset >= all.size()) return {};
  const auto first = all.begin() + static_cast<std::ptrdiff_t>(offset);
  return {first, first + static_cast<std::ptrdiff_t>(std::min(limit, all.size() - offset))};
}

fs::path ProjectStore::sample_file(const std::string& project, const std::string& cls, const std::string& sample) const {
  check_id(sample, 's', "sample");
  std::lock_guard lock(mutex_);
  if (auto file = file_of_sample(class_folder(read(project), cls), sample)) return *file;
  throw not_found("sample '" + sample + "'");
}

std::optional<fs::path> ProjectStore::thumbnail(const std::string& project, const std::string& cls, const std::string& sample) const {
  const fs::path file = sample_file(project, cls, sample);
  const fs::path thumb = root_ / project / ".thumbs" / cls / (sample + ".jpg");
  if (fs::exists(thumb)) return thumb;
  if (!is_image_ext(file.extension().string())) return std::nullopt;
  write_thumbnail(file, thumb);  // a sample imported without one
  return fs::exists(thumb) ? std::optional<fs::path>(thumb) : std::nullopt;
}

void ProjectStore::remove_sample(const std::string& project, const std::string& cls, const std::string& sample) {
  const fs::path file = sample_file(project, cls, sample);
  std::lock_guard lock(mutex_);
  fs::remove(file);
  fs::remove(root_ / project / ".thumbs" / cls / (sample + ".jpg"));
}

detail::TempDir ProjectStore::scratch(std::string_view prefix) const {
  fs::create_directories(root_ / ".incoming");
  return detail::TempDir(root_ / ".incoming", prefix);
}

Dataset ProjectStore::dataset(const std::string& project) const {
  std::lock_guard lock(mutex_);
  const ProjectInfo info = read(project);
  std::vector<std::pair<std::string, fs::path>> classes;
  for (const auto& c : info.classes)
    if (c.enabled) classes.emplace_back(c.name, root_ / project / c.id);
  return Dataset::from_folders(classes, info.kind);
}

}  // namespace easel::studio
