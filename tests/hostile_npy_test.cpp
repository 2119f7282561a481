// Hostile .npy files (issue 15): headers that claim absurd, overflowing or negative shapes,
// or a 60,000-digit size, are refused in easel's words before anything is allocated; a
// well-formed file still reads as numpy wrote it.
#include <gtest/gtest.h>

#include <string>

#include "easel/error.h"
#include "easel/npy.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace easel;

namespace {

// A version 1.0 .npy with this header dict and these data bytes.
std::string npy(const std::string& dict, const std::string& data) {
  std::string header = dict;
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  return out + header + data;
}

std::string refusal(const fs::path& file) {
  return test::refusal([&] { read_npy(file); }, ErrorCode::bad_input, file);
}

}  // namespace

TEST(HostileNpy, AbsurdShapesAreRefusedBeforeAnyAllocation) {
  test::ScratchDir dir;
  const auto file = [&](const std::string& name, const std::string& dict, const std::string& data = {}) {
    test::write(dir / name, npy(dict, data));
    return dir / name;
  };
  // 2^61 x 42 float32: the byte count wraps to 0 in 64 bits.
  EXPECT_NE(refusal(file("wrap.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2305843009213693952, 42), }")).find("shape"),
            std::string::npos);
  EXPECT_NE(refusal(file("wrap2.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2305843009213693953, 42), }")).find("shape"),
            std::string::npos);
  // A size of 60,000 digits (std::regex overflowed the stack on it).
  EXPECT_NE(refusal(file("digits.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::string(60000, '9') + ",), }"))
                .find("too large"),
            std::string::npos);
  // A negative size (the sign was dropped and -1 read as 1).
  EXPECT_NE(refusal(file("negative.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 49, 10, 1), }", std::string(490 * 4, '\0')))
                .find("negative"),
            std::string::npos);
  // Claims more data than it has, and less.
  EXPECT_NE(refusal(file("short.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", std::string(40, '\0'))).find("12 x 4"),
            std::string::npos);
  refusal(file("long.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", std::string(52, '\0')));
  refusal(file("notasize.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3.5, 4), }", std::string(56, '\0')));
  refusal(file("notuple.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': 12, }", std::string(48, '\0')));
  refusal(file("fortran.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 4), }", std::string(48, '\0')));
  refusal(file("descr.npy", "{'descr': '<c16', 'fortran_order': False, 'shape': (3,), }", std::string(48, '\0')));
  refusal(file("nodescr.npy", "{'fortran_order': False, 'shape': (3,), }", std::string(12, '\0')));

  // As numpy writes them: a scalar, an empty array, a Python 2 long, spaces anywhere.
  EXPECT_EQ(read_npy(file("scalar.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", std::string(4, '\0'))).shape(), Shape{});
  EXPECT_EQ(read_npy(file("empty.npy", "{'descr': '<i4', 'fortran_order': False, 'shape': (0, 5), }")).shape(), (Shape{0, 5}));
  EXPECT_EQ(read_npy(file("long2.npy", "{'descr': '|u1', 'fortran_order': False, 'shape': (2L, 3L), }", "abcdef")).shape(), (Shape{2, 3}));
  const Tensor t = read_npy(file("spaced.npy", "{'descr':'<f4','fortran_order':False,'shape':( 2 , 2 ),}", std::string(16, '\0')));
  EXPECT_EQ(t.shape(), (Shape{2, 2}));
  // And what easel writes, it reads.
  write_npy(dir / "round.npy", Tensor::from<float>({2, 3}, {1, 2, 3, 4, 5, 6}));
  const Tensor back = read_npy(dir / "round.npy");
  EXPECT_EQ(back.shape(), (Shape{2, 3}));
  EXPECT_EQ(back.data<float>()[5], 6.f);
}

// A shape whose byte count wraps in 64 bits is refused, not allocated as a few bytes.
TEST(HostileNpy, TensorShapesThatWrapAreRefused) {
  EXPECT_THROW(Tensor(DType::f32, {2305843009213693952, 42}), Error);
  EXPECT_THROW(Tensor(DType::f32, {std::int64_t{1} << 31, std::int64_t{1} << 31, 4}), Error);
  EXPECT_THROW(Tensor(DType::f32, {-1, 3}), Error);
  EXPECT_EQ(Tensor(DType::f32, {0, std::int64_t{1} << 40}).size(), 0);  // empty, whatever the rest
}
