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
# per version of its source (infra/go-tool.sh). The first build fetches Helm,
# client-go, KEDA's API types and BuildKit's Dockerfile parser from the Go
# module proxy and compiles them (minutes on two cores).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=infra/go-tool.sh
source "$HERE/../../go-tool.sh"

die() { printf '[k8s-validate] ERROR: %s\n' "$*" >&2; exit 2; }

(( $# >= 2 )) || die "usage: validate.sh chart <chart dir> [values.yaml...] | validate.sh manifest <file.yaml...>"

validator="$(go_tool k8s-validate "$HERE" "Kubernetes validator" "1.26.8+ (go.mod)")"
exec "$validator" "$@"
