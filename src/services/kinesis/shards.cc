// Shards: ListShards (with ShardFilter) and resharding (SplitShard, MergeShards,
// UpdateShardCount), which close shards and record the lineage of their children.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

#include "aws/protocol/codec.h"
#include "core/encoding.h"
#include "services/kinesis/kinesis.h"

namespace stratus::kinesis {
namespace {

constexpr int kShardLimit = 500;

bool OpenAt(const Shard& sh, int64_t t) { return sh.created_ms <= t && (sh.Open() || sh.closed_ms > t); }

AwsError ShardNotFound(const std::string& id, const Stream& s) {
  return KinesisService::Error("ResourceNotFoundException", "Could not find shard " + id + " in stream " + s.name +
                                                                " under account " + s.account + ".");
}

AwsError NotEligible(const Shard& sh, const Stream& s) {
  return KinesisService::InvalidArgument("Shard " + sh.Id() + " in stream " + s.name + " under account " + s.account +
                                         " has already been merged or split, and thus is not eligible for merging "
                                         "or splitting.");
}

int OpenShardsOf(KinesisService& svc, const std::string& account, const std::string& region) {
  int n = 0;
  for (const auto& [name, s] : svc.Streams(account, region)) n += s->OpenShards();
  return n;
}

std::optional<AwsError> CheckShardLimit(KinesisService& svc, const Stream& s, int more) {
  int current = OpenShardsOf(svc, s.account, s.region);
  if (current + more <= kShardLimit) return std::nullopt;
  return KinesisService::Error(
      "LimitExceededException",
      "This request would exceed the shard limit for the account " + s.account + " in " + s.region +
          ". Current shard count for the account: " + std::to_string(current) + ". Limit: " +
          std::to_string(kShardLimit) + ". Number of additional shards that would have resulted from this request: " +
          std::to_string(more) +
          ". Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) "
          "for current limits and how to request higher limits.");
}

void Close(Stream& s, Shard& sh, int64_t now) {
  sh.end_ordinal = s.counter;
  sh.closed_ms = now;
}

}  // namespace

KinesisService::Out KinesisService::ListShards(Ctx& c, const In& in) {
  auto token = GetString(in, "NextToken");
  if (token && GetString(in, "StreamName"))
    return Fail(InvalidArgument("NextToken and StreamName cannot be provided together."));
  if (token && GetString(in, "StreamARN"))
    return Fail(InvalidArgument("NextToken and StreamARN cannot be provided together."));
  int64_t max = GetInt(in, "MaxResults").value_or(1000);
  std::string after(GetString(in, "ExclusiveStartShardId").value_or(""));
  json::object filter;
  if (auto* f = GetObject(in, "ShardFilter")) filter = *f;
  std::lock_guard lock(mu_);
  Stream* st = nullptr;
  int64_t now = c.clock.NowMillis();
  if (token) {
    // base64 of {"s": stream, "c": created, "a": last shard id, "f": filter, "e": expiry}
    auto raw = Base64Decode(*token);
    boost::system::error_code ec;
    json::value v = raw ? json::parse(*raw, ec) : json::value();
    if (!raw || ec || !v.is_object()) return Fail(InvalidArgument("Invalid NextToken."));
    const auto& o = v.get_object();
    if (GetInt(o, "e").value_or(0) < now)
      return Fail(Error("ExpiredNextTokenException", "The timestamp on the NextToken has expired."));
    auto& streams = Streams(c.account, c.region);
    auto it = streams.find(std::string(GetString(o, "s").value_or("")));
    if (it == streams.end() || it->second->created_ms != GetInt(o, "c").value_or(-1))
      return Fail(NotFound(std::string(GetString(o, "s").value_or("")), c.account));
    st = it->second.get();
    after = GetString(o, "a").value_or("");
    if (auto* f = GetObject(o, "f")) filter = *f;
  } else {
    auto s = StreamOf(c, in);
    if (!s) return Fail(s.error());
    st = *s;
  }
  Trim(*st, now);
  int64_t horizon = std::max(st->created_ms, now - static_cast<int64_t>(st->retention_hours) * 3'600'000);
  std::string type(GetString(filter, "Type").value_or(""));
  std::string filter_shard(GetString(filter, "ShardId").value_or(""));
  const json::value* filter_ts = Find(filter, "Timestamp");
  if (type == "AFTER_SHARD_ID" && filter_shard.empty())
    return Fail(InvalidArgument("Must specify ShardId in ShardFilter for the AFTER_SHARD_ID ShardFilter type."));
  if ((type == "AT_TIMESTAMP" || type == "FROM_TIMESTAMP") && !filter_ts)
    return Fail(InvalidArgument("Must specify Timestamp in ShardFilter for the " + type + " ShardFilter type."));
  int64_t at = filter_ts ? std::max(st->created_ms, aws::TimestampMillis(*filter_ts)) : 0;
  json::array shards;
  std::string last;
  bool more = false;
  for (const auto& sh : st->shards) {
    if (Expired(*st, sh, now)) continue;
    std::string id = sh.Id();
    if (!after.empty() && id <= after) continue;
    bool keep = true;
    if (type == "AT_LATEST") keep = sh.Open();
    else if (type == "AT_TRIM_HORIZON") keep = OpenAt(sh, horizon);
    else if (type == "AT_TIMESTAMP") keep = OpenAt(sh, at);
    else if (type == "FROM_TIMESTAMP") keep = sh.Open() || sh.closed_ms > at;
    else if (type == "AFTER_SHARD_ID") keep = id > filter_shard;
    if (!keep) continue;
    if (static_cast<int64_t>(shards.size()) >= max) {
      more = true;
      break;
    }
    shards.push_back(ShardJson(sh));
    last = id;
  }
  json::object out;
  out["Shards"] = std::move(shards);
  if (more) {
    // AWS's tokens last 300 seconds.
    json::object t{{"s", st->name}, {"c", st->created_ms}, {"a", last}, {"e", now + 300'000}};
    if (!filter.empty()) t["f"] = filter;
    out["NextToken"] = Base64Encode(json::serialize(t));
  }
  return json::value(std::move(out));
}

KinesisService::Out KinesisService::SplitShard(Ctx& c, const In& in) {
  std::string id(GetString(in, "ShardToSplit").value_or(""));
  std::string key_text(GetString(in, "NewStartingHashKey").value_or(""));
  std::lock_guard lock(mu_);
  auto s = ActiveStream(c, in);
  if (!s) return Fail(s.error());
  Stream& st = **s;
  int64_t now = c.clock.NowMillis();
  Shard* sh = ShardById(st, id);
  if (!sh || Expired(st, *sh, now)) return Fail(ShardNotFound(id, st));
  if (!sh->Open()) return Fail(NotEligible(*sh, st));
  auto key = ParseU128(key_text);
  if (!key || *key <= sh->start_hash + 1 || *key >= sh->end_hash)
    return Fail(InvalidArgument("NewStartingHashKey " + key_text + " used in SplitShard() on shard " + id +
                                " in stream " + st.name + " under account " + c.account +
                                " is not both greater than one plus the shard's StartingHashKey " +
                                U128ToString(sh->start_hash) + " and less than the shard's EndingHashKey " +
                                U128ToString(sh->end_hash) + "."));
  if (auto err = CheckShardLimit(*this, st, 1)) return Fail(*err);
  Close(st, *sh, now);
  u128 start = sh->start_hash, end = sh->end_hash;
  int parent = sh->index;
  AddShards(st, {{start, *key - 1}, {*key, end}}, now, {{parent, -1}, {parent, -1}});
  Transition(st, "UPDATING");
  if (!subscriptions_.empty()) NotifySubscribers(st);
  PersistStream(&c, st);
  return json::value(json::object());
}

KinesisService::Out KinesisService::MergeShards(Ctx& c, const In& in) {
  std::string id(GetString(in, "ShardToMerge").value_or(""));
  std::string adj_id(GetString(in, "AdjacentShardToMerge").value_or(""));
  std::lock_guard lock(mu_);
  auto s = ActiveStream(c, in);
  if (!s) return Fail(s.error());
  Stream& st = **s;
  int64_t now = c.clock.NowMillis();
  Shard* a = ShardById(st, id);
  if (!a || Expired(st, *a, now)) return Fail(ShardNotFound(id, st));
  Shard* b = ShardById(st, adj_id);
  if (!b || Expired(st, *b, now)) return Fail(ShardNotFound(adj_id, st));
  if (!a->Open()) return Fail(NotEligible(*a, st));
  if (!b->Open()) return Fail(NotEligible(*b, st));
  bool adjacent = (a->end_hash != kMaxHashKey && a->end_hash + 1 == b->start_hash) ||
                  (b->end_hash != kMaxHashKey && b->end_hash + 1 == a->start_hash);
  if (!adjacent)
    return Fail(InvalidArgument("Shards " + id + " and " + adj_id + " in stream " + st.name + " under account " +
                                c.account + " are not an adjacent pair of shards eligible for merging"));
  Close(st, *a, now);
  Close(st, *b, now);
  u128 start = std::min(a->start_hash, b->start_hash), end = std::max(a->end_hash, b->end_hash);
  int pa = a->index, pb = b->index;
  AddShards(st, {{start, end}}, now, {{pa, pb}});
  Transition(st, "UPDATING");
  if (!subscriptions_.empty()) NotifySubscribers(st);
  PersistStream(&c, st);
  return json::value(json::object());
}

KinesisService::Out KinesisService::UpdateShardCount(Ctx& c, const In& in) {
  int64_t target = GetInt(in, "TargetShardCount").value_or(0);
  std::lock_guard lock(mu_);
  auto s = ActiveStream(c, in);
  if (!s) return Fail(s.error());
  Stream& st = **s;
  int current = st.OpenShards();
  if (target > 2 * static_cast<int64_t>(current))
    return Fail(Error("LimitExceededException",
                      "UpdateShardCount cannot scale up over double your current open shard count. Current open "
                      "shard count: " + std::to_string(current) + " Target shard count: " + std::to_string(target)));
  if (target * 2 < current)
    return Fail(Error("LimitExceededException",
                      "UpdateShardCount cannot scale down below half your current open shard count. Current open "
                      "shard count: " + std::to_string(current) + " Target shard count: " + std::to_string(target)));
  if (auto err = CheckShardLimit(*this, st, static_cast<int>(target) - current); err && target > current)
    return Fail(*err);
  int64_t now = c.clock.NowMillis();
  if (target != current) {
    std::vector<int> old;
    for (auto& sh : st.shards)
      if (sh.Open()) {
        old.push_back(sh.index);
        Close(st, sh, now);
      }
    auto ranges = EvenHashRanges(static_cast<int>(target));
    std::vector<std::pair<int, int>> parents;
    for (const auto& [start, end] : ranges) {
      // The closed shards whose ranges overlap the new one, in hash-key order.
      std::vector<int> overlap;
      for (int i : old) {
        const Shard& o = st.shards[static_cast<size_t>(i)];
        if (o.start_hash <= end && start <= o.end_hash) overlap.push_back(i);
      }
      std::sort(overlap.begin(), overlap.end(), [&](int x, int y) {
        return st.shards[static_cast<size_t>(x)].start_hash < st.shards[static_cast<size_t>(y)].start_hash;
      });
      parents.emplace_back(overlap.empty() ? -1 : overlap[0], overlap.size() > 1 ? overlap[1] : -1);
    }
    AddShards(st, ranges, now, parents);
  }
  Transition(st, "UPDATING");
  if (!subscriptions_.empty()) NotifySubscribers(st);
  PersistStream(&c, st);
  json::object out;
  out["StreamName"] = st.name;
  out["CurrentShardCount"] = current;
  out["TargetShardCount"] = target;
  out["StreamARN"] = st.arn;
  return json::value(std::move(out));
}

}  // namespace stratus::kinesis
