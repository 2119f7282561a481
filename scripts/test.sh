#!/usr/bin/env bash
# The whole test suite: set up (idempotent), run every test under ctest, then the
# tests again in a build with AddressSanitizer and UndefinedBehaviorSanitizer (all but
# the TF.js golden and Arm NN oracle comparisons, which spend their time in node and in
# Arm NN, not in easel, the whole-video detection scan, whose code the other detector tests
# run already, and the training acceptance runs on thousands of digits and hundreds of
# recordings, whose code the smaller training tests run, and the studio in chromium, whose
# server code the StudioApi tests run), and last each libFuzzer target for a
# minute (fuzz/run.sh: a crash, leak, hang or out-of-memory fails the run, its input left in
# build-fuzz/artifacts/ and printed).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$ROOT/scripts/setup.sh"
# setup.sh installed every model and package the tests use: a missing one is a failure.
export EASEL_REQUIRE_ALL=1
ctest --test-dir "$ROOT/build" --output-on-failure -j"$(nproc)"

ASAN=$ROOT/build-asan
# -O1 with line tables: GCC compiles the sanitized code 3.5 times faster than at -O2 -g
# (83 s against 24 s for src/learn/training.cpp), and reports still name file and line. The
# benchmarks are not run here, so not built.
if [ ! -f "$ASAN/build.ninja" ]; then
  cmake -S "$ROOT" -B "$ASAN" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" \
    -DEASEL_BUILD_BENCHMARKS=OFF -DEASEL_SANITIZE=ON >/dev/null
fi
cmake --build "$ASAN" -- -j"$(nproc)" | grep -vE '^\[[0-9]+/[0-9]+\] ' || true
ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$ROOT/scripts/lsan-suppressions.txt UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir "$ASAN" --output-on-failure -j"$(nproc)" -E 'Golden|InferCli|DetectVideoScan|ArmnnOracle|SoundTraining.WordsOfUnseenVoices|Training.FiftyDigits|Training.LearningCurve|StudioE2E'

# Each fuzz target for a minute on its seeds and the inputs that once crashed it.
bash "$ROOT/fuzz/run.sh" --seconds 60
