// GetRandomPassword, resource policies, tags and rotation settings.
#include <boost/json/parse.hpp>

#include <algorithm>

#include "core/encoding.h"
#include "services/secretsmanager/secretsmanager.h"

namespace stratus::secretsmanager {

namespace {

AwsError InvalidParameter(std::string message) {
  return aws::ModelErrorFor(*aws::CompiledService("secretsmanager"), "InvalidParameterException",
                            std::move(message));
}

// A uniform index below n from the CSPRNG (rejection sampling, no modulo bias).
size_t Pick(size_t n) {
  for (;;) {
    std::string b = RandomBytes(2);
    uint32_t x = (static_cast<unsigned char>(b[0]) << 8) | static_cast<unsigned char>(b[1]);
    uint32_t limit = 65536 - 65536 % static_cast<uint32_t>(n);
    if (x < limit) return x % n;
  }
}

bool ValidPolicy(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return !ec && v.is_object();
}

}  // namespace

Result<std::string> RandomPassword(const json::object& in) {
  int64_t length = GetInt(in, "PasswordLength").value_or(32);
  if (length < 1 || length > 4096)
    return Fail(InvalidParameter("Password length must be between 1 and 4096."));
  std::string_view exclude = GetString(in, "ExcludeCharacters").value_or("");
  // The classes and the punctuation set of the GetRandomPassword reference.
  std::vector<std::string> classes;
  auto add = [&](std::string_view chars, const char* flag) {
    if (flag && GetBool(in, flag).value_or(false)) return;
    std::string kept;
    for (char ch : chars)
      if (exclude.find(ch) == std::string_view::npos) kept.push_back(ch);
    if (!kept.empty()) classes.push_back(std::move(kept));
  };
  add("abcdefghijklmnopqrstuvwxyz", "ExcludeLowercase");
  add("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "ExcludeUppercase");
  add("0123456789", "ExcludeNumbers");
  add("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "ExcludePunctuation");
  if (GetBool(in, "IncludeSpace").value_or(false)) add(" ", nullptr);
  if (classes.empty())
    return Fail(InvalidParameter("The password can't be generated because every character type is excluded."));
  bool each = GetBool(in, "RequireEachIncludedType").value_or(true);
  if (each && static_cast<size_t>(length) < classes.size())
    return Fail(InvalidParameter("Password length is too short based on the required types."));
  std::string all;
  for (const auto& c : classes) all += c;
  std::string out;
  size_t n = static_cast<size_t>(length);
  if (each)
    for (const auto& c : classes) out.push_back(c[Pick(c.size())]);
  while (out.size() < n) out.push_back(all[Pick(all.size())]);
  // Shuffle so the required characters are not always first (Fisher-Yates).
  for (size_t i = out.size(); i > 1; --i) std::swap(out[i - 1], out[Pick(i)]);
  return out;
}

auto SecretsManagerService::GetRandomPassword(Ctx&, const In& in) -> Out {
  auto p = RandomPassword(in);
  if (!p) return Fail(p.error());
  return json::object{{"RandomPassword", *p}};
}

auto SecretsManagerService::GetResourcePolicy(Ctx& c, const In& in) -> Out {
  auto s = ResolveInput(c, in, false);
  if (!s) return Fail(s.error());
  json::object out{{"ARN", (*s)->arn}, {"Name", (*s)->name}};
  if (!(*s)->policy.empty()) out["ResourcePolicy"] = (*s)->policy;
  return out;
}

auto SecretsManagerService::PutResourcePolicy(Ctx& c, const In& in) -> Out {
  auto s = ResolveInput(c, in, true);
  if (!s) return Fail(s.error());
  if (auto e = CheckPrimary(**s)) return Fail(*e);
  std::string policy(GetString(in, "ResourcePolicy").value_or(""));
  if (!ValidPolicy(policy))
    return Fail(Error("MalformedPolicyDocumentException",
                      "The policy document that you provided isn't valid JSON."));
  (*s)->policy = std::move(policy);
  (*s)->changed_ms = c.clock.NowMillis();
  Persist(&c, **s);
  return json::object{{"ARN", (*s)->arn}, {"Name", (*s)->name}};
}

auto SecretsManagerService::DeleteResourcePolicy(Ctx& c, const In& in) -> Out {
  auto s = ResolveInput(c, in, true);
  if (!s) return Fail(s.error());
  if (auto e = CheckPrimary(**s)) return Fail(*e);
  (*s)->policy.clear();
  (*s)->changed_ms = c.clock.NowMillis();
  Persist(&c, **s);
  return json::object{{"ARN", (*s)->arn}, {"Name", (*s)->name}};
}

auto SecretsManagerService::ValidateResourcePolicy(Ctx& c, const In& in) -> Out {
  if (GetString(in, "SecretId")) {
    auto s = ResolveInput(c, in, false);
    if (!s) return Fail(s.error());
  }
  if (!ValidPolicy(GetString(in, "ResourcePolicy").value_or("")))
    return Fail(Error("MalformedPolicyDocumentException",
                      "The policy document that you provided isn't valid JSON."));
  return json::object{{"PolicyValidationPassed", true}, {"ValidationErrors", json::array{}}};
}

auto SecretsManagerService::TagResource(Ctx& c, const In& in) -> Out {
  auto s = ResolveInput(c, in, true);
  if (!s) return Fail(s.error());
  if (auto e = CheckPrimary(**s)) return Fail(*e);
  (*s)->MergeTags(GetArray(in, "Tags"));
  (*s)->changed_ms = c.clock.NowMillis();
  Persist(&c, **s);
  return json::object{};
}

auto SecretsManagerService::UntagResource(Ctx& c, const In& in) -> Out {
  auto s = ResolveInput(c, in, true);
  if (!s) return Fail(s.error());
  if (auto e = CheckPrimary(**s)) return Fail(*e);
  if (auto* keys = GetArray(in, "TagKeys"))
    for (const auto& k : *keys)
      if (k.is_string())
        std::erase_if((*s)->tags, [&](auto& p) { return p.first == k.get_string(); });
  (*s)->changed_ms = c.clock.NowMillis();
  Persist(&c, **s);
  return json::object{};
}

auto SecretsManagerService::RotateSecret(Ctx& c, const In& in) -> Out {
  auto s = ResolveInput(c, in, true);
  if (!s) return Fail(s.error());
  if (auto e = CheckPrimary(**s)) return Fail(*e);
  std::string lambda(GetString(in, "RotationLambdaARN").value_or((*s)->rotation_lambda));
  if (lambda.empty())
    return Fail(Error("InvalidRequestException",
                      "No Lambda rotation function ARN is associated with this secret."));
  int64_t now = c.clock.NowMillis();
  if (auto* rules = GetObject(in, "RotationRules")) {
    auto days = GetInt(*rules, "AutomaticallyAfterDays");
    if (days && (*days < 1 || *days > 1000))
      return Fail(Error("InvalidParameterException",
                        "The AutomaticallyAfterDays value must be between 1 and 1000 days."));
    (*s)->rotation_rules = *rules;
  }
  (*s)->rotation_lambda = lambda;
  (*s)->rotation_enabled = true;
  // The Lambda is not invoked (README); the schedule is recorded for DescribeSecret.
  if (auto days = GetInt((*s)->rotation_rules, "AutomaticallyAfterDays"))
    (*s)->next_rotation_ms = now + *days * 86'400'000;
  else
    (*s)->next_rotation_ms = 0;
  (*s)->changed_ms = now;
  Persist(&c, **s);
  return json::object{{"ARN", (*s)->arn}, {"Name", (*s)->name}};
}

auto SecretsManagerService::CancelRotateSecret(Ctx& c, const In& in) -> Out {
  auto s = ResolveInput(c, in, true);
  if (!s) return Fail(s.error());
  if (auto e = CheckPrimary(**s)) return Fail(*e);
  (*s)->rotation_enabled = false;
  (*s)->next_rotation_ms = 0;
  (*s)->changed_ms = c.clock.NowMillis();
  Persist(&c, **s);
  return json::object{{"ARN", (*s)->arn}, {"Name", (*s)->name}};
}

}  // namespace stratus::secretsmanager
