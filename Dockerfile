# orapool container image.
#
#   docker build -t orapool .
#   docker run --rm -p 5001:5001 -e DB_USER=... -e DB_PASSWORD_FILE=/run/secrets/db_password ... orapool
#
# Stages: deps (all dependencies) -> build (tsc) -> prod-deps (production dependencies only)
#         -> sim-build -> sim (the Oracle wire-protocol simulator package, built, for
#            docker compose --profile sim; docker build --target sim)
#         -> runtime (the default target: production dependencies + dist/, nothing else).
#
# The base image is a build argument so machines without registry access can build on a
# stand-in (test/deploy/image.test.ts does). Pinned for reproducible builds; the code also
# runs on Node 20, the project's minimum (package.json engines). Node 26 'Lithium' became the
# active LTS on 2026-10-28 (26.13.0; supported to April 2029); Debian trixie is the current stable.
ARG NODE_IMAGE=node:26.13.0-trixie-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The workspace's manifest too: npm ci checks the lockfile against every workspace.
COPY packages/oracle-sim/package.json ./packages/oracle-sim/
# --ignore-scripts: no dependency needs an install script (oracledb thin mode is pure JavaScript,
# no Instant Client), and skipping them keeps the build from running arbitrary code.
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM deps AS prod-deps
# --workspaces=false: npm keeps workspace links even with --omit=dev; the simulator package is a
# dev dependency and its folder is not in the runtime image, so its link goes too.
RUN npm prune --omit=dev --workspaces=false --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM deps AS sim-build
COPY packages/oracle-sim/tsconfig.json ./packages/oracle-sim/
COPY packages/oracle-sim/src ./packages/oracle-sim/src
# Its build script (scripts/prepare.mjs runs tsc -b and keeps the bin executable).
COPY packages/oracle-sim/scripts ./packages/oracle-sim/scripts
RUN npm run build -w @orapool/oracle-sim

# The simulator package, built: its JavaScript and its package.json. It has no runtime dependencies
# (node only), so there is no node_modules: no tsx, no TypeScript, no dev dependencies. A separate
# target that is never the default and never shipped; it listens on all interfaces inside the
# compose network.
FROM ${NODE_IMAGE} AS sim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=sim-build /app/packages/oracle-sim/package.json ./
COPY --from=sim-build /app/packages/oracle-sim/dist ./dist
USER 1000:1000
EXPOSE 1521
# node is PID 1 and gets docker stop's SIGTERM: the simulator closes every socket and exits 0.
STOPSIGNAL SIGTERM
CMD ["node", "dist/cli/main.js", "--host", "0.0.0.0", "--port", "1521"]

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="orapool" \
      org.opencontainers.image.description="Oracle Database connection pool service (oracledb thin mode) with health endpoints and Prometheus metrics" \
      org.opencontainers.image.licenses="UPL-1.0" \
      org.opencontainers.image.source="https://github.com/orapool/orapool" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
ENV NODE_ENV=production \
    PORT=5001
WORKDIR /app
# Owned by root and not writable by the app user: the code cannot be changed at run time,
# and Kubernetes can mount the root filesystem read-only.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# Numeric, so Kubernetes runAsNonRoot can verify it without reading /etc/passwd (1000 is `node`
# in the official images).
USER 1000:1000
EXPOSE 5001
# node is PID 1: it gets SIGTERM directly from `docker stop` / the kubelet and the service's own
# handler runs the graceful shutdown (readiness 503, delay, drain, close the pool, exit 0).
# No npm start (npm would swallow the signal) and no shell form (sh would be PID 1).
STOPSIGNAL SIGTERM
# No curl in the image: Node's fetch. /livez never touches the database, so a database outage
# does not mark the container unhealthy.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||5001)+'/livez',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
