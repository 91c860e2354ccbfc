// Mobile push (platform applications and endpoints) and SMS settings: stored, listed and
// validated; deliveries to them are recorded (GET /_stratus/sns/messages).
#include <boost/json/serialize.hpp>

#include <cctype>

#include "core/encoding.h"
#include "services/sns/sns.h"
#include "store/store.h"

namespace stratus::sns {
namespace {

constexpr std::string_view kPlatforms[] = {"ADM", "APNS", "APNS_SANDBOX", "APNS_VOIP", "APNS_VOIP_SANDBOX",
                                           "BAIDU", "GCM", "MACOS", "MACOS_SANDBOX", "MPNS", "WNS"};

bool ValidPhone(std::string_view p) {
  if (p.size() < 2 || p.front() != '+' || p.size() > 16) return false;
  for (char c : p.substr(1))
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

json::object Attrs(const std::map<std::string, std::string>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

void Merge(std::map<std::string, std::string>& into, const json::object* attrs) {
  if (!attrs) return;
  for (const auto& [k, v] : *attrs)
    into[std::string(k)] = v.is_string() ? std::string(v.get_string()) : json::serialize(v);
}

// Pages of 100 over a sorted map by key, with an opaque NextToken.
template <typename Map, typename Fn>
Result<json::value> Page(const Map& m, std::string_view prefix, const json::object& in, std::string_view token_name,
                         std::string_view list_name, std::string_view out_token, Fn&& render) {
  std::string after;
  if (auto tok = GetString(in, token_name)) {
    auto d = Base64Decode(*tok);
    if (!d) return Fail(SnsService::Invalid("Invalid parameter: NextToken"));
    after = *d;
  }
  json::array items;
  std::string last;
  bool more = false;
  for (auto it = after.empty() ? m.lower_bound(std::string(prefix)) : m.upper_bound(after); it != m.end(); ++it) {
    if (!it->first.starts_with(prefix)) break;
    if (items.size() == 100) {
      more = true;
      break;
    }
    items.emplace_back(render(it->second));
    last = it->first;
  }
  json::object out;
  out[list_name] = std::move(items);
  if (more) out[out_token] = Base64Encode(last);
  return json::value(std::move(out));
}

}  // namespace

SnsService::Out SnsService::CreatePlatformApplication(Ctx& c, const In& in) {
  std::string name(GetString(in, "Name").value_or(""));
  std::string platform(GetString(in, "Platform").value_or(""));
  bool known = false;
  for (auto p : kPlatforms) known |= p == platform;
  if (!known) return Fail(Invalid("Invalid parameter: Platform"));
  bool ok = !name.empty() && name.size() <= 256;
  for (char ch : name) ok &= std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.';
  if (!ok) return Fail(Invalid("Invalid parameter: Invalid platform application name"));
  const json::object* attrs = GetObject(in, "Attributes");
  if (!attrs || !Find(*attrs, "PlatformCredential"))
    return Fail(Invalid("Invalid parameter: Attributes Reason: PlatformCredential attribute is required"));
  if (platform.starts_with("APNS") && !Find(*attrs, "PlatformPrincipal"))
    return Fail(Invalid("Invalid parameter: Attributes Reason: PlatformPrincipal attribute is required"));
  std::lock_guard lock(mu_);
  PlatformApplication app;
  app.arn = "arn:aws:sns:" + c.region + ":" + c.account + ":app/" + platform + "/" + name;
  app.name = name;
  app.platform = platform;
  Merge(app.attributes, attrs);
  // Credentials are write-only, as in AWS.
  app.attributes.erase("PlatformCredential");
  app.attributes.erase("PlatformPrincipal");
  app.attributes.try_emplace("Enabled", "true");
  json::object out;
  out["PlatformApplicationArn"] = app.arn;
  PersistApplication(&c, app);
  applications_[app.arn] = std::move(app);
  return json::value(std::move(out));
}

SnsService::Out SnsService::GetPlatformApplicationAttributes(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto it = applications_.find(std::string(GetString(in, "PlatformApplicationArn").value_or("")));
  if (it == applications_.end()) return Fail(Error("NotFoundException", "PlatformApplication does not exist"));
  json::object out;
  out["Attributes"] = Attrs(it->second.attributes);
  return json::value(std::move(out));
}

SnsService::Out SnsService::SetPlatformApplicationAttributes(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto it = applications_.find(std::string(GetString(in, "PlatformApplicationArn").value_or("")));
  if (it == applications_.end()) return Fail(Error("NotFoundException", "PlatformApplication does not exist"));
  Merge(it->second.attributes, GetObject(in, "Attributes"));
  it->second.attributes.erase("PlatformCredential");
  it->second.attributes.erase("PlatformPrincipal");
  PersistApplication(&c, it->second);
  return json::value(json::object());
}

SnsService::Out SnsService::ListPlatformApplications(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  return Page(applications_, "arn:aws:sns:" + c.region + ":" + c.account + ":app/", in, "NextToken",
              "PlatformApplications", "NextToken", [](const PlatformApplication& a) {
                return json::object{{"PlatformApplicationArn", a.arn}, {"Attributes", Attrs(a.attributes)}};
              });
}

SnsService::Out SnsService::DeletePlatformApplication(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  std::string arn(GetString(in, "PlatformApplicationArn").value_or(""));
  if (applications_.erase(arn)) ForgetPlatform(&c, "sns/apps", arn);
  std::erase_if(endpoints_, [&](const auto& kv) {
    if (kv.second.application_arn != arn) return false;
    ForgetPlatform(&c, "sns/endpoints", kv.first);
    return true;
  });
  return json::value(json::object());
}

SnsService::Out SnsService::CreatePlatformEndpoint(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  std::string app_arn(GetString(in, "PlatformApplicationArn").value_or(""));
  auto app = applications_.find(app_arn);
  if (app == applications_.end()) return Fail(Error("NotFoundException", "PlatformApplication does not exist"));
  std::string token(GetString(in, "Token").value_or(""));
  if (token.empty()) return Fail(Invalid("Invalid parameter: Token Reason: cannot be empty"));
  std::map<std::string, std::string> attrs;
  Merge(attrs, GetObject(in, "Attributes"));
  if (auto data = GetString(in, "CustomUserData")) attrs["CustomUserData"] = *data;
  attrs["Token"] = token;
  attrs.try_emplace("Enabled", "true");
  // One endpoint per token: the same token and attributes give the same endpoint.
  for (const auto& [arn, e] : endpoints_) {
    if (e.application_arn != app_arn || e.attributes.at("Token") != token) continue;
    if (e.attributes != attrs)
      return Fail(Invalid("Invalid parameter: Token Reason: Endpoint " + arn +
                          " already exists with the same Token, but different attributes."));
    return json::value(json::object{{"EndpointArn", arn}});
  }
  PlatformEndpoint e;
  e.arn = "arn:aws:sns:" + c.region + ":" + c.account + ":endpoint/" + app->second.platform + "/" +
          app->second.name + "/" + NewUuid();
  e.application_arn = app_arn;
  e.attributes = std::move(attrs);
  json::object out{{"EndpointArn", e.arn}};
  PersistEndpoint(&c, e);
  endpoints_[e.arn] = std::move(e);
  return json::value(std::move(out));
}

SnsService::Out SnsService::GetEndpointAttributes(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto it = endpoints_.find(std::string(GetString(in, "EndpointArn").value_or("")));
  if (it == endpoints_.end()) return Fail(Error("NotFoundException", "Endpoint does not exist"));
  return json::value(json::object{{"Attributes", Attrs(it->second.attributes)}});
}

SnsService::Out SnsService::SetEndpointAttributes(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto it = endpoints_.find(std::string(GetString(in, "EndpointArn").value_or("")));
  if (it == endpoints_.end()) return Fail(Error("NotFoundException", "Endpoint does not exist"));
  const json::object* attrs = GetObject(in, "Attributes");
  if (attrs)
    if (auto en = GetString(*attrs, "Enabled"); en && *en != "true" && *en != "false")
      return Fail(Invalid("Invalid parameter: Attributes Reason: Enabled must be true or false"));
  Merge(it->second.attributes, attrs);
  PersistEndpoint(&c, it->second);
  return json::value(json::object());
}

SnsService::Out SnsService::ListEndpointsByPlatformApplication(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  std::string app_arn(GetString(in, "PlatformApplicationArn").value_or(""));
  auto app = applications_.find(app_arn);
  if (app == applications_.end()) return Fail(Error("NotFoundException", "PlatformApplication does not exist"));
  std::string prefix = "arn:aws:sns:" + c.region + ":" + c.account + ":endpoint/" + app->second.platform + "/" +
                       app->second.name + "/";
  return Page(endpoints_, prefix, in, "NextToken", "Endpoints", "NextToken", [](const PlatformEndpoint& e) {
    return json::object{{"EndpointArn", e.arn}, {"Attributes", Attrs(e.attributes)}};
  });
}

SnsService::Out SnsService::DeleteEndpoint(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  std::string arn(GetString(in, "EndpointArn").value_or(""));
  if (endpoints_.erase(arn)) ForgetPlatform(&c, "sns/endpoints", arn);
  return json::value(json::object());
}

Result<json::value> SnsService::PublishToEndpoint(Ctx& c, const std::string& target_arn, const In& in) {
  auto it = endpoints_.find(target_arn);
  if (it == endpoints_.end()) return Fail(Error("NotFoundException", "Endpoint does not exist"));
  if (it->second.attributes["Enabled"] != "true")
    return Fail(Error("EndpointDisabledException", "Endpoint is disabled"));
  Recorded r;
  r.protocol = "application";
  r.endpoint = target_arn;
  r.message_id = NewUuid();
  r.message = GetString(in, "Message").value_or("");
  r.subject = GetString(in, "Subject").value_or("");
  r.timestamp_ms = c.clock.NowMillis();
  json::object out{{"MessageId", r.message_id}};
  recorded_.push_back(std::move(r));
  return json::value(std::move(out));
}

Result<json::value> SnsService::PublishSms(Ctx& c, const std::string& phone, const In& in) {
  if (!ValidPhone(phone)) return Fail(Invalid("Invalid parameter: PhoneNumber Reason: " + phone + " is not valid to publish to"));
  SmsState& sms = Sms(c);
  if (sms.opted_out.contains(phone))
    return Fail(Error("OptedOutException", "Phone number is opted out"));
  Recorded r;
  r.protocol = "sms";
  r.endpoint = phone;
  r.message_id = NewUuid();
  r.message = GetString(in, "Message").value_or("");
  r.timestamp_ms = c.clock.NowMillis();
  json::object out{{"MessageId", r.message_id}};
  recorded_.push_back(std::move(r));
  return json::value(std::move(out));
}

SnsService::Out SnsService::GetSMSAttributes(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  const SmsState& sms = Sms(c);
  json::object attrs;
  const json::array* names = GetArray(in, "attributes");
  for (const auto& [k, v] : sms.attributes) {
    bool wanted = !names || names->empty();
    if (names)
      for (const auto& n : *names) wanted |= n.is_string() && n.get_string() == k;
    if (wanted) attrs[k] = v;
  }
  return json::value(json::object{{"attributes", std::move(attrs)}});
}

SnsService::Out SnsService::SetSMSAttributes(Ctx& c, const In& in) {
  static constexpr std::string_view kKnown[] = {"DefaultSMSType", "MonthlySpendLimit", "DeliveryStatusIAMRole",
                                                "DeliveryStatusSuccessSamplingRate", "DefaultSenderID",
                                                "UsageReportS3Bucket"};
  std::lock_guard lock(mu_);
  SmsState& sms = Sms(c);
  if (const json::object* attrs = GetObject(in, "attributes")) {
    for (const auto& [k, v] : *attrs) {
      bool known = false;
      for (auto n : kKnown) known |= n == k;
      if (!known) return Fail(Invalid("Invalid parameter: " + std::string(k)));
      std::string value = v.is_string() ? std::string(v.get_string()) : json::serialize(v);
      if (k == "DefaultSMSType" && value != "Promotional" && value != "Transactional")
        return Fail(Invalid("Invalid parameter: DefaultSMSType"));
      sms.attributes[std::string(k)] = value;
    }
  }
  PersistSms(c);
  return json::value(json::object());
}

SnsService::Out SnsService::CheckIfPhoneNumberIsOptedOut(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  std::string phone(GetString(in, "phoneNumber").value_or(""));
  if (!ValidPhone(phone)) return Fail(Invalid("Invalid parameter: PhoneNumber"));
  return json::value(json::object{{"isOptedOut", Sms(c).opted_out.contains(phone)}});
}

SnsService::Out SnsService::ListPhoneNumbersOptedOut(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  json::array numbers;
  for (const auto& n : Sms(c).opted_out) numbers.emplace_back(json::string(n));
  return json::value(json::object{{"phoneNumbers", std::move(numbers)}});
}

SnsService::Out SnsService::OptInPhoneNumber(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  Sms(c).opted_out.erase(std::string(GetString(in, "phoneNumber").value_or("")));
  PersistSms(c);
  return json::value(json::object());
}

SnsService::Out SnsService::CreateSMSSandboxPhoneNumber(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  std::string phone(GetString(in, "PhoneNumber").value_or(""));
  if (!ValidPhone(phone)) return Fail(Invalid("Invalid parameter: PhoneNumber"));
  // AWS texts a one-time password; Stratus records it as an SMS delivery.
  std::string otp = std::to_string(100000 + static_cast<unsigned char>(RandomBytes(1)[0]) * 3517 % 900000);
  Sms(c).sandbox[phone] = {"Pending", otp};
  PersistSms(c);
  Recorded r;
  r.protocol = "sms";
  r.endpoint = phone;
  r.message_id = NewUuid();
  r.message = "Your verification code is " + otp;
  r.timestamp_ms = c.clock.NowMillis();
  recorded_.push_back(std::move(r));
  return json::value(json::object());
}

SnsService::Out SnsService::DeleteSMSSandboxPhoneNumber(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  if (Sms(c).sandbox.erase(std::string(GetString(in, "PhoneNumber").value_or(""))) == 0)
    return Fail(Error("ResourceNotFoundException", "Phone number does not exist"));
  PersistSms(c);
  return json::value(json::object());
}

SnsService::Out SnsService::ListSMSSandboxPhoneNumbers(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  json::array numbers;
  for (const auto& [n, st] : Sms(c).sandbox)
    numbers.emplace_back(json::object{{"PhoneNumber", n}, {"Status", st.first}});
  return json::value(json::object{{"PhoneNumbers", std::move(numbers)}});
}

SnsService::Out SnsService::VerifySMSSandboxPhoneNumber(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto& sandbox = Sms(c).sandbox;
  auto it = sandbox.find(std::string(GetString(in, "PhoneNumber").value_or("")));
  if (it == sandbox.end()) return Fail(Error("ResourceNotFoundException", "Phone number does not exist"));
  if (GetString(in, "OneTimePassword") != it->second.second)
    return Fail(Error("VerificationException", "Invalid one-time password"));
  it->second.first = "Verified";
  PersistSms(c);
  return json::value(json::object());
}

SnsService::Out SnsService::GetSMSSandboxAccountStatus(Ctx& c, const In& in) {
  return json::value(json::object{{"IsInSandbox", true}});
}

SnsService::Out SnsService::ListOriginationNumbers(Ctx& c, const In& in) {
  return json::value(json::object{{"PhoneNumbers", json::array()}});
}

}  // namespace stratus::sns

namespace stratus::sns {

// ---- persistence: sns/apps and sns/endpoints by ARN, sns/sms by ACCOUNT/REGION ------------

namespace {
json::object AttrObject(const std::map<std::string, std::string>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}
void ReadAttrs(const json::object& o, std::map<std::string, std::string>& m) {
  if (const json::object* a = GetObject(o, "attributes"))
    for (const auto& [k, v] : *a)
      if (v.is_string()) m[k] = std::string(v.get_string());
}
}  // namespace

void SnsService::PersistApplication(Ctx* c, const PlatformApplication& a) {
  if (!env_->store.persistent()) return;
  json::object o{{"name", a.name}, {"platform", a.platform}, {"attributes", AttrObject(a.attributes)}};
  uint64_t seq = env_->store.Put("sns/apps", a.arn, json::serialize(o));
  if (c) c->Persisted(seq);
}

void SnsService::PersistEndpoint(Ctx* c, const PlatformEndpoint& e) {
  if (!env_->store.persistent()) return;
  json::object o{{"application", e.application_arn}, {"attributes", AttrObject(e.attributes)}};
  uint64_t seq = env_->store.Put("sns/endpoints", e.arn, json::serialize(o));
  if (c) c->Persisted(seq);
}

void SnsService::ForgetPlatform(Ctx* c, std::string_view table, const std::string& arn) {
  if (!env_->store.persistent()) return;
  uint64_t seq = env_->store.Delete(std::string(table), arn);
  if (c) c->Persisted(seq);
}

void SnsService::PersistSms(Ctx* c, const std::string& account, const std::string& region) {
  if (!env_->store.persistent()) return;
  const SmsState& sms = sms_[{account, region}];
  json::array opted, sandbox;
  for (const auto& n : sms.opted_out) opted.emplace_back(json::string(n));
  for (const auto& [n, st] : sms.sandbox) sandbox.emplace_back(json::array{json::string(n), json::string(st.first), json::string(st.second)});
  json::object o{{"attributes", AttrObject(sms.attributes)}, {"optedOut", std::move(opted)}, {"sandbox", std::move(sandbox)}};
  uint64_t seq = env_->store.Put("sns/sms", account + "/" + region, json::serialize(o));
  if (c) c->Persisted(seq);
}

bool SnsService::LoadPlatform(std::string_view table, std::string_view key, const json::object& o) {
  if (table == "sns/apps") {
    PlatformApplication& a = applications_[std::string(key)];
    a.arn = key;
    a.name = GetString(o, "name").value_or("");
    a.platform = GetString(o, "platform").value_or("");
    ReadAttrs(o, a.attributes);
    return true;
  }
  if (table == "sns/endpoints") {
    PlatformEndpoint& e = endpoints_[std::string(key)];
    e.arn = key;
    e.application_arn = GetString(o, "application").value_or("");
    ReadAttrs(o, e.attributes);
    return true;
  }
  if (table == "sns/sms") {
    auto slash = key.find('/');
    if (slash == std::string_view::npos) return true;
    SmsState& sms = sms_[{std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))}];
    ReadAttrs(o, sms.attributes);
    if (const json::array* a = GetArray(o, "optedOut"))
      for (const auto& n : *a)
        if (n.is_string()) sms.opted_out.emplace(n.get_string());
    if (const json::array* a = GetArray(o, "sandbox"))
      for (const auto& x : *a)
        if (x.is_array() && x.get_array().size() == 3 && x.get_array()[0].is_string() &&
            x.get_array()[1].is_string() && x.get_array()[2].is_string())
          sms.sandbox[std::string(x.get_array()[0].get_string())] = {std::string(x.get_array()[1].get_string()),
                                                                       std::string(x.get_array()[2].get_string())};
    return true;
  }
  return false;
}

}  // namespace stratus::sns
