#!/usr/bin/env bash
# Fails, naming each file and line, if a C++ source of the project is not formatted by
# clang-format-14 with the repository's .clang-format. Fix with: clang-format-14 -i FILE...
# Files: `git ls-files` in a checkout, else every .cpp / .hpp / .h outside build directories.
set -euo pipefail
cd "$(dirname "$0")/.."
format=${CLANG_FORMAT:-clang-format-14}
command -v "$format" >/dev/null || { echo "check-format: $format not found (tools/setup.sh installs it)"; exit 1; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h')
else
  mapfile -t files < <(find . -path './build*' -prune -o \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) -print)
fi
((${#files[@]} > 0)) || { echo "check-format: no C++ files found"; exit 1; }
"$format" --dry-run --Werror "${files[@]}"
echo "check-format: ${#files[@]} files formatted"
