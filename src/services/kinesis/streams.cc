// Stream lifecycle and settings: create, delete, describe, list, retention, tags, stream
// mode, encryption, enhanced monitoring and the account's limits.
#include <algorithm>
#include <set>

#include "aws/protocol/codec.h"
#include "core/encoding.h"
#include "services/kinesis/kinesis.h"
#include "store/store.h"

namespace stratus::kinesis {
namespace {

// AWS's default shard quota per account and region (Kinesis quotas page): 500 in the large
// regions, 200 elsewhere; Stratus uses the larger everywhere.
constexpr int kShardLimit = 500;
constexpr int kOnDemandStreamLimit = 50;
constexpr int kOnDemandShards = 4;
constexpr int kMinRetention = 24, kMaxRetention = 8760;

constexpr std::string_view kAllMetrics[] = {
    "IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
    "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds"};

}  // namespace

std::vector<std::pair<u128, u128>> EvenHashRanges(int n) {
  // floor(2^128 / n): the step AWS uses, the last shard running to 2^128 - 1.
  u128 step = kMaxHashKey / static_cast<u128>(n) + ((kMaxHashKey % static_cast<u128>(n)) + 1 == static_cast<u128>(n) ? 1 : 0);
  std::vector<std::pair<u128, u128>> out;
  for (int i = 0; i < n; ++i) {
    u128 start = step * static_cast<u128>(i);
    u128 end = i + 1 == n ? kMaxHashKey : step * static_cast<u128>(i + 1) - 1;
    out.emplace_back(start, end);
  }
  return out;
}

namespace {

int AccountShards(const std::map<std::string, std::unique_ptr<Stream>>& streams) {
  int n = 0;
  for (const auto& [name, s] : streams) n += s->OpenShards();
  return n;
}

json::array MetricsJson(const std::vector<std::string>& metrics) {
  json::array a;
  for (const auto& m : metrics) a.push_back(json::string(m));
  return a;
}

}  // namespace

json::object KinesisService::Description(const Stream& s, bool summary) const {
  json::object o;
  o["StreamName"] = s.name;
  o["StreamARN"] = s.arn;
  o["StreamStatus"] = s.status;
  o["StreamModeDetails"] = json::object{{"StreamMode", s.mode}};
  o["RetentionPeriodHours"] = s.retention_hours;
  o["StreamCreationTimestamp"] = aws::TimestampValue(s.created_ms);
  o["EnhancedMonitoring"] = json::array{json::object{{"ShardLevelMetrics", MetricsJson(s.metrics)}}};
  o["EncryptionType"] = s.encryption;
  if (s.encryption == "KMS") o["KeyId"] = s.key_id;
  if (summary) {
    o["OpenShardCount"] = s.OpenShards();
    o["ConsumerCount"] = static_cast<int64_t>(s.consumers.size());
    o["MaxRecordSizeInKiB"] = s.max_record_kib;
    if (s.warm_mibps >= 0)
      o["WarmThroughput"] = json::object{{"TargetMiBps", s.warm_mibps}, {"CurrentMiBps", s.warm_mibps}};
  }
  return o;
}

KinesisService::Out KinesisService::CreateStream(Ctx& c, const In& in) {
  std::string name(GetString(in, "StreamName").value_or(""));
  std::string mode = "PROVISIONED";
  if (auto* d = GetObject(in, "StreamModeDetails")) mode = GetString(*d, "StreamMode").value_or("PROVISIONED");
  auto count = GetInt(in, "ShardCount");
  int shards = kOnDemandShards;
  if (mode == "PROVISIONED") {
    if (!count) return Fail(InvalidArgument("ShardCount is required for a stream in PROVISIONED mode."));
    shards = static_cast<int>(*count);
  }
  std::lock_guard lock(mu_);
  auto& streams = Streams(c.account, c.region);
  if (streams.contains(name))
    return Fail(InUse("Stream " + name + " under account " + c.account + " already exists."));
  int current = AccountShards(streams);
  if (current + shards > kShardLimit)
    return Fail(Error("LimitExceededException",
                      "This request would exceed the shard limit for the account " + c.account + " in " +
                          c.region + ". Current shard count for the account: " + std::to_string(current) +
                          ". Limit: " + std::to_string(kShardLimit) +
                          ". Number of additional shards that would have resulted from this request: " +
                          std::to_string(shards) +
                          ". Refer to the AWS Service Limits page "
                          "(http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current "
                          "limits and how to request higher limits."));
  if (mode == "ON_DEMAND") {
    int on_demand = 0;
    for (const auto& [n, s] : streams) on_demand += s->mode == "ON_DEMAND";
    if (on_demand >= kOnDemandStreamLimit)
      return Fail(Error("LimitExceededException",
                        "This request would exceed the on-demand stream count limit for the account " +
                            c.account + " in " + c.region + ". Limit: " + std::to_string(kOnDemandStreamLimit) + "."));
  }
  auto s = std::make_unique<Stream>();
  s->account = c.account;
  s->region = c.region;
  s->name = name;
  s->arn = "arn:aws:kinesis:" + c.region + ":" + c.account + ":stream/" + name;
  s->mode = mode;
  s->created_ms = c.clock.NowMillis();
  if (auto kib = GetInt(in, "MaxRecordSizeInKiB")) s->max_record_kib = static_cast<int>(*kib);
  if (auto warm = GetInt(in, "WarmThroughputMiBps")) s->warm_mibps = *warm;
  if (const json::object* tags = GetObject(in, "Tags")) {
    if (tags->size() > 50)
      return Fail(InvalidArgument("Failed to create stream " + name + " under account " + c.account +
                                  " because a given stream cannot have more than 50 tags."));
    for (const auto& [k, v] : *tags) s->tags[std::string(k)] = v.is_string() ? std::string(v.get_string()) : "";
  }
  AddShards(*s, EvenHashRanges(shards), s->created_ms, {});
  Stream& ref = *s;
  streams[name] = std::move(s);
  Transition(ref, "CREATING");
  PersistStream(&c, ref);
  return json::value(json::object());
}

KinesisService::Out KinesisService::DeleteStream(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto s = StreamOf(c, in);
  if (!s) return Fail(s.error());
  Stream& st = **s;
  if (st.status == "DELETING") return Fail(NotFound(st.name, c.account));
  if (!st.consumers.empty() && !GetBool(in, "EnforceConsumerDeletion").value_or(false))
    return Fail(InUse("Stream " + st.name + " under account " + c.account +
                      " has registered consumers. Use the EnforceConsumerDeletion parameter to delete it "
                      "along with its consumers."));
  Transition(st, "DELETING");
  EndSubscriptions(st);
  PersistStream(&c, st);
  return json::value(json::object());
}

KinesisService::Out KinesisService::DescribeStream(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto s = StreamOf(c, in);
  if (!s) return Fail(s.error());
  Stream& st = **s;
  int64_t now = c.clock.NowMillis();
  Trim(st, now);
  int64_t limit = GetInt(in, "Limit").value_or(100);
  std::string after(GetString(in, "ExclusiveStartShardId").value_or(""));
  json::array shards;
  bool more = false;
  for (const auto& sh : st.shards) {
    if (Expired(st, sh, now)) continue;
    if (!after.empty() && sh.Id() <= after) continue;
    if (static_cast<int64_t>(shards.size()) >= limit) {
      more = true;
      break;
    }
    shards.push_back(ShardJson(sh));
  }
  json::object d = Description(st, false);
  d["Shards"] = std::move(shards);
  d["HasMoreShards"] = more;
  return json::value(json::object{{"StreamDescription", std::move(d)}});
}

KinesisService::Out KinesisService::DescribeStreamSummary(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto s = StreamOf(c, in);
  if (!s) return Fail(s.error());
  return json::value(json::object{{"StreamDescriptionSummary", Description(**s, true)}});
}

KinesisService::Out KinesisService::ListStreams(Ctx& c, const In& in) {
  int64_t limit = GetInt(in, "Limit").value_or(100);
  std::string after(GetString(in, "ExclusiveStartStreamName").value_or(""));
  if (auto tok = GetString(in, "NextToken")) {
    auto decoded = Base64Decode(*tok);
    if (!decoded || !decoded->starts_with("stream:"))
      return Fail(InvalidArgument("Invalid NextToken."));
    after = decoded->substr(7);
  }
  std::lock_guard lock(mu_);
  auto& streams = Streams(c.account, c.region);
  json::array names, summaries;
  bool more = false;
  std::string last;
  for (auto it = after.empty() ? streams.begin() : streams.upper_bound(after); it != streams.end(); ++it) {
    if (static_cast<int64_t>(names.size()) >= limit) {
      more = true;
      break;
    }
    const Stream& s = *it->second;
    names.push_back(json::string(s.name));
    summaries.push_back(json::object{{"StreamName", s.name},
                                     {"StreamARN", s.arn},
                                     {"StreamStatus", s.status},
                                     {"StreamModeDetails", json::object{{"StreamMode", s.mode}}},
                                     {"StreamCreationTimestamp", aws::TimestampValue(s.created_ms)}});
    last = s.name;
  }
  json::object out;
  out["StreamNames"] = std::move(names);
  out["HasMoreStreams"] = more;
  if (more) out["NextToken"] = Base64Encode("stream:" + last);
  out["StreamSummaries"] = std::move(summaries);
  return json::value(std::move(out));
}

KinesisService::Out KinesisService::IncreaseStreamRetentionPeriod(Ctx& c, const In& in) {
  int64_t hours = GetInt(in, "RetentionPeriodHours").value_or(0);
  std::lock_guard lock(mu_);
  auto s = ActiveStream(c, in);
  if (!s) return Fail(s.error());
  Stream& st = **s;
  if (hours < kMinRetention)
    return Fail(InvalidArgument("Minimum allowed retention period is 24 hours. Requested retention period (" +
                                std::to_string(hours) + " hours) is too short."));
  if (hours > kMaxRetention)
    return Fail(InvalidArgument("Maximum allowed retention period is 8760 hours. Requested retention period (" +
                                std::to_string(hours) + " hours) is too long."));
  if (hours < st.retention_hours)
    return Fail(InvalidArgument("Requested retention period (" + std::to_string(hours) + " hours) for stream " +
                                st.name + " can not be shorter than existing retention period (" +
                                std::to_string(st.retention_hours) + " hours). Use DecreaseRetentionPeriod API."));
  st.retention_hours = static_cast<int>(hours);
  PersistStream(&c, st);
  return json::value(json::object());
}

KinesisService::Out KinesisService::DecreaseStreamRetentionPeriod(Ctx& c, const In& in) {
  int64_t hours = GetInt(in, "RetentionPeriodHours").value_or(0);
  std::lock_guard lock(mu_);
  auto s = ActiveStream(c, in);
  if (!s) return Fail(s.error());
  Stream& st = **s;
  if (hours < kMinRetention)
    return Fail(InvalidArgument("Minimum allowed retention period is 24 hours. Requested retention period (" +
                                std::to_string(hours) + " hours) is too short."));
  if (hours > kMaxRetention)
    return Fail(InvalidArgument("Maximum allowed retention period is 8760 hours. Requested retention period (" +
                                std::to_string(hours) + " hours) is too long."));
  if (hours > st.retention_hours)
    return Fail(InvalidArgument("Requested retention period (" + std::to_string(hours) + " hours) for stream " +
                                st.name + " can not be longer than existing retention period (" +
                                std::to_string(st.retention_hours) + " hours). Use IncreaseRetentionPeriod API."));
  st.retention_hours = static_cast<int>(hours);
  Trim(st, c.clock.NowMillis());
  PersistStream(&c, st);
  return json::value(json::object());
}

KinesisService::Out KinesisService::AddTagsToStream(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto s = StreamOf(c, in);
  if (!s) return Fail(s.error());
  Stream& st = **s;
  const json::object* tags = GetObject(in, "Tags");
  if (!tags || tags->empty()) return Fail(InvalidArgument("Tags must not be empty."));
  if (tags->size() > 10)
    return Fail(InvalidArgument("Failed to add tags to stream " + st.name + " under account " + c.account +
                                " because a given request cannot have more than 10 tags."));
  std::set<std::string> keys;
  for (const auto& [k, v] : st.tags) keys.insert(k);
  for (const auto& [k, v] : *tags) keys.insert(std::string(k));
  if (keys.size() > 50)
    return Fail(Error("LimitExceededException", "Failed to add tags to stream " + st.name + " under account " +
                                                    c.account + " because a given stream cannot have more than 50 tags."));
  for (const auto& [k, v] : *tags) st.tags[std::string(k)] = v.is_string() ? std::string(v.get_string()) : "";
  PersistStream(&c, st);
  return json::value(json::object());
}

KinesisService::Out KinesisService::RemoveTagsFromStream(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto s = StreamOf(c, in);
  if (!s) return Fail(s.error());
  Stream& st = **s;
  if (const json::array* keys = GetArray(in, "TagKeys"))
    for (const auto& k : *keys)
      if (k.is_string()) st.tags.erase(std::string(k.get_string()));
  PersistStream(&c, st);
  return json::value(json::object());
}

KinesisService::Out KinesisService::ListTagsForStream(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto s = StreamOf(c, in);
  if (!s) return Fail(s.error());
  Stream& st = **s;
  int64_t limit = GetInt(in, "Limit").value_or(10);
  std::string after(GetString(in, "ExclusiveStartTagKey").value_or(""));
  json::array tags;
  bool more = false;
  for (auto it = after.empty() ? st.tags.begin() : st.tags.upper_bound(after); it != st.tags.end(); ++it) {
    if (static_cast<int64_t>(tags.size()) >= limit) {
      more = true;
      break;
    }
    tags.push_back(json::object{{"Key", it->first}, {"Value", it->second}});
  }
  return json::value(json::object{{"Tags", std::move(tags)}, {"HasMoreTags", more}});
}

KinesisService::Out KinesisService::UpdateStreamMode(Ctx& c, const In& in) {
  std::string mode;
  if (auto* d = GetObject(in, "StreamModeDetails")) mode = GetString(*d, "StreamMode").value_or("");
  std::lock_guard lock(mu_);
  auto s = ActiveStream(c, in);
  if (!s) return Fail(s.error());
  Stream& st = **s;
  if (mode == st.mode)
    return Fail(InvalidArgument("Stream " + st.name + " under account " + c.account + " is already in " + mode +
                                " mode."));
  st.mode = mode;
  Transition(st, "UPDATING");
  PersistStream(&c, st);
  return json::value(json::object());
}

// Start and Stop: KMS is the only type; the stream updates to `encryption` with `key_id`.
KinesisService::Out KinesisService::SetStreamEncryption(Ctx& c, const In& in, std::string encryption,
                                                        std::string key_id) {
  std::string type(GetString(in, "EncryptionType").value_or(""));
  if (type != "KMS")
    return Fail(InvalidArgument("Encryption type " + type + " is not supported. Supported encryption type: KMS."));
  std::lock_guard lock(mu_);
  auto s = ActiveStream(c, in);
  if (!s) return Fail(s.error());
  Stream& st = **s;
  st.encryption = std::move(encryption);
  st.key_id = std::move(key_id);
  Transition(st, "UPDATING");
  PersistStream(&c, st);
  return json::value(json::object());
}

KinesisService::Out KinesisService::StartStreamEncryption(Ctx& c, const In& in) {
  return SetStreamEncryption(c, in, "KMS", std::string(GetString(in, "KeyId").value_or("")));
}

KinesisService::Out KinesisService::StopStreamEncryption(Ctx& c, const In& in) {
  return SetStreamEncryption(c, in, "NONE", "");
}

static KinesisService::Out Monitoring(KinesisService& svc, aws::Context& c, const json::object& in, bool enable) {
  std::lock_guard lock(svc.mu_);
  auto s = svc.ActiveStream(c, in);
  if (!s) return Fail(s.error());
  Stream& st = **s;
  std::set<std::string> wanted;
  if (const json::array* m = GetArray(in, "ShardLevelMetrics"))
    for (const auto& x : *m) {
      if (!x.is_string()) continue;
      if (x.get_string() == "ALL")
        for (auto a : kAllMetrics) wanted.emplace(a);
      else
        wanted.emplace(x.get_string());
    }
  std::vector<std::string> before = st.metrics;
  std::set<std::string> now(before.begin(), before.end());
  for (const auto& m : wanted) {
    if (enable) now.insert(m);
    else now.erase(m);
  }
  // AWS lists the metrics in its own fixed order.
  st.metrics.clear();
  for (auto a : kAllMetrics)
    if (now.contains(std::string(a))) st.metrics.emplace_back(a);
  svc.PersistStream(&c, st);
  json::object out;
  out["StreamName"] = st.name;
  out["CurrentShardLevelMetrics"] = MetricsJson(before);
  out["DesiredShardLevelMetrics"] = MetricsJson(st.metrics);
  out["StreamARN"] = st.arn;
  return json::value(std::move(out));
}

KinesisService::Out KinesisService::EnableEnhancedMonitoring(Ctx& c, const In& in) {
  return Monitoring(*this, c, in, true);
}

KinesisService::Out KinesisService::DisableEnhancedMonitoring(Ctx& c, const In& in) {
  return Monitoring(*this, c, in, false);
}

KinesisService::Out KinesisService::DescribeLimits(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto& streams = Streams(c.account, c.region);
  int on_demand = 0;
  for (const auto& [n, s] : streams) on_demand += s->mode == "ON_DEMAND";
  json::object out;
  out["ShardLimit"] = kShardLimit;
  out["OpenShardCount"] = AccountShards(streams);
  out["OnDemandStreamCount"] = on_demand;
  out["OnDemandStreamCountLimit"] = kOnDemandStreamLimit;
  return json::value(std::move(out));
}

}  // namespace stratus::kinesis
