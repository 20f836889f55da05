# The node adapter, bundled into one file, on a slim Node LTS image, as a non-root user.
# No syntax directive: the builder's own frontend reads this file, nothing is pulled before the first step.
# Behind a TLS-intercepting proxy, give the build (and only the build) its CA as a secret:
#   docker build --secret id=ca,src="$NODE_EXTRA_CA_CERTS" .   (podman build accepts the same)

FROM node:24.11.0-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN --mount=type=secret,id=ca,required=false \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi; \
    npm install -g pnpm@10.34.8 && pnpm install --frozen-lockfile
RUN node scripts/bundle.mjs && test -s dist/cell-counter.mjs

FROM node:24.11.0-bookworm-slim
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    CHECKPOINT_PATH=/data/checkpoint.json
WORKDIR /app
COPY --from=build /src/dist/cell-counter.mjs /app/cell-counter.mjs
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
# V8's young generation would otherwise grow from 8 to 32 MiB under load: the process's memory stays flat.
CMD ["node", "--max-semi-space-size=4", "/app/cell-counter.mjs"]
