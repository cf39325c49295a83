# One image for the three apps: `APP` (api, gateway or monitor) picks which one runs.
#   docker build -t push .
#   docker run -e APP=gateway -e REDIS_URL=redis://redis:6379 push

# --- build: every dependency, then `nest build` of the three apps into dist/apps/<app>/main.js
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# --- production dependencies only (the build bundles our libs but not node_modules)
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime: node, production node_modules, the build; nothing writable needed
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    APP=api
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# the api serves the demo page and the SDK's browser bundle at /demo/ (found three folders above main.js)
COPY --from=build /app/apps/api/demo ./apps/api/demo
COPY --from=build /app/libs/client/dist/browser ./libs/client/dist/browser
COPY package.json ./
COPY scripts/healthcheck.mjs ./scripts/healthcheck.mjs
# the image's `node` user, by number so that Kubernetes' runAsNonRoot can verify it
USER 1000:1000
EXPOSE 5001 8888 5003
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["node", "scripts/healthcheck.mjs"]
# exec: node becomes PID 1's replacement and gets SIGTERM itself (the gateway drains on it)
CMD ["sh", "-c", "exec node dist/apps/$APP/main.js"]
