#!/usr/bin/env bash
# Set up, build into build/, and run the main job: `samd table`.
# Extra arguments are passed to `samd table`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh
bash tools/build.sh build
echo "== build/cli/samd table $*"
exec build/cli/samd table "$@"
