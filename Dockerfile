# finding-relay container image.
#
#   docker build -t finding-relay .                   # the runtime image (last stage)
#   docker run --rm finding-relay check               # any command: worker (default), setup, publish, check, …
#
# Stages: `build` compiles TypeScript (the workspace package packages/publisher, then the relay)
# with every dependency; `sandbox` adds the Slack and GitHub
# stand-ins for docker compose (never deployed); `runtime` is what ships: node:24-slim (pinned by
# digest below), production
# dependencies only, compiled JavaScript, a non-root user.
#
# Signals: the exec-form ENTRYPOINT makes node PID 1. finding-relay installs its own SIGTERM and
# SIGINT handlers (stop pulling, flush, settle, exit 0) and starts no child processes, so no init
# (tini, `docker run --init`) is needed: there are no zombies to reap and nothing to forward to.
# Cloud Run and `docker stop` send SIGTERM and wait 10 s; the worker's drain is bounded at 8 s.

# The base image, pinned by digest (the multi-platform index of node:24-slim, Node 24.19.0 on
# Debian bookworm, published 2026-08-03): a rebuild gets the same bytes until this line changes.
# To update: `docker buildx imagetools inspect node:24-slim` (the "Digest:" line of the index) or
# `docker pull node:24-slim && docker inspect --format '{{index .RepoDigests 0}}' node:24-slim`,
# then replace the digest below and keep the tag in front of it for readers.
ARG NODE_IMAGE=node:24-slim@sha256:cd84903a12dbd26b46f1f3b8144a2568c41c5d37ddd0c7a80a34c7a19786b35f

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The devDependency that brings Node 24 for the npm scripts (its platform package, pinned with
# integrity in package-lock.json; docs/supply-chain.md) lives in this folder.
COPY tools/node24/package.json ./tools/node24/
# The npm workspace (package.json "workspaces"): the publisher package, which the relay depends on
# and npm links into node_modules/@finding-relay/publisher.
COPY packages/publisher/package.json ./packages/publisher/
# All dependencies: the compiler is a devDependency. The `allowScripts` field of package.json
# approves the install scripts this needs (esbuild, protobufjs).
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY packages/publisher/tsconfig.json packages/publisher/tsconfig.build.json ./packages/publisher/
COPY packages/publisher/src ./packages/publisher/src
COPY schemas ./schemas
COPY src ./src
RUN npm run build

# Local sandbox only: the project's Slack and GitHub stand-ins behind fixed ports (docker/sandbox.ts).
FROM build AS sandbox
COPY test/support ./test/support
COPY test/fixtures ./test/fixtures
COPY docker ./docker
USER node
EXPOSE 3001 3002
CMD ["node", "--import", "tsx", "docker/sandbox.ts"]

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HTTP_HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/publisher/package.json ./packages/publisher/
# Production dependencies only: devDependencies (Node 24's npm package, the compiler, test tools)
# are not installed; the npm cache is dropped so it does not ship in the layer. The workspace
# package is linked (node_modules/@finding-relay/publisher → packages/publisher) and gets its
# compiled JavaScript from the build stage.
RUN npm ci --omit=dev --no-audit --no-fund \
    && npm cache clean --force
COPY --from=build /app/packages/publisher/dist ./packages/publisher/dist
COPY --from=build /app/dist ./dist
COPY schemas ./schemas
# `finding-relay` on the PATH, for `docker compose exec worker finding-relay check`.
RUN chmod 0755 dist/main.js && ln -s /app/dist/main.js /usr/local/bin/finding-relay
USER node
EXPOSE 8080
# Liveness only (/readyz is readiness). slim has no curl: node's own fetch does the probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/main.js"]
CMD ["worker"]
