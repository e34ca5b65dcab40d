#!/usr/bin/env bash
# The image's install steps, one script for the Dockerfile and for
# infra/image/build-rootfs.sh (which proves the same file system without a
# container engine). Two stages, as in the Dockerfile:
#
#   install.sh build [prefix]    in the checkout, on Debian bookworm with npm:
#       Debian build packages, the packed CLI (infra/image/pack.ts, which
#       bundles its production dependencies) installed into prefix/app, Node 24 from the npm
#       registry into prefix/node, the PocketSphinx decoder compiled inside
#       the install, and these scripts into prefix/image.
#   install.sh whisper-venv [prefix]   optional, as the runtime user: the
#       whisper engine's venv in ~/.cache (absolute paths: build it where it runs).
#   install.sh runtime [prefix]  on the runtime stage's Debian, as root, after
#       prefix was copied there: the runtime Debian packages, the non-root user,
#       and `node` and `lingostream` on PATH.
#   install.sh runtime-packages  prints the runtime stage's Debian packages.
#
# prefix defaults to /opt/lingostream.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# In the checkout bootstrap.sh is at scripts/; in prefix/image beside this script.
BOOTSTRAP="$HERE/../../scripts/bootstrap.sh"
[ -f "$BOOTSTRAP" ] || BOOTSTRAP="$HERE/bootstrap.sh"
# shellcheck source=scripts/bootstrap.sh
source "$BOOTSTRAP"

# The runtime group plus the image's init: PID 1 that forwards SIGTERM to node
# (which drains) and reaps the decoders' and ffmpeg's exited children.
RUNTIME_PACKAGES=("${APT_RUNTIME[@]}" tini)
# The Dockerfile's user, so files owned by it mean the same in both.
USER_ID=10001
# Where the CLI's bundled workspaces sit inside the install.
ASR_PACKAGE=app/node_modules/@lingostream/cli/node_modules/@lingostream/asr

say() { printf '[image] %s\n' "$*" >&2; }

build_stage() {
  local prefix="$1" tarball
  ensure_apt_packages "${APT_RUNTIME[@]}" "${APT_BUILD[@]}"
  ensure_node
  ensure_npm_deps
  mkdir -p "$prefix/app" "$prefix/image"
  tarball="$(node "$LINGOSTREAM_ROOT/infra/image/pack.ts" "$prefix/image")"
  say "installing $(basename "$tarball") into $prefix/app"
  printf '{ "name": "lingostream-image", "private": true }\n' >"$prefix/app/package.json"
  # Offline: the tarball bundles every production dependency.
  (cd "$prefix/app" && npm install --offline --no-audit --no-fund --loglevel=error "$tarball" >&2)
  rm -f "$tarball"
  say "installing Node $NODE_WANTED into $prefix/node"
  install_node "$prefix/node"
  sh "$prefix/$ASR_PACKAGE/native/build.sh" >&2
  cp "$HERE/install.sh" "$BOOTSTRAP" "$prefix/image/"
}

whisper_venv() {
  bash "$1/$ASR_PACKAGE/python/ensure-venv.sh" >/dev/null
}

runtime_stage() {
  local prefix="$1"
  [ -x "$prefix/node/bin/node" ] || { say "$prefix/node/bin/node is missing: copy the build stage's $prefix here first"; exit 1; }
  ensure_apt_packages "${RUNTIME_PACKAGES[@]}"
  rm -rf /var/lib/apt/lists/*
  getent group lingostream >/dev/null || groupadd --gid "$USER_ID" lingostream
  getent passwd lingostream >/dev/null || useradd --uid "$USER_ID" --gid "$USER_ID" --create-home --home-dir /home/lingostream lingostream
  ln -sfn "$prefix/node/bin/node" /usr/local/bin/node
  ln -sfn "$prefix/app/node_modules/.bin/lingostream" /usr/local/bin/lingostream
  # build.sh runs at every start and does nothing while the decoder is newer
  # than its source, whatever times the copy kept (there is no compiler here).
  touch "$prefix/$ASR_PACKAGE/native/build/ps-decoder"
}

command="${1:-}"
prefix="${2:-/opt/lingostream}"
case "$command" in
  build) build_stage "$prefix" ;;
  whisper-venv) whisper_venv "$prefix" ;;
  runtime) runtime_stage "$prefix" ;;
  runtime-packages) echo "${RUNTIME_PACKAGES[@]}" ;;
  *)
    say "usage: install.sh build|whisper-venv|runtime [prefix] | install.sh runtime-packages"
    exit 2
    ;;
esac
