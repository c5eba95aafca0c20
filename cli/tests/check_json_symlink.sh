#!/usr/bin/env bash
# check_json_symlink.sh SAMD: `--json LINK` through a symbolic link replaces the file the link
# names as a whole (a failed write leaves it as it was) and keeps the link; a dangling link gets
# its file created. (The link used to be written in place: a failed write left the file
# half-written.)
set -u
samd=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "check_json_symlink.sh: FAILED: $*"; exit 1; }
prove() { "$samd" prove --op add_wrap "$@" >/dev/null; }

echo previous >"$dir/target.json"
ln -s target.json "$dir/link.json"
prove --bits 4 --signed --json "$dir/link.json" || fail "prove --json through a link failed"
[[ -L $dir/link.json ]] || fail "the link was replaced by a file"
grep -q '"op": "add_wrap"' "$dir/target.json" || fail "the link's file does not hold the records"

echo previous >"$dir/target.json"
if (trap '' XFSZ; ulimit -f 1; prove --bits 1-8 --json "$dir/link.json") 2>"$dir/err"; then
  fail "a write past ulimit -f succeeded"
fi
grep -q "cannot write $dir/link.json: File too large" "$dir/err" || fail "message: $(cat "$dir/err")"
[[ $(cat "$dir/target.json") == previous ]] || fail "the link's file was half-written"
[[ -L $dir/link.json ]] || fail "the link was replaced after a failed write"
compgen -G "$dir/target.json.*" >/dev/null && fail "a temporary file was left: $(ls "$dir")"

ln -s new.json "$dir/dangling.json"
prove --bits 4 --signed --json "$dir/dangling.json" || fail "prove --json through a dangling link"
[[ -L $dir/dangling.json ]] || fail "the dangling link was replaced"
grep -q '"op": "add_wrap"' "$dir/new.json" || fail "the dangling link's file was not created"
echo "check_json_symlink.sh: passed"
