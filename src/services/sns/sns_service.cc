// SNS topics and subscriptions, persistence and the /_stratus/sns helpers.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <set>

#include "aws/tags.h"
#include "core/encoding.h"
#include "services/sns/filter_policy.h"
#include "services/sns/sns.h"
#include "store/store.h"

namespace stratus::sns {
namespace {

bool ValidTopicName(std::string_view n) {
  if (n.empty() || n.size() > 256) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

std::string DefaultPolicy(const Topic& t) {
  json::object st;
  st["Sid"] = "__default_statement_ID";
  st["Effect"] = "Allow";
  st["Principal"] = json::object{{"AWS", "*"}};
  st["Action"] = json::array{"SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                             "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                             "SNS:ListSubscriptionsByTopic", "SNS:Publish"};
  st["Resource"] = t.arn;
  st["Condition"] = json::object{{"StringEquals", json::object{{"AWS:SourceOwner", t.account}}}};
  json::object p;
  p["Version"] = "2008-10-17";
  p["Id"] = "__default_policy_ID";
  p["Statement"] = json::array{std::move(st)};
  return json::serialize(p);
}

constexpr std::string_view kEffectiveDeliveryPolicy =
    R"({"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}})";

// Topic attributes a client may set, and which need a FIFO topic.
bool SettableTopicAttribute(std::string_view k, bool fifo) {
  static constexpr std::string_view kAny[] = {"DeliveryPolicy", "DisplayName", "Policy", "TracingConfig",
                                              "KmsMasterKeyId", "SignatureVersion", "DataProtectionPolicy",
                                              "HTTPSuccessFeedbackRoleArn", "HTTPFailureFeedbackRoleArn",
                                              "HTTPSuccessFeedbackSampleRate", "SQSSuccessFeedbackRoleArn",
                                              "SQSFailureFeedbackRoleArn", "SQSSuccessFeedbackSampleRate",
                                              "LambdaSuccessFeedbackRoleArn", "LambdaFailureFeedbackRoleArn",
                                              "LambdaSuccessFeedbackSampleRate"};
  for (auto a : kAny)
    if (a == k) return true;
  return fifo && (k == "ContentBasedDeduplication" || k == "ArchivePolicy" || k == "FifoThroughputScope");
}

std::optional<std::string> CheckTopicAttribute(std::string_view k, std::string_view v) {
  if (k == "SignatureVersion" && v != "1" && v != "2") return "Invalid parameter: SignatureVersion";
  if (k == "TracingConfig" && v != "PassThrough" && v != "Active") return "Invalid parameter: TracingConfig";
  if ((k == "Policy" || k == "DeliveryPolicy" || k == "ArchivePolicy") && !v.empty()) {
    boost::system::error_code ec;
    auto p = json::parse(v, ec);
    if (ec || !p.is_object()) return "Invalid parameter: " + std::string(k);
  }
  if (k == "ContentBasedDeduplication" && v != "true" && v != "false")
    return "Invalid parameter: ContentBasedDeduplication";
  return std::nullopt;
}

json::object SubscriptionSummary(const Subscription& s) {
  json::object o;
  o["SubscriptionArn"] = s.pending ? "PendingConfirmation" : s.arn;
  o["Owner"] = s.owner;
  o["Protocol"] = s.protocol;
  o["Endpoint"] = s.endpoint;
  o["TopicArn"] = s.topic_arn;
  return o;
}

std::optional<std::string> ValidEndpoint(std::string_view protocol, std::string_view endpoint) {
  auto arn_of = [&](std::string_view service) {
    return endpoint.starts_with("arn:aws:" + std::string(service) + ":");
  };
  if (protocol == "sqs") return arn_of("sqs") ? std::nullopt : std::optional<std::string>("Invalid parameter: SQS endpoint ARN");
  if (protocol == "lambda") return arn_of("lambda") ? std::nullopt : std::optional<std::string>("Invalid parameter: Lambda endpoint ARN");
  if (protocol == "firehose") return arn_of("firehose") ? std::nullopt : std::optional<std::string>("Invalid parameter: Firehose endpoint ARN");
  if (protocol == "application") return arn_of("sns") ? std::nullopt : std::optional<std::string>("Invalid parameter: Application endpoint ARN");
  if (protocol == "http") return endpoint.starts_with("http://") ? std::nullopt : std::optional<std::string>("Invalid parameter: Endpoint must match the specified protocol");
  if (protocol == "https") return endpoint.starts_with("https://") ? std::nullopt : std::optional<std::string>("Invalid parameter: Endpoint must match the specified protocol");
  if (protocol == "email" || protocol == "email-json")
    return endpoint.find('@') != std::string_view::npos && endpoint.find(' ') == std::string_view::npos
               ? std::nullopt : std::optional<std::string>("Invalid parameter: Email address");
  if (protocol == "sms") {
    bool ok = !endpoint.empty();
    for (char c : endpoint.substr(endpoint.starts_with('+') ? 1 : 0)) ok &= std::isdigit(static_cast<unsigned char>(c)) != 0;
    return ok ? std::nullopt : std::optional<std::string>("Invalid parameter: SMS endpoint");
  }
  return "Invalid parameter: Amazon SNS does not support this protocol string: " + std::string(protocol);
}

// The rules SetSubscriptionAttributes and Subscribe's Attributes share.
std::optional<std::string> CheckSubscriptionAttribute(std::string_view name, const std::string& value) {
  static const std::set<std::string_view> kNames = {"DeliveryPolicy", "FilterPolicy", "FilterPolicyScope",
                                                    "RawMessageDelivery", "RedrivePolicy",
                                                    "SubscriptionRoleArn", "ReplayPolicy"};
  if (!kNames.contains(name)) return "Invalid parameter: AttributeName";
  if (name == "RawMessageDelivery" && value != "true" && value != "false")
    return "Invalid parameter: RawMessageDelivery: Invalid value [" + value + "]. Must be true or false.";
  if (name == "FilterPolicyScope" && value != "MessageAttributes" && value != "MessageBody")
    return "Invalid parameter: FilterPolicyScope: Invalid filter policy scope, please use either MessageBody or MessageAttributes";
  if (name == "FilterPolicy" && !value.empty()) {
    boost::system::error_code ec;
    auto p = json::parse(value, ec);
    if (ec) return "Invalid parameter: FilterPolicy: failed to parse JSON.";
    if (auto e = ValidateFilterPolicy(p)) return "Invalid parameter: FilterPolicy: " + *e;
  }
  return std::nullopt;
}

}  // namespace

SnsService::SnsService() : ServiceHandler("sns") {
#define STRATUS_SNS_OP(name) On(#name, [this](Ctx& c, const In& in) { return name(c, in); })
  STRATUS_SNS_OP(CreateTopic);
  STRATUS_SNS_OP(DeleteTopic);
  STRATUS_SNS_OP(ListTopics);
  STRATUS_SNS_OP(GetTopicAttributes);
  STRATUS_SNS_OP(SetTopicAttributes);
  STRATUS_SNS_OP(Subscribe);
  STRATUS_SNS_OP(ConfirmSubscription);
  STRATUS_SNS_OP(Unsubscribe);
  STRATUS_SNS_OP(ListSubscriptions);
  STRATUS_SNS_OP(ListSubscriptionsByTopic);
  STRATUS_SNS_OP(GetSubscriptionAttributes);
  STRATUS_SNS_OP(SetSubscriptionAttributes);
  STRATUS_SNS_OP(TagResource);
  STRATUS_SNS_OP(UntagResource);
  STRATUS_SNS_OP(ListTagsForResource);
  STRATUS_SNS_OP(AddPermission);
  STRATUS_SNS_OP(RemovePermission);
  STRATUS_SNS_OP(GetDataProtectionPolicy);
  STRATUS_SNS_OP(PutDataProtectionPolicy);
  STRATUS_SNS_OP(Publish);
  STRATUS_SNS_OP(CreatePlatformApplication);
  STRATUS_SNS_OP(GetPlatformApplicationAttributes);
  STRATUS_SNS_OP(SetPlatformApplicationAttributes);
  STRATUS_SNS_OP(ListPlatformApplications);
  STRATUS_SNS_OP(DeletePlatformApplication);
  STRATUS_SNS_OP(CreatePlatformEndpoint);
  STRATUS_SNS_OP(GetEndpointAttributes);
  STRATUS_SNS_OP(SetEndpointAttributes);
  STRATUS_SNS_OP(ListEndpointsByPlatformApplication);
  STRATUS_SNS_OP(DeleteEndpoint);
  STRATUS_SNS_OP(GetSMSAttributes);
  STRATUS_SNS_OP(SetSMSAttributes);
  STRATUS_SNS_OP(CheckIfPhoneNumberIsOptedOut);
  STRATUS_SNS_OP(ListPhoneNumbersOptedOut);
  STRATUS_SNS_OP(OptInPhoneNumber);
  STRATUS_SNS_OP(CreateSMSSandboxPhoneNumber);
  STRATUS_SNS_OP(DeleteSMSSandboxPhoneNumber);
  STRATUS_SNS_OP(ListSMSSandboxPhoneNumbers);
  STRATUS_SNS_OP(VerifySMSSandboxPhoneNumber);
  STRATUS_SNS_OP(GetSMSSandboxAccountStatus);
  STRATUS_SNS_OP(ListOriginationNumbers);
  STRATUS_SNS_OP(PublishBatch);
#undef STRATUS_SNS_OP
}

AwsError SnsService::Error(std::string_view shape, std::string message) {
  return aws::ModelErrorFor(*aws::CompiledService("sns"), shape, std::move(message));
}

AwsError SnsService::Invalid(std::string message) { return Error("InvalidParameterException", std::move(message)); }

std::string SnsService::BaseUrl(const Ctx& c) const {
  std::string_view host = c.Host();
  return "http://" + std::string(host.empty() ? "localhost:4566" : host);
}

Result<Topic*> SnsService::TopicByArn(std::string_view arn, const Ctx& c) {
  auto it = topics_.find(std::string(arn));
  if (it == topics_.end()) return Fail(Error("NotFoundException", "Topic does not exist"));
  return it->second.get();
}

SnsService::Out SnsService::CreateTopic(Ctx& c, const In& in) {
  std::string name(GetString(in, "Name").value_or(""));
  const json::object* attrs = GetObject(in, "Attributes");
  bool fifo_attr = attrs && GetString(*attrs, "FifoTopic") == "true";
  bool fifo = name.ends_with(".fifo");
  if (fifo_attr && (!fifo || !ValidTopicName(name.substr(0, name.size() - 5))))
    return Fail(Invalid("Invalid parameter: Fifo Topic names must end with .fifo and must be made up of only "
                        "uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must "
                        "be between 1 and 256 characters long."));
  if (!fifo_attr && !ValidTopicName(name)) return Fail(Invalid("Invalid parameter: Topic Name"));
  std::map<std::string, std::string> set;
  if (attrs) {
    for (const auto& [k, v] : *attrs) {
      std::string value = v.is_string() ? std::string(v.get_string()) : json::serialize(v);
      if (k == "FifoTopic") continue;
      if (!SettableTopicAttribute(k, fifo)) return Fail(Invalid("Invalid parameter: Attributes Reason: Unknown attribute " + std::string(k)));
      if (auto e = CheckTopicAttribute(k, value)) return Fail(Invalid(*e));
      set[std::string(k)] = value;
    }
  }
  std::lock_guard lock(mu_);
  std::string arn = "arn:aws:sns:" + c.region + ":" + c.account + ":" + name;
  if (auto it = topics_.find(arn); it != topics_.end()) {
    for (const auto& [k, v] : set) {
      auto cur = it->second->attributes.find(k);
      if (cur == it->second->attributes.end() || cur->second != v)
        return Fail(Invalid("Invalid parameter: Attributes Reason: Topic already exists with different attributes"));
    }
    json::object out;
    out["TopicArn"] = arn;
    return json::value(std::move(out));
  }
  auto t = std::make_unique<Topic>();
  t->account = c.account;
  t->region = c.region;
  t->name = name;
  t->arn = arn;
  t->fifo = fifo;
  t->attributes = std::move(set);
  if (fifo) t->attributes.try_emplace("ContentBasedDeduplication", "false");
  aws::MergeTagList(GetArray(in, "Tags"), t->tags);
  if (auto dp = GetString(in, "DataProtectionPolicy")) t->data_protection_policy = *dp;
  PersistTopic(&c, *t);
  topics_[arn] = std::move(t);
  json::object out;
  out["TopicArn"] = arn;
  return json::value(std::move(out));
}

SnsService::Out SnsService::DeleteTopic(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto it = topics_.find(std::string(GetString(in, "TopicArn").value_or("")));
  if (it == topics_.end()) return json::value(json::object());  // deleting twice is not an error
  for (const auto& sarn : it->second->subscriptions) {
    if (auto s = subscriptions_.find(sarn); s != subscriptions_.end()) {
      Forget(&c, s->second);
      subscriptions_.erase(s);
    }
  }
  if (env_->store.persistent())
    c.Persisted(env_->store.Delete("sns/" + it->second->account + "/" + it->second->region + "/t", it->second->name));
  topics_.erase(it);
  return json::value(json::object());
}

SnsService::Out SnsService::ListTopics(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  std::string after;
  if (auto tok = GetString(in, "NextToken")) {
    auto d = Base64Decode(*tok);
    if (!d) return Fail(Invalid("Invalid parameter: NextToken"));
    after = *d;
  }
  json::array topics;
  std::string prefix = "arn:aws:sns:" + c.region + ":" + c.account + ":";
  std::string last;
  bool more = false;
  for (auto it = after.empty() ? topics_.lower_bound(prefix) : topics_.upper_bound(after); it != topics_.end(); ++it) {
    if (!it->first.starts_with(prefix)) break;
    if (topics.size() == 100) {
      more = true;
      break;
    }
    topics.emplace_back(json::object{{"TopicArn", it->first}});
    last = it->first;
  }
  json::object out;
  out["Topics"] = std::move(topics);
  if (more) out["NextToken"] = Base64Encode(last);
  return json::value(std::move(out));
}

SnsService::Out SnsService::GetTopicAttributes(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto t = TopicByArn(GetString(in, "TopicArn").value_or(""), c);
  if (!t) return Fail(t.error());
  Topic& topic = **t;
  int64_t confirmed = 0, pending = 0;
  for (const auto& sarn : topic.subscriptions)
    if (auto s = subscriptions_.find(sarn); s != subscriptions_.end()) (s->second.pending ? pending : confirmed)++;
  json::object a;
  a["Policy"] = topic.attributes.contains("Policy") ? topic.attributes.at("Policy") : DefaultPolicy(topic);
  a["Owner"] = topic.account;
  a["SubscriptionsPending"] = std::to_string(pending);
  a["TopicArn"] = topic.arn;
  a["EffectiveDeliveryPolicy"] = topic.attributes.contains("DeliveryPolicy") ? topic.attributes.at("DeliveryPolicy")
                                                                             : std::string(kEffectiveDeliveryPolicy);
  a["SubscriptionsConfirmed"] = std::to_string(confirmed);
  a["DisplayName"] = topic.attributes.contains("DisplayName") ? topic.attributes.at("DisplayName") : "";
  a["SubscriptionsDeleted"] = std::to_string(topic.deleted_subscriptions);
  if (topic.fifo) a["FifoTopic"] = "true";
  for (const auto& [k, v] : topic.attributes)
    if (k != "Policy" && k != "DisplayName") a[k] = v;
  json::object out;
  out["Attributes"] = std::move(a);
  return json::value(std::move(out));
}

SnsService::Out SnsService::SetTopicAttributes(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto t = TopicByArn(GetString(in, "TopicArn").value_or(""), c);
  if (!t) return Fail(t.error());
  std::string name(GetString(in, "AttributeName").value_or(""));
  std::string value(GetString(in, "AttributeValue").value_or(""));
  if (!SettableTopicAttribute(name, (*t)->fifo)) return Fail(Invalid("Invalid parameter: AttributeName"));
  if (auto e = CheckTopicAttribute(name, value)) return Fail(Invalid(*e));
  if (value.empty() && name != "DisplayName") (*t)->attributes.erase(name);
  else (*t)->attributes[name] = value;
  PersistTopic(&c, **t);
  return json::value(json::object());
}

SnsService::Out SnsService::Subscribe(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto t = TopicByArn(GetString(in, "TopicArn").value_or(""), c);
  if (!t) return Fail(t.error());
  Topic& topic = **t;
  std::string protocol(GetString(in, "Protocol").value_or(""));
  std::string endpoint(GetString(in, "Endpoint").value_or(""));
  if (auto e = ValidEndpoint(protocol, endpoint)) return Fail(Invalid(*e));
  if (topic.fifo && protocol != "sqs")
    return Fail(Invalid("Invalid parameter: Invalid protocol type: " + protocol));
  // The same protocol and endpoint on a topic is one subscription.
  for (const auto& sarn : topic.subscriptions) {
    auto s = subscriptions_.find(sarn);
    if (s != subscriptions_.end() && s->second.protocol == protocol && s->second.endpoint == endpoint) {
      json::object out;
      out["SubscriptionArn"] = s->second.pending && !GetBool(in, "ReturnSubscriptionArn").value_or(false)
                                   ? "pending confirmation" : s->second.arn;
      return json::value(std::move(out));
    }
  }
  Subscription s;
  s.arn = topic.arn + ":" + NewUuid();
  s.topic_arn = topic.arn;
  s.protocol = protocol;
  s.endpoint = endpoint;
  s.owner = c.account;
  s.pending = protocol == "http" || protocol == "https" || protocol == "email" || protocol == "email-json";
  if (s.pending) s.token = HexEncode(RandomBytes(64));
  if (const json::object* attrs = GetObject(in, "Attributes")) {
    for (const auto& [k, v] : *attrs) {
      std::string value = v.is_string() ? std::string(v.get_string()) : json::serialize(v);
      if (auto e = CheckSubscriptionAttribute(k, value)) {
        if (*e == "Invalid parameter: AttributeName")
          return Fail(Invalid("Invalid parameter: Attributes Reason: Unknown attribute " + std::string(k)));
        return Fail(Invalid(*e));
      }
      s.attributes[std::string(k)] = value;
    }
  }
  if (protocol == "firehose" && !s.attributes.contains("SubscriptionRoleArn"))
    return Fail(Invalid("Invalid parameter: Invalid SubscriptionRoleArn"));
  if (s.attributes.contains("FilterPolicy")) s.attributes.try_emplace("FilterPolicyScope", "MessageAttributes");
  topic.subscriptions.push_back(s.arn);
  PersistSubscription(&c, s);
  PersistTopic(&c, topic);
  if (s.pending && (protocol == "http" || protocol == "https")) {
    SendConfirmation(c, topic, s);
  } else if (s.pending) {
    // Stratus does not send email: the confirmation is recorded.
    Recorded r;
    r.protocol = protocol;
    r.endpoint = endpoint;
    r.topic_arn = topic.arn;
    r.message_id = NewUuid();
    r.message = "You have chosen to subscribe to the topic " + topic.arn +
                ".\nTo confirm the subscription, visit the SubscribeURL included in this message.";
    r.subject = "SubscriptionConfirmation";
    r.timestamp_ms = c.clock.NowMillis();
    recorded_.push_back(std::move(r));
  }
  json::object out;
  out["SubscriptionArn"] = s.pending && !GetBool(in, "ReturnSubscriptionArn").value_or(false)
                               ? "pending confirmation" : s.arn;
  subscriptions_[s.arn] = std::move(s);
  return json::value(std::move(out));
}

SnsService::Out SnsService::ConfirmSubscription(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto t = TopicByArn(GetString(in, "TopicArn").value_or(""), c);
  if (!t) return Fail(t.error());
  std::string_view token = GetString(in, "Token").value_or("");
  for (const auto& sarn : (*t)->subscriptions) {
    auto s = subscriptions_.find(sarn);
    if (s != subscriptions_.end() && !s->second.token.empty() && s->second.token == token) {
      s->second.pending = false;
      PersistSubscription(&c, s->second);
      json::object out;
      out["SubscriptionArn"] = s->second.arn;
      return json::value(std::move(out));
    }
  }
  return Fail(Invalid("Invalid parameter: Token"));
}

SnsService::Out SnsService::Unsubscribe(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto it = subscriptions_.find(std::string(GetString(in, "SubscriptionArn").value_or("")));
  if (it == subscriptions_.end()) return Fail(Error("NotFoundException", "Subscription does not exist"));
  if (auto t = topics_.find(it->second.topic_arn); t != topics_.end()) {
    std::erase(t->second->subscriptions, it->first);
    ++t->second->deleted_subscriptions;
    PersistTopic(&c, *t->second);
  }
  Forget(&c, it->second);
  subscriptions_.erase(it);
  return json::value(json::object());
}

static json::value PageOfSubscriptions(const std::vector<const Subscription*>& all, const json::object& in,
                                       AwsError* error) {
  size_t start = 0;
  if (auto tok = GetString(in, "NextToken")) {
    auto d = Base64Decode(*tok);
    if (!d || d->find_first_not_of("0123456789") != std::string::npos || d->empty()) {
      *error = SnsService::Invalid("Invalid parameter: NextToken");
      return nullptr;
    }
    start = std::stoul(*d);
  }
  json::array subs;
  size_t i = start;
  for (; i < all.size() && subs.size() < 100; ++i) subs.emplace_back(SubscriptionSummary(*all[i]));
  json::object out;
  out["Subscriptions"] = std::move(subs);
  if (i < all.size()) out["NextToken"] = Base64Encode(std::to_string(i));
  return out;
}

SnsService::Out SnsService::ListSubscriptions(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  std::vector<const Subscription*> all;
  std::string prefix = "arn:aws:sns:" + c.region + ":" + c.account + ":";
  for (const auto& [arn, s] : subscriptions_)
    if (arn.starts_with(prefix)) all.push_back(&s);
  AwsError err;
  json::value out = PageOfSubscriptions(all, in, &err);
  if (out.is_null()) return Fail(err);
  return out;
}

SnsService::Out SnsService::ListSubscriptionsByTopic(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto t = TopicByArn(GetString(in, "TopicArn").value_or(""), c);
  if (!t) return Fail(t.error());
  std::vector<const Subscription*> all;
  for (const auto& sarn : (*t)->subscriptions)
    if (auto s = subscriptions_.find(sarn); s != subscriptions_.end()) all.push_back(&s->second);
  AwsError err;
  json::value out = PageOfSubscriptions(all, in, &err);
  if (out.is_null()) return Fail(err);
  return out;
}

SnsService::Out SnsService::GetSubscriptionAttributes(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto it = subscriptions_.find(std::string(GetString(in, "SubscriptionArn").value_or("")));
  if (it == subscriptions_.end()) return Fail(Error("NotFoundException", "Subscription does not exist"));
  const Subscription& s = it->second;
  json::object a;
  a["ConfirmationWasAuthenticated"] = s.pending ? "false" : "true";
  a["PendingConfirmation"] = s.pending ? "true" : "false";
  a["Owner"] = s.owner;
  a["RawMessageDelivery"] = "false";
  a["TopicArn"] = s.topic_arn;
  a["Endpoint"] = s.endpoint;
  a["Protocol"] = s.protocol;
  a["SubscriptionArn"] = s.arn;
  a["SubscriptionPrincipal"] = "arn:aws:iam::" + s.owner + ":root";
  for (const auto& [k, v] : s.attributes) a[k] = v;
  json::object out;
  out["Attributes"] = std::move(a);
  return json::value(std::move(out));
}

SnsService::Out SnsService::SetSubscriptionAttributes(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto it = subscriptions_.find(std::string(GetString(in, "SubscriptionArn").value_or("")));
  if (it == subscriptions_.end()) return Fail(Error("NotFoundException", "Subscription does not exist"));
  std::string name(GetString(in, "AttributeName").value_or(""));
  std::string value(GetString(in, "AttributeValue").value_or(""));
  if (auto e = CheckSubscriptionAttribute(name, value)) return Fail(Invalid(*e));
  Subscription& s = it->second;
  if (value.empty() && name != "RawMessageDelivery") s.attributes.erase(name);
  else s.attributes[name] = value;
  if (name == "FilterPolicy") {
    if (value.empty()) s.attributes.erase("FilterPolicyScope");
    else s.attributes.try_emplace("FilterPolicyScope", "MessageAttributes");
  }
  PersistSubscription(&c, s);
  return json::value(json::object());
}

namespace {
Result<std::map<std::string, std::string>*> TagsOf(SnsService& svc, std::string_view arn, const aws::Context& c) {
  auto t = svc.topics_.find(std::string(arn));
  if (t == svc.topics_.end())
    return Fail(SnsService::Error("ResourceNotFoundException", "Resource does not exist"));
  return &t->second->tags;
}
}  // namespace

SnsService::Out SnsService::TagResource(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto tags = TagsOf(*this, GetString(in, "ResourceArn").value_or(""), c);
  if (!tags) return Fail(tags.error());
  aws::MergeTagList(GetArray(in, "Tags"), **tags);
  if ((*tags)->size() > 50)
    return Fail(Error("TagLimitExceededException", "Could not complete request: tag quota of per resource exceeded"));
  PersistTopic(&c, *topics_.at(std::string(GetString(in, "ResourceArn").value_or(""))));
  return json::value(json::object());
}

SnsService::Out SnsService::UntagResource(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto tags = TagsOf(*this, GetString(in, "ResourceArn").value_or(""), c);
  if (!tags) return Fail(tags.error());
  if (const json::array* keys = GetArray(in, "TagKeys"))
    for (const auto& k : *keys)
      if (k.is_string()) (*tags)->erase(std::string(k.get_string()));
  PersistTopic(&c, *topics_.at(std::string(GetString(in, "ResourceArn").value_or(""))));
  return json::value(json::object());
}

SnsService::Out SnsService::ListTagsForResource(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto tags = TagsOf(*this, GetString(in, "ResourceArn").value_or(""), c);
  if (!tags) return Fail(tags.error());
  return json::value(json::object{{"Tags", aws::TagList(**tags)}});
}

SnsService::Out SnsService::AddPermission(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto t = TopicByArn(GetString(in, "TopicArn").value_or(""), c);
  if (!t) return Fail(t.error());
  Topic& topic = **t;
  boost::system::error_code ec;
  json::value policy = json::parse(topic.attributes.contains("Policy") ? topic.attributes.at("Policy") : DefaultPolicy(topic), ec);
  if (ec || !policy.is_object()) return Fail(Invalid("Invalid parameter: Policy"));
  std::string label(GetString(in, "Label").value_or(""));
  json::value& sts = policy.get_object()["Statement"];
  if (!sts.is_array()) sts = json::array();
  for (const auto& s : sts.get_array())
    if (s.is_object() && GetString(s.get_object(), "Sid") == label)
      return Fail(Invalid("Invalid parameter: Statement already exists"));
  json::array principals, actions;
  if (const json::array* a = GetArray(in, "AWSAccountId"))
    for (const auto& x : *a)
      if (x.is_string()) principals.emplace_back(json::string("arn:aws:iam::" + std::string(x.get_string()) + ":root"));
  if (const json::array* a = GetArray(in, "ActionName"))
    for (const auto& x : *a)
      if (x.is_string()) actions.emplace_back(json::string("SNS:" + std::string(x.get_string())));
  json::object st;
  st["Sid"] = label;
  st["Effect"] = "Allow";
  st["Principal"] = json::object{{"AWS", principals.size() == 1 ? principals.front() : json::value(principals)}};
  st["Action"] = actions.size() == 1 ? actions.front() : json::value(actions);
  st["Resource"] = topic.arn;
  sts.get_array().emplace_back(std::move(st));
  topic.attributes["Policy"] = json::serialize(policy);
  PersistTopic(&c, topic);
  return json::value(json::object());
}

SnsService::Out SnsService::RemovePermission(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto t = TopicByArn(GetString(in, "TopicArn").value_or(""), c);
  if (!t) return Fail(t.error());
  Topic& topic = **t;
  boost::system::error_code ec;
  json::value policy = json::parse(topic.attributes.contains("Policy") ? topic.attributes.at("Policy") : DefaultPolicy(topic), ec);
  std::string label(GetString(in, "Label").value_or(""));
  if (!ec && policy.is_object()) {
    if (json::value* sts = policy.get_object().if_contains("Statement"); sts && sts->is_array()) {
      auto& arr = sts->get_array();
      auto pos = std::find_if(arr.begin(), arr.end(), [&](const json::value& s) {
        return s.is_object() && GetString(s.get_object(), "Sid") == label;
      });
      if (pos != arr.end()) {
        arr.erase(pos);
        topic.attributes["Policy"] = json::serialize(policy);
        PersistTopic(&c, topic);
      }
    }
  }
  return json::value(json::object());
}

SnsService::Out SnsService::GetDataProtectionPolicy(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto t = TopicByArn(GetString(in, "ResourceArn").value_or(""), c);
  if (!t) return Fail(t.error());
  json::object out;
  if (!(*t)->data_protection_policy.empty()) out["DataProtectionPolicy"] = (*t)->data_protection_policy;
  return json::value(std::move(out));
}

SnsService::Out SnsService::PutDataProtectionPolicy(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto t = TopicByArn(GetString(in, "ResourceArn").value_or(""), c);
  if (!t) return Fail(t.error());
  std::string policy(GetString(in, "DataProtectionPolicy").value_or(""));
  boost::system::error_code ec;
  auto p = json::parse(policy, ec);
  if (ec || !p.is_object()) return Fail(Invalid("Invalid parameter: DataProtectionPolicy"));
  (*t)->data_protection_policy = policy;
  PersistTopic(&c, **t);
  return json::value(json::object());
}

// ---- persistence ---------------------------------------------------------------------------

void SnsService::PersistTopic(Ctx* c, const Topic& t) {
  if (!env_->store.persistent()) return;
  json::object o;
  o["account"] = t.account;
  o["region"] = t.region;
  o["name"] = t.name;
  o["fifo"] = t.fifo;
  json::object attrs, tags;
  for (const auto& [k, v] : t.attributes) attrs[k] = v;
  for (const auto& [k, v] : t.tags) tags[k] = v;
  o["attributes"] = std::move(attrs);
  o["tags"] = std::move(tags);
  json::array subs;
  for (const auto& s : t.subscriptions) subs.emplace_back(json::string(s));
  o["subscriptions"] = std::move(subs);
  o["deleted"] = t.deleted_subscriptions;
  o["sequence"] = t.sequence;
  o["dpp"] = t.data_protection_policy;
  uint64_t seq = env_->store.Put("sns/" + t.account + "/" + t.region + "/t", t.name, json::serialize(o));
  if (c) c->Persisted(seq);
}

void SnsService::PersistSubscription(Ctx* c, const Subscription& s) {
  if (!env_->store.persistent()) return;
  json::object o;
  o["topic"] = s.topic_arn;
  o["protocol"] = s.protocol;
  o["endpoint"] = s.endpoint;
  o["owner"] = s.owner;
  o["token"] = s.token;
  o["pending"] = s.pending;
  json::object attrs;
  for (const auto& [k, v] : s.attributes) attrs[k] = v;
  o["attributes"] = std::move(attrs);
  uint64_t seq = env_->store.Put("sns/subscriptions", s.arn, json::serialize(o));
  if (c) c->Persisted(seq);
}

void SnsService::Forget(Ctx* c, const Subscription& s) {
  if (!env_->store.persistent()) return;
  uint64_t seq = env_->store.Delete("sns/subscriptions", s.arn);
  if (c) c->Persisted(seq);
}

void SnsService::Start(aws::ServiceEnv& env) {
  env_ = &env;
  std::lock_guard lock(mu_);
  env.store.Scan("sns/", [&](std::string_view table, std::string_view key, std::string_view value) {
    boost::system::error_code ec;
    auto v = json::parse(value, ec);
    if (ec || !v.is_object()) return;
    const auto& o = v.get_object();
    if (LoadPlatform(table, key, o)) return;
    if (table == "sns/subscriptions") {
      Subscription s;
      s.arn = key;
      s.topic_arn = GetString(o, "topic").value_or("");
      s.protocol = GetString(o, "protocol").value_or("");
      s.endpoint = GetString(o, "endpoint").value_or("");
      s.owner = GetString(o, "owner").value_or("");
      s.token = GetString(o, "token").value_or("");
      s.pending = GetBool(o, "pending").value_or(false);
      if (auto* a = GetObject(o, "attributes"))
        for (const auto& [k, x] : *a) s.attributes[k] = x.is_string() ? std::string(x.get_string()) : "";
      subscriptions_[s.arn] = std::move(s);
      return;
    }
    if (!table.ends_with("/t")) return;
    auto t = std::make_unique<Topic>();
    t->account = GetString(o, "account").value_or("");
    t->region = GetString(o, "region").value_or("");
    t->name = GetString(o, "name").value_or("");
    t->arn = "arn:aws:sns:" + t->region + ":" + t->account + ":" + t->name;
    t->fifo = GetBool(o, "fifo").value_or(false);
    if (auto* a = GetObject(o, "attributes"))
      for (const auto& [k, x] : *a) t->attributes[k] = x.is_string() ? std::string(x.get_string()) : "";
    if (auto* a = GetObject(o, "tags"))
      for (const auto& [k, x] : *a) t->tags[k] = x.is_string() ? std::string(x.get_string()) : "";
    if (auto* a = GetArray(o, "subscriptions"))
      for (const auto& x : *a)
        if (x.is_string()) t->subscriptions.emplace_back(x.get_string());
    t->deleted_subscriptions = GetInt(o, "deleted").value_or(0);
    t->sequence = static_cast<uint64_t>(GetInt(o, "sequence").value_or(0));
    t->data_protection_policy = GetString(o, "dpp").value_or("");
    std::string arn = t->arn;
    topics_[arn] = std::move(t);
  });
}

void SnsService::Reset() {
  std::lock_guard lock(mu_);
  topics_.clear();
  subscriptions_.clear();
  recorded_.clear();
  applications_.clear();
  endpoints_.clear();
  sms_.clear();
  if (env_ && env_->store.persistent()) env_->store.DeletePrefix("sns/");
}

bool SnsService::HandleBuiltin(const HttpRequest& req, std::string_view rest, HttpResponse& resp) {
  if (rest == "SimpleNotificationService-stratus.pem" && (req.method == "GET" || req.method == "HEAD")) {
    resp.status = 200;
    resp.headers.Set("Content-Type", "application/x-pem-file");
    resp.body = CertificatePem();
    return true;
  }
  if (rest == "opt-out" && req.method == "POST") {
    // Simulates a subscriber replying STOP: ?phoneNumber=+1...&account=...&region=...
    std::string phone, account = env_->default_account, region = "us-east-1";
    for (const auto& [k, v] : req.QueryParams()) {
      if (k == "phoneNumber") phone = v;
      else if (k == "account") account = v;
      else if (k == "region") region = v;
    }
    std::lock_guard lock(mu_);
    sms_[{account, region}].opted_out.insert(phone);
    PersistSms(nullptr, account, region);
    resp.status = 204;
    return true;
  }
  if (rest == "messages") {
    std::lock_guard lock(mu_);
    if (req.method == "DELETE") {
      recorded_.clear();
      resp.status = 204;
      return true;
    }
    json::array list;
    for (const auto& r : recorded_)
      list.emplace_back(json::object{{"Protocol", r.protocol}, {"Endpoint", r.endpoint},
                                     {"TopicArn", r.topic_arn}, {"MessageId", r.message_id},
                                     {"Subject", r.subject}, {"Message", r.message},
                                     {"Timestamp", r.timestamp_ms}});
    resp.status = 200;
    resp.headers.Set("Content-Type", "application/json");
    resp.body = json::serialize(json::object{{"messages", std::move(list)}});
    return true;
  }
  return false;
}

std::unique_ptr<aws::ServiceHandler> MakeSnsService() { return std::make_unique<SnsService>(); }

}  // namespace stratus::sns
