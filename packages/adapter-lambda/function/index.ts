// The Lambda function: `handler` of this file, bundled with everything it needs into
// dist/lambda/index.mjs by `pnpm build` (scripts/bundle.mjs).
// Configuration: REDIS_URL (required), REDIS_KEY_PREFIX, REDIS_TIMEOUT_MS, ENVIRONMENT, API_TOKEN,
// POWERTOOLS_METRICS_NAMESPACE (default "cell-counter"), POWERTOOLS_SERVICE_NAME (default "cell-counter").

import { createLambdaHandler } from "@cell-counter/adapter-lambda";
import { createService } from "@cell-counter/core";
import { createPowertoolsMetrics } from "@cell-counter/metrics-powertools";
import { createRedisStorage } from "@cell-counter/storage-redis";

const env = process.env;
if (!env.REDIS_URL)
  throw new Error("cell-counter: REDIS_URL is required: the Lambda function keeps its counter in Redis.");

export const handler = createLambdaHandler(
  createService({
    storage: createRedisStorage({
      url: env.REDIS_URL,
      keyPrefix: env.REDIS_KEY_PREFIX || undefined,
      timeoutMs: env.REDIS_TIMEOUT_MS ? Number(env.REDIS_TIMEOUT_MS) : undefined,
    }),
    metrics: createPowertoolsMetrics({
      namespace: env.POWERTOOLS_METRICS_NAMESPACE || "cell-counter",
      serviceName: env.POWERTOOLS_SERVICE_NAME || "cell-counter",
      environment: env.ENVIRONMENT || "dev",
    }),
    apiToken: env.API_TOKEN || undefined,
  }),
);
