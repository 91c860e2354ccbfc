// The Kinesis operation table, stream lookup, hash keys and sequence numbers, status
// transitions, retention and persistence.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/encoding.h"
#include "services/kinesis/kinesis.h"
#include "store/store.h"

namespace stratus::kinesis {

// ---- hash keys and sequence numbers --------------------------------------------------------

std::string U128ToString(u128 v) {
  if (v == 0) return "0";
  std::string out;
  while (v > 0) {
    out += static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::optional<u128> ParseU128(std::string_view s) {
  if (s.empty() || s.size() > 39) return std::nullopt;
  u128 v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return std::nullopt;
    u128 d = static_cast<u128>(ch - '0');
    if (v > (kMaxHashKey - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

u128 HashOfPartitionKey(std::string_view key) {
  std::string hex = Md5Hex(key);
  u128 v = 0;
  for (char ch : hex) v = (v << 4) | static_cast<u128>(ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10);
  return v;
}

std::string MakeSequenceNumber(uint64_t ordinal, int shard_index, int64_t arrival_ms) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "49%024llu%010d%020lld", static_cast<unsigned long long>(ordinal),
                shard_index, static_cast<long long>(arrival_ms));
  return buf;
}

std::optional<SequenceParts> ParseSequenceNumber(std::string_view s) {
  if (s.size() != 56 || !s.starts_with("49")) return std::nullopt;
  for (char ch : s)
    if (ch < '0' || ch > '9') return std::nullopt;
  SequenceParts p;
  p.ordinal = std::strtoull(std::string(s.substr(2, 24)).c_str(), nullptr, 10);
  p.shard_index = static_cast<int>(std::strtol(std::string(s.substr(26, 10)).c_str(), nullptr, 10));
  return p;
}

std::string ShardIdOf(int index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "shardId-%012d", index);
  return buf;
}

int Stream::OpenShards() const {
  int n = 0;
  for (const auto& sh : shards) n += sh.Open();
  return n;
}

std::string Stream::RecordsTable() const { return "kinesis/" + account + "/" + region + "/r/" + name + "/"; }

// ---- the service ---------------------------------------------------------------------------

KinesisService::KinesisService() : ServiceHandler("kinesis") {
#define STRATUS_KINESIS_OP(name) On(#name, [this](Ctx& c, const In& in) { return name(c, in); })
  STRATUS_KINESIS_OP(CreateStream);
  STRATUS_KINESIS_OP(DeleteStream);
  STRATUS_KINESIS_OP(DescribeStream);
  STRATUS_KINESIS_OP(DescribeStreamSummary);
  STRATUS_KINESIS_OP(ListStreams);
  STRATUS_KINESIS_OP(IncreaseStreamRetentionPeriod);
  STRATUS_KINESIS_OP(DecreaseStreamRetentionPeriod);
  STRATUS_KINESIS_OP(AddTagsToStream);
  STRATUS_KINESIS_OP(RemoveTagsFromStream);
  STRATUS_KINESIS_OP(ListTagsForStream);
  STRATUS_KINESIS_OP(UpdateStreamMode);
  STRATUS_KINESIS_OP(StartStreamEncryption);
  STRATUS_KINESIS_OP(StopStreamEncryption);
  STRATUS_KINESIS_OP(EnableEnhancedMonitoring);
  STRATUS_KINESIS_OP(DisableEnhancedMonitoring);
  STRATUS_KINESIS_OP(DescribeLimits);
  STRATUS_KINESIS_OP(RegisterStreamConsumer);
  STRATUS_KINESIS_OP(DescribeStreamConsumer);
  STRATUS_KINESIS_OP(ListStreamConsumers);
  STRATUS_KINESIS_OP(DeregisterStreamConsumer);
  STRATUS_KINESIS_OP(PutRecord);
  STRATUS_KINESIS_OP(PutRecords);
  STRATUS_KINESIS_OP(GetShardIterator);
  STRATUS_KINESIS_OP(GetRecords);
  STRATUS_KINESIS_OP(ListShards);
  STRATUS_KINESIS_OP(SplitShard);
  STRATUS_KINESIS_OP(MergeShards);
  STRATUS_KINESIS_OP(UpdateShardCount);
  STRATUS_KINESIS_OP(TagResource);
  STRATUS_KINESIS_OP(UntagResource);
  STRATUS_KINESIS_OP(ListTagsForResource);
  STRATUS_KINESIS_OP(PutResourcePolicy);
  STRATUS_KINESIS_OP(GetResourcePolicy);
  STRATUS_KINESIS_OP(DeleteResourcePolicy);
  STRATUS_KINESIS_OP(UpdateMaxRecordSize);
  STRATUS_KINESIS_OP(UpdateStreamWarmThroughput);
  STRATUS_KINESIS_OP(DescribeAccountSettings);
  STRATUS_KINESIS_OP(UpdateAccountSettings);
  STRATUS_KINESIS_OP(SubscribeToShard);
#undef STRATUS_KINESIS_OP
}

AwsError KinesisService::Error(std::string_view shape, std::string message) {
  return aws::ModelErrorFor(*aws::CompiledService("kinesis"), shape, std::move(message));
}

AwsError KinesisService::NotFound(const std::string& name, const std::string& account) {
  return Error("ResourceNotFoundException", "Stream " + name + " under account " + account + " not found.");
}

AwsError KinesisService::InvalidArgument(std::string message) {
  return Error("InvalidArgumentException", std::move(message));
}

AwsError KinesisService::InUse(std::string message) {
  return Error("ResourceInUseException", std::move(message));
}

Stream* KinesisService::StreamByArn(std::string_view arn) {
  // arn:PARTITION:kinesis:REGION:ACCOUNT:stream/NAME
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = arn.find(':', start);
    if (colon == std::string_view::npos) return nullptr;
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  std::string_view resource = arn.substr(start);
  if (parts[2] != "kinesis" || !resource.starts_with("stream/")) return nullptr;
  auto& streams = Streams(std::string(parts[4]), std::string(parts[3]));
  auto it = streams.find(std::string(resource.substr(7)));
  return it == streams.end() ? nullptr : it->second.get();
}

Result<Stream*> KinesisService::StreamOf(Ctx& c, const In& in) {
  auto name = GetString(in, "StreamName");
  auto arn = GetString(in, "StreamARN");
  if (arn) {
    Stream* s = StreamByArn(*arn);
    std::string_view resource = arn->substr(std::min(arn->size(), arn->rfind('/') + 1));
    if (!s || s->account != c.account || s->region != c.region) {
      // Another account's or region's stream is as good as absent to the caller.
      std::string acct = c.account;
      if (auto parts = arn->find(":kinesis:"); parts != std::string_view::npos) {
        auto rest = arn->substr(parts + 9);
        auto colon = rest.find(':');
        if (colon != std::string_view::npos) {
          auto after = rest.substr(colon + 1);
          acct = std::string(after.substr(0, after.find(':')));
        }
      }
      return Fail(NotFound(std::string(resource), acct));
    }
    if (name && *name != s->name)
      return Fail(InvalidArgument("StreamARN " + std::string(*arn) + " and StreamName " + std::string(*name) +
                                  " do not refer to the same stream."));
    return s;
  }
  if (!name)
    return Fail(Error("ValidationException", "Neither StreamName nor StreamARN was provided."));
  auto& streams = Streams(c.account, c.region);
  auto it = streams.find(std::string(*name));
  if (it == streams.end()) return Fail(NotFound(std::string(*name), c.account));
  return it->second.get();
}

Result<Stream*> KinesisService::ActiveStream(Ctx& c, const In& in) {
  auto s = StreamOf(c, in);
  if (!s) return s;
  if ((*s)->status != "ACTIVE")
    return Fail(InUse("Stream " + (*s)->name + " under account " + c.account + " not ACTIVE, instead in state " +
                      (*s)->status));
  return s;
}

void KinesisService::Transition(Stream& s, const std::string& status) {
  s.status = status;
  if (s.status_task) env_->scheduler.Cancel(s.status_task);
  std::string account = s.account, region = s.region, name = s.name;
  int64_t created = s.created_ms;
  s.status_task = env_->scheduler.ScheduleAt(
      env_->clock.NowMillis() + transition_ms_, [this, account, region, name, created] {
        std::lock_guard lock(mu_);
        auto& streams = Streams(account, region);
        auto it = streams.find(name);
        if (it == streams.end() || it->second->created_ms != created) return;
        Stream& st = *it->second;
        st.status_task = 0;
        if (st.status == "DELETING") {
          if (env_->store.persistent()) {
            env_->store.Delete("kinesis/" + account + "/" + region + "/s", name);
            env_->store.DeletePrefix(st.RecordsTable());
          }
          streams.erase(it);
          return;
        }
        st.status = "ACTIVE";
        for (auto& [cname, consumer] : st.consumers)
          if (consumer.status == "CREATING") consumer.status = "ACTIVE";
        std::erase_if(st.consumers, [](const auto& kv) { return kv.second.status == "DELETING"; });
        PersistStream(nullptr, st);
      });
}

bool KinesisService::Expired(const Stream& s, const Shard& sh, int64_t now) const {
  return !sh.Open() && sh.closed_ms + static_cast<int64_t>(s.retention_hours) * 3'600'000 <= now;
}

void KinesisService::Trim(Stream& s, int64_t now) {
  int64_t horizon = now - static_cast<int64_t>(s.retention_hours) * 3'600'000;
  for (auto& sh : s.shards) {
    size_t n = 0;
    while (n < sh.records.size() && sh.records[n].arrival_ms <= horizon) {
      UnpersistRecord(s, sh, sh.records[n].ordinal);
      ++n;
    }
    if (n) sh.records.erase(sh.records.begin(), sh.records.begin() + static_cast<std::ptrdiff_t>(n));
  }
}

Shard* KinesisService::ShardById(Stream& s, std::string_view id) {
  for (auto& sh : s.shards)
    if (sh.Id() == id) return &sh;
  return nullptr;
}

void KinesisService::AddShards(Stream& s, const std::vector<std::pair<u128, u128>>& ranges, int64_t now,
                               const std::vector<std::pair<int, int>>& parents) {
  for (size_t i = 0; i < ranges.size(); ++i) {
    Shard sh;
    sh.index = static_cast<int>(s.shards.size());
    sh.start_hash = ranges[i].first;
    sh.end_hash = ranges[i].second;
    if (i < parents.size()) {
      sh.parent = parents[i].first;
      sh.adjacent_parent = parents[i].second;
    }
    sh.start_ordinal = s.counter;
    sh.created_ms = now;
    s.shards.push_back(std::move(sh));
  }
}

json::object KinesisService::ShardJson(const Shard& sh) const {
  json::object o;
  o["ShardId"] = sh.Id();
  if (sh.parent >= 0) o["ParentShardId"] = ShardIdOf(sh.parent);
  if (sh.adjacent_parent >= 0) o["AdjacentParentShardId"] = ShardIdOf(sh.adjacent_parent);
  o["HashKeyRange"] = json::object{{"StartingHashKey", U128ToString(sh.start_hash)},
                                   {"EndingHashKey", U128ToString(sh.end_hash)}};
  json::object range;
  range["StartingSequenceNumber"] = MakeSequenceNumber(sh.start_ordinal, sh.index, sh.created_ms);
  if (sh.end_ordinal) range["EndingSequenceNumber"] = MakeSequenceNumber(*sh.end_ordinal, sh.index, sh.closed_ms);
  o["SequenceNumberRange"] = std::move(range);
  return o;
}

// ---- persistence ---------------------------------------------------------------------------

namespace {
std::string RecordKey(int shard, uint64_t ordinal) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%06d/%020llu", shard, static_cast<unsigned long long>(ordinal));
  return buf;
}
}  // namespace

void KinesisService::PersistStream(Ctx* c, const Stream& s) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  json::object o;
  o["account"] = s.account;
  o["region"] = s.region;
  o["name"] = s.name;
  o["status"] = s.status;
  o["mode"] = s.mode;
  o["created"] = s.created_ms;
  o["retention"] = s.retention_hours;
  o["encryption"] = s.encryption;
  o["key"] = s.key_id;
  o["counter"] = s.counter;
  o["policy"] = s.policy;
  o["max_record_kib"] = s.max_record_kib;
  o["warm"] = s.warm_mibps;
  json::array metrics;
  for (const auto& m : s.metrics) metrics.push_back(json::string(m));
  o["metrics"] = std::move(metrics);
  json::object tags;
  for (const auto& [k, v] : s.tags) tags[k] = v;
  o["tags"] = std::move(tags);
  json::array shards;
  for (const auto& sh : s.shards) {
    json::object x;
    x["i"] = sh.index;
    x["s"] = U128ToString(sh.start_hash);
    x["e"] = U128ToString(sh.end_hash);
    x["p"] = sh.parent;
    x["a"] = sh.adjacent_parent;
    x["so"] = sh.start_ordinal;
    x["c"] = sh.created_ms;
    if (sh.end_ordinal) {
      x["eo"] = *sh.end_ordinal;
      x["x"] = sh.closed_ms;
    }
    shards.push_back(std::move(x));
  }
  o["shards"] = std::move(shards);
  json::array consumers;
  for (const auto& [n, con] : s.consumers) {
    json::object ctags;
    for (const auto& [k, v] : con.tags) ctags[k] = v;
    consumers.push_back(json::object{{"n", con.name}, {"s", con.status}, {"c", con.created_ms}, {"a", con.arn},
                                     {"t", std::move(ctags)}, {"p", con.policy}});
  }
  o["consumers"] = std::move(consumers);
  uint64_t seq = st.Put("kinesis/" + s.account + "/" + s.region + "/s", s.name, json::serialize(o));
  if (c) c->Persisted(seq);
}

void KinesisService::PersistRecord(Ctx* c, const Stream& s, const Shard& sh, const Record& r) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  json::object o;
  o["d"] = r.data;
  o["k"] = r.partition_key;
  o["t"] = r.arrival_ms;
  if (r.encrypted) o["e"] = true;
  uint64_t seq = st.Put(s.RecordsTable(), RecordKey(sh.index, r.ordinal), json::serialize(o));
  if (c) c->Persisted(seq);
}

void KinesisService::PersistCommitment(Ctx* c, const Key& key, const Commitment& value) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  json::object o{{"status", value.status}, {"started", value.started_ms}, {"ended", value.ended_ms}};
  uint64_t seq = st.Put("kinesis/" + key.first + "/" + key.second + "/settings", "commitment", json::serialize(o));
  if (c) c->Persisted(seq);
}

void KinesisService::UnpersistRecord(const Stream& s, const Shard& sh, uint64_t ordinal) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  st.Delete(s.RecordsTable(), RecordKey(sh.index, ordinal));
}

void KinesisService::Start(aws::ServiceEnv& env) {
  env_ = &env;
  if (const char* v = std::getenv("STRATUS_KINESIS_TRANSITION_MS")) transition_ms_ = std::atoll(v);
  if (const char* v = std::getenv("STRATUS_KINESIS_ITERATOR_TTL_MS")) iterator_ttl_ms_ = std::atoll(v);
  if (const char* v = std::getenv("STRATUS_KINESIS_SUBSCRIPTION_MS")) subscription_ms_ = std::atoll(v);
  if (const char* v = std::getenv("STRATUS_KINESIS_ENFORCE_THROUGHPUT"))
    enforce_throughput_ = std::string_view(v) == "true" || std::string_view(v) == "1";
  std::lock_guard lock(mu_);
  int64_t now = env.clock.NowMillis();
  std::vector<std::pair<std::string, std::string>> doomed;  // (table, key) of streams being deleted
  env.store.Scan("kinesis/", [&](std::string_view table, std::string_view key, std::string_view value) {
    if (table.ends_with("/settings")) {
      // kinesis/ACCOUNT/REGION/settings
      std::string_view head = table.substr(8, table.size() - 8 - 9);
      auto slash = head.find('/');
      boost::system::error_code ec;
      auto v = json::parse(value, ec);
      if (slash == std::string_view::npos || ec || !v.is_object()) return;
      Commitment& cm = commitments_[{std::string(head.substr(0, slash)), std::string(head.substr(slash + 1))}];
      cm.status = GetString(v.get_object(), "status").value_or("DISABLED");
      cm.started_ms = GetInt(v.get_object(), "started").value_or(0);
      cm.ended_ms = GetInt(v.get_object(), "ended").value_or(0);
      return;
    }
    if (!table.ends_with("/s")) return;
    boost::system::error_code ec;
    auto v = json::parse(value, ec);
    if (ec || !v.is_object()) return;
    const auto& o = v.get_object();
    auto s = std::make_unique<Stream>();
    s->account = GetString(o, "account").value_or("");
    s->region = GetString(o, "region").value_or("");
    s->name = GetString(o, "name").value_or("");
    s->arn = "arn:aws:kinesis:" + s->region + ":" + s->account + ":stream/" + s->name;
    s->status = GetString(o, "status").value_or("ACTIVE");
    if (s->status == "DELETING") {
      doomed.emplace_back(std::string(table), std::string(key));
      env.store.DeletePrefix(s->RecordsTable());
      return;
    }
    s->status = "ACTIVE";  // a transition in progress at shutdown has completed
    s->mode = GetString(o, "mode").value_or("PROVISIONED");
    s->created_ms = GetInt(o, "created").value_or(0);
    s->retention_hours = static_cast<int>(GetInt(o, "retention").value_or(24));
    s->encryption = GetString(o, "encryption").value_or("NONE");
    s->key_id = GetString(o, "key").value_or("");
    s->counter = static_cast<uint64_t>(GetInt(o, "counter").value_or(0));
    s->policy = GetString(o, "policy").value_or("");
    s->max_record_kib = static_cast<int>(GetInt(o, "max_record_kib").value_or(1024));
    s->warm_mibps = GetInt(o, "warm").value_or(-1);
    if (auto* m = GetArray(o, "metrics"))
      for (const auto& x : *m)
        if (x.is_string()) s->metrics.emplace_back(x.get_string());
    if (auto* t = GetObject(o, "tags"))
      for (const auto& [k, x] : *t)
        if (x.is_string()) s->tags[k] = x.get_string();
    if (auto* shards = GetArray(o, "shards"))
      for (const auto& xv : *shards) {
        if (!xv.is_object()) continue;
        const auto& x = xv.get_object();
        Shard sh;
        sh.index = static_cast<int>(GetInt(x, "i").value_or(0));
        sh.start_hash = ParseU128(GetString(x, "s").value_or("0")).value_or(0);
        sh.end_hash = ParseU128(GetString(x, "e").value_or("0")).value_or(0);
        sh.parent = static_cast<int>(GetInt(x, "p").value_or(-1));
        sh.adjacent_parent = static_cast<int>(GetInt(x, "a").value_or(-1));
        sh.start_ordinal = static_cast<uint64_t>(GetInt(x, "so").value_or(0));
        sh.created_ms = GetInt(x, "c").value_or(0);
        if (auto eo = GetInt(x, "eo")) {
          sh.end_ordinal = static_cast<uint64_t>(*eo);
          sh.closed_ms = GetInt(x, "x").value_or(0);
        }
        s->shards.push_back(std::move(sh));
      }
    if (auto* consumers = GetArray(o, "consumers"))
      for (const auto& xv : *consumers) {
        if (!xv.is_object()) continue;
        const auto& x = xv.get_object();
        Consumer con;
        con.name = GetString(x, "n").value_or("");
        con.status = GetString(x, "s").value_or("ACTIVE");
        con.created_ms = GetInt(x, "c").value_or(0);
        con.arn = GetString(x, "a").value_or("");
        con.policy = GetString(x, "p").value_or("");
        if (auto* t = GetObject(x, "t"))
          for (const auto& [tk, tv] : *t)
            if (tv.is_string()) con.tags[tk] = tv.get_string();
        if (con.status == "DELETING") continue;
        con.status = "ACTIVE";
        s->consumers[con.name] = std::move(con);
      }
    std::string name = s->name;
    Streams(s->account, s->region)[name] = std::move(s);
  });
  for (const auto& [table, key] : doomed) env.store.Delete(table, key);
  env.store.Scan("kinesis/", [&](std::string_view table, std::string_view key, std::string_view value) {
    auto pos = table.find("/r/");
    if (pos == std::string_view::npos || !table.ends_with("/")) return;
    // kinesis/ACCOUNT/REGION/r/NAME/
    std::string_view head = table.substr(8, pos - 8);
    auto slash = head.find('/');
    if (slash == std::string_view::npos) return;
    auto& streams = Streams(std::string(head.substr(0, slash)), std::string(head.substr(slash + 1)));
    std::string_view name = table.substr(pos + 3);
    name.remove_suffix(1);
    auto it = streams.find(std::string(name));
    if (it == streams.end()) return;
    Stream& s = *it->second;
    auto kslash = key.find('/');
    if (kslash == std::string_view::npos) return;
    int shard = std::atoi(std::string(key.substr(0, kslash)).c_str());
    if (shard < 0 || shard >= static_cast<int>(s.shards.size())) return;
    boost::system::error_code ec;
    auto v = json::parse(value, ec);
    if (ec || !v.is_object()) return;
    const auto& o = v.get_object();
    Record r;
    r.ordinal = std::strtoull(std::string(key.substr(kslash + 1)).c_str(), nullptr, 10);
    r.data = GetString(o, "d").value_or("");
    r.partition_key = GetString(o, "k").value_or("");
    r.arrival_ms = GetInt(o, "t").value_or(0);
    r.encrypted = GetBool(o, "e").value_or(false);
    r.bytes = Base64Decode(r.data).value_or("").size() + r.partition_key.size();
    s.counter = std::max(s.counter, r.ordinal);
    s.shards[static_cast<size_t>(shard)].records.push_back(std::move(r));
  });
  for (auto& [key, streams] : regions_)
    for (auto& [name, s] : streams) {
      for (auto& sh : s->shards)
        std::sort(sh.records.begin(), sh.records.end(),
                  [](const Record& a, const Record& b) { return a.ordinal < b.ordinal; });
      Trim(*s, now);
    }
}

void KinesisService::Reset() {
  std::lock_guard lock(mu_);
  for (auto& [key, streams] : regions_)
    for (auto& [name, s] : streams)
      if (s->status_task && env_) env_->scheduler.Cancel(s->status_task);
  for (auto& [key, streams] : regions_)
    for (auto& [name, s] : streams) EndSubscriptions(*s);
  regions_.clear();
  commitments_.clear();
  if (env_ && env_->store.persistent()) env_->store.DeletePrefix("kinesis/");
}

std::unique_ptr<aws::ServiceHandler> MakeKinesisService() { return std::make_unique<KinesisService>(); }

}  // namespace stratus::kinesis
