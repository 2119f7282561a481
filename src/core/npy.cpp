#include "easel/npy.h"

#include <cstring>
#include <regex>

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
  std::string header = bytes.substr(header_start, header_len);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([^']+)'"))) throw bad("no 'descr' in the header");
  std::string descr = m[1];
  const DescrEntry* entry = nullptr;
  for (const auto& e : kDescrs)
    if (descr == e.descr) entry = &e;
  if (!entry) throw bad("dtype '" + descr + "' is not supported");
  if (std::regex_search(header, m, std::regex("'fortran_order':\\s*True"))) throw bad("Fortran order");
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)"))) throw bad("no 'shape' in the header");
  Shape shape;
  std::string dims = m[1];
  const std::regex digits("\\d+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), digits), end; it != end; ++it) shape.push_back(std::stoll(it->str()));
  Tensor t(entry->dtype, shape);
  std::size_t data_start = header_start + header_len;
  if (bytes.size() - data_start != t.bytes())
    throw bad("expected " + std::to_string(t.bytes()) + " bytes of data for shape " + to_string(shape) + ", found " +
              std::to_string(bytes.size() - data_start));
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
