#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/), makes their seeds, and fuzzes each
# for a while: fuzz/run.sh [--seconds N] [--jobs J] [TARGET ...] (default: 60 s each, every
# target, as many at once as there are cores). The corpus each target grows is kept in
# build-fuzz/corpus/TARGET between runs; an input that crashes, leaks, times out or runs out
# of memory is left in build-fuzz/artifacts/TARGET/ and the script exits 1. fuzz/README.md
# says what each target reads and the limits it runs under.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
FUZZ=${EASEL_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
seconds=60
jobs=$(nproc)
targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done

if [ ! -f "$FUZZ/build.ninja" ]; then
  CXX=clang++ cmake -S "$ROOT" -B "$FUZZ" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" \
    -DEASEL_FUZZ=ON -DEASEL_BUILD_TESTS=OFF -DEASEL_BUILD_BENCHMARKS=OFF -DEASEL_BUILD_EXAMPLES=OFF >/dev/null
fi
cmake --build "$FUZZ" -- -j"$(nproc)" | grep -vE '^\[[0-9]+/[0-9]+\] ' || true
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cd "$FUZZ/fuzz" && ls fuzz_* | grep -v make_seeds | sed 's/^fuzz_//')

# Seeds, made afresh: easel's writers and the installed models (fuzz_make_seeds), and short
# recordings cut from the speech samples by sox in three containers.
export ASAN_OPTIONS=detect_leaks=0
rm -rf "$FUZZ/seeds"
"$FUZZ/fuzz/fuzz_make_seeds" "$FUZZ/seeds" "$ROOT" "$ROOT/data/media"
mkdir -p "$FUZZ/seeds/audio"
speech=$ROOT/../shared/media/arm-kws-samples/yes.wav
if [ -f "$speech" ]; then
  sox "$speech" -r 8000 "$FUZZ/seeds/audio/yes_8k.wav" trim 0.3 0.15
  sox "$speech" "$FUZZ/seeds/audio/yes.flac" trim 0.3 0.1
  sox "$speech" "$FUZZ/seeds/audio/yes.ogg" trim 0.3 0.1
  sox "$speech" -c 2 -r 44100 -b 24 "$FUZZ/seeds/audio/yes_stereo.wav" trim 0.3 0.05
fi

# The limits: easel's own (2^30 elements a tensor, 4 GiB a model's plan, 134 megapixels a
# photo) fit in 6 GB; a run of one input longer than 30 s is a hang.
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$ROOT/scripts/lsan-suppressions.txt
run_one() {
  local t=$1 dict=() regressions=()
  mkdir -p "$FUZZ/corpus/$t" "$FUZZ/artifacts/$t" "$FUZZ/logs"
  [ -f "$ROOT/fuzz/dicts/$t.dict" ] && dict=(-dict="$ROOT/fuzz/dicts/$t.dict")
  [ -d "$ROOT/fuzz/regressions/$t" ] && regressions=("$ROOT/fuzz/regressions/$t")
  if "$FUZZ/fuzz/fuzz_$t" "$FUZZ/corpus/$t" "$FUZZ/seeds/$t" "${regressions[@]}" "${dict[@]}" -max_total_time="$seconds" -timeout=30 \
    -rss_limit_mb=6144 -malloc_limit_mb=6144 -print_final_stats=1 -artifact_prefix="$FUZZ/artifacts/$t/" >"$FUZZ/logs/$t.log" 2>&1; then
    local execs cov
    execs=$(grep -m1 'stat::number_of_executed_units' "$FUZZ/logs/$t.log" | awk '{print $2}')
    cov=$(grep -oE 'cov: [0-9]+' "$FUZZ/logs/$t.log" | tail -1 | awk '{print $2}')
    printf 'fuzz: %-18s ok      %8s runs  coverage %6s  corpus %5s\n' "$t" "$execs" "$cov" "$(ls "$FUZZ/corpus/$t" | wc -l)"
  else
    printf 'fuzz: %-18s FAILED  input and log: %s  %s\n' "$t" "$(ls -t "$FUZZ/artifacts/$t" | head -1)" "$FUZZ/logs/$t.log"
    grep -m3 -E 'ERROR|SUMMARY|not an easel::Error|easel::Error \(' "$FUZZ/logs/$t.log" | sed 's/^/fuzz:     /'
    # The input itself, in the log, for a CI run whose files are gone (base64 -d to get it back).
    local input
    input=$(ls -t "$FUZZ/artifacts/$t" | head -1)
    if [ -n "$input" ] && [ "$(stat -c %s "$FUZZ/artifacts/$t/$input")" -le 65536 ]; then
      echo "fuzz:     $input as base64:"
      base64 -w 100 "$FUZZ/artifacts/$t/$input" | sed 's/^/fuzz:     /'
    fi
    return 1
  fi
}
export -f run_one
export FUZZ ROOT seconds
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'
