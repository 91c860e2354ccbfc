// KMS with the AWS SDK for JavaScript v3 (@aws-sdk/client-kms, JSON 1.1): symmetric
// encryption with an encryption context, data keys, ECDSA and RSA-PSS signatures verified with
// node:crypto and GetPublicKey's key, RSA-OAEP encryption done by node:crypto and decrypted
// by Stratus, HMAC, grants and errors as the SDK raises them. --verify-signatures makes every
// request also prove the SDK's SigV4 signature verifies.
import assert from "node:assert/strict";
import { constants, createHash, createPublicKey, publicEncrypt, verify } from "node:crypto";
import { after, before, test } from "node:test";

import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateMacCommand,
  GetPublicKeyCommand,
  KMSClient,
  ListGrantsCommand,
  RevokeGrantCommand,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
} from "@aws-sdk/client-kms";

import { clientConfig, startStratus } from "./stratus.mjs";

let server;
let kms;

before(async () => {
  server = await startStratus(["--verify-signatures"]);
  kms = new KMSClient(clientConfig(server.url));
});

after(async () => {
  kms?.destroy();
  if (server) assert.equal(await server.stop(), 0, "stratus exit code after SIGTERM");
});

const enc = new TextEncoder();
const text = (bytes) => new TextDecoder().decode(bytes);
const newKey = async (input = {}) => (await kms.send(new CreateKeyCommand(input))).KeyMetadata;

test("encrypt and decrypt with an encryption context", async () => {
  const key = await newKey({ Description: "js" });
  assert.equal(key.KeySpec, "SYMMETRIC_DEFAULT");
  assert.ok(key.CreationDate instanceof Date);
  const out = await kms.send(
    new EncryptCommand({ KeyId: key.KeyId, Plaintext: enc.encode("from js"), EncryptionContext: { app: "js" } }),
  );
  assert.equal(out.KeyId, key.Arn);
  const back = await kms.send(new DecryptCommand({ CiphertextBlob: out.CiphertextBlob, EncryptionContext: { app: "js" } }));
  assert.equal(text(back.Plaintext), "from js");
  assert.equal(back.KeyId, key.Arn);
  await assert.rejects(kms.send(new DecryptCommand({ CiphertextBlob: out.CiphertextBlob })), {
    name: "InvalidCiphertextException",
  });
});

test("data keys and data key pairs", async () => {
  const key = await newKey();
  const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: "AES_256" }));
  assert.equal(dk.Plaintext.length, 32);
  const back = await kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob }));
  assert.deepEqual(Buffer.from(back.Plaintext), Buffer.from(dk.Plaintext));
  const pair = await kms.send(new GenerateDataKeyPairCommand({ KeyId: key.KeyId, KeyPairSpec: "ECC_NIST_P256" }));
  const pub = createPublicKey({ key: Buffer.from(pair.PublicKey), format: "der", type: "spki" });
  assert.equal(pub.asymmetricKeyDetails.namedCurve, "prime256v1");
  const priv = await kms.send(new DecryptCommand({ CiphertextBlob: pair.PrivateKeyCiphertextBlob }));
  assert.deepEqual(Buffer.from(priv.Plaintext), Buffer.from(pair.PrivateKeyPlaintext));
});

test("ECDSA signatures verify with node:crypto", async () => {
  const key = await newKey({ KeySpec: "ECC_NIST_P384", KeyUsage: "SIGN_VERIFY" });
  assert.deepEqual(key.SigningAlgorithms, ["ECDSA_SHA_384"]);
  const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: key.KeyId }));
  const pub = createPublicKey({ key: Buffer.from(PublicKey), format: "der", type: "spki" });
  const message = enc.encode("signed in Stratus");
  const { Signature } = await kms.send(
    new SignCommand({ KeyId: key.KeyId, Message: message, SigningAlgorithm: "ECDSA_SHA_384" }),
  );
  assert.ok(verify("sha384", message, pub, Buffer.from(Signature)));
  assert.ok(!verify("sha384", enc.encode("other"), pub, Buffer.from(Signature)));
  const digest = createHash("sha384").update(message).digest();
  const viaDigest = await kms.send(
    new SignCommand({ KeyId: key.KeyId, Message: digest, MessageType: "DIGEST", SigningAlgorithm: "ECDSA_SHA_384" }),
  );
  assert.ok(verify("sha384", message, pub, Buffer.from(viaDigest.Signature)));
  const ok = await kms.send(
    new VerifyCommand({ KeyId: key.KeyId, Message: message, Signature: Signature, SigningAlgorithm: "ECDSA_SHA_384" }),
  );
  assert.equal(ok.SignatureValid, true);
  await assert.rejects(
    kms.send(
      new VerifyCommand({ KeyId: key.KeyId, Message: enc.encode("x"), Signature, SigningAlgorithm: "ECDSA_SHA_384" }),
    ),
    { name: "KMSInvalidSignatureException" },
  );
});

test("RSA-PSS signatures and RSA-OAEP encryption with node:crypto", async () => {
  const signer = await newKey({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" });
  const signerPub = createPublicKey({
    key: Buffer.from((await kms.send(new GetPublicKeyCommand({ KeyId: signer.KeyId }))).PublicKey),
    format: "der",
    type: "spki",
  });
  const message = enc.encode("pss");
  const { Signature } = await kms.send(
    new SignCommand({ KeyId: signer.KeyId, Message: message, SigningAlgorithm: "RSASSA_PSS_SHA_256" }),
  );
  assert.ok(
    verify("sha256", message, { key: signerPub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      Buffer.from(Signature)),
  );

  const box = await newKey({ KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" });
  const pub = createPublicKey({
    key: Buffer.from((await kms.send(new GetPublicKeyCommand({ KeyId: box.KeyId }))).PublicKey),
    format: "der",
    type: "spki",
  });
  const sealed = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
    enc.encode("sealed by node"));
  const back = await kms.send(
    new DecryptCommand({ CiphertextBlob: sealed, KeyId: box.KeyId, EncryptionAlgorithm: "RSAES_OAEP_SHA_256" }),
  );
  assert.equal(text(back.Plaintext), "sealed by node");
  await assert.rejects(kms.send(new EncryptCommand({ KeyId: box.KeyId, Plaintext: enc.encode("x") })), {
    name: "InvalidKeyUsageException",
  });
});

test("HMAC keys", async () => {
  const key = await newKey({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" });
  const { Mac } = await kms.send(
    new GenerateMacCommand({ KeyId: key.KeyId, Message: enc.encode("m"), MacAlgorithm: "HMAC_SHA_256" }),
  );
  assert.equal(Mac.length, 32);
  const ok = await kms.send(
    new VerifyMacCommand({ KeyId: key.KeyId, Message: enc.encode("m"), MacAlgorithm: "HMAC_SHA_256", Mac }),
  );
  assert.equal(ok.MacValid, true);
  await assert.rejects(
    kms.send(new VerifyMacCommand({ KeyId: key.KeyId, Message: enc.encode("n"), MacAlgorithm: "HMAC_SHA_256", Mac })),
    { name: "KMSInvalidMacException" },
  );
});

test("grants", async () => {
  const key = await newKey();
  const grantee = "arn:aws:iam::000000000000:role/js";
  const { GrantId, GrantToken } = await kms.send(
    new CreateGrantCommand({ KeyId: key.KeyId, GranteePrincipal: grantee, Operations: ["Encrypt", "Decrypt"] }),
  );
  assert.match(GrantId, /^[0-9a-f]{64}$/);
  assert.ok(GrantToken.length > 0);
  const { Grants } = await kms.send(new ListGrantsCommand({ KeyId: key.KeyId }));
  assert.equal(Grants.length, 1);
  assert.equal(Grants[0].GranteePrincipal, grantee);
  assert.deepEqual(Grants[0].Operations, ["Encrypt", "Decrypt"]);
  await kms.send(new RevokeGrantCommand({ KeyId: key.KeyId, GrantId }));
  assert.deepEqual((await kms.send(new ListGrantsCommand({ KeyId: key.KeyId }))).Grants, []);
});

test("errors carry AWS's codes", async () => {
  await assert.rejects(kms.send(new DescribeKeyCommand({ KeyId: "alias/missing-js" })), (e) => {
    assert.equal(e.name, "NotFoundException");
    assert.equal(e.$metadata.httpStatusCode, 400);
    assert.match(e.message, /alias\/missing-js' is not found\.$/);
    return true;
  });
});
