// The Secrets Manager operation table, secret references, version labels, descriptions and
// persistence.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <limits>

#include "core/encoding.h"
#include "services/kms/kms.h"
#include "services/secretsmanager/secretsmanager.h"
#include "store/store.h"

namespace stratus::secretsmanager {

SecretsManagerService::SecretsManagerService() : ServiceHandler("secretsmanager") {
#define STRATUS_SM_OP(name)                       \
  On(#name, [this](Ctx& c, const In& in) -> Out { \
    std::lock_guard lock(mu_);                    \
    return name(c, in);                           \
  })
  STRATUS_SM_OP(CreateSecret);
  STRATUS_SM_OP(GetSecretValue);
  STRATUS_SM_OP(BatchGetSecretValue);
  STRATUS_SM_OP(PutSecretValue);
  STRATUS_SM_OP(UpdateSecret);
  STRATUS_SM_OP(DescribeSecret);
  STRATUS_SM_OP(ListSecrets);
  STRATUS_SM_OP(ListSecretVersionIds);
  STRATUS_SM_OP(UpdateSecretVersionStage);
  STRATUS_SM_OP(DeleteSecret);
  STRATUS_SM_OP(RestoreSecret);
  STRATUS_SM_OP(GetResourcePolicy);
  STRATUS_SM_OP(PutResourcePolicy);
  STRATUS_SM_OP(DeleteResourcePolicy);
  STRATUS_SM_OP(ValidateResourcePolicy);
  STRATUS_SM_OP(TagResource);
  STRATUS_SM_OP(UntagResource);
  STRATUS_SM_OP(RotateSecret);
  STRATUS_SM_OP(CancelRotateSecret);
  STRATUS_SM_OP(ReplicateSecretToRegions);
  STRATUS_SM_OP(RemoveRegionsFromReplication);
  STRATUS_SM_OP(StopReplicationToReplica);
#undef STRATUS_SM_OP
  // Stateless: no lock.
  On("GetRandomPassword", [this](Ctx& c, const In& in) -> Out { return GetRandomPassword(c, in); });
}

AwsError SecretsManagerService::Error(std::string_view shape, std::string message) {
  static const aws::Service* model = aws::CompiledService("secretsmanager");
  if (model) return aws::ModelErrorFor(*model, shape, std::move(message));
  return AwsError::Make(std::string(shape), std::move(message));
}

Result<std::optional<Value>> ValueOf(const json::object& in) {
  auto str = GetString(in, "SecretString");
  auto bin = GetString(in, "SecretBinary");
  if (str && bin)
    return Fail(aws::ModelErrorFor(
        *aws::CompiledService("secretsmanager"), "InvalidParameterException",
        "You can't specify both a binary secret value and a string secret value in the same secret."));
  if (str) return std::optional<Value>(Value{std::string(*str), false});
  if (bin) return std::optional<Value>(Value{std::string(*bin), true});
  return std::optional<Value>();
}

SecretsManagerService::Region& SecretsManagerService::RegionOf(Ctx& c) {
  Region& r = regions_[{c.account, c.region}];
  int64_t now = c.clock.NowMillis();
  int64_t& due = due_ms_[{c.account, c.region}];
  if (due != 0 && now < due) return r;
  // Lazy housekeeping: a secret whose recovery window ended is gone the next time its
  // region is used (a client cannot tell the difference).
  due = std::numeric_limits<int64_t>::max();
  for (auto it = r.begin(); it != r.end();) {
    if (it->second.deleted_ms && it->second.purge_ms <= now) {
      Unpersist(&c, it->second);
      it = r.erase(it);
    } else {
      if (it->second.deleted_ms) due = std::min(due, it->second.purge_ms);
      ++it;
    }
  }
  return r;
}

Result<Secret*> SecretsManagerService::Resolve(Ctx& c, std::string_view id, bool live) {
  Region& r = RegionOf(c);
  Secret* found = nullptr;
  if (id.starts_with("arn:")) {
    for (auto& [name, s] : r)
      if (s.arn == id) found = &s;
    std::string prefix = "arn:aws:secretsmanager:" + c.region + ":" + c.account + ":secret:";
    if (!found && id.starts_with(prefix)) {
      // A partial ARN: the name without the random suffix.
      auto it = r.find(std::string(id.substr(prefix.size())));
      if (it != r.end()) found = &it->second;
    }
  } else {
    auto it = r.find(std::string(id));
    if (it != r.end()) found = &it->second;
  }
  if (!found)
    return Fail(Error("ResourceNotFoundException", "Secrets Manager can't find the specified secret."));
  if (live && found->deleted_ms)
    return Fail(Error("InvalidRequestException",
                      "You can't perform this operation on the secret because it was marked for deletion."));
  return found;
}

void SecretsManagerService::MoveStage(Secret& s, const std::string& stage, Version* to) {
  Version* from = s.WithStage(stage);
  if (from == to) return;
  if (from) std::erase(from->stages, stage);
  if (to) to->stages.push_back(stage);
  if (stage == "AWSCURRENT" && from) {
    // AWS: the version that loses AWSCURRENT becomes AWSPREVIOUS.
    if (Version* prev = s.WithStage("AWSPREVIOUS"); prev && prev != from)
      std::erase(prev->stages, std::string("AWSPREVIOUS"));
    if (!from->Has("AWSPREVIOUS")) from->stages.push_back("AWSPREVIOUS");
  }
}

void SecretsManagerService::AddVersion(Secret& s, std::string id, std::string value, bool binary,
                                       std::vector<std::string> stages, int64_t now) {
  Version v;
  v.id = std::move(id);
  v.value = std::move(value);
  v.sealed = true;
  v.binary = binary;
  v.created_ms = now;
  s.versions.push_back(std::move(v));
  for (const auto& stage : stages) MoveStage(s, stage, &s.versions.back());
  // AWS keeps about 100 versions; the oldest versions without labels go first.
  while (s.versions.size() > 100) {
    auto it = std::find_if(s.versions.begin(), s.versions.end(),
                           [](const Version& x) { return x.stages.empty(); });
    if (it == s.versions.end()) break;
    s.versions.erase(it);
  }
  s.changed_ms = now;
}

namespace {
// LastAccessedDate is a date: AWS reports midnight UTC of the day.
double Day(int64_t ms) { return Seconds(ms - ms % 86'400'000); }
}  // namespace

json::object SecretsManagerService::Summary(const Secret& s, bool list_entry) const {
  json::object o;
  o["ARN"] = s.arn;
  o["Name"] = s.name;
  if (!s.description.empty()) o["Description"] = s.description;
  if (!s.kms_key_id.empty()) o["KmsKeyId"] = s.kms_key_id;
  o["RotationEnabled"] = s.rotation_enabled;
  if (!s.rotation_lambda.empty()) o["RotationLambdaARN"] = s.rotation_lambda;
  if (!s.rotation_rules.empty()) o["RotationRules"] = s.rotation_rules;
  if (s.rotation_enabled && s.next_rotation_ms) o["NextRotationDate"] = Seconds(s.next_rotation_ms);
  o["LastChangedDate"] = Seconds(s.changed_ms);
  if (s.accessed_ms) o["LastAccessedDate"] = Day(s.accessed_ms);
  if (s.deleted_ms) o["DeletedDate"] = Seconds(s.deleted_ms);
  json::array tags;
  for (const auto& [k, v] : s.tags) tags.push_back(json::object{{"Key", k}, {"Value", v}});
  o["Tags"] = std::move(tags);
  json::object stages;
  for (const auto& v : s.versions) {
    if (v.stages.empty()) continue;
    json::array a;
    for (const auto& st : v.stages) a.push_back(json::string(st));
    stages[v.id] = std::move(a);
  }
  o[list_entry ? "SecretVersionsToStages" : "VersionIdsToStages"] = std::move(stages);
  o["CreatedDate"] = Seconds(s.created_ms);
  if (!s.primary_region.empty()) {
    o["PrimaryRegion"] = s.primary_region;
  } else if (!s.replicas.empty()) {
    o["PrimaryRegion"] = s.region;
    if (!list_entry) o["ReplicationStatus"] = ReplicationStatus(s);  // not in SecretListEntry
  }
  return o;
}

// ---- persistence ---------------------------------------------------------------------------

namespace {
std::string Table(std::string_view account, std::string_view region) {
  return "secretsmanager/" + std::string(account) + "/" + std::string(region) + "/secrets";
}
}  // namespace

void SecretsManagerService::Persist(Ctx* c, const Secret& s) {
  // Every change of a primary reaches its replicas.
  if (c && !s.replicas.empty()) SyncReplicas(*c, s);
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  json::object o;
  o["arn"] = s.arn;
  o["description"] = s.description;
  o["kms_key_id"] = s.kms_key_id;
  o["policy"] = s.policy;
  o["created"] = s.created_ms;
  o["changed"] = s.changed_ms;
  o["accessed"] = s.accessed_ms;
  o["deleted"] = s.deleted_ms;
  o["purge"] = s.purge_ms;
  json::array tags;
  for (const auto& [k, v] : s.tags) tags.push_back(json::array{json::string(k), json::string(v)});
  o["tags"] = std::move(tags);
  o["rotation_enabled"] = s.rotation_enabled;
  o["rotation_lambda"] = s.rotation_lambda;
  o["rotation_rules"] = s.rotation_rules;
  o["next_rotation"] = s.next_rotation_ms;
  json::array versions;
  for (const auto& v : s.versions) {
    json::object vo;
    vo["id"] = v.id;
    vo["value"] = v.value;
    vo["sealed"] = v.sealed;
    vo["binary"] = v.binary;
    json::array stages;
    for (const auto& x : v.stages) stages.push_back(json::string(x));
    vo["stages"] = std::move(stages);
    vo["created"] = v.created_ms;
    vo["accessed"] = v.accessed_ms;
    versions.push_back(std::move(vo));
  }
  o["versions"] = std::move(versions);
  json::array replicas;
  for (const auto& rep : s.replicas) replicas.push_back(json::array{json::string(rep.region), json::string(rep.kms_key_id)});
  o["replicas"] = std::move(replicas);
  o["primary_region"] = s.primary_region;
  uint64_t seq = st.Put(Table(s.account, s.region), s.name, json::serialize(o));
  if (c) c->Persisted(seq);
}

void SecretsManagerService::Unpersist(Ctx* c, const Secret& s) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  uint64_t seq = st.Delete(Table(s.account, s.region), s.name);
  if (c) c->Persisted(seq);
}

void SecretsManagerService::Start(aws::ServiceEnv& env) {
  env_ = &env;
  if (env.registry) kms_ = dynamic_cast<kms::KmsService*>(env.registry->Find("kms"));
  std::lock_guard lock(mu_);
  env.store.Scan("secretsmanager/", [&](std::string_view table, std::string_view key,
                                        std::string_view value) {
    // secretsmanager/ACCOUNT/REGION/secrets
    std::string_view rest = table.substr(15);
    size_t a = rest.find('/');
    size_t b = a == std::string_view::npos ? a : rest.find('/', a + 1);
    if (b == std::string_view::npos || rest.substr(b + 1) != "secrets") return;
    boost::system::error_code ec;
    auto v = json::parse(value, ec);
    if (ec || !v.is_object()) return;
    const auto& o = v.get_object();
    Secret s;
    s.account = std::string(rest.substr(0, a));
    s.region = std::string(rest.substr(a + 1, b - a - 1));
    s.name = std::string(key);
    s.arn = GetString(o, "arn").value_or("");
    s.description = GetString(o, "description").value_or("");
    s.kms_key_id = GetString(o, "kms_key_id").value_or("");
    s.policy = GetString(o, "policy").value_or("");
    s.created_ms = GetInt(o, "created").value_or(0);
    s.changed_ms = GetInt(o, "changed").value_or(0);
    s.accessed_ms = GetInt(o, "accessed").value_or(0);
    s.deleted_ms = GetInt(o, "deleted").value_or(0);
    s.purge_ms = GetInt(o, "purge").value_or(0);
    if (auto* tags = GetArray(o, "tags"))
      for (const auto& t : *tags)
        if (t.is_array() && t.get_array().size() == 2 && t.get_array()[0].is_string() &&
            t.get_array()[1].is_string())
          s.tags.emplace_back(std::string(t.get_array()[0].get_string()),
                              std::string(t.get_array()[1].get_string()));
    s.rotation_enabled = GetBool(o, "rotation_enabled").value_or(false);
    s.rotation_lambda = GetString(o, "rotation_lambda").value_or("");
    if (auto* rules = GetObject(o, "rotation_rules")) s.rotation_rules = *rules;
    s.next_rotation_ms = GetInt(o, "next_rotation").value_or(0);
    if (auto* versions = GetArray(o, "versions"))
      for (const auto& vv : *versions) {
        if (!vv.is_object()) continue;
        const auto& vo = vv.get_object();
        Version ver;
        ver.id = GetString(vo, "id").value_or("");
        ver.value = GetString(vo, "value").value_or("");
        ver.sealed = GetBool(vo, "sealed").value_or(false);
        ver.binary = GetBool(vo, "binary").value_or(false);
        if (auto* stages = GetArray(vo, "stages"))
          for (const auto& x : *stages)
            if (x.is_string()) ver.stages.emplace_back(x.get_string());
        ver.created_ms = GetInt(vo, "created").value_or(0);
        ver.accessed_ms = GetInt(vo, "accessed").value_or(0);
        s.versions.push_back(std::move(ver));
      }
    if (auto* reps = GetArray(o, "replicas"))
      for (const auto& rv : *reps)
        if (rv.is_array() && rv.get_array().size() == 2 && rv.get_array()[0].is_string() &&
            rv.get_array()[1].is_string())
          s.replicas.push_back({std::string(rv.get_array()[0].get_string()), std::string(rv.get_array()[1].get_string())});
    s.primary_region = GetString(o, "primary_region").value_or("");
    if (s.arn.empty()) return;
    std::string name = s.name;
    regions_[{s.account, s.region}][name] = std::move(s);
  });
}

void SecretsManagerService::Reset() {
  std::lock_guard lock(mu_);
  regions_.clear();
  due_ms_.clear();
  if (env_ && env_->store.persistent()) env_->store.DeletePrefix("secretsmanager/");
}

std::unique_ptr<aws::ServiceHandler> MakeSecretsManagerService() {
  return std::make_unique<SecretsManagerService>();
}

}  // namespace stratus::secretsmanager
