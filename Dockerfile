# One image for everything Capstan runs in a cluster: the CLI, the sync agent
# (`capstan agent`) and every operator (`capstan operator <name>`).
#
#   docker build -t ghcr.io/capstan-dev/capstan:0.1.0 .
#
# The same code runs out of cluster with a kubeconfig (`capstan operator <name> --kubeconfig ...`)
# and in cluster with the pod's service account (src/k8s/config.ts falls back to in-cluster).

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would run tsc before the sources are copied.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY apps ./apps
# src/ -> lib/src/ (what bin/capstan.js loads) and apps/ -> lib/apps/ (the operators' code).
RUN npm run build && test -f lib/apps/operators.js

FROM node:20-bookworm-slim
# git: the sync agent fetches the application repository; openssh-client for ssh:// remotes and,
# with gpg, for git to verify SSH- and GPG-signed commits (spec.verify).
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates openssh-client gpg \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY bin ./bin
COPY --from=build /src/lib ./lib
RUN chmod +x bin/capstan.js \
 && ln -s /app/bin/capstan.js /usr/local/bin/capstan
# The `node` user of the base image (uid 1000); the operator Deployment runs as it.
USER 1000:1000
ENTRYPOINT ["capstan"]
CMD ["--help"]
