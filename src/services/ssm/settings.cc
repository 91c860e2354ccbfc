// Service settings (GetServiceSetting, UpdateServiceSetting, ResetServiceSetting) for the
// settings Parameter Store and its neighbours define, per account and region. The default
// parameter tier is what PutParameter uses for a new parameter given no Tier.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <array>

#include "services/ssm/ssm.h"
#include "store/store.h"

namespace stratus::ssm {
namespace {

struct Known {
  std::string_view id, default_value;
  std::array<std::string_view, 3> allowed;  // "" ends the list
};

// Systems Manager API reference, UpdateServiceSetting: the settings and their values.
constexpr std::array<Known, 3> kSettings = {{
    {"/ssm/parameter-store/default-parameter-tier", "Standard", {"Standard", "Advanced", "Intelligent-Tiering"}},
    {"/ssm/parameter-store/high-throughput-enabled", "false", {"true", "false", ""}},
    {"/ssm/managed-instance/activation-tier", "standard", {"standard", "advanced", ""}},
}};

const Known* Lookup(std::string_view id) {
  for (const auto& k : kSettings)
    if (k.id == id) return &k;
  return nullptr;
}

std::string ArnOf(const aws::Context& c, std::string_view id) {
  return "arn:aws:ssm:" + c.region + ":" + c.account + ":servicesetting" + std::string(id);
}

std::string TableOf(std::string_view account, std::string_view region) {
  return "ssm/" + std::string(account) + "/" + std::string(region) + "/settings";
}

// SettingId is the setting's path or its ARN.
std::string_view IdOf(const json::object& in) {
  std::string_view id = GetString(in, "SettingId").value_or("");
  if (id.starts_with("arn:")) {
    size_t at = id.find(":servicesetting/");
    if (at != std::string_view::npos) return id.substr(at + std::string_view(":servicesetting").size());
  }
  return id;
}

AwsError NotFound(std::string_view id) {
  return SsmService::Error("ServiceSettingNotFound", "Setting " + std::string(id) + " is not found.");
}

}  // namespace

std::string SsmService::SettingValue(const Ctx& c, std::string_view id) {
  Region& r = RegionOf(c);
  if (auto it = r.settings.find(std::string(id)); it != r.settings.end()) return it->second.value;
  const Known* k = Lookup(id);
  return k ? std::string(k->default_value) : "";
}

void SsmService::LoadSetting(const std::string& account, const std::string& region, std::string_view id,
                             std::string_view record) {
  boost::system::error_code ec;
  auto v = json::parse(record, ec);
  if (ec || !v.is_object() || !Lookup(id)) return;
  const auto& o = v.get_object();
  regions_[{account, region}].settings[std::string(id)] =
      Setting{std::string(GetString(o, "value").value_or("")), std::string(GetString(o, "user").value_or("")),
              GetInt(o, "modified").value_or(0)};
}

namespace {
json::object RenderSetting(const aws::Context& c, std::string_view id, std::string_view value, std::string_view user,
                    int64_t modified_ms, bool customized) {
  json::object s;
  s["SettingId"] = id;
  s["SettingValue"] = value;
  s["LastModifiedDate"] = static_cast<double>(modified_ms) / 1000.0;
  s["LastModifiedUser"] = user;
  s["ARN"] = ArnOf(c, id);
  s["Status"] = customized ? "Customized" : "Default";
  return s;
}
}  // namespace

SsmService::Out SsmService::GetServiceSetting(Ctx& c, const In& in) {
  std::string_view id = IdOf(in);
  const Known* k = Lookup(id);
  if (!k) return Fail(NotFound(id));
  Region& r = RegionOf(c);
  if (auto it = r.settings.find(std::string(id)); it != r.settings.end())
    return json::object{
        {"ServiceSetting", RenderSetting(c, id, it->second.value, it->second.user, it->second.modified_ms, true)}};
  // A default setting: AWS shows the System as its author.
  return json::object{{"ServiceSetting", RenderSetting(c, id, k->default_value, "System", c.clock.NowMillis(), false)}};
}

SsmService::Out SsmService::UpdateServiceSetting(Ctx& c, const In& in) {
  std::string_view id = IdOf(in);
  const Known* k = Lookup(id);
  if (!k) return Fail(NotFound(id));
  std::string value(GetString(in, "SettingValue").value_or(""));
  bool ok = false;
  for (auto a : k->allowed) ok |= !a.empty() && a == value;
  if (!ok)
    return Fail(AwsError::Validation("Invalid SettingValue " + value + " for SettingId " + std::string(id) + "."));
  Setting s{value, c.principal.arn, c.clock.NowMillis()};
  if (env_->store.persistent())
    c.Persisted(env_->store.Put(TableOf(c.account, c.region), id,
                                json::serialize(json::object{
                                    {"value", s.value}, {"user", s.user}, {"modified", s.modified_ms}})));
  RegionOf(c).settings[std::string(id)] = std::move(s);
  return json::object{};
}

SsmService::Out SsmService::ResetServiceSetting(Ctx& c, const In& in) {
  std::string_view id = IdOf(in);
  const Known* k = Lookup(id);
  if (!k) return Fail(NotFound(id));
  RegionOf(c).settings.erase(std::string(id));
  if (env_->store.persistent()) c.Persisted(env_->store.Delete(TableOf(c.account, c.region), id));
  return json::object{
      {"ServiceSetting", RenderSetting(c, id, k->default_value, c.principal.arn, c.clock.NowMillis(), false)}};
}

}  // namespace stratus::ssm
