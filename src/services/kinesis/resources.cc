// Operations on a stream or consumer named by ARN (tags and resource policies of the newer
// API generation), the stream's record size and warm throughput, and account settings.
#include <boost/json/parse.hpp>

#include "aws/protocol/codec.h"
#include "services/kinesis/kinesis.h"

namespace stratus::kinesis {
namespace {

// The minimum throughput billing commitment lasts at least a day once enabled (assumed; the
// API reference does not give the period).
constexpr int64_t kCommitmentMs = 24 * 3'600'000;

struct Resource {
  Stream* stream = nullptr;
  Consumer* consumer = nullptr;  // null for the stream itself
  std::map<std::string, std::string>& Tags() { return consumer ? consumer->tags : stream->tags; }
  std::string& Policy() { return consumer ? consumer->policy : stream->policy; }
};

}  // namespace

// A stream ARN (arn:aws:kinesis:R:A:stream/NAME) or a consumer ARN (.../consumer/NAME:TS).
static Result<Resource> ResourceOf(KinesisService& svc, aws::Context& c, const json::object& in) {
  std::string arn(GetString(in, "ResourceARN").value_or(""));
  auto pos = arn.find("/consumer/");
  Stream* s = svc.StreamByArn(pos == std::string::npos ? std::string_view(arn) : std::string_view(arn).substr(0, pos));
  if (pos != std::string::npos) {
    if (s && s->account == c.account)
      for (auto& [n, con] : s->consumers)
        if (con.arn == arn) return Resource{s, &con};
    return Fail(KinesisService::Error("ResourceNotFoundException", "Consumer " + arn + " not found."));
  }
  if (!s || s->account != c.account) {
    auto slash = arn.rfind('/');
    return Fail(KinesisService::NotFound(slash == std::string::npos ? arn : arn.substr(slash + 1), c.account));
  }
  return Resource{s, nullptr};
}

KinesisService::Out KinesisService::TagResource(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto r = ResourceOf(*this, c, in);
  if (!r) return Fail(r.error());
  const json::object* tags = GetObject(in, "Tags");
  auto& current = r->Tags();
  size_t total = current.size();
  if (tags)
    for (const auto& [k, v] : *tags) total += !current.contains(std::string(k));
  if (total > 50)
    return Fail(Error("LimitExceededException", "Failed to add tags to resource " +
                                                    std::string(GetString(in, "ResourceARN").value_or("")) +
                                                    " because a given resource cannot have more than 50 tags."));
  if (tags)
    for (const auto& [k, v] : *tags) current[std::string(k)] = v.is_string() ? std::string(v.get_string()) : "";
  PersistStream(&c, *r->stream);
  return json::value(json::object());
}

KinesisService::Out KinesisService::UntagResource(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto r = ResourceOf(*this, c, in);
  if (!r) return Fail(r.error());
  if (const json::array* keys = GetArray(in, "TagKeys"))
    for (const auto& k : *keys)
      if (k.is_string()) r->Tags().erase(std::string(k.get_string()));
  PersistStream(&c, *r->stream);
  return json::value(json::object());
}

KinesisService::Out KinesisService::ListTagsForResource(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto r = ResourceOf(*this, c, in);
  if (!r) return Fail(r.error());
  json::array tags;
  for (const auto& [k, v] : r->Tags()) tags.push_back(json::object{{"Key", k}, {"Value", v}});
  return json::value(json::object{{"Tags", std::move(tags)}});
}

KinesisService::Out KinesisService::PutResourcePolicy(Ctx& c, const In& in) {
  std::string policy(GetString(in, "Policy").value_or(""));
  boost::system::error_code ec;
  auto parsed = json::parse(policy, ec);
  if (ec || !parsed.is_object()) return Fail(InvalidArgument("Policy is not a valid JSON document."));
  std::lock_guard lock(mu_);
  auto r = ResourceOf(*this, c, in);
  if (!r) return Fail(r.error());
  r->Policy() = policy;
  PersistStream(&c, *r->stream);
  return json::value(json::object());
}

KinesisService::Out KinesisService::GetResourcePolicy(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto r = ResourceOf(*this, c, in);
  if (!r) return Fail(r.error());
  return json::value(json::object{{"Policy", r->Policy().empty() ? std::string("{}") : r->Policy()}});
}

KinesisService::Out KinesisService::DeleteResourcePolicy(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto r = ResourceOf(*this, c, in);
  if (!r) return Fail(r.error());
  if (r->Policy().empty())
    return Fail(Error("ResourceNotFoundException", "No resource policy found for resource " +
                                                       std::string(GetString(in, "ResourceARN").value_or("")) + "."));
  r->Policy().clear();
  PersistStream(&c, *r->stream);
  return json::value(json::object());
}

KinesisService::Out KinesisService::UpdateMaxRecordSize(Ctx& c, const In& in) {
  int64_t kib = GetInt(in, "MaxRecordSizeInKiB").value_or(1024);
  std::lock_guard lock(mu_);
  auto s = ActiveStream(c, in);
  if (!s) return Fail(s.error());
  (*s)->max_record_kib = static_cast<int>(kib);
  PersistStream(&c, **s);
  return json::value(json::object());
}

KinesisService::Out KinesisService::UpdateStreamWarmThroughput(Ctx& c, const In& in) {
  int64_t mibps = GetInt(in, "WarmThroughputMiBps").value_or(0);
  std::lock_guard lock(mu_);
  auto s = ActiveStream(c, in);
  if (!s) return Fail(s.error());
  Stream& st = **s;
  if (st.mode != "ON_DEMAND")
    return Fail(InvalidArgument("Warm throughput can only be configured for streams in ON_DEMAND mode."));
  st.warm_mibps = mibps;
  PersistStream(&c, st);
  json::object out;
  out["StreamARN"] = st.arn;
  out["StreamName"] = st.name;
  out["WarmThroughput"] = json::object{{"TargetMiBps", mibps}, {"CurrentMiBps", mibps}};
  return json::value(std::move(out));
}

static json::object CommitmentJson(const KinesisService::Commitment& cm, int64_t now) {
  json::object o;
  std::string status = cm.status;
  if (status == "ENABLED_UNTIL_EARLIEST_ALLOWED_END" && now >= cm.started_ms + kCommitmentMs) status = "DISABLED";
  o["Status"] = status;
  if (status != "DISABLED") {
    o["StartedAt"] = aws::TimestampValue(cm.started_ms);
    o["EarliestAllowedEndAt"] = aws::TimestampValue(cm.started_ms + kCommitmentMs);
  } else if (cm.started_ms) {
    o["StartedAt"] = aws::TimestampValue(cm.started_ms);
    o["EndedAt"] = aws::TimestampValue(std::max(cm.ended_ms, cm.started_ms + kCommitmentMs));
  }
  return o;
}

KinesisService::Out KinesisService::DescribeAccountSettings(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  const Commitment& cm = commitments_[{c.account, c.region}];
  return json::value(
      json::object{{"MinimumThroughputBillingCommitment", CommitmentJson(cm, c.clock.NowMillis())}});
}

KinesisService::Out KinesisService::UpdateAccountSettings(Ctx& c, const In& in) {
  std::string status;
  if (auto* m = GetObject(in, "MinimumThroughputBillingCommitment")) status = GetString(*m, "Status").value_or("");
  std::lock_guard lock(mu_);
  Key key{c.account, c.region};
  Commitment& cm = commitments_[key];
  int64_t now = c.clock.NowMillis();
  if (status == "ENABLED" && cm.status != "ENABLED") {
    cm.status = "ENABLED";
    cm.started_ms = now;
    cm.ended_ms = 0;
  } else if (status == "DISABLED" && cm.status == "ENABLED") {
    cm.status = now < cm.started_ms + kCommitmentMs ? "ENABLED_UNTIL_EARLIEST_ALLOWED_END" : "DISABLED";
    cm.ended_ms = now;
  }
  PersistCommitment(&c, key, cm);
  return json::value(json::object{{"MinimumThroughputBillingCommitment", CommitmentJson(cm, now)}});
}

}  // namespace stratus::kinesis
