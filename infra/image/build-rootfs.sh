#!/usr/bin/env bash
# Proves the image's contents without a container engine: assembles the file
# system the Dockerfile describes and runs a worker from it against the local
# stack, transcribing a sample.
#   - runtime base: Debian bookworm (mmdebstrap, variant apt) with the runtime
#     stage's packages (install.sh runtime-packages: bootstrap.sh's runtime
#     group and tini), cached as a tarball in the per-user cache, keyed by the
#     suite, mirrors and package list;
#   - build stage: `install.sh build` on this machine (Debian bookworm, like
#     the Dockerfile's build stage) straight into the root's /opt/lingostream;
#   - runtime stage: `install.sh runtime` inside the root (chroot);
#   - then, as the non-root user, in new mount and PID namespaces with tini as
#     PID 1: `topics apply`, `worker all` with its metrics port, the Dockerfile's
#     HEALTHCHECK command, `transcribe` of samples/weather-report.mp3 (the
#     PocketSphinx engine), and SIGTERM, which must drain to exit 0.
# Needs root (chroot, mounts) and the stack's addresses in the environment
# (`eval "$(bash infra/local-stack/stack.sh up)"`); every KAFKA_*, SCHEMA_REGISTRY_*,
# S3_*, AWS_* and LINGOSTREAM_* variable is passed into the root.
#   bash infra/image/build-rootfs.sh [--keep]   (--keep leaves the root for a look)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
SUITE=bookworm
MIRRORS=(
  "deb http://deb.debian.org/debian $SUITE main"
  "deb http://deb.debian.org/debian $SUITE-updates main"
  "deb http://deb.debian.org/debian-security $SUITE-security main"
)
PREFIX=/opt/lingostream
SAMPLE=weather-report
CACHE="${XDG_CACHE_HOME:-${HOME:?}/.cache}/lingostream"

say() { printf '[rootfs] %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
elapsed() { echo "$(($(date +%s) - $1)) s"; }

# shellcheck source=scripts/bootstrap.sh
source "$REPO/scripts/bootstrap.sh"
ensure_node
keep=false
[ "${1:-}" = --keep ] && keep=true
[ "$(id -u)" -eq 0 ] || die "needs root: chroot and the mounts of /proc, /sys and /dev inside the root"
[ -n "${KAFKA_BROKERS:-}" ] || die "KAFKA_BROKERS is not set: bring the local stack up and export its addresses (eval \"\$(bash infra/local-stack/stack.sh up)\")"
if ! command -v mmdebstrap >/dev/null 2>&1; then
  say "installing mmdebstrap"
  apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >&2
fi

# ---------------------------------------------------------------- base
read -r -a packages <<<"$(bash "$HERE/install.sh" runtime-packages)"
key="$(printf '%s\n' "$SUITE" "${MIRRORS[@]}" "${packages[@]}" | sha256sum | cut -c1-16)"
base="$CACHE/rootfs-$SUITE-$key.tar"
started=$(date +%s)
if [ -f "$base" ]; then
  say "runtime base from the cache: $base"
else
  say "building the runtime base with mmdebstrap: $SUITE + ${packages[*]}"
  mkdir -p "$CACHE"
  mmdebstrap --quiet --variant=apt --format=tar --include="$(IFS=,; echo "${packages[*]}")" \
    "$SUITE" "$base.partial" "${MIRRORS[@]}" ||
    die "mmdebstrap could not build the base (see above; it needs a reachable Debian mirror: ${MIRRORS[0]})"
  mv "$base.partial" "$base"
  say "runtime base built in $(elapsed "$started"): $(du -h "$base" | cut -f1)"
fi

# PID 1 (tini) of each namespace in_root started below process $1 (the script,
# or the subshell that runs the backgrounded worker).
namespace_inits() {
  local ns
  for ns in $(pgrep -x unshare -P "$1"); do pgrep -P "$ns" || true; done
}

work="$(mktemp -d "${TMPDIR:-/tmp}/lingostream-rootfs-XXXXXX")"
root="$work/root"
runner=""
cleanup() {
  # A namespace's PID 1 takes every process in it along: the worker, and a
  # command still running when the script was stopped.
  local init
  for init in $(namespace_inits "$$") ${runner:+$(namespace_inits "$runner")}; do kill -KILL "$init" 2>/dev/null || true; done
  [ -z "$runner" ] || wait "$runner" 2>/dev/null || true
  if $keep; then say "root kept at $root"; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir "$root"
tar -C "$root" -xf "$base"
# Docker writes these into every container; a chroot has the base's (or none).
cp /etc/hosts "$root/etc/hosts"
cp /etc/resolv.conf "$root/etc/resolv.conf"

# ---------------------------------------------------------------- stages
started=$(date +%s)
LINGOSTREAM_ROOT="$REPO" bash "$HERE/install.sh" build "$root$PREFIX"
say "build stage in $(elapsed "$started")"
started=$(date +%s)
chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  bash "$PREFIX/image/install.sh" runtime "$PREFIX"
say "runtime stage in $(elapsed "$started"); root: $(du -sh "$root" | cut -f1)"

# ---------------------------------------------------------------- run
# The caller's stack settings, and a topic prefix, consumer groups and tenant of
# this run's own (a tenant that transcribed the sample before would find it done).
run_id="rootfs-$(date +%s)-$$."
env_args=(HOME=/home/lingostream PATH=/usr/local/bin:/usr/bin:/bin)
while IFS= read -r line; do env_args+=("$line"); done < <(env | grep -E '^(KAFKA_|SCHEMA_REGISTRY_|S3_|AWS_|LINGOSTREAM_)' | grep -vE '^LINGOSTREAM_(TOPIC_PREFIX|ASR_GROUP|SEGMENTER_GROUP|SINK_GROUP|ASR_ENGINE|TENANT)=' || true)
env_args+=(LINGOSTREAM_TOPIC_PREFIX="$run_id" LINGOSTREAM_ASR_GROUP="${run_id}asr" LINGOSTREAM_SEGMENTER_GROUP="${run_id}segmenter"
  LINGOSTREAM_SINK_GROUP="${run_id}sink" LINGOSTREAM_TENANT="${run_id%.}" LINGOSTREAM_ASR_ENGINE=pocketsphinx)
metrics_port="$(node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"

# As the image runs: the non-root user, tini as PID 1 of its own PID namespace,
# /proc, /sys (the cgroup limit the governor reads) and /dev inside the root;
# the mounts end with the namespace.
in_root() {
  unshare --mount --pid --fork --kill-child -- bash -c '
    root="$1"; shift
    mount -t proc proc "$root/proc" && mount --rbind /sys "$root/sys" && mount --rbind /dev "$root/dev"
    exec chroot --userspec=10001:10001 "$root" /usr/bin/env -i "$@"' in-root "$root" "${env_args[@]}" "$@"
}

say "lingostream $(in_root /usr/bin/tini -- lingostream --version) in the root, as $(in_root /usr/bin/id -un)"
in_root /usr/bin/tini -- lingostream topics apply >&2

started=$(date +%s)
in_root /usr/bin/tini -- lingostream worker all --metrics-port "$metrics_port" >"$work/worker.log" 2>&1 &
runner=$!
# The Dockerfile's HEALTHCHECK, run the same way (inside the root), until it passes.
healthcheck="fetch('http://127.0.0.1:$metrics_port/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
for _ in $(seq 1 120); do
  kill -0 "$runner" 2>/dev/null || { tail -n 20 "$work/worker.log" >&2; die "worker all ended before it was healthy"; }
  in_root /usr/local/bin/node -e "$healthcheck" && break
  sleep 1
done
in_root /usr/local/bin/node -e "$healthcheck" || die "the HEALTHCHECK did not pass within 120 s"
say "worker all healthy after $(elapsed "$started")"

install -d -o 10001 -g 10001 "$root/tmp/job" "$root/tmp/job/out"
cp "$REPO/samples/$SAMPLE.mp3" "$root/tmp/job/"
started=$(date +%s)
in_root /usr/bin/tini -- lingostream transcribe "/tmp/job/$SAMPLE.mp3" --out /tmp/job/out >&2
transcript="$root/tmp/job/out/$SAMPLE.json"
[ -s "$transcript" ] || die "no transcript at $transcript"
summary="$(python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
words = t["text"].split()
print("%d of %d segments transcribed, %d words: %s ..." % (t["transcribedCount"], t["segmentCount"], len(words), " ".join(words[:12])))
sys.exit(0 if t["failedCount"] == 0 and t["transcribedCount"] > 0 and words else 1)' "$transcript")" || die "the transcript is incomplete: $summary"
say "transcribed in $(elapsed "$started"): $summary"

# SIGTERM to the namespace's PID 1 (tini), which forwards it to node; a drained worker exits 0.
tini_pid="$(namespace_inits "$runner")"
[ -n "$tini_pid" ] || die "found no namespace under the worker's process $runner"
kill -TERM "$tini_pid"
code=0
wait "$runner" || code=$?
runner=""
[ "$code" -eq 0 ] || { tail -n 20 "$work/worker.log" >&2; die "worker all exited $code after SIGTERM"; }
say "worker all drained and exited 0 after SIGTERM; the image's contents hold"
