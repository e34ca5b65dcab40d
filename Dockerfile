# syntax=docker/dockerfile:1
# One image for every lingostream role: `worker segmenter`, `worker asr`,
# `worker sink`, `worker monitor` or `worker all` (the default), and the other
# commands (`topics apply`, `status`...). Its install steps are
# infra/image/install.sh's, the same script infra/image/build-rootfs.sh runs to
# prove this file system without a container engine (`npm run test:image`);
# its Debian packages are scripts/bootstrap.sh's groups, the list a
# developer's machine and CI install.
#
#   docker build -t lingostream .
#   docker run lingostream worker asr --metrics-port 9464
#
# bookworm: the release bootstrap.sh's packages are installed from on the
# project's machines (PocketSphinx 0.8, Python 3.11 for the whisper venv).

# ---------------------------------------------------------------- build
# Debian's build packages, the CLI packed (compiled JS, every workspace and
# production dependency bundled) and installed without dev dependencies,
# Node 24 (relocatable) and the PocketSphinx decoder compiled inside the
# install, all under /opt/lingostream: the runtime stage needs no compiler.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN bash infra/image/install.sh build /opt/lingostream

# ---------------------------------------------------------------- runtime
FROM debian:bookworm-slim AS runtime
COPY --from=build /opt/lingostream /opt/lingostream
# The runtime packages (ffmpeg, PocketSphinx and its en-us model, Python for
# the whisper venv, tini), the non-root user 10001, `node` and `lingostream` on PATH.
RUN bash /opt/lingostream/image/install.sh runtime /opt/lingostream
USER 10001:10001
ENV HOME=/home/lingostream
# The whisper engine's venv: hash-pinned wheels, the tiny.en and base models
# checked against their pinned hashes. A venv's paths are absolute, so it is
# built where it runs, in the user's cache.
RUN bash /opt/lingostream/image/install.sh whisper-venv /opt/lingostream

# /metrics, /healthz and /readyz; the CMD below serves them on this port.
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini as PID 1: it forwards SIGTERM to node, which drains, and reaps the
# decoders' and ffmpeg's exited children.
ENTRYPOINT ["/usr/bin/tini", "--", "lingostream"]
# Every role in one process, with the port the HEALTHCHECK asks; on
# Kubernetes each Deployment runs one role (infra/k8s/lingostream).
CMD ["worker", "all", "--metrics-port", "9464"]
