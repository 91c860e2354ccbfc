// DynamoDB Streams: records written on every item change per StreamViewType, kept 24 hours,
// read through the DynamoDB Streams API; and the TTL sweep, whose deletions are stream
// records of the DynamoDB service itself.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cinttypes>

#include "core/encoding.h"
#include "core/timefmt.h"
#include "services/dynamodb/dynamodb.h"
#include "services/dynamodb/number.h"
#include "store/store.h"

namespace stratus::dynamodb {

namespace {

constexpr int64_t kRetentionMs = 24 * 3600 * 1000;
constexpr int64_t kIteratorMs = 15 * 60 * 1000;
constexpr int64_t kSweepEveryMs = 30 * 1000;
// AWS closes a stream's shard and opens a child about every four hours.
constexpr int64_t kShardLifetimeMs = 4 * 3600 * 1000;

std::string SeqText(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "1%020" PRIu64, seq);
  return buf;
}

std::optional<uint64_t> ParseSeq(std::string_view s) {
  if (s.size() != 21 || s[0] != '1') return std::nullopt;
  uint64_t v = 0;
  for (char ch : s.substr(1)) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(ch - '0');
  }
  return v;
}

std::string NewShardId(int64_t now) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "shardId-%020" PRId64 "-", now);
  return buf + HexEncode(RandomBytes(4));
}

}  // namespace

Stream* DynamoDbService::FindStream(std::string_view arn) {
  // arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= arn.size() && parts.size() < 6; ++i)
    if (i == arn.size() || arn[i] == ':') {
      parts.push_back(arn.substr(start, i - start));
      start = i + 1;
    }
  if (parts.size() < 5) return nullptr;
  auto rit = regions_.find({std::string(parts[4]), std::string(parts[3])});
  if (rit == regions_.end()) return nullptr;
  auto it = rit->second.streams.find(std::string(arn));
  return it == rit->second.streams.end() ? nullptr : it->second.get();
}

void DynamoDbService::EnableStream(Table& t, const std::string& view_type, Ctx* c) {
  int64_t now = Now();
  std::string label = FormatIso8601(now, true);
  if (!label.empty() && label.back() == 'Z') label.pop_back();
  if (label.find('.') == std::string::npos) label += ".000";
  auto s = std::make_unique<Stream>();
  s->account = t.account;
  s->region = t.region;
  s->label = label;
  s->arn = t.arn + "/stream/" + label;
  s->table_name = t.name;
  s->view_type = view_type;
  s->key = t.key;
  s->created_ms = now;
  Shard sh;
  sh.id = NewShardId(now);
  sh.first_seq = s->next_seq;
  sh.created_ms = now;
  s->shards.push_back(std::move(sh));
  t.stream_enabled = true;
  t.stream_view_type = view_type;
  t.stream_arn = s->arn;
  t.stream_label = label;
  PersistStream(c, *s);
  RegionOf(t.account, t.region).streams[s->arn] = std::move(s);
}

void DynamoDbService::DisableStream(Table& t, Ctx* c) {
  t.stream_enabled = false;
  if (Stream* s = FindStream(t.stream_arn)) {
    s->status = "DISABLED";
    for (auto& sh : s->shards)
      if (!sh.closed) {
        sh.closed = true;
        sh.last_seq = sh.records.empty() ? sh.first_seq : sh.records.back().seq;
      }
    PersistStream(c, *s);
  }
}

void DynamoDbService::Emit(Ctx* c, Table& t, const Item* old_item, const Item* new_item,
                           bool service_identity) {
  if (old_item && new_item && ItemsEqual(*old_item, *new_item)) return;
  Stream* s = FindStream(t.stream_arn);
  if (!s || s->shards.empty()) return;
  int64_t now = Now();
  TrimStream(*s, now);
  if (Shard& open = s->shards.back(); now - open.created_ms >= kShardLifetimeMs) {
    open.closed = true;
    open.last_seq = open.records.empty() ? open.first_seq : open.records.back().seq;
    Shard child;
    child.id = NewShardId(now);
    child.parent = open.id;
    child.first_seq = s->next_seq;
    child.created_ms = now;
    s->shards.push_back(std::move(child));
    PersistStream(c, *s);
  }
  StreamRecord r;
  r.seq = s->next_seq++;
  r.created_ms = now;
  const Item& any = new_item ? *new_item : *old_item;
  Item keys = KeyOf(t.key, any);
  json::object d;
  d["ApproximateCreationDateTime"] = static_cast<double>(now / 1000);
  size_t size = ItemSize(keys);
  d["Keys"] = keys;
  const std::string& vt = s->view_type;
  if (new_item && (vt == "NEW_IMAGE" || vt == "NEW_AND_OLD_IMAGES")) {
    d["NewImage"] = *new_item;
    size += ItemSize(*new_item);
  }
  if (old_item && (vt == "OLD_IMAGE" || vt == "NEW_AND_OLD_IMAGES")) {
    d["OldImage"] = *old_item;
    size += ItemSize(*old_item);
  }
  d["SequenceNumber"] = SeqText(r.seq);
  d["SizeBytes"] = size;
  d["StreamViewType"] = vt;
  json::object rec{{"eventID", HexEncode(RandomBytes(16))},
                   {"eventName", !old_item   ? "INSERT"
                                 : !new_item ? "REMOVE"
                                             : "MODIFY"},
                   {"eventVersion", "1.1"},
                   {"eventSource", "aws:dynamodb"},
                   {"awsRegion", t.region},
                   {"dynamodb", std::move(d)}};
  if (service_identity)
    rec["userIdentity"] =
        json::object{{"PrincipalId", "dynamodb.amazonaws.com"}, {"Type", "Service"}};
  r.record = std::move(rec);
  PersistRecord(c, *s, r);
  s->shards.back().records.push_back(std::move(r));
  if (c) PersistStream(c, *s);  // next_seq
}

void DynamoDbService::TrimStream(Stream& s, int64_t now) {
  store::Store& st = env_->store;
  for (auto& sh : s.shards)
    while (!sh.records.empty() && sh.records.front().created_ms + kRetentionMs <= now) {
      if (st.persistent()) {
        char buf[24];
        std::snprintf(buf, sizeof buf, "%020" PRIu64, sh.records.front().seq);
        st.Delete(StorePrefix(s.account, s.region) + "records/" + s.arn + "/", buf);
      }
      sh.records.pop_front();
    }
}

size_t DynamoDbService::SweepTtl(int64_t now_ms) {
  size_t deleted = 0;
  int64_t now_s = now_ms / 1000;
  // AWS skips TTL values more than five years in the past (DynamoDB developer guide, "Time
  // to Live").
  int64_t floor_s = now_s - 5LL * 365 * 24 * 3600;
  for (auto& [key, region] : regions_) {
    for (auto& [name, t] : region.tables) {
      if (!t->ttl_enabled) continue;
      std::vector<Pos> expired;
      for (const auto& [pos, rec] : t->items) {
        auto* v = Find(rec.item, t->ttl_attribute);
        if (!v || !v->is_object()) continue;
        auto n = GetString(v->get_object(), "N");
        if (!n) continue;
        double seconds = std::strtod(std::string(*n).c_str(), nullptr);
        // An item a transaction holds waits for the next sweep.
        if (seconds < static_cast<double>(now_s) && seconds >= static_cast<double>(floor_s) &&
            !Held(*t, pos))
          expired.push_back(pos);
      }
      for (const auto& pos : expired) Write(nullptr, *t, pos, std::nullopt, true);
      deleted += expired.size();
    }
    for (auto& [arn, s] : region.streams) TrimStream(*s, now_ms);
    // Disabled streams are kept 24 hours after their last record, as AWS keeps them.
    std::erase_if(region.streams, [&](auto& kv) {
      Stream& s = *kv.second;
      if (s.status != "DISABLED") return false;
      for (const auto& sh : s.shards)
        if (!sh.records.empty()) return false;
      if (s.created_ms + kRetentionMs > now_ms) return false;
      if (env_->store.persistent())
        env_->store.Delete(StorePrefix(s.account, s.region) + "streams", s.arn);
      return true;
    });
  }
  return deleted;
}

void DynamoDbService::ScheduleSweep() {
  sweep_task_ = env_->scheduler.ScheduleAt(env_->clock.NowMillis() + kSweepEveryMs, [this] {
    std::lock_guard lock(mu_);
    SweepTtl(Now());
    ScheduleSweep();
  });
}

// ---- the DynamoDB Streams API ----------------------------------------------------------------

DynamoDbStreamsService::DynamoDbStreamsService(DynamoDbService* ddb)
    : ServiceHandler("dynamodbstreams"), ddb_(ddb) {
#define STRATUS_DDBS_OP(name)                     \
  On(#name, [this](Ctx& c, const In& in) -> Out { \
    std::lock_guard lock(ddb_->mu_);              \
    return name(c, in);                           \
  })
  STRATUS_DDBS_OP(ListStreams);
  STRATUS_DDBS_OP(DescribeStream);
  STRATUS_DDBS_OP(GetShardIterator);
  STRATUS_DDBS_OP(GetRecords);
#undef STRATUS_DDBS_OP
}

namespace {

AwsError StreamsError(std::string_view shape, std::string message) {
  static const aws::Service* model = aws::CompiledService("dynamodbstreams");
  if (model && model->FindShape(shape))
    return aws::ModelErrorFor(*model, shape, std::move(message));
  return AwsError::Make(std::string(shape), std::move(message));
}

}  // namespace

Result<json::value> DynamoDbStreamsService::ListStreams(Ctx& c, const In& in) {
  auto& r = ddb_->RegionOf(c.account, c.region);
  auto table = GetString(in, "TableName");
  int64_t limit = GetInt(in, "Limit").value_or(100);
  auto start = GetString(in, "ExclusiveStartStreamArn");
  json::array streams;
  std::string last;
  bool more = false;
  bool started = !start;
  for (const auto& [arn, s] : r.streams) {
    if (table && s->table_name != *table) continue;
    if (!started) {
      if (arn == *start) started = true;
      continue;
    }
    if (static_cast<int64_t>(streams.size()) >= limit) {
      more = true;
      break;
    }
    streams.emplace_back(
        json::object{{"StreamArn", arn}, {"TableName", s->table_name}, {"StreamLabel", s->label}});
    last = arn;
  }
  json::object out{{"Streams", std::move(streams)}};
  if (more) out["LastEvaluatedStreamArn"] = last;
  return json::value(std::move(out));
}

Result<json::value> DynamoDbStreamsService::DescribeStream(Ctx& c, const In& in) {
  std::string arn(GetString(in, "StreamArn").value_or(""));
  Stream* s = ddb_->FindStream(arn);
  if (!s || s->account != c.account)
    return Fail(StreamsError("ResourceNotFoundException",
                             "Requested resource not found: Stream: " + arn + " not found"));
  ddb_->TrimStream(*s, ddb_->Now());
  int64_t limit = GetInt(in, "Limit").value_or(100);
  auto start = GetString(in, "ExclusiveStartShardId");
  json::array shards;
  bool started = !start, more = false;
  std::string last;
  for (const auto& sh : s->shards) {
    if (!started) {
      if (sh.id == *start) started = true;
      continue;
    }
    if (static_cast<int64_t>(shards.size()) >= limit) {
      more = true;
      break;
    }
    json::object range{{"StartingSequenceNumber", SeqText(sh.first_seq)}};
    if (sh.closed) range["EndingSequenceNumber"] = SeqText(sh.last_seq);
    json::object x{{"ShardId", sh.id}, {"SequenceNumberRange", std::move(range)}};
    if (!sh.parent.empty()) x["ParentShardId"] = sh.parent;
    shards.emplace_back(std::move(x));
    last = sh.id;
  }
  json::object d{{"StreamArn", s->arn},
                 {"StreamLabel", s->label},
                 {"StreamStatus", s->status},
                 {"StreamViewType", s->view_type},
                 {"CreationRequestDateTime", static_cast<double>(s->created_ms) / 1000.0},
                 {"TableName", s->table_name},
                 {"KeySchema", s->key.ToJson()},
                 {"Shards", std::move(shards)}};
  if (more) d["LastEvaluatedShardId"] = last;
  return json::value(json::object{{"StreamDescription", std::move(d)}});
}

namespace {

std::string MakeIterator(const std::string& arn, const std::string& shard, uint64_t next,
                         int64_t now) {
  json::object o{{"a", arn}, {"s", shard}, {"n", next}, {"t", now}};
  return arn + "|1|" + Base64Encode(json::serialize(o));
}

}  // namespace

Result<json::value> DynamoDbStreamsService::GetShardIterator(Ctx& c, const In& in) {
  std::string arn(GetString(in, "StreamArn").value_or(""));
  std::string shard_id(GetString(in, "ShardId").value_or(""));
  std::string type(GetString(in, "ShardIteratorType").value_or(""));
  Stream* s = ddb_->FindStream(arn);
  if (!s || s->account != c.account)
    return Fail(StreamsError("ResourceNotFoundException",
                             "Requested resource not found: Stream: " + arn + " not found"));
  int64_t now = ddb_->Now();
  ddb_->TrimStream(*s, now);
  Shard* sh = nullptr;
  for (auto& x : s->shards)
    if (x.id == shard_id) sh = &x;
  if (!sh)
    return Fail(StreamsError("ResourceNotFoundException",
                             "Requested resource not found: Shard does not exist"));
  auto seq_text = GetString(in, "SequenceNumber");
  uint64_t horizon =
      sh->records.empty() ? (sh->closed ? sh->last_seq + 1 : s->next_seq) : sh->records.front().seq;
  uint64_t next = 0;
  if (type == "TRIM_HORIZON") {
    next = sh->records.empty() ? horizon : sh->records.front().seq;
    if (sh->records.empty() && !sh->closed) next = sh->first_seq;
  } else if (type == "LATEST") {
    next = sh->closed ? sh->last_seq + 1 : s->next_seq;
  } else {
    if (!seq_text)
      return Fail(AwsError::Validation("Must specify a SequenceNumber for iterator type " + type));
    auto seq = ParseSeq(*seq_text);
    if (!seq || *seq < sh->first_seq || (sh->closed && *seq > sh->last_seq) || *seq >= s->next_seq)
      return Fail(AwsError::Validation("Invalid SequenceNumber for ShardIteratorType: " + type +
                                       ". SequenceNumber: " + std::string(*seq_text)));
    if (*seq < horizon)
      return Fail(StreamsError("TrimmedDataAccessException",
                               "Attempted to access data that has been trimmed: SequenceNumber: " +
                                   std::string(*seq_text)));
    next = type == "AT_SEQUENCE_NUMBER" ? *seq : *seq + 1;
  }
  return json::value(json::object{{"ShardIterator", MakeIterator(s->arn, sh->id, next, now)}});
}

Result<json::value> DynamoDbStreamsService::GetRecords(Ctx& c, const In& in) {
  std::string it(GetString(in, "ShardIterator").value_or(""));
  auto bar = it.rfind('|');
  std::optional<json::object> o;
  if (bar != std::string::npos)
    if (auto raw = Base64Decode(std::string_view(it).substr(bar + 1))) {
      boost::system::error_code ec;
      auto v = json::parse(*raw, ec);
      if (!ec && v.is_object()) o = std::move(v.get_object());
    }
  if (!o) return Fail(AwsError::Validation("Invalid ShardIterator"));
  std::string arn(GetString(*o, "a").value_or(""));
  std::string shard_id(GetString(*o, "s").value_or(""));
  uint64_t next = static_cast<uint64_t>(GetInt(*o, "n").value_or(0));
  int64_t created = GetInt(*o, "t").value_or(0);
  int64_t now = ddb_->Now();
  Stream* s = ddb_->FindStream(arn);
  if (!s || s->account != c.account)
    return Fail(StreamsError("ResourceNotFoundException",
                             "Requested resource not found: Stream: " + arn + " not found"));
  if (now - created > kIteratorMs)
    return Fail(StreamsError("ExpiredIteratorException",
                             "Iterator expired. The iterator was created at time " +
                                 FormatHttpDate(created) + " while right now it's " +
                                 FormatHttpDate(now) + ". The iterator is valid for 15 minutes."));
  ddb_->TrimStream(*s, now);
  Shard* sh = nullptr;
  for (auto& x : s->shards)
    if (x.id == shard_id) sh = &x;
  if (!sh)
    return Fail(StreamsError("ResourceNotFoundException",
                             "Requested resource not found: Shard does not exist"));
  int64_t limit = GetInt(in, "Limit").value_or(1000);
  json::array records;
  uint64_t pos = next;
  for (const auto& r : sh->records) {
    if (r.seq < next) continue;
    if (static_cast<int64_t>(records.size()) >= limit) break;
    records.emplace_back(r.record);
    pos = r.seq + 1;
  }
  json::object out{{"Records", std::move(records)}};
  bool exhausted = sh->closed && pos > sh->last_seq;
  if (!exhausted) out["NextShardIterator"] = MakeIterator(s->arn, sh->id, pos, now);
  return json::value(std::move(out));
}

}  // namespace stratus::dynamodb
