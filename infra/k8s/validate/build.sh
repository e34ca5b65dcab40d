#!/usr/bin/env bash
# Builds k8s-validate once per version of its source into the per-user cache
# and prints the binary's path. Go's own module and build caches (per user)
# make a rebuild after a source change quick; the first build downloads Helm's,
# Kubernetes' and KEDA's modules from the Go module proxy and compiles them
# (a few minutes on two cores). One build at a time: concurrent callers wait
# on the lock and then find the binary built.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_ROOT="${LINGOSTREAM_K8S_VALIDATE_CACHE:-${XDG_CACHE_HOME:-${HOME:?set HOME or LINGOSTREAM_K8S_VALIDATE_CACHE}/.cache}/lingostream/k8s-validate}"

say() { echo "[k8s-validate] $*" >&2; }
die() { say "$*"; exit 1; }

go="${LINGOSTREAM_GO:-$(command -v go || true)}"
[[ -z "$go" && -x /usr/local/go/bin/go ]] && go=/usr/local/go/bin/go
[[ -n "$go" && -x "$go" ]] || die "Go not found (k8s-validate is built from source; go.mod says which version): install Go or set LINGOSTREAM_GO to its go binary"
command -v flock >/dev/null || die "flock not found (util-linux): needed to build into the shared cache one at a time"

# The binary is named by a hash of what it is built from.
key="$(cat "$HERE/go.mod" "$HERE/go.sum" "$HERE"/*.go | sha256sum | cut -c1-16)"
target="$CACHE_ROOT/$key/k8s-validate"
if [[ -x "$target" ]]; then echo "$target"; exit 0; fi

mkdir -p "$CACHE_ROOT"
exec {lock}>"$CACHE_ROOT/.build.lock"
if ! flock -n "$lock"; then
  say "another build into $CACHE_ROOT is under way; waiting for it"
  flock "$lock"
fi
if [[ -x "$target" ]]; then echo "$target"; exit 0; fi

say "building with $(GOTOOLCHAIN=local "$go" env GOVERSION) into $CACHE_ROOT/$key (minutes the first time)"
start=$(date +%s)
tmp="$CACHE_ROOT/$key.tmp"
rm -rf "$tmp"
mkdir -p "$tmp"
# GOTOOLCHAIN=local: never fetch another Go; -mod=readonly: go.sum must already be complete.
(cd "$HERE" && GOTOOLCHAIN=local GOFLAGS=-mod=readonly "$go" build -trimpath -o "$tmp/k8s-validate" .) >&2 ||
  die "could not build $HERE with $go"
rm -rf "$CACHE_ROOT/$key"
mv "$tmp" "$CACHE_ROOT/$key"
say "built in $(( $(date +%s) - start )) s"
echo "$target"
