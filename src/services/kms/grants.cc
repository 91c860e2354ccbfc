// Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant. Grants are
// recorded on their key and listed as AWS lists them; like key policies they are not
// evaluated (see README).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

#include "core/encoding.h"
#include "services/kms/kms.h"

namespace stratus::kms {
namespace {

double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

// The operations a grant may allow on a key of each kind (KMS developer guide, "Grant
// operations").
std::vector<std::string_view> GrantableOperations(const Key& k) {
  std::vector<std::string_view> ops = {"CreateGrant", "RetireGrant", "DescribeKey"};
  auto add = [&](std::initializer_list<std::string_view> more) { ops.insert(ops.end(), more); };
  if (k.usage == "ENCRYPT_DECRYPT") add({"Decrypt", "Encrypt", "ReEncryptFrom", "ReEncryptTo"});
  if (k.Symmetric())
    add({"GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
         "GenerateDataKeyPairWithoutPlaintext"});
  else if (k.usage != "GENERATE_VERIFY_MAC")
    add({"GetPublicKey"});
  if (k.usage == "SIGN_VERIFY") add({"Sign", "Verify"});
  if (k.usage == "GENERATE_VERIFY_MAC") add({"GenerateMac", "VerifyMac"});
  if (k.usage == "KEY_AGREEMENT") add({"DeriveSharedSecret"});
  return ops;
}

json::object GrantEntry(const Key& k, const Grant& g) {
  json::object e;
  e["KeyId"] = k.arn;
  e["GrantId"] = g.id;
  if (!g.name.empty()) e["Name"] = g.name;
  e["CreationDate"] = Seconds(g.created_ms);
  e["GranteePrincipal"] = g.grantee;
  if (!g.retiring.empty()) e["RetiringPrincipal"] = g.retiring;
  e["IssuingAccount"] = "arn:aws:iam::" + k.account + ":root";
  json::array ops;
  for (const auto& op : g.operations) ops.emplace_back(op);
  e["Operations"] = std::move(ops);
  if (!g.constraints.empty()) {
    boost::system::error_code ec;
    auto v = json::parse(g.constraints, ec);
    if (!ec && v.is_object()) e["Constraints"] = std::move(v);
  }
  return e;
}

std::optional<AwsError> CheckDryRun(const json::object& in) {
  if (GetBool(in, "DryRun").value_or(false))
    return aws::ModelErrorFor(*aws::CompiledService("kms"), "DryRunOperationException",
                              "The request would have succeeded, but the DryRun option is set.");
  return std::nullopt;
}

}  // namespace

KmsService::Out KmsService::CreateGrant(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  Key& key = **k;
  if (auto e = CheckNotPendingDeletion(key)) return Fail(*e);
  if (key.state == "Disabled") return Fail(Error("DisabledException", key.arn + " is disabled."));
  std::vector<std::string> ops;
  std::vector<std::string_view> allowed = GrantableOperations(key);
  std::string invalid;
  if (const json::array* a = GetArray(in, "Operations"))
    for (const auto& op : *a) {
      if (!op.is_string()) continue;
      std::string name(op.get_string());
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
        invalid += (invalid.empty() ? "" : ", ") + name;
      if (std::find(ops.begin(), ops.end(), name) == ops.end()) ops.push_back(std::move(name));
    }
  if (!invalid.empty())
    return Fail(AwsError::Validation("Grant operations " + invalid + " are not valid for a KMS key with KeySpec " +
                                     key.spec + " and KeyUsage " + key.usage + "."));
  std::string constraints;
  if (const json::object* cons = GetObject(in, "Constraints")) {
    if (cons->contains("EncryptionContextSubset") && cons->contains("EncryptionContextEquals"))
      return Fail(AwsError::Validation(
          "EncryptionContextSubset and EncryptionContextEquals cannot both be specified."));
    if (!cons->empty()) constraints = json::serialize(*cons);
  }
  if (auto e = CheckDryRun(in)) return Fail(*e);
  std::string name(GetString(in, "Name").value_or(""));
  std::string grantee(GetString(in, "GranteePrincipal").value_or(""));
  std::string retiring(GetString(in, "RetiringPrincipal").value_or(""));
  // AWS: CreateGrant is idempotent for a grant with the same name and the same parameters;
  // it answers the existing GrantId (the token may differ).
  std::string token = Base64Encode(RandomBytes(120));
  if (!name.empty())
    for (const auto& g : key.grants)
      if (g.name == name && g.grantee == grantee && g.retiring == retiring && g.operations == ops &&
          g.constraints == constraints)
        return json::object{{"GrantToken", g.token}, {"GrantId", g.id}};
  Grant g;
  g.id = HexEncode(RandomBytes(32));
  g.token = std::move(token);
  g.name = std::move(name);
  g.grantee = std::move(grantee);
  g.retiring = std::move(retiring);
  g.operations = std::move(ops);
  g.constraints = std::move(constraints);
  g.created_ms = c.clock.NowMillis();
  json::object out{{"GrantToken", g.token}, {"GrantId", g.id}};
  key.grants.push_back(std::move(g));
  PersistKey(&c, key);
  return out;
}

KmsService::Out KmsService::ListGrants(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  const Key& key = **k;
  auto grant_id = GetString(in, "GrantId");
  auto grantee = GetString(in, "GranteePrincipal");
  json::array all;
  for (const auto& g : key.grants) {
    if (grant_id && g.id != *grant_id) continue;
    if (grantee && g.grantee != *grantee) continue;
    all.push_back(GrantEntry(key, g));
  }
  In paged = in;
  if (!paged.contains("Limit")) paged["Limit"] = 50;  // ListGrants' default page size
  auto page = Page(paged, std::move(all), "Grants");
  if (!page) return Fail(page.error());
  return json::value(std::move(*page));
}

KmsService::Out KmsService::ListRetirableGrants(Ctx& c, const In& in) {
  Region& r = RegionOf(c);
  std::string retiring(GetString(in, "RetiringPrincipal").value_or(""));
  json::array all;
  for (const auto& [id, k] : r.keys)
    for (const auto& g : k.grants)
      if (g.retiring == retiring) all.push_back(GrantEntry(k, g));
  In paged = in;
  if (!paged.contains("Limit")) paged["Limit"] = 50;
  auto page = Page(paged, std::move(all), "Grants");
  if (!page) return Fail(page.error());
  return json::value(std::move(*page));
}

KmsService::Out KmsService::RetireGrant(Ctx& c, const In& in) {
  Region& r = RegionOf(c);
  auto token = GetString(in, "GrantToken");
  auto grant_id = GetString(in, "GrantId");
  if (!token && !(grant_id && in.contains("KeyId")))
    return Fail(AwsError::Validation("Either GrantToken or both KeyId and GrantId must be specified."));
  Key* key = nullptr;
  if (in.contains("KeyId")) {
    auto k = Resolve(c, r, GetString(in, "KeyId").value_or(""), false);
    if (!k) return Fail(k.error());
    key = *k;
  }
  auto matches = [&](const Grant& g) { return token ? g.token == *token : g.id == *grant_id; };
  for (auto& [id, k] : r.keys) {
    if (key && &k != key) continue;
    auto it = std::find_if(k.grants.begin(), k.grants.end(), matches);
    if (it == k.grants.end()) continue;
    if (auto e = CheckDryRun(in)) return Fail(*e);
    k.grants.erase(it);
    PersistKey(&c, k);
    return json::object{};
  }
  if (token) return Fail(Error("InvalidGrantTokenException", "Invalid grant token."));
  return Fail(Error("NotFoundException", "Grant ID " + std::string(*grant_id) + " not found."));
}

KmsService::Out KmsService::RevokeGrant(Ctx& c, const In& in) {
  auto k = ResolveInput(c, in, false);
  if (!k) return Fail(k.error());
  Key& key = **k;
  std::string grant_id(GetString(in, "GrantId").value_or(""));
  auto it = std::find_if(key.grants.begin(), key.grants.end(), [&](const Grant& g) { return g.id == grant_id; });
  if (it == key.grants.end()) return Fail(Error("NotFoundException", "Grant ID " + grant_id + " not found."));
  if (auto e = CheckDryRun(in)) return Fail(*e);
  key.grants.erase(it);
  PersistKey(&c, key);
  return json::object{};
}

}  // namespace stratus::kms
