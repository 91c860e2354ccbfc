// SSM Parameter Store with the AWS SDK for JavaScript v3 (@aws-sdk/client-ssm, JSON 1.1):
// String and SecureString parameters (the SecureString ciphertext opened with KMS Decrypt),
// versions and labels, path queries, parameter policies and errors as the SDK raises them.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";

import { DecryptCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  DeleteParameterCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  LabelParameterVersionCommand,
  PutParameterCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";

import { clientConfig, startStratus } from "./stratus.mjs";

let server;
let ssm;
let kms;

before(async () => {
  server = await startStratus(["--verify-signatures"]);
  ssm = new SSMClient(clientConfig(server.url));
  kms = new KMSClient(clientConfig(server.url));
});

after(async () => {
  ssm?.destroy();
  kms?.destroy();
  if (server) assert.equal(await server.stop(), 0, "stratus exit code after SIGTERM");
});

const unique = () => `/js/${randomUUID().slice(0, 8)}`;

test("String parameters, versions, labels and paths", async () => {
  const base = unique();
  assert.equal((await ssm.send(new PutParameterCommand({ Name: `${base}/a`, Value: "1", Type: "String" }))).Version, 1);
  await ssm.send(new PutParameterCommand({ Name: `${base}/a`, Value: "2", Overwrite: true }));
  await ssm.send(new PutParameterCommand({ Name: `${base}/deep/b`, Value: "b", Type: "StringList" }));
  const got = (await ssm.send(new GetParameterCommand({ Name: `${base}/a` }))).Parameter;
  assert.equal(got.Value, "2");
  assert.equal(got.Version, 2);
  assert.ok(got.LastModifiedDate instanceof Date);
  await ssm.send(new LabelParameterVersionCommand({ Name: `${base}/a`, ParameterVersion: 1, Labels: ["old"] }));
  assert.equal((await ssm.send(new GetParameterCommand({ Name: `${base}/a:old` }))).Parameter.Value, "1");
  const flat = await ssm.send(new GetParametersByPathCommand({ Path: base }));
  assert.deepEqual(flat.Parameters.map((p) => p.Name), [`${base}/a`]);
  const all = await ssm.send(new GetParametersByPathCommand({ Path: base, Recursive: true }));
  assert.deepEqual(all.Parameters.map((p) => p.Name).sort(), [`${base}/a`, `${base}/deep/b`]);
  await ssm.send(new DeleteParameterCommand({ Name: `${base}/a` }));
  await assert.rejects(ssm.send(new GetParameterCommand({ Name: `${base}/a` })), { name: "ParameterNotFound" });
});

test("SecureString is a real KMS ciphertext", async () => {
  const name = unique();
  await ssm.send(new PutParameterCommand({ Name: name, Value: "s3cret", Type: "SecureString" }));
  const sealed = (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter;
  assert.notEqual(sealed.Value, "s3cret");
  const arn = sealed.ARN;
  const opened = await kms.send(
    new DecryptCommand({ CiphertextBlob: Buffer.from(sealed.Value, "base64"), EncryptionContext: { PARAMETER_ARN: arn } }),
  );
  assert.equal(new TextDecoder().decode(opened.Plaintext), "s3cret");
  const plain = (await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter;
  assert.equal(plain.Value, "s3cret");
});

test("parameter policies", async () => {
  const name = unique();
  const when = new Date(Date.now() + 86_400_000).toISOString();
  const policies = [{ Type: "Expiration", Version: "1.0", Attributes: { Timestamp: when } }];
  const out = await ssm.send(
    new PutParameterCommand({ Name: name, Value: "v", Type: "String", Tier: "Intelligent-Tiering", Policies: JSON.stringify(policies) }),
  );
  assert.equal(out.Tier, "Advanced");
  const [p] = (await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: "Name", Values: [name] }] })))
    .Parameters;
  assert.equal(p.Policies.length, 1);
  assert.equal(p.Policies[0].PolicyType, "Expiration");
  assert.equal(p.Policies[0].PolicyStatus, "Pending");
  await assert.rejects(
    ssm.send(new PutParameterCommand({ Name: unique(), Value: "v", Type: "String", Tier: "Advanced", Policies: '[{"Type":"Nope"}]' })),
    { name: "InvalidPolicyTypeException" },
  );
});

test("errors carry AWS's codes", async () => {
  const name = unique();
  await ssm.send(new PutParameterCommand({ Name: name, Value: "v", Type: "String" }));
  await assert.rejects(ssm.send(new PutParameterCommand({ Name: name, Value: "w", Type: "String" })), (e) => {
    assert.equal(e.name, "ParameterAlreadyExists");
    assert.equal(e.$metadata.httpStatusCode, 400);
    return true;
  });
});
