// SQS with the AWS SDK for JavaScript: v3 (@aws-sdk/client-sqs, JSON protocol; it verifies the
// MD5 digests of bodies it sends and receives) and v2 (aws-sdk 2.1450.0, the last v2 line whose
// SQS model is the query protocol: forms POSTed to the queue URL, XML answers). The server runs
// with --verify-signatures, so every request also proves the SDK's SigV4 signature verifies.
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";

import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";

import { clientConfig, startStratus, testCredentials } from "./stratus.mjs";

process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = "1";
const { default: AWS } = await import("aws-sdk");

const ACCOUNT = "000000000000";
const NON_EXISTENT = "AWS.SimpleQueueService.NonExistentQueue";

let server;
let sqs;

before(async () => {
  server = await startStratus(["--verify-signatures"]);
  sqs = new SQSClient(clientConfig(server.url));
});

after(async () => {
  sqs?.destroy();
  if (server) assert.equal(await server.stop(), 0, "stratus exit code after SIGTERM");
});

const unique = (prefix = "js") => `${prefix}-${randomUUID().slice(0, 12)}`;

const md5 = (data) => createHash("md5").update(data).digest("hex");

// MD5OfMessageAttributes: per attribute sorted by name, length-prefixed name, data type, a
// transport byte (1 string, 2 binary) and the length-prefixed value.
function md5OfAttributes(attrs) {
  const h = createHash("md5");
  const prefixed = (buf) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(buf.length);
    h.update(len);
    h.update(buf);
  };
  const names = Object.keys(attrs).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const a = attrs[name];
    prefixed(Buffer.from(name, "utf8"));
    prefixed(Buffer.from(a.DataType, "utf8"));
    if (a.BinaryValue !== undefined) {
      h.update(Buffer.from([2]));
      prefixed(Buffer.from(a.BinaryValue));
    } else {
      h.update(Buffer.from([1]));
      prefixed(Buffer.from(a.StringValue, "utf8"));
    }
  }
  return h.digest("hex");
}

const ATTRIBUTES = {
  str: { DataType: "String", StringValue: "caf\u00e9" },
  num: { DataType: "Number", StringValue: "12.5" },
  bin: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1, 2, 254, 255]) },
  custom: { DataType: "String.custom", StringValue: "typed" },
};

describe("SDK v3 (JSON protocol)", () => {
  test("create, send with attributes, receive, delete", async () => {
    const name = unique();
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    assert.equal(QueueUrl, `${server.url}/${ACCOUNT}/${name}`);

    const body = "hello from v3 \u4e16\u754c";
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl, MessageBody: body, MessageAttributes: ATTRIBUTES }),
    );
    assert.match(sent.MessageId, /^[0-9a-f-]{36}$/);
    assert.equal(sent.MD5OfMessageBody, md5(body));
    assert.equal(sent.MD5OfMessageAttributes, md5OfAttributes(ATTRIBUTES));

    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
      }),
    );
    assert.equal(out.Messages?.length, 1);
    const m = out.Messages[0];
    assert.equal(m.Body, body);
    assert.equal(m.MessageId, sent.MessageId);
    assert.equal(m.MD5OfBody, md5(body));
    assert.deepEqual(m.MessageAttributes, ATTRIBUTES);
    assert.equal(m.MD5OfMessageAttributes, md5OfAttributes(ATTRIBUTES));
    assert.equal(m.Attributes.ApproximateReceiveCount, "1");
    assert.equal(m.Attributes.SenderId, ACCOUNT);
    assert.ok(Math.abs(Number(m.Attributes.SentTimestamp) - Date.now()) < 60_000);

    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }),
    );
    assert.equal(attrs.Attributes.ApproximateNumberOfMessages, "0");
    assert.equal(attrs.Attributes.ApproximateNumberOfMessagesNotVisible, "0");
    assert.equal(attrs.Attributes.QueueArn, `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`);
  });

  test("batch send (the SDK checks each entry's MD5)", async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique() }));
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: "a", MessageBody: "first" },
          { Id: "b", MessageBody: "second \u00e9" },
        ],
      }),
    );
    assert.deepEqual(out.Successful.map((e) => e.Id).sort(), ["a", "b"]);
    assert.ok(!out.Failed?.length, JSON.stringify(out.Failed));
  });

  test("FIFO send and receive", async () => {
    const name = `${unique("jsfifo")}.fifo`;
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: { FifoQueue: "true", ContentBasedDeduplication: "true" },
      }),
    );
    const first = await sqs.send(
      new SendMessageCommand({ QueueUrl, MessageBody: "one", MessageGroupId: "g" }),
    );
    const second = await sqs.send(
      new SendMessageCommand({ QueueUrl, MessageBody: "two", MessageGroupId: "g" }),
    );
    assert.match(first.SequenceNumber, /^\d+$/);
    assert.ok(BigInt(second.SequenceNumber) > BigInt(first.SequenceNumber));
    // Same body again: deduplicated by content.
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "one", MessageGroupId: "g" }));

    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ["All"],
      }),
    );
    assert.deepEqual(
      out.Messages.map((m) => m.Body),
      ["one", "two"],
    );
    assert.equal(out.Messages[0].Attributes.MessageGroupId, "g");
    assert.equal(out.Messages[0].Attributes.SequenceNumber, first.SequenceNumber);
  });

  test("an unknown queue is QueueDoesNotExist", async () => {
    await assert.rejects(sqs.send(new GetQueueUrlCommand({ QueueName: unique("missing") })), (err) => {
      assert.equal(err.name, "QueueDoesNotExist");
      assert.equal(err.Code, NON_EXISTENT);
      assert.equal(err.$metadata.httpStatusCode, 400);
      assert.equal(err.$fault, "client");
      assert.match(err.message, /^The specified queue does not exist/);
      return true;
    });
  });
});

describe("SDK v2 (query protocol)", () => {
  let v2;
  before(() => {
    v2 = new AWS.SQS({
      endpoint: server.url,
      region: "us-east-1",
      credentials: new AWS.Credentials(testCredentials.accessKeyId, testCredentials.secretAccessKey),
      maxRetries: 0,
    });
  });

  test("the v2 SDK sends SQS in the query protocol", async () => {
    const req = v2.listQueues({});
    const resp = await new Promise((resolve) => {
      req.on("complete", resolve);
      req.send();
    });
    assert.equal(resp.error, null, String(resp.error));
    assert.match(String(resp.request.httpRequest.body), /^Action=ListQueues&Version=2012-11-05/);
    assert.match(resp.httpResponse.headers["content-type"], /^text\/xml/);
  });

  test("create, send, receive, delete", async () => {
    const name = unique("v2");
    const { QueueUrl } = await v2.createQueue({ QueueName: name }).promise();
    assert.equal(QueueUrl, `${server.url}/${ACCOUNT}/${name}`);

    const body = "hello from v2 <&> \u00e9";
    const attributes = {
      str: { DataType: "String", StringValue: "v" },
      bin: { DataType: "Binary", BinaryValue: Buffer.from([9, 8, 7]) },
    };
    const sent = await v2
      .sendMessage({ QueueUrl, MessageBody: body, MessageAttributes: attributes })
      .promise();
    assert.equal(sent.MD5OfMessageBody, md5(body));
    assert.equal(sent.MD5OfMessageAttributes, md5OfAttributes(attributes));

    const out = await v2
      .receiveMessage({
        QueueUrl,
        MaxNumberOfMessages: 10,
        AttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      })
      .promise();
    assert.equal(out.Messages?.length, 1);
    const m = out.Messages[0];
    assert.equal(m.Body, body);
    assert.equal(m.MessageId, sent.MessageId);
    assert.equal(m.MessageAttributes.str.StringValue, "v");
    assert.deepEqual([...m.MessageAttributes.bin.BinaryValue], [9, 8, 7]);
    assert.equal(m.MD5OfMessageAttributes, md5OfAttributes(attributes));
    assert.equal(m.Attributes.ApproximateReceiveCount, "1");

    await v2.deleteMessage({ QueueUrl, ReceiptHandle: m.ReceiptHandle }).promise();
    const attrs = await v2
      .getQueueAttributes({
        QueueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      })
      .promise();
    assert.deepEqual(attrs.Attributes, {
      ApproximateNumberOfMessages: "0",
      ApproximateNumberOfMessagesNotVisible: "0",
    });
  });

  test("an unknown queue is AWS.SimpleQueueService.NonExistentQueue", async () => {
    await assert.rejects(v2.getQueueUrl({ QueueName: unique("missing") }).promise(), (err) => {
      assert.equal(err.code, NON_EXISTENT);
      assert.equal(err.statusCode, 400);
      assert.match(err.message, /^The specified queue does not exist/);
      return true;
    });
  });
});
