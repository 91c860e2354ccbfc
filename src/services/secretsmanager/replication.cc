// KMS sealing of secret values and replica regions (ReplicateSecretToRegions,
// RemoveRegionsFromReplication, StopReplicationToReplica). A replica is a read-only copy of
// its primary in another region of the account, with the same name and ARN suffix, its
// values sealed under its own region's KMS key; every change of the primary is copied to it.
#include <algorithm>

#include "core/encoding.h"
#include "services/kms/kms.h"
#include "services/secretsmanager/secretsmanager.h"

namespace stratus::secretsmanager {
namespace {

constexpr std::string_view kDefaultKey = "alias/aws/secretsmanager";

json::object EncryptionContext(const Secret& s, const std::string& version_id) {
  return json::object{{"SecretARN", s.arn}, {"SecretVersionId", version_id}};
}

// The same Context in another region of the account (for KMS calls made for a replica).
aws::Context InRegion(aws::Context& c, const std::string& region) {
  return aws::Context{c.request_id, c.account, region, c.principal, c.clock, c.scheduler,
                      c.store,      c.http,    c.model, c.op,       c.protocol};
}

}  // namespace

Result<std::string> SecretsManagerService::Seal(Ctx& c, const Secret& s, const std::string& version_id,
                                                std::string_view plaintext) {
  if (!kms_) return Fail(AwsError::Internal("KMS is not available"));
  json::object ctx = EncryptionContext(s, version_id);
  std::string_view key = s.kms_key_id.empty() ? kDefaultKey : std::string_view(s.kms_key_id);
  auto sealed = kms_->CryptFor(c, kms::KmsService::CryptOp::kEncrypt, key, plaintext, &ctx);
  // Secrets Manager reports any KMS refusal as EncryptionFailure (API reference).
  if (!sealed)
    return Fail(Error("EncryptionFailure",
                      "Secrets Manager can't encrypt the protected secret text using the provided KMS key. "
                      "Check that the KMS key is available, enabled, and not in an invalid state. For more "
                      "information, see Key state: Effect on your KMS key."));
  return Base64Encode(sealed->data);
}

Result<std::string> SecretsManagerService::Unseal(Ctx& c, const Secret& s, const Version& v) {
  if (!v.sealed) return v.value;
  if (!kms_) return Fail(AwsError::Internal("KMS is not available"));
  auto bytes = Base64Decode(v.value);
  if (!bytes) return Fail(AwsError::Internal("stored ciphertext is not base64"));
  json::object ctx = EncryptionContext(s, v.id);
  auto opened = kms_->CryptFor(c, kms::KmsService::CryptOp::kDecrypt, "", *bytes, &ctx);
  if (!opened)
    return Fail(Error("DecryptionFailure",
                      "Secrets Manager can't decrypt the protected secret text using the provided KMS key."));
  return std::move(opened->data);
}

bool SecretsManagerService::SameValue(Ctx& c, const Secret& s, const Version& v, const std::string& value,
                                      bool binary) {
  if (v.binary != binary) return false;
  auto plain = Unseal(c, s, v);
  return plain && *plain == value;
}

std::optional<AwsError> SecretsManagerService::CheckPrimary(const Secret& s) const {
  if (!s.primary_region.empty())
    return Error("InvalidRequestException",
                 "Operation not permitted on a replica secret. Call must be made in primary secret's region.");
  return std::nullopt;
}

json::array SecretsManagerService::ReplicationStatus(const Secret& primary) const {
  json::array out;
  for (const auto& rep : primary.replicas) {
    json::object e;
    e["Region"] = rep.region;
    e["KmsKeyId"] = rep.kms_key_id.empty() ? std::string(kDefaultKey) : rep.kms_key_id;
    e["Status"] = "InSync";
    e["StatusMessage"] = "Replication succeeded";
    out.push_back(std::move(e));
  }
  return out;
}

void SecretsManagerService::SyncReplicas(Ctx& c, const Secret& primary) {
  for (const auto& rep : primary.replicas) {
    Region& r = regions_[{c.account, rep.region}];
    Secret& copy = r[primary.name];
    Ctx rc = InRegion(c, rep.region);
    // Keep what the replica sealed already (values never change once written).
    std::vector<Version> before = std::move(copy.versions);
    copy.account = primary.account;
    copy.region = rep.region;
    copy.name = primary.name;
    // Same name and suffix, the replica's region.
    copy.arn = "arn:aws:secretsmanager:" + rep.region + ":" + primary.account +
               primary.arn.substr(primary.arn.find(":secret:"));
    copy.description = primary.description;
    copy.kms_key_id = rep.kms_key_id;
    copy.created_ms = primary.created_ms;
    copy.changed_ms = primary.changed_ms;
    copy.tags = primary.tags;
    copy.rotation_enabled = primary.rotation_enabled;
    copy.rotation_lambda = primary.rotation_lambda;
    copy.rotation_rules = primary.rotation_rules;
    copy.next_rotation_ms = primary.next_rotation_ms;
    copy.deleted_ms = primary.deleted_ms;
    copy.purge_ms = primary.purge_ms;
    copy.primary_region = primary.region;
    copy.replicas.clear();
    copy.versions.clear();
    for (const auto& v : primary.versions) {
      Version nv = v;
      auto old = std::find_if(before.begin(), before.end(), [&](const Version& b) { return b.id == v.id; });
      if (old != before.end()) {
        nv.value = old->value;
        nv.sealed = old->sealed;
      } else {
        auto plain = Unseal(c, primary, v);
        std::optional<std::string> sealed;
        if (plain) {
          auto s = Seal(rc, copy, v.id, *plain);
          if (s) sealed = std::move(*s);
        }
        if (!sealed) continue;  // the replica's key refuses: that version is not replicated
        nv.value = std::move(*sealed);
        nv.sealed = true;
      }
      copy.versions.push_back(std::move(nv));
    }
    Persist(&rc, copy);
    c.Persisted(rc.durable_seq);
  }
}

Result<json::array> SecretsManagerService::AddReplicas(Ctx& c, Secret& s, const json::array* regions, bool force) {
  json::array status;
  if (!regions) return status;
  for (const auto& rv : *regions) {
    if (!rv.is_object()) continue;
    std::string region(GetString(rv.get_object(), "Region").value_or(""));
    std::string key(GetString(rv.get_object(), "KmsKeyId").value_or(""));
    if (region == s.region)
      return Fail(Error("InvalidParameterException", "Invalid replica region: " + region +
                                                         " is the Region of the primary secret."));
    bool known = std::any_of(s.replicas.begin(), s.replicas.end(), [&](auto& x) { return x.region == region; });
    Region& r = regions_[{c.account, region}];
    auto existing = r.find(s.name);
    if (!known && existing != r.end() && !force) {
      status.push_back(json::object{{"Region", region},
                                    {"KmsKeyId", key.empty() ? std::string(kDefaultKey) : key},
                                    {"Status", "Failed"},
                                    {"StatusMessage", "Replication failed: Secret name already exists in Region " +
                                                          region + "."}});
      continue;
    }
    if (known) {
      for (auto& x : s.replicas)
        if (x.region == region) x.kms_key_id = key;
    } else {
      if (existing != r.end()) {
        Ctx rc = InRegion(c, region);
        Unpersist(&rc, existing->second);
        c.Persisted(rc.durable_seq);
        r.erase(existing);
      }
      s.replicas.push_back({region, key});
    }
  }
  // The caller persists s, which copies it to the replicas (Persist).
  json::array all = ReplicationStatus(s);
  for (auto& f : status) all.push_back(std::move(f));
  return all;
}

auto SecretsManagerService::ReplicateSecretToRegions(Ctx& c, const In& in) -> Out {
  auto s = ResolveInput(c, in, true);
  if (!s) return Fail(s.error());
  if (auto e = CheckPrimary(**s)) return Fail(*e);
  auto status = AddReplicas(c, **s, GetArray(in, "AddReplicaRegions"),
                            GetBool(in, "ForceOverwriteReplicaSecret").value_or(false));
  if (!status) return Fail(status.error());
  Persist(&c, **s);
  return json::object{{"ARN", (*s)->arn}, {"ReplicationStatus", std::move(*status)}};
}

auto SecretsManagerService::RemoveRegionsFromReplication(Ctx& c, const In& in) -> Out {
  auto s = ResolveInput(c, in, true);
  if (!s) return Fail(s.error());
  if (auto e = CheckPrimary(**s)) return Fail(*e);
  if (const json::array* regions = GetArray(in, "RemoveReplicaRegions"))
    for (const auto& rv : *regions) {
      if (!rv.is_string()) continue;
      std::string region(rv.get_string());
      auto it = std::find_if((*s)->replicas.begin(), (*s)->replicas.end(),
                             [&](auto& x) { return x.region == region; });
      if (it == (*s)->replicas.end()) continue;
      (*s)->replicas.erase(it);
      Region& r = regions_[{c.account, region}];
      if (auto copy = r.find((*s)->name); copy != r.end()) {
        Ctx rc = InRegion(c, region);
        Unpersist(&rc, copy->second);
        c.Persisted(rc.durable_seq);
        r.erase(copy);
      }
    }
  Persist(&c, **s);
  return json::object{{"ARN", (*s)->arn}, {"ReplicationStatus", ReplicationStatus(**s)}};
}

auto SecretsManagerService::StopReplicationToReplica(Ctx& c, const In& in) -> Out {
  auto s = ResolveInput(c, in, true);
  if (!s) return Fail(s.error());
  Secret& replica = **s;
  if (replica.primary_region.empty())
    return Fail(Error("InvalidRequestException",
                      "StopReplicationToReplica must be called on a replica secret, in the replica's Region."));
  // The replica becomes a standalone secret; the primary forgets it.
  Region& pr = regions_[{c.account, replica.primary_region}];
  if (auto primary = pr.find(replica.name); primary != pr.end()) {
    std::erase_if(primary->second.replicas, [&](auto& x) { return x.region == replica.region; });
    Ctx rc = InRegion(c, replica.primary_region);
    Persist(&rc, primary->second);
    c.Persisted(rc.durable_seq);
  }
  replica.primary_region.clear();
  Persist(&c, replica);
  return json::object{{"ARN", replica.arn}};
}

}  // namespace stratus::secretsmanager
