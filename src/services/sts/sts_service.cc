#include "services/sts/sts_service.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "core/encoding.h"
#include "services/sts/credentials.h"
#include "store/store.h"

namespace stratus::sts {
namespace {

using aws::Context;
using aws::IssuedCredential;
using aws::Principal;

constexpr std::string_view kTable = "sts/credentials";

AwsError Validation(std::string msg) { return AwsError::QueryValidation(std::move(msg)); }

// arn:aws:iam::123456789012:role/path/Name -> {account, name}
struct RoleArn {
  std::string account;
  std::string name;
};

std::optional<RoleArn> ParseRoleArn(std::string_view arn) {
  // arn:partition:iam::account:role/[path/]name
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t c = arn.find(':', start);
    if (c == std::string_view::npos) return std::nullopt;
    parts.push_back(arn.substr(start, c - start));
    start = c + 1;
  }
  std::string_view resource = arn.substr(start);
  if (parts[0] != "arn" || parts[2] != "iam" || !resource.starts_with("role/")) return std::nullopt;
  std::string_view name = resource.substr(resource.rfind('/') + 1);
  if (name.empty()) return std::nullopt;
  return RoleArn{std::string(parts[4]), std::string(name)};
}

bool IsRootOrUserKey(const Principal& p) { return !p.arn.starts_with("arn:aws:sts::"); }

class StsServiceImpl final : public aws::ServiceHandler, public aws::CredentialResolver {
 public:
  StsServiceImpl() : ServiceHandler("sts") {
    On("GetCallerIdentity", [](Context& c, const json::object&) -> Result<json::value> {
      json::object out;
      out["UserId"] = c.principal.user_id;
      out["Account"] = c.principal.account;
      out["Arn"] = c.principal.arn;
      return json::value(std::move(out));
    });
    On("AssumeRole", [this](Context& c, const json::object& in) { return AssumeRole(c, in); });
    On("AssumeRoleWithWebIdentity",
       [this](Context& c, const json::object& in) { return AssumeRoleWithWebIdentity(c, in); });
    On("AssumeRoleWithSAML",
       [this](Context& c, const json::object& in) { return AssumeRoleWithSaml(c, in); });
    On("AssumeRoot", [this](Context& c, const json::object& in) { return AssumeRoot(c, in); });
    On("GetSessionToken",
       [this](Context& c, const json::object& in) { return GetSessionToken(c, in); });
    On("GetFederationToken",
       [this](Context& c, const json::object& in) { return GetFederationToken(c, in); });
    On("GetAccessKeyInfo",
       [this](Context& c, const json::object& in) { return GetAccessKeyInfo(c, in); });
    On("DecodeAuthorizationMessage", [](Context& c, const json::object& in) -> Result<json::value> {
      std::string_view msg = GetString(in, "EncodedMessage").value_or("");
      auto raw = Base64Decode(msg);
      boost::system::error_code ec;
      if (raw) json::parse(*raw, ec);
      if (!raw || ec)
        return Fail(c.ModelError("InvalidAuthorizationMessageException",
                                 "The error message provided is not valid. It may have been "
                                 "modified or may be encoded for a different account."));
      json::object out;
      out["DecodedMessage"] = *raw;
      return json::value(std::move(out));
    });
  }

  void Start(aws::ServiceEnv& env) override {
    store_ = &env.store;
    default_account_ = env.default_account;
    clock_ = &env.clock;
    std::unique_lock lock(mu_);
    env.store.Scan(kTable, [&](std::string_view, std::string_view key, std::string_view value) {
      boost::system::error_code ec;
      auto v = json::parse(value, ec);
      if (ec || !v.is_object()) return;
      const auto& o = v.as_object();
      IssuedCredential cred;
      cred.secret = GetString(o, "secret").value_or("");
      cred.session_token = GetString(o, "token").value_or("");
      cred.expires_ms = GetInt(o, "expires").value_or(0);
      cred.principal.account = GetString(o, "account").value_or("");
      cred.principal.arn = GetString(o, "arn").value_or("");
      cred.principal.user_id = GetString(o, "user_id").value_or("");
      cred.principal.access_key = key;
      issued_[std::string(key)] = std::move(cred);
    });
  }

  void Reset() override {
    std::unique_lock lock(mu_);
    issued_.clear();
    if (store_) store_->DeletePrefix(kTable);
  }

  std::optional<IssuedCredential> Lookup(std::string_view access_key) const override {
    std::shared_lock lock(mu_);
    auto it = issued_.find(std::string(access_key));
    if (it == issued_.end()) return std::nullopt;
    return it->second;
  }

 private:
  // Issues credentials for `principal`, valid for `seconds`, and records them.
  json::value Issue(Context& c, Principal principal, int64_t seconds) {
    int64_t now = c.clock.NowMillis();
    IssuedCredential cred;
    cred.secret = NewSecretAccessKey();
    cred.session_token = NewSessionToken();
    cred.expires_ms = now + seconds * 1000;
    std::string key = NewAccessKeyId("ASIA", principal.account);
    principal.access_key = key;
    cred.principal = principal;
    json::object out;
    out["AccessKeyId"] = key;
    out["SecretAccessKey"] = cred.secret;
    out["SessionToken"] = cred.session_token;
    out["Expiration"] = cred.expires_ms / 1000;
    {
      std::unique_lock lock(mu_);
      if (c.store.persistent()) {
        json::object rec;
        rec["secret"] = cred.secret;
        rec["token"] = cred.session_token;
        rec["expires"] = cred.expires_ms;
        rec["account"] = principal.account;
        rec["arn"] = principal.arn;
        rec["user_id"] = principal.user_id;
        c.Persisted(c.store.Put(kTable, key, json::serialize(rec)));
      }
      PruneExpired(now);
      issued_[key] = std::move(cred);
    }
    return json::value(std::move(out));
  }

  // Drops credentials that expired over a day ago (called with mu_ held).
  void PruneExpired(int64_t now) {
    if (++issues_since_prune_ < 1024) return;
    issues_since_prune_ = 0;
    for (auto it = issued_.begin(); it != issued_.end();) {
      if (it->second.expires_ms + 86'400'000 < now) {
        if (store_) store_->Delete(kTable, it->first);
        it = issued_.erase(it);
      } else {
        ++it;
      }
    }
  }

  Result<json::value> AssumedRole(Context& c, const json::object& in, std::string_view session,
                                  json::object out) {
    std::string_view role_arn = GetString(in, "RoleArn").value_or("");
    auto role = ParseRoleArn(role_arn);
    if (!role)
      return Fail(Validation(std::string(role_arn) + " is invalid"));
    int64_t duration = GetInt(in, "DurationSeconds").value_or(3600);
    Principal p;
    p.account = role->account;
    std::string role_id = RoleUniqueId(role_arn);
    p.user_id = role_id + ":" + std::string(session);
    p.arn = "arn:aws:sts::" + role->account + ":assumed-role/" + role->name + "/" + std::string(session);
    out["Credentials"] = Issue(c, p, duration);
    json::object user;
    user["AssumedRoleId"] = p.user_id;
    user["Arn"] = p.arn;
    out["AssumedRoleUser"] = std::move(user);
    if (stratus::Find(in, "Policy") || stratus::Find(in, "PolicyArns") || stratus::Find(in, "Tags"))
      out["PackedPolicySize"] = PackedPolicySize(in);
    if (auto si = GetString(in, "SourceIdentity")) out["SourceIdentity"] = *si;
    return json::value(std::move(out));
  }

  // The share of the packed policy limit a request's session policies and tags use, as a
  // percentage (AWS does not document its packing; this grows with the inputs' size).
  static int64_t PackedPolicySize(const json::object& in) {
    size_t bytes = GetString(in, "Policy").value_or("").size();
    if (auto* arns = GetArray(in, "PolicyArns")) bytes += arns->size() * 64;
    if (auto* tags = GetArray(in, "Tags")) bytes += tags->size() * 48;
    return static_cast<int64_t>(std::min<size_t>(100, 1 + bytes * 100 / 2048));
  }

  Result<json::value> AssumeRole(Context& c, const json::object& in) {
    if (auto* tags = GetArray(in, "Tags"); tags && tags->size() > 50)
      return Fail(Validation("1 validation error detected: Value at 'tags' failed to satisfy "
                             "constraint: Member must have length less than or equal to 50"));
    return AssumedRole(c, in, GetString(in, "RoleSessionName").value_or(""), json::object());
  }

  Result<json::value> AssumeRoleWithWebIdentity(Context& c, const json::object& in) {
    std::string_view token = GetString(in, "WebIdentityToken").value_or("");
    auto payload = JwtPayloadJson(token);
    boost::system::error_code ec;
    json::value claims;
    if (payload) claims = json::parse(*payload, ec);
    if (!payload || ec || !claims.is_object())
      return Fail(c.ModelError("InvalidIdentityToken",
                               "The web identity token that was passed could not be validated by "
                               "AWS. Get a new identity token from the identity provider and then "
                               "retry the request."));
    const auto& cl = claims.get_object();
    json::object out;
    if (auto sub = GetString(cl, "sub")) out["SubjectFromWebIdentityToken"] = *sub;
    std::string provider(GetString(in, "ProviderId").value_or(GetString(cl, "iss").value_or("")));
    if (provider.starts_with("https://")) provider = provider.substr(8);
    if (!provider.empty()) out["Provider"] = provider;
    if (auto aud = GetString(cl, "aud")) out["Audience"] = *aud;
    else if (auto* auds = GetArray(cl, "aud"); auds && !auds->empty() && auds->front().is_string())
      out["Audience"] = auds->front();
    return AssumedRole(c, in, GetString(in, "RoleSessionName").value_or(""), std::move(out));
  }

  Result<json::value> AssumeRoleWithSaml(Context& c, const json::object& in) {
    auto saml = ParseSamlResponse(GetString(in, "SAMLAssertion").value_or(""));
    if (!saml)
      return Fail(c.ModelError("MalformedPolicyDocument", "Invalid SAML assertion"));
    if (saml->role_session_name.empty())
      return Fail(c.ModelError("InvalidIdentityToken",
                               "The SAML assertion does not contain the RoleSessionName attribute"));
    json::object out;
    out["Subject"] = saml->subject;
    out["SubjectType"] = saml->subject_type;
    out["Issuer"] = saml->issuer;
    out["Audience"] = saml->audience.empty() ? "https://signin.aws.amazon.com/saml" : saml->audience;
    // AWS: NameQualifier = BASE64(SHA1(Issuer + AccountID + "/" + ProviderName)).
    std::string_view principal_arn = GetString(in, "PrincipalArn").value_or("");
    auto role = ParseRoleArn(GetString(in, "RoleArn").value_or(""));
    std::string provider_name(principal_arn.substr(principal_arn.rfind('/') + 1));
    std::string account = role ? role->account : c.account;
    out["NameQualifier"] = Base64Encode(Sha1(saml->issuer + account + "/" + provider_name));
    if (!saml->source_identity.empty()) out["SourceIdentity"] = saml->source_identity;
    return AssumedRole(c, in, saml->role_session_name, std::move(out));
  }

  Result<json::value> AssumeRoot(Context& c, const json::object& in) {
    std::string target(GetString(in, "TargetPrincipal").value_or(""));
    if (target.size() != 12 || target.find_first_not_of("0123456789") != std::string::npos) {
      auto pos = target.find("::");
      if (pos != std::string::npos) target = target.substr(pos + 2, 12);
    }
    Principal p;
    p.account = target;
    p.arn = "arn:aws:iam::" + target + ":root";
    p.user_id = target;
    json::object out;
    out["Credentials"] = Issue(c, p, GetInt(in, "DurationSeconds").value_or(900));
    return json::value(std::move(out));
  }

  // Long-term (root or user) keys only; root sessions last at most an hour.
  static int64_t UserSessionSeconds(const Principal& p, const json::object& in) {
    bool root = p.arn.ends_with(":root");
    int64_t d = GetInt(in, "DurationSeconds").value_or(root ? 3600 : 43200);
    return root ? std::min<int64_t>(d, 3600) : d;
  }

  Result<json::value> GetSessionToken(Context& c, const json::object& in) {
    if (!IsRootOrUserKey(c.principal))
      return Fail(AwsError::AccessDenied("Cannot call GetSessionToken with session credentials"));
    json::object out;
    out["Credentials"] = Issue(c, c.principal, UserSessionSeconds(c.principal, in));
    return json::value(std::move(out));
  }

  Result<json::value> GetFederationToken(Context& c, const json::object& in) {
    if (!IsRootOrUserKey(c.principal))
      return Fail(AwsError::AccessDenied(
          "Cannot call GetFederationToken with session credentials"));
    std::string name(GetString(in, "Name").value_or(""));
    Principal p;
    p.account = c.principal.account;
    p.user_id = p.account + ":" + name;
    p.arn = "arn:aws:sts::" + p.account + ":federated-user/" + name;
    json::object out;
    out["Credentials"] = Issue(c, p, UserSessionSeconds(c.principal, in));
    json::object user;
    user["FederatedUserId"] = p.user_id;
    user["Arn"] = p.arn;
    out["FederatedUser"] = std::move(user);
    out["PackedPolicySize"] = PackedPolicySize(in);
    return json::value(std::move(out));
  }

  Result<json::value> GetAccessKeyInfo(Context& c, const json::object& in) {
    std::string_view key = GetString(in, "AccessKeyId").value_or("");
    std::string account;
    // The account a key acts in: issued keys their principal's, 12-digit keys that account,
    // any other the default account (as the authenticator resolves them).
    if (auto cred = Lookup(key)) account = cred->principal.account;
    else if (key.size() == 12 && key.find_first_not_of("0123456789") == std::string_view::npos)
      account = key;
    else account = default_account_;
    json::object out;
    out["Account"] = account;
    return json::value(std::move(out));
  }

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, IssuedCredential> issued_;
  store::Store* store_ = nullptr;
  const Clock* clock_ = nullptr;
  int issues_since_prune_ = 0;
  std::string default_account_ = "000000000000";
};

}  // namespace

std::unique_ptr<aws::ServiceHandler> MakeStsService(const aws::CredentialResolver** resolver) {
  auto s = std::make_unique<StsServiceImpl>();
  if (resolver) *resolver = s.get();
  return s;
}

}  // namespace stratus::sts
