// Zip files from anywhere (a Teachable Machine export, a class's samples, a model archive),
// read with libarchive and unpacked only where they are meant to go: regular files under
// the destination, never an absolute path, a '..' or a link, within limits on how much and
// how many, so that a hostile zip can neither escape nor fill the disk.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace easel::detail {

struct ZipLimits {
  std::uint64_t max_total_bytes = std::uint64_t{8} << 30;  // unpacked, all files together
  std::uint64_t max_file_bytes = std::uint64_t{2} << 30;
  std::size_t max_files = 200000;
};

// Unpacks the regular files of `zip` (or only `members`, by their path in the zip, when not
// empty) into `dest`, keeping their folders; returns their paths in the zip, in zip order.
// Folders and hidden macOS metadata (__MACOSX/) are skipped. Throws Error(bad_input) naming
// the zip and the member for an unsafe path, a size past the limits or a damaged archive,
// and for a wanted member that is not there.
std::vector<std::string> unpack_zip(const std::filesystem::path& zip, const std::filesystem::path& dest,
                                    const std::vector<std::string>& members = {}, const ZipLimits& limits = {});

// Where unpack_zip puts a member, relative to its destination: its plain names (no '.',
// no empty part); empty for a member it refuses (absolute, '..', a drive letter).
std::filesystem::path zip_member_path(const std::string& name);

// Writes every regular file under `folder` into `zip` (deflated, paths relative to the
// folder, in name order), through a temporary file renamed into place. Throws
// Error(io_error) naming the zip.
// `keep`, when given, chooses the files by their path relative to the folder.
void write_zip(const std::filesystem::path& zip, const std::filesystem::path& folder,
               const std::function<bool(const std::filesystem::path&)>& keep = {});

// True when the file starts as a zip does ("PK\3\4", or "PK\5\6" for an empty one).
bool looks_like_zip(const std::filesystem::path& file);

}  // namespace easel::detail
