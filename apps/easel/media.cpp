#include "media.h"

#include <glob.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>

#include "commands.h"
#include "easel/error.h"
#include "easel/video.h"
#include "terminal.h"

namespace fs = std::filesystem;

namespace easel::cli {
namespace {

std::string lower_extension(const std::string& file) {
  std::string ext = fs::path(file).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

bool is_pattern(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

// A folder's images and videos, subfolders included, hidden files left out, sorted.
std::vector<std::string> media_in_folder(const fs::path& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) throw Error(ErrorCode::bad_input, "Cannot read the folder '" + dir.string() + "' (" + ec.message() + ").");
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    const std::string file = it->path().string();
    if (it->is_regular_file(ec) && (is_image(file) || is_video(file))) files.push_back(file);
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> glob_matches(const std::string& pattern) {
  std::vector<std::string> files;
  glob_t g{};
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0)
    for (std::size_t i = 0; i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);
  ::globfree(&g);
  return files;
}

// Where the annotated copy of `input` goes when --out names a folder for several inputs.
std::string annotated_name(const fs::path& folder, const std::string& input, std::set<std::string>& used) {
  std::string ext = lower_extension(input);
  if (is_video(input)) ext = ext == ".avi" ? ".avi" : ".mp4";
  else if (ext != ".jpg" && ext != ".jpeg" && ext != ".png" && ext != ".bmp") ext = ".png";
  const std::string stem = fs::path(input).stem().string();
  std::string name = stem + ext;
  for (int n = 2; used.count(name); ++n) name = stem + "-" + std::to_string(n) + ext;
  used.insert(name);
  return (folder / name).string();
}

std::string joined(const std::vector<std::string>& parts, const char* separator) {
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : separator) + p;
  return s;
}

// One video or camera: a line or JSON object per frame; with `out`, the annotated video.
// `name` (set when there are several inputs) starts each line and JSON object.
void run_on_video(VideoReader video, const std::string& name, const std::string& out, const MediaArgs& args, const MediaTask& task,
                  ProgressBar& progress) {
  std::unique_ptr<VideoWriter> writer;
  Image frame;
  if (task.new_video) task.new_video();
  while (video.read(frame)) {
    if (args.max_frames > 0 && video.frame_index() >= args.max_frames) break;
    if (args.flip) frame = frame.mirrored();
    nlohmann::ordered_json line;
    if (!name.empty()) line["video"] = name;
    line["frame"] = video.frame_index();
    line["timestamp_ms"] = video.timestamp_ms();
    line.update(task.analyse(frame, !out.empty(), true));
    if (args.json) {
      progress.print(line.dump() + "\n");
    } else {
      const auto found = task.describe(line);
      progress.print((name.empty() ? "" : name + " ") + "[" + std::to_string(static_cast<long long>(video.timestamp_ms())) + " ms] " +
                     (found.empty() ? "nothing" : joined(found, "; ")) + "\n");
    }
    if (!out.empty()) {
      if (!writer) writer = std::make_unique<VideoWriter>(VideoWriter::create(out, frame.width(), frame.height(), video.fps()));
      writer->write(frame);
    }
  }
  if (writer) writer->close();
}

}  // namespace

void add_media_options(CLI::App* cmd, MediaArgs& args, const std::string& what_out_shows) {
  cmd->add_option("INPUT", args.inputs, "Images, videos or folders of them (several give a line each)");
  cmd->add_option("--camera", args.camera, "Read from camera N instead of files");
  cmd->add_option("--out,-o", args.out,
                  "Write the image or video with " + what_out_shows + " (.png, .jpg, .mp4, .avi); with several inputs, a folder for them");
  cmd->add_flag("--json", args.json, "One JSON object per image or video frame");
  cmd->add_option("--max-frames", args.max_frames, "Stop a video after this many frames");
  cmd->add_flag("--flip", args.flip, "Mirror each picture left to right first, as a selfie camera shows you (ml5's flipped)");
}

bool is_video(const std::string& file) {
  const std::string ext = lower_extension(file);
  return ext == ".avi" || ext == ".mp4" || ext == ".mkv" || ext == ".mov" || ext == ".webm" || ext == ".m4v" || ext == ".mpg";
}

bool is_image(const std::string& file) {
  const std::string ext = lower_extension(file);
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp" || ext == ".webp" || ext == ".tif" || ext == ".tiff" ||
         ext == ".pnm" || ext == ".pgm" || ext == ".ppm" || ext == ".pbm";
}

std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const std::string& input : inputs) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
      auto found = media_in_folder(input);
      if (found.empty())
        throw Error(ErrorCode::bad_input, "The folder '" + input + "' holds no images or videos.",
                    "easel reads jpg, png, bmp, webp, tiff and pnm images, and avi, mp4, mkv, mov and webm videos.");
      files.insert(files.end(), found.begin(), found.end());
    } else if (!fs::exists(input, ec) && is_pattern(input)) {
      auto found = glob_matches(input);
      if (found.empty()) throw Error(ErrorCode::bad_input, "No file matches '" + input + "'.");
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(input);  // a missing file is reported by the loader, by name
    }
  }
  return files;
}

void run_on_media(const MediaArgs& args, const MediaTask& task) {
  if (args.camera >= 0) {
    ProgressBar none(0);
    return run_on_video(VideoReader::camera(args.camera), "", args.out, args, task, none);
  }
  if (args.inputs.empty()) throw UsageError("Give image or video files (or folders), or --camera N.");
  const std::vector<std::string> files = expand_inputs(args.inputs);
  const bool several = files.size() > 1 || args.inputs.size() > 1 || fs::is_directory(args.inputs[0]);
  if (several && !args.out.empty()) fs::create_directories(args.out);
  std::set<std::string> used_names;
  ProgressBar progress(static_cast<int>(files.size()));
  int failed = 0, done = 0;
  for (const std::string& file : files) {
    progress.update(done++, file);
    const std::string out = args.out.empty() ? "" : several ? annotated_name(args.out, file, used_names) : args.out;
    try {
      if (is_video(file)) {
        run_on_video(VideoReader::open(file), several ? file : "", out, args, task, progress);
        continue;
      }
      Image image = args.flip ? Image::load(file).mirrored() : Image::load(file);
      nlohmann::ordered_json result = {{"image", file}};
      result.update(task.analyse(image, !out.empty(), false));
      if (!out.empty()) image.save(out);
      const auto found = task.describe(result);
      if (args.json) {
        progress.print(result.dump() + "\n");
      } else if (several) {
        progress.print(file + ": " + (found.empty() ? "nothing" : joined(found, "; ")) + "\n");
      } else {
        progress.print(found.empty() ? "nothing found\n" : joined(found, "\n") + "\n");
      }
    } catch (const Error& e) {
      if (!several || e.code() != ErrorCode::bad_input) throw;
      ++failed;
      progress.note("easel: " + std::string(e.what()) + "\n");
    }
  }
  progress.update(done, "");
  if (failed > 0)
    throw Error(ErrorCode::bad_input,
                std::to_string(failed) + " of " + std::to_string(files.size()) + " inputs could not be read (named above).");
}

}  // namespace easel::cli
