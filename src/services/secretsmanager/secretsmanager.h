// Secrets Manager: secrets with versions and staging labels, resource policies, tags,
// rotation settings and replica regions, per account and region, persisted through the
// store. Values are sealed by KMS under the secret's key (or aws/secretsmanager).
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "aws/service.h"

namespace stratus::kms {
class KmsService;
}

namespace stratus::secretsmanager {

struct Version {
  std::string id;
  // The value sealed by KMS: the base64 KMS ciphertext of SecretString's text or of
  // SecretBinary's bytes' base64 text. Records from before sealing (sealed false) hold the
  // value as is.
  std::string value;
  bool sealed = false;
  bool binary = false;
  std::vector<std::string> stages;
  int64_t created_ms = 0;
  int64_t accessed_ms = 0;  // 0: never read

  bool Has(std::string_view stage) const {
    for (const auto& s : stages)
      if (s == stage) return true;
    return false;
  }
};

struct Secret {
  std::string account, region, name, arn;
  std::string description, kms_key_id, policy;
  int64_t created_ms = 0, changed_ms = 0, accessed_ms = 0;
  int64_t deleted_ms = 0;  // when DeleteSecret was called; 0 unless scheduled for deletion
  int64_t purge_ms = 0;    // when a scheduled deletion falls due
  std::vector<std::pair<std::string, std::string>> tags;  // in the order they were added
  bool rotation_enabled = false;
  std::string rotation_lambda;
  json::object rotation_rules;
  int64_t next_rotation_ms = 0;
  std::vector<Version> versions;  // oldest first
  // Replication: on a primary, its replicas; on a replica, the primary's region.
  struct Replica {
    std::string region, kms_key_id;
  };
  std::vector<Replica> replicas;
  std::string primary_region;

  Version* Find(std::string_view id) {
    for (auto& v : versions)
      if (v.id == id) return &v;
    return nullptr;
  }
  // Adds a Key/Value tag list, overwriting keys already there and keeping their place.
  void MergeTags(const json::array* list) {
    if (!list) return;
    for (const auto& t : *list) {
      if (!t.is_object()) continue;
      std::string k(GetString(t.get_object(), "Key").value_or(""));
      std::string v(GetString(t.get_object(), "Value").value_or(""));
      auto same = std::find_if(tags.begin(), tags.end(), [&](auto& p) { return p.first == k; });
      if (same != tags.end()) same->second = v;
      else tags.emplace_back(k, v);
    }
  }
  Version* WithStage(std::string_view stage) {
    for (auto& v : versions)
      if (v.Has(stage)) return &v;
    return nullptr;
  }
};

class SecretsManagerService final : public aws::ServiceHandler {
 public:
  SecretsManagerService();
  void Start(aws::ServiceEnv& env) override;
  void Reset() override;

  using Ctx = aws::Context;
  using In = json::object;
  using Out = Result<json::value>;

 private:
  using Region = std::map<std::string, Secret>;  // by name

  // secrets.cc
  Out CreateSecret(Ctx& c, const In& in);
  Out GetSecretValue(Ctx& c, const In& in);
  Out BatchGetSecretValue(Ctx& c, const In& in);
  Out PutSecretValue(Ctx& c, const In& in);
  Out UpdateSecret(Ctx& c, const In& in);
  Out DescribeSecret(Ctx& c, const In& in);
  Out ListSecrets(Ctx& c, const In& in);
  Out ListSecretVersionIds(Ctx& c, const In& in);
  Out UpdateSecretVersionStage(Ctx& c, const In& in);
  Out DeleteSecret(Ctx& c, const In& in);
  Out RestoreSecret(Ctx& c, const In& in);
  // extras.cc
  Out GetRandomPassword(Ctx& c, const In& in);
  Out GetResourcePolicy(Ctx& c, const In& in);
  Out PutResourcePolicy(Ctx& c, const In& in);
  Out DeleteResourcePolicy(Ctx& c, const In& in);
  Out ValidateResourcePolicy(Ctx& c, const In& in);
  Out TagResource(Ctx& c, const In& in);
  Out UntagResource(Ctx& c, const In& in);
  Out RotateSecret(Ctx& c, const In& in);
  Out CancelRotateSecret(Ctx& c, const In& in);
  // replication.cc
  Out ReplicateSecretToRegions(Ctx& c, const In& in);
  Out RemoveRegionsFromReplication(Ctx& c, const In& in);
  Out StopReplicationToReplica(Ctx& c, const In& in);

  // secretsmanager_service.cc; mu_ held.
  static AwsError Error(std::string_view shape, std::string message);
  // The caller's region, after purging secrets whose recovery window ended.
  Region& RegionOf(Ctx& c);
  // A secret by name, full ARN or partial ARN (the ARN without the -XXXXXX suffix).
  // ResourceNotFoundException when there is none; with live, InvalidRequestException
  // when it is scheduled for deletion.
  Result<Secret*> Resolve(Ctx& c, std::string_view id, bool live);
  Result<Secret*> ResolveInput(Ctx& c, const In& in, bool live) {
    return Resolve(c, GetString(in, "SecretId").value_or(""), live);
  }
  // Adds a version holding the input's SecretString/SecretBinary with the given labels;
  // each label leaves the version that had it, and AWSCURRENT moving makes the version
  // that had it AWSPREVIOUS.
  void AddVersion(Secret& s, std::string id, std::string value, bool binary,
                  std::vector<std::string> stages, int64_t now);
  void MoveStage(Secret& s, const std::string& stage, Version* to);
  json::object Summary(const Secret& s, bool list_entry) const;
  // replication.cc. KMS sealing of values: the KMS key is the secret's KmsKeyId or
  // alias/aws/secretsmanager; the encryption context {SecretARN, SecretVersionId} as Secrets
  // Manager uses it. EncryptionFailure / DecryptionFailure when KMS refuses.
  Result<std::string> Seal(Ctx& c, const Secret& s, const std::string& version_id, std::string_view plaintext);
  Result<std::string> Unseal(Ctx& c, const Secret& s, const Version& v);
  // Whether version v holds this value (a retried request).
  bool SameValue(Ctx& c, const Secret& s, const Version& v, const std::string& value, bool binary);
  // InvalidRequestException for changes made on a replica.
  std::optional<AwsError> CheckPrimary(const Secret& s) const;
  // Adds replicas (ReplicateSecretToRegions, CreateSecret's AddReplicaRegions): the
  // ReplicationStatus entries of the regions asked for.
  Result<json::array> AddReplicas(Ctx& c, Secret& s, const json::array* regions, bool force);
  // Brings every replica of a primary up to date (after each change of the primary).
  void SyncReplicas(Ctx& c, const Secret& primary);
  json::array ReplicationStatus(const Secret& primary) const;
  void Persist(Ctx* c, const Secret& s);
  void Unpersist(Ctx* c, const Secret& s);

  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Region> regions_;
  // Per region, the earliest time a scheduled deletion falls due (0: unknown, scan).
  std::map<std::pair<std::string, std::string>, int64_t> due_ms_;
  aws::ServiceEnv* env_ = nullptr;
  kms::KmsService* kms_ = nullptr;
};

std::unique_ptr<aws::ServiceHandler> MakeSecretsManagerService();

// Timestamps in the canonical form: epoch seconds.
inline double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

// The secret value of the input (SecretString or SecretBinary): {value, binary}, nullopt
// when neither is given; InvalidParameterException when both are.
struct Value {
  std::string value;
  bool binary = false;
};
Result<std::optional<Value>> ValueOf(const json::object& in);

// GetRandomPassword's generator, pure but for its randomness source.
Result<std::string> RandomPassword(const json::object& in);

}  // namespace stratus::secretsmanager
