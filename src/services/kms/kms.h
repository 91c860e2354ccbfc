// KMS: symmetric (AES-256-GCM), asymmetric (RSA, ECC) and HMAC keys with real cryptography,
// aliases, tags, key policies, rotation, grants, multi-Region keys and imported key material,
// per account and region, persisted through the store.
#pragma once

#include <cstdint>
#include <limits>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aws/service.h"

namespace stratus::kms {

// One version of a key's material. Version 1 is created with the key; each rotation adds
// the next. Older versions stay so older ciphertexts still decrypt.
struct Material {
  uint32_t version = 1;
  // SYMMETRIC_DEFAULT: 32 bytes (AES-256); RSA_*/ECC_*: the PKCS#8 DER private key;
  // HMAC_*: the HMAC key.
  std::string bytes;
  std::string id;     // 64 hex characters (KeyMaterialId)
  int64_t created_ms = 0;
  std::string rotation_type;  // "" for the original material, AUTOMATIC or ON_DEMAND
};

// A grant on a key (CreateGrant). Grants are recorded and listed, not enforced.
struct Grant {
  std::string id;     // 64 hex characters
  std::string token;  // the GrantToken CreateGrant handed out
  std::string name, grantee, retiring;
  std::vector<std::string> operations;
  std::string constraints;  // JSON object text of GrantConstraints, "" for none
  int64_t created_ms = 0;
};

struct Key {
  std::string account, region, id, arn;
  std::string description, policy;
  // Enabled, Disabled, PendingDeletion, PendingImport (EXTERNAL keys without material)
  std::string state = "Enabled";
  std::string spec = "SYMMETRIC_DEFAULT";  // KeySpec
  std::string usage = "ENCRYPT_DECRYPT";   // KeyUsage
  std::string origin = "AWS_KMS";          // AWS_KMS or EXTERNAL
  // Multi-Region keys (id mrk-...): the region of the primary key. Replicas are the keys
  // with the same id in the account's other regions; they share the key material.
  bool multi_region = false;
  std::string primary_region;
  // Imported key material (Origin EXTERNAL).
  std::string expiration_model;  // KEY_MATERIAL_EXPIRES / KEY_MATERIAL_DOES_NOT_EXPIRE once imported
  int64_t valid_to_ms = 0;       // KEY_MATERIAL_EXPIRES only
  std::string wrapping_key;      // PKCS#8 of the last GetParametersForImport
  std::string wrapping_algorithm;
  std::string import_token;
  int64_t import_valid_to_ms = 0;
  std::vector<Grant> grants;
  // The last successful cryptographic operation (GetKeyLastUsage); kept in memory only, so
  // that cryptographic operations never write to the store.
  mutable std::string last_operation, last_request_id;
  mutable int64_t last_used_ms = 0;
  int64_t created_ms = 0;
  int64_t deletion_ms = 0;  // PendingDeletion only
  int pending_days = 0;
  std::map<std::string, std::string> tags;
  bool rotation_enabled = false;
  int rotation_days = 365;
  int64_t next_rotation_ms = 0;
  std::vector<Material> materials;  // by version, ascending; back() is current

  // Keys always have material except EXTERNAL keys before their first import.
  const Material& Current() const { return materials.back(); }
  bool Symmetric() const { return spec == "SYMMETRIC_DEFAULT"; }
  const Material* Version(uint32_t v) const {
    return v >= 1 && v <= materials.size() ? &materials[v - 1] : nullptr;
  }
};

struct Alias {
  std::string name;  // alias/...
  std::string key_id;
  int64_t created_ms = 0, updated_ms = 0;
};

class KmsService final : public aws::ServiceHandler {
 public:
  KmsService();
  ~KmsService() override;  // waits for key generations in progress (GenerateThen)
  void Start(aws::ServiceEnv& env) override;
  void Reset() override;

  using Ctx = aws::Context;
  using In = json::object;
  using Out = Result<json::value>;

  // For services that keep values under KMS (SSM SecureString), in the caller's account and
  // region. kEncrypt seals `data` under key_ref (key id, key ARN, alias name or alias ARN) and
  // gives the ciphertext blob's bytes, the very blob Decrypt accepts; an alias/aws/<service>
  // that does not exist yet is created with a new AWS-managed key, as AWS does on a
  // service's first use. kDecrypt opens the blob's bytes in `data` (key_ref optional, "" for
  // none) and gives the plaintext. Either way key_arn names the key. Errors are KMS's
  // (NotFoundException, DisabledException, InvalidCiphertextException...).
  enum class CryptOp { kEncrypt, kDecrypt };
  struct Crypted {
    std::string data;
    std::string key_arn;
  };
  Result<Crypted> CryptFor(Ctx& c, CryptOp op, std::string_view key_ref, std::string_view data,
                           const In* context);

 private:
  struct Region {
    std::map<std::string, Key> keys;       // by key id
    std::map<std::string, Alias> aliases;  // by alias name
    // Earliest time a key's deletion or automatic rotation falls due (see RegionOf).
    int64_t due_ms = std::numeric_limits<int64_t>::max();
  };

  // keys.cc
  // CreateKey (registered with OnGenerating) in two steps: the key as asked for, validated,
  // without material; then stored with its material (pkcs8: an RSA private key generated
  // beforehand, or nullopt to generate it here).
  Result<Key> PrepareKey(Ctx& c, const In& in);
  Out StoreKey(Ctx& c, Key k, std::optional<std::string> pkcs8);
  Out DescribeKey(Ctx& c, const In& in);
  Out ListKeys(Ctx& c, const In& in);
  Out UpdateKeyDescription(Ctx& c, const In& in);
  Out EnableKey(Ctx& c, const In& in);
  Out DisableKey(Ctx& c, const In& in);
  Out ScheduleKeyDeletion(Ctx& c, const In& in);
  Out CancelKeyDeletion(Ctx& c, const In& in);
  Out TagResource(Ctx& c, const In& in);
  Out UntagResource(Ctx& c, const In& in);
  Out ListResourceTags(Ctx& c, const In& in);
  Out GetKeyPolicy(Ctx& c, const In& in);
  Out PutKeyPolicy(Ctx& c, const In& in);
  Out ListKeyPolicies(Ctx& c, const In& in);
  Out EnableKeyRotation(Ctx& c, const In& in);
  Out DisableKeyRotation(Ctx& c, const In& in);
  Out GetKeyRotationStatus(Ctx& c, const In& in);
  Out RotateKeyOnDemand(Ctx& c, const In& in);
  Out ListKeyRotations(Ctx& c, const In& in);
  // aliases.cc
  Out CreateAlias(Ctx& c, const In& in);
  Out UpdateAlias(Ctx& c, const In& in);
  Out DeleteAlias(Ctx& c, const In& in);
  Out ListAliases(Ctx& c, const In& in);
  // crypto_ops.cc
  Out Encrypt(Ctx& c, const In& in);
  Out Decrypt(Ctx& c, const In& in);
  Out ReEncrypt(Ctx& c, const In& in);
  Out GenerateDataKey(Ctx& c, const In& in);
  Out GenerateDataKeyWithoutPlaintext(Ctx& c, const In& in);
  Out GenerateRandom(Ctx& c, const In& in);
  Out GetKeyLastUsage(Ctx& c, const In& in);
  // asymmetric_ops.cc
  Out Sign(Ctx& c, const In& in);
  Out Verify(Ctx& c, const In& in);
  Out GetPublicKey(Ctx& c, const In& in);
  Out GenerateMac(Ctx& c, const In& in);
  Out VerifyMac(Ctx& c, const In& in);
  Out DeriveSharedSecret(Ctx& c, const In& in);
  Out DataKeyPair(Ctx& c, const In& in, bool with_plaintext,
                  std::optional<std::string> pkcs8 = std::nullopt);
  // DataKeyPair's checks (key, state, usage, KeyPairSpec, DryRun): the key, or the error.
  Result<const Key*> DataKeyPairKey(Ctx& c, const In& in, bool with_plaintext);
  // RSA key generation takes up to seconds (RSA-4096): it runs on a thread of its own, holding
  // neither mu_ nor the event loop, then finish(pkcs8, or nullopt if generation failed) runs
  // under mu_ and its result answers.
  void GenerateThen(std::string spec, aws::Completion done,
                    std::function<Out(std::optional<std::string>)> finish);
  // Registers an operation that needs a private key of the spec its input names in the first
  // of `spec_members` present (CreateKey, GenerateDataKeyPair*, GetParametersForImport): for
  // RSA specs, check(c, in) (under mu_) fails the request before anything
  // is generated; else the key is generated off the loop (GenerateThen) and run(c, in, pkcs8)
  // answers. Other specs run at once, run generating inline (pkcs8 nullopt).
  void OnGenerating(std::string op, std::vector<std::string> spec_members,
                    std::function<std::optional<AwsError>(Ctx&, const In&)> check,
                    std::function<Out(Ctx&, const In&, std::optional<std::string>)> run);
  // grants.cc
  Out CreateGrant(Ctx& c, const In& in);
  Out ListGrants(Ctx& c, const In& in);
  Out ListRetirableGrants(Ctx& c, const In& in);
  Out RetireGrant(Ctx& c, const In& in);
  Out RevokeGrant(Ctx& c, const In& in);
  // multi_region.cc
  Out ReplicateKey(Ctx& c, const In& in);
  Out UpdatePrimaryRegion(Ctx& c, const In& in);
  Out GetParametersForImport(Ctx& c, const In& in, std::optional<std::string> pkcs8 = std::nullopt);
  // GetParametersForImport's checks (key, origin, state, wrapping spec): the key, or the error.
  Result<Key*> ImportParametersKey(Ctx& c, const In& in);
  Out ImportKeyMaterial(Ctx& c, const In& in);
  Out DeleteImportedKeyMaterial(Ctx& c, const In& in);
  // Copies a multi-Region key's material to its replicas (after a rotation of the primary).
  void SyncReplicas(Ctx& c, const Key& primary);
  // The keys sharing a multi-Region key's id in the account's regions, primary included.
  std::vector<Key*> RelatedKeys(const Key& k);

  // kms_service.cc; mu_ held.
  static AwsError Error(std::string_view shape, std::string message);
  // The caller's region, after deleting keys whose waiting period ended, applying due
  // automatic rotations and expiring imported key material.
  Region& RegionOf(Ctx& c);
  Region& RegionOf(Ctx& c, const std::string& region);
  // A key by id or key ARN; with allow_alias also by alias name or alias ARN.
  Result<Key*> Resolve(Ctx& c, Region& r, std::string_view ref, bool allow_alias);
  Result<Key*> ResolveInput(Ctx& c, const In& in, bool allow_alias, std::string_view member = "KeyId");
  // DisabledException / KMSInvalidStateException unless the key can do cryptography.
  std::optional<AwsError> CheckUsable(const Key& k) const;
  // InvalidKeyUsageException unless the key has this KeyUsage (`op` names the operation).
  std::optional<AwsError> CheckUsage(const Key& k, std::string_view usage, std::string_view op) const;
  // Records a successful cryptographic operation on k (GetKeyLastUsage).
  static void Used(const Ctx& c, const Key& k, std::string_view op) {
    k.last_operation = op;
    k.last_request_id = c.request_id;
    k.last_used_ms = c.clock.NowMillis();
  }
  std::optional<AwsError> CheckNotPendingDeletion(const Key& k) const;
  // UnsupportedOperationException for keys AWS does not rotate.
  std::optional<AwsError> CheckRotatable(const Key& k) const;
  json::value Metadata(const Key& k) const;
  std::string AliasArn(const Ctx& c, std::string_view name) const;
  // A new version of the key's material for its spec; false if OpenSSL failed.
  bool AddMaterial(Key& k, int64_t now, std::string rotation_type,
                   std::optional<std::string> pkcs8 = std::nullopt);
  // Decrypts a base64 ciphertext blob of this region; key_ref (optional, may be an alias)
  // must name the blob's key. InvalidCiphertextException when it does not open.
  struct Opened {
    Key* key = nullptr;
    const Material* material = nullptr;
    std::string plaintext;
  };
  Result<Opened> OpenCiphertext(Ctx& c, Region& r, std::string_view blob_base64,
                                std::optional<std::string_view> key_ref, const In* context,
                                std::optional<std::string_view> algorithm = std::nullopt,
                                std::string_view op = "Decrypt");
  // Encrypts under the key's current material; the blob's bytes.
  Result<std::string> SealFor(const Ctx& c, const Key& k, std::string_view plaintext,
                              const In* context);
  // InvalidKeyUsageException unless k is an ENCRYPT_DECRYPT key that takes `algorithm`
  // (nullopt: SYMMETRIC_DEFAULT, as AWS defaults it) for `op`.
  std::optional<AwsError> CheckEncryption(const Key& k, std::optional<std::string_view> algorithm,
                                          std::string_view op) const;
  // InvalidKeyUsageException unless k is a symmetric encryption key (data keys and pairs).
  std::optional<AwsError> CheckDataKeyUsage(const Key& k, std::string_view op) const;
  // Encrypts with a key CheckEncryption accepted: AES-GCM blob or RSAES-OAEP ciphertext.
  Result<std::string> EncryptUnder(const Ctx& c, const Key& k, std::string_view algorithm,
                                   std::string_view plaintext, const In* context);
  void PersistKey(Ctx* c, const Key& k);
  void UnpersistKey(Ctx* c, const Key& k);
  void PersistAlias(Ctx* c, const std::string& account, const std::string& region, const Alias& a);
  void UnpersistAlias(Ctx* c, const std::string& account, const std::string& region,
                      const std::string& name);

  std::mutex mu_;
  // Key generations running on threads of their own (GenerateThen); the destructor waits.
  std::mutex workers_mu_;
  std::condition_variable workers_cv_;
  int workers_ = 0;
  std::map<std::pair<std::string, std::string>, Region> regions_;
  aws::ServiceEnv* env_ = nullptr;
};

std::unique_ptr<aws::ServiceHandler> MakeKmsService();

// One page of a listing: `all` from the Marker (an offset Stratus hands out) up to Limit
// (default 100), as {member: [...], Truncated, NextMarker}. InvalidMarkerException for a
// marker Stratus did not hand out.
Result<json::object> Page(const json::object& in, json::array all, std::string_view member);

// AWS's default key policy for a key in `account` (GetKeyPolicy of a key created without
// a Policy): the account root may do everything.
std::string DefaultKeyPolicy(std::string_view account);

}  // namespace stratus::kms
