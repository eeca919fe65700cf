# Hindsight's images. `docker build -t hindsight .` builds the follower (the last stage);
# compose.yaml also builds the `devnet` stage, which keeps the devDependencies for anvil.

# Everything, devDependencies included: `npm ci` builds dist/ (`prepare`) and installs the anvil
# binary of @foundry-rs/anvil-linux-amd64, the sequencer the devnet runs.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY rpc ./rpc
COPY fixtures ./fixtures
COPY bench ./bench
RUN npm ci --no-audit --no-fund

# The devnet's anvil (compose.yaml runs node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil).
FROM build AS devnet
ENTRYPOINT ["node", "dist/src/cli/bin.js"]

FROM build AS pruned
RUN npm prune --omit=dev

# The follower (and `hindsight traffic`): the built node and its runtime dependencies only.
FROM node:20-bookworm-slim AS follower
WORKDIR /app
COPY --from=pruned /app ./
VOLUME /data
EXPOSE 8545
ENTRYPOINT ["node", "dist/src/cli/bin.js"]
CMD ["start", "--datadir", "/data", "--http.addr", "0.0.0.0", "--http.port", "8545"]
