#!/usr/bin/env bash
# Renders the Helm chart offline and decodes every object strictly into its
# Kubernetes or KEDA type (main.go), or parses and lints the Dockerfile with
# BuildKit's parser (dockerfile.go); prints what it checked as JSON, or exits 1
# with one line per problem on stderr. No cluster, helm binary or Docker needed.
#
#   infra/k8s/validate/validate.sh chart infra/k8s/lingostream [values.yaml...]
#   infra/k8s/validate/validate.sh manifest <file.yaml...>
#   infra/k8s/validate/validate.sh dockerfile Dockerfile
#
# The validator is built with Go into the local stack's per-user cache, once
# per version of its source, one build at a time (flock), as stack.sh builds
# the S3 server and infra/compose-check/check.sh its checker. The first build
# fetches Helm, client-go, KEDA's API types and BuildKit's Dockerfile parser
# from the Go module proxy and compiles them (minutes on two cores); later
# ones reuse Go's own caches.
#   LINGOSTREAM_STACK_CACHE   the cache (default ~/.cache/lingostream/stack)
#   LINGOSTREAM_GO            the go binary (default: go on PATH, or /usr/local/go/bin/go)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="${LINGOSTREAM_STACK_CACHE:-${XDG_CACHE_HOME:-${HOME:?set HOME or LINGOSTREAM_STACK_CACHE}/.cache}/lingostream/stack}"

die() { printf '[k8s-validate] ERROR: %s\n' "$*" >&2; exit 2; }

(( $# >= 2 )) || die "usage: validate.sh chart <chart dir> [values.yaml...] | validate.sh manifest <file.yaml...>"

# The build is named after its sources, so an edit to them builds anew.
VERSION="$(cat "$HERE/go.mod" "$HERE/go.sum" "$HERE"/*.go | sha256sum | cut -c1-16)"
HOME_DIR="$CACHE_DIR/k8s-validate-$VERSION"

build() {
  local go tmp started
  go="${LINGOSTREAM_GO:-$(command -v go || echo /usr/local/go/bin/go)}"
  [[ -x "$go" ]] || die "Go not found (builds the Kubernetes validator): install Go 1.26.8+ (go.mod) or set LINGOSTREAM_GO"
  printf '[k8s-validate] building with %s (minutes the first time)\n' "$(GOTOOLCHAIN=local "$go" env GOVERSION)" >&2
  started=$(date +%s)
  tmp="$HOME_DIR.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # GOTOOLCHAIN=local: never fetch another Go; -mod=readonly: go.sum pins every module.
  if ! (cd "$HERE" && GOTOOLCHAIN=local GOFLAGS=-mod=readonly "$go" build -o "$tmp/k8s-validate" .) >"$tmp/build.log" 2>&1; then
    cat "$tmp/build.log" >&2
    die "could not build the Kubernetes validator with $go"
  fi
  echo "$VERSION" >"$tmp/.installed"
  # Builds of earlier sources are of no further use.
  find "$CACHE_DIR" -maxdepth 1 -name 'k8s-validate-*' ! -name "k8s-validate-$VERSION*" -exec rm -rf {} +
  mv "$tmp" "$HOME_DIR"
  printf '[k8s-validate] built in %d s\n' "$(( $(date +%s) - started ))" >&2
}

if [[ ! -f "$HOME_DIR/.installed" ]]; then
  command -v flock >/dev/null 2>&1 || die "flock not found on PATH (util-linux)"
  mkdir -p "$CACHE_DIR"
  exec {lock}>"$CACHE_DIR/.k8s-validate.lock"
  flock "$lock"
  # Another run may have built it while this one waited.
  [[ -f "$HOME_DIR/.installed" ]] || build
  exec {lock}>&-
fi

exec "$HOME_DIR/k8s-validate" "$@"
