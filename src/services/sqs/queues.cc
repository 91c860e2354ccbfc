// Queue operations: create, look up, list, delete, attributes, tags, permissions, purge,
// dead-letter sources and message move tasks.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>

#include "core/encoding.h"
#include "services/sqs/sqs.h"
#include "store/store.h"

namespace stratus::sqs {
namespace {

struct AttrSpec {
  std::string_view name;
  int64_t min, max;
};
// Numeric attributes and their ranges (AWS SQS API reference, SetQueueAttributes).
constexpr AttrSpec kNumeric[] = {
    {"DelaySeconds", 0, 900},
    {"MaximumMessageSize", 1024, 1048576},
    {"MessageRetentionPeriod", 60, 1209600},
    {"ReceiveMessageWaitTimeSeconds", 0, 20},
    {"VisibilityTimeout", 0, 43200},
    {"KmsDataKeyReusePeriodSeconds", 60, 86400},
};
constexpr std::string_view kComputed[] = {
    "All", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn"};

AwsError InvalidParameter(std::string message) {
  return AwsError::Make("InvalidParameterValue", std::move(message));
}

bool ValidName(std::string_view name, bool fifo) {
  if (fifo) {
    if (!name.ends_with(".fifo")) return false;
    name.remove_suffix(5);
    if (name.size() > 75) return false;
  }
  if (name.empty() || name.size() > 80) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

bool ParseInt(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

std::string RedrivePolicyError(const std::string& value, std::string_view reason) {
  return "Value " + value + " for parameter RedrivePolicy is invalid. Reason: " + std::string(reason);
}

}  // namespace

int64_t Queue::Int(std::string_view attr) const {
  auto it = attributes.find(attr);
  int64_t v = 0;
  if (it != attributes.end()) ParseInt(it->second, v);
  return v;
}

Queue::Redrive Queue::RedrivePolicy() const {
  Redrive r;
  auto it = attributes.find("RedrivePolicy");
  if (it == attributes.end() || it->second.empty()) return r;
  boost::system::error_code ec;
  auto p = json::parse(it->second, ec);
  if (ec || !p.is_object()) return r;
  r.dead_letter_arn = GetString(p.get_object(), "deadLetterTargetArn").value_or("");
  r.max_receives = GetInt(p.get_object(), "maxReceiveCount").value_or(0);
  return r;
}

void Queue::Insert(Message&& m) {
  uint64_t seq = m.seq;
  by_visible.emplace(m.visible_at_ms, seq);
  if (fifo) {
    std::set<uint64_t>& seqs = group_seqs[m.group_id];
    if (seqs.empty() || seq < *seqs.begin()) {
      if (!seqs.empty()) group_heads.erase({*seqs.begin(), m.group_id});
      group_heads.emplace(seq, m.group_id);
    }
    seqs.insert(seq);
  }
  messages.emplace(seq, std::move(m));
}

Message Queue::Remove(std::map<uint64_t, Message>::iterator it) {
  uint64_t seq = it->first;
  Message m = std::move(it->second);
  messages.erase(it);
  by_visible.erase({m.visible_at_ms, seq});
  if (fifo) {
    auto g = group_seqs.find(m.group_id);
    if (g != group_seqs.end()) {
      bool head = *g->second.begin() == seq;
      g->second.erase(seq);
      if (head) {
        group_heads.erase({seq, m.group_id});
        if (!g->second.empty()) group_heads.emplace(*g->second.begin(), m.group_id);
      }
      if (g->second.empty()) group_seqs.erase(g);
    }
  }
  return m;
}

void Queue::ClearMessages() {
  messages.clear();
  by_visible.clear();
  group_seqs.clear();
  group_heads.clear();
}

std::string Queue::Table() const { return "sqs/" + account + "/" + region + "/m/" + name; }

// Checks and normalizes attributes for a queue of the given kind. `self` is the queue being
// changed (null on create).
static Result<std::map<std::string, std::string>> CheckAttributes(SqsService& svc, const json::object* attrs,
                                                                  bool fifo, const Queue* self,
                                                                  const std::string& source_arn) {
  std::map<std::string, std::string> out;
  if (!attrs) return out;
  for (const auto& [k, v] : *attrs) {
    std::string name(k);
    std::string value = v.is_string() ? std::string(v.get_string()) : json::serialize(v);
    const AttrSpec* numeric = nullptr;
    for (const auto& spec : kNumeric)
      if (spec.name == name) numeric = &spec;
    if (numeric) {
      int64_t n = 0;
      if (!ParseInt(value, n) || n < numeric->min || n > numeric->max)
        return Fail(SqsService::Error("InvalidAttributeValue", "Invalid value for the parameter " + name + "."));
      out[name] = std::to_string(n);
      continue;
    }
    if (name == "Policy") {
      boost::system::error_code ec;
      if (!value.empty()) {
        auto p = json::parse(value, ec);
        if (ec || !p.is_object())
          return Fail(SqsService::Error("InvalidAttributeValue", "Invalid value for the parameter Policy."));
      }
      out[name] = value;
    } else if (name == "RedrivePolicy") {
      if (value.empty()) {
        out[name] = "";
        continue;
      }
      boost::system::error_code ec;
      auto p = json::parse(value, ec);
      if (ec || !p.is_object())
        return Fail(InvalidParameter(RedrivePolicyError(value, "Redrive policy is not a valid JSON map.")));
      const auto& o = p.get_object();
      auto target = GetString(o, "deadLetterTargetArn");
      const json::value* count = Find(o, "maxReceiveCount");
      int64_t n = 0;
      if (count && count->is_string()) ParseInt(count->get_string(), n);
      else if (count && count->is_int64()) n = count->get_int64();
      if (!target || !count)
        return Fail(InvalidParameter(RedrivePolicyError(
            value, "Redrive policy must contain both deadLetterTargetArn and maxReceiveCount.")));
      if (n < 1 || n > 1000)
        return Fail(InvalidParameter(RedrivePolicyError(
            value, "Invalid value for maxReceiveCount: " + std::to_string(n) +
                       ", valid values are from 1 to 1000 both inclusive.")));
      Queue* dlq = svc.QueueByArn(*target);
      if (!dlq) return Fail(InvalidParameter(RedrivePolicyError(value, "Dead letter target does not exist.")));
      if (dlq->fifo != fifo)
        return Fail(InvalidParameter(RedrivePolicyError(
            value, "Dead-letter target must be of the same type (standard or FIFO) as the source.")));
      // The dead-letter queue's RedriveAllowPolicy decides which sources may use it.
      if (auto allow = dlq->attributes.find("RedriveAllowPolicy"); allow != dlq->attributes.end()) {
        boost::system::error_code aec;
        auto ap = json::parse(allow->second, aec);
        std::string_view perm = (!aec && ap.is_object())
                                    ? GetString(ap.get_object(), "redrivePermission").value_or("allowAll")
                                    : "allowAll";
        bool allowed = perm == "allowAll";
        if (perm == "byQueue") {
          if (const json::array* arns = GetArray(ap.get_object(), "sourceQueueArns"))
            for (const auto& a : *arns) allowed |= a.is_string() && a.get_string() == source_arn;
        }
        if (!allowed)
          return Fail(InvalidParameter(RedrivePolicyError(
              value, "Dead letter target does not allow this queue to use it as a source queue.")));
      }
      json::object norm;
      norm["deadLetterTargetArn"] = *target;
      norm["maxReceiveCount"] = n;
      out[name] = json::serialize(norm);
    } else if (name == "RedriveAllowPolicy") {
      boost::system::error_code ec;
      auto p = json::parse(value, ec);
      auto perm = (!ec && p.is_object()) ? GetString(p.get_object(), "redrivePermission") : std::nullopt;
      if (!perm || (*perm != "allowAll" && *perm != "denyAll" && *perm != "byQueue"))
        return Fail(InvalidParameter("Value " + value +
                                     " for parameter RedriveAllowPolicy is invalid. Reason: Invalid "
                                     "value for redrivePermission."));
      out[name] = value;
    } else if (name == "KmsMasterKeyId") {
      out[name] = value;
    } else if (name == "SqsManagedSseEnabled") {
      if (value != "true" && value != "false")
        return Fail(SqsService::Error("InvalidAttributeValue", "Invalid value for the parameter SqsManagedSseEnabled."));
      out[name] = value;
    } else if (fifo && (name == "FifoQueue" || name == "ContentBasedDeduplication")) {
      if (value != "true" && value != "false")
        return Fail(SqsService::Error("InvalidAttributeValue", "Invalid value for the parameter " + name + "."));
      if (name == "FifoQueue" && self && value != "true")
        return Fail(SqsService::Error("InvalidAttributeValue", "Invalid value for the parameter FifoQueue."));
      out[name] = value;
    } else if (fifo && name == "DeduplicationScope") {
      if (value != "messageGroup" && value != "queue")
        return Fail(SqsService::Error("InvalidAttributeValue", "Invalid value for the parameter DeduplicationScope."));
      out[name] = value;
    } else if (fifo && name == "FifoThroughputLimit") {
      if (value != "perQueue" && value != "perMessageGroupId")
        return Fail(SqsService::Error("InvalidAttributeValue", "Invalid value for the parameter FifoThroughputLimit."));
      out[name] = value;
    } else if (name == "FifoQueue" && !fifo && !self && value == "false") {
      continue;  // explicitly standard
    } else {
      return Fail(SqsService::Error("InvalidAttributeName", "Unknown Attribute " + name + "."));
    }
  }
  if (out.contains("KmsMasterKeyId") && !out.contains("SqsManagedSseEnabled")) out["SqsManagedSseEnabled"] = "false";
  return out;
}

static void ApplyDefaults(Queue& q) {
  auto def = [&](const char* k, const char* v) { q.attributes.try_emplace(k, v); };
  def("VisibilityTimeout", "30");
  def("MaximumMessageSize", "1048576");
  def("MessageRetentionPeriod", "345600");
  def("DelaySeconds", "0");
  def("ReceiveMessageWaitTimeSeconds", "0");
  if (!q.attributes.contains("KmsMasterKeyId")) def("SqsManagedSseEnabled", "true");
  if (q.fifo) {
    def("FifoQueue", "true");
    def("ContentBasedDeduplication", "false");
    def("DeduplicationScope", "queue");
    def("FifoThroughputLimit", "perQueue");
  }
}

SqsService::Out SqsService::CreateQueue(Ctx& c, const In& in) {
  std::string name(GetString(in, "QueueName").value_or(""));
  const json::object* attrs = GetObject(in, "Attributes");
  bool fifo_attr = false;
  if (attrs)
    if (auto f = GetString(*attrs, "FifoQueue")) fifo_attr = *f == "true";
  bool fifo = fifo_attr || name.ends_with(".fifo");
  if (fifo && (!fifo_attr || !ValidName(name, true)))
    return Fail(InvalidParameter(
        "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
        "must end with .fifo suffix and be 1 to 80 in length."));
  if (!fifo && !ValidName(name, false))
    return Fail(InvalidParameter(
        "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"));
  std::lock_guard lock(mu_);
  auto checked = CheckAttributes(*this, attrs, fifo, nullptr,
                                 "arn:aws:sqs:" + c.region + ":" + c.account + ":" + name);
  if (!checked) return Fail(checked.error());
  Region& r = RegionOf(c.account, c.region);
  int64_t now = c.clock.NowMillis();
  if (auto it = r.queues.find(name); it != r.queues.end()) {
    Queue& q = *it->second;
    for (const auto& [k, v] : *checked) {
      auto cur = q.attributes.find(k);
      if (cur == q.attributes.end() || cur->second != v)
        return Fail(Error("QueueNameExists",
                          "A queue already exists with the same name and a different value for attribute " + k));
    }
    json::object out;
    out["QueueUrl"] = QueueUrl(c, q);
    return json::value(std::move(out));
  }
  if (auto d = r.deleted_ms.find(name); d != r.deleted_ms.end() && now - d->second < 60'000)
    return Fail(Error("QueueDeletedRecently",
                      "You must wait 60 seconds after deleting a queue before you can create another "
                      "queue with the same name."));
  auto q = std::make_unique<Queue>();
  q->account = c.account;
  q->region = c.region;
  q->name = name;
  q->arn = "arn:aws:sqs:" + c.region + ":" + c.account + ":" + name;
  q->fifo = fifo;
  q->attributes.insert(checked->begin(), checked->end());
  ApplyDefaults(*q);
  q->created_ms = q->modified_ms = now;
  if (const json::object* tags = GetObject(in, "tags"))
    for (const auto& [k, v] : *tags)
      if (v.is_string()) q->tags[std::string(k)] = v.get_string();
  PersistQueue(&c, *q);
  json::object out;
  out["QueueUrl"] = QueueUrl(c, *q);
  r.queues[name] = std::move(q);
  return json::value(std::move(out));
}

SqsService::Out SqsService::GetQueueUrl(Ctx& c, const In& in) {
  std::string name(GetString(in, "QueueName").value_or(""));
  std::string account(GetString(in, "QueueOwnerAWSAccountId").value_or(c.account));
  std::lock_guard lock(mu_);
  Region& r = RegionOf(account, c.region);
  auto it = r.queues.find(name);
  if (it == r.queues.end()) return Fail(Error("QueueDoesNotExist", "The specified queue does not exist."));
  json::object out;
  out["QueueUrl"] = QueueUrl(c, *it->second);
  return json::value(std::move(out));
}

SqsService::Out SqsService::ListQueues(Ctx& c, const In& in) {
  std::string prefix(GetString(in, "QueueNamePrefix").value_or(""));
  auto max = GetInt(in, "MaxResults");
  if (max && (*max < 1 || *max > 1000))
    return Fail(InvalidParameter("Value " + std::to_string(*max) +
                                 " for parameter MaxResults is invalid. Reason: MaxResults must be "
                                 "an integer between 1 and 1000."));
  std::string after;
  if (auto tok = GetString(in, "NextToken")) {
    auto decoded = Base64Decode(*tok);
    if (!decoded) return Fail(InvalidParameter("Invalid NextToken value."));
    after = *decoded;
  }
  std::lock_guard lock(mu_);
  Region& r = RegionOf(c.account, c.region);
  json::array urls;
  std::string last;
  bool more = false;
  size_t limit = max ? static_cast<size_t>(*max) : 1000;
  for (auto it = after.empty() ? r.queues.begin() : r.queues.upper_bound(after); it != r.queues.end(); ++it) {
    if (!it->first.starts_with(prefix)) continue;
    if (urls.size() == limit) {
      more = true;
      break;
    }
    urls.emplace_back(json::string(QueueUrl(c, *it->second)));
    last = it->first;
  }
  json::object out;
  if (!urls.empty()) out["QueueUrls"] = std::move(urls);
  if (more && max) out["NextToken"] = Base64Encode(last);
  return json::value(std::move(out));
}

SqsService::Out SqsService::DeleteQueue(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto q = QueueFromUrl(c, in);
  if (!q) return Fail(q.error());
  Queue& queue = **q;
  int64_t now = c.clock.NowMillis();
  ReleaseWaiters(queue);
  if (env_ && queue.wake_task) env_->scheduler.Cancel(queue.wake_task);
  if (c.store.persistent()) {
    c.Persisted(c.store.Delete("sqs/" + queue.account + "/" + queue.region + "/q", queue.name));
    c.Persisted(c.store.DeletePrefix(queue.Table()));
  }
  Region& r = RegionOf(queue.account, queue.region);
  r.deleted_ms[queue.name] = now;
  r.queues.erase(queue.name);
  return json::value(json::object());
}

SqsService::Out SqsService::GetQueueAttributes(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto q = QueueFromUrl(c, in);
  if (!q) return Fail(q.error());
  Queue& queue = **q;
  std::set<std::string> wanted;
  bool all = false;
  if (const json::array* names = GetArray(in, "AttributeNames")) {
    for (const auto& n : *names) {
      if (!n.is_string()) continue;
      std::string name(n.get_string());
      bool known = std::find(std::begin(kComputed), std::end(kComputed), name) != std::end(kComputed);
      for (const auto& spec : kNumeric) known |= spec.name == name;
      known |= name == "Policy" || name == "RedrivePolicy" || name == "RedriveAllowPolicy" ||
               name == "KmsMasterKeyId" || name == "SqsManagedSseEnabled";
      known |= queue.fifo && (name == "FifoQueue" || name == "ContentBasedDeduplication" ||
                              name == "DeduplicationScope" || name == "FifoThroughputLimit");
      if (!known) return Fail(Error("InvalidAttributeName", "Unknown Attribute " + name + "."));
      if (name == "All") all = true;
      wanted.insert(name);
    }
  }
  int64_t now = c.clock.NowMillis();
  ExpireRetention(queue, now);
  int64_t visible = 0, not_visible = 0, delayed = 0;
  for (const auto& [seq, m] : queue.messages) {
    if (m.visible_at_ms <= now) ++visible;
    else if (m.receive_count > 0) ++not_visible;
    else ++delayed;
  }
  json::object attrs;
  auto add = [&](const std::string& k, std::string v) {
    if (all || wanted.contains(k)) attrs[k] = std::move(v);
  };
  auto add_set = [&](const std::string& k) {
    if (auto it = queue.attributes.find(k); it != queue.attributes.end() && !it->second.empty()) add(k, it->second);
  };
  add("QueueArn", queue.arn);
  add("ApproximateNumberOfMessages", std::to_string(visible));
  add("ApproximateNumberOfMessagesNotVisible", std::to_string(not_visible));
  add("ApproximateNumberOfMessagesDelayed", std::to_string(delayed));
  add("CreatedTimestamp", std::to_string(queue.created_ms / 1000));
  add("LastModifiedTimestamp", std::to_string(queue.modified_ms / 1000));
  for (const char* k : {"VisibilityTimeout", "MaximumMessageSize", "MessageRetentionPeriod", "DelaySeconds",
                        "ReceiveMessageWaitTimeSeconds", "Policy", "RedrivePolicy", "RedriveAllowPolicy",
                        "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled", "FifoQueue",
                        "DeduplicationScope", "FifoThroughputLimit", "ContentBasedDeduplication"})
    add_set(k);
  json::object out;
  if (!attrs.empty()) out["Attributes"] = std::move(attrs);
  return json::value(std::move(out));
}

SqsService::Out SqsService::SetQueueAttributes(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto q = QueueFromUrl(c, in);
  if (!q) return Fail(q.error());
  Queue& queue = **q;
  auto checked = CheckAttributes(*this, GetObject(in, "Attributes"), queue.fifo, &queue, queue.arn);
  if (!checked) return Fail(checked.error());
  for (auto& [k, v] : *checked) {
    if (v.empty() && (k == "Policy" || k == "RedrivePolicy" || k == "RedriveAllowPolicy" || k == "KmsMasterKeyId"))
      queue.attributes.erase(k);
    else
      queue.attributes[k] = v;
  }
  queue.modified_ms = c.clock.NowMillis();
  PersistQueue(&c, queue);
  // A shorter wait or delay may make messages deliverable now.
  Deliver(queue, c.clock.NowMillis());
  return json::value(json::object());
}

SqsService::Out SqsService::PurgeQueue(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto q = QueueFromUrl(c, in);
  if (!q) return Fail(q.error());
  Queue& queue = **q;
  int64_t now = c.clock.NowMillis();
  if (queue.last_purge_ms >= 0 && now - queue.last_purge_ms < 60'000)
    return Fail(Error("PurgeQueueInProgress", "Only one PurgeQueue operation on " + queue.name +
                                                  " is allowed every 60 seconds."));
  queue.last_purge_ms = now;
  queue.ClearMessages();
  if (c.store.persistent()) c.Persisted(c.store.DeletePrefix(queue.Table()));
  PersistQueue(&c, queue);
  return json::value(json::object());
}

SqsService::Out SqsService::TagQueue(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto q = QueueFromUrl(c, in);
  if (!q) return Fail(q.error());
  const json::object* tags = GetObject(in, "Tags");
  if (!tags || tags->empty())
    return Fail(AwsError::MissingParameter("The request must contain the parameter Tags."));
  for (const auto& [k, v] : *tags)
    if (v.is_string()) (*q)->tags[std::string(k)] = v.get_string();
  if ((*q)->tags.size() > 50)
    return Fail(InvalidParameter("Too many tags added for queue " + (*q)->name + "."));
  PersistQueue(&c, **q);
  return json::value(json::object());
}

SqsService::Out SqsService::UntagQueue(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto q = QueueFromUrl(c, in);
  if (!q) return Fail(q.error());
  if (const json::array* keys = GetArray(in, "TagKeys"))
    for (const auto& k : *keys)
      if (k.is_string()) (*q)->tags.erase(std::string(k.get_string()));
  PersistQueue(&c, **q);
  return json::value(json::object());
}

SqsService::Out SqsService::ListQueueTags(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto q = QueueFromUrl(c, in);
  if (!q) return Fail(q.error());
  json::object out;
  if (!(*q)->tags.empty()) {
    json::object tags;
    for (const auto& [k, v] : (*q)->tags) tags[k] = v;
    out["Tags"] = std::move(tags);
  }
  return json::value(std::move(out));
}

SqsService::Out SqsService::AddPermission(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto q = QueueFromUrl(c, in);
  if (!q) return Fail(q.error());
  Queue& queue = **q;
  std::string label(GetString(in, "Label").value_or(""));
  json::value policy;
  if (auto it = queue.attributes.find("Policy"); it != queue.attributes.end() && !it->second.empty()) {
    boost::system::error_code ec;
    policy = json::parse(it->second, ec);
  }
  if (!policy.is_object()) {
    json::object p;
    p["Version"] = "2012-10-17";
    p["Id"] = queue.arn + "/SQSDefaultPolicy";
    p["Statement"] = json::array();
    policy = std::move(p);
  }
  json::value& st_value = policy.get_object()["Statement"];
  if (!st_value.is_array()) st_value = json::array();
  json::array& statements = st_value.get_array();
  for (const auto& s : statements)
    if (s.is_object() && GetString(s.get_object(), "Sid") == label)
      return Fail(InvalidParameter("Value " + label + " for parameter Label is invalid. Reason: Already exists."));
  json::array principals, actions;
  if (const json::array* accts = GetArray(in, "AWSAccountIds"))
    for (const auto& a : *accts)
      if (a.is_string()) principals.emplace_back(json::string("arn:aws:iam::" + std::string(a.get_string()) + ":root"));
  if (const json::array* acts = GetArray(in, "Actions"))
    for (const auto& a : *acts)
      if (a.is_string()) actions.emplace_back(json::string("SQS:" + std::string(a.get_string())));
  json::object st;
  st["Sid"] = label;
  st["Effect"] = "Allow";
  json::object principal;
  if (principals.size() == 1) principal["AWS"] = principals.front();
  else principal["AWS"] = std::move(principals);
  st["Principal"] = std::move(principal);
  if (actions.size() == 1) st["Action"] = actions.front();
  else st["Action"] = std::move(actions);
  st["Resource"] = queue.arn;
  statements.emplace_back(std::move(st));
  queue.attributes["Policy"] = json::serialize(policy);
  queue.modified_ms = c.clock.NowMillis();
  PersistQueue(&c, queue);
  return json::value(json::object());
}

SqsService::Out SqsService::RemovePermission(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto q = QueueFromUrl(c, in);
  if (!q) return Fail(q.error());
  Queue& queue = **q;
  std::string label(GetString(in, "Label").value_or(""));
  auto missing = [&] {
    return InvalidParameter("Value " + label +
                            " for parameter Label is invalid. Reason: can't find label on existing policy.");
  };
  auto it = queue.attributes.find("Policy");
  if (it == queue.attributes.end()) return Fail(missing());
  boost::system::error_code ec;
  json::value policy = json::parse(it->second, ec);
  if (ec || !policy.is_object()) return Fail(missing());
  json::value* sts = policy.get_object().if_contains("Statement");
  if (!sts || !sts->is_array()) return Fail(missing());
  auto& arr = sts->get_array();
  auto pos = std::find_if(arr.begin(), arr.end(), [&](const json::value& s) {
    return s.is_object() && GetString(s.get_object(), "Sid") == label;
  });
  if (pos == arr.end()) return Fail(missing());
  arr.erase(pos);
  if (arr.empty()) queue.attributes.erase("Policy");
  else queue.attributes["Policy"] = json::serialize(policy);
  queue.modified_ms = c.clock.NowMillis();
  PersistQueue(&c, queue);
  return json::value(json::object());
}

SqsService::Out SqsService::ListDeadLetterSourceQueues(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto q = QueueFromUrl(c, in);
  if (!q) return Fail(q.error());
  json::array urls;
  Region& r = RegionOf((*q)->account, (*q)->region);
  for (const auto& [name, other] : r.queues)
    if (other->RedrivePolicy().dead_letter_arn == (*q)->arn)
      urls.emplace_back(json::string(QueueUrl(c, *other)));
  json::object out;
  out["queueUrls"] = std::move(urls);
  return json::value(std::move(out));
}

SqsService::Out SqsService::StartMessageMoveTask(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  std::string source(GetString(in, "SourceArn").value_or(""));
  Queue* from = QueueByArn(source);
  if (!from) return Fail(Error("ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist."));
  // The source must be a dead-letter queue of some queue.
  std::string original;
  Region& r = RegionOf(from->account, from->region);
  for (const auto& [name, other] : r.queues)
    if (other->RedrivePolicy().dead_letter_arn == source) original = other->arn;
  if (original.empty())
    return Fail(InvalidParameter("Source queue must be configured as a Dead Letter Queue."));
  std::string dest(GetString(in, "DestinationArn").value_or(""));
  if (!dest.empty() && !QueueByArn(dest))
    return Fail(Error("ResourceNotFoundException", "The resource that you specified for the DestinationArn parameter doesn't exist."));
  for (const auto& [h, t] : move_tasks_)
    if (t.source_arn == source && t.status == "RUNNING")
      return Fail(Error("UnsupportedOperation", "There is already a task running. Only one active task is allowed for a source queue arn at a given time."));
  MoveTask t;
  t.handle = Base64Encode(NewUuid() + "|" + source);
  t.status = "RUNNING";
  t.source_arn = source;
  t.destination_arn = dest;
  t.rate = GetInt(in, "MaxNumberOfMessagesPerSecond").value_or(0);
  t.to_move = static_cast<int64_t>(from->messages.size());
  t.started_ms = c.clock.NowMillis();
  std::string handle = t.handle;
  move_tasks_[handle] = std::move(t);
  c.scheduler.Post([this, handle] { RunMoveTask(handle); });
  json::object out;
  out["TaskHandle"] = handle;
  return json::value(std::move(out));
}

void SqsService::RunMoveTask(const std::string& handle) {
  std::lock_guard lock(mu_);
  auto it = move_tasks_.find(handle);
  if (it == move_tasks_.end() || it->second.status != "RUNNING") return;
  MoveTask& t = it->second;
  Queue* from = QueueByArn(t.source_arn);
  if (!from) {
    t.status = "FAILED";
    t.failure_reason = "AWS.SimpleQueueService.NonExistentQueue";
    return;
  }
  int64_t now = env_->clock.NowMillis();
  while (!from->messages.empty()) {
    auto node = from->messages.begin();
    const std::string& target =
        t.destination_arn.empty() ? node->second.dead_letter_source_arn : t.destination_arn;
    Queue* to = QueueByArn(target);
    // Messages whose source queue is gone stay where they are.
    if (!to) break;
    uint64_t seq = node->first;
    Message m = from->Remove(node);
    UnpersistMessage(nullptr, *from, seq);
    MoveToQueue(*from, std::move(m), *to, now);
    ++t.moved;
  }
  t.status = "COMPLETED";
}

SqsService::Out SqsService::ListMessageMoveTasks(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  std::string source(GetString(in, "SourceArn").value_or(""));
  if (!QueueByArn(source))
    return Fail(Error("ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist."));
  int64_t max = GetInt(in, "MaxResults").value_or(1);
  if (max < 1 || max > 10)
    return Fail(InvalidParameter("Value " + std::to_string(max) + " for parameter MaxResults is invalid. Reason: You must enter a number that's between 1 and 10."));
  std::vector<const MoveTask*> tasks;
  for (const auto& [h, t] : move_tasks_)
    if (t.source_arn == source) tasks.push_back(&t);
  std::sort(tasks.begin(), tasks.end(), [](auto* a, auto* b) { return a->started_ms > b->started_ms; });
  json::array results;
  for (const MoveTask* t : tasks) {
    if (static_cast<int64_t>(results.size()) == max) break;
    json::object e;
    if (t->status == "RUNNING") e["TaskHandle"] = t->handle;
    e["Status"] = t->status;
    e["SourceArn"] = t->source_arn;
    if (!t->destination_arn.empty()) e["DestinationArn"] = t->destination_arn;
    if (t->rate > 0) e["MaxNumberOfMessagesPerSecond"] = t->rate;
    e["ApproximateNumberOfMessagesMoved"] = t->moved;
    e["ApproximateNumberOfMessagesToMove"] = t->to_move;
    if (!t->failure_reason.empty()) e["FailureReason"] = t->failure_reason;
    e["StartedTimestamp"] = t->started_ms;
    results.emplace_back(std::move(e));
  }
  json::object out;
  out["Results"] = std::move(results);
  return json::value(std::move(out));
}

SqsService::Out SqsService::CancelMessageMoveTask(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  std::string handle(GetString(in, "TaskHandle").value_or(""));
  auto it = move_tasks_.find(handle);
  if (it == move_tasks_.end())
    return Fail(Error("ResourceNotFoundException", "Task does not exist."));
  if (it->second.status != "RUNNING")
    return Fail(Error("UnsupportedOperation", "Only active tasks can be cancelled."));
  it->second.status = "CANCELLED";
  json::object out;
  out["ApproximateNumberOfMessagesMoved"] = it->second.moved;
  return json::value(std::move(out));
}

}  // namespace stratus::sqs
