#!/usr/bin/env bash
# Training-only dependencies (CI and the C++ build need none of these): Debian's PyTorch, the
# ONNX Python package, numpy and the Fashion-MNIST IDX files.
set -euo pipefail
PACKAGES="python3-torch python3-onnx python3-numpy dataset-fashion-mnist"
missing=()
for pkg in $PACKAGES; do
  dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "train/setup: all packages present"
  exit 0
fi
as_root=()
[[ $(id -u) -eq 0 ]] || as_root=(sudo)
"${as_root[@]}" apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
