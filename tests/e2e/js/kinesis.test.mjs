// Kinesis with the AWS SDK for JavaScript v3 (@aws-sdk/client-kinesis, JSON 1.1): the stream
// waiter, writes routed by partition key and ExplicitHashKey, reads with binary data and
// arrival timestamps, resharding lineage, consumers, and errors as the SDK's typed exceptions.
// The server runs with --verify-signatures, so every request also proves the SDK's signature.
// The client's default handler speaks HTTP/2 (h2c) for every operation, SubscribeToShard's
// event stream included; one test also uses the HTTP/1.1 handler.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";

import {
  CreateStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
  ResourceNotFoundException,
  SplitShardCommand,
  waitUntilStreamExists,
} from "@aws-sdk/client-kinesis";

import { NodeHttpHandler } from "@smithy/node-http-handler";

import { clientConfig, startStratus } from "./stratus.mjs";

let server;
let kinesis; // HTTP/2, the client's default
let kinesis1; // HTTP/1.1

before(async () => {
  server = await startStratus(["--verify-signatures"]);
  kinesis = new KinesisClient(clientConfig(server.url));
  kinesis1 = new KinesisClient({ ...clientConfig(server.url), requestHandler: new NodeHttpHandler() });
});

after(async () => {
  kinesis?.destroy();
  kinesis1?.destroy();
  if (server) assert.equal(await server.stop(), 0, "stratus exit code after SIGTERM");
});

const unique = (prefix = "js") => `${prefix}-${randomUUID().slice(0, 12)}`;

async function waitActive(StreamName) {
  for (let i = 0; i < 500; i++) {
    const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName }));
    if (out.StreamDescriptionSummary.StreamStatus === "ACTIVE") return out.StreamDescriptionSummary;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${StreamName} never became ACTIVE`);
}

async function readAll(StreamName, ShardId) {
  let { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({ StreamName, ShardId, ShardIteratorType: "TRIM_HORIZON" }),
  );
  const records = [];
  let last;
  for (let i = 0; i < 100 && ShardIterator; i++) {
    last = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    records.push(...last.Records);
    if (last.Records.length === 0) break;
    ShardIterator = last.NextShardIterator;
  }
  return { records, last };
}

test("the stream_exists waiter, then writes and reads with binary data", async () => {
  const StreamName = unique();
  await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 2 }));
  const waited = await waitUntilStreamExists({ client: kinesis, maxWaitTime: 30, minDelay: 1 }, { StreamName });
  assert.equal(waited.state, "SUCCESS");

  const data = new Uint8Array([0, 1, 2, 250, 255]);
  const put = await kinesis1.send(new PutRecordCommand({ StreamName, Data: data, PartitionKey: "k" }));
  assert.match(put.SequenceNumber, /^\d{56}$/);
  const batch = await kinesis.send(
    new PutRecordsCommand({
      StreamName,
      Records: [
        { Data: new TextEncoder().encode("low"), PartitionKey: "x", ExplicitHashKey: "0" },
        { Data: new TextEncoder().encode("high"), PartitionKey: "x", ExplicitHashKey: (2n ** 128n - 1n).toString() },
      ],
    }),
  );
  assert.equal(batch.FailedRecordCount, 0);
  assert.deepEqual(
    batch.Records.map((r) => r.ShardId),
    ["shardId-000000000000", "shardId-000000000001"],
  );

  const { records } = await readAll(StreamName, put.ShardId);
  const mine = records.find((r) => r.SequenceNumber === put.SequenceNumber);
  assert.deepEqual(Array.from(mine.Data), Array.from(data));
  assert.equal(mine.PartitionKey, "k");
  assert.ok(mine.ApproximateArrivalTimestamp instanceof Date);
  assert.ok(Math.abs(mine.ApproximateArrivalTimestamp.getTime() - Date.now()) < 60_000);

  const listed = await kinesis.send(new ListStreamsCommand({}));
  assert.ok(listed.StreamNames.includes(StreamName));
  const summary = listed.StreamSummaries.find((s) => s.StreamName === StreamName);
  assert.equal(summary.StreamStatus, "ACTIVE");
  assert.ok(summary.StreamCreationTimestamp instanceof Date);
});

test("a split shard ends with ChildShards and no next iterator", async () => {
  const StreamName = unique();
  await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
  await waitActive(StreamName);
  await kinesis.send(new PutRecordCommand({ StreamName, Data: new Uint8Array([1]), PartitionKey: "a" }));
  await kinesis.send(
    new SplitShardCommand({
      StreamName,
      ShardToSplit: "shardId-000000000000",
      NewStartingHashKey: (2n ** 127n).toString(),
    }),
  );
  await waitActive(StreamName);
  const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName }));
  assert.deepEqual(
    Shards.map((s) => [s.ShardId, s.ParentShardId]),
    [
      ["shardId-000000000000", undefined],
      ["shardId-000000000001", "shardId-000000000000"],
      ["shardId-000000000002", "shardId-000000000000"],
    ],
  );
  assert.ok(Shards[0].SequenceNumberRange.EndingSequenceNumber);
  const { records, last } = await readAll(StreamName, "shardId-000000000000");
  assert.equal(records.length, 1);
  assert.equal(last.NextShardIterator, undefined);
  assert.deepEqual(
    last.ChildShards.map((c) => c.ShardId),
    ["shardId-000000000001", "shardId-000000000002"],
  );
});

test("consumers and typed errors", async () => {
  const StreamName = unique();
  await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
  const { StreamARN } = await waitActive(StreamName);
  const { Consumer } = await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN, ConsumerName: "c" }));
  assert.equal(Consumer.ConsumerStatus, "CREATING");
  assert.ok(Consumer.ConsumerCreationTimestamp instanceof Date);
  const described = await kinesis.send(new DescribeStreamConsumerCommand({ StreamARN, ConsumerName: "c" }));
  assert.equal(described.ConsumerDescription.ConsumerARN, Consumer.ConsumerARN);

  await assert.rejects(
    kinesis.send(new PutRecordCommand({ StreamName: "no-such-stream", Data: new Uint8Array([1]), PartitionKey: "k" })),
    (e) => {
      assert.ok(e instanceof ResourceNotFoundException);
      assert.equal(e.message, "Stream no-such-stream under account 000000000000 not found.");
      assert.equal(e.$metadata.httpStatusCode, 400);
      return true;
    },
  );
});

test("SubscribeToShard pushes records over an HTTP/2 event stream", async () => {
  const StreamName = unique();
  await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
  const { StreamARN } = await waitActive(StreamName);
  const { Consumer } = await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN, ConsumerName: "efo" }));
  for (let i = 0; i < 500; i++) {
    const d = await kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: Consumer.ConsumerARN }));
    if (d.ConsumerDescription.ConsumerStatus === "ACTIVE") break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const enc = new TextEncoder();
  const first = await kinesis.send(
    new PutRecordsCommand({
      StreamName,
      Records: [0, 1, 2].map((i) => ({ Data: enc.encode(`r${i}`), PartitionKey: `k${i}` })),
    }),
  );
  const abort = new AbortController();
  const out = await kinesis.send(
    new SubscribeToShardCommand({
      ConsumerARN: Consumer.ConsumerARN,
      ShardId: "shardId-000000000000",
      StartingPosition: { Type: "TRIM_HORIZON" },
    }),
    { abortSignal: abort.signal },
  );
  const got = [];
  let continuation;
  let putLater = false;
  for await (const event of out.EventStream) {
    const e = event.SubscribeToShardEvent;
    assert.ok(e, `unexpected event ${JSON.stringify(Object.keys(event))}`);
    for (const r of e.Records) {
      assert.ok(r.ApproximateArrivalTimestamp instanceof Date);
      got.push(new TextDecoder().decode(r.Data));
    }
    continuation = e.ContinuationSequenceNumber;
    assert.equal(typeof e.MillisBehindLatest, "number");
    if (got.length === 3 && !putLater) {
      putLater = true;
      // Written while subscribed: pushed without another call.
      await kinesis.send(new PutRecordCommand({ StreamName, Data: enc.encode("live"), PartitionKey: "k" }));
    }
    if (got.length === 4) break;
  }
  abort.abort();
  assert.deepEqual(got, ["r0", "r1", "r2", "live"]);
  assert.ok(BigInt(continuation) > BigInt(first.Records[2].SequenceNumber));
});
