#!/bin/sh
# Builds the persistent PocketSphinx decoder into native/build/ps-decoder.
# Skips the compile when the binary is newer than its source (and this script),
# so engines can call it on every start-up for free.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src="$here/ps-decoder.c"
out_dir="$here/build"
out="$out_dir/ps-decoder"

if [ -x "$out" ] && [ "$out" -nt "$src" ] && [ "$out" -nt "$0" ] && [ "${FORCE:-0}" != 1 ]; then
  echo "$out is up to date"
  exit 0
fi

fail() {
  echo "ps-decoder build failed: $*" >&2
  exit 1
}

command -v gcc >/dev/null 2>&1 || fail "gcc not found (apt-get install gcc)"
command -v pkg-config >/dev/null 2>&1 || fail "pkg-config not found (apt-get install pkg-config)"
pkg-config --exists pocketsphinx ||
  fail "PocketSphinx development files missing: install libpocketsphinx-dev (apt-get install libpocketsphinx-dev)"
pkg-config --exists sphinxbase ||
  fail "SphinxBase development files missing: install libsphinxbase-dev (apt-get install libsphinxbase-dev)"

cflags=$(pkg-config --cflags pocketsphinx sphinxbase)
libs=$(pkg-config --libs pocketsphinx sphinxbase)

# An installed package may belong to another user (a global npm install by root).
mkdir -p "$out_dir" 2>/dev/null && [ -w "$out_dir" ] ||
  fail "cannot write $out_dir: run $0 once as the owner of the installation"
# Compile to a temp name and rename so a concurrent start-up never executes a
# half-written binary.
tmp="$out.tmp.$$"
# shellcheck disable=SC2086 # pkg-config output is meant to be word-split
if ! gcc -O2 -Wall -Wextra -std=c11 -D_POSIX_C_SOURCE=200809L $cflags -o "$tmp" "$src" $libs; then
  rm -f "$tmp"
  fail "gcc could not compile $src (is libpocketsphinx-dev installed and matching libsphinxbase-dev?)"
fi
mv -f "$tmp" "$out"
echo "built $out"
