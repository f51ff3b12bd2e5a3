# amcord: Alertmanager webhooks to Discord.
#
#   docker build -t amcord .
#   docker run -d -p 9095:9095 -v amcord-data:/data \
#     -v "$PWD/amcord.yml:/etc/amcord/amcord.yml:ro" -e AMCORD_CONFIG=/etc/amcord/amcord.yml amcord
#
# Without a config file every setting can be given as an AMCORD_* environment variable.

FROM node:20-bookworm-slim AS build
# better-sqlite3 is a native module: node-gyp needs these when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts are skipped, then better-sqlite3's is run explicitly, so the native module is
# built the same way whatever npm's install-script policy is; then prove that it loads.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 \
 && node -e "new (require('better-sqlite3'))(':memory:').close()"
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && node -e "new (require('better-sqlite3'))(':memory:').close()"

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    AMCORD_DATA_DIR=/data \
    AMCORD_SERVER_HOST=0.0.0.0
WORKDIR /app
# Owned by root, so the running service cannot modify its own code.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY templates ./templates
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 9095
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.AMCORD_SERVER_PORT||9095)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node itself, not npm or a shell: `docker stop` sends SIGTERM to PID 1, and only a process that
# handles it (amcord does, in every command) stops; a wrapper could leave node running.
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["serve"]
