#!/usr/bin/env bash
# Checks a Compose file with Docker Compose's own loader (main.go) and prints
# the loaded project as JSON; exits 1 with one line on stderr if Compose would
# refuse the file. No Docker engine is needed.
#
#   infra/compose-check/check.sh docker-compose.yml
#
# The checker is built with Go into the local stack's per-user cache, once per
# version of its source (infra/go-tool.sh); the first build fetches compose-go
# from the Go module proxy.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=infra/go-tool.sh
source "$HERE/../go-tool.sh"

die() { printf '[compose-check] ERROR: %s\n' "$*" >&2; exit 2; }

(( $# == 1 )) || die "usage: check.sh <compose file>"
[[ -f "$1" ]] || die "no such file: $1"

checker="$(go_tool compose-check "$HERE" "compose checker" 1.25+)"
exec "$checker" "$1"
