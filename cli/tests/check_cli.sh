#!/usr/bin/env bash
# check_cli.sh [--status N] [--stderr REGEX] [--stdout-has TEXT]... [--keeps FILE]
#              [--file-limit BLOCKS] -- COMMAND...
# Runs COMMAND and passes when: it exits with status N (default 1); with --stderr, its stderr
# is exactly one line and matches REGEX (grep -E) -- the CLI's rule for an error; with
# --stdout-has (repeatable), its stdout contains each TEXT (a fixed string); with --keeps FILE,
# FILE (written with a line of its own first) holds that line after the run: nothing
# half-written replaced it.
# --file-limit: COMMAND runs with `ulimit -f BLOCKS` and SIGXFSZ ignored, so a write past the
# limit fails with EFBIG (its stdout goes through a pipe, which the limit does not apply to).
set -u
status=1 stderr_re='' stdout_has=() keeps='' limit=''
while (($# > 0)) && [[ $1 != -- ]]; do
  case $1 in
  --status) status=$2 ;;
  --stderr) stderr_re=$2 ;;
  --stdout-has) stdout_has+=("$2") ;;
  --keeps) keeps=$2 ;;
  --file-limit) limit=$2 ;;
  *) echo "check_cli.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
shift # --
sentinel='previous contents'
[[ -z $keeps ]] || echo "$sentinel" >"$keeps"
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
(
  if [[ -n $limit ]]; then
    trap '' XFSZ
    ulimit -f "$limit"
  fi
  exec "$@"
) 2>"$err" | cat >"$out"
rc=${PIPESTATUS[0]}
echo "exit status $rc; stdout:"; cat "$out"; echo "stderr:"; cat "$err"
fail() { echo "check_cli.sh: FAILED: $*"; exit 1; }
((rc == status)) || fail "exit status $rc, expected $status"
if [[ -n $stderr_re ]]; then
  (($(wc -l <"$err") == 1)) || fail "stderr is not one line"
  grep -Eq -- "$stderr_re" "$err" || fail "stderr does not match: $stderr_re"
fi
for text in ${stdout_has[@]+"${stdout_has[@]}"}; do
  grep -Fq -- "$text" "$out" || fail "stdout does not contain: $text"
done
if [[ -n $keeps ]]; then
  [[ $(cat -- "$keeps") == "$sentinel" ]] || fail "$keeps was changed: $(head -c 200 "$keeps")"
fi
echo "check_cli.sh: passed"
