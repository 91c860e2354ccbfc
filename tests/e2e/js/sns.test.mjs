// SNS with the AWS SDK for JavaScript v3 (@aws-sdk/client-sns, the query protocol), delivering
// to SQS (@aws-sdk/client-sqs). The server runs with --verify-signatures, so every request also
// proves the SDK's SigV4 signature verifies.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";

import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  NotFoundException,
  PublishBatchCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";

import { clientConfig, startStratus } from "./stratus.mjs";

const ACCOUNT = "000000000000";

let server;
let sns;
let sqs;

before(async () => {
  server = await startStratus(["--verify-signatures"]);
  sns = new SNSClient(clientConfig(server.url));
  sqs = new SQSClient(clientConfig(server.url));
});

after(async () => {
  sns?.destroy();
  sqs?.destroy();
  if (server) assert.equal(await server.stop(), 0, "stratus exit code after SIGTERM");
});

const unique = (prefix = "js") => `${prefix}-${randomUUID().slice(0, 12)}`;

async function subscribedQueue(TopicArn, Attributes) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique("q") }));
  const { Attributes: qa } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  const { SubscriptionArn } = await sns.send(
    new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: qa.QueueArn, Attributes }),
  );
  return { QueueUrl, SubscriptionArn };
}

async function receive(QueueUrl, n) {
  const out = [];
  const deadline = Date.now() + 6000;
  while (out.length < n && Date.now() < deadline) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 2,
        MessageAttributeNames: ["All"],
      }),
    );
    out.push(...(r.Messages ?? []));
  }
  return out;
}

describe("SNS with SDK v3", () => {
  test("create topic, subscribe a queue, publish with attributes", async () => {
    const name = unique("topic");
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
    assert.equal(TopicArn, `arn:aws:sns:us-east-1:${ACCOUNT}:${name}`);
    const { QueueUrl, SubscriptionArn } = await subscribedQueue(TopicArn);
    assert.match(SubscriptionArn, new RegExp(`^${TopicArn}:[0-9a-f-]{36}$`));

    const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    assert.deepEqual(listed.Subscriptions.map((s) => s.SubscriptionArn), [SubscriptionArn]);

    const sent = await sns.send(
      new PublishCommand({
        TopicArn,
        Message: "hello \u00e9",
        Subject: "subj",
        MessageAttributes: { color: { DataType: "String", StringValue: "red" } },
      }),
    );
    const [m] = await receive(QueueUrl, 1);
    assert.ok(m, "nothing delivered");
    const doc = JSON.parse(m.Body);
    assert.equal(doc.Type, "Notification");
    assert.equal(doc.MessageId, sent.MessageId);
    assert.equal(doc.TopicArn, TopicArn);
    assert.equal(doc.Message, "hello \u00e9");
    assert.equal(doc.Subject, "subj");
    assert.deepEqual(doc.MessageAttributes, { color: { Type: "String", Value: "red" } });
    assert.match(doc.Timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(doc.SignatureVersion, "1");
  });

  test("raw delivery and PublishBatch", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: unique("topic") }));
    const { QueueUrl } = await subscribedQueue(TopicArn, { RawMessageDelivery: "true" });
    const out = await sns.send(
      new PublishBatchCommand({
        TopicArn,
        PublishBatchRequestEntries: [
          { Id: "a", Message: "first" },
          {
            Id: "b",
            Message: "second",
            MessageAttributes: { n: { DataType: "Number", StringValue: "3" } },
          },
        ],
      }),
    );
    assert.deepEqual(out.Successful.map((e) => e.Id).sort(), ["a", "b"]);
    assert.ok(!out.Failed?.length, JSON.stringify(out.Failed));
    const msgs = await receive(QueueUrl, 2);
    assert.deepEqual(msgs.map((m) => m.Body).sort(), ["first", "second"]);
    const second = msgs.find((m) => m.Body === "second");
    assert.deepEqual(second.MessageAttributes, { n: { DataType: "Number", StringValue: "3" } });
  });

  test("a missing topic is NotFoundException", async () => {
    const TopicArn = `arn:aws:sns:us-east-1:${ACCOUNT}:${unique("missing")}`;
    await assert.rejects(sns.send(new GetTopicAttributesCommand({ TopicArn })), (e) => {
      assert.ok(e instanceof NotFoundException, `${e.name}: ${e.message}`);
      assert.equal(e.name, "NotFoundException");
      assert.equal(e.message, "Topic does not exist");
      assert.equal(e.$metadata.httpStatusCode, 404);
      return true;
    });
  });
});
