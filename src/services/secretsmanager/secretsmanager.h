// Secrets Manager: secrets with versions and staging labels, resource policies, tags and
// rotation settings, per account and region, persisted through the store. Values are kept
// as given (no KMS envelope encryption yet; see README).
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

namespace stratus::secretsmanager {

struct Version {
  std::string id;
  std::string value;    // SecretString as is, or SecretBinary as its base64 text
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
  void Persist(Ctx* c, const Secret& s);
  void Unpersist(Ctx* c, const Secret& s);

  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Region> regions_;
  // Per region, the earliest time a scheduled deletion falls due (0: unknown, scan).
  std::map<std::pair<std::string, std::string>, int64_t> due_ms_;
  aws::ServiceEnv* env_ = nullptr;
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
