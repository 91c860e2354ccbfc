// AWS SDK for JavaScript v3 against Stratus (node --test). The server runs with
// --verify-signatures, so every request here also proves the SDK's SigV4 signature verifies.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { DynamoDBClient, DescribeGlobalTableCommand } from "@aws-sdk/client-dynamodb";
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  STSClient,
} from "@aws-sdk/client-sts";

import { clientConfig, startStratus } from "./stratus.mjs";

let server;
let sts;

before(async () => {
  server = await startStratus(["--verify-signatures"]);
  sts = new STSClient(clientConfig(server.url));
});

after(async () => {
  sts?.destroy();
  if (server) assert.equal(await server.stop(), 0, "stratus exit code after SIGTERM");
});

test("GetCallerIdentity with plain keys is the default account's root", async () => {
  const out = await sts.send(new GetCallerIdentityCommand({}));
  assert.equal(out.Account, "000000000000");
  assert.equal(out.Arn, "arn:aws:iam::000000000000:root");
  assert.equal(out.UserId, "000000000000");
  assert.equal(out.$metadata.httpStatusCode, 200);
  assert.ok(out.$metadata.requestId, "request id");
});

test("a 12-digit access key id is the account", async () => {
  const client = new STSClient(
    clientConfig(server.url, { accessKeyId: "123456789012", secretAccessKey: "test" }),
  );
  const out = await client.send(new GetCallerIdentityCommand({}));
  client.destroy();
  assert.equal(out.Account, "123456789012");
  assert.equal(out.Arn, "arn:aws:iam::123456789012:root");
});

test("AssumeRole, then GetCallerIdentity with the issued credentials", async () => {
  const before = Date.now();
  const out = await sts.send(
    new AssumeRoleCommand({
      RoleArn: "arn:aws:iam::000000000000:role/js-role",
      RoleSessionName: "js-session",
      DurationSeconds: 900,
    }),
  );
  const c = out.Credentials;
  assert.match(c.AccessKeyId, /^ASIA[A-Z0-9]{16}$/);
  assert.match(c.SecretAccessKey, /^[A-Za-z0-9/+]{40}$/);
  assert.ok(c.SessionToken.length > 0);
  assert.ok(c.Expiration instanceof Date);
  const left = (c.Expiration.getTime() - before) / 1000;
  assert.ok(Math.abs(left - 900) < 60, `expires in ${left} s`);
  assert.equal(out.AssumedRoleUser.Arn, "arn:aws:sts::000000000000:assumed-role/js-role/js-session");
  assert.match(out.AssumedRoleUser.AssumedRoleId, /^AROA[A-Z0-9]{17}:js-session$/);

  const assumed = new STSClient(
    clientConfig(server.url, {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
    }),
  );
  const ident = await assumed.send(new GetCallerIdentityCommand({}));
  assumed.destroy();
  assert.equal(ident.Account, "000000000000");
  assert.equal(ident.Arn, "arn:aws:sts::000000000000:assumed-role/js-role/js-session");
  assert.equal(ident.UserId, out.AssumedRoleUser.AssumedRoleId);
});

test("GetFederationToken issues federated-user credentials", async () => {
  const out = await sts.send(new GetFederationTokenCommand({ Name: "jsfed" }));
  assert.equal(out.FederatedUser.Arn, "arn:aws:sts::000000000000:federated-user/jsfed");
  assert.equal(out.FederatedUser.FederatedUserId, "000000000000:jsfed");
});

test("AssumeRole with DurationSeconds 100 is a ValidationError", async () => {
  await assert.rejects(
    sts.send(
      new AssumeRoleCommand({
        RoleArn: "arn:aws:iam::000000000000:role/js-role",
        RoleSessionName: "js-session",
        DurationSeconds: 100,
      }),
    ),
    (err) => {
      assert.equal(err.name, "ValidationError");
      assert.equal(
        err.message,
        "1 validation error detected: Value '100' at 'durationSeconds' failed to satisfy " +
          "constraint: Member must have value greater than or equal to 900",
      );
      assert.equal(err.$metadata.httpStatusCode, 400);
      assert.equal(err.$fault, "client");
      return true;
    },
  );
});

test("a wrong secret is SignatureDoesNotMatch", async () => {
  const client = new STSClient(
    clientConfig(server.url, { accessKeyId: "test", secretAccessKey: "wrong" }),
  );
  await assert.rejects(client.send(new GetCallerIdentityCommand({})), (err) => {
    assert.equal(err.name, "SignatureDoesNotMatch");
    assert.equal(err.$metadata.httpStatusCode, 403);
    return true;
  });
  client.destroy();
});

test("DynamoDB DescribeGlobalTable is NotImplemented (501)", async () => {
  const ddb = new DynamoDBClient(clientConfig(server.url));
  await assert.rejects(ddb.send(new DescribeGlobalTableCommand({ GlobalTableName: "some-table" })), (err) => {
    assert.equal(err.name, "NotImplemented");
    assert.equal(err.$metadata.httpStatusCode, 501);
    assert.match(err.message, /DescribeGlobalTable/);
    assert.match(err.message, /dynamodb/i);
    return true;
  });
  ddb.destroy();
});

