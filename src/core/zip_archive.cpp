#include "core/zip_archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <set>

#include "core/files.h"
#include "easel/error.h"

namespace fs = std::filesystem;

namespace easel::detail {
namespace {

struct ReaderCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

// libarchive's words for what went wrong (it may have none: a null pointer).
std::string reason(archive* a) {
  const char* why = archive_error_string(a);
  return why ? why : "no reason given";
}

}  // namespace

fs::path zip_member_path(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.front() == '\\' || name.find(':') != std::string::npos) return {};
  fs::path out;
  std::string part;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '/' || name[i] == '\\') {
      if (part == "..") return {};
      if (!part.empty() && part != ".") out /= part;
      part.clear();
    } else {
      part += name[i];
    }
  }
  return out;
}

bool looks_like_zip(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[4] = {};
  if (!in.read(magic, 4)) return false;
  return magic[0] == 'P' && magic[1] == 'K' && ((magic[2] == 3 && magic[3] == 4) || (magic[2] == 5 && magic[3] == 6));
}

std::vector<std::string> unpack_zip(const fs::path& zip, const fs::path& dest, const std::vector<std::string>& members,
                                    const ZipLimits& limits) {
  const auto bad = [&](const std::string& why) {
    return Error(ErrorCode::bad_input, "The zip file '" + zip.string() + "' " + why + ".");
  };
  std::unique_ptr<archive, ReaderCloser> a(archive_read_new());
  if (!a) throw Error(ErrorCode::internal, "libarchive could not start.");
  archive_read_support_format_zip(a.get());
  if (archive_read_open_filename(a.get(), zip.c_str(), 1 << 16) != ARCHIVE_OK)
    throw bad(std::string("cannot be read as a zip: ") + reason(a.get()));
  const std::set<std::string> wanted(members.begin(), members.end());
  std::set<std::string> found;
  std::vector<std::string> written;
  std::uint64_t total = 0;
  std::size_t files = 0;
  std::vector<char> buffer(1 << 16);
  for (;;) {
    archive_entry* entry = nullptr;
    const int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) throw bad(std::string("is damaged: ") + reason(a.get()));
    const char* raw_name = archive_entry_pathname(entry);
    const std::string name = raw_name ? raw_name : "";
    if (archive_entry_filetype(entry) == AE_IFDIR) continue;
    if (!wanted.empty() && !wanted.count(name)) continue;
    if (name.rfind("__MACOSX/", 0) == 0) continue;
    if (archive_entry_filetype(entry) != AE_IFREG) throw bad("holds '" + name + "', which is a link or a device, not a file");
    const fs::path relative = zip_member_path(name);
    if (relative.empty()) throw bad("holds '" + name + "', a path outside the folder it unpacks into");
    if (++files > limits.max_files) throw bad("holds more than " + std::to_string(limits.max_files) + " files");
    const fs::path out = dest / relative;
    // A member named like a file unpacked before it ("a", then "a/b.png") cannot land.
    std::error_code ec;
    fs::create_directories(out.parent_path(), ec);
    if (ec || fs::is_directory(out)) throw bad("holds '" + name + "', whose path and another member's cross (one names a file, the other a folder)");
    std::ofstream file(out, std::ios::binary | std::ios::trunc);
    if (!file) throw Error(ErrorCode::io_error, "Cannot write '" + out.string() + "' (unpacking '" + zip.string() + "').");
    std::uint64_t size = 0;
    for (;;) {
      // Sizes are counted as the bytes come, not trusted from the header (a zip bomb lies).
      const la_ssize_t n = archive_read_data(a.get(), buffer.data(), buffer.size());
      if (n < 0) throw bad("is damaged at '" + name + "': " + reason(a.get()));
      if (n == 0) break;
      size += static_cast<std::uint64_t>(n);
      total += static_cast<std::uint64_t>(n);
      if (size > limits.max_file_bytes) throw bad("holds '" + name + "', larger than " + std::to_string(limits.max_file_bytes >> 20) + " MB unpacked");
      if (total > limits.max_total_bytes) throw bad("unpacks to more than " + std::to_string(limits.max_total_bytes >> 20) + " MB");
      file.write(buffer.data(), n);
    }
    if (!file.flush()) throw Error(ErrorCode::io_error, "Writing '" + out.string() + "' failed (disk full?).");
    found.insert(name);
    written.push_back(name);
  }
  for (const std::string& m : members)
    if (!found.count(m)) throw bad("has no member '" + m + "'");
  return written;
}

}  // namespace easel::detail

namespace easel::detail {

void write_zip(const fs::path& zip, const fs::path& folder, const std::function<bool(const fs::path&)>& keep) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(folder))
    if (e.is_regular_file() && (!keep || keep(fs::relative(e.path(), folder)))) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  const fs::path tmp = zip.string() + ".partial";
  std::unique_ptr<archive, void (*)(archive*)> a(archive_write_new(), [](archive* x) { archive_write_free(x); });
  archive_write_set_format_zip(a.get());
  if (archive_write_open_filename(a.get(), tmp.c_str()) != ARCHIVE_OK)
    throw Error(ErrorCode::io_error, "Cannot write the zip '" + zip.string() + "': " + reason(a.get()) + ".");
  for (const fs::path& f : files) {
    const std::string bytes = read_file(f);
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(e.get(), fs::relative(f, folder).generic_string().c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(bytes.size()));
    if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK ||
        archive_write_data(a.get(), bytes.data(), bytes.size()) != static_cast<la_ssize_t>(bytes.size())) {
      const std::string why = reason(a.get());
      a.reset();
      fs::remove(tmp);
      throw Error(ErrorCode::io_error, "Cannot write '" + f.filename().string() + "' into the zip '" + zip.string() + "': " + why + ".");
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    const std::string why = reason(a.get());
    a.reset();
    fs::remove(tmp);
    throw Error(ErrorCode::io_error, "Cannot finish the zip '" + zip.string() + "': " + why + ".");
  }
  a.reset();
  fs::rename(tmp, zip);  // whole or not at all
}

}  // namespace easel::detail
