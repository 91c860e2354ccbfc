// The SSM operation table, parameter lookup and rendering, KMS sealing, persistence and the
// tagging operations.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "aws/tags.h"
#include "core/encoding.h"
#include "services/kms/kms.h"
#include "services/ssm/ssm.h"
#include "store/store.h"

namespace stratus::ssm {

SsmService::SsmService() : ServiceHandler("ssm") {
#define STRATUS_SSM_OP(name)                      \
  On(#name, [this](Ctx& c, const In& in) -> Out { \
    std::lock_guard lock(mu_);                    \
    return name(c, in);                           \
  })
  STRATUS_SSM_OP(PutParameter);
  STRATUS_SSM_OP(GetParameter);
  STRATUS_SSM_OP(GetParameters);
  STRATUS_SSM_OP(DeleteParameter);
  STRATUS_SSM_OP(DeleteParameters);
  STRATUS_SSM_OP(GetParameterHistory);
  STRATUS_SSM_OP(LabelParameterVersion);
  STRATUS_SSM_OP(UnlabelParameterVersion);
  STRATUS_SSM_OP(GetParametersByPath);
  STRATUS_SSM_OP(DescribeParameters);
  STRATUS_SSM_OP(AddTagsToResource);
  STRATUS_SSM_OP(ListTagsForResource);
  STRATUS_SSM_OP(RemoveTagsFromResource);
  STRATUS_SSM_OP(GetServiceSetting);
  STRATUS_SSM_OP(UpdateServiceSetting);
  STRATUS_SSM_OP(ResetServiceSetting);
#undef STRATUS_SSM_OP
}

AwsError SsmService::Error(std::string_view shape, std::string message) {
  static const aws::Service* model = aws::CompiledService("ssm");
  if (model) return aws::ModelErrorFor(*model, shape, std::move(message));
  return AwsError::Make(std::string(shape), std::move(message));
}

Version* Parameter::Find(int64_t number) {
  for (auto& v : versions)
    if (v.number == number) return &v;
  return nullptr;
}

Version* Parameter::Labelled(std::string_view label) {
  for (auto& v : versions)
    for (const auto& l : v.labels)
      if (l == label) return &v;
  return nullptr;
}

std::string SsmService::Arn(const Ctx& c, std::string_view name) {
  // AWS writes parameter/NAME, without doubling the slash of hierarchical names.
  std::string arn = "arn:aws:ssm:" + c.region + ":" + c.account + ":parameter";
  if (!name.starts_with('/')) arn += '/';
  return arn + std::string(name);
}

Parameter* SsmService::Find(const Ctx& c, Region& r, std::string_view ref) {
  auto it = r.params.find(std::string(ref));
  if (it != r.params.end()) return &it->second;
  std::string prefix = "arn:aws:ssm:" + c.region + ":" + c.account + ":parameter/";
  if (!ref.starts_with(prefix)) return nullptr;
  std::string rest(ref.substr(prefix.size()));
  // parameter/a/b is /a/b; parameter/a is a (or /a when only that exists).
  for (const std::string& name : {rest.find('/') == std::string::npos ? rest : "/" + rest, "/" + rest}) {
    it = r.params.find(name);
    if (it != r.params.end()) return &it->second;
  }
  return nullptr;
}

namespace {
json::object ArnContext(const std::string& arn) {
  // Parameter Store's encryption context (Systems Manager user guide, "How AWS Systems
  // Manager Parameter Store uses AWS KMS"): PARAMETER_ARN, the parameter's ARN.
  return json::object{{"PARAMETER_ARN", arn}};
}

AwsError FromKms(const AwsError& e) {
  if (e.code == "NotFoundException") return SsmService::Error("InvalidKeyId", e.message);
  return e;
}
}  // namespace

Result<std::string> SsmService::Seal(Ctx& c, std::string_view name, std::string_view key_ref,
                                     std::string_view plaintext) {
  if (!kms_) return Fail(AwsError::Internal("KMS is not available"));
  json::object ctx = ArnContext(Arn(c, name));
  auto sealed = kms_->CryptFor(c, kms::KmsService::CryptOp::kEncrypt, key_ref, plaintext, &ctx);
  if (!sealed) return Fail(FromKms(sealed.error()));
  return Base64Encode(sealed->data);
}

Result<std::string> SsmService::ValueOf(Ctx& c, const Parameter& p, const Version& v, bool decrypt) {
  if (v.type != "SecureString" || !decrypt) return v.value;
  if (!kms_) return Fail(AwsError::Internal("KMS is not available"));
  auto bytes = Base64Decode(v.value);
  if (!bytes) return Fail(AwsError::Internal("stored ciphertext is not base64"));
  json::object ctx = ArnContext(Arn(c, p.name));
  auto opened = kms_->CryptFor(c, kms::KmsService::CryptOp::kDecrypt, "", *bytes, &ctx);
  if (!opened) return Fail(FromKms(opened.error()));
  return opened->data;
}

Result<json::object> SsmService::Render(Ctx& c, const Parameter& p, const Version& v, bool decrypt,
                                        std::string_view selector) {
  auto value = ValueOf(c, p, v, decrypt);
  if (!value) return Fail(value.error());
  json::object o;
  o["Name"] = p.name;
  o["Type"] = v.type;
  o["Value"] = *value;
  o["Version"] = v.number;
  if (!selector.empty()) o["Selector"] = selector;
  o["LastModifiedDate"] = static_cast<double>(v.modified_ms) / 1000.0;
  o["ARN"] = Arn(c, p.name);
  o["DataType"] = v.data_type;
  return o;
}

Result<size_t> PageStart(const json::object& in) {
  auto token = GetString(in, "NextToken");
  if (!token) return size_t{0};
  auto raw = Base64Decode(*token);
  constexpr std::string_view kPrefix = "stratus-ssm:";
  bool ok = raw && raw->starts_with(kPrefix) && raw->size() > kPrefix.size() && raw->size() < kPrefix.size() + 10;
  if (ok)
    for (char ch : raw->substr(kPrefix.size())) ok &= ch >= '0' && ch <= '9';
  if (!ok) return Fail(SsmService::Error("InvalidNextToken", "The specified token isn't valid."));
  return static_cast<size_t>(std::stoul(raw->substr(kPrefix.size())));
}

std::string NextToken(size_t offset) { return Base64Encode("stratus-ssm:" + std::to_string(offset)); }

// ---- tags ----------------------------------------------------------------------------------

namespace {
// AWS: at most 50 tags per resource (Systems Manager quotas).
constexpr size_t kMaxTags = 50;
}  // namespace

// The parameter a tag operation names (tags exist on parameters only here).
Result<Parameter*> SsmService::TaggedParameter(Ctx& c, const In& in) {
  if (GetString(in, "ResourceType").value_or("") != "Parameter")
    return Fail(Error("InvalidResourceType", "Stratus supports tags on resource type Parameter only"));
  Parameter* p = Find(c, RegionOf(c), GetString(in, "ResourceId").value_or(""));
  if (!p) return Fail(Error("InvalidResourceId", ""));
  return p;
}

SsmService::Out SsmService::AddTagsToResource(Ctx& c, const In& in) {
  auto p = TaggedParameter(c, in);
  if (!p) return Fail(p.error());
  std::map<std::string, std::string> tags = (*p)->tags;
  aws::MergeTagList(GetArray(in, "Tags"), tags);
  if (tags.size() > kMaxTags)
    return Fail(Error("TooManyTagsError", "The Tags parameter contains more than 50 tags."));
  (*p)->tags = std::move(tags);
  Persist(c, **p);
  return json::object{};
}

SsmService::Out SsmService::ListTagsForResource(Ctx& c, const In& in) {
  auto p = TaggedParameter(c, in);
  if (!p) return Fail(p.error());
  return json::object{{"TagList", aws::TagList((*p)->tags)}};
}

SsmService::Out SsmService::RemoveTagsFromResource(Ctx& c, const In& in) {
  auto p = TaggedParameter(c, in);
  if (!p) return Fail(p.error());
  if (auto* keys = GetArray(in, "TagKeys"))
    for (const auto& k : *keys)
      if (k.is_string()) (*p)->tags.erase(std::string(k.get_string()));
  Persist(c, **p);
  return json::object{};
}

// ---- persistence ---------------------------------------------------------------------------

namespace {
std::string Table(std::string_view account, std::string_view region) {
  return "ssm/" + std::string(account) + "/" + std::string(region) + "/parameters";
}
}  // namespace

void SsmService::Persist(Ctx& c, const Parameter& p) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  json::object o;
  json::object tags;
  for (const auto& [k, v] : p.tags) tags[k] = v;
  o["tags"] = std::move(tags);
  json::array versions;
  for (const auto& v : p.versions) {
    json::object vo;
    vo["number"] = v.number;
    vo["type"] = v.type;
    vo["value"] = v.value;
    vo["key_id"] = v.key_id;
    vo["description"] = v.description;
    vo["allowed_pattern"] = v.allowed_pattern;
    vo["user"] = v.user;
    vo["tier"] = v.tier;
    vo["data_type"] = v.data_type;
    vo["modified"] = v.modified_ms;
    json::array labels;
    for (const auto& l : v.labels) labels.push_back(json::value(l));
    vo["labels"] = std::move(labels);
    json::array policies;
    for (const auto& pol : v.policies)
      policies.push_back(json::object{{"type", pol.type}, {"text", pol.text}, {"at", pol.at_ms}, {"span", pol.span_ms}});
    vo["policies"] = std::move(policies);
    versions.push_back(std::move(vo));
  }
  o["versions"] = std::move(versions);
  c.Persisted(st.Put(Table(c.account, c.region), p.name, json::serialize(o)));
}

void SsmService::Unpersist(Ctx& c, const std::string& name) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  c.Persisted(st.Delete(Table(c.account, c.region), name));
}

void SsmService::Start(aws::ServiceEnv& env) {
  env_ = &env;
  if (env.registry) kms_ = dynamic_cast<kms::KmsService*>(env.registry->Find("kms"));
  std::lock_guard lock(mu_);
  env.store.Scan("ssm/", [&](std::string_view table, std::string_view key, std::string_view value) {
    // ssm/ACCOUNT/REGION/parameters
    std::string_view rest = table.substr(4);
    size_t a = rest.find('/');
    size_t b = a == std::string_view::npos ? a : rest.find('/', a + 1);
    if (b == std::string_view::npos) return;
    if (rest.substr(b + 1) == "settings") {
      LoadSetting(std::string(rest.substr(0, a)), std::string(rest.substr(a + 1, b - a - 1)), key, value);
      return;
    }
    if (rest.substr(b + 1) != "parameters") return;
    boost::system::error_code ec;
    auto v = json::parse(value, ec);
    if (ec || !v.is_object()) return;
    const auto& o = v.get_object();
    Parameter p;
    p.name = std::string(key);
    if (auto* t = GetObject(o, "tags"))
      for (const auto& [tk, tv] : *t) p.tags[tk] = tv.is_string() ? std::string(tv.get_string()) : "";
    if (auto* vs = GetArray(o, "versions"))
      for (const auto& vv : *vs) {
        if (!vv.is_object()) continue;
        const auto& vo = vv.get_object();
        Version ver;
        ver.number = GetInt(vo, "number").value_or(1);
        ver.type = GetString(vo, "type").value_or("String");
        ver.value = GetString(vo, "value").value_or("");
        ver.key_id = GetString(vo, "key_id").value_or("");
        ver.description = GetString(vo, "description").value_or("");
        ver.allowed_pattern = GetString(vo, "allowed_pattern").value_or("");
        ver.user = GetString(vo, "user").value_or("");
        ver.tier = GetString(vo, "tier").value_or("Standard");
        ver.data_type = GetString(vo, "data_type").value_or("text");
        ver.modified_ms = GetInt(vo, "modified").value_or(0);
        if (auto* ls = GetArray(vo, "labels"))
          for (const auto& l : *ls)
            if (l.is_string()) ver.labels.emplace_back(l.get_string());
        if (auto* ps = GetArray(vo, "policies"))
          for (const auto& pv : *ps) {
            if (!pv.is_object()) continue;
            const auto& po = pv.get_object();
            ver.policies.push_back(Policy{std::string(GetString(po, "type").value_or("")),
                                          std::string(GetString(po, "text").value_or("")),
                                          GetInt(po, "at").value_or(0), GetInt(po, "span").value_or(0)});
          }
        p.versions.push_back(std::move(ver));
      }
    if (p.versions.empty()) return;
    std::string account(rest.substr(0, a)), region(rest.substr(a + 1, b - a - 1));
    std::string name = p.name;
    // A due Expiration runs as soon as the loop starts.
    if (int64_t at = p.Latest().ExpiresMs()) ScheduleExpiry(account, region, name, at);
    regions_[{account, region}].params[name] = std::move(p);
  });
}

void SsmService::Reset() {
  std::lock_guard lock(mu_);
  regions_.clear();
  if (env_ && env_->store.persistent()) env_->store.DeletePrefix("ssm/");
}

std::unique_ptr<aws::ServiceHandler> MakeSsmService() { return std::make_unique<SsmService>(); }

}  // namespace stratus::ssm
