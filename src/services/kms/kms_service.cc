// The KMS operation table, key references, state checks, key metadata and persistence.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <limits>

#include "core/encoding.h"
#include "services/kms/kms.h"
#include "store/store.h"

namespace stratus::kms {

KmsService::KmsService() : ServiceHandler("kms") {
#define STRATUS_KMS_OP(name)                               \
  On(#name, [this](Ctx& c, const In& in) -> Out {          \
    std::lock_guard lock(mu_);                             \
    return name(c, in);                                    \
  })
  STRATUS_KMS_OP(CreateKey);
  STRATUS_KMS_OP(DescribeKey);
  STRATUS_KMS_OP(ListKeys);
  STRATUS_KMS_OP(UpdateKeyDescription);
  STRATUS_KMS_OP(EnableKey);
  STRATUS_KMS_OP(DisableKey);
  STRATUS_KMS_OP(ScheduleKeyDeletion);
  STRATUS_KMS_OP(CancelKeyDeletion);
  STRATUS_KMS_OP(TagResource);
  STRATUS_KMS_OP(UntagResource);
  STRATUS_KMS_OP(ListResourceTags);
  STRATUS_KMS_OP(GetKeyPolicy);
  STRATUS_KMS_OP(PutKeyPolicy);
  STRATUS_KMS_OP(ListKeyPolicies);
  STRATUS_KMS_OP(EnableKeyRotation);
  STRATUS_KMS_OP(DisableKeyRotation);
  STRATUS_KMS_OP(GetKeyRotationStatus);
  STRATUS_KMS_OP(RotateKeyOnDemand);
  STRATUS_KMS_OP(ListKeyRotations);
  STRATUS_KMS_OP(CreateAlias);
  STRATUS_KMS_OP(UpdateAlias);
  STRATUS_KMS_OP(DeleteAlias);
  STRATUS_KMS_OP(ListAliases);
  STRATUS_KMS_OP(Encrypt);
  STRATUS_KMS_OP(Decrypt);
  STRATUS_KMS_OP(ReEncrypt);
  STRATUS_KMS_OP(GenerateDataKey);
  STRATUS_KMS_OP(GenerateDataKeyWithoutPlaintext);
  STRATUS_KMS_OP(GenerateRandom);
#undef STRATUS_KMS_OP
}

AwsError KmsService::Error(std::string_view shape, std::string message) {
  static const aws::Service* model = aws::CompiledService("kms");
  if (model) return aws::ModelErrorFor(*model, shape, std::move(message));
  return AwsError::Make(std::string(shape), std::move(message));
}

std::string DefaultKeyPolicy(std::string_view account) {
  // Byte for byte the document AWS returns for a key created without a policy
  // (KMS developer guide, "Default key policy"), including its spacing.
  return "{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {\n"
         "    \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n"
         "    \"Principal\" : {\n      \"AWS\" : \"arn:aws:iam::" +
         std::string(account) +
         ":root\"\n    },\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  } ]\n}";
}

Result<json::object> Page(const json::object& in, json::array all, std::string_view member) {
  int64_t limit = GetInt(in, "Limit").value_or(100);
  size_t start = 0;
  if (auto marker = GetString(in, "Marker")) {
    bool ok = !marker->empty() && marker->size() < 10;
    for (char ch : *marker) ok &= ch >= '0' && ch <= '9';
    if (ok) start = std::stoul(std::string(*marker));
    if (!ok || start > all.size())
      return Fail(aws::ModelErrorFor(*aws::CompiledService("kms"), "InvalidMarkerException",
                                     "Invalid marker " + std::string(*marker)));
  }
  size_t end = std::min(all.size(), start + static_cast<size_t>(std::max<int64_t>(limit, 1)));
  json::array page;
  for (size_t i = start; i < end; ++i) page.push_back(std::move(all[i]));
  json::object out;
  out[member] = std::move(page);
  out["Truncated"] = end < all.size();
  if (end < all.size()) out["NextMarker"] = std::to_string(end);
  return out;
}

std::string KmsService::AliasArn(const Ctx& c, std::string_view name) const {
  return "arn:aws:kms:" + c.region + ":" + c.account + ":" + std::string(name);
}

void KmsService::AddMaterial(Key& k, int64_t now, std::string rotation_type) {
  Material m;
  m.version = static_cast<uint32_t>(k.materials.size() + 1);
  m.bytes = RandomBytes(32);
  m.id = HexEncode(RandomBytes(32));
  m.created_ms = now;
  m.rotation_type = std::move(rotation_type);
  k.materials.push_back(std::move(m));
}

KmsService::Region& KmsService::RegionOf(Ctx& c) {
  Region& r = regions_[{c.account, c.region}];
  int64_t now = c.clock.NowMillis();
  if (now < r.due_ms) return r;
  // Lazy housekeeping: the waiting period of keys pending deletion and automatic rotation
  // are applied when the region is next used (a client cannot tell the difference).
  r.due_ms = std::numeric_limits<int64_t>::max();
  for (auto it = r.keys.begin(); it != r.keys.end();) {
    Key& k = it->second;
    if (k.state == "PendingDeletion" && k.deletion_ms <= now) {
      for (auto a = r.aliases.begin(); a != r.aliases.end();) {
        if (a->second.key_id == k.id) {
          UnpersistAlias(&c, c.account, c.region, a->first);
          a = r.aliases.erase(a);
        } else {
          ++a;
        }
      }
      UnpersistKey(&c, k);
      it = r.keys.erase(it);
      continue;
    }
    if (k.state == "PendingDeletion") r.due_ms = std::min(r.due_ms, k.deletion_ms);
    if (k.rotation_enabled && k.state == "Enabled") {
      bool rotated = false;
      while (k.next_rotation_ms <= now) {
        AddMaterial(k, k.next_rotation_ms, "AUTOMATIC");
        k.next_rotation_ms += int64_t{k.rotation_days} * 86'400'000;
        rotated = true;
      }
      if (rotated) PersistKey(&c, k);
      r.due_ms = std::min(r.due_ms, k.next_rotation_ms);
    }
    ++it;
  }
  return r;
}

Result<Key*> KmsService::Resolve(Ctx& c, Region& r, std::string_view ref, bool allow_alias) {
  auto invalid = [&] { return Fail(Error("NotFoundException", "Invalid keyId " + std::string(ref))); };
  std::string_view resource = ref;
  std::string arn_prefix = "arn:aws:kms:" + c.region + ":" + c.account + ":";
  bool is_arn = ref.starts_with("arn:");
  if (is_arn) {
    // arn:PARTITION:kms:REGION:ACCOUNT:key/ID or :alias/NAME
    size_t pos = 0;
    for (int i = 0; i < 5 && pos != std::string_view::npos; ++i) pos = ref.find(':', pos + 1);
    if (pos == std::string_view::npos) return Fail(Error("InvalidArnException", "Invalid arn " + std::string(ref)));
    resource = ref.substr(pos + 1);
    bool ours = ref.substr(0, pos + 1) == arn_prefix;
    if (resource.starts_with("key/")) {
      if (!ours) return Fail(Error("NotFoundException", "Key '" + std::string(ref) + "' does not exist"));
    } else if (resource.starts_with("alias/")) {
      if (!ours)
        return Fail(Error("NotFoundException", "Alias '" + std::string(ref) + "' is not found."));
    } else {
      return Fail(Error("InvalidArnException", "Invalid arn " + std::string(ref)));
    }
  }
  if (resource.starts_with("alias/")) {
    if (!allow_alias) return invalid();
    auto a = r.aliases.find(std::string(resource));
    if (a == r.aliases.end())
      return Fail(Error("NotFoundException", "Alias '" + AliasArn(c, resource) + "' is not found."));
    auto k = r.keys.find(a->second.key_id);
    if (k == r.keys.end())
      return Fail(Error("NotFoundException", "Alias '" + AliasArn(c, resource) + "' is not found."));
    return &k->second;
  }
  std::string id(resource.starts_with("key/") ? resource.substr(4) : resource);
  if (!is_arn && id.size() != 36) return invalid();
  auto k = r.keys.find(id);
  if (k == r.keys.end())
    return Fail(Error("NotFoundException", "Key '" + arn_prefix + "key/" + id + "' does not exist"));
  return &k->second;
}

Result<Key*> KmsService::ResolveInput(Ctx& c, const In& in, bool allow_alias, std::string_view member) {
  return Resolve(c, RegionOf(c), GetString(in, member).value_or(""), allow_alias);
}

std::optional<AwsError> KmsService::CheckNotPendingDeletion(const Key& k) const {
  if (k.state == "PendingDeletion") return Error("KMSInvalidStateException", k.arn + " is pending deletion.");
  return std::nullopt;
}

std::optional<AwsError> KmsService::CheckUsable(const Key& k) const {
  if (k.state == "Disabled") return Error("DisabledException", k.arn + " is disabled.");
  return CheckNotPendingDeletion(k);
}

json::value KmsService::Metadata(const Key& k) const {
  json::object m;
  m["AWSAccountId"] = k.account;
  m["KeyId"] = k.id;
  m["Arn"] = k.arn;
  m["CreationDate"] = static_cast<double>(k.created_ms) / 1000.0;
  m["Enabled"] = k.state == "Enabled";
  m["Description"] = k.description;
  m["KeyUsage"] = "ENCRYPT_DECRYPT";
  m["KeyState"] = k.state;
  if (k.state == "PendingDeletion") {
    m["DeletionDate"] = static_cast<double>(k.deletion_ms) / 1000.0;
    m["PendingDeletionWindowInDays"] = k.pending_days;
  }
  m["Origin"] = "AWS_KMS";
  m["KeyManager"] = "CUSTOMER";
  m["CustomerMasterKeySpec"] = "SYMMETRIC_DEFAULT";
  m["KeySpec"] = "SYMMETRIC_DEFAULT";
  m["EncryptionAlgorithms"] = json::array{"SYMMETRIC_DEFAULT"};
  m["MultiRegion"] = false;
  m["CurrentKeyMaterialId"] = k.Current().id;
  return m;
}

// ---- persistence ---------------------------------------------------------------------------

namespace {
std::string Table(std::string_view account, std::string_view region, std::string_view kind) {
  return "kms/" + std::string(account) + "/" + std::string(region) + "/" + std::string(kind);
}
}  // namespace

void KmsService::PersistKey(Ctx* c, const Key& k) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  json::object o;
  o["account"] = k.account;
  o["region"] = k.region;
  o["id"] = k.id;
  o["description"] = k.description;
  o["policy"] = k.policy;
  o["state"] = k.state;
  o["created"] = k.created_ms;
  o["deletion"] = k.deletion_ms;
  o["pending_days"] = k.pending_days;
  json::object tags;
  for (const auto& [tk, tv] : k.tags) tags[tk] = tv;
  o["tags"] = std::move(tags);
  o["rotation_enabled"] = k.rotation_enabled;
  o["rotation_days"] = k.rotation_days;
  o["next_rotation"] = k.next_rotation_ms;
  json::array mats;
  for (const auto& m : k.materials) {
    // The key material is kept in the data directory as is: Stratus is a local emulator,
    // its data directory is as trusted as the process (see README).
    json::object mo;
    mo["version"] = m.version;
    mo["bytes"] = Base64Encode(m.bytes);
    mo["id"] = m.id;
    mo["created"] = m.created_ms;
    mo["rotation_type"] = m.rotation_type;
    mats.push_back(std::move(mo));
  }
  o["materials"] = std::move(mats);
  uint64_t seq = st.Put(Table(k.account, k.region, "keys"), k.id, json::serialize(o));
  if (c) c->Persisted(seq);
}

void KmsService::UnpersistKey(Ctx* c, const Key& k) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  uint64_t seq = st.Delete(Table(k.account, k.region, "keys"), k.id);
  if (c) c->Persisted(seq);
}

void KmsService::PersistAlias(Ctx* c, const std::string& account, const std::string& region,
                              const Alias& a) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  json::object o;
  o["key_id"] = a.key_id;
  o["created"] = a.created_ms;
  o["updated"] = a.updated_ms;
  uint64_t seq = st.Put(Table(account, region, "aliases"), a.name, json::serialize(o));
  if (c) c->Persisted(seq);
}

void KmsService::UnpersistAlias(Ctx* c, const std::string& account, const std::string& region,
                                const std::string& name) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  uint64_t seq = st.Delete(Table(account, region, "aliases"), name);
  if (c) c->Persisted(seq);
}

void KmsService::Start(aws::ServiceEnv& env) {
  env_ = &env;
  std::lock_guard lock(mu_);
  env.store.Scan("kms/", [&](std::string_view table, std::string_view key, std::string_view value) {
    // kms/ACCOUNT/REGION/KIND
    std::string_view rest = table.substr(4);
    size_t a = rest.find('/');
    size_t b = a == std::string_view::npos ? a : rest.find('/', a + 1);
    if (b == std::string_view::npos) return;
    std::string account(rest.substr(0, a)), region(rest.substr(a + 1, b - a - 1));
    std::string_view kind = rest.substr(b + 1);
    boost::system::error_code ec;
    auto v = json::parse(value, ec);
    if (ec || !v.is_object()) return;
    const auto& o = v.get_object();
    Region& r = regions_[{account, region}];
    r.due_ms = 0;  // recheck deletions and rotations on first use
    if (kind == "aliases") {
      Alias al;
      al.name = std::string(key);
      al.key_id = GetString(o, "key_id").value_or("");
      al.created_ms = GetInt(o, "created").value_or(0);
      al.updated_ms = GetInt(o, "updated").value_or(0);
      r.aliases[al.name] = std::move(al);
      return;
    }
    if (kind != "keys") return;
    Key k;
    k.account = account;
    k.region = region;
    k.id = GetString(o, "id").value_or("");
    k.arn = "arn:aws:kms:" + region + ":" + account + ":key/" + k.id;
    k.description = GetString(o, "description").value_or("");
    k.policy = GetString(o, "policy").value_or("");
    k.state = GetString(o, "state").value_or("Enabled");
    k.created_ms = GetInt(o, "created").value_or(0);
    k.deletion_ms = GetInt(o, "deletion").value_or(0);
    k.pending_days = static_cast<int>(GetInt(o, "pending_days").value_or(0));
    if (auto* t = GetObject(o, "tags"))
      for (const auto& [tk, tv] : *t) k.tags[tk] = tv.is_string() ? std::string(tv.get_string()) : "";
    k.rotation_enabled = GetBool(o, "rotation_enabled").value_or(false);
    k.rotation_days = static_cast<int>(GetInt(o, "rotation_days").value_or(365));
    k.next_rotation_ms = GetInt(o, "next_rotation").value_or(0);
    if (auto* mats = GetArray(o, "materials"))
      for (const auto& mv : *mats) {
        if (!mv.is_object()) continue;
        const auto& mo = mv.get_object();
        Material m;
        m.version = static_cast<uint32_t>(GetInt(mo, "version").value_or(1));
        m.bytes = Base64Decode(GetString(mo, "bytes").value_or("")).value_or("");
        m.id = GetString(mo, "id").value_or("");
        m.created_ms = GetInt(mo, "created").value_or(0);
        m.rotation_type = GetString(mo, "rotation_type").value_or("");
        k.materials.push_back(std::move(m));
      }
    if (k.id.empty() || k.materials.empty()) return;
    std::string id = k.id;
    r.keys[id] = std::move(k);
  });
}

void KmsService::Reset() {
  std::lock_guard lock(mu_);
  regions_.clear();
  if (env_ && env_->store.persistent()) env_->store.DeletePrefix("kms/");
}

std::unique_ptr<aws::ServiceHandler> MakeKmsService() { return std::make_unique<KmsService>(); }

}  // namespace stratus::kms
