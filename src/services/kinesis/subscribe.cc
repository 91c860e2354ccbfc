// SubscribeToShard: an enhanced fan-out consumer's push subscription to one shard, answered as
// an event stream over HTTP/2. Records are pushed as SubscribeToShardEvent events when they
// arrive (and an empty event every 5 s), each with the ContinuationSequenceNumber to resume
// from; at the end of a closed shard the last event names the ChildShards and the stream
// ends. A subscription lasts 5 minutes, as on AWS.
#include <algorithm>

#include "aws/protocol/codec.h"
#include "aws/protocol/eventstream.h"
#include "services/kinesis/kinesis.h"

namespace stratus::kinesis {

constexpr int64_t kHeartbeatMs = 5'000;
constexpr size_t kMaxRecordsPerEvent = 10'000;
constexpr int64_t kMaxBytesPerEvent = 2 * 1024 * 1024;

class Subscription final : public BodyStream, public std::enable_shared_from_this<Subscription> {
 public:
  Subscription(KinesisService& svc, const Stream& s, int shard, uint64_t position, std::string consumer_arn,
               aws::Protocol protocol)
      : svc_(svc),
        account_(s.account),
        region_(s.region),
        stream_(s.name),
        created_ms_(s.created_ms),
        shard_(shard),
        position_(position),
        consumer_arn_(std::move(consumer_arn)),
        protocol_(protocol) {}

  void Start(Writer write) override {
    std::lock_guard lock(svc_.mu_);
    if (ended_) {
      write("", true);
      return;
    }
    write_ = std::move(write);
    int64_t now = svc_.env_->clock.NowMillis();
    std::weak_ptr<Subscription> weak = shared_from_this();
    end_task_ = svc_.env_->scheduler.ScheduleAt(now + svc_.subscription_ms_, [weak] {
      if (auto self = weak.lock()) self->Finish();
    });
    Heartbeat(now);
    Push(true);
  }

  void Cancel() override {
    std::lock_guard lock(svc_.mu_);
    Stop();
  }

  // Sends what the shard holds past the position (mu_ held); an empty event only when `always`.
  void Push(bool always) {
    if (ended_ || !write_) return;
    Stream* s = Find();
    if (!s) {
      End();
      return;
    }
    const Shard& sh = s->shards[static_cast<size_t>(shard_)];
    int64_t now = svc_.env_->clock.NowMillis();
    auto pos = std::upper_bound(sh.records.begin(), sh.records.end(), position_,
                                [](uint64_t p, const Record& r) { return p < r.ordinal; });
    do {
      json::array records;
      int64_t bytes = 0;
      for (; pos != sh.records.end() && records.size() < kMaxRecordsPerEvent; ++pos) {
        if (!records.empty() && bytes + static_cast<int64_t>(pos->bytes) > kMaxBytesPerEvent) break;
        bytes += static_cast<int64_t>(pos->bytes);
        json::object r;
        r["SequenceNumber"] = MakeSequenceNumber(pos->ordinal, sh.index, pos->arrival_ms);
        r["ApproximateArrivalTimestamp"] = aws::TimestampValue(pos->arrival_ms);
        r["Data"] = pos->data;
        r["PartitionKey"] = pos->partition_key;
        if (pos->encrypted) r["EncryptionType"] = "KMS";
        records.push_back(std::move(r));
        position_ = pos->ordinal;
      }
      bool at_end = pos == sh.records.end();
      bool shard_done = at_end && !sh.Open();
      if (records.empty() && !always && !shard_done) return;
      json::object event;
      event["Records"] = std::move(records);
      event["MillisBehindLatest"] = at_end ? 0 : std::max<int64_t>(0, now - pos->arrival_ms);
      if (shard_done) {
        json::array children;
        for (const auto& child : s->shards) {
          if (child.parent != sh.index && child.adjacent_parent != sh.index) continue;
          json::array parents{json::string(ShardIdOf(child.parent))};
          if (child.adjacent_parent >= 0) parents.push_back(json::string(ShardIdOf(child.adjacent_parent)));
          children.push_back(json::object{
              {"ShardId", child.Id()},
              {"ParentShards", std::move(parents)},
              {"HashKeyRange", json::object{{"StartingHashKey", U128ToString(child.start_hash)},
                                            {"EndingHashKey", U128ToString(child.end_hash)}}}});
        }
        event["ChildShards"] = std::move(children);
      } else {
        event["ContinuationSequenceNumber"] = MakeSequenceNumber(position_, sh.index, now);
      }
      Send(event);
      if (shard_done) {
        End();
        return;
      }
      always = false;
    } while (pos != sh.records.end());
  }

  bool Matches(const Stream& s, const std::string& consumer_arn) const {
    return !ended_ && s.account == account_ && s.region == region_ && s.name == stream_ &&
           s.created_ms == created_ms_ && (consumer_arn.empty() || consumer_arn == consumer_arn_);
  }

  // Ends the event stream (mu_ held).
  void End() {
    if (ended_) return;
    if (write_) write_("", true);
    Stop();
  }

  bool ended() const { return ended_; }

 private:
  Stream* Find() {
    auto& streams = svc_.Streams(account_, region_);
    auto it = streams.find(stream_);
    if (it == streams.end() || it->second->created_ms != created_ms_ || it->second->status == "DELETING")
      return nullptr;
    return it->second.get();
  }

  void Send(const json::object& event) {
    static const aws::Service* model = aws::CompiledService("kinesis");
    static const aws::Shape* shape = model->FindShape("SubscribeToShardEvent");
    write_(aws::EncodeEvent(protocol_, *model, *shape, "SubscribeToShardEvent", json::value(event)), false);
  }

  void Heartbeat(int64_t now) {
    std::weak_ptr<Subscription> weak = shared_from_this();
    heartbeat_task_ = svc_.env_->scheduler.ScheduleAt(now + kHeartbeatMs, [weak] {
      auto self = weak.lock();
      if (!self) return;
      std::lock_guard lock(self->svc_.mu_);
      if (self->ended_) return;
      self->Push(true);
      self->Heartbeat(self->svc_.env_->clock.NowMillis());
    });
  }

  void Finish() {
    std::lock_guard lock(svc_.mu_);
    End();
  }

  void Stop() {
    ended_ = true;
    write_ = nullptr;
    if (heartbeat_task_) svc_.env_->scheduler.Cancel(heartbeat_task_);
    if (end_task_) svc_.env_->scheduler.Cancel(end_task_);
    heartbeat_task_ = end_task_ = 0;
    std::erase_if(svc_.subscriptions_, [this](const auto& p) { return p.get() == this; });
  }

  KinesisService& svc_;
  std::string account_, region_, stream_;
  int64_t created_ms_;
  int shard_;
  uint64_t position_;
  std::string consumer_arn_;
  aws::Protocol protocol_;
  Writer write_;
  bool ended_ = false;
  uint64_t heartbeat_task_ = 0, end_task_ = 0;
};

void KinesisService::NotifySubscribers(const Stream& s) {
  // Push may end a subscription, which removes it from the list: iterate over a copy.
  auto subs = subscriptions_;
  for (auto& sub : subs)
    if (sub->Matches(s, "")) sub->Push(false);
}

void KinesisService::EndSubscriptions(const Stream& s, const std::string& consumer_arn) {
  auto subs = subscriptions_;
  for (auto& sub : subs)
    if (sub->Matches(s, consumer_arn)) sub->End();
}

KinesisService::Out KinesisService::SubscribeToShard(Ctx& c, const In& in) {
  std::string consumer_arn(GetString(in, "ConsumerARN").value_or(""));
  std::string shard_id(GetString(in, "ShardId").value_or(""));
  const json::object* start = GetObject(in, "StartingPosition");
  std::string type(start ? GetString(*start, "Type").value_or("") : "");
  std::lock_guard lock(mu_);
  auto pos = consumer_arn.find("/consumer/");
  Stream* s = pos == std::string::npos ? nullptr : StreamByArn(std::string_view(consumer_arn).substr(0, pos));
  Consumer* consumer = nullptr;
  if (s && s->account == c.account)
    for (auto& [n, con] : s->consumers)
      if (con.arn == consumer_arn) consumer = &con;
  if (!consumer) return Fail(Error("ResourceNotFoundException", "Consumer " + consumer_arn + " not found."));
  if (consumer->status != "ACTIVE")
    return Fail(InUse("Consumer " + consumer_arn + " is not in ACTIVE state, instead in state " + consumer->status +
                      "."));
  int64_t now = c.clock.NowMillis();
  Trim(*s, now);
  Shard* sh = ShardById(*s, shard_id);
  if (!sh || Expired(*s, *sh, now))
    return Fail(Error("ResourceNotFoundException", "Shard " + shard_id + " in stream " + s->name +
                                                       " under account " + c.account + " does not exist"));
  auto position = StartPosition(*s, *sh, type, start ? GetString(*start, "SequenceNumber") : std::nullopt,
                                start ? Find(*start, "Timestamp") : nullptr, now, "SubscribeToShard");
  if (!position) return Fail(position.error());
  auto sub = std::make_shared<Subscription>(*this, *s, sh->index, *position, consumer_arn, c.protocol);
  subscriptions_.push_back(sub);
  c.event_stream = sub;
  return json::value(json::object());
}

}  // namespace stratus::kinesis
