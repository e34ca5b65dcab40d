# syntax=docker/dockerfile:1
# One image for every lingostream role: `worker segmenter`, `worker asr`,
# `worker sink`, `worker monitor` or `worker all` (the default), and the other
# commands (`topics apply`, `status`...). The TypeScript runs as it is on Node
# 24's type stripping, from the checkout copied in; nothing is compiled but
# the PocketSphinx decoder. Debian packages come from the groups in
# scripts/bootstrap.sh, the same list a developer's machine and CI install.
#
#   docker build -t lingostream .
#   docker run --init lingostream worker asr --metrics-port 9464
#
# bookworm: the release scripts/bootstrap.sh's packages are installed from on
# the project's machines (PocketSphinx 0.8, Python 3.11 for the whisper venv).
ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------- build
FROM ${NODE_IMAGE} AS build
ENV LINGOSTREAM_ROOT=/app
WORKDIR /app
COPY scripts/bootstrap.sh scripts/bootstrap.sh
RUN bash scripts/bootstrap.sh apt runtime build && rm -rf /var/lib/apt/lists/*

# The manifests alone first, so the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
COPY schemas/package.json schemas/
COPY runtime/package.json runtime/
COPY producers/segmenter/package.json producers/segmenter/
COPY processors/asr/package.json processors/asr/
COPY processors/pressure-monitor/package.json processors/pressure-monitor/
COPY sinks/s3/package.json sinks/s3/
COPY cli/package.json cli/
COPY testkit/package.json testkit/
COPY bench/package.json bench/
# Tests and benchmarks are never a production dependency: no dev dependencies.
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

COPY . .
# The persistent PocketSphinx decoder, compiled here so the runtime stage needs no compiler;
# build.sh finds it newer than its source at start and does nothing.
RUN sh processors/asr/native/build.sh

# The whisper engine's venv (hash-pinned wheels, tiny.en and base models
# checked against their pinned hashes), built as the runtime user in the home
# it has there: a venv's paths are absolute, so it is copied to the same place.
RUN groupadd --gid 10001 lingostream && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/lingostream lingostream
USER lingostream
ENV HOME=/home/lingostream
RUN bash processors/asr/python/ensure-venv.sh

# ---------------------------------------------------------------- runtime
FROM ${NODE_IMAGE} AS runtime
ENV LINGOSTREAM_ROOT=/app HOME=/home/lingostream
WORKDIR /app
# tini: PID 1 that forwards SIGTERM to node (which drains) and reaps the
# decoders' and ffmpeg's exited children.
COPY scripts/bootstrap.sh /tmp/bootstrap.sh
RUN bash /tmp/bootstrap.sh apt runtime tini && rm -rf /var/lib/apt/lists/* /tmp/bootstrap.sh \
  && groupadd --gid 10001 lingostream && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/lingostream lingostream
COPY --from=build /app /app
COPY --from=build --chown=10001:10001 /home/lingostream/.cache /home/lingostream/.cache
# `lingostream` on PATH is the CLI's bin (cli/bin/lingostream), not ./lingostream,
# which installs missing packages and needs root. The decoder is touched so
# build.sh sees it newer than its source whatever times the copy kept.
RUN ln -s /app/cli/bin/lingostream /usr/local/bin/lingostream \
  && touch /app/processors/asr/native/build/ps-decoder
USER 10001:10001

# /metrics, /healthz and /readyz; the CMD below serves them on this port.
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "lingostream"]
# Every role in one process, with the port the HEALTHCHECK asks; on
# Kubernetes each Deployment runs one role (infra/k8s/lingostream).
CMD ["worker", "all", "--metrics-port", "9464"]
