// Alias operations: create, update, delete, list.
#include "services/kms/kms.h"

namespace stratus::kms {
namespace {

double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

// Rules KMS applies to a name beyond the model's pattern.
std::optional<AwsError> CheckAliasName(std::string_view name) {
  if (!name.starts_with("alias/")) return AwsError::Validation("Invalid identifier");
  // alias/aws/ names belong to AWS managed keys.
  if (name.starts_with("alias/aws/"))
    return AwsError::Make("NotAuthorizedException",
                          "Alias names that begin with alias/aws/ are reserved for AWS managed keys.");
  if (name.find(':') != std::string_view::npos)
    return AwsError::Validation(std::string(name) + " contains invalid characters for an alias");
  return std::nullopt;
}

bool IsAliasRef(std::string_view ref) {
  return ref.starts_with("alias/") || (ref.starts_with("arn:") && ref.find(":alias/") != std::string_view::npos);
}

}  // namespace

KmsService::Out KmsService::CreateAlias(Ctx& c, const In& in) {
  std::string name(GetString(in, "AliasName").value_or(""));
  if (auto e = CheckAliasName(name)) return Fail(*e);
  std::string_view target = GetString(in, "TargetKeyId").value_or("");
  if (IsAliasRef(target)) return Fail(AwsError::Validation("Aliases must refer to keys. Not aliases"));
  Region& r = RegionOf(c);
  if (r.aliases.contains(name))
    return Fail(Error("AlreadyExistsException", "An alias with the name " + AliasArn(c, name) + " already exists"));
  auto k = Resolve(c, r, target, false);
  if (!k) return Fail(k.error());
  if (auto e = CheckNotPendingDeletion(**k)) return Fail(*e);
  Alias a;
  a.name = name;
  a.key_id = (*k)->id;
  a.created_ms = a.updated_ms = c.clock.NowMillis();
  PersistAlias(&c, c.account, c.region, a);
  r.aliases[name] = std::move(a);
  return json::object{};
}

KmsService::Out KmsService::UpdateAlias(Ctx& c, const In& in) {
  std::string name(GetString(in, "AliasName").value_or(""));
  if (auto e = CheckAliasName(name)) return Fail(*e);
  std::string_view target = GetString(in, "TargetKeyId").value_or("");
  if (IsAliasRef(target)) return Fail(AwsError::Validation("Aliases must refer to keys. Not aliases"));
  Region& r = RegionOf(c);
  auto it = r.aliases.find(name);
  if (it == r.aliases.end())
    return Fail(Error("NotFoundException", "Alias '" + AliasArn(c, name) + "' is not found."));
  auto k = Resolve(c, r, target, false);
  if (!k) return Fail(k.error());
  if (auto e = CheckNotPendingDeletion(**k)) return Fail(*e);
  it->second.key_id = (*k)->id;
  it->second.updated_ms = c.clock.NowMillis();
  PersistAlias(&c, c.account, c.region, it->second);
  return json::object{};
}

KmsService::Out KmsService::DeleteAlias(Ctx& c, const In& in) {
  std::string name(GetString(in, "AliasName").value_or(""));
  if (auto e = CheckAliasName(name)) return Fail(*e);
  Region& r = RegionOf(c);
  auto it = r.aliases.find(name);
  if (it == r.aliases.end())
    return Fail(Error("NotFoundException", "Alias '" + AliasArn(c, name) + "' is not found."));
  UnpersistAlias(&c, c.account, c.region, name);
  r.aliases.erase(it);
  return json::object{};
}

KmsService::Out KmsService::ListAliases(Ctx& c, const In& in) {
  Region& r = RegionOf(c);
  std::string key_id;
  if (auto ref = GetString(in, "KeyId")) {
    auto k = Resolve(c, r, *ref, false);
    if (!k) return Fail(k.error());
    key_id = (*k)->id;
  }
  json::array all;
  for (const auto& [name, a] : r.aliases) {
    if (!key_id.empty() && a.key_id != key_id) continue;
    json::object e;
    e["AliasName"] = name;
    e["AliasArn"] = AliasArn(c, name);
    e["TargetKeyId"] = a.key_id;
    e["CreationDate"] = Seconds(a.created_ms);
    e["LastUpdatedDate"] = Seconds(a.updated_ms);
    all.push_back(std::move(e));
  }
  auto page = Page(in, std::move(all), "Aliases");
  if (!page) return Fail(page.error());
  return json::value(std::move(*page));
}

}  // namespace stratus::kms
