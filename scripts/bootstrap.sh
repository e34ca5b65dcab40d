# Sourced by ./lingostream and .ci/run: makes a fresh Debian machine able to run
# lingostream. Each step is skipped when already satisfied.
#   LINGOSTREAM_SKIP_APT=1   never call apt-get (install the packages yourself)
#   LINGOSTREAM_SKIP_WHISPER_VENV=1   do not build the whisper engine's venv ahead
#                                     (the engine builds it on first use)

LINGOSTREAM_ROOT="${LINGOSTREAM_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
LINGOSTREAM_TOOLS="${LINGOSTREAM_TOOLS:-$LINGOSTREAM_ROOT/.tools}"
# Turbo would try to send telemetry; these machines have no internet.
export TURBO_TELEMETRY_DISABLED=1
NODE_MIN_MAJOR=22
NODE_WANTED=24

log() { printf '[bootstrap] %s\n' "$*" >&2; }

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Node $NODE_WANTED from the npm registry's node package into the prefix $1
# ($1/bin/node, relocatable: the image copies it as it is).
install_node() {
  mkdir -p "$1"
  npm install --global --no-audit --no-fund --loglevel=error --prefix "$1" "node@$NODE_WANTED" >&2
}

# Node 24 LTS from the npm registry when the system Node is older than 22.
ensure_node() {
  if [ -x "$LINGOSTREAM_TOOLS/node/bin/node" ]; then
    export PATH="$LINGOSTREAM_TOOLS/node/bin:$PATH"
  fi
  if [ "$(node_major)" -ge "$NODE_MIN_MAJOR" ]; then return 0; fi
  log "Node $(node --version 2>/dev/null || echo none) is too old; installing Node $NODE_WANTED from the npm registry into $LINGOSTREAM_TOOLS/node"
  install_node "$LINGOSTREAM_TOOLS/node"
  export PATH="$LINGOSTREAM_TOOLS/node/bin:$PATH"
  if [ "$(node_major)" -lt "$NODE_MIN_MAJOR" ]; then
    log "could not get Node >= $NODE_MIN_MAJOR (have $(node --version))"; return 1
  fi
}

# Debian packages by purpose: a developer's machine and CI get them all; the
# image installs only what each stage needs (infra/image/install.sh).
# runtime: what the workers run (decoders, models, ffmpeg, the whisper venv's python).
APT_RUNTIME=(ffmpeg pocketsphinx pocketsphinx-en-us python3 python3-venv fonts-dejavu-core)
# build: compiling the PocketSphinx decoder (processors/asr/native).
APT_BUILD=(libpocketsphinx-dev libsphinxbase-dev gcc pkg-config)
# dev: test speech and data, the local stack's downloads, and promtool, which
# checks and unit-tests infra/prometheus (the server is not used).
APT_DEV=(flite pocketsphinx-testdata curl prometheus)
APT_PACKAGES=("${APT_RUNTIME[@]}" "${APT_BUILD[@]}" "${APT_DEV[@]}")

ensure_apt() {
  local missing=()
  command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  ensure_apt_packages "${APT_PACKAGES[@]}" "${missing[@]}"
}

# Installs those of the given Debian packages that are missing.
ensure_apt_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "${LINGOSTREAM_SKIP_APT:-}" = 1 ]; then
    log "missing Debian packages: ${missing[*]} (LINGOSTREAM_SKIP_APT=1, not installing)"; return 1
  fi
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  log "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# npm ci when node_modules is missing or older than the lock file.
ensure_npm_deps() {
  local stamp="$LINGOSTREAM_ROOT/node_modules/.package-lock.json"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$LINGOSTREAM_ROOT/package-lock.json" ]; then return 0; fi
  log "installing npm dependencies (npm ci)"
  (cd "$LINGOSTREAM_ROOT" && npm ci --no-audit --no-fund --loglevel=error >&2)
}

# The whisper engine's Python: a venv of hash-pinned packages in the per-user
# cache (about 15 s and 830 MB once per machine; a no-op afterwards).
ensure_whisper_venv() {
  if [ "${LINGOSTREAM_SKIP_WHISPER_VENV:-}" = 1 ]; then return 0; fi
  bash "$LINGOSTREAM_ROOT/processors/asr/python/ensure-venv.sh" >/dev/null
}

bootstrap_all() {
  ensure_apt && ensure_node && ensure_npm_deps || return 1
  # The default engine (whisper) needs it, but it retries on first use: not fatal here.
  ensure_whisper_venv || log "the whisper engine's venv could not be built (see above); the whisper engine will try again on first use"
}
