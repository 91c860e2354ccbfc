// Secrets Manager with the AWS SDK for JavaScript v3 (@aws-sdk/client-secrets-manager, JSON
// 1.1): string and binary secrets sealed by KMS, versions and staging labels, replicas in
// another region, and errors as the SDK raises them.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";

import { CreateKeyCommand, DisableKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ReplicateSecretToRegionsCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";

import { clientConfig, startStratus } from "./stratus.mjs";

let server;
let sm;
let smWest;
let kms;

before(async () => {
  server = await startStratus(["--verify-signatures"]);
  sm = new SecretsManagerClient(clientConfig(server.url));
  smWest = new SecretsManagerClient({ ...clientConfig(server.url), region: "us-west-2" });
  kms = new KMSClient(clientConfig(server.url));
});

after(async () => {
  for (const c of [sm, smWest, kms]) c?.destroy();
  if (server) assert.equal(await server.stop(), 0, "stratus exit code after SIGTERM");
});

const unique = () => `js-${randomUUID().slice(0, 8)}`;

test("string and binary secrets, versions and labels", async () => {
  const name = unique();
  const v1 = (await sm.send(new CreateSecretCommand({ Name: name, SecretString: "one" }))).VersionId;
  const v2 = (await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: "two" }))).VersionId;
  const cur = await sm.send(new GetSecretValueCommand({ SecretId: name }));
  assert.equal(cur.SecretString, "two");
  assert.deepEqual(cur.VersionStages, ["AWSCURRENT"]);
  const prev = await sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: "AWSPREVIOUS" }));
  assert.equal(prev.SecretString, "one");
  const d = await sm.send(new DescribeSecretCommand({ SecretId: name }));
  assert.deepEqual(d.VersionIdsToStages, { [v1]: ["AWSPREVIOUS"], [v2]: ["AWSCURRENT"] });
  const bin = unique();
  await sm.send(new CreateSecretCommand({ Name: bin, SecretBinary: new Uint8Array([0, 1, 2, 255]) }));
  const got = await sm.send(new GetSecretValueCommand({ SecretId: bin }));
  assert.deepEqual(Array.from(got.SecretBinary), [0, 1, 2, 255]);
});

test("a disabled KMS key stops reads", async () => {
  const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata.KeyId;
  const name = unique();
  await sm.send(new CreateSecretCommand({ Name: name, SecretString: "x", KmsKeyId: key }));
  await kms.send(new DisableKeyCommand({ KeyId: key }));
  await assert.rejects(sm.send(new GetSecretValueCommand({ SecretId: name })), { name: "DecryptionFailure" });
});

test("replicas follow the primary", async () => {
  const name = unique();
  await sm.send(new CreateSecretCommand({ Name: name, SecretString: "v1" }));
  const out = await sm.send(
    new ReplicateSecretToRegionsCommand({ SecretId: name, AddReplicaRegions: [{ Region: "us-west-2" }] }),
  );
  assert.equal(out.ReplicationStatus[0].Status, "InSync");
  await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: "v2" }));
  assert.equal((await smWest.send(new GetSecretValueCommand({ SecretId: name }))).SecretString, "v2");
  assert.equal((await smWest.send(new DescribeSecretCommand({ SecretId: name }))).PrimaryRegion, "us-east-1");
  await assert.rejects(smWest.send(new PutSecretValueCommand({ SecretId: name, SecretString: "no" })), {
    name: "InvalidRequestException",
  });
});

test("errors carry AWS's codes", async () => {
  await assert.rejects(sm.send(new GetSecretValueCommand({ SecretId: unique() })), (e) => {
    assert.equal(e.name, "ResourceNotFoundException");
    assert.equal(e.message, "Secrets Manager can't find the specified secret.");
    return true;
  });
});
