// Listing operations: GetParametersByPath and DescribeParameters, with their filters.
#include <algorithm>
#include <cctype>
#include <set>

#include "services/ssm/ssm.h"

namespace stratus::ssm {
namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Whether `name` lies under `path` (one level, or any depth when recursive).
bool UnderPath(std::string_view name, std::string path, bool recursive) {
  if (!path.ends_with('/')) path += '/';
  if (!name.starts_with(path)) return false;
  std::string_view rest = name.substr(path.size());
  return !rest.empty() && (recursive || rest.find('/') == std::string_view::npos);
}

bool ValidPath(std::string_view path) {
  if (!path.starts_with('/')) return false;
  for (char ch : path)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '.' && ch != '-' && ch != '/') return false;
  return true;
}

const char* kPathMessage =
    "The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash "
    "\"/\". It can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). It must use only letters, numbers, or the "
    "following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if "
    "specified, must use the forward slash symbol \"/\". Valid example: /get/parameters2-/by1./path0_.";

bool MatchString(std::string_view option, std::string_view have, const std::vector<std::string>& values) {
  for (const auto& want : values) {
    if (option == "BeginsWith" ? have.starts_with(want)
        : option == "Contains" ? have.find(want) != std::string_view::npos
                               : have == want)
      return true;
  }
  return false;
}

std::string_view Bare(std::string_view name) { return name.starts_with('/') ? name.substr(1) : name; }

}  // namespace

Result<std::vector<Filter>> ParseFilters(const json::array* filters, bool by_path) {
  std::vector<Filter> out;
  if (!filters) return out;
  std::set<std::string> seen;
  for (const auto& fv : *filters) {
    if (!fv.is_object()) continue;
    const auto& fo = fv.get_object();
    Filter f;
    f.key = GetString(fo, "Key").value_or("");
    f.option = GetString(fo, "Option").value_or(f.key == "Path" ? "OneLevel" : "Equals");
    if (auto* vals = GetArray(fo, "Values"))
      for (const auto& v : *vals)
        if (v.is_string()) f.values.emplace_back(v.get_string());
    bool tag = f.key.starts_with("tag:");
    if (by_path && f.key != "Type" && f.key != "KeyId" && f.key != "Label")
      return Fail(SsmService::Error("InvalidFilterKey", "The following filter key is not valid: " + f.key +
                                                            ". Valid filter keys include: [Type, KeyId, Label]."));
    if (!by_path && f.key == "Label")
      return Fail(SsmService::Error("InvalidFilterKey",
                                    "The following filter key is not valid: Label. Valid filter keys include: [Path, "
                                    "Name, Type, KeyId, Tier, DataType]."));
    if (!seen.insert(f.key).second)
      return Fail(SsmService::Error("InvalidFilterKey", "The following filter is duplicated in the request: " + f.key +
                                                            ". A request can contain only one occurrence of a "
                                                            "specific filter."));
    if (!tag && f.values.empty())
      return Fail(SsmService::Error("InvalidFilterValue", "The following filter values are missing : null for filter "
                                                          "key " + f.key + "."));
    if (f.key == "Path") {
      if (f.option != "OneLevel" && f.option != "Recursive")
        return Fail(SsmService::Error("InvalidFilterOption", "The following filter option is not valid: " + f.option +
                                                                 ". Valid options include: [Recursive, OneLevel]."));
      for (const auto& v : f.values)
        if (!ValidPath(v)) return Fail(AwsError::Validation(kPathMessage));
    } else if (f.key == "Name" || tag) {
      if (f.option != "Equals" && f.option != "BeginsWith" && f.option != "Contains")
        return Fail(SsmService::Error("InvalidFilterOption", "The following filter option is not valid: " + f.option +
                                                                 ". Valid options include: [BeginsWith, Equals, "
                                                                 "Contains]."));
    } else if (f.key == "Tier" || f.key == "Type" || f.key == "DataType" || f.key == "Label") {
      if (f.option != "Equals")
        return Fail(SsmService::Error("InvalidFilterOption", "The following filter option is not valid: " + f.option +
                                                                 ". Valid options include: [Equals]."));
      std::vector<std::string> valid;
      if (f.key == "Tier") valid = {"Standard", "Advanced", "Intelligent-Tiering"};
      if (f.key == "Type") valid = {"String", "StringList", "SecureString"};
      for (const auto& v : f.values)
        if (!valid.empty() && std::find(valid.begin(), valid.end(), v) == valid.end())
          return Fail(SsmService::Error("InvalidFilterValue", "The following filter value is not valid: " + v +
                                                                  ". Valid values include: [" + Join(valid) + "]."));
    } else if (f.option != "Equals" && f.option != "BeginsWith") {
      return Fail(SsmService::Error("InvalidFilterOption", "The following filter option is not valid: " + f.option +
                                                               ". Valid options include: [BeginsWith, Equals]."));
    }
    out.push_back(std::move(f));
  }
  return out;
}

bool Matches(const Filter& f, const Parameter& p, const Version& v) {
  if (f.key == "Name") {
    // Names are compared without their leading slash, as AWS matches "/a" and "a" alike.
    std::vector<std::string> bare;
    for (const auto& w : f.values) bare.emplace_back(Bare(w));
    return MatchString(f.option, Bare(p.name), bare);
  }
  if (f.key == "Path") {
    for (const auto& path : f.values)
      if (UnderPath(p.name, path, f.option == "Recursive")) return true;
    return false;
  }
  if (f.key == "Type") return MatchString(f.option, v.type, f.values);
  if (f.key == "KeyId") return v.type == "SecureString" && MatchString(f.option, v.key_id, f.values);
  if (f.key == "Tier") return MatchString(f.option, v.tier, f.values);
  if (f.key == "DataType") return MatchString(f.option, v.data_type, f.values);
  if (f.key == "Label") {
    for (const auto& ver : p.versions)
      for (const auto& l : ver.labels)
        if (std::find(f.values.begin(), f.values.end(), l) != f.values.end()) return true;
    return false;
  }
  if (f.key.starts_with("tag:")) {
    auto t = p.tags.find(f.key.substr(4));
    return t != p.tags.end() && (f.values.empty() || MatchString(f.option, t->second, f.values));
  }
  return false;
}

SsmService::Out SsmService::GetParametersByPath(Ctx& c, const In& in) {
  std::string path(GetString(in, "Path").value_or(""));
  if (!ValidPath(path)) return Fail(AwsError::Validation(kPathMessage));
  int levels = 0;
  for (char ch : path) levels += ch == '/';
  if (levels > 15)
    return Fail(Error("HierarchyLevelLimitExceededException",
                      "A hierarchy can have a maximum of 15 levels. For more information, see Requirements and "
                      "Constraints for Parameter Names in the AWS Systems Manager User Guide."));
  bool recursive = GetBool(in, "Recursive").value_or(false);
  bool decrypt = GetBool(in, "WithDecryption").value_or(false);
  auto filters = ParseFilters(GetArray(in, "ParameterFilters"), true);
  if (!filters) return Fail(filters.error());
  auto start = PageStart(in);
  if (!start) return Fail(start.error());
  size_t limit = static_cast<size_t>(GetInt(in, "MaxResults").value_or(10));

  Region& r = RegionOf(c);
  // The matching (parameter, version) pairs: the latest version, or with a Label filter the
  // version that carries the label.
  std::vector<std::pair<const Parameter*, const Version*>> all;
  for (auto& [name, p] : r.params) {
    if (!UnderPath(name, path, recursive)) continue;
    const Version* v = &p.Latest();
    bool ok = true;
    for (const auto& f : *filters) {
      if (f.key == "Label") {
        const Version* labelled = nullptr;
        for (const auto& l : f.values)
          if (!labelled) labelled = p.Labelled(l);
        if (!labelled) ok = false;
        else v = labelled;
      }
    }
    for (const auto& f : *filters)
      if (ok && f.key != "Label") ok = Matches(f, p, *v);
    if (ok) all.emplace_back(&p, v);
  }
  json::array list;
  size_t i = *start;
  for (; i < all.size() && list.size() < limit; ++i) {
    auto o = Render(c, *all[i].first, *all[i].second, decrypt, "");
    if (!o) return Fail(o.error());
    list.push_back(std::move(*o));
  }
  json::object out{{"Parameters", std::move(list)}};
  if (i < all.size()) out["NextToken"] = NextToken(i);
  return out;
}

SsmService::Out SsmService::DescribeParameters(Ctx& c, const In& in) {
  const json::array* old = GetArray(in, "Filters");
  const json::array* filters_in = GetArray(in, "ParameterFilters");
  if (old && filters_in)
    return Fail(AwsError::Validation("You can use either Filters or ParameterFilters in a single request."));
  std::vector<Filter> filters;
  if (old) {
    // The older Filters: Name, Type and KeyId; names match by prefix.
    for (const auto& fv : *old) {
      if (!fv.is_object()) continue;
      Filter f;
      f.key = GetString(fv.get_object(), "Key").value_or("");
      f.option = f.key == "Name" ? "BeginsWith" : "Equals";
      if (auto* vals = GetArray(fv.get_object(), "Values"))
        for (const auto& v : *vals)
          if (v.is_string()) f.values.emplace_back(v.get_string());
      filters.push_back(std::move(f));
    }
  } else {
    auto parsed = ParseFilters(filters_in, false);
    if (!parsed) return Fail(parsed.error());
    filters = std::move(*parsed);
  }
  auto start = PageStart(in);
  if (!start) return Fail(start.error());
  size_t limit = static_cast<size_t>(GetInt(in, "MaxResults").value_or(10));

  Region& r = RegionOf(c);
  std::vector<const Parameter*> all;
  for (const auto& [name, p] : r.params) {
    bool ok = true;
    for (const auto& f : filters) ok = ok && Matches(f, p, p.Latest());
    if (ok) all.push_back(&p);
  }
  json::array list;
  size_t i = *start;
  for (; i < all.size() && list.size() < limit; ++i) {
    const Parameter& p = *all[i];
    const Version& v = p.Latest();
    json::object o;
    o["Name"] = p.name;
    o["ARN"] = Arn(c, p.name);
    o["Type"] = v.type;
    if (v.type == "SecureString") o["KeyId"] = v.key_id;
    o["LastModifiedDate"] = static_cast<double>(v.modified_ms) / 1000.0;
    o["LastModifiedUser"] = v.user;
    if (!v.description.empty()) o["Description"] = v.description;
    if (!v.allowed_pattern.empty()) o["AllowedPattern"] = v.allowed_pattern;
    o["Version"] = v.number;
    o["Tier"] = v.tier;
    o["Policies"] = PoliciesJson(v, c.clock.NowMillis());
    o["DataType"] = v.data_type;
    list.push_back(std::move(o));
  }
  json::object out{{"Parameters", std::move(list)}};
  if (i < all.size()) out["NextToken"] = NextToken(i);
  return out;
}

}  // namespace stratus::ssm
