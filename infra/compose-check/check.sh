#!/usr/bin/env bash
# Checks a Compose file with Docker Compose's own loader (main.go) and prints
# the loaded project as JSON; exits 1 with one line on stderr if Compose would
# refuse the file. No Docker engine is needed.
#
#   infra/compose-check/check.sh docker-compose.yml
#
# The checker is built with Go into the local stack's per-user cache, once per
# version of its source, one build at a time (flock), as stack.sh builds the
# S3 server. The first build fetches compose-go from the Go module proxy;
# later ones reuse Go's own caches.
#   LINGOSTREAM_STACK_CACHE   the cache (default ~/.cache/lingostream/stack)
#   LINGOSTREAM_GO            the go binary (default: go on PATH, or /usr/local/go/bin/go)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="${LINGOSTREAM_STACK_CACHE:-${XDG_CACHE_HOME:-${HOME:?set HOME or LINGOSTREAM_STACK_CACHE}/.cache}/lingostream/stack}"

die() { printf '[compose-check] ERROR: %s\n' "$*" >&2; exit 2; }

(( $# == 1 )) || die "usage: check.sh <compose file>"
[[ -f "$1" ]] || die "no such file: $1"

# The build is named after its sources, so an edit to them builds anew.
VERSION="$(cat "$HERE/go.mod" "$HERE/go.sum" "$HERE/main.go" | sha256sum | cut -c1-16)"
HOME_DIR="$CACHE_DIR/compose-check-$VERSION"

build() {
  local go tmp
  go="${LINGOSTREAM_GO:-$(command -v go || echo /usr/local/go/bin/go)}"
  [[ -x "$go" ]] || die "Go not found (builds the compose checker): install Go 1.25+ or set LINGOSTREAM_GO"
  tmp="$HOME_DIR.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # GOTOOLCHAIN=local: never fetch another Go; -mod=readonly: go.sum pins every module.
  if ! (cd "$HERE" && GOTOOLCHAIN=local GOFLAGS=-mod=readonly "$go" build -o "$tmp/compose-check" .) >"$tmp/build.log" 2>&1; then
    cat "$tmp/build.log" >&2
    die "could not build the compose checker with $go"
  fi
  echo "$VERSION" >"$tmp/.installed"
  # Builds of earlier sources are of no further use.
  find "$CACHE_DIR" -maxdepth 1 -name 'compose-check-*' ! -name "compose-check-$VERSION*" -exec rm -rf {} +
  mv "$tmp" "$HOME_DIR"
}

if [[ ! -f "$HOME_DIR/.installed" ]]; then
  command -v flock >/dev/null 2>&1 || die "flock not found on PATH (util-linux)"
  mkdir -p "$CACHE_DIR"
  exec {lock}>"$CACHE_DIR/.compose-check.lock"
  flock "$lock"
  # Another run may have built it while this one waited.
  [[ -f "$HOME_DIR/.installed" ]] || build
  exec {lock}>&-
fi

exec "$HOME_DIR/compose-check" "$1"
