import { type AttributeValue, DynamoDBClient, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import {
  CounterError,
  type CounterStorage,
  checkpointCorrupt,
  checkpointNotFound,
  counterOverflow,
  MAX_COUNTER,
  parseCheckpoint,
  parseCounter,
} from "@cell-counter/core";

export interface DynamoDbStorageOptions {
  /** The table: partition key `pk`, a string; nothing else to declare. */
  table: string;
  /** Prefix of the item's key, so that deployments can share a table. Default: none. */
  keyPrefix?: string;
  /** Longest wait for DynamoDB, in ms, to connect and to answer. Default 1000. */
  timeoutMs?: number;
  /** A client of your own (region, credentials, endpoint); one is made from the SDK's own environment otherwise. */
  client?: DynamoDBClient;
}

export interface DynamoDbStorage extends CounterStorage {
  readonly kind: "dynamodb";
  /** The partition key of the one item that holds the counter and its checkpoint. */
  readonly key: string;
}

/** Attempts of an operation whose item changed between its read and its write. */
const ATTEMPTS = 50;

// The item's attributes.
const NAMES = { "#v": "value", "#cv": "checkpointValue", "#cs": "checkpointSavedAt", "#ct": "checkpointText" };

/**
 * Counter and checkpoint in one item of a DynamoDB table (partition key `pk`, a string):
 * `value` (N), and the checkpoint as `checkpointValue` (N) and `checkpointSavedAt` (S) — or as
 * `checkpointText` (S), a checkpoint file's text imported as it is and read by the core's codec.
 * Every operation is one atomic request on that item: an increment is `UpdateItem … ADD`; a
 * checkpoint copies the value on the server (`SET checkpointValue = value`), so increments never
 * make it wait or retry; a restore sets the value only if the checkpoint is still the one it read
 * (a conditional write). Numbers travel as decimal text: every digit to 2^63−1. The SDK never
 * retries on its own: a request refused or never sent is `STORAGE_UNAVAILABLE`, one sent without
 * an answer in time is `STORAGE_TIMEOUT`. A value of another type, negative or past 2^63−1 is
 * `COUNTER_CORRUPT` and left alone; a fraction written by hand cannot be told apart by a condition
 * and is incremented once before it is reported.
 */
export function createDynamoDbStorage(options: DynamoDbStorageOptions): DynamoDbStorage {
  const timeoutMs = options.timeoutMs ?? 1_000;
  const pk = `${options.keyPrefix ?? ""}cell-counter`;
  const Key = { pk: { S: pk } };
  const TableName = options.table;
  const client =
    options.client ??
    new DynamoDBClient({ maxAttempts: 1, requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs } });
  const IN_RANGE = "attribute_not_exists(#v) OR (#v >= :zero AND #v <= :max)";
  const RANGE = { ":zero": { N: "0" }, ":max": { N: String(MAX_COUNTER) } };

  async function send<T>(what: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw failure(what, error, timeoutMs);
    }
  }

  async function item(what: string): Promise<Record<string, AttributeValue>> {
    const { Item } = await send(what, () => client.send(new GetItemCommand({ TableName, Key, ConsistentRead: true })));
    return Item ?? {};
  }

  /** The counter's digits (`0` when absent), checked. */
  function digitsOf(value: AttributeValue | undefined): string {
    if (value === undefined) return "0";
    if (value.N !== undefined && parseCounter(value.N) !== undefined) return value.N;
    const held = value.N !== undefined ? `the number ${value.N}` : `a value of type ${Object.keys(value)[0]}`;
    throw new CounterError(
      "COUNTER_CORRUPT",
      `The counter of DynamoDB item "${pk}" in table ${TableName} is not an integer from 0 to ${MAX_COUNTER}: it holds ${held}. It was left as it is.`,
    );
  }

  const isConditionFailure = (error: unknown) =>
    (error as { name?: string })?.name === "ConditionalCheckFailedException";

  return {
    kind: "dynamodb",
    key: pk,
    increment: async () => {
      const what = "The counter could not be incremented";
      for (let attempt = 1; ; attempt++) {
        try {
          const { Attributes } = await client.send(
            new UpdateItemCommand({
              TableName,
              Key,
              UpdateExpression: "ADD #v :one",
              ConditionExpression: "attribute_not_exists(#v) OR (#v >= :zero AND #v < :max)",
              ExpressionAttributeNames: { "#v": NAMES["#v"] },
              ExpressionAttributeValues: { ":one": { N: "1" }, ...RANGE },
              ReturnValues: "UPDATED_NEW",
            }),
          );
          return BigInt(digitsOf(Attributes?.value));
        } catch (error) {
          if (!isConditionFailure(error) || attempt === ATTEMPTS) throw failure(what, error, timeoutMs);
          // Refused, nothing changed: at the limit, or not a counter at all (digitsOf says which).
          if (digitsOf((await item(what)).value) === String(MAX_COUNTER)) throw counterOverflow();
        }
      }
    },
    current: async () => BigInt(digitsOf((await item("The counter could not be read")).value)),
    checkpoint: async () => {
      const what = "The checkpoint could not be saved";
      try {
        const { Attributes } = await client.send(
          new UpdateItemCommand({
            TableName,
            Key,
            UpdateExpression: "SET #cv = if_not_exists(#v, :zero), #cs = :now REMOVE #ct",
            ConditionExpression: IN_RANGE,
            ExpressionAttributeNames: NAMES,
            ExpressionAttributeValues: { ":now": { S: new Date().toISOString() }, ...RANGE },
            ReturnValues: "ALL_NEW",
          }),
        );
        return BigInt(digitsOf(Attributes?.checkpointValue));
      } catch (error) {
        if (!isConditionFailure(error)) throw failure(what, error, timeoutMs);
        digitsOf((await item(what)).value); // throws COUNTER_CORRUPT: why the condition failed
        throw failure(what, error, timeoutMs);
      }
    },
    restore: async () => {
      const what = "The checkpoint could not be restored";
      for (let attempt = 1; ; attempt++) {
        const saved = await item(what);
        const text = saved.checkpointText;
        let value: bigint;
        let unchanged: {
          ConditionExpression: string;
          ExpressionAttributeNames: Record<string, string>;
          ExpressionAttributeValues: Record<string, AttributeValue>;
        };
        if (text !== undefined) {
          if (text.S === undefined) throw checkpointCorrupt(`item "${pk}" holds a checkpointText that is not a string`);
          value = parseCheckpoint(text.S);
          unchanged = {
            ConditionExpression: "#ct = :t",
            ExpressionAttributeNames: { "#v": NAMES["#v"], "#ct": NAMES["#ct"] },
            ExpressionAttributeValues: { ":t": text },
          };
        } else if (saved.checkpointValue !== undefined) {
          const digits = saved.checkpointValue.N;
          const parsed = digits === undefined ? undefined : parseCounter(digits);
          if (parsed === undefined) throw checkpointCorrupt(`its value is not an integer from 0 to ${MAX_COUNTER}`);
          value = parsed;
          unchanged = {
            ConditionExpression: "#cv = :cv AND #cs = :cs",
            ExpressionAttributeNames: { "#v": NAMES["#v"], "#cv": NAMES["#cv"], "#cs": NAMES["#cs"] },
            ExpressionAttributeValues: { ":cv": saved.checkpointValue, ":cs": saved.checkpointSavedAt ?? { S: "" } },
          };
        } else {
          throw checkpointNotFound();
        }
        try {
          await client.send(
            new UpdateItemCommand({
              TableName,
              Key,
              UpdateExpression: "SET #v = :value",
              ...unchanged,
              ExpressionAttributeValues: { ...unchanged.ExpressionAttributeValues, ":value": { N: String(value) } },
            }),
          );
          return value;
        } catch (error) {
          // A checkpoint was saved in between: read it again.
          if (!isConditionFailure(error) || attempt === ATTEMPTS) throw failure(what, error, timeoutMs);
        }
      }
    },
    ready: async () => {
      digitsOf((await item("DynamoDB does not answer")).value);
    },
    close: async () => {
      if (!options.client) client.destroy();
    },
  };
}

const THROTTLED = new Set(["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]);

/**
 * What a failed request means. DynamoDB answered with a client error: it ran nothing. It
 * answered with a server error, or did not answer in time once the request was sent: the outcome
 * is unknown. No connection at all: nothing was sent.
 */
function failure(what: string, error: unknown, timeoutMs: number): CounterError {
  if (error instanceof CounterError) return error;
  const {
    name = "",
    message = "",
    $metadata,
  } = (error ?? {}) as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const status = $metadata?.httpStatusCode;
  if (status !== undefined && status < 500) {
    const reason = THROTTLED.has(name) ? "DynamoDB throttled the request" : `DynamoDB refused the request (${name})`;
    return new CounterError("STORAGE_UNAVAILABLE", `${what}: ${reason}; nothing was changed.`, { cause: error });
  }
  const neverSent = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|without establishing a connection/.test(
    `${message} ${String((error as { code?: unknown })?.code)}`,
  );
  if (status === undefined && neverSent) {
    return new CounterError("STORAGE_UNAVAILABLE", `${what}: DynamoDB cannot be reached; nothing was changed.`, {
      cause: error,
    });
  }
  const when = status === undefined ? `DynamoDB did not answer within ${timeoutMs} ms` : `DynamoDB failed (${status})`;
  return new CounterError(
    "STORAGE_TIMEOUT",
    `${what}: ${when}, after the request was sent; it may have been applied.`,
    {
      cause: error,
    },
  );
}
