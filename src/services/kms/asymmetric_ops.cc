// Operations of asymmetric and HMAC keys: Sign, Verify, GetPublicKey, GenerateMac, VerifyMac,
// and data key pairs sealed under a symmetric key. The cryptography is in asymmetric.cc.
#include <openssl/crypto.h>

#include <algorithm>

#include "core/encoding.h"
#include "services/kms/asymmetric.h"
#include "services/kms/kms.h"

namespace stratus::kms {
namespace {

json::array List(const std::vector<std::string_view>& v) {
  json::array a;
  for (auto s : v) a.emplace_back(s);
  return a;
}

std::optional<AwsError> CheckDryRun(const json::object& in) {
  if (GetBool(in, "DryRun").value_or(false))
    return aws::ModelErrorFor(*aws::CompiledService("kms"), "DryRunOperationException",
                              "The request would have succeeded, but the DryRun option is set.");
  return std::nullopt;
}

AwsError KmsError(std::string_view shape, std::string message) {
  return aws::ModelErrorFor(*aws::CompiledService("kms"), shape, std::move(message));
}

bool Contains(const std::vector<std::string_view>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The signing request common to Sign and Verify: the algorithm checked against the key and
// the digest to sign (MessageType RAW hashes the message, DIGEST takes it as is).
struct SignInput {
  std::string algorithm, digest;
};

Result<SignInput> SigningInput(const Key& k, const json::object& in) {
  SignInput out;
  out.algorithm = std::string(GetString(in, "SigningAlgorithm").value_or(""));
  const SpecInfo* info = FindSpec(k.spec);
  if (!info || !Contains(info->signing_algs, out.algorithm))
    return Fail(KmsError("InvalidKeyUsageException",
                      "Algorithm " + out.algorithm + " is incompatible with key spec " + k.spec + "."));
  auto message = Base64Decode(GetString(in, "Message").value_or(""));
  if (!message) return Fail(AwsError::Validation("Message is not valid base64"));
  std::string type(GetString(in, "MessageType").value_or("RAW"));
  if (type == "EXTERNAL_MU")
    return Fail(KmsError("InvalidKeyUsageException",
                      "MessageType EXTERNAL_MU is not valid for key spec " + k.spec + "."));
  if (type == "DIGEST") {
    // AWS: a DIGEST message must be exactly as long as the algorithm's hash.
    if (message->size() != SigningDigestLength(out.algorithm))
      return Fail(AwsError::Validation("Digest is invalid length for algorithm " + out.algorithm + "."));
    out.digest = std::move(*message);
  } else {
    out.digest = SigningDigest(out.algorithm, *message);
  }
  return out;
}

}  // namespace

KmsService::Out KmsService::Sign(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, true);
  if (!k) return Fail(k.error());
  const Key& key = **k;
  if (auto e = CheckUsable(key)) return Fail(*e);
  if (auto e = CheckUsage(key, "SIGN_VERIFY", "Sign")) return Fail(*e);
  auto input = SigningInput(key, in);
  if (!input) return Fail(input.error());
  if (auto e = CheckDryRun(in)) return Fail(*e);
  auto signature = SignDigest(key.Current().bytes, input->algorithm, input->digest);
  if (!signature) return Fail(Error("KMSInternalException", "Signing failed"));
  Used(c, key, "Sign");
  json::object out;
  out["KeyId"] = key.arn;
  out["Signature"] = Base64Encode(*signature);
  out["SigningAlgorithm"] = input->algorithm;
  return out;
}

KmsService::Out KmsService::Verify(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, true);
  if (!k) return Fail(k.error());
  const Key& key = **k;
  if (auto e = CheckUsable(key)) return Fail(*e);
  if (auto e = CheckUsage(key, "SIGN_VERIFY", "Verify")) return Fail(*e);
  auto input = SigningInput(key, in);
  if (!input) return Fail(input.error());
  if (auto e = CheckDryRun(in)) return Fail(*e);
  auto signature = Base64Decode(GetString(in, "Signature").value_or(""));
  // AWS answers an invalid signature with KMSInvalidSignatureException, not SignatureValid=false.
  if (!signature || !VerifyDigest(key.Current().bytes, input->algorithm, input->digest, *signature))
    return Fail(Error("KMSInvalidSignatureException", ""));
  Used(c, key, "Verify");
  json::object out;
  out["KeyId"] = key.arn;
  out["SignatureValid"] = true;
  out["SigningAlgorithm"] = input->algorithm;
  return out;
}

KmsService::Out KmsService::GetPublicKey(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, true);
  if (!k) return Fail(k.error());
  const Key& key = **k;
  if (auto e = CheckUsable(key)) return Fail(*e);
  if (!IsRsaSpec(key.spec) && !IsEccSpec(key.spec))
    return Fail(Error("UnsupportedOperationException",
                      key.arn + " key spec " + key.spec + " is not supported for this operation."));
  auto pub = PublicKeyOf(key.Current().bytes);
  if (!pub) return Fail(Error("KMSInternalException", "Public key export failed"));
  json::object out;
  out["KeyId"] = key.arn;
  out["PublicKey"] = Base64Encode(*pub);
  out["CustomerMasterKeySpec"] = key.spec;
  out["KeySpec"] = key.spec;
  out["KeyUsage"] = key.usage;
  const SpecInfo* info = FindSpec(key.spec);
  if (key.usage == "ENCRYPT_DECRYPT") out["EncryptionAlgorithms"] = List(info->encryption_algs);
  if (key.usage == "SIGN_VERIFY") out["SigningAlgorithms"] = List(info->signing_algs);
  if (key.usage == "KEY_AGREEMENT") out["KeyAgreementAlgorithms"] = List(info->agreement_algs);
  return out;
}

KmsService::Out KmsService::DeriveSharedSecret(Ctx& c, const In& in) {
  if (in.contains("Recipient"))
    return Fail(Error("UnsupportedOperationException",
                      "Recipient (Nitro Enclaves attestation) is not supported by Stratus yet"));
  auto k = ResolveInput(c, in, true);
  if (!k) return Fail(k.error());
  const Key& key = **k;
  if (auto e = CheckUsable(key)) return Fail(*e);
  if (auto e = CheckUsage(key, "KEY_AGREEMENT", "DeriveSharedSecret")) return Fail(*e);
  std::string algorithm(GetString(in, "KeyAgreementAlgorithm").value_or(""));
  const SpecInfo* info = FindSpec(key.spec);
  if (!info || !Contains(info->agreement_algs, algorithm))
    return Fail(Error("InvalidKeyUsageException",
                      "Algorithm " + algorithm + " is incompatible with key spec " + key.spec + "."));
  auto peer = Base64Decode(GetString(in, "PublicKey").value_or(""));
  std::optional<std::string> secret = peer ? Ecdh(key.Current().bytes, *peer) : std::nullopt;
  // The peer's key must be an X.509 SubjectPublicKeyInfo on the KMS key's curve.
  if (!secret)
    return Fail(AwsError::Validation("PublicKey is not a valid public key for key spec " + key.spec + "."));
  if (auto e = CheckDryRun(in)) return Fail(*e);
  Used(c, key, "DeriveSharedSecret");
  json::object out;
  out["KeyId"] = key.arn;
  out["SharedSecret"] = Base64Encode(*secret);
  out["KeyAgreementAlgorithm"] = algorithm;
  out["KeyOrigin"] = key.origin;
  return out;
}

namespace {
struct MacInput {
  std::string algorithm, message;
};
}  // namespace

static Result<MacInput> MacRequest(const Key& k, const json::object& in) {
  MacInput out;
  out.algorithm = std::string(GetString(in, "MacAlgorithm").value_or(""));
  const SpecInfo* info = FindSpec(k.spec);
  if (!info || !Contains(info->mac_algs, out.algorithm))
    return Fail(aws::ModelErrorFor(*aws::CompiledService("kms"), "InvalidKeyUsageException",
                                   "Algorithm " + out.algorithm + " is incompatible with key spec " + k.spec + "."));
  auto message = Base64Decode(GetString(in, "Message").value_or(""));
  if (!message) return Fail(AwsError::Validation("Message is not valid base64"));
  out.message = std::move(*message);
  return out;
}

KmsService::Out KmsService::GenerateMac(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, true);
  if (!k) return Fail(k.error());
  const Key& key = **k;
  if (auto e = CheckUsable(key)) return Fail(*e);
  if (auto e = CheckUsage(key, "GENERATE_VERIFY_MAC", "GenerateMac")) return Fail(*e);
  auto req = MacRequest(key, in);
  if (!req) return Fail(req.error());
  if (auto e = CheckDryRun(in)) return Fail(*e);
  auto mac = Hmac(req->algorithm, key.Current().bytes, req->message);
  if (!mac) return Fail(Error("KMSInternalException", "HMAC failed"));
  Used(c, key, "GenerateMac");
  json::object out;
  out["Mac"] = Base64Encode(*mac);
  out["MacAlgorithm"] = req->algorithm;
  out["KeyId"] = key.arn;
  return out;
}

KmsService::Out KmsService::VerifyMac(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, true);
  if (!k) return Fail(k.error());
  const Key& key = **k;
  if (auto e = CheckUsable(key)) return Fail(*e);
  if (auto e = CheckUsage(key, "GENERATE_VERIFY_MAC", "VerifyMac")) return Fail(*e);
  auto req = MacRequest(key, in);
  if (!req) return Fail(req.error());
  if (auto e = CheckDryRun(in)) return Fail(*e);
  auto mac = Hmac(req->algorithm, key.Current().bytes, req->message);
  auto given = Base64Decode(GetString(in, "Mac").value_or(""));
  // AWS answers a MAC that does not match with KMSInvalidMacException, not MacValid=false.
  if (!mac || !given || given->size() != mac->size() ||
      CRYPTO_memcmp(given->data(), mac->data(), mac->size()) != 0)
    return Fail(Error("KMSInvalidMacException", ""));
  Used(c, key, "VerifyMac");
  json::object out;
  out["KeyId"] = key.arn;
  out["MacValid"] = true;
  out["MacAlgorithm"] = req->algorithm;
  return out;
}

Result<const Key*> KmsService::DataKeyPairKey(Ctx& c, const In& in, bool with_plaintext) {
  if (with_plaintext && in.contains("Recipient"))
    return Fail(Error("UnsupportedOperationException",
                      "Recipient (Nitro Enclaves attestation) is not supported by Stratus yet"));
  auto k = ResolveInput(c, in, true);
  if (!k) return Fail(k.error());
  const Key& key = **k;
  if (auto e = CheckUsable(key)) return Fail(*e);
  std::string_view op = with_plaintext ? "GenerateDataKeyPair" : "GenerateDataKeyPairWithoutPlaintext";
  if (auto e = CheckDataKeyUsage(key, op)) return Fail(*e);
  std::string spec(GetString(in, "KeyPairSpec").value_or(""));
  if (!IsRsaSpec(spec) && !IsEccSpec(spec))
    return Fail(Error("UnsupportedOperationException", "KeyPairSpec " + spec + " is not supported by Stratus yet"));
  if (auto e = CheckDryRun(in)) return Fail(*e);
  return &key;
}

KmsService::Out KmsService::DataKeyPair(Ctx& c, const In& in, bool with_plaintext,
                                        std::optional<std::string> pkcs8) {
  auto k = DataKeyPairKey(c, in, with_plaintext);
  if (!k) return Fail(k.error());
  const Key& key = **k;
  std::string_view op = with_plaintext ? "GenerateDataKeyPair" : "GenerateDataKeyPairWithoutPlaintext";
  std::string spec(GetString(in, "KeyPairSpec").value_or(""));
  if (!pkcs8) pkcs8 = GeneratePrivateKey(spec);
  std::optional<std::string> pub = pkcs8 ? PublicKeyOf(*pkcs8) : std::nullopt;
  if (!pub) return Fail(Error("KMSInternalException", "Key pair generation failed"));
  // The private key is sealed under the symmetric key like any data key: Decrypt opens it.
  auto blob = SealFor(c, key, *pkcs8, GetObject(in, "EncryptionContext"));
  if (!blob) return Fail(blob.error());
  Used(c, key, op);
  json::object out;
  out["PrivateKeyCiphertextBlob"] = Base64Encode(*blob);
  if (with_plaintext) out["PrivateKeyPlaintext"] = Base64Encode(*pkcs8);
  out["PublicKey"] = Base64Encode(*pub);
  out["KeyId"] = key.arn;
  out["KeyPairSpec"] = spec;
  out["KeyMaterialId"] = key.Current().id;
  return out;
}

}  // namespace stratus::kms
