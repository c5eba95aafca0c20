#!/usr/bin/env bash
# Cross-build samd for AArch64 (Debian's g++-aarch64-linux-gnu) and run the kernel tests and the
# examples under qemu-user: Reference, Swar and the NEON path, checked bit-exact against each other.
# Correctness only: timings under an emulator mean nothing, and none are claimed.
#
#   bash tools/test-arm.sh              build-arm/ (Release), ctest -L '^(kernels|examples)$'
#
# SAMD_ARM_BUILD_DIR=DIR  build directory (default build-arm)
# SAMD_ARM_LABELS=REGEX   ctest labels to run (default '^(kernels|examples)$')
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${SAMD_ARM_BUILD_DIR:-build-arm}
labels=${SAMD_ARM_LABELS:-^(kernels|examples)\$}

# The cross compiler and qemu-aarch64 are in tools/setup.sh's package list (g++-aarch64-linux-gnu,
# qemu-user); setup.sh installs whatever is missing and does nothing otherwise.
if ! command -v aarch64-linux-gnu-g++ >/dev/null 2>&1 || ! command -v qemu-aarch64 >/dev/null 2>&1; then
  bash tools/setup.sh
fi

start=$SECONDS
# properties/, infer/, bench/ and the oneDNN cross-check are skipped by the cross build itself
# (CMAKE_CROSSCOMPILING): they link host-only libraries.
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/aarch64-linux-gnu.cmake" \
  -DSAMD_PROOFS=OFF -DSAMD_BUILD_CLI=OFF -DSAMD_FUZZ=OFF -DSAMD_SANITIZE=OFF -DSAMD_BUILD_TESTS=ON
cmake --build "$build_dir" -j 2

# The binaries really are AArch64 and really contain the NEON kernels.
kernels_test="$build_dir/kernels/tests/kernels_gemm_test"
if command -v file >/dev/null 2>&1 && ! file -b "$kernels_test" | grep -c 'ARM aarch64' >/dev/null; then
  echo "test-arm: $kernels_test is not an AArch64 executable" >&2
  exit 1
fi
lib="$build_dir/kernels/libsamd_kernels.a"
if ! aarch64-linux-gnu-nm -C "$lib" | grep -c ' T samd::kernels::detail::fast::dot8_neon(' >/dev/null; then # -c: no SIGPIPE
  echo "test-arm: $lib has no dot8_neon: the NEON kernels were not compiled in" >&2
  exit 1
fi
echo "test-arm: built in $((SECONDS - start)) s"

# The tests iterate over supported_paths(); kernels_gemm_test fails if Neon is not among them.
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -j 2 -L "$labels"
echo "test-arm: AArch64 build passed its tests under qemu-aarch64 in $((SECONDS - start)) s"
