// SNS: topics, subscriptions and publishing with real, asynchronous delivery to SQS queues
// (JSON envelope or raw), signed messages, filter policies and FIFO topics.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "aws/service.h"

namespace stratus::sns {

struct Subscription {
  std::string arn, topic_arn, protocol, endpoint, owner, token;
  bool pending = false;
  std::map<std::string, std::string> attributes;  // RawMessageDelivery, FilterPolicy, ...
};

struct Topic {
  std::string account, region, name, arn;
  bool fifo = false;
  std::map<std::string, std::string> attributes;  // settable ones
  std::map<std::string, std::string> tags;
  std::vector<std::string> subscriptions;  // arns, in subscribe order
  int64_t deleted_subscriptions = 0;
  uint64_t sequence = 0;
  std::map<std::string, std::pair<int64_t, std::string>> dedup;  // id -> (expiry, message id)
  std::string data_protection_policy;
};

// A delivery to an endpoint Stratus does not reach (email, sms, application, http while
// unimplemented), recorded for tests: GET /_stratus/sns/messages.
struct Recorded {
  std::string protocol, endpoint, topic_arn, message_id, subject, message;
  int64_t timestamp_ms = 0;
};

struct PlatformApplication {
  std::string arn, name, platform;
  std::map<std::string, std::string> attributes;
};

struct PlatformEndpoint {
  std::string arn, application_arn;
  std::map<std::string, std::string> attributes;  // Token, Enabled, CustomUserData
};

// SMS settings and phone-number state of one account and region.
struct SmsState {
  std::map<std::string, std::string> attributes;
  std::set<std::string> opted_out;
  std::map<std::string, std::pair<std::string, std::string>> sandbox;  // number -> (status, otp)
};

class SnsService final : public aws::ServiceHandler {
 public:
  SnsService();
  void Start(aws::ServiceEnv& env) override;
  void Reset() override;
  bool HandleBuiltin(const HttpRequest& req, std::string_view rest, HttpResponse& resp) override;

  using Ctx = aws::Context;
  using In = json::object;
  using Out = Result<json::value>;

  // sns_service.cc
  Out CreateTopic(Ctx& c, const In& in);
  Out DeleteTopic(Ctx& c, const In& in);
  Out ListTopics(Ctx& c, const In& in);
  Out GetTopicAttributes(Ctx& c, const In& in);
  Out SetTopicAttributes(Ctx& c, const In& in);
  Out Subscribe(Ctx& c, const In& in);
  Out ConfirmSubscription(Ctx& c, const In& in);
  Out Unsubscribe(Ctx& c, const In& in);
  Out ListSubscriptions(Ctx& c, const In& in);
  Out ListSubscriptionsByTopic(Ctx& c, const In& in);
  Out GetSubscriptionAttributes(Ctx& c, const In& in);
  Out SetSubscriptionAttributes(Ctx& c, const In& in);
  Out TagResource(Ctx& c, const In& in);
  Out UntagResource(Ctx& c, const In& in);
  Out ListTagsForResource(Ctx& c, const In& in);
  Out AddPermission(Ctx& c, const In& in);
  Out RemovePermission(Ctx& c, const In& in);
  Out GetDataProtectionPolicy(Ctx& c, const In& in);
  Out PutDataProtectionPolicy(Ctx& c, const In& in);
  // platform.cc
  Out CreatePlatformApplication(Ctx& c, const In& in);
  Out GetPlatformApplicationAttributes(Ctx& c, const In& in);
  Out SetPlatformApplicationAttributes(Ctx& c, const In& in);
  Out ListPlatformApplications(Ctx& c, const In& in);
  Out DeletePlatformApplication(Ctx& c, const In& in);
  Out CreatePlatformEndpoint(Ctx& c, const In& in);
  Out GetEndpointAttributes(Ctx& c, const In& in);
  Out SetEndpointAttributes(Ctx& c, const In& in);
  Out ListEndpointsByPlatformApplication(Ctx& c, const In& in);
  Out DeleteEndpoint(Ctx& c, const In& in);
  Out GetSMSAttributes(Ctx& c, const In& in);
  Out SetSMSAttributes(Ctx& c, const In& in);
  Out CheckIfPhoneNumberIsOptedOut(Ctx& c, const In& in);
  Out ListPhoneNumbersOptedOut(Ctx& c, const In& in);
  Out OptInPhoneNumber(Ctx& c, const In& in);
  Out CreateSMSSandboxPhoneNumber(Ctx& c, const In& in);
  Out DeleteSMSSandboxPhoneNumber(Ctx& c, const In& in);
  Out ListSMSSandboxPhoneNumbers(Ctx& c, const In& in);
  Out VerifySMSSandboxPhoneNumber(Ctx& c, const In& in);
  Out GetSMSSandboxAccountStatus(Ctx& c, const In& in);
  Out ListOriginationNumbers(Ctx& c, const In& in);
  // Records an SMS or push delivery; an error when the target cannot take it.
  Result<json::value> PublishToEndpoint(Ctx& c, const std::string& target_arn, const In& in);
  Result<json::value> PublishSms(Ctx& c, const std::string& phone, const In& in);
  SmsState& Sms(const Ctx& c) { return sms_[{c.account, c.region}]; }

  // publish.cc
  Out Publish(Ctx& c, const In& in);
  Out PublishBatch(Ctx& c, const In& in);

  static AwsError Error(std::string_view shape, std::string message);
  static AwsError Invalid(std::string message);  // InvalidParameter "Invalid parameter: ..."
  Result<Topic*> TopicByArn(std::string_view arn, const Ctx& c);
  std::string BaseUrl(const Ctx& c) const;
  void PersistTopic(Ctx* c, const Topic& t);
  void PersistSubscription(Ctx* c, const Subscription& s);
  void Forget(Ctx* c, const Subscription& s);
  // Platform applications, endpoints and SMS state (platform.cc).
  void PersistApplication(Ctx* c, const PlatformApplication& a);
  void PersistEndpoint(Ctx* c, const PlatformEndpoint& e);
  void ForgetPlatform(Ctx* c, std::string_view table, const std::string& arn);
  void PersistSms(Ctx* c, const std::string& account, const std::string& region);
  void PersistSms(Ctx& c) { PersistSms(&c, c.account, c.region); }
  bool LoadPlatform(std::string_view table, std::string_view key, const json::object& o);
  Result<json::value> PublishOne(Ctx& c, Topic& t, const In& in);
  std::string Sign(std::string_view canonical, bool sha256 = false);
  // Posts to an http subscriber, retrying per the delivery policy, then to the subscription's
  // dead-letter queue.
  void DeliverHttp(const Subscription& s, std::string type, std::string body, std::string message_id,
                   int attempt);
  void SendConfirmation(const Ctx& c, const Topic& t, const Subscription& s);
  const std::string& CertificatePem();

  std::recursive_mutex mu_;
  std::map<std::string, std::unique_ptr<Topic>> topics_;  // by ARN
  std::map<std::string, Subscription> subscriptions_;     // by ARN
  std::vector<Recorded> recorded_;
  std::map<std::string, PlatformApplication> applications_;  // by ARN
  std::map<std::string, PlatformEndpoint> endpoints_;         // by ARN
  std::map<std::pair<std::string, std::string>, SmsState> sms_;
  aws::ServiceEnv* env_ = nullptr;
  struct Signer;
  std::shared_ptr<Signer> signer_;
};

std::unique_ptr<aws::ServiceHandler> MakeSnsService();

}  // namespace stratus::sns
