// The KMS operation table, key references, state checks, key metadata and persistence.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <limits>
#include <thread>

#include "core/encoding.h"
#include "services/kms/asymmetric.h"
#include "services/kms/kms.h"
#include "store/store.h"

namespace stratus::kms {

KmsService::KmsService() : ServiceHandler("kms") {
#define STRATUS_KMS_OP(name)                               \
  On(#name, [this](Ctx& c, const In& in) -> Out {          \
    std::lock_guard lock(mu_);                             \
    return name(c, in);                                    \
  })
  OnGenerating(
      "CreateKey", {"KeySpec", "CustomerMasterKeySpec"},
      [this](Ctx& c, const In& in) {
        auto k = PrepareKey(c, in);
        return k ? std::nullopt : std::optional<AwsError>(k.error());
      },
      [this](Ctx& c, const In& in, std::optional<std::string> pkcs8) -> Out {
        auto k = PrepareKey(c, in);
        if (!k) return Fail(k.error());
        return StoreKey(c, std::move(*k), std::move(pkcs8));
      });
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
  STRATUS_KMS_OP(GetKeyLastUsage);
  STRATUS_KMS_OP(Sign);
  STRATUS_KMS_OP(Verify);
  STRATUS_KMS_OP(GetPublicKey);
  STRATUS_KMS_OP(GenerateMac);
  STRATUS_KMS_OP(VerifyMac);
  for (bool with_plaintext : {true, false})
    OnGenerating(
        with_plaintext ? "GenerateDataKeyPair" : "GenerateDataKeyPairWithoutPlaintext", {"KeyPairSpec"},
        [this, with_plaintext](Ctx& c, const In& in) {
          auto key = DataKeyPairKey(c, in, with_plaintext);
          return key ? std::nullopt : std::optional<AwsError>(key.error());
        },
        [this, with_plaintext](Ctx& c, const In& in, std::optional<std::string> pkcs8) {
          return DataKeyPair(c, in, with_plaintext, std::move(pkcs8));
        });
  OnGenerating(
      "GetParametersForImport", {"WrappingKeySpec"},
      [this](Ctx& c, const In& in) {
        auto key = ImportParametersKey(c, in);
        return key ? std::nullopt : std::optional<AwsError>(key.error());
      },
      [this](Ctx& c, const In& in, std::optional<std::string> pkcs8) {
        return GetParametersForImport(c, in, std::move(pkcs8));
      });
  STRATUS_KMS_OP(DeriveSharedSecret);
  STRATUS_KMS_OP(CreateGrant);
  STRATUS_KMS_OP(ListGrants);
  STRATUS_KMS_OP(ListRetirableGrants);
  STRATUS_KMS_OP(RetireGrant);
  STRATUS_KMS_OP(RevokeGrant);
  STRATUS_KMS_OP(ReplicateKey);
  STRATUS_KMS_OP(UpdatePrimaryRegion);
  STRATUS_KMS_OP(ImportKeyMaterial);
  STRATUS_KMS_OP(DeleteImportedKeyMaterial);
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

bool KmsService::AddMaterial(Key& k, int64_t now, std::string rotation_type,
                             std::optional<std::string> pkcs8) {
  Material m;
  m.version = static_cast<uint32_t>(k.materials.size() + 1);
  if (IsRsaSpec(k.spec) || IsEccSpec(k.spec)) {
    if (!pkcs8) pkcs8 = GeneratePrivateKey(k.spec);
    if (!pkcs8) return false;
    m.bytes = std::move(*pkcs8);
  } else if (IsHmacSpec(k.spec)) {
    m.bytes = RandomBytes(HmacKeyBytes(k.spec));
  } else {
    m.bytes = RandomBytes(32);
  }
  m.id = HexEncode(RandomBytes(32));
  m.created_ms = now;
  m.rotation_type = std::move(rotation_type);
  k.materials.push_back(std::move(m));
  return true;
}

void KmsService::OnGenerating(std::string op, std::vector<std::string> spec_members,
                              std::function<std::optional<AwsError>(Ctx&, const In&)> check,
                              std::function<Out(Ctx&, const In&, std::optional<std::string>)> run) {
  OnAsync(std::move(op), [this, spec_members, check, run](Ctx& c, const In& in, aws::Completion done) {
    std::string spec;
    for (const auto& m : spec_members)
      if (auto s = GetString(in, m)) {
        spec = std::string(*s);
        break;
      }
    std::unique_lock lock(mu_);
    if (!IsRsaSpec(spec)) {
      Out out = run(c, in, std::nullopt);
      lock.unlock();
      return done(std::move(out));
    }
    // A request that fails its checks generates nothing; one that passes is run, checks and
    // all, with the key in hand (what it names may have changed meanwhile).
    if (auto e = check(c, in)) {
      lock.unlock();
      return done(Fail(std::move(*e)));
    }
    lock.unlock();
    GenerateThen(spec, std::move(done), [&c, in = json::object(in), run](std::optional<std::string> pkcs8) {
      return run(c, in, std::move(pkcs8));
    });
  });
}

void KmsService::GenerateThen(std::string spec, aws::Completion done,
                              std::function<Out(std::optional<std::string>)> finish) {
  {
    std::lock_guard lock(workers_mu_);
    ++workers_;
  }
  std::thread([this, spec = std::move(spec), done = std::move(done), finish = std::move(finish)] {
    std::optional<std::string> pkcs8 = GeneratePrivateKey(spec);
    Out out = [&] {
      std::lock_guard lock(mu_);
      return finish(std::move(pkcs8));
    }();
    done(std::move(out));
    std::lock_guard lock(workers_mu_);
    --workers_;
    workers_cv_.notify_all();
  }).detach();
}

KmsService::~KmsService() {
  std::unique_lock lock(workers_mu_);
  workers_cv_.wait(lock, [this] { return workers_ == 0; });
}

KmsService::Region& KmsService::RegionOf(Ctx& c) { return RegionOf(c, c.region); }

KmsService::Region& KmsService::RegionOf(Ctx& c, const std::string& region) {
  Region& r = regions_[{c.account, region}];
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
          UnpersistAlias(&c, c.account, region, a->first);
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
    // Imported key material past its ValidTo is deleted; the key waits for a new import.
    if (k.origin == "EXTERNAL" && k.expiration_model == "KEY_MATERIAL_EXPIRES" && k.valid_to_ms > 0) {
      if (k.valid_to_ms <= now) {
        if (k.state != "PendingDeletion") k.state = "PendingImport";
        k.expiration_model.clear();
        k.valid_to_ms = 0;
        PersistKey(&c, k);
      } else {
        r.due_ms = std::min(r.due_ms, k.valid_to_ms);
      }
    }
    bool primary = !k.multi_region || k.primary_region == k.region;
    if (k.rotation_enabled && k.state == "Enabled" && primary) {
      bool rotated = false;
      while (k.next_rotation_ms <= now) {
        AddMaterial(k, k.next_rotation_ms, "AUTOMATIC");
        k.next_rotation_ms += int64_t{k.rotation_days} * 86'400'000;
        rotated = true;
      }
      if (rotated) {
        PersistKey(&c, k);
        if (k.multi_region) SyncReplicas(c, k);
      }
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
  // Both UUIDs and multi-Region ids (mrk- and 32 hex digits) are 36 characters long.
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
  if (k.state == "PendingImport") return Error("KMSInvalidStateException", k.arn + " is pending import.");
  if (k.state == "Creating") return Error("KMSInvalidStateException", k.arn + " is creating.");
  return CheckNotPendingDeletion(k);
}

std::optional<AwsError> KmsService::CheckUsage(const Key& k, std::string_view usage, std::string_view op) const {
  if (k.usage != usage)
    return Error("InvalidKeyUsageException",
                 k.arn + " key usage is " + k.usage + " which is not valid for " + std::string(op) + ".");
  return std::nullopt;
}

std::vector<Key*> KmsService::RelatedKeys(const Key& k) {
  std::vector<Key*> out;
  if (!k.multi_region) return out;
  for (auto& [where, r] : regions_) {
    if (where.first != k.account) continue;
    auto it = r.keys.find(k.id);
    if (it != r.keys.end()) out.push_back(&it->second);
  }
  return out;
}

void KmsService::SyncReplicas(Ctx& c, const Key& primary) {
  for (Key* other : RelatedKeys(primary)) {
    if (other == &primary) continue;
    other->materials = primary.materials;
    PersistKey(&c, *other);
  }
}

json::value KmsService::Metadata(const Key& k) const {
  json::object m;
  m["AWSAccountId"] = k.account;
  m["KeyId"] = k.id;
  m["Arn"] = k.arn;
  m["CreationDate"] = static_cast<double>(k.created_ms) / 1000.0;
  m["Enabled"] = k.state == "Enabled";
  m["Description"] = k.description;
  m["KeyUsage"] = k.usage;
  m["KeyState"] = k.state;
  if (k.state == "PendingDeletion") {
    m["DeletionDate"] = static_cast<double>(k.deletion_ms) / 1000.0;
    m["PendingDeletionWindowInDays"] = k.pending_days;
  }
  if (k.expiration_model == "KEY_MATERIAL_EXPIRES") m["ValidTo"] = static_cast<double>(k.valid_to_ms) / 1000.0;
  m["Origin"] = k.origin;
  if (!k.expiration_model.empty()) m["ExpirationModel"] = k.expiration_model;
  m["KeyManager"] = "CUSTOMER";
  m["CustomerMasterKeySpec"] = k.spec;
  m["KeySpec"] = k.spec;
  if (const SpecInfo* info = FindSpec(k.spec)) {
    auto list = [](const std::vector<std::string_view>& v) {
      json::array a;
      for (auto s : v) a.emplace_back(s);
      return a;
    };
    if (k.usage == "ENCRYPT_DECRYPT") m["EncryptionAlgorithms"] = list(info->encryption_algs);
    if (k.usage == "SIGN_VERIFY") m["SigningAlgorithms"] = list(info->signing_algs);
    if (k.usage == "GENERATE_VERIFY_MAC") m["MacAlgorithms"] = list(info->mac_algs);
    if (k.usage == "KEY_AGREEMENT") m["KeyAgreementAlgorithms"] = list(info->agreement_algs);
  }
  m["MultiRegion"] = k.multi_region;
  if (k.multi_region) {
    // Every key of the set lists the primary and all replicas (KMS API, MultiRegionConfiguration).
    json::object cfg;
    cfg["MultiRegionKeyType"] = k.region == k.primary_region ? "PRIMARY" : "REPLICA";
    json::array replicas;
    std::string primary_arn = "arn:aws:kms:" + k.primary_region + ":" + k.account + ":key/" + k.id;
    for (const auto& [where, r] : regions_) {
      if (where.first != k.account || where.second == k.primary_region) continue;
      if (auto it = r.keys.find(k.id); it != r.keys.end())
        replicas.push_back(json::object{{"Arn", it->second.arn}, {"Region", where.second}});
    }
    cfg["PrimaryKey"] = json::object{{"Arn", primary_arn}, {"Region", k.primary_region}};
    cfg["ReplicaKeys"] = std::move(replicas);
    m["MultiRegionConfiguration"] = std::move(cfg);
  }
  // AWS shows CurrentKeyMaterialId for symmetric encryption keys only (KeyMetadata).
  if (k.Symmetric() && !k.materials.empty()) m["CurrentKeyMaterialId"] = k.Current().id;
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
  o["spec"] = k.spec;
  o["usage"] = k.usage;
  o["origin"] = k.origin;
  o["multi_region"] = k.multi_region;
  o["primary_region"] = k.primary_region;
  o["expiration_model"] = k.expiration_model;
  o["valid_to"] = k.valid_to_ms;
  o["wrapping_key"] = Base64Encode(k.wrapping_key);
  o["wrapping_algorithm"] = k.wrapping_algorithm;
  o["import_token"] = k.import_token;
  o["import_valid_to"] = k.import_valid_to_ms;
  json::array grants;
  for (const auto& g : k.grants) {
    json::array ops;
    for (const auto& op : g.operations) ops.emplace_back(op);
    grants.push_back(json::object{{"id", g.id}, {"token", g.token}, {"name", g.name},
                                  {"grantee", g.grantee}, {"retiring", g.retiring},
                                  {"operations", std::move(ops)}, {"constraints", g.constraints},
                                  {"created", g.created_ms}});
  }
  o["grants"] = std::move(grants);
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
    k.spec = GetString(o, "spec").value_or("SYMMETRIC_DEFAULT");
    k.usage = GetString(o, "usage").value_or("ENCRYPT_DECRYPT");
    k.origin = GetString(o, "origin").value_or("AWS_KMS");
    k.multi_region = GetBool(o, "multi_region").value_or(false);
    k.primary_region = GetString(o, "primary_region").value_or("");
    k.expiration_model = GetString(o, "expiration_model").value_or("");
    k.valid_to_ms = GetInt(o, "valid_to").value_or(0);
    k.wrapping_key = Base64Decode(GetString(o, "wrapping_key").value_or("")).value_or("");
    k.wrapping_algorithm = GetString(o, "wrapping_algorithm").value_or("");
    k.import_token = GetString(o, "import_token").value_or("");
    k.import_valid_to_ms = GetInt(o, "import_valid_to").value_or(0);
    if (auto* grants = GetArray(o, "grants"))
      for (const auto& gv : *grants) {
        if (!gv.is_object()) continue;
        const auto& go = gv.get_object();
        Grant g;
        g.id = GetString(go, "id").value_or("");
        g.token = GetString(go, "token").value_or("");
        g.name = GetString(go, "name").value_or("");
        g.grantee = GetString(go, "grantee").value_or("");
        g.retiring = GetString(go, "retiring").value_or("");
        if (auto* ops = GetArray(go, "operations"))
          for (const auto& op : *ops)
            if (op.is_string()) g.operations.emplace_back(op.get_string());
        g.constraints = GetString(go, "constraints").value_or("");
        g.created_ms = GetInt(go, "created").value_or(0);
        k.grants.push_back(std::move(g));
      }
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
    if (k.id.empty() || (k.materials.empty() && k.origin != "EXTERNAL")) return;
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
