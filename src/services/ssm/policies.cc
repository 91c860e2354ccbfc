// Parameter policies (Systems Manager user guide, "Assigning parameter policies"):
// Expiration deletes the parameter at its Timestamp, through the service's scheduler;
// ExpirationNotification and NoChangeNotification are recorded and report their status
// (Stratus has no EventBridge to send the events to).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cctype>

#include "core/timefmt.h"
#include "services/ssm/ssm.h"
#include "store/store.h"

namespace stratus::ssm {
namespace {

constexpr int64_t kHourMs = 3'600'000;

AwsError TypeError(std::string message) {
  return SsmService::Error("InvalidPolicyTypeException", std::move(message));
}
AwsError AttributeError(std::string message) {
  return SsmService::Error("InvalidPolicyAttributeException", std::move(message));
}

// Before/After with Unit Days or Hours (a positive whole number).
std::optional<int64_t> Span(const json::object& attrs, std::string_view member) {
  auto n = GetString(attrs, member);
  if (!n || n->empty() || n->size() > 6) return std::nullopt;
  for (char ch : *n)
    if (!std::isdigit(static_cast<unsigned char>(ch))) return std::nullopt;
  int64_t count = std::stoll(std::string(*n));
  if (count <= 0) return std::nullopt;
  std::string unit(GetString(attrs, "Unit").value_or("Days"));
  if (unit == "Days") return count * 24 * kHourMs;
  if (unit == "Hours") return count * kHourMs;
  return std::nullopt;
}

}  // namespace

Result<std::vector<Policy>> ParsePolicies(std::string_view text, int64_t now_ms) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array())
    return Fail(AwsError::Validation("Invalid policies input: the policies must be a JSON array of policy objects."));
  std::vector<Policy> out;
  for (const auto& pv : v.get_array()) {
    if (!pv.is_object()) return Fail(TypeError("A policy must be a JSON object."));
    const json::object& o = pv.get_object();
    Policy p;
    p.type = std::string(GetString(o, "Type").value_or(""));
    if (p.type != "Expiration" && p.type != "ExpirationNotification" && p.type != "NoChangeNotification")
      return Fail(TypeError("The following policy types are not supported: " + p.type + "."));
    if (GetString(o, "Version").value_or("") != "1.0")
      return Fail(AttributeError("The policy version must be 1.0 for policy type " + p.type + "."));
    for (const auto& q : out)
      if (q.type == p.type)
        return Fail(TypeError("A parameter can have only one policy of type " + p.type + "."));
    const json::object* attrs = GetObject(o, "Attributes");
    if (!attrs) return Fail(AttributeError("Attributes are required for policy type " + p.type + "."));
    if (p.type == "Expiration") {
      auto ts = GetString(*attrs, "Timestamp");
      std::optional<int64_t> at = ts ? ParseTimestamp(*ts) : std::nullopt;
      if (!at) return Fail(AttributeError("Expiration policy requires a valid Timestamp attribute."));
      if (*at <= now_ms) return Fail(AttributeError("Expiration policy timestamp must be in the future."));
      p.at_ms = *at;
    } else {
      auto span = Span(*attrs, p.type == "ExpirationNotification" ? "Before" : "After");
      if (!span)
        return Fail(AttributeError("Invalid attributes for policy type " + p.type +
                                   ": a positive number and Unit Days or Hours are required."));
      p.span_ms = *span;
    }
    p.text = json::serialize(o);
    out.push_back(std::move(p));
  }
  return out;
}

json::array PoliciesJson(const Version& v, int64_t now_ms) {
  json::array out;
  int64_t expires = v.ExpiresMs();
  for (const auto& p : v.policies) {
    std::string status = "Pending";
    if (p.type == "ExpirationNotification" && expires && now_ms >= expires - p.span_ms) status = "Finished";
    if (p.type == "NoChangeNotification" && now_ms >= v.modified_ms + p.span_ms) status = "Finished";
    out.push_back(json::object{{"PolicyText", p.text}, {"PolicyType", p.type}, {"PolicyStatus", status}});
  }
  return out;
}

void SsmService::ScheduleExpiry(const std::string& account, const std::string& region, const std::string& name,
                                int64_t at_ms) {
  if (!env_) return;
  env_->scheduler.ScheduleAt(at_ms, [this, account, region, name, at_ms] {
    std::lock_guard lock(mu_);
    auto r = regions_.find({account, region});
    if (r == regions_.end()) return;
    auto p = r->second.params.find(name);
    // Only if the parameter still carries this expiration (not deleted, replaced or changed).
    if (p == r->second.params.end() || p->second.Latest().ExpiresMs() != at_ms) return;
    r->second.params.erase(p);
    if (env_->store.persistent()) env_->store.Delete("ssm/" + account + "/" + region + "/parameters", name);
  });
}

}  // namespace stratus::ssm
