# The Hindsight follower. Build: docker build -t hindsight .
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY rpc ./rpc
COPY fixtures ./fixtures
COPY bench ./bench
RUN npm ci --no-audit --no-fund && npm prune --omit=dev
VOLUME /data
EXPOSE 8545
ENTRYPOINT ["node", "dist/src/cli/bin.js"]
CMD ["start", "--datadir", "/data", "--http.addr", "0.0.0.0", "--http.port", "8545"]
