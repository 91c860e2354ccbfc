// Enhanced fan-out consumers: register, describe, list, deregister. A consumer is CREATING,
// then ACTIVE after the transition delay; deregistering makes it DELETING, then gone.
#include "aws/protocol/codec.h"
#include "core/encoding.h"
#include "services/kinesis/kinesis.h"

namespace stratus::kinesis {
namespace {

constexpr size_t kMaxConsumers = 20;

json::object ConsumerJson(const Consumer& con) {
  return json::object{{"ConsumerName", con.name},
                      {"ConsumerARN", con.arn},
                      {"ConsumerStatus", con.status},
                      {"ConsumerCreationTimestamp", aws::TimestampValue(con.created_ms)}};
}

}  // namespace

// Settles consumers after the transition delay (CREATING -> ACTIVE, DELETING -> removed).
static void SettleConsumers(KinesisService& svc, const Stream& s) {
  std::string account = s.account, region = s.region, name = s.name;
  int64_t created = s.created_ms;
  svc.env_->scheduler.ScheduleAt(svc.env_->clock.NowMillis() + svc.transition_ms_, [&svc, account, region, name,
                                                                                     created] {
    std::lock_guard lock(svc.mu_);
    auto& streams = svc.Streams(account, region);
    auto it = streams.find(name);
    if (it == streams.end() || it->second->created_ms != created) return;
    Stream& st = *it->second;
    for (auto& [n, con] : st.consumers)
      if (con.status == "CREATING") con.status = "ACTIVE";
    std::erase_if(st.consumers, [](const auto& kv) { return kv.second.status == "DELETING"; });
    svc.PersistStream(nullptr, st);
  });
}

// The consumer named by ConsumerARN, or by StreamARN and ConsumerName.
static Result<std::pair<Stream*, Consumer*>> FindConsumer(KinesisService& svc, aws::Context& c,
                                                          const json::object& in) {
  if (auto arn = GetString(in, "ConsumerARN")) {
    // STREAM_ARN/consumer/NAME:TIMESTAMP
    auto pos = arn->find("/consumer/");
    if (pos != std::string_view::npos) {
      Stream* s = svc.StreamByArn(arn->substr(0, pos));
      if (s && s->account == c.account) {
        for (auto& [n, con] : s->consumers)
          if (con.arn == *arn) return std::make_pair(s, &con);
      }
    }
    return Fail(KinesisService::Error("ResourceNotFoundException", "Consumer " + std::string(*arn) + " not found."));
  }
  auto stream_arn = GetString(in, "StreamARN");
  auto name = GetString(in, "ConsumerName");
  if (!stream_arn || !name)
    return Fail(KinesisService::InvalidArgument(
        "Either ConsumerARN or both ConsumerName and StreamARN must be provided."));
  auto s = svc.StreamOf(c, in);
  if (!s) return Fail(s.error());
  auto it = (*s)->consumers.find(std::string(*name));
  if (it == (*s)->consumers.end())
    return Fail(KinesisService::Error("ResourceNotFoundException", "Consumer " + std::string(*name) +
                                                                       " under stream " + (*s)->name +
                                                                       " not found."));
  return std::make_pair(*s, &it->second);
}

KinesisService::Out KinesisService::RegisterStreamConsumer(Ctx& c, const In& in) {
  std::string name(GetString(in, "ConsumerName").value_or(""));
  std::lock_guard lock(mu_);
  auto s = StreamOf(c, in);
  if (!s) return Fail(s.error());
  Stream& st = **s;
  if (st.consumers.contains(name))
    return Fail(InUse("Consumer " + name + " under stream " + st.name + " already exists for account " + c.account +
                      "."));
  if (st.consumers.size() >= kMaxConsumers)
    return Fail(Error("LimitExceededException", "Stream " + st.name + " under account " + c.account +
                                                    " has reached the limit of " + std::to_string(kMaxConsumers) +
                                                    " registered consumers."));
  Consumer con;
  con.name = name;
  con.created_ms = c.clock.NowMillis();
  con.arn = st.arn + "/consumer/" + name + ":" + std::to_string(con.created_ms / 1000);
  con.status = "CREATING";
  if (const json::object* tags = GetObject(in, "Tags"))
    for (const auto& [k, v] : *tags) con.tags[std::string(k)] = v.is_string() ? std::string(v.get_string()) : "";
  json::object out{{"Consumer", ConsumerJson(con)}};
  st.consumers[name] = std::move(con);
  SettleConsumers(*this, st);
  PersistStream(&c, st);
  return json::value(std::move(out));
}

KinesisService::Out KinesisService::DescribeStreamConsumer(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto found = FindConsumer(*this, c, in);
  if (!found) return Fail(found.error());
  json::object d = ConsumerJson(*found->second);
  d["StreamARN"] = found->first->arn;
  return json::value(json::object{{"ConsumerDescription", std::move(d)}});
}

KinesisService::Out KinesisService::ListStreamConsumers(Ctx& c, const In& in) {
  int64_t max = GetInt(in, "MaxResults").value_or(100);
  std::string after;
  if (auto tok = GetString(in, "NextToken")) {
    auto raw = Base64Decode(*tok);
    if (!raw || !raw->starts_with("consumer:")) return Fail(InvalidArgument("Invalid NextToken."));
    after = raw->substr(9);
  }
  std::lock_guard lock(mu_);
  auto s = StreamOf(c, in);
  if (!s) return Fail(s.error());
  json::array list;
  std::string last;
  bool more = false;
  for (auto it = after.empty() ? (*s)->consumers.begin() : (*s)->consumers.upper_bound(after);
       it != (*s)->consumers.end(); ++it) {
    if (static_cast<int64_t>(list.size()) >= max) {
      more = true;
      break;
    }
    list.push_back(ConsumerJson(it->second));
    last = it->first;
  }
  json::object out{{"Consumers", std::move(list)}};
  if (more) out["NextToken"] = Base64Encode("consumer:" + last);
  return json::value(std::move(out));
}

KinesisService::Out KinesisService::DeregisterStreamConsumer(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto found = FindConsumer(*this, c, in);
  if (!found) return Fail(found.error());
  found->second->status = "DELETING";
  EndSubscriptions(*found->first, found->second->arn);
  SettleConsumers(*this, *found->first);
  PersistStream(&c, *found->first);
  return json::value(json::object());
}

}  // namespace stratus::kinesis
