# batchgate: one image for every role (`--role all|api|worker`), built once, running compiled
# JavaScript as the unprivileged `node` user on the current Node.js LTS. /data is a volume owned by
# that user, so a plain `docker run` works with the embedded PGlite database (and keeps its
# generated admin key) while PostgreSQL deployments set DATABASE_URL and ignore it.
ARG NODE_IMAGE=node:26-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npm run build

FROM ${NODE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production \
    PORT=8080 \
    BATCHGATE_DATA_DIR=/data
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schema ./schema
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "dist/healthcheck.js"]
ENTRYPOINT ["node", "dist/main.js"]
CMD ["--role", "all"]
