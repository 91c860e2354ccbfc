// Publish and PublishBatch: validation, FIFO sequencing and deduplication, filter policies,
// the signed JSON envelope, and asynchronous delivery to SQS (other endpoints are recorded).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cmath>
#include <cctype>
#include <cstdlib>
#include <set>

#include "core/encoding.h"
#include "core/timefmt.h"
#include "services/sns/filter_policy.h"
#include "services/sns/sns.h"
#include "services/sqs/sqs.h"

namespace stratus::sns {

// SNS's own principal as SQS reports it in SenderId for messages SNS delivers.
constexpr const char* kSnsSenderId = "AIDAIT2UOQQY3AUEKVGXU";
constexpr size_t kMaxMessageBytes = 262144;

// The key and self-signed certificate Stratus signs notifications with, made on first use.
struct SnsService::Signer {
  EVP_PKEY* key = nullptr;
  std::string pem;
  ~Signer() { EVP_PKEY_free(key); }
};

static std::shared_ptr<SnsService::Signer> MakeSigner() {
  auto s = std::make_shared<SnsService::Signer>();
  s->key = EVP_RSA_gen(2048);
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -86400);
  X509_gmtime_adj(X509_getm_notAfter(cert), 10L * 365 * 86400);
  X509_set_pubkey(cert, s->key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("sns.amazonaws.com"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, s->key, EVP_sha256());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  s->pem.assign(data, static_cast<size_t>(len));
  BIO_free(bio);
  X509_free(cert);
  return s;
}

const std::string& SnsService::CertificatePem() {
  std::lock_guard lock(mu_);
  if (!signer_) signer_ = MakeSigner();
  return signer_->pem;
}

namespace {

std::string SignWith(EVP_PKEY* key, std::string_view data, bool sha256) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestSignInit(ctx, nullptr, sha256 ? EVP_sha256() : EVP_sha1(), nullptr, key);
  size_t len = 0;
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(data.data()), data.size());
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  return Base64Encode(sig);
}

// What one subscription receives of a publish.
struct Delivery {
  Subscription sub;
  std::string body;           // SQS message body
  json::object sqs_attributes;
  std::string group_id, dedup_id;
};

Result<json::object> CheckAttributes(const json::object* attrs) {
  json::object envelope;  // {"name": {"Type": ..., "Value": ...}}
  if (!attrs) return envelope;
  for (const auto& [name, v] : *attrs) {
    if (!v.is_object()) return Fail(SnsService::Invalid("Invalid parameter: MessageAttributes"));
    const auto& o = v.get_object();
    std::string type(GetString(o, "DataType").value_or(""));
    std::string base = type.substr(0, type.find('.'));
    if (type != "String.Array" && base != "String" && base != "Number" && base != "Binary")
      return Fail(SnsService::Error("InvalidParameterValueException",
                                    "The message attribute '" + std::string(name) +
                                        "' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String."));
    auto sv = GetString(o, "StringValue");
    auto bv = GetString(o, "BinaryValue");
    if ((base == "Binary" && !bv) || (base != "Binary" && (!sv || sv->empty())))
      return Fail(SnsService::Invalid("The message attribute '" + std::string(name) +
                                      "' must contain non-empty message attribute value for message attribute type '" +
                                      base + "'."));
    if (base == "Number") {
      std::string text(*sv);
      char* end = nullptr;
      std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size())
        return Fail(SnsService::Error("InvalidParameterValueException",
                                      "Could not cast message attribute '" + std::string(name) + "' value to number."));
    }
    if (type == "String.Array") {
      boost::system::error_code ec;
      auto arr = json::parse(*sv, ec);
      if (ec || !arr.is_array())
        return Fail(SnsService::Invalid("Invalid parameter: MessageAttributes Reason: Message attribute '" +
                                        std::string(name) + "' with type 'String.Array' must be a JSON array."));
    }
    envelope[name] = json::object{{"Type", type}, {"Value", base == "Binary" ? *bv : *sv}};
  }
  return envelope;
}

}  // namespace

std::string SnsService::Sign(std::string_view canonical, bool sha256) {
  std::lock_guard lock(mu_);
  if (!signer_) signer_ = MakeSigner();
  return SignWith(signer_->key, canonical, sha256);
}

namespace {
std::string IsoMillis(int64_t ms) {
  std::string t = FormatIso8601(ms - ms % 1000, false);
  char buf[8];
  std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(ms % 1000));
  t.insert(t.size() - 1, buf);
  return t;
}

// The http retry policy of a DeliveryPolicy document (AWS's default: 3 retries 20 s apart).
struct RetryPolicy {
  int num_retries = 3, no_delay = 0, min_delay_retries = 0, max_delay_retries = 0;
  int min_delay = 20, max_delay = 20;
  std::string backoff = "linear";
};

RetryPolicy ParseRetryPolicy(std::string_view policy) {
  RetryPolicy r;
  boost::system::error_code ec;
  auto p = json::parse(policy, ec);
  if (ec || !p.is_object()) return r;
  const json::object* http = GetObject(p.get_object(), "http");
  const json::object* rp = http ? GetObject(*http, "defaultHealthyRetryPolicy") : nullptr;
  if (!rp) rp = GetObject(p.get_object(), "healthyRetryPolicy");
  if (!rp) return r;
  auto num = [&](std::string_view k, int def) { return static_cast<int>(GetInt(*rp, k).value_or(def)); };
  r.num_retries = num("numRetries", r.num_retries);
  r.no_delay = num("numNoDelayRetries", 0);
  r.min_delay_retries = num("numMinDelayRetries", 0);
  r.max_delay_retries = num("numMaxDelayRetries", 0);
  r.min_delay = num("minDelayTarget", r.min_delay);
  r.max_delay = std::max(r.min_delay, num("maxDelayTarget", r.min_delay));
  r.backoff = std::string(GetString(*rp, "backoffFunction").value_or("linear"));
  return r;
}

// Seconds to wait before retry number `retry` (1-based), following AWS's four phases: the
// immediate retries (no delay), the pre-backoff retries (minDelayTarget), the backoff retries
// (minDelayTarget rising to maxDelayTarget along backoffFunction), then the post-backoff
// retries (maxDelayTarget). Negative when the policy allows no such retry.
double RetryDelaySeconds(const RetryPolicy& p, int retry) {
  if (retry > p.num_retries) return -1;
  if (retry <= p.no_delay) return 0;
  retry -= p.no_delay;
  if (retry <= p.min_delay_retries) return p.min_delay;
  retry -= p.min_delay_retries;
  int backoff = std::max(0, p.num_retries - p.no_delay - p.min_delay_retries - p.max_delay_retries);
  if (retry > backoff) return p.max_delay;
  double lo = p.min_delay, hi = p.max_delay, x = static_cast<double>(retry) / backoff;
  // AWS does not publish its curves; these start near minDelayTarget and reach
  // maxDelayTarget on the last backoff retry, with the shapes the console draws.
  if (p.backoff == "arithmetic") return lo + (hi - lo) * x * x;
  if (p.backoff == "geometric") return lo * std::pow(hi / lo, x);
  if (p.backoff == "exponential") return lo + (hi - lo) * (std::exp2(retry) - 1) / (std::exp2(backoff) - 1);
  return lo + (hi - lo) * x;  // linear
}
}  // namespace

void SnsService::SendConfirmation(const Ctx& c, const Topic& t, const Subscription& s) {
  int64_t now = c.clock.NowMillis();
  std::string id = NewUuid();
  std::string message = "You have chosen to subscribe to the topic " + t.arn +
                        ".\nTo confirm the subscription, visit the SubscribeURL included in this message.";
  std::string subscribe_url = BaseUrl(c) + "/?Action=ConfirmSubscription&TopicArn=" + t.arn + "&Token=" + s.token;
  std::string ts = IsoMillis(now);
  std::string canonical = "Message\n" + message + "\nMessageId\n" + id + "\nSubscribeURL\n" + subscribe_url +
                          "\nTimestamp\n" + ts + "\nToken\n" + s.token + "\nTopicArn\n" + t.arn +
                          "\nType\nSubscriptionConfirmation\n";
  json::object env;
  env["Type"] = "SubscriptionConfirmation";
  env["MessageId"] = id;
  env["Token"] = s.token;
  env["TopicArn"] = t.arn;
  env["Message"] = message;
  env["SubscribeURL"] = subscribe_url;
  env["Timestamp"] = ts;
  env["SignatureVersion"] = "1";
  env["Signature"] = Sign(canonical);
  env["SigningCertURL"] = BaseUrl(c) + "/_stratus/sns/SimpleNotificationService-stratus.pem";
  DeliverHttp(s, "SubscriptionConfirmation", json::serialize(env), id, 0);
}

void SnsService::DeliverHttp(const Subscription& s, std::string type, std::string body, std::string message_id,
                             int attempt) {
  if (!env_ || !env_->http) return;
  OutboundRequest req;
  req.url = s.endpoint;
  req.headers.Set("Content-Type", "text/plain; charset=UTF-8");
  req.headers.Set("User-Agent", "Amazon Simple Notification Service Agent");
  req.headers.Set("x-amz-sns-message-type", type);
  req.headers.Set("x-amz-sns-message-id", message_id);
  req.headers.Set("x-amz-sns-topic-arn", s.topic_arn);
  if (type == "Notification") req.headers.Set("x-amz-sns-subscription-arn", s.arn);
  if (s.attributes.contains("RawMessageDelivery") && s.attributes.at("RawMessageDelivery") == "true")
    req.headers.Set("x-amz-sns-rawdelivery", "true");
  req.body = body;
  env_->http->Send(std::move(req), [this, s, type, body, message_id, attempt](OutboundResult r) {
    if (r.status >= 200 && r.status < 300) return;
    std::string policy;
    {
      std::lock_guard lock(mu_);
      if (auto it = s.attributes.find("DeliveryPolicy"); it != s.attributes.end()) policy = it->second;
      else if (auto t = topics_.find(s.topic_arn); t != topics_.end() && t->second->attributes.contains("DeliveryPolicy"))
        policy = t->second->attributes.at("DeliveryPolicy");
    }
    double delay = RetryDelaySeconds(ParseRetryPolicy(policy), attempt + 1);
    if (delay >= 0) {
      int64_t at = env_->clock.NowMillis() + static_cast<int64_t>(delay * 1000);
      env_->scheduler.ScheduleAt(at, [this, s, type, body, message_id, attempt] {
        DeliverHttp(s, type, body, message_id, attempt + 1);
      });
      return;
    }
    // Out of retries: the subscription's dead-letter queue, if any, gets the message.
    auto it = s.attributes.find("RedrivePolicy");
    if (type != "Notification" || it == s.attributes.end()) return;
    boost::system::error_code ec;
    auto rp = json::parse(it->second, ec);
    if (ec || !rp.is_object()) return;
    std::string dlq(GetString(rp.get_object(), "deadLetterTargetArn").value_or(""));
    auto* sqs = env_->registry ? dynamic_cast<sqs::SqsService*>(env_->registry->Find("sqs")) : nullptr;
    if (sqs && !dlq.empty()) {
      json::object input;
      input["MessageBody"] = body;
      (void)sqs->SendFromService(dlq, input, kSnsSenderId);
    }
  });
}

Result<json::value> SnsService::PublishOne(Ctx& c, Topic& t, const In& in) {
  std::string message(GetString(in, "Message").value_or(""));
  if (message.empty()) return Fail(Invalid("Invalid parameter: Empty message"));
  std::string subject(GetString(in, "Subject").value_or(""));
  if (stratus::Find(in, "Subject")) {
    bool ok = !subject.empty() && subject.size() <= 100;
    for (unsigned char ch : subject) ok &= ch >= 0x20 && ch < 0x7f;
    if (!ok) return Fail(Invalid("Invalid parameter: Subject"));
  }
  auto envelope_attrs = CheckAttributes(GetObject(in, "MessageAttributes"));
  if (!envelope_attrs) return Fail(envelope_attrs.error());
  size_t size = message.size();
  if (const json::object* attrs = GetObject(in, "MessageAttributes"))
    for (const auto& [k, v] : *attrs) size += k.size() + json::serialize(v).size();
  if (size > kMaxMessageBytes) return Fail(Invalid("Invalid parameter: Message too long"));
  json::value structure;
  if (GetString(in, "MessageStructure") == "json") {
    boost::system::error_code ec;
    structure = json::parse(message, ec);
    if (ec || !structure.is_object())
      return Fail(Invalid("Invalid parameter: Message Structure - JSON message body failed to parse"));
    if (!GetString(structure.get_object(), "default"))
      return Fail(Invalid("Invalid parameter: Message Structure - No default entry in JSON message body"));
  } else if (auto ms = GetString(in, "MessageStructure")) {
    return Fail(Invalid("Invalid parameter: MessageStructure"));
  }
  std::string group(GetString(in, "MessageGroupId").value_or(""));
  std::string dedup(GetString(in, "MessageDeduplicationId").value_or(""));
  int64_t now = c.clock.NowMillis();
  json::object out;
  std::string message_id = NewUuid();
  std::string sequence;
  if (t.fifo) {
    if (group.empty())
      return Fail(Invalid("Invalid parameter: The MessageGroupId parameter is required for FIFO topics"));
    if (dedup.empty()) {
      auto it = t.attributes.find("ContentBasedDeduplication");
      if (it == t.attributes.end() || it->second != "true")
        return Fail(Invalid("Invalid parameter: The topic should either have ContentBasedDeduplication enabled or "
                            "MessageDeduplicationId provided explicitly"));
      dedup = Sha256Hex(message);
    }
    for (auto it = t.dedup.begin(); it != t.dedup.end();)
      it = it->second.first <= now ? t.dedup.erase(it) : std::next(it);
    if (auto it = t.dedup.find(dedup); it != t.dedup.end()) {
      out["MessageId"] = it->second.second;
      out["SequenceNumber"] = std::to_string(10'000'000'000'000'000'000ULL + t.sequence);
      return json::value(std::move(out));  // a duplicate is acknowledged and not delivered
    }
    t.dedup[dedup] = {now + 300'000, message_id};
    sequence = std::to_string(10'000'000'000'000'000'000ULL + ++t.sequence);
    PersistTopic(&c, t);
  }
  out["MessageId"] = message_id;
  if (t.fifo) out["SequenceNumber"] = sequence;

  // Work out each subscription's delivery now; send later, off the request.
  std::string timestamp = IsoMillis(now);  // AWS timestamps always carry milliseconds
  std::string base = BaseUrl(c);
  bool sig2 = t.attributes.contains("SignatureVersion") && t.attributes.at("SignatureVersion") == "2";
  json::value attr_subject = json::value(*envelope_attrs);
  json::value body_subject;
  bool body_parsed = false;
  std::vector<Delivery> deliveries;
  for (const auto& sarn : t.subscriptions) {
    auto sit = subscriptions_.find(sarn);
    if (sit == subscriptions_.end() || sit->second.pending) continue;
    const Subscription& s = sit->second;
    if (auto fp = s.attributes.find("FilterPolicy"); fp != s.attributes.end() && !fp->second.empty()) {
      boost::system::error_code ec;
      auto policy = json::parse(fp->second, ec);
      bool body_scope = s.attributes.contains("FilterPolicyScope") && s.attributes.at("FilterPolicyScope") == "MessageBody";
      if (body_scope && !body_parsed) {
        boost::system::error_code bec;
        body_subject = json::parse(message, bec);
        if (bec) body_subject = nullptr;
        body_parsed = true;
      }
      if (!ec && !MatchesFilterPolicy(policy, body_scope ? body_subject : attr_subject, body_scope)) continue;
    }
    std::string text = message;
    if (structure.is_object()) {
      const auto& o = structure.get_object();
      text = std::string(GetString(o, s.protocol).value_or(GetString(o, "default").value_or("")));
    }
    Delivery d;
    d.sub = s;
    d.group_id = group;
    d.dedup_id = dedup;
    bool raw = s.attributes.contains("RawMessageDelivery") && s.attributes.at("RawMessageDelivery") == "true";
    if (raw) {
      d.body = text;
      if (const json::object* attrs = GetObject(in, "MessageAttributes")) d.sqs_attributes = *attrs;
    } else {
      // The envelope, members in AWS's order; the signature covers AWS's canonical string.
      std::string canonical = "Message\n" + text + "\nMessageId\n" + message_id + "\n";
      if (!subject.empty()) canonical += "Subject\n" + subject + "\n";
      canonical += "Timestamp\n" + timestamp + "\nTopicArn\n" + t.arn + "\nType\nNotification\n";
      json::object env;
      env["Type"] = "Notification";
      env["MessageId"] = message_id;
      if (t.fifo) env["SequenceNumber"] = sequence;
      env["TopicArn"] = t.arn;
      if (!subject.empty()) env["Subject"] = subject;
      env["Message"] = text;
      env["Timestamp"] = timestamp;
      if (!t.fifo) {
        env["SignatureVersion"] = sig2 ? "2" : "1";
        {
          std::lock_guard lock(mu_);
          if (!signer_) signer_ = MakeSigner();
          env["Signature"] = SignWith(signer_->key, canonical, sig2);
        }
        env["SigningCertURL"] = base + "/_stratus/sns/SimpleNotificationService-stratus.pem";
      }
      env["UnsubscribeURL"] = base + "/?Action=Unsubscribe&SubscriptionArn=" + s.arn;
      if (!envelope_attrs->empty()) env["MessageAttributes"] = *envelope_attrs;
      d.body = json::serialize(env);
    }
    if (s.protocol == "http" || s.protocol == "https") {
      std::string body = d.body;
      env_->scheduler.Post([this, s, body, message_id] { DeliverHttp(s, "Notification", body, message_id, 0); });
      continue;
    }
    if (s.protocol != "sqs") {
      Recorded r;
      r.protocol = s.protocol;
      r.endpoint = s.endpoint;
      r.topic_arn = t.arn;
      r.message_id = message_id;
      r.subject = subject;
      r.message = s.protocol == "email" ? text : d.body;
      r.timestamp_ms = now;
      recorded_.push_back(std::move(r));
      continue;
    }
    deliveries.push_back(std::move(d));
  }
  if (!deliveries.empty()) {
    auto* sqs = env_->registry ? dynamic_cast<sqs::SqsService*>(env_->registry->Find("sqs")) : nullptr;
    if (sqs) {
      // Publish answers first; queues get the message on the event loop.
      env_->scheduler.Post([sqs, deliveries = std::move(deliveries)] {
        for (const auto& d : deliveries) {
          json::object input;
          input["MessageBody"] = d.body;
          if (!d.sqs_attributes.empty()) input["MessageAttributes"] = d.sqs_attributes;
          if (!d.group_id.empty()) input["MessageGroupId"] = d.group_id;
          if (!d.dedup_id.empty()) input["MessageDeduplicationId"] = d.dedup_id;
          (void)sqs->SendFromService(d.sub.endpoint, input, kSnsSenderId);
        }
      });
    }
  }
  return json::value(std::move(out));
}

SnsService::Out SnsService::Publish(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  std::string target(GetString(in, "TopicArn").value_or(GetString(in, "TargetArn").value_or("")));
  if (auto phone = GetString(in, "PhoneNumber"); phone && target.empty()) {
    if (GetString(in, "Message").value_or("").empty()) return Fail(Invalid("Invalid parameter: Empty message"));
    return PublishSms(c, std::string(*phone), in);
  }
  if (target.empty()) return Fail(Invalid("Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter"));
  if (target.find(":endpoint/") != std::string::npos) {
    if (GetString(in, "Message").value_or("").empty()) return Fail(Invalid("Invalid parameter: Empty message"));
    return PublishToEndpoint(c, target, in);
  }
  auto t = TopicByArn(target, c);
  if (!t) return Fail(t.error());
  return PublishOne(c, **t, in);
}

SnsService::Out SnsService::PublishBatch(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto t = TopicByArn(GetString(in, "TopicArn").value_or(""), c);
  if (!t) return Fail(t.error());
  const json::array* entries = GetArray(in, "PublishBatchRequestEntries");
  if (!entries || entries->empty())
    return Fail(Error("EmptyBatchRequestException", "The batch request doesn't contain any entries."));
  if (entries->size() > 10)
    return Fail(Error("TooManyEntriesInBatchRequestException",
                      "The batch request contains more entries than permissible."));
  std::set<std::string_view> ids;
  size_t total = 0;
  for (const auto& e : *entries) {
    const auto& o = e.get_object();
    std::string_view id = GetString(o, "Id").value_or("");
    bool valid = !id.empty() && id.size() <= 80;
    for (char ch : id) valid &= std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_';
    if (!valid)
      return Fail(Error("InvalidBatchEntryIdException",
                        "The Id of a batch entry in a batch request doesn't abide by the specification."));
    if (!ids.insert(id).second)
      return Fail(Error("BatchEntryIdsNotDistinctException", "Two or more batch entries in the request have the same Id."));
    total += GetString(o, "Message").value_or("").size();
  }
  if (total > kMaxMessageBytes)
    return Fail(Error("BatchRequestTooLongException", "The length of all the messages put together is more than the limit."));
  json::array ok, failed;
  for (const auto& e : *entries) {
    const auto& o = e.get_object();
    std::string_view id = GetString(o, "Id").value_or("");
    auto r = PublishOne(c, **t, o);
    if (!r) {
      failed.emplace_back(json::object{{"Id", id}, {"Code", r.error().query_code.empty() ? r.error().code : r.error().query_code},
                                       {"Message", r.error().message}, {"SenderFault", r.error().sender_fault}});
      continue;
    }
    json::object entry{{"Id", id}};
    for (auto& [k, v] : r->get_object()) entry[k] = std::move(v);
    ok.emplace_back(std::move(entry));
  }
  json::object out;
  out["Successful"] = std::move(ok);
  out["Failed"] = std::move(failed);
  return json::value(std::move(out));
}

}  // namespace stratus::sns
