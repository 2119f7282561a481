#include "learn/model_file.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>

#include "core/files.h"
#include "core/sha256.h"
#include "easel/error.h"

namespace fs = std::filesystem;

namespace easel::learn {
namespace {

constexpr char kMagic[8] = {'E', 'A', 'S', 'E', 'L', 'M', 'D', 'L'};
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kPrefix = 20;
// The header is names and numbers; the payload, weights or stored examples (10,000 KNN
// examples of 1280 values are 51 MB). Anything larger is not a model easel wrote.
constexpr std::uint64_t kMaxHeaderBytes = 16ull << 20;
constexpr std::uintmax_t kMaxFileBytes = 2ull << 30;

static_assert(std::endian::native == std::endian::little, "MODEL.easel is read and written as little-endian");

template <typename T>
T read_le(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::string_view payload_bytes(const std::vector<float>& payload) {
  return {reinterpret_cast<const char*>(payload.data()), payload.size() * sizeof(float)};
}

}  // namespace

nlohmann::json ModelFileWriter::add(std::span<const float> values) {
  const nlohmann::json ref = {{"offset", payload_.size()}, {"count", values.size()}};
  payload_.insert(payload_.end(), values.begin(), values.end());
  return ref;
}

void ModelFileWriter::write(const fs::path& file, nlohmann::json header) const {
  header["payload"] = {{"count", payload_.size()}, {"sha256", detail::sha256_hex(payload_bytes(payload_))}};
  const std::string text = header.dump();
  std::string bytes(kMagic, sizeof kMagic);
  const std::uint32_t version = kVersion;
  const std::uint64_t length = text.size();
  bytes.append(reinterpret_cast<const char*>(&version), sizeof version);
  bytes.append(reinterpret_cast<const char*>(&length), sizeof length);
  bytes += text;
  bytes += payload_bytes(payload_);
  detail::write_file_atomic(file, bytes);
}

ModelFileReader::ModelFileReader(const fs::path& file) : file_(file) {
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(file, ec);
  if (ec) throw Error(ErrorCode::io_error, "Cannot read the model file '" + file.string() + "': " + ec.message() + ".");
  if (size > kMaxFileBytes) fail("it is " + std::to_string(size >> 20) + " MB, more than any model easel writes");
  const std::string bytes = detail::read_file(file);
  if (bytes.size() < kPrefix || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) fail("it does not start as a MODEL.easel file does");
  const auto version = read_le<std::uint32_t>(bytes.data() + 8);
  if (version != kVersion)
    fail("it is format version " + std::to_string(version) + "; this easel reads version " + std::to_string(kVersion));
  const auto length = read_le<std::uint64_t>(bytes.data() + 12);
  if (length > kMaxHeaderBytes || length > bytes.size() - kPrefix) fail("its header length is past the end of the file (truncated?)");
  header_ = nlohmann::json::parse(bytes.begin() + kPrefix, bytes.begin() + static_cast<std::ptrdiff_t>(kPrefix + length), nullptr, false);
  if (!header_.is_object()) fail("its header is not a JSON object");
  const std::size_t rest = bytes.size() - kPrefix - length;
  if (rest % sizeof(float) != 0) fail("its payload is not a whole number of float32 values (truncated?)");
  const auto& payload = field(header_, "payload", nlohmann::json::value_t::object, "header");
  const auto& count = field(payload, "count", nlohmann::json::value_t::number_unsigned, "payload");
  if (count.get<std::uint64_t>() != rest / sizeof(float))
    fail("its payload holds " + std::to_string(rest / sizeof(float)) + " values, not the " + std::to_string(count.get<std::uint64_t>()) +
         " its header says (truncated?)");
  payload_.resize(rest / sizeof(float));
  if (rest > 0) std::memcpy(payload_.data(), bytes.data() + kPrefix + length, rest);  // an empty vector's data() may be null
  const auto& sha = field(payload, "sha256", nlohmann::json::value_t::string, "payload");
  if (detail::sha256_hex(payload_bytes(payload_)) != sha.get<std::string>()) fail("its weights do not match their sha256 (the file is damaged)");
}

std::vector<float> ModelFileReader::array(const nlohmann::json& ref, std::int64_t expected, const std::string& what) const {
  if (!ref.is_object() || !ref.contains("offset") || !ref.contains("count") || !ref["offset"].is_number_unsigned() ||
      !ref["count"].is_number_unsigned())
    fail("'" + what + "' is not an {\"offset\", \"count\"} reference");
  const std::uint64_t offset = ref["offset"], count = ref["count"];
  if (offset > payload_.size() || count > payload_.size() - offset) fail("'" + what + "' points past the end of the payload");
  if (expected >= 0 && count != static_cast<std::uint64_t>(expected))
    fail("'" + what + "' holds " + std::to_string(count) + " values, not " + std::to_string(expected));
  std::vector<float> out(payload_.begin() + static_cast<std::ptrdiff_t>(offset), payload_.begin() + static_cast<std::ptrdiff_t>(offset + count));
  for (float v : out)
    if (!std::isfinite(v)) fail("'" + what + "' holds a value that is not a finite number");
  return out;
}

const nlohmann::json& ModelFileReader::field(const nlohmann::json& object, const std::string& name, nlohmann::json::value_t type,
                                             const std::string& where) const {
  if (!object.is_object() || !object.contains(name)) fail(where + " has no '" + name + "'");
  const nlohmann::json& v = object[name];
  const bool ok = v.type() == type || (type == nlohmann::json::value_t::number_integer && v.is_number_unsigned()) ||
                  (type == nlohmann::json::value_t::number_float && v.is_number());
  if (!ok) fail(where + "'s '" + name + "' is a " + v.type_name() + ", not the expected type");
  return v;
}

void ModelFileReader::fail(const std::string& problem) const {
  throw Error(ErrorCode::bad_model, "'" + file_.string() + "' is not a usable easel model: " + problem + ".",
              "Train it again (easel train ...) or open the file it was saved as.");
}

bool is_model_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char head[sizeof kMagic] = {};
  return in.read(head, sizeof head) && std::memcmp(head, kMagic, sizeof kMagic) == 0;
}

}  // namespace easel::learn
