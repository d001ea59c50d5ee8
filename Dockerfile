# finding-relay container image.
#
#   docker build -t finding-relay .                   # the runtime image (last stage)
#   docker run --rm finding-relay check               # any command: worker (default), setup, publish, check, …
#
# Stages: `build` compiles TypeScript with every dependency; `sandbox` adds the Slack and GitHub
# stand-ins for docker compose (never deployed); `runtime` is what ships: node:24-slim, production
# dependencies only, compiled JavaScript, a non-root user.
#
# Signals: the exec-form ENTRYPOINT makes node PID 1. finding-relay installs its own SIGTERM and
# SIGINT handlers (stop pulling, flush, settle, exit 0) and starts no child processes, so no init
# (tini, `docker run --init`) is needed: there are no zombies to reap and nothing to forward to.
# Cloud Run and `docker stop` send SIGTERM and wait 10 s; the worker's drain is bounded at 8 s.

ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# All dependencies: the compiler is a devDependency. The `allowScripts` field of package.json
# approves the install scripts this needs (node, esbuild, protobufjs).
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
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
# Production dependencies only: devDependencies (the `node` npm package, the compiler, test tools)
# are not installed; the npm cache is dropped so it does not ship in the layer.
RUN npm ci --omit=dev --no-audit --no-fund \
    && npm cache clean --force
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
