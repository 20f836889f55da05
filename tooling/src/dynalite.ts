import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { freePort } from "./process.js";

export interface DynamoDbServer {
  /** The endpoint, for `AWS_ENDPOINT_URL_DYNAMODB`. */
  endpoint: string;
  /** The variables a process needs to reach it with the AWS SDK's own conventions. */
  env: Record<string, string>;
  /** A client on it, for tests. */
  client: DynamoDBClient;
  /** Creates a table with the documented key schema (partition key `pk`, a string). */
  createTable(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** dynalite (a DynamoDB-compatible server from npm, in memory) on a free loopback port. */
export async function startDynamoDb(): Promise<DynamoDbServer> {
  const port = await freePort();
  const main = createRequire(import.meta.url).resolve("dynalite/package.json");
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(dirname(main), "cli.js"),
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
      "--createTableMs",
      "0",
      "--deleteTableMs",
      "0",
    ],
    {
      stdio: "ignore",
    },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const env = {
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
  };
  const client = new DynamoDBClient({
    region: env.AWS_REGION,
    endpoint,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(endpoint);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`dynalite did not start on port ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    endpoint,
    env,
    client,
    async createTable(name) {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
    },
    async stop() {
      client.destroy();
      if (child.exitCode !== null) return;
      await new Promise((resolve) => {
        child.once("exit", resolve);
        child.kill("SIGKILL");
      });
    },
  };
}
