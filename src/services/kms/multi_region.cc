// Multi-Region keys (ReplicateKey, UpdatePrimaryRegion) and imported key material
// (GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial).
#include <boost/json/parse.hpp>

#include <openssl/crypto.h>

#include <algorithm>

#include "core/encoding.h"
#include "services/kms/asymmetric.h"
#include "services/kms/crypto.h"
#include "services/kms/kms.h"

namespace stratus::kms {
namespace {

constexpr int64_t kDayMs = 86'400'000;

double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

// A timestamp member (epoch seconds, integral or not) in milliseconds.
std::optional<int64_t> GetMillis(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return std::nullopt;
  if (it->value().is_double()) return static_cast<int64_t>(it->value().get_double() * 1000.0);
  if (auto s = GetInt(o, key)) return *s * 1000;
  return std::nullopt;
}

bool IsJsonObject(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return !ec && v.is_object();
}

}  // namespace

// ---- multi-Region keys ---------------------------------------------------------------------

KmsService::Out KmsService::ReplicateKey(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  Key& primary = **k;
  if (!primary.multi_region)
    return Fail(Error("UnsupportedOperationException", primary.arn + " is not a multi-Region key."));
  if (primary.region != primary.primary_region)
    return Fail(Error("UnsupportedOperationException",
                      primary.arn + " is not a multi-Region primary key. Replicate the primary key instead."));
  if (auto e = CheckNotPendingDeletion(primary)) return Fail(*e);
  std::string region(GetString(in, "ReplicaRegion").value_or(""));
  Region& target = RegionOf(c, region);
  std::string replica_arn = "arn:aws:kms:" + region + ":" + c.account + ":key/" + primary.id;
  if (region == primary.region || target.keys.contains(primary.id))
    return Fail(Error("AlreadyExistsException", replica_arn + " already exists."));
  std::string policy(GetString(in, "Policy").value_or(""));
  if (in.contains("Policy") && !IsJsonObject(policy))
    return Fail(Error("MalformedPolicyDocumentException", "The policy is not a valid JSON document."));
  std::map<std::string, std::string> tags;
  if (const json::array* t = GetArray(in, "Tags"))
    for (const auto& tag : *t) {
      if (!tag.is_object()) continue;
      std::string key(GetString(tag.get_object(), "TagKey").value_or(""));
      if (key.starts_with("aws:")) return Fail(Error("TagException", "Tags beginning with aws: are reserved"));
      tags[key] = GetString(tag.get_object(), "TagValue").value_or("");
    }
  // The replica shares the id, spec, usage, origin and key material of its primary; its
  // description, policy and tags are its own (ReplicateKey API reference).
  Key replica;
  replica.account = c.account;
  replica.region = region;
  replica.id = primary.id;
  replica.arn = replica_arn;
  replica.description = GetString(in, "Description").value_or("");
  replica.policy = policy.empty() ? DefaultKeyPolicy(c.account) : policy;
  replica.state = primary.state == "PendingImport" ? "PendingImport" : "Enabled";
  replica.spec = primary.spec;
  replica.usage = primary.usage;
  replica.origin = primary.origin;
  replica.multi_region = true;
  replica.primary_region = primary.primary_region;
  replica.created_ms = c.clock.NowMillis();
  replica.tags = tags;
  replica.materials = primary.materials;
  replica.expiration_model = primary.expiration_model;
  replica.valid_to_ms = primary.valid_to_ms;
  PersistKey(&c, replica);
  auto [it, _] = target.keys.emplace(replica.id, std::move(replica));
  json::object out;
  out["ReplicaKeyMetadata"] = Metadata(it->second);
  out["ReplicaPolicy"] = it->second.policy;
  json::array tag_list;
  for (const auto& [tk, tv] : tags) tag_list.push_back(json::object{{"TagKey", tk}, {"TagValue", tv}});
  out["ReplicaTags"] = std::move(tag_list);
  return out;
}

KmsService::Out KmsService::UpdatePrimaryRegion(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  Key& key = **k;
  if (!key.multi_region)
    return Fail(Error("UnsupportedOperationException", key.arn + " is not a multi-Region key."));
  if (key.region != key.primary_region)
    return Fail(Error("UnsupportedOperationException", key.arn + " is not a multi-Region primary key."));
  if (auto e = CheckUsable(key)) return Fail(*e);
  std::string region(GetString(in, "PrimaryRegion").value_or(""));
  std::vector<Key*> set = RelatedKeys(key);
  auto target = std::find_if(set.begin(), set.end(), [&](Key* other) { return other->region == region; });
  if (target == set.end())
    return Fail(Error("NotFoundException", "Key 'arn:aws:kms:" + region + ":" + key.account + ":key/" + key.id +
                                               "' does not exist"));
  if (region == key.region) return json::object{};
  // Automatic rotation belongs to the primary key: it moves with the primary role.
  (*target)->rotation_enabled = key.rotation_enabled;
  (*target)->rotation_days = key.rotation_days;
  (*target)->next_rotation_ms = key.next_rotation_ms;
  if ((*target)->rotation_enabled) {
    Region& r = RegionOf(c, region);
    r.due_ms = std::min(r.due_ms, (*target)->next_rotation_ms);
  }
  key.rotation_enabled = false;
  for (Key* other : set) {
    other->primary_region = region;
    PersistKey(&c, *other);
  }
  return json::object{};
}

// ---- imported key material -----------------------------------------------------------------

namespace {
std::optional<AwsError> CheckExternal(const Key& k) {
  if (k.origin != "EXTERNAL")
    return aws::ModelErrorFor(*aws::CompiledService("kms"), "UnsupportedOperationException",
                              k.arn + " origin is " + k.origin + " which is not valid for this operation.");
  return std::nullopt;
}
}  // namespace

Result<Key*> KmsService::ImportParametersKey(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  Key& key = **k;
  if (auto e = CheckExternal(key)) return Fail(*e);
  if (auto e = CheckNotPendingDeletion(key)) return Fail(*e);
  std::string algorithm(GetString(in, "WrappingAlgorithm").value_or(""));
  std::string spec(GetString(in, "WrappingKeySpec").value_or(""));
  if (!IsRsaSpec(spec) || algorithm == "SM2PKE")
    return Fail(Error("UnsupportedOperationException",
                      "WrappingKeySpec " + spec + " with WrappingAlgorithm " + algorithm +
                          " is not supported by Stratus yet"));
  return &key;
}

KmsService::Out KmsService::GetParametersForImport(Ctx& c, const In& in,
                                                   std::optional<std::string> pkcs8) {
  auto k = ImportParametersKey(c, in);
  if (!k) return Fail(k.error());
  Key& key = **k;
  std::string algorithm(GetString(in, "WrappingAlgorithm").value_or(""));
  std::string spec(GetString(in, "WrappingKeySpec").value_or(""));
  if (!pkcs8) pkcs8 = GeneratePrivateKey(spec);
  std::optional<std::string> pub = pkcs8 ? PublicKeyOf(*pkcs8) : std::nullopt;
  if (!pub) return Fail(Error("KMSInternalException", "Wrapping key generation failed"));
  // The import token names this wrapping key; it is valid for 24 hours (AWS).
  key.wrapping_key = std::move(*pkcs8);
  key.wrapping_algorithm = algorithm;
  key.import_token = Base64Encode(RandomBytes(256));
  key.import_valid_to_ms = c.clock.NowMillis() + kDayMs;
  PersistKey(&c, key);
  json::object out;
  out["KeyId"] = key.arn;
  out["ImportToken"] = key.import_token;
  out["PublicKey"] = Base64Encode(*pub);
  out["ParametersValidTo"] = Seconds(key.import_valid_to_ms);
  return out;
}

KmsService::Out KmsService::ImportKeyMaterial(Ctx& c, const In& in) {
  Region& r = RegionOf(c);
  auto k = Resolve(c, r, GetString(in, "KeyId").value_or(""), false);
  if (!k) return Fail(k.error());
  Key& key = **k;
  if (auto e = CheckExternal(key)) return Fail(*e);
  if (auto e = CheckNotPendingDeletion(key)) return Fail(*e);
  std::string model(GetString(in, "ExpirationModel").value_or("KEY_MATERIAL_EXPIRES"));
  auto valid_to = GetMillis(in, "ValidTo");
  int64_t now = c.clock.NowMillis();
  if (model == "KEY_MATERIAL_EXPIRES" && !valid_to)
    return Fail(AwsError::Validation("A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES"));
  if (model == "KEY_MATERIAL_DOES_NOT_EXPIRE" && valid_to)
    return Fail(AwsError::Validation(
        "A validTo date cannot be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE"));
  int64_t valid_to_ms = valid_to.value_or(0);
  if (valid_to && valid_to_ms <= now) return Fail(AwsError::Validation("The validTo date must be in the future"));
  std::string token(GetString(in, "ImportToken").value_or(""));
  if (key.import_token.empty() || token != key.import_token)
    return Fail(Error("InvalidImportTokenException", "Import token is invalid."));
  if (key.import_valid_to_ms <= now)
    return Fail(Error("ExpiredImportTokenException", "Import token is expired."));
  auto wrapped = Base64Decode(GetString(in, "EncryptedKeyMaterial").value_or(""));
  std::optional<std::string> material =
      wrapped ? Unwrap(key.wrapping_key, key.wrapping_algorithm, *wrapped) : std::nullopt;
  if (!material) return Fail(Error("InvalidCiphertextException", ""));
  if (material->size() != kKeyBytes)
    return Fail(Error("IncorrectKeyMaterialException",
                      "Imported key material must be 256 bits for a SYMMETRIC_DEFAULT key."));
  // A key takes only the material it was first given: a later import must be the same.
  if (!key.materials.empty() &&
      (key.materials.front().bytes.size() != material->size() ||
       CRYPTO_memcmp(key.materials.front().bytes.data(), material->data(), material->size()) != 0))
    return Fail(Error("IncorrectKeyMaterialException",
                      "The key material is not the same key material that was previously imported into this key."));
  if (key.materials.empty()) {
    Material m;
    m.bytes = std::move(*material);
    m.id = HexEncode(RandomBytes(32));
    m.created_ms = now;
    key.materials.push_back(std::move(m));
  }
  key.expiration_model = model;
  key.valid_to_ms = valid_to_ms;
  if (key.state == "PendingImport") key.state = "Enabled";
  if (valid_to_ms) r.due_ms = std::min(r.due_ms, valid_to_ms);
  PersistKey(&c, key);
  json::object out;
  out["KeyId"] = key.arn;
  out["KeyMaterialId"] = key.Current().id;
  return out;
}

KmsService::Out KmsService::DeleteImportedKeyMaterial(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  Key& key = **k;
  if (auto e = CheckExternal(key)) return Fail(*e);
  if (auto e = CheckNotPendingDeletion(key)) return Fail(*e);
  // The key becomes unusable until the same material is imported again (AWS keeps the
  // key's id-to-material binding; Stratus keeps the material to check a re-import).
  if (key.state != "PendingImport") key.state = "PendingImport";
  key.expiration_model.clear();
  key.valid_to_ms = 0;
  PersistKey(&c, key);
  json::object out;
  out["KeyId"] = key.arn;
  if (!key.materials.empty()) out["KeyMaterialId"] = key.Current().id;
  return out;
}

}  // namespace stratus::kms
