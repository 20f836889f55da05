import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { isCounterError } from "@cell-counter/core";
import { createDynamoDbStorage, type DynamoDbStorage } from "@cell-counter/storage-dynamodb";
import { runStorageContract } from "@cell-counter/testkit";
import { type DynamoDbServer, startDynamoDb } from "@cell-counter/tooling";

const TABLE = "cell-counter";
let dynamo: DynamoDbServer;
let prefixes = 0;
before(async () => {
  dynamo = await startDynamoDb();
  await dynamo.createTable(TABLE);
});
after(() => dynamo.stop());

function open(keyPrefix = `test-${++prefixes}:`): DynamoDbStorage {
  return createDynamoDbStorage({ table: TABLE, keyPrefix, client: dynamo.client });
}

runStorageContract("dynamodb", async (seed) => {
  const storage = open();
  if (seed?.checkpoint !== undefined) {
    await dynamo.client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { pk: { S: storage.key }, checkpointText: { S: seed.checkpoint } },
      }),
    );
  }
  return storage;
});

const hasCode = (code: string) => (error: unknown) => isCounterError(error) && error.code === code;

describe("DynamoDB storage", () => {
  it("keeps the counter and its checkpoint as numbers with every digit, in one item", async () => {
    const storage = open();
    await dynamo.client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { pk: { S: storage.key }, checkpointText: { S: '{"counter": 9223372036854775806}' } },
      }),
    );
    await storage.restore();
    await storage.increment();
    assert.equal(await storage.checkpoint(), 9223372036854775807n);
    const { Item } = await dynamo.client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: storage.key } }, ConsistentRead: true }),
    );
    assert.deepEqual(Item?.value, { N: "9223372036854775807" });
    assert.deepEqual(Item?.checkpointValue, { N: "9223372036854775807" });
    assert.equal(Item?.checkpointText, undefined, "the imported text is replaced by the new checkpoint");
    assert.ok(!Number.isNaN(Date.parse(Item?.checkpointSavedAt?.S ?? "")));
  });

  it("a checkpoint during a storm of increments needs no retry, and saves a value the counter had", async () => {
    const storage = open();
    const increments = Array.from({ length: 300 }, () => storage.increment());
    const saved = await storage.checkpoint();
    const values = await Promise.all(increments);
    assert.ok(saved >= 0n && saved <= 300n);
    assert.equal(new Set(values).size, 300);
    assert.equal(await storage.restore(), saved);
  });

  for (const [what, value] of [
    ["text", { S: "abc" }],
    ["a negative number", { N: "-5" }],
    ["one past 2^63−1", { N: "9223372036854775808" }],
  ] as const) {
    it(`a counter item holding ${what} is COUNTER_CORRUPT, left as it is, never checkpointed`, async () => {
      const storage = open();
      await dynamo.client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: storage.key }, value } }));
      for (const operation of [storage.increment, storage.current, storage.checkpoint, storage.ready]) {
        await assert.rejects(async () => operation(), hasCode("COUNTER_CORRUPT"));
      }
      const item = await dynamo.client.send(
        new GetItemCommand({ TableName: TABLE, Key: { pk: { S: storage.key } }, ConsistentRead: true }),
      );
      assert.deepEqual(item.Item?.value, value);
      assert.equal(item.Item?.checkpointValue, undefined, "never checkpointed");
      await assert.rejects(storage.restore(), hasCode("CHECKPOINT_NOT_FOUND"));
    });
  }

  it("DynamoDB unreachable: 503 STORAGE_UNAVAILABLE at once, nothing sent", async () => {
    const storage = createDynamoDbStorage({
      table: TABLE,
      client: new DynamoDBClient({
        region: "eu-west-1",
        endpoint: "http://127.0.0.1:1",
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
        maxAttempts: 1,
      }),
    });
    for (const operation of [storage.increment, storage.checkpoint, storage.restore, storage.ready]) {
      await assert.rejects(async () => operation(), hasCode("STORAGE_UNAVAILABLE"));
    }
  });

  it("a missing table: 503 STORAGE_UNAVAILABLE naming what DynamoDB said", async () => {
    const storage = createDynamoDbStorage({ table: "no-such-table", client: dynamo.client });
    await assert.rejects(
      async () => storage.increment(),
      (error: unknown) => hasCode("STORAGE_UNAVAILABLE")(error) && /ResourceNotFoundException/.test(String(error)),
    );
  });
});
