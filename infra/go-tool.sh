# Sourced by infra/compose-check/check.sh and infra/k8s/validate/validate.sh:
# builds a small Go program of this repository into the local stack's per-user
# cache, once per version of its source, one build at a time (flock), as
# stack.sh builds the S3 server; later builds reuse Go's own caches.
#   LINGOSTREAM_STACK_CACHE   the cache (default ~/.cache/lingostream/stack)
#   LINGOSTREAM_GO            the go binary (default: go on PATH, or /usr/local/go/bin/go)
# The caller defines die() (one line, exit 2).

# go_tool <name> <source dir> <what it is, for messages> <Go it needs>: prints the built binary's path.
go_tool() {
  local name="$1" src="$2" what="$3" needs="$4"
  local cache="${LINGOSTREAM_STACK_CACHE:-${XDG_CACHE_HOME:-${HOME:?set HOME or LINGOSTREAM_STACK_CACHE}/.cache}/lingostream/stack}"
  # The build is named after its sources, so an edit to them builds anew.
  local version home lock
  version="$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -c1-16)"
  home="$cache/$name-$version"
  if [[ ! -f "$home/.installed" ]]; then
    command -v flock >/dev/null 2>&1 || die "flock not found on PATH (util-linux)"
    mkdir -p "$cache"
    exec {lock}>"$cache/.$name.lock"
    flock "$lock"
    # Another run may have built it while this one waited.
    [[ -f "$home/.installed" ]] || go_tool_build "$name" "$src" "$what" "$needs" "$cache" "$version" "$home"
    exec {lock}>&-
  fi
  echo "$home/$name"
}

go_tool_build() {
  local name="$1" src="$2" what="$3" needs="$4" cache="$5" version="$6" home="$7"
  local go tmp started
  go="${LINGOSTREAM_GO:-$(command -v go || echo /usr/local/go/bin/go)}"
  [[ -x "$go" ]] || die "Go not found (builds the $what): install Go $needs or set LINGOSTREAM_GO"
  printf '[%s] building with %s\n' "$name" "$(GOTOOLCHAIN=local "$go" env GOVERSION)" >&2
  started=$(date +%s)
  tmp="$home.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # GOTOOLCHAIN=local: never fetch another Go; -mod=readonly: go.sum pins every module.
  if ! (cd "$src" && GOTOOLCHAIN=local GOFLAGS=-mod=readonly "$go" build -o "$tmp/$name" .) >"$tmp/build.log" 2>&1; then
    cat "$tmp/build.log" >&2
    die "could not build the $what with $go"
  fi
  echo "$version" >"$tmp/.installed"
  # Builds of earlier sources are of no further use.
  find "$cache" -maxdepth 1 -name "$name-*" ! -name "$name-$version*" -exec rm -rf {} +
  mv "$tmp" "$home"
  printf '[%s] built in %d s\n' "$name" "$(($(date +%s) - started))" >&2
}
