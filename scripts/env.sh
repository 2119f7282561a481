# Sourced by the scripts: the environment easel runs with in this checkout.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Models that no package ships live in ../shared/models beside the project.
if [ -z "${EASEL_MODEL_PATH:-}" ] && [ -d "$ROOT/../shared/models" ]; then
  EASEL_MODEL_PATH=$(cd "$ROOT/../shared/models" && pwd)
  export EASEL_MODEL_PATH
fi
