// Cryptographic operations: Encrypt, Decrypt, ReEncrypt, GenerateDataKey(WithoutPlaintext),
// GenerateRandom. See crypto.h for the ciphertext format and what the GCM tag binds.
#include <algorithm>

#include "core/encoding.h"
#include "services/kms/asymmetric.h"
#include "services/kms/crypto.h"
#include "services/kms/kms.h"

namespace stratus::kms {
namespace {

constexpr std::string_view kAlgorithm = "SYMMETRIC_DEFAULT";

std::map<std::string, std::string> ContextOf(const json::object* ctx) {
  std::map<std::string, std::string> out;
  if (!ctx) return out;
  for (const auto& [k, v] : *ctx) out[std::string(k)] = v.is_string() ? std::string(v.get_string()) : "";
  return out;
}

AwsError KmsError(std::string_view shape, std::string message) {
  return aws::ModelErrorFor(*aws::CompiledService("kms"), shape, std::move(message));
}

// AWS answers InvalidCiphertextException without a message.
AwsError InvalidCiphertext() { return KmsError("InvalidCiphertextException", ""); }

std::optional<AwsError> CheckUnsupported(const json::object& in) {
  if (in.contains("Recipient"))
    return KmsError("UnsupportedOperationException",
                    "Recipient (Nitro Enclaves attestation) is not supported by Stratus yet");
  return std::nullopt;
}

// DryRun: AWS checks the request and answers DryRunOperationException instead of acting.
std::optional<AwsError> CheckDryRun(const json::object& in) {
  if (GetBool(in, "DryRun").value_or(false))
    return KmsError("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.");
  return std::nullopt;
}

// GenerateDataKey's length: exactly one of KeySpec and NumberOfBytes.
Result<size_t> DataKeyLength(const json::object& in) {
  auto spec = GetString(in, "KeySpec");
  auto bytes = GetInt(in, "NumberOfBytes");
  if (spec.has_value() == bytes.has_value())
    return Fail(AwsError::Validation("Please specify either number of bytes or key spec."));
  if (bytes) return static_cast<size_t>(*bytes);
  return *spec == "AES_128" ? size_t{16} : size_t{32};
}

}  // namespace

std::optional<AwsError> KmsService::CheckDataKeyUsage(const Key& k, std::string_view op) const {
  if (auto e = CheckUsage(k, "ENCRYPT_DECRYPT", op)) return e;
  // Data keys are sealed under symmetric encryption keys only (GenerateDataKey API reference).
  if (!k.Symmetric())
    return KmsError("InvalidKeyUsageException", k.arn + " key spec " + k.spec + " is not valid for " + std::string(op) + ".");
  return std::nullopt;
}

Result<std::string> KmsService::SealFor(const Ctx& c, const Key& k, std::string_view plaintext,
                                        const In* context) {
  const Material& m = k.Current();
  Blob blob;
  blob.key_id = k.id;
  blob.material_version = m.version;
  // A multi-Region key's ciphertext opens in every region of its set, so the region is not
  // bound for those.
  std::string aad = AdditionalData(k.account, k.multi_region ? "" : k.region, k.id, m.version, ContextOf(context));
  if (!Seal(m.bytes, aad, plaintext, blob)) return Fail(KmsError("KMSInternalException", "encryption failed"));
  return EncodeBlob(blob);
}

std::optional<AwsError> KmsService::CheckEncryption(const Key& k, std::optional<std::string_view> algorithm,
                                                    std::string_view op) const {
  if (auto e = CheckUsage(k, "ENCRYPT_DECRYPT", op)) return e;
  std::string_view alg = algorithm.value_or(kAlgorithm);
  if (k.Symmetric()) {
    if (alg != kAlgorithm)
      return KmsError("InvalidKeyUsageException", "The encryption algorithm " + std::string(alg) +
                                                      " is not valid for a symmetric encryption KMS key.");
    return std::nullopt;
  }
  const SpecInfo* info = FindSpec(k.spec);
  if (!info || std::find(info->encryption_algs.begin(), info->encryption_algs.end(), alg) == info->encryption_algs.end())
    return KmsError("InvalidKeyUsageException",
                    "Algorithm " + std::string(alg) + " is incompatible with key spec " + k.spec + ".");
  return std::nullopt;
}

Result<std::string> KmsService::EncryptUnder(const Ctx& c, const Key& k, std::string_view algorithm,
                                             std::string_view plaintext, const In* context) {
  if (k.Symmetric()) return SealFor(c, k, plaintext, context);
  // RSAES-OAEP takes at most modulus - 2*hash - 2 bytes (KMS developer guide, "RSA key specs
  // for encryption and decryption": 214/190 bytes for RSA_2048 and so on).
  if (plaintext.size() > RsaOaepMaxPlaintext(k.spec, algorithm))
    return Fail(AwsError::Validation("Plaintext is too long for the encryption algorithm " + std::string(algorithm) +
                                     " with key spec " + k.spec + "."));
  auto out = RsaOaepEncrypt(k.Current().bytes, algorithm, plaintext);
  if (!out) return Fail(KmsError("KMSInternalException", "encryption failed"));
  return std::move(*out);
}

Result<KmsService::Opened> KmsService::OpenCiphertext(Ctx& c, Region& r, std::string_view blob_base64,
                                                      std::optional<std::string_view> key_ref,
                                                      const In* context, std::optional<std::string_view> algorithm,
                                                      std::string_view op) {
  Key* named = nullptr;
  if (key_ref) {
    auto k = Resolve(c, r, *key_ref, true);
    if (!k) return Fail(k.error());
    named = *k;
  }
  auto bytes = Base64Decode(blob_base64);
  if (named && !named->Symmetric()) {
    // An asymmetric ciphertext is a bare RSAES-OAEP block: only the KeyId names its key.
    if (auto e = CheckUsable(*named)) return Fail(*e);
    if (auto e = CheckEncryption(*named, algorithm, op)) return Fail(*e);
    std::optional<std::string> plain =
        bytes ? RsaOaepDecrypt(named->Current().bytes, *algorithm, *bytes) : std::nullopt;
    if (!plain) return Fail(InvalidCiphertext());
    return Opened{named, &named->Current(), std::move(*plain)};
  }
  if (named && algorithm && *algorithm != kAlgorithm)
    return Fail(KmsError("InvalidKeyUsageException", "The encryption algorithm " + std::string(*algorithm) +
                                                         " is not valid for a symmetric encryption KMS key."));
  std::optional<Blob> blob = bytes ? DecodeBlob(*bytes) : std::nullopt;
  if (!blob) return Fail(InvalidCiphertext());
  // Keys belong to their account and region: a blob made elsewhere names no key here.
  auto it = r.keys.find(blob->key_id);
  if (it == r.keys.end()) return Fail(InvalidCiphertext());
  Key& key = it->second;
  if (named && named != &key)
    return Fail(KmsError("IncorrectKeyException",
                         "The key ID in the request does not identify a CMK that can perform this operation."));
  if (auto e = CheckUsable(key)) return Fail(*e);
  if (auto e = CheckEncryption(key, algorithm, op)) return Fail(*e);
  const Material* m = key.Version(blob->material_version);
  if (!m || !key.Symmetric()) return Fail(InvalidCiphertext());
  std::string aad = AdditionalData(key.account, key.multi_region ? "" : key.region, key.id, m->version,
                                   ContextOf(context));
  auto plain = Open(m->bytes, aad, *blob);
  if (!plain) return Fail(InvalidCiphertext());
  return Opened{&key, m, std::move(*plain)};
}

Result<KmsService::Crypted> KmsService::CryptFor(Ctx& c, CryptOp op, std::string_view key_ref,
                                                 std::string_view data, const In* context) {
  std::lock_guard lock(mu_);
  Region& r = RegionOf(c);
  if (op == CryptOp::kDecrypt) {
    std::optional<std::string_view> ref;
    if (!key_ref.empty()) ref = key_ref;
    auto opened = OpenCiphertext(c, r, Base64Encode(data), ref, context);
    if (!opened) return Fail(opened.error());
    Used(c, *opened->key, "Decrypt");
    return Crypted{std::move(opened->plaintext), opened->key->arn};
  }
  if (key_ref.starts_with("alias/aws/") && !r.aliases.contains(std::string(key_ref))) {
    // AWS-managed keys are created on the service's first use (KMS developer guide, "AWS
    // managed keys"); Stratus shows them as customer keys (see README).
    int64_t now = c.clock.NowMillis();
    Key k;
    k.account = c.account;
    k.region = c.region;
    k.id = NewUuid();
    k.arn = "arn:aws:kms:" + c.region + ":" + c.account + ":key/" + k.id;
    std::string service(key_ref.substr(10));
    k.description = service == "ssm"
                        ? "Default master key that protects my SSM parameters when no other key is defined"
                        : "Default master key that protects my " + service + " data when no other key is defined";
    k.policy = DefaultKeyPolicy(c.account);
    k.created_ms = now;
    AddMaterial(k, now, "");
    PersistKey(&c, k);
    Alias a{std::string(key_ref), k.id, now, now};
    PersistAlias(&c, c.account, c.region, a);
    r.aliases[a.name] = a;
    std::string id = k.id;
    r.keys[id] = std::move(k);
  }
  auto k = Resolve(c, r, key_ref, true);
  if (!k) return Fail(k.error());
  if (auto e = CheckUsable(**k)) return Fail(*e);
  if (auto e = CheckEncryption(**k, std::nullopt, "Encrypt")) return Fail(*e);
  auto blob = SealFor(c, **k, data, context);
  if (!blob) return Fail(blob.error());
  Used(c, **k, "Encrypt");
  return Crypted{std::move(*blob), (*k)->arn};
}

KmsService::Out KmsService::Encrypt(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, true);
  if (!k) return Fail(k.error());
  if (auto e = CheckUsable(**k)) return Fail(*e);
  auto alg = GetString(in, "EncryptionAlgorithm");
  if (auto e = CheckEncryption(**k, alg, "Encrypt")) return Fail(*e);
  if (auto e = CheckDryRun(in)) return Fail(*e);
  auto plain = Base64Decode(GetString(in, "Plaintext").value_or(""));
  if (!plain) return Fail(AwsError::Validation("Plaintext is not valid base64"));
  auto blob = EncryptUnder(c, **k, alg.value_or(kAlgorithm), *plain, GetObject(in, "EncryptionContext"));
  if (!blob) return Fail(blob.error());
  Used(c, **k, "Encrypt");
  json::object out;
  out["CiphertextBlob"] = Base64Encode(*blob);
  out["KeyId"] = (*k)->arn;
  out["EncryptionAlgorithm"] = alg.value_or(kAlgorithm);
  return out;
}

KmsService::Out KmsService::Decrypt(Ctx& c, const In& in) {
  if (auto e = CheckUnsupported(in)) return Fail(*e);
  Region& r = RegionOf(c);
  auto alg = GetString(in, "EncryptionAlgorithm");
  auto opened = OpenCiphertext(c, r, GetString(in, "CiphertextBlob").value_or(""), GetString(in, "KeyId"),
                               GetObject(in, "EncryptionContext"), alg, "Decrypt");
  if (!opened) return Fail(opened.error());
  if (auto e = CheckDryRun(in)) return Fail(*e);
  Used(c, *opened->key, "Decrypt");
  json::object out;
  out["KeyId"] = opened->key->arn;
  out["Plaintext"] = Base64Encode(opened->plaintext);
  out["EncryptionAlgorithm"] = alg.value_or(kAlgorithm);
  if (opened->key->Symmetric()) out["KeyMaterialId"] = opened->material->id;
  return out;
}

KmsService::Out KmsService::ReEncrypt(Ctx& c, const In& in) {
  Region& r = RegionOf(c);
  auto src_alg = GetString(in, "SourceEncryptionAlgorithm");
  auto dst_alg = GetString(in, "DestinationEncryptionAlgorithm");
  auto opened = OpenCiphertext(c, r, GetString(in, "CiphertextBlob").value_or(""), GetString(in, "SourceKeyId"),
                               GetObject(in, "SourceEncryptionContext"), src_alg, "ReEncrypt");
  if (!opened) return Fail(opened.error());
  auto dest = Resolve(c, r, GetString(in, "DestinationKeyId").value_or(""), true);
  if (!dest) return Fail(dest.error());
  if (auto e = CheckUsable(**dest)) return Fail(*e);
  if (auto e = CheckEncryption(**dest, dst_alg, "ReEncrypt")) return Fail(*e);
  if (auto e = CheckDryRun(in)) return Fail(*e);
  auto blob = EncryptUnder(c, **dest, dst_alg.value_or(kAlgorithm), opened->plaintext,
                           GetObject(in, "DestinationEncryptionContext"));
  if (!blob) return Fail(blob.error());
  Used(c, *opened->key, "ReEncrypt");
  Used(c, **dest, "ReEncrypt");
  json::object out;
  out["CiphertextBlob"] = Base64Encode(*blob);
  out["SourceKeyId"] = opened->key->arn;
  out["KeyId"] = (*dest)->arn;
  out["SourceEncryptionAlgorithm"] = src_alg.value_or(kAlgorithm);
  out["DestinationEncryptionAlgorithm"] = dst_alg.value_or(kAlgorithm);
  if (opened->key->Symmetric()) out["SourceKeyMaterialId"] = opened->material->id;
  if ((*dest)->Symmetric()) out["DestinationKeyMaterialId"] = (*dest)->Current().id;
  return out;
}

KmsService::Out KmsService::GenerateDataKey(Ctx& c, const In& in) {
  if (auto e = CheckUnsupported(in)) return Fail(*e);
  auto k = ResolveInput(c, in, true);
  if (!k) return Fail(k.error());
  if (auto e = CheckUsable(**k)) return Fail(*e);
  if (auto e = CheckDataKeyUsage(**k, "GenerateDataKey")) return Fail(*e);
  auto n = DataKeyLength(in);
  if (!n) return Fail(n.error());
  if (auto e = CheckDryRun(in)) return Fail(*e);
  std::string plain = RandomBytes(*n);
  auto blob = SealFor(c, **k, plain, GetObject(in, "EncryptionContext"));
  if (!blob) return Fail(blob.error());
  Used(c, **k, "GenerateDataKey");
  json::object out;
  out["CiphertextBlob"] = Base64Encode(*blob);
  out["Plaintext"] = Base64Encode(plain);
  out["KeyId"] = (*k)->arn;
  out["KeyMaterialId"] = (*k)->Current().id;
  return out;
}

KmsService::Out KmsService::GenerateDataKeyWithoutPlaintext(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, true);
  if (!k) return Fail(k.error());
  if (auto e = CheckUsable(**k)) return Fail(*e);
  if (auto e = CheckDataKeyUsage(**k, "GenerateDataKeyWithoutPlaintext")) return Fail(*e);
  auto n = DataKeyLength(in);
  if (!n) return Fail(n.error());
  if (auto e = CheckDryRun(in)) return Fail(*e);
  auto blob = SealFor(c, **k, RandomBytes(*n), GetObject(in, "EncryptionContext"));
  if (!blob) return Fail(blob.error());
  Used(c, **k, "GenerateDataKeyWithoutPlaintext");
  json::object out;
  out["CiphertextBlob"] = Base64Encode(*blob);
  out["KeyId"] = (*k)->arn;
  out["KeyMaterialId"] = (*k)->Current().id;
  return out;
}

KmsService::Out KmsService::GenerateRandom(Ctx& c, const In& in) {
  if (auto e = CheckUnsupported(in)) return Fail(*e);
  if (in.contains("CustomKeyStoreId"))
    return Fail(KmsError("UnsupportedOperationException", "Custom key stores are not supported by Stratus yet"));
  auto n = GetInt(in, "NumberOfBytes");
  if (!n) return Fail(AwsError::Validation("Please specify number of bytes."));
  return json::object{{"Plaintext", Base64Encode(RandomBytes(static_cast<size_t>(*n)))}};
}

}  // namespace stratus::kms

namespace stratus::kms {

KmsService::Out KmsService::GetKeyLastUsage(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  const Key& key = **k;
  json::object usage;
  if (!key.last_operation.empty()) {
    usage["Operation"] = key.last_operation;
    usage["Timestamp"] = static_cast<double>(key.last_used_ms) / 1000.0;
    usage["KmsRequestId"] = key.last_request_id;
  }
  json::object out;
  out["KeyId"] = key.arn;
  out["KeyLastUsage"] = std::move(usage);
  // Stratus tracks a key from its creation.
  out["TrackingStartDate"] = static_cast<double>(key.created_ms) / 1000.0;
  out["KeyCreationDate"] = static_cast<double>(key.created_ms) / 1000.0;
  return out;
}

}  // namespace stratus::kms
