#!/usr/bin/env bash
# Set up, build into build/, and run the main job: `samd infer` — the embedded Fashion-MNIST
# models at every width on the 10k test images (accuracy, images/s, speed-up, model size).
# Extra arguments are passed to `samd infer`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh
bash tools/build.sh build
echo "== build/cli/samd infer $*"
exec build/cli/samd infer "$@"
