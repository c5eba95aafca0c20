#!/usr/bin/env bash
# Set up, build, and run the whole test suite:
#   1. build/      GCC, Release            -> ctest (all labels)
#   2. build-asan/ clang-14, ASan + UBSan  -> ctest (without label `install`)
#
# SAMD_TEST_LABELS=REGEX  run only tests whose label matches REGEX (ctest -L), e.g.
#                         SAMD_TEST_LABELS=cli bash tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n==== %s ====\n' "$*"; }

label_args=()
if [[ -n "${SAMD_TEST_LABELS:-}" ]]; then
  label_args=(-L "$SAMD_TEST_LABELS")
  echo "test: restricted to labels matching '$SAMD_TEST_LABELS'"
fi

section "setup"
bash tools/setup.sh

section "build: build/ (g++, Release)"
CC=gcc CXX=g++ bash tools/build.sh build -DCMAKE_BUILD_TYPE=Release

section "test: build/"
ctest --test-dir build --output-on-failure -j2 "${label_args[@]}"

section "build: build-asan/ (clang++-14, ASan+UBSan, RelWithDebInfo)"
CC=clang-14 CXX=clang++-14 bash tools/build.sh build-asan \
  -DSAMD_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo

# The full proof suite (label `proofs`) runs in build/ only: Z3 itself is not instrumented and the
# proven templates are the ones the sanitized properties exercise; `proofs-quick` runs here too.
section "test: build-asan/ (excluding labels 'install' and 'proofs')"
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}" \
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
  ctest --test-dir build-asan --output-on-failure -j2 -LE '^(install|proofs)$' "${label_args[@]}"

section "result"
echo "test.sh: ALL TESTS PASSED (build/ and build-asan/)"
