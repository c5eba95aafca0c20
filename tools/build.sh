#!/usr/bin/env bash
# Configure (Ninja) and build samd.
#
# usage: tools/build.sh BUILD_DIR [extra cmake args...]
#   BUILD_DIR is relative to the current directory (or absolute).
#   CMAKE_BUILD_TYPE defaults to Release; pass -DCMAKE_BUILD_TYPE=... to override.
#   The compiler comes from CXX as usual (only on a fresh BUILD_DIR).
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 BUILD_DIR [extra cmake args...]" >&2
  exit 2
fi

build_dir=$1
shift
[[ "$build_dir" = /* ]] || build_dir="$PWD/$build_dir"

cd "$(dirname "$0")/.."

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build_dir" -j "$(nproc)"
