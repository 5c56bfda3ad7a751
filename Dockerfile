# syntax=docker/dockerfile:1
# iris: one image for the API (`iris serve`) and the workers (`iris worker`); compose.yaml runs both.
# No container engine runs on the development machines: test/queue/containers.test.ts checks what can
# be checked without one (the runtime stage's install from the packed tarball, the commands and flags).

# ---- build: compile TypeScript and pack the package as npm would publish it
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY bin ./bin
COPY data ./data
COPY schema ./schema
COPY README.md ./
RUN npm run build && npm pack --ignore-scripts --pack-destination /tmp && mv /tmp/iris-*.tgz /tmp/iris.tgz

# ---- runtime: the packed tarball plus the lock file, production dependencies only
FROM node:20-bookworm-slim AS runtime
# tini as PID 1: signals reach node (SIGTERM starts the graceful shutdown) and zombies are reaped.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /tmp/iris.tgz /tmp/iris.tgz
# The tarball holds no lock file (npm pack leaves it out): the repository's is copied beside it so
# that `npm ci` installs exactly the tested versions. --ignore-scripts: `prepare` would build again
# (TypeScript is a dev dependency), and no dependency needs an install script. --omit=optional:
# leaves out msgpackr's native accelerator (iris runs on plain JavaScript) and TypeScript, which the
# lock file marks dev-or-optional (an optional peer of cosmiconfig).
COPY package-lock.json ./
RUN tar -xzf /tmp/iris.tgz --strip-components=1 \
 && rm /tmp/iris.tgz \
 && npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && mkdir -p /models && chown node:node /models
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/v2/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "bin/iris.js", "serve", "--model", "/models/model.json", "--host", "0.0.0.0", "--port", "8080"]
