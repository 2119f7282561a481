// The header examples (tests/CMakeLists.txt) are checked by being built: this program only
// says how many there are. They are not run: they open files a user would have.
#include <cstdio>

int main() {
  std::printf("%d public headers' examples compile and link\n", EASEL_HEADER_EXAMPLE_COUNT);
  return 0;
}
