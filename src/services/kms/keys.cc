// Key operations: create, describe, list, description, enable/disable, deletion, tags, key
// policies and rotation.
#include <boost/json/parse.hpp>

#include <algorithm>

#include "core/encoding.h"
#include "services/kms/asymmetric.h"
#include "services/kms/kms.h"

namespace stratus::kms {
namespace {

constexpr int64_t kDayMs = 86'400'000;
// AWS: at most 25 on-demand rotations per key (KMS quotas).
constexpr size_t kMaxOnDemandRotations = 25;

json::value Empty() { return json::object{}; }
double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

bool IsJsonObject(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return !ec && v.is_object();
}

// Tags as CreateKey and TagResource take them: [{TagKey, TagValue}].
Result<std::map<std::string, std::string>> ParseTags(const json::object& in) {
  std::map<std::string, std::string> out;
  const json::array* tags = GetArray(in, "Tags");
  if (!tags) return out;
  for (const auto& t : *tags) {
    if (!t.is_object()) continue;
    std::string key(GetString(t.get_object(), "TagKey").value_or(""));
    std::string value(GetString(t.get_object(), "TagValue").value_or(""));
    // AWS reserves the aws: prefix for its own tags.
    if (key.starts_with("aws:"))
      return Fail(aws::ModelErrorFor(*aws::CompiledService("kms"), "TagException",
                                     "Tags beginning with aws: are reserved"));
    out[key] = value;
  }
  return out;
}

}  // namespace

Result<Key> KmsService::PrepareKey(Ctx& c, const In& in) {
  std::string spec(GetString(in, "KeySpec").value_or(
      GetString(in, "CustomerMasterKeySpec").value_or("SYMMETRIC_DEFAULT")));
  const SpecInfo* info = FindSpec(spec);
  if (!info)
    return Fail(Error("UnsupportedOperationException", "KeySpec " + spec + " is not supported by Stratus yet"));
  std::string usage(GetString(in, "KeyUsage").value_or("ENCRYPT_DECRYPT"));
  if (std::find(info->usages.begin(), info->usages.end(), usage) == info->usages.end())
    return Fail(AwsError::Validation("KeyUsage " + usage + " is not compatible with KeySpec " + spec));
  std::string origin(GetString(in, "Origin").value_or("AWS_KMS"));
  if (origin != "AWS_KMS" && origin != "EXTERNAL")
    return Fail(Error("UnsupportedOperationException", "Origin " + origin + " is not supported by Stratus yet"));
  if (origin == "EXTERNAL" && spec != "SYMMETRIC_DEFAULT")
    return Fail(Error("UnsupportedOperationException",
                      "Importing key material for KeySpec " + spec + " is not supported by Stratus yet"));
  if (in.contains("CustomKeyStoreId") || in.contains("XksKeyId"))
    return Fail(Error("UnsupportedOperationException", "Custom key stores are not supported by Stratus yet"));
  std::string policy(GetString(in, "Policy").value_or(""));
  if (in.contains("Policy") && !IsJsonObject(policy))
    return Fail(Error("MalformedPolicyDocumentException", "The policy is not a valid JSON document."));
  auto tags = ParseTags(in);
  if (!tags) return Fail(tags.error());

  int64_t now = c.clock.NowMillis();
  Key k;
  k.account = c.account;
  k.region = c.region;
  k.spec = spec;
  k.usage = usage;
  k.origin = origin;
  k.multi_region = GetBool(in, "MultiRegion").value_or(false);
  // Multi-Region keys: "mrk-" and 32 hex digits, the same id in every region of the set.
  k.id = k.multi_region ? "mrk-" + HexEncode(RandomBytes(16)) : NewUuid();
  if (k.multi_region) k.primary_region = c.region;
  k.arn = "arn:aws:kms:" + c.region + ":" + c.account + ":key/" + k.id;
  k.description = GetString(in, "Description").value_or("");
  k.policy = policy.empty() ? DefaultKeyPolicy(c.account) : policy;
  k.created_ms = now;
  k.tags = std::move(*tags);
  if (origin == "EXTERNAL") k.state = "PendingImport";
  return k;
}

KmsService::Out KmsService::StoreKey(Ctx& c, Key k, std::optional<std::string> pkcs8) {
  Region& r = RegionOf(c);
  if (k.origin != "EXTERNAL" && !AddMaterial(k, k.created_ms, "", std::move(pkcs8)))
    return Fail(Error("KMSInternalException", "Key generation failed"));
  PersistKey(&c, k);
  json::object out;
  out["KeyMetadata"] = Metadata(k);
  std::string id = k.id;
  r.keys[id] = std::move(k);
  return out;
}

KmsService::Out KmsService::DescribeKey(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, true);
  if (!k) return Fail(k.error());
  json::object out;
  out["KeyMetadata"] = Metadata(**k);
  return out;
}

KmsService::Out KmsService::ListKeys(Ctx& c, const In& in) {
  Region& r = RegionOf(c);
  json::array all;
  for (const auto& [id, k] : r.keys) all.push_back(json::object{{"KeyId", id}, {"KeyArn", k.arn}});
  auto page = Page(in, std::move(all), "Keys");
  if (!page) return Fail(page.error());
  return json::value(std::move(*page));
}

KmsService::Out KmsService::UpdateKeyDescription(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  if (auto e = CheckNotPendingDeletion(**k)) return Fail(*e);
  (*k)->description = GetString(in, "Description").value_or("");
  PersistKey(&c, **k);
  return Empty();
}

KmsService::Out KmsService::EnableKey(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  if (auto e = CheckNotPendingDeletion(**k)) return Fail(*e);
  (*k)->state = "Enabled";
  PersistKey(&c, **k);
  return Empty();
}

KmsService::Out KmsService::DisableKey(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  if (auto e = CheckNotPendingDeletion(**k)) return Fail(*e);
  (*k)->state = "Disabled";
  PersistKey(&c, **k);
  return Empty();
}

KmsService::Out KmsService::ScheduleKeyDeletion(Ctx& c, const In& in) {
  int64_t days = GetInt(in, "PendingWindowInDays").value_or(30);
  // The model allows 1-365; KMS itself takes 7-30 days and words it as a validation error.
  if (days < 7 || days > 30)
    return Fail(AwsError::Validation(
        "1 validation error detected: Value '" + std::to_string(days) +
        "' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value " +
        (days < 7 ? "greater than or equal to 7" : "less than or equal to 30")));
  Region& r = RegionOf(c);
  auto k = Resolve(c, r, GetString(in, "KeyId").value_or(""), false);
  if (!k) return Fail(k.error());
  Key& key = **k;
  if (auto e = CheckNotPendingDeletion(key)) return Fail(*e);
  key.state = "PendingDeletion";
  key.deletion_ms = c.clock.NowMillis() + days * kDayMs;
  key.pending_days = static_cast<int>(days);
  r.due_ms = std::min(r.due_ms, key.deletion_ms);
  PersistKey(&c, key);
  json::object out;
  out["KeyId"] = key.arn;
  out["DeletionDate"] = Seconds(key.deletion_ms);
  out["KeyState"] = key.state;
  out["PendingWindowInDays"] = days;
  return out;
}

KmsService::Out KmsService::CancelKeyDeletion(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  Key& key = **k;
  if (key.state != "PendingDeletion")
    return Fail(Error("KMSInvalidStateException", key.arn + " is not pending deletion."));
  // AWS: a key whose deletion is cancelled is Disabled until enabled again.
  key.state = "Disabled";
  key.deletion_ms = 0;
  key.pending_days = 0;
  PersistKey(&c, key);
  return json::object{{"KeyId", key.arn}};
}

// ---- tags ------------------------------------------------------------------------------------

KmsService::Out KmsService::TagResource(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  if (auto e = CheckNotPendingDeletion(**k)) return Fail(*e);
  auto tags = ParseTags(in);
  if (!tags) return Fail(tags.error());
  for (auto& [key, value] : *tags) (*k)->tags[key] = value;
  PersistKey(&c, **k);
  return Empty();
}

KmsService::Out KmsService::UntagResource(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  if (auto e = CheckNotPendingDeletion(**k)) return Fail(*e);
  if (const json::array* keys = GetArray(in, "TagKeys"))
    for (const auto& key : *keys)
      if (key.is_string()) (*k)->tags.erase(std::string(key.get_string()));
  PersistKey(&c, **k);
  return Empty();
}

KmsService::Out KmsService::ListResourceTags(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  json::array all;
  for (const auto& [key, value] : (*k)->tags)
    all.push_back(json::object{{"TagKey", key}, {"TagValue", value}});
  auto page = Page(in, std::move(all), "Tags");
  if (!page) return Fail(page.error());
  return json::value(std::move(*page));
}

// ---- key policies ----------------------------------------------------------------------------

namespace {
// A key has exactly one policy, named "default".
std::optional<AwsError> CheckPolicyName(const json::object& in) {
  auto name = GetString(in, "PolicyName").value_or("default");
  if (name != "default")
    return aws::ModelErrorFor(*aws::CompiledService("kms"), "NotFoundException", "No such policy exists");
  return std::nullopt;
}
}  // namespace

KmsService::Out KmsService::GetKeyPolicy(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  if (auto e = CheckPolicyName(in)) return Fail(*e);
  return json::object{{"Policy", (*k)->policy}, {"PolicyName", "default"}};
}

KmsService::Out KmsService::PutKeyPolicy(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  if (auto e = CheckPolicyName(in)) return Fail(*e);
  if (auto e = CheckNotPendingDeletion(**k)) return Fail(*e);
  std::string policy(GetString(in, "Policy").value_or(""));
  if (!IsJsonObject(policy))
    return Fail(Error("MalformedPolicyDocumentException", "The policy is not a valid JSON document."));
  (*k)->policy = std::move(policy);
  PersistKey(&c, **k);
  return Empty();
}

KmsService::Out KmsService::ListKeyPolicies(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  auto page = Page(in, json::array{"default"}, "PolicyNames");
  if (!page) return Fail(page.error());
  return json::value(std::move(*page));
}

// ---- rotation --------------------------------------------------------------------------------

std::optional<AwsError> KmsService::CheckRotatable(const Key& k) const {
  // AWS rotates only symmetric encryption keys with AWS_KMS material; a multi-Region key
  // rotates through its primary.
  if (!k.Symmetric() || k.origin != "AWS_KMS")
    return Error("UnsupportedOperationException", k.arn + " key is not supported for this operation.");
  if (k.multi_region && k.region != k.primary_region)
    return Error("UnsupportedOperationException",
                 k.arn + " is a multi-Region replica key. Rotation is managed through its primary key.");
  return std::nullopt;
}

KmsService::Out KmsService::EnableKeyRotation(Ctx& c, const In& in) {
  Region& r = RegionOf(c);
  auto k = Resolve(c, r, GetString(in, "KeyId").value_or(""), false);
  if (!k) return Fail(k.error());
  Key& key = **k;
  if (auto e = CheckUsable(key)) return Fail(*e);
  if (auto e = CheckRotatable(key)) return Fail(*e);
  key.rotation_enabled = true;
  key.rotation_days = static_cast<int>(GetInt(in, "RotationPeriodInDays").value_or(365));
  key.next_rotation_ms = c.clock.NowMillis() + int64_t{key.rotation_days} * kDayMs;
  r.due_ms = std::min(r.due_ms, key.next_rotation_ms);
  PersistKey(&c, key);
  return Empty();
}

KmsService::Out KmsService::DisableKeyRotation(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  if (auto e = CheckUsable(**k)) return Fail(*e);
  if (auto e = CheckRotatable(**k)) return Fail(*e);
  (*k)->rotation_enabled = false;
  (*k)->next_rotation_ms = 0;
  PersistKey(&c, **k);
  return Empty();
}

KmsService::Out KmsService::GetKeyRotationStatus(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  const Key& key = **k;
  json::object out;
  out["KeyRotationEnabled"] = key.rotation_enabled;
  out["KeyId"] = key.arn;
  if (key.rotation_enabled) {
    out["RotationPeriodInDays"] = key.rotation_days;
    out["NextRotationDate"] = Seconds(key.next_rotation_ms);
  }
  return out;
}

KmsService::Out KmsService::RotateKeyOnDemand(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  Key& key = **k;
  if (auto e = CheckUsable(key)) return Fail(*e);
  if (auto e = CheckRotatable(key)) return Fail(*e);
  size_t on_demand = 0;
  for (const auto& m : key.materials) on_demand += m.rotation_type == "ON_DEMAND";
  if (on_demand >= kMaxOnDemandRotations)
    return Fail(Error("LimitExceededException",
                      "The on-demand rotations limit has been reached for " + key.arn + "."));
  // The rotation completes at once, so OnDemandRotationStartDate never shows in
  // GetKeyRotationStatus.
  AddMaterial(key, c.clock.NowMillis(), "ON_DEMAND");
  PersistKey(&c, key);
  if (key.multi_region) SyncReplicas(c, key);
  return json::object{{"KeyId", key.arn}};
}

KmsService::Out KmsService::ListKeyRotations(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  const Key& key = **k;
  bool all_material = GetString(in, "IncludeKeyMaterial").value_or("ROTATIONS_ONLY") == "ALL_KEY_MATERIAL";
  json::array all;
  for (const auto& m : key.materials) {
    if (m.rotation_type.empty() && !all_material) continue;
    json::object e;
    e["KeyId"] = key.id;
    e["KeyMaterialId"] = m.id;
    e["KeyMaterialState"] = &m == &key.Current() ? "CURRENT" : "NON_CURRENT";
    if (!m.rotation_type.empty()) {
      e["RotationDate"] = Seconds(m.created_ms);
      e["RotationType"] = m.rotation_type;
    }
    all.push_back(std::move(e));
  }
  auto page = Page(in, std::move(all), "Rotations");
  if (!page) return Fail(page.error());
  return json::value(std::move(*page));
}

}  // namespace stratus::kms
