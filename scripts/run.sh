#!/usr/bin/env bash
# The main job: set up (idempotent), then show what easel is for, on the sample media:
# a photo classified, the objects and the people in photos found (annotated pictures saved
# into out/), the words in a speech recording heard, and what to try next.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
PATH=$ROOT/build:$PATH
OUT=out
mkdir -p "$OUT"
show() {
  echo
  echo "\$ $*"
  "$@"
}
media() { find data/media ../shared/media -name "$1" -print -quit 2>/dev/null; }

show easel classify "$(media fruits.jpg)" -o "$OUT/fruits.png"
show easel detect "$(media dog.jpg)" -o "$OUT/dog.png"
show easel pose "$(media messi5.jpg)" -o "$OUT/messi5.png"
speech=$(media right_left_up.wav)   # Speech Commands recordings, in ../shared
if [ -z "$speech" ]; then           # without ../shared, a voice synthesized by espeak-ng
  speech=$OUT/right_left_up.wav
  [ -s "$speech" ] || espeak-ng -s 120 -w "$speech" "right. left. up."
fi
show easel listen "$speech"

echo
echo "Annotated pictures: $(ls "$OUT"/*.png | tr '\n' ' ')"
echo "Next: try your own photos and folders (easel classify ~/Pictures), a video or a camera (easel pose --camera 0),"
echo "      or the library from C++ (README: 'The library'); easel --help lists every command."
