# batchgate: one image for every role (`--role all|api|worker`).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
COPY schema ./schema
USER node
EXPOSE 8080
ENTRYPOINT ["node", "--import", "tsx", "src/main.ts"]
CMD ["--role", "all"]
