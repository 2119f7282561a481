#!/usr/bin/env bash
# easel as a user's program sees it: `cmake --install` into a fresh prefix, then the
# README's example built out of tree against the installed package, three ways
# (find_package, pkg-config, and add_subdirectory configured), and run on a sample photo.
# Nothing installed may name the source tree.
#   install_test.sh BUILD_DIR SOURCE_DIR PHOTO
set -euo pipefail
BUILD=$1 SOURCE=$2 PHOTO=$3
WORK=$(mktemp -d /tmp/easel-install-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
PREFIX=$WORK/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$BUILD" --prefix "$PREFIX" >"$WORK/install.log" || { cat "$WORK/install.log"; fail "cmake --install"; }
for f in include/easel/easel.h include/easel/image_classifier.h bin/easel share/easel/manifest.json \
         lib/cmake/easel/easelConfig.cmake lib/cmake/easel/easelConfigVersion.cmake lib/pkgconfig/easel.pc; do
  [ -e "$PREFIX/$f" ] || fail "$f is not installed"
done
ls "$PREFIX"/lib/libeasel.so* >/dev/null || fail "libeasel.so is not installed"
[ ! -e "$PREFIX/include/easel/sample_media.h" ] || fail "a test helper is installed as a public header"

# No installed file (libraries and binaries included) names the source or build tree.
if grep -r -a -l -F "$SOURCE" "$PREFIX"; then fail "the files above name the source tree $SOURCE"; fi
echo "ok: installed into $PREFIX; no file names $SOURCE"

# The installed CLI runs from its prefix (its rpath finds the library).
out=$(env -u LD_LIBRARY_PATH "$PREFIX/bin/easel" classify "$PHOTO")
echo "$out" | head -1 | grep -q '^lemon 0\.9' || fail "installed easel classify said: $out"
echo "ok: installed easel classify: $(echo "$out" | head -1)"

# 1. find_package(easel): the example's own CMakeLists.txt, as the README shows it.
cmake -S "$SOURCE/examples/classify" -B "$WORK/cmake-build" -DCMAKE_PREFIX_PATH="$PREFIX" >"$WORK/configure.log" 2>&1 \
  || { cat "$WORK/configure.log"; fail "configuring the example against the installed package"; }
cmake --build "$WORK/cmake-build" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; fail "building the example"; }
out=$("$WORK/cmake-build/classify" "$PHOTO")
echo "$out" | head -1 | grep -q '^lemon 0\.9' || fail "the find_package example said: $out"
echo "ok: find_package(easel) example: $(echo "$out" | head -1)"
# It links easel alone: the heavy libraries stay behind libeasel.so.
needed=$(readelf -d "$WORK/cmake-build/classify" | grep NEEDED || true)
echo "$needed" | grep -q 'libeasel\.so' || fail "the example does not link libeasel: $needed"
if echo "$needed" | grep -E 'dnnl|opencv|onnx|protobuf'; then fail "the example links easel's dependencies itself"; fi

# 2. pkg-config.
flags=$(PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" pkg-config --cflags --libs easel)
c++ "$SOURCE/examples/classify/main.cpp" $flags -o "$WORK/classify-pc" || fail "building with pkg-config's flags: $flags"
out=$("$WORK/classify-pc" "$PHOTO")
echo "$out" | head -1 | grep -q '^lemon 0\.9' || fail "the pkg-config example said: $out"
echo "ok: pkg-config easel example: $(echo "$out" | head -1)"

# 3. add_subdirectory of the source tree: the target is there and tests stay out
# (configured only; building easel again is what the test suite already did).
mkdir -p "$WORK/sub"
cat >"$WORK/sub/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(uses_easel LANGUAGES CXX)
add_subdirectory("$SOURCE" easel)
add_executable(classify "$SOURCE/examples/classify/main.cpp")
target_link_libraries(classify PRIVATE easel::easel)
if(TARGET easel_tests OR TARGET easel_bench)
  message(FATAL_ERROR "easel's tests or benchmarks are built inside a user's project")
endif()
CMAKE
cmake -S "$WORK/sub" -B "$WORK/sub-build" -G Ninja >"$WORK/sub.log" 2>&1 || { cat "$WORK/sub.log"; fail "add_subdirectory(easel)"; }
echo "ok: add_subdirectory(easel) configures, without easel's tests"
