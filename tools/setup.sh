#!/usr/bin/env bash
# Install the Debian 12 packages samd needs. Idempotent: does nothing (and
# needs no network) when everything is already installed.
set -euo pipefail

# One list, so later work can add packages here.
SAMD_PACKAGES="build-essential g++ clang-14 libclang-rt-14-dev clang-format-14 cmake ninja-build pkg-config git
libz3-dev z3 librapidcheck-dev catch2 libcli11-dev libfmt-dev libdnnl-dev
libomp-14-dev libbenchmark-dev nlohmann-json3-dev
g++-aarch64-linux-gnu qemu-user
libonnx-dev libprotobuf-dev zlib1g-dev dataset-fashion-mnist"

cd "$(dirname "$0")/.."

missing=()
for pkg in $SAMD_PACKAGES; do
  if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "setup: missing packages (${missing[*]}) and not root, no sudo; install them as root" >&2
  exit 1
fi

"${as_root[@]}" apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
echo "setup: done"
