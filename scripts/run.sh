#!/usr/bin/env bash
# The main job: set up (idempotent), then show what easel has to offer.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$ROOT/scripts/setup.sh"
EASEL="$ROOT/build/easel"
echo
echo "\$ easel models list"
"$EASEL" models list
echo
echo "\$ easel info posenet"
"$EASEL" info posenet
