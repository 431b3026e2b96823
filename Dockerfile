# holdpoint image: the gateway by default; the worker with `node dist/workers/main.js`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workers ./workers
COPY api ./api
# Compiles to dist/ and prebuilds the workflow bundle (dist/workflow-bundle.js), then drops dev deps.
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOLDPOINT_HOST=0.0.0.0 \
    HOLDPOINT_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
