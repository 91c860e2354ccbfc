// Secrets and their versions: create, read, write, describe, list, stage labels, deletion.
#include <algorithm>
#include <cctype>

#include "core/encoding.h"
#include "services/secretsmanager/secretsmanager.h"

namespace stratus::secretsmanager {

namespace {

constexpr std::string_view kAlnum =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 512) return false;
  for (char ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch)) &&
        std::string_view("/_+=.@-!").find(ch) == std::string_view::npos)
      return false;
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// Whether `value` is a prefix of `attr` or of one of its words (ListSecrets "all").
bool WordPrefix(std::string_view attr, std::string_view value, bool fold) {
  std::string a = fold ? Lower(attr) : std::string(attr);
  std::string v = fold ? Lower(value) : std::string(value);
  if (a.starts_with(v)) return true;
  for (size_t i = 0; i < a.size(); ++i)
    if (!std::isalnum(static_cast<unsigned char>(a[i])) && std::string_view(a).substr(i + 1).starts_with(v))
      return true;
  return false;
}

// ListSecrets filters (AWS's ListSecrets reference): values of one filter are ORed, filters
// ANDed; name and description match by prefix, not case-sensitive; tag-key and tag-value by
// prefix, case-sensitive; "all" by word prefix in any of them; a leading '!' negates.
bool Matches(const Secret& s, const json::array* filters) {
  if (!filters) return true;
  for (const auto& fv : *filters) {
    if (!fv.is_object()) continue;
    auto key = GetString(fv.get_object(), "Key").value_or("");
    const json::array* values = GetArray(fv.get_object(), "Values");
    if (!values) continue;
    bool any = false;
    for (const auto& vv : *values) {
      if (!vv.is_string()) continue;
      std::string_view v = vv.get_string();
      bool negate = v.starts_with('!');
      if (negate) v.remove_prefix(1);
      bool hit = false;
      if (key == "name") {
        hit = Lower(s.name).starts_with(Lower(v));
      } else if (key == "description") {
        hit = Lower(s.description).starts_with(Lower(v));
      } else if (key == "tag-key") {
        for (const auto& [k, tv] : s.tags) hit |= k.starts_with(v);
      } else if (key == "tag-value") {
        for (const auto& [k, tv] : s.tags) hit |= tv.starts_with(v);
      } else if (key == "all") {
        hit = WordPrefix(s.name, v, true) || WordPrefix(s.description, v, true);
        for (const auto& [k, tv] : s.tags) hit |= WordPrefix(k, v, true) || WordPrefix(tv, v, true);
      } else if (key == "primary-region") {
        // Replicated secrets only: a replica's primary region, or a primary's own.
        std::string_view primary = !s.primary_region.empty() ? std::string_view(s.primary_region)
                                   : !s.replicas.empty()     ? std::string_view(s.region)
                                                             : std::string_view();
        hit = !primary.empty() && primary.starts_with(v);
      } else if (key == "owning-service") {
        hit = false;  // Stratus has no managed secrets.
      }
      if (hit != negate) any = true;
    }
    if (!any) return false;
  }
  return true;
}

// A page of `n` items from the NextToken (an offset Stratus hands out).
Result<std::pair<size_t, size_t>> PageOf(const json::object& in, size_t n, const AwsError& bad) {
  size_t start = 0;
  if (auto tok = GetString(in, "NextToken")) {
    bool ok = !tok->empty() && tok->size() < 10;
    for (char ch : *tok) ok &= ch >= '0' && ch <= '9';
    if (!ok) return Fail(bad);
    start = std::stoul(std::string(*tok));
    if (start > n) return Fail(bad);
  }
  int64_t max = std::clamp<int64_t>(GetInt(in, "MaxResults").value_or(100), 1, 100);
  return std::pair<size_t, size_t>{start, std::min(n, start + static_cast<size_t>(max))};
}

json::array Stages(const Version& v) {
  json::array a;
  for (const auto& s : v.stages) a.push_back(json::string(s));
  return a;
}

}  // namespace

auto SecretsManagerService::CreateSecret(Ctx& c, const In& in) -> Out {
  std::string name(GetString(in, "Name").value_or(""));
  if (!ValidName(name))
    return Fail(Error("InvalidParameterException",
                      "Invalid name. Must be a valid name containing alphanumeric characters, or "
                      "any of the following: -/_+=.@!"));
  auto value = ValueOf(in);
  if (!value) return Fail(value.error());
  std::string token(GetString(in, "ClientRequestToken").value_or(""));
  if (token.empty()) token = NewUuid();
  Region& r = RegionOf(c);
  int64_t now = c.clock.NowMillis();
  if (auto it = r.find(name); it != r.end()) {
    Secret& s = it->second;
    if (s.deleted_ms)
      return Fail(Error("InvalidRequestException",
                        "You can't create this secret because a secret with this name is already "
                        "scheduled for deletion."));
    // A retried CreateSecret (same ClientRequestToken, same value) answers as the first did.
    if (Version* v = s.Find(token)) {
      bool same = *value ? SameValue(c, s, *v, (*value)->value, (*value)->binary) : false;
      if (!same)
        return Fail(Error("ResourceExistsException",
                          "You can't modify an existing version, you can only create a new version."));
      return json::object{{"ARN", s.arn}, {"Name", s.name}, {"VersionId", v->id}};
    }
    return Fail(Error("ResourceExistsException",
                      "The operation failed because the secret " + name + " already exists."));
  }
  Secret s;
  s.account = c.account;
  s.region = c.region;
  s.name = name;
  s.arn = "arn:aws:secretsmanager:" + c.region + ":" + c.account + ":secret:" + name + "-" +
          RandomString(6, kAlnum);
  s.description = std::string(GetString(in, "Description").value_or(""));
  s.kms_key_id = std::string(GetString(in, "KmsKeyId").value_or(""));
  s.created_ms = s.changed_ms = now;
  s.MergeTags(GetArray(in, "Tags"));
  json::object out{{"ARN", s.arn}, {"Name", s.name}};
  if (*value) {
    auto sealed = Seal(c, s, token, (*value)->value);
    if (!sealed) return Fail(sealed.error());
    AddVersion(s, token, std::move(*sealed), (*value)->binary, {"AWSCURRENT"}, now);
    out["VersionId"] = token;
  }
  const json::array* replicas = GetArray(in, "AddReplicaRegions");
  if (replicas && !replicas->empty()) {
    auto status = AddReplicas(c, s, replicas, GetBool(in, "ForceOverwriteReplicaSecret").value_or(false));
    if (!status) return Fail(status.error());
    out["ReplicationStatus"] = std::move(*status);
  }
  Persist(&c, s);
  r[name] = std::move(s);
  return out;
}

auto SecretsManagerService::GetSecretValue(Ctx& c, const In& in) -> Out {
  auto s = ResolveInput(c, in, true);
  if (!s) return Fail(s.error());
  auto vid = GetString(in, "VersionId");
  auto stage = GetString(in, "VersionStage");
  Version* v = nullptr;
  if (vid) {
    v = (*s)->Find(*vid);
    if (!v)
      return Fail(Error("ResourceNotFoundException",
                        "Secrets Manager can't find the specified secret value for VersionId: " +
                            std::string(*vid)));
    if (stage && !v->Has(*stage))
      return Fail(Error("InvalidRequestException",
                        "You provided a VersionStage that is not associated to the provided VersionId."));
  } else {
    std::string label(stage.value_or("AWSCURRENT"));
    v = (*s)->WithStage(label);
    if (!v)
      return Fail(Error("ResourceNotFoundException",
                        "Secrets Manager can't find the specified secret value for staging label: " +
                            label));
  }
  int64_t now = c.clock.NowMillis();
  // Only the date of the last access is visible; persist when it changes day.
  bool new_day = (*s)->accessed_ms / 86'400'000 != now / 86'400'000 ||
                 v->accessed_ms / 86'400'000 != now / 86'400'000;
  (*s)->accessed_ms = now;
  v->accessed_ms = now;
  if (new_day) Persist(&c, **s);
  json::object out{{"ARN", (*s)->arn}, {"Name", (*s)->name}, {"VersionId", v->id}};
  auto plain = Unseal(c, **s, *v);
  if (!plain) return Fail(plain.error());
  out[v->binary ? "SecretBinary" : "SecretString"] = std::move(*plain);
  out["VersionStages"] = Stages(*v);
  out["CreatedDate"] = Seconds(v->created_ms);
  return out;
}

auto SecretsManagerService::BatchGetSecretValue(Ctx& c, const In& in) -> Out {
  const json::array* ids = GetArray(in, "SecretIdList");
  const json::array* filters = GetArray(in, "Filters");
  if ((ids != nullptr) == (filters != nullptr))
    return Fail(Error("InvalidParameterException",
                      "Either 'SecretIdList' or 'Filters' must be provided, but not both."));
  json::array values, errors;
  json::object out;
  auto get = [&](std::string_view id) {
    json::object one{{"SecretId", id}};
    auto got = GetSecretValue(c, one);
    if (got) {
      values.push_back(std::move(*got));
    } else {
      errors.push_back(json::object{{"SecretId", id},
                                    {"ErrorCode", got.error().code},
                                    {"Message", got.error().message}});
    }
  };
  if (ids) {
    if (stratus::Find(in, "MaxResults"))
      return Fail(Error("InvalidParameterException",
                        "The parameter MaxResults can only be used with Filters."));
    for (const auto& id : *ids)
      if (id.is_string()) get(id.get_string());
  } else {
    Region& r = RegionOf(c);
    std::vector<std::string> names;
    for (const auto& [name, s] : r)
      if (!s.deleted_ms && Matches(s, filters)) names.push_back(name);
    auto page = PageOf(in, names.size(),
                       Error("InvalidNextTokenException", "The NextToken value is invalid."));
    if (!page) return Fail(page.error());
    for (size_t i = page->first; i < page->second; ++i) get(names[i]);
    if (page->second < names.size()) out["NextToken"] = std::to_string(page->second);
  }
  out["SecretValues"] = std::move(values);
  out["Errors"] = std::move(errors);
  return out;
}

auto SecretsManagerService::PutSecretValue(Ctx& c, const In& in) -> Out {
  auto s = ResolveInput(c, in, true);
  if (!s) return Fail(s.error());
  if (auto e = CheckPrimary(**s)) return Fail(*e);
  auto value = ValueOf(in);
  if (!value) return Fail(value.error());
  if (!*value)
    return Fail(Error("InvalidRequestException",
                      "You must provide either SecretString or SecretBinary."));
  std::vector<std::string> stages;
  if (auto* given = GetArray(in, "VersionStages")) {
    for (const auto& x : *given)
      if (x.is_string()) stages.emplace_back(x.get_string());
  } else {
    stages.push_back("AWSCURRENT");
  }
  std::string token(GetString(in, "ClientRequestToken").value_or(""));
  if (token.empty()) token = NewUuid();
  if (Version* v = (*s)->Find(token)) {
    if (!SameValue(c, **s, *v, (*value)->value, (*value)->binary))
      return Fail(Error("ResourceExistsException",
                        "You can't modify an existing version, you can only create a new version."));
    return json::object{{"ARN", (*s)->arn}, {"Name", (*s)->name}, {"VersionId", v->id},
                        {"VersionStages", Stages(*v)}};
  }
  auto sealed = Seal(c, **s, token, (*value)->value);
  if (!sealed) return Fail(sealed.error());
  AddVersion(**s, token, std::move(*sealed), (*value)->binary, stages, c.clock.NowMillis());
  Persist(&c, **s);
  return json::object{{"ARN", (*s)->arn}, {"Name", (*s)->name}, {"VersionId", token},
                      {"VersionStages", Stages(*(*s)->Find(token))}};
}

auto SecretsManagerService::UpdateSecret(Ctx& c, const In& in) -> Out {
  auto s = ResolveInput(c, in, true);
  if (!s) return Fail(s.error());
  if (auto e = CheckPrimary(**s)) return Fail(*e);
  auto value = ValueOf(in);
  if (!value) return Fail(value.error());
  json::object out{{"ARN", (*s)->arn}, {"Name", (*s)->name}};
  int64_t now = c.clock.NowMillis();
  if (*value) {
    std::string token(GetString(in, "ClientRequestToken").value_or(""));
    if (token.empty()) token = NewUuid();
    if (Version* v = (*s)->Find(token)) {
      if (!SameValue(c, **s, *v, (*value)->value, (*value)->binary))
        return Fail(Error("ResourceExistsException",
                          "You can't modify an existing version, you can only create a new version."));
    } else {
      // A new KmsKeyId applies to the new version too.
      std::string old_key = (*s)->kms_key_id;
      if (auto k = GetString(in, "KmsKeyId")) (*s)->kms_key_id = std::string(*k);
      auto sealed = Seal(c, **s, token, (*value)->value);
      (*s)->kms_key_id = old_key;
      if (!sealed) return Fail(sealed.error());
      AddVersion(**s, token, std::move(*sealed), (*value)->binary, {"AWSCURRENT"}, now);
    }
    out["VersionId"] = token;
  }
  if (auto d = GetString(in, "Description")) (*s)->description = std::string(*d);
  if (auto k = GetString(in, "KmsKeyId")) (*s)->kms_key_id = std::string(*k);
  (*s)->changed_ms = now;
  Persist(&c, **s);
  return out;
}

auto SecretsManagerService::DescribeSecret(Ctx& c, const In& in) -> Out {
  auto s = ResolveInput(c, in, false);
  if (!s) return Fail(s.error());
  return Summary(**s, false);
}

auto SecretsManagerService::ListSecrets(Ctx& c, const In& in) -> Out {
  Region& r = RegionOf(c);
  bool planned = GetBool(in, "IncludePlannedDeletion").value_or(false);
  const json::array* filters = GetArray(in, "Filters");
  std::vector<const Secret*> all;
  for (const auto& [name, s] : r)
    if ((planned || !s.deleted_ms) && Matches(s, filters)) all.push_back(&s);
  std::string by(GetString(in, "SortBy").value_or("created-date"));
  bool desc = GetString(in, "SortOrder").value_or("asc") == "desc";
  auto key = [&](const Secret* s) -> std::pair<int64_t, std::string> {
    if (by == "name") return {0, s->name};
    if (by == "last-changed-date") return {s->changed_ms, s->name};
    if (by == "last-accessed-date") return {s->accessed_ms, s->name};
    return {s->created_ms, s->name};
  };
  std::stable_sort(all.begin(), all.end(), [&](const Secret* a, const Secret* b) {
    return desc ? key(b) < key(a) : key(a) < key(b);
  });
  auto page = PageOf(in, all.size(), Error("InvalidNextTokenException", "The NextToken value is invalid."));
  if (!page) return Fail(page.error());
  json::array list;
  for (size_t i = page->first; i < page->second; ++i) list.push_back(Summary(*all[i], true));
  json::object out{{"SecretList", std::move(list)}};
  if (page->second < all.size()) out["NextToken"] = std::to_string(page->second);
  return out;
}

auto SecretsManagerService::ListSecretVersionIds(Ctx& c, const In& in) -> Out {
  auto s = ResolveInput(c, in, false);
  if (!s) return Fail(s.error());
  bool deprecated = GetBool(in, "IncludeDeprecated").value_or(false);
  std::vector<const Version*> all;
  for (const auto& v : (*s)->versions)
    if (deprecated || !v.stages.empty()) all.push_back(&v);
  auto page = PageOf(in, all.size(), Error("InvalidNextTokenException", "The NextToken value is invalid."));
  if (!page) return Fail(page.error());
  json::array list;
  for (size_t i = page->first; i < page->second; ++i) {
    json::object e{{"VersionId", all[i]->id}, {"VersionStages", Stages(*all[i])},
                   {"CreatedDate", Seconds(all[i]->created_ms)}};
    if (all[i]->accessed_ms)
      e["LastAccessedDate"] = Seconds(all[i]->accessed_ms - all[i]->accessed_ms % 86'400'000);
    list.push_back(std::move(e));
  }
  json::object out{{"Versions", std::move(list)}, {"ARN", (*s)->arn}, {"Name", (*s)->name}};
  if (page->second < all.size()) out["NextToken"] = std::to_string(page->second);
  return out;
}

auto SecretsManagerService::UpdateSecretVersionStage(Ctx& c, const In& in) -> Out {
  auto s = ResolveInput(c, in, true);
  if (!s) return Fail(s.error());
  if (auto e = CheckPrimary(**s)) return Fail(*e);
  std::string stage(GetString(in, "VersionStage").value_or(""));
  auto remove = GetString(in, "RemoveFromVersionId");
  auto move = GetString(in, "MoveToVersionId");
  Version* to = nullptr;
  if (move) {
    to = (*s)->Find(*move);
    if (!to)
      return Fail(Error("InvalidParameterException",
                        "The version " + std::string(*move) + " doesn't exist."));
  }
  Version* from = (*s)->WithStage(stage);
  if (remove) {
    Version* named = (*s)->Find(*remove);
    if (!named || named != from)
      return Fail(Error("InvalidParameterException",
                        "The staging label " + stage + " is not attached to version " +
                            std::string(*remove) + "."));
  } else if (from && from != to) {
    return Fail(Error("InvalidParameterException",
                      "The parameter RemoveFromVersionId can't be empty. Staging label " + stage +
                          " is currently attached to version " + from->id +
                          ", so you must explicitly reference that version in RemoveFromVersionId."));
  }
  if (!to && stage == "AWSCURRENT")
    return Fail(Error("InvalidParameterException",
                      "You can't remove the staging label AWSCURRENT from a version without moving "
                      "it to another version."));
  if (to) {
    MoveStage(**s, stage, to);
  } else if (from) {
    std::erase(from->stages, stage);
  }
  (*s)->changed_ms = c.clock.NowMillis();
  Persist(&c, **s);
  return json::object{{"ARN", (*s)->arn}, {"Name", (*s)->name}};
}

auto SecretsManagerService::DeleteSecret(Ctx& c, const In& in) -> Out {
  auto s = ResolveInput(c, in, false);
  if (!s) return Fail(s.error());
  if (auto e = CheckPrimary(**s)) return Fail(*e);
  if (!(*s)->replicas.empty()) {
    std::string regions;
    for (const auto& rep : (*s)->replicas) regions += (regions.empty() ? "" : ", ") + rep.region;
    return Fail(Error("InvalidRequestException",
                      "You can't delete secret " + (*s)->name + " that still has replica regions [" + regions + "]"));
  }
  bool force = GetBool(in, "ForceDeleteWithoutRecovery").value_or(false);
  auto days = GetInt(in, "RecoveryWindowInDays");
  if (force && days)
    return Fail(Error("InvalidParameterException",
                      "You can't use ForceDeleteWithoutRecovery in conjunction with "
                      "RecoveryWindowInDays."));
  if (days && (*days < 7 || *days > 30))
    return Fail(Error("InvalidParameterException",
                      "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."));
  if ((*s)->deleted_ms && !force)
    return Fail(Error("InvalidRequestException",
                      "You can't perform this operation on the secret because it was marked for deletion."));
  int64_t now = c.clock.NowMillis();
  json::object out{{"ARN", (*s)->arn}, {"Name", (*s)->name}};
  if (force) {
    out["DeletionDate"] = Seconds(now);
    Unpersist(&c, **s);
    regions_[{c.account, c.region}].erase((*s)->name);
    return out;
  }
  (*s)->deleted_ms = now;
  (*s)->purge_ms = now + days.value_or(30) * 86'400'000;
  out["DeletionDate"] = Seconds((*s)->purge_ms);
  int64_t& due = due_ms_[{c.account, c.region}];
  if (due != 0) due = std::min(due, (*s)->purge_ms);
  Persist(&c, **s);
  return out;
}

auto SecretsManagerService::RestoreSecret(Ctx& c, const In& in) -> Out {
  auto s = ResolveInput(c, in, false);
  if (!s) return Fail(s.error());
  if (auto e = CheckPrimary(**s)) return Fail(*e);
  (*s)->deleted_ms = 0;
  (*s)->purge_ms = 0;
  (*s)->changed_ms = c.clock.NowMillis();
  Persist(&c, **s);
  return json::object{{"ARN", (*s)->arn}, {"Name", (*s)->name}};
}

}  // namespace stratus::secretsmanager
