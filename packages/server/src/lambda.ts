// The Lambda function: `handler`, bundled with everything it needs into dist/lambda/index.mjs by
// `pnpm build` (scripts/bundle.mjs). Configured by the same variables as the commands, read by
// the one configuration module; an invalid value fails the init with its one-line message.
import { AsyncLocalStorage } from "node:async_hooks";
import {
  createLambdaHandler,
  type LambdaEvent,
  type LambdaResult,
  NotAnHttpEventError,
} from "@cell-counter/adapter-lambda";
import { createPowertoolsMetrics } from "@cell-counter/metrics-powertools";
import { createServiceFromConfig } from "./compose.js";
import { type Config, readConfigOrSay } from "./config.js";
import { createLog } from "./log.js";

const config = readConfigOrSay(process.env, "lambda");
const { namespace, serviceName } = config.powertools as NonNullable<Config["powertools"]>;
// Every line logged during an invocation carries its request id.
const invocation = new AsyncLocalStorage<{ requestId: string }>();
const log = createLog({ ...config.log, context: () => invocation.getStore() });

const answer = createLambdaHandler(
  await createServiceFromConfig(
    config,
    createPowertoolsMetrics({ namespace, serviceName, environment: config.environment }),
    log,
  ),
);

/** The function: an event that no HTTP source sends is logged, and fails the invocation so that its source retries or dead-letters it. */
export const handler = async (event: LambdaEvent, context?: { awsRequestId?: string }): Promise<LambdaResult> =>
  invocation.run({ requestId: context?.awsRequestId ?? "unknown" }, async () => {
    try {
      return await answer(event);
    } catch (error) {
      if (error instanceof NotAnHttpEventError) log.error(error.message, { code: "NOT_AN_HTTP_EVENT" });
      throw error;
    }
  });
