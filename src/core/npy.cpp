#include "easel/npy.h"

#include <cstring>
#include <algorithm>
#include <cstdint>

#include "core/files.h"
#include "easel/error.h"

namespace easel {
namespace {

const char kMagic[] = "\x93NUMPY";

struct DescrEntry {
  const char* descr;
  DType dtype;
};
const DescrEntry kDescrs[] = {{"<f4", DType::f32}, {"<i4", DType::i32},     {"<i8", DType::i64}, {"|u1", DType::u8},
                              {"|i1", DType::i8},  {"|b1", DType::boolean}, {"<f2", DType::f16}};

}  // namespace

Tensor read_npy(const std::filesystem::path& file) {
  std::string bytes = detail::read_file(file);
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::bad_input, "'" + file.string() + "' is not a usable .npy file: " + why + ".",
                 "Save it with numpy.save (float32, int32, uint8, int8, bool; C order).");
  };
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0) throw bad("no NumPy magic");
  int major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len, header_start;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    header_start = 10;
  } else {
    if (bytes.size() < 12) throw bad("truncated header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    header_start = 12;
  }
  if (header_start + header_len > bytes.size()) throw bad("truncated header");
  const std::string header = bytes.substr(header_start, header_len);
  // The header is a Python dict literal; its three keys are read by hand (no regular
  // expression: a hostile header of 60,000 digits overflowed std::regex's recursion).
  const auto value_of = [&](const std::string& key) -> std::size_t {
    const std::size_t at = header.find("'" + key + "'");
    if (at == std::string::npos) throw bad("no '" + key + "' in the header");
    std::size_t i = at + key.size() + 2;
    while (i < header.size() && (header[i] == ' ' || header[i] == ':')) ++i;
    return i;
  };
  std::size_t i = value_of("descr");
  if (i >= header.size() || header[i] != '\'') throw bad("'descr' is not a quoted type");
  const std::size_t close = header.find('\'', i + 1);
  if (close == std::string::npos || close - i > 16) throw bad("'descr' is not a quoted type");
  const std::string descr = header.substr(i + 1, close - i - 1);
  const DescrEntry* entry = nullptr;
  for (const auto& e : kDescrs)
    if (descr == e.descr) entry = &e;
  if (!entry) throw bad("dtype '" + descr + "' is not supported");
  if (header.compare(value_of("fortran_order"), 4, "True") == 0) throw bad("Fortran order");
  i = value_of("shape");
  if (i >= header.size() || header[i] != '(') throw bad("'shape' is not a tuple");
  const std::size_t end = header.find(')', i);
  if (end == std::string::npos) throw bad("'shape' is not a tuple");
  Shape shape;
  std::uint64_t count = 1;
  bool overflow = false;
  for (std::size_t p = i + 1; p < end;) {
    while (p < end && (header[p] == ' ' || header[p] == ',')) ++p;
    if (p == end) break;
    if (header[p] == '-') throw bad("'shape' holds a negative size");
    std::size_t q = p;
    std::uint64_t d = 0;
    while (q < end && header[q] >= '0' && header[q] <= '9') {
      if (q - p >= 18) throw bad("'shape' holds a size too large to be real");
      d = d * 10 + static_cast<std::uint64_t>(header[q] - '0');
      ++q;
    }
    if (q == p) throw bad("'shape' holds '" + header.substr(p, std::min<std::size_t>(end - p, 20)) + "', not a size");
    if (q < end && header[q] == 'L') ++q;  // Python 2's long integers
    if (q < end && header[q] != ',' && header[q] != ' ') throw bad("'shape' holds a size that is not a whole number");
    if (shape.size() >= 32) throw bad("'shape' has more than 32 dimensions");
    shape.push_back(static_cast<std::int64_t>(d));
    if (d != 0 && count > (std::uint64_t{1} << 62) / d) overflow = true;
    else count *= d;
    p = q;
  }
  // The data must be there before anything is allocated for it (a header may claim anything).
  const std::size_t data_start = header_start + header_len;
  const std::uint64_t have = bytes.size() - data_start, elem = dtype_size(entry->dtype);
  if (overflow || count > have || count * elem != have)  // (count <= have: the product cannot wrap)
    throw bad("its header's shape " + to_string(shape) + " needs " +
              (overflow ? std::string("more bytes of data than any file holds") : std::to_string(count) + " x " + std::to_string(elem) + " bytes of data") +
              "; the file has " + std::to_string(have));
  Tensor t(entry->dtype, shape);
  if (t.bytes()) std::memcpy(t.raw(), bytes.data() + data_start, t.bytes());
  return t;
}

void write_npy(const std::filesystem::path& file, const Tensor& tensor) {
  const char* descr = nullptr;
  for (const auto& e : kDescrs)
    if (e.dtype == tensor.dtype()) descr = e.descr;
  std::string shape = "(";
  for (std::size_t i = 0; i < tensor.shape().size(); ++i)
    shape += std::to_string(tensor.shape()[i]) + (tensor.rank() == 1 ? "," : i + 1 < tensor.shape().size() ? ", " : "");
  shape += ")";
  std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out(kMagic, 6);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(static_cast<const char*>(tensor.raw()), tensor.bytes());
  detail::write_file_atomic(file, out);
}

}  // namespace easel
