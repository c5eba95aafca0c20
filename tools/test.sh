#!/usr/bin/env bash
# Set up, build, and run the whole test suite:
#   1. build/      GCC, Release            -> ctest (all labels but `proofs-quick`, a subset of proofs_all)
#   2. build-asan/ clang-14, ASan + UBSan  -> ctest (without labels `install` and `proofs`)
#   3. build-asan/ again, libFuzzer        -> fuzz/run: every fuzz target, >= 10^5 executions each
#   4. build-arm/  aarch64-linux-gnu-g++   -> tools/test-arm.sh: kernel tests under qemu-aarch64
#
# SAMD_TEST_LABELS=REGEX  run only tests whose label matches REGEX (ctest -L), e.g.
#                         SAMD_TEST_LABELS=cli bash tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n==== %s (at %d s) ====\n' "$*" "$SECONDS"; }

# check_sanitized BUILD_DIR: every compile step in BUILD_DIR/build.ninja carries
# -fsanitize=address,undefined -fno-sanitize-recover=all and every executable / shared library is
# linked with -fsanitize=address,undefined. A stale cache or a target that overrides its flags would
# otherwise let the "sanitized" suite pass without checking anything.
check_sanitized() {
  awk '
    function close_step() {
      if (kind != "" && !seen) { print "  not sanitized: " step; bad++ }
      kind = ""
    }
    /^build / {
      close_step(); step = $2; sub(/:$/, "", step); seen = 0
      if ($3 ~ /^CXX_COMPILER__/) { kind = "compile"; n++ }
      else if ($3 ~ /^CXX_(EXECUTABLE|SHARED_LIBRARY|MODULE)_LINKER__/) { kind = "link"; n++ }
    }
    kind == "compile" && /^  FLAGS = / && /-fsanitize=address,undefined/ && /-fno-sanitize-recover=all/ { seen = 1 }
    kind == "link" && /^  LINK_FLAGS = / && /-fsanitize=address,undefined/ { seen = 1 }
    END {
      close_step()
      if (bad || n == 0) exit 1
      print "  " n " compile and link steps, all with -fsanitize=address,undefined"
    }
  ' "$1/build.ninja"
}

label_args=()
if [[ -n "${SAMD_TEST_LABELS:-}" ]]; then
  label_args=(-L "$SAMD_TEST_LABELS")
  echo "test: restricted to labels matching '$SAMD_TEST_LABELS'"
fi

section "setup"
bash tools/setup.sh

section "build: build/ (g++, Release)"
CC=gcc CXX=g++ bash tools/build.sh build -DCMAKE_BUILD_TYPE=Release

# Label proofs-quick (proofs_quick: every family at width 5, a subset of proofs_all;
# proofs_unknown_fails) runs in build-asan/ below, where the prover's own code is sanitized; here
# proofs_all covers it.
section "test: build/"
ctest --test-dir build --output-on-failure -j2 -LE '^proofs-quick$' "${label_args[@]}"

# The libFuzzer targets are built here too (SAMD_FUZZ=ON): one ASan+UBSan compile of the library
# serves the tests and the fuzzers (a separate fuzz build cost ~220 s of the run). The kernels and
# the importer then carry the fuzzers' coverage counters in the tests as well.
section "build: build-asan/ (clang++-14, ASan+UBSan + libFuzzer targets, RelWithDebInfo)"
CC=clang-14 CXX=clang++-14 bash tools/build.sh build-asan \
  -DSAMD_SANITIZE=ON -DSAMD_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "test: checking that build-asan/ is sanitized"
check_sanitized build-asan

# The full proof suite (label `proofs`) runs in build/ only: Z3 itself is not instrumented and the
# proven templates are the ones the sanitized properties exercise; `proofs-quick` runs here too.
section "test: build-asan/ (excluding labels 'install' and 'proofs')"
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}" \
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
  ctest --test-dir build-asan --output-on-failure -j2 -LE '^(install|proofs)$' "${label_args[@]}"

# Every fuzz target gets at least 10^5 executions (-runs: a deterministic count), two targets at a
# time; the cheap op-catalogue targets (25-100k exec/s) get more.
section "fuzz: build-asan/'s libFuzzer targets (clang++-14, libFuzzer + ASan + UBSan)"
if [[ -n "${SAMD_TEST_LABELS:-}" ]] && ! [[ fuzz =~ $SAMD_TEST_LABELS ]]; then
  echo "test: fuzzing skipped (label 'fuzz' does not match '$SAMD_TEST_LABELS')"
else
  fuzz_runs=()
  for name in add logic shift compare minmax mul reduce; do fuzz_runs+=(--runs-for "$name=400000"); done
  # The importer compiles and runs each model it accepts (~150 exec/s): a smaller budget.
  bash fuzz/run --in-build build-asan --parallel 2 --runs 100000 "${fuzz_runs[@]}" --runs-for convert=200000 --runs-for onnx_import=5000
fi

# AArch64 cross build (g++-aarch64-linux-gnu), kernel tests and examples under qemu-aarch64: the NEON
# path bit-exact with Reference and Swar. Correctness only (no ARM timings). About 2 minutes.
section "arm: build-arm/ (aarch64-linux-gnu-g++, NEON, tests under qemu-aarch64)"
if [[ -n "${SAMD_TEST_LABELS:-}" ]] && ! [[ arm =~ $SAMD_TEST_LABELS ]]; then
  echo "test: ARM cross build skipped (label 'arm' does not match '$SAMD_TEST_LABELS')"
else
  bash tools/test-arm.sh
fi

section "result"
echo "test.sh: ALL TESTS PASSED (build/, build-asan/ with its fuzzers, and build-arm/)"
