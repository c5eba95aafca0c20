#!/usr/bin/env bash
# Install samd from BUILD_DIR into a temporary prefix, then use it from a
# separate project twice: via find_package(samd) and via pkg-config.
#
# usage: run.sh BUILD_DIR [SOURCE_DIR]
#   BUILD_DIR   a configured and built samd build tree
#   SOURCE_DIR  this consumer project (core/consumer_test); the samd source
#               root is accepted too. Default: the directory of this script.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 BUILD_DIR [SOURCE_DIR]" >&2
  exit 2
fi

build_dir=$(cd "$1" && pwd)
src_dir=$(cd "${2:-$(dirname "$0")}" && pwd)
if [[ -f "$src_dir/core/consumer_test/CMakeLists.txt" ]]; then
  src_dir="$src_dir/core/consumer_test"
fi
[[ -f "$src_dir/CMakeLists.txt" && -f "$src_dir/main.cpp" ]] || {
  echo "run.sh: no consumer project in $src_dir" >&2
  exit 2
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/samd-consumer.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"

# Use the compiler of the main build, unless CXX says otherwise.
cxx="${CXX:-}"
if [[ -z "$cxx" && -f "$build_dir/CMakeCache.txt" ]]; then
  cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build_dir/CMakeCache.txt" | head -n1)
fi
cxx="${cxx:-c++}"

echo "== install $build_dir -> $prefix"
cmake --install "$build_dir" --prefix "$prefix"

echo "== find_package(samd): configure + build + run"
cmake -S "$src_dir" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Release
cmake --build "$tmp/build"
"$tmp/build/samd_consumer"
echo "find_package consumer: OK"

echo "== pkg-config samd: compile + run"
pc_file=$(find "$prefix" -name samd.pc -path '*/pkgconfig/*' | head -n1)
[[ -n "$pc_file" ]] || {
  echo "run.sh: samd.pc was not installed under $prefix" >&2
  exit 1
}
cflags=$(PKG_CONFIG_PATH="$(dirname "$pc_file")" pkg-config --cflags samd)
echo "pkg-config --cflags samd: $cflags"
# shellcheck disable=SC2086  # cflags must word-split
"$cxx" $cflags "$src_dir/main.cpp" -o "$tmp/samd_consumer_pc"
"$tmp/samd_consumer_pc"
echo "pkg-config consumer: OK"
