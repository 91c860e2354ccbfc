// DynamoDB with the AWS SDK for JavaScript v3: @aws-sdk/client-dynamodb (tables, items,
// conditions, query pagination, transactions), @aws-sdk/lib-dynamodb's DynamoDBDocumentClient
// (native JS values marshalled by the SDK) and @aws-sdk/client-dynamodb-streams.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";

import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ResourceNotFoundException,
  TransactGetItemsCommand,
  TransactionCanceledException,
  TransactionConflictException,
  TransactWriteItemsCommand,
  paginateQuery,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";

import { clientConfig, startStratus } from "./stratus.mjs";

let server;
let ddb;
let doc;
let streams;

before(async () => {
  server = await startStratus();
  ddb = new DynamoDBClient(clientConfig(server.url));
  doc = DynamoDBDocumentClient.from(ddb);
  streams = new DynamoDBStreamsClient(clientConfig(server.url));
});

after(async () => {
  ddb?.destroy();
  streams?.destroy();
  if (server) assert.equal(await server.stop(), 0, "stratus exit code after SIGTERM");
});

async function makeTable(extra = {}) {
  const TableName = `js-${randomUUID().slice(0, 8)}`;
  await ddb.send(new CreateTableCommand({
    TableName,
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "N" },
    ],
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ],
    BillingMode: "PAY_PER_REQUEST",
    ...extra,
  }));
  await waitUntilTableExists({ client: ddb, maxWaitTime: 5, minDelay: 1 }, { TableName });
  return TableName;
}

test("CreateTable, waiter and DescribeTable", async () => {
  const TableName = await makeTable();
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName }));
  assert.equal(Table.TableStatus, "ACTIVE");
  assert.equal(Table.BillingModeSummary.BillingMode, "PAY_PER_REQUEST");
  assert.ok(Table.CreationDateTime instanceof Date);
  await assert.rejects(ddb.send(new DescribeTableCommand({ TableName: "missing-js" })), (e) => {
    assert.ok(e instanceof ResourceNotFoundException);
    assert.equal(e.message, "Requested resource not found: Table: missing-js not found");
    return true;
  });
});

test("DocumentClient put, get, update, delete with native values", async () => {
  const TableName = await makeTable();
  await doc.send(new PutCommand({
    TableName,
    Item: { pk: "u1", sk: 1, name: "Ada", tags: new Set(["a", "b"]), nested: { list: [1, "two", null] } },
  }));
  const { Item } = await doc.send(new GetCommand({ TableName, Key: { pk: "u1", sk: 1 } }));
  assert.equal(Item.name, "Ada");
  assert.deepEqual([...Item.tags].sort(), ["a", "b"]);
  assert.deepEqual(Item.nested, { list: [1, "two", null] });
  const upd = await doc.send(new UpdateCommand({
    TableName,
    Key: { pk: "u1", sk: 1 },
    UpdateExpression: "SET #n = :n, visits = if_not_exists(visits, :zero) + :one",
    ExpressionAttributeNames: { "#n": "name" },
    ExpressionAttributeValues: { ":n": "Grace", ":zero": 0, ":one": 1 },
    ReturnValues: "ALL_NEW",
  }));
  assert.equal(upd.Attributes.name, "Grace");
  assert.equal(upd.Attributes.visits, 1);
  await assert.rejects(
    doc.send(new PutCommand({ TableName, Item: { pk: "u1", sk: 1 }, ConditionExpression: "attribute_not_exists(pk)" })),
    (e) => e instanceof ConditionalCheckFailedException && e.message === "The conditional request failed",
  );
  await doc.send(new DeleteCommand({ TableName, Key: { pk: "u1", sk: 1 } }));
  assert.equal((await doc.send(new GetCommand({ TableName, Key: { pk: "u1", sk: 1 } }))).Item, undefined);
});

test("key type mismatch is rejected with AWS's message", async () => {
  const TableName = await makeTable();
  await assert.rejects(
    ddb.send(new PutItemCommand({ TableName, Item: { pk: { N: "1" }, sk: { N: "1" } } })),
    (e) => e.name === "ValidationException" &&
      e.message === "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N",
  );
  await assert.rejects(
    ddb.send(new GetItemCommand({ TableName, Key: { pk: { S: "a" } } })),
    (e) => e.name === "ValidationException" && e.message === "The provided key element does not match the schema",
  );
});

test("batch writes and paginated queries", async () => {
  const TableName = await makeTable();
  for (let start = 0; start < 50; start += 25) {
    await doc.send(new BatchWriteCommand({
      RequestItems: {
        [TableName]: Array.from({ length: 25 }, (_, i) => ({ PutRequest: { Item: { pk: "p", sk: start + i } } })),
      },
    }));
  }
  const seen = [];
  for await (const page of paginateQuery({ client: ddb, pageSize: 7 }, {
    TableName,
    KeyConditionExpression: "pk = :p AND sk >= :from",
    ExpressionAttributeValues: { ":p": { S: "p" }, ":from": { N: "10" } },
  })) {
    for (const item of page.Items) seen.push(Number(item.sk.N));
  }
  assert.deepEqual(seen, Array.from({ length: 40 }, (_, i) => i + 10));
  const desc = await doc.send(new QueryCommand({
    TableName, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": "p" },
    ScanIndexForward: false, Limit: 3,
  }));
  assert.deepEqual(desc.Items.map((i) => i.sk), [49, 48, 47]);
  assert.deepEqual(desc.LastEvaluatedKey, { pk: "p", sk: 47 });
});

test("a laid-out table reads back native values as written, and later writes as written", async () => {
  // 100 items: the first Query lays the table out and pages copy each item's kept text.
  const TableName = await makeTable();
  const value = (i, v) => ({
    pk: "p", sk: i, text: `${v} "q" \\ \n é 𝄞 ${i}`, n: i + 0.25, flag: i % 2 === 0, nothing: null,
    list: [1, "two", { three: [3] }], map: { nested: { v } }, set: new Set([`a${i}`, "b"]),
    bin: new Uint8Array([i, 0, 255]),
  });
  for (let start = 0; start < 100; start += 25) {
    await doc.send(new BatchWriteCommand({
      RequestItems: { [TableName]: Array.from({ length: 25 }, (_, i) => ({ PutRequest: { Item: value(start + i, "v1") } })) },
    }));
  }
  const read = async () => {
    const items = [];
    let ExclusiveStartKey;
    do {
      const page = await doc.send(new QueryCommand({
        TableName, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": "p" }, Limit: 30, ExclusiveStartKey,
      }));
      items.push(...page.Items);
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  };
  const first = await read();
  assert.equal(first.length, 100);
  assert.deepEqual(first[7], value(7, "v1"));
  await doc.send(new PutCommand({ TableName, Item: value(7, "v2") }));
  await doc.send(new DeleteCommand({ TableName, Key: { pk: "p", sk: 8 } }));
  const second = await read();
  assert.equal(second.length, 99);
  assert.deepEqual(second[7], value(7, "v2"));
  assert.deepEqual(second[8], value(9, "v1"));
  const got = await doc.send(new GetCommand({ TableName, Key: { pk: "p", sk: 50 } }));
  assert.deepEqual(got.Item, value(50, "v1"));
});

test("TransactWriteItems cancellation reasons in request order", async () => {
  const TableName = await makeTable();
  await doc.send(new PutCommand({ TableName, Item: { pk: "a", sk: 1, v: 1 } }));
  await assert.rejects(
    ddb.send(new TransactWriteItemsCommand({
      TransactItems: [
        { Put: { TableName, Item: { pk: { S: "b" }, sk: { N: "1" } } } },
        {
          ConditionCheck: {
            TableName, Key: { pk: { S: "a" }, sk: { N: "1" } }, ConditionExpression: "v = :two",
            ExpressionAttributeValues: { ":two": { N: "2" } },
          },
        },
      ],
    })),
    (e) => {
      assert.ok(e instanceof TransactionCanceledException);
      assert.deepEqual(e.CancellationReasons.map((r) => r.Code), ["None", "ConditionalCheckFailed"]);
      return true;
    },
  );
});

test("a transaction in flight cancels another with TransactionConflict", async () => {
  const TableName = await makeTable();
  const settings = `${server.url}/_stratus/dynamodb/settings?transaction_hold_ms=`;
  const Key = { pk: { S: "a" }, sk: { N: "1" } };
  await fetch(`${settings}400`, { method: "POST" });
  try {
    const held = ddb.send(new TransactWriteItemsCommand({
      TransactItems: [{ Put: { TableName, Item: { ...Key, v: { N: "2" } } } }],
    }));
    // Until a read of the item meets the held transaction (reads change nothing).
    for (let seen = false, start = Date.now(); !seen; ) {
      assert.ok(Date.now() - start < 5000, "the transaction was never seen in flight");
      seen = await ddb.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName, Key } }] }))
        .then(() => false, (e) => e instanceof TransactionCanceledException);
    }
    await assert.rejects(
      ddb.send(new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName, Item: { pk: { S: "b" }, sk: { N: "1" } } } },
          { Update: { TableName, Key, UpdateExpression: "SET v = :v", ExpressionAttributeValues: { ":v": { N: "3" } } } },
        ],
      })),
      (e) => {
        assert.ok(e instanceof TransactionCanceledException);
        assert.equal(e.$metadata.httpStatusCode, 400);
        assert.deepEqual(e.CancellationReasons, [
          { Code: "None" },
          { Code: "TransactionConflict", Message: "Transaction is ongoing for the item" },
        ]);
        return true;
      },
    );
    await assert.rejects(ddb.send(new PutItemCommand({ TableName, Item: Key })), (e) => {
      assert.ok(e instanceof TransactionConflictException);
      assert.equal(e.message, "Transaction is ongoing for the item");
      return true;
    });
    await held;
    const got = await ddb.send(new GetItemCommand({ TableName, Key, ConsistentRead: true }));
    assert.equal(got.Item.v.N, "2");
  } finally {
    await fetch(`${settings}0`, { method: "POST" });
  }
});

test("DynamoDB Streams records through the streams client", async () => {
  const TableName = await makeTable({ StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" } });
  await doc.send(new PutCommand({ TableName, Item: { pk: "s", sk: 1, v: "a" } }));
  await doc.send(new PutCommand({ TableName, Item: { pk: "s", sk: 1, v: "b" } }));
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName }));
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: Table.LatestStreamArn }));
  const { ShardIterator } = await streams.send(new GetShardIteratorCommand({
    StreamArn: Table.LatestStreamArn, ShardId: StreamDescription.Shards[0].ShardId, ShardIteratorType: "TRIM_HORIZON",
  }));
  const { Records, NextShardIterator } = await streams.send(new GetRecordsCommand({ ShardIterator }));
  assert.deepEqual(Records.map((r) => r.eventName), ["INSERT", "MODIFY"]);
  assert.deepEqual(Records[1].dynamodb.OldImage.v, { S: "a" });
  assert.deepEqual(Records[1].dynamodb.NewImage.v, { S: "b" });
  assert.ok(Records[0].dynamodb.ApproximateCreationDateTime instanceof Date);
  assert.ok(NextShardIterator);
});
