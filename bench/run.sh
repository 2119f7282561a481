#!/usr/bin/env bash
# Runs the model benchmark after the usual (idempotent) setup.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
bash "$ROOT/scripts/setup.sh" >/dev/null
exec "$ROOT/build/bench/easel_bench" "$@"
