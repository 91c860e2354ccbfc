// Parameter operations: put, get (by name, name:version and name:label), delete, history and
// version labels.
#include <algorithm>
#include <cctype>
#include <regex>

#include "aws/tags.h"
#include "services/ssm/ssm.h"

namespace stratus::ssm {
namespace {

// Systems Manager quotas: 100 versions per parameter, 10 labels per version, values of 4 KB
// (Standard) and 8 KB (Advanced), hierarchies of 15 levels.
constexpr size_t kMaxVersions = 100;
constexpr size_t kMaxLabels = 10;
constexpr size_t kStandardValue = 4096, kAdvancedValue = 8192;
constexpr int kMaxLevels = 15;

bool Reserved(std::string_view s) {
  auto lower = [](std::string_view t) {
    std::string out(t);
    for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
  };
  std::string l = lower(s);
  return l.starts_with("aws") || l.starts_with("ssm");
}

// Systems Manager user guide, "Requirements and constraints for parameter names".
std::optional<AwsError> CheckName(std::string_view name) {
  std::string_view bare = name.starts_with('/') ? name.substr(1) : name;
  if (Reserved(bare)) {
    bool path = name.find('/', 1) != std::string_view::npos;
    if (name.starts_with('/') && path && Reserved(bare) && (bare[0] == 'a' || bare[0] == 'A'))
      return AwsError::Make("AccessDeniedException", "No access to reserved parameter name: " + std::string(name) + ".");
    return AwsError::Validation(
        path ? "Parameter name: can't be prefixed with \"ssm\" (case-insensitive). If formed as a path, it can consist "
               "of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and "
               "the following 3 symbols .-_"
             : "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive).");
  }
  bool chars = !name.empty();
  for (char ch : name) chars &= std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' || ch == '-' || ch == '/';
  if (!chars || name.find("//") != std::string_view::npos || name.ends_with('/'))
    return AwsError::Validation(
        "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). If formed as a path, it can "
        "consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and "
        "the following 3 symbols .-_");
  if (!name.starts_with('/') && name.find('/') != std::string_view::npos)
    return AwsError::Validation("Parameter name must be a fully qualified name.");
  int levels = 0;
  for (char ch : name) levels += ch == '/';
  if (levels > kMaxLevels)
    return SsmService::Error("HierarchyLevelLimitExceededException",
                             "A hierarchy can have a maximum of 15 levels. For more information, see Requirements and "
                             "Constraints for Parameter Names in the AWS Systems Manager User Guide.");
  return std::nullopt;
}

// Labels: letters, numbers, . - _, up to 100 characters, not starting with a number, aws or ssm.
bool ValidLabel(std::string_view l) {
  if (l.empty() || l.size() > 100 || std::isdigit(static_cast<unsigned char>(l[0])) || Reserved(l)) return false;
  for (char ch : l)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '-' && ch != '_') return false;
  return true;
}

struct Selected {
  std::string name, selector;
  std::optional<int64_t> version;
  std::string label;
};

// NAME, NAME:VERSION or NAME:LABEL (names cannot hold a colon; ARNs can).
Selected Select(std::string_view ref) {
  Selected s;
  size_t colon = ref.rfind(':');
  bool arn = ref.starts_with("arn:");
  if (colon == std::string_view::npos || (arn && ref.substr(0, colon).find(":parameter") == std::string_view::npos)) {
    s.name = ref;
    return s;
  }
  s.name = ref.substr(0, colon);
  std::string_view sel = ref.substr(colon + 1);
  s.selector = ":" + std::string(sel);
  bool digits = !sel.empty() && sel.size() < 18;
  for (char ch : sel) digits &= ch >= '0' && ch <= '9';
  if (digits)
    s.version = std::stoll(std::string(sel));
  else
    s.label = sel;
  return s;
}

std::string VersionNotFound(int64_t v, std::string_view name) {
  return "Systems Manager could not find version " + std::to_string(v) + " of " + std::string(name) +
         ". Verify the version and try again.";
}

}  // namespace

SsmService::Out SsmService::PutParameter(Ctx& c, const In& in) {
  std::string name(GetString(in, "Name").value_or(""));
  std::string value(GetString(in, "Value").value_or(""));
  bool overwrite = GetBool(in, "Overwrite").value_or(false);
  const json::array* tag_list = GetArray(in, "Tags");
  if (value.empty())
    return Fail(AwsError::Validation(
        "1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must have length "
        "greater than or equal to 1."));
  if (overwrite && tag_list && !tag_list->empty())
    return Fail(AwsError::Validation(
        "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove "
        "overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or "
        "RemoveTagsFromResource."));
  if (auto e = CheckName(name)) return Fail(*e);
  Region& r = RegionOf(c);
  auto it = r.params.find(name);
  const Version* prev = it == r.params.end() ? nullptr : &it->second.Latest();
  if (prev && !overwrite)
    return Fail(Error("ParameterAlreadyExists",
                      "The parameter already exists. To overwrite this value, set the overwrite option in the request "
                      "to true."));

  Version v;
  v.type = GetString(in, "Type").value_or(prev ? prev->type : "");
  if (v.type.empty()) return Fail(AwsError::Validation("A parameter type is required when you create a parameter."));
  v.data_type = GetString(in, "DataType").value_or(prev ? prev->data_type : "text");
  if (v.data_type != "text" && v.data_type != "aws:ec2:image" && v.data_type != "aws:ssm:integration")
    return Fail(AwsError::Validation("The following data type is not supported: " + v.data_type +
                                     " (Data type names are all lowercase.)"));
  if (v.data_type == "aws:ec2:image") {
    static const std::regex ami("ami-([0-9a-f]{8}|[0-9a-f]{17})");
    if (v.type != "String" || !std::regex_match(value, ami))
      return Fail(AwsError::Validation("Parameter value, " + value +
                                       ", is not in the valid format for data type aws:ec2:image. Specify an AMI ID "
                                       "such as ami-1234567890abcdef0."));
  }
  if (in.contains("KeyId") && v.type != "SecureString")
    return Fail(AwsError::Validation("KeyId is required for SecureString type parameter only."));

  // Policies: kept from the previous version unless given ("[]" removes them).
  std::vector<Policy> policies = prev ? prev->policies : std::vector<Policy>{};
  if (auto text = GetString(in, "Policies")) {
    auto parsed = ParsePolicies(*text, c.clock.NowMillis());
    if (!parsed) return Fail(parsed.error());
    policies = std::move(*parsed);
  }

  // Tier: Intelligent-Tiering picks Standard when the value fits and no policy needs the
  // advanced tier; Advanced never goes back.
  // A new parameter without Tier takes the account's default tier (service setting
  // /ssm/parameter-store/default-parameter-tier).
  std::string tier(GetString(in, "Tier").value_or(
      prev ? prev->tier : SettingValue(c, "/ssm/parameter-store/default-parameter-tier")));
  if (tier == "Intelligent-Tiering")
    tier = value.size() <= kStandardValue && policies.empty() && !(prev && prev->tier == "Advanced") ? "Standard"
                                                                                                     : "Advanced";
  if (tier == "Standard" && !policies.empty())
    return Fail(AwsError::Validation(
        "Parameter policies are supported only for advanced parameters. Use the Advanced or Intelligent-Tiering "
        "tier to assign policies."));
  if (tier == "Standard" && prev && prev->tier == "Advanced")
    return Fail(AwsError::Validation(
        "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the "
        "advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter "
        "and recreate it as a standard parameter."));
  if (tier == "Standard" && value.size() > kStandardValue)
    return Fail(AwsError::Validation(
        "Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter "
        "value, upgrade the parameter to use the advanced-parameter tier. For more information, see "
        "https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html"));
  if (value.size() > kAdvancedValue)
    return Fail(AwsError::Validation(
        "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length less "
        "than or equal to 8192"));
  v.tier = tier;

  v.allowed_pattern = GetString(in, "AllowedPattern").value_or(prev ? prev->allowed_pattern : "");
  if (!v.allowed_pattern.empty()) {
    bool match = false;
    try {
      match = std::regex_match(value, std::regex(v.allowed_pattern));
    } catch (const std::regex_error&) {
      return Fail(Error("InvalidAllowedPatternException", "The allowed pattern " + v.allowed_pattern +
                                                              " is not a valid regular expression."));
    }
    if (!match)
      return Fail(Error("ParameterPatternMismatchException",
                        "Parameter value, cannot be validated against allowedPattern: " + v.allowed_pattern));
  }
  v.description = GetString(in, "Description").value_or(prev ? prev->description : "");

  std::map<std::string, std::string> tags;
  if (tag_list) {
    aws::MergeTagList(tag_list, tags);
    if (tags.size() > 50) return Fail(Error("TooManyTagsError", "The Tags parameter contains more than 50 tags."));
  }

  if (prev && it->second.versions.size() >= kMaxVersions && !it->second.versions.front().labels.empty())
    return Fail(Error("ParameterMaxVersionLimitExceeded",
                      "You attempted to create a new version of " + name +
                          " by calling the PutParameter API with the overwrite flag. Version " +
                          std::to_string(it->second.versions.front().number) +
                          ", the oldest version, can't be deleted because it has a label associated with it. Move the "
                          "label to another version of the parameter, and try again."));

  if (v.type == "SecureString") {
    v.key_id = GetString(in, "KeyId").value_or(prev && prev->type == "SecureString" ? prev->key_id : "alias/aws/ssm");
    auto sealed = Seal(c, name, v.key_id, value);
    if (!sealed) return Fail(sealed.error());
    v.value = std::move(*sealed);
  } else {
    v.value = value;
  }
  v.number = prev ? prev->number + 1 : 1;
  v.user = c.principal.arn;
  v.modified_ms = c.clock.NowMillis();

  Parameter& p = r.params[name];
  p.name = name;
  if (p.versions.size() >= kMaxVersions) p.versions.erase(p.versions.begin());
  if (tag_list) p.tags = std::move(tags);
  v.policies = std::move(policies);
  int64_t number = v.number;
  int64_t expires = v.ExpiresMs();
  p.versions.push_back(std::move(v));
  Persist(c, p);
  if (expires) ScheduleExpiry(c.account, c.region, name, expires);
  return json::object{{"Version", number}, {"Tier", tier}};
}

SsmService::Out SsmService::GetParameter(Ctx& c, const In& in) {
  Selected s = Select(GetString(in, "Name").value_or(""));
  bool decrypt = GetBool(in, "WithDecryption").value_or(false);
  Region& r = RegionOf(c);
  Parameter* p = Find(c, r, s.name);
  // AWS answers ParameterNotFound for a missing name without a message.
  if (!p) return Fail(Error("ParameterNotFound", ""));
  const Version* v = &p->Latest();
  if (s.version) {
    v = p->Find(*s.version);
    if (!v) return Fail(Error("ParameterVersionNotFound", VersionNotFound(*s.version, s.name)));
  } else if (!s.selector.empty()) {
    v = p->Labelled(s.label);
    if (!v) return Fail(Error("ParameterNotFound", ""));
  }
  auto out = Render(c, *p, *v, decrypt, s.selector);
  if (!out) return Fail(out.error());
  return json::object{{"Parameter", std::move(*out)}};
}

SsmService::Out SsmService::GetParameters(Ctx& c, const In& in) {
  bool decrypt = GetBool(in, "WithDecryption").value_or(false);
  Region& r = RegionOf(c);
  json::array found, invalid;
  std::vector<std::string> seen;
  if (auto* names = GetArray(in, "Names"))
    for (const auto& nv : *names) {
      if (!nv.is_string()) continue;
      std::string ref(nv.get_string());
      if (std::find(seen.begin(), seen.end(), ref) != seen.end()) continue;
      seen.push_back(ref);
      Selected s = Select(ref);
      Parameter* p = Find(c, r, s.name);
      const Version* v = p ? &p->Latest() : nullptr;
      if (p && s.version) v = p->Find(*s.version);
      else if (p && !s.selector.empty()) v = p->Labelled(s.label);
      if (!v) {
        invalid.push_back(json::value(ref));
        continue;
      }
      auto out = Render(c, *p, *v, decrypt, s.selector);
      if (!out) return Fail(out.error());
      found.push_back(std::move(*out));
    }
  return json::object{{"Parameters", std::move(found)}, {"InvalidParameters", std::move(invalid)}};
}

SsmService::Out SsmService::DeleteParameter(Ctx& c, const In& in) {
  Region& r = RegionOf(c);
  Parameter* p = Find(c, r, GetString(in, "Name").value_or(""));
  if (!p) return Fail(Error("ParameterNotFound", ""));
  std::string name = p->name;
  r.params.erase(name);
  Unpersist(c, name);
  return json::object{};
}

SsmService::Out SsmService::DeleteParameters(Ctx& c, const In& in) {
  Region& r = RegionOf(c);
  json::array deleted, invalid;
  if (auto* names = GetArray(in, "Names"))
    for (const auto& nv : *names) {
      if (!nv.is_string()) continue;
      std::string ref(nv.get_string());
      Parameter* p = Find(c, r, ref);
      if (!p) {
        invalid.push_back(json::value(ref));
        continue;
      }
      std::string name = p->name;
      r.params.erase(name);
      Unpersist(c, name);
      deleted.push_back(json::value(ref));
    }
  return json::object{{"DeletedParameters", std::move(deleted)}, {"InvalidParameters", std::move(invalid)}};
}

SsmService::Out SsmService::GetParameterHistory(Ctx& c, const In& in) {
  bool decrypt = GetBool(in, "WithDecryption").value_or(false);
  Region& r = RegionOf(c);
  Parameter* p = Find(c, r, GetString(in, "Name").value_or(""));
  if (!p) return Fail(Error("ParameterNotFound", ""));
  auto start = PageStart(in);
  if (!start) return Fail(start.error());
  size_t limit = static_cast<size_t>(GetInt(in, "MaxResults").value_or(50));
  json::array list;
  size_t i = *start;
  for (; i < p->versions.size() && list.size() < limit; ++i) {
    const Version& v = p->versions[i];
    auto value = ValueOf(c, *p, v, decrypt);
    if (!value) return Fail(value.error());
    json::object o;
    o["Name"] = p->name;
    o["Type"] = v.type;
    if (v.type == "SecureString") o["KeyId"] = v.key_id;
    o["LastModifiedDate"] = static_cast<double>(v.modified_ms) / 1000.0;
    o["LastModifiedUser"] = v.user;
    if (!v.description.empty()) o["Description"] = v.description;
    o["Value"] = *value;
    if (!v.allowed_pattern.empty()) o["AllowedPattern"] = v.allowed_pattern;
    o["Version"] = v.number;
    json::array labels;
    for (const auto& l : v.labels) labels.push_back(json::value(l));
    o["Labels"] = std::move(labels);
    o["Tier"] = v.tier;
    o["Policies"] = PoliciesJson(v, c.clock.NowMillis());
    o["DataType"] = v.data_type;
    list.push_back(std::move(o));
  }
  json::object out{{"Parameters", std::move(list)}};
  if (i < p->versions.size()) out["NextToken"] = NextToken(i);
  return out;
}

SsmService::Out SsmService::LabelParameterVersion(Ctx& c, const In& in) {
  Region& r = RegionOf(c);
  std::string ref(GetString(in, "Name").value_or(""));
  Parameter* p = Find(c, r, ref);
  if (!p) return Fail(Error("ParameterNotFound", ""));
  Version* v = &p->versions.back();
  if (auto n = GetInt(in, "ParameterVersion")) {
    v = p->Find(*n);
    if (!v) return Fail(Error("ParameterVersionNotFound", VersionNotFound(*n, ref)));
  }
  json::array invalid;
  std::vector<std::string> add;
  if (auto* labels = GetArray(in, "Labels"))
    for (const auto& lv : *labels) {
      if (!lv.is_string()) continue;
      std::string l(lv.get_string());
      if (!ValidLabel(l)) {
        invalid.push_back(json::value(l));
        continue;
      }
      if (std::find(v->labels.begin(), v->labels.end(), l) == v->labels.end() &&
          std::find(add.begin(), add.end(), l) == add.end())
        add.push_back(l);
    }
  if (v->labels.size() + add.size() > kMaxLabels)
    return Fail(Error("ParameterVersionLabelLimitExceeded",
                      "A parameter version can have maximum 10 labels.Move one or more labels to another version and "
                      "try again."));
  // A label names one version of a parameter: attaching it moves it.
  for (auto& other : p->versions)
    if (&other != v)
      std::erase_if(other.labels, [&](const std::string& l) { return std::find(add.begin(), add.end(), l) != add.end(); });
  for (auto& l : add) v->labels.push_back(std::move(l));
  Persist(c, *p);
  return json::object{{"InvalidLabels", std::move(invalid)}, {"ParameterVersion", v->number}};
}

SsmService::Out SsmService::UnlabelParameterVersion(Ctx& c, const In& in) {
  Region& r = RegionOf(c);
  std::string ref(GetString(in, "Name").value_or(""));
  Parameter* p = Find(c, r, ref);
  if (!p) return Fail(Error("ParameterNotFound", ""));
  int64_t n = GetInt(in, "ParameterVersion").value_or(0);
  Version* v = p->Find(n);
  if (!v) return Fail(Error("ParameterVersionNotFound", VersionNotFound(n, ref)));
  json::array removed, invalid;
  if (auto* labels = GetArray(in, "Labels"))
    for (const auto& lv : *labels) {
      if (!lv.is_string()) continue;
      std::string l(lv.get_string());
      auto at = std::find(v->labels.begin(), v->labels.end(), l);
      if (at == v->labels.end()) {
        invalid.push_back(json::value(l));
        continue;
      }
      v->labels.erase(at);
      removed.push_back(json::value(l));
    }
  Persist(c, *p);
  return json::object{{"RemovedLabels", std::move(removed)}, {"InvalidLabels", std::move(invalid)}};
}

}  // namespace stratus::ssm
