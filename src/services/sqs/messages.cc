// Message operations: send (single and batch), receive with long polling, delete and
// visibility changes (single and batch).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>

#include "core/encoding.h"
#include "core/utf8.h"
#include "services/sqs/sqs.h"
#include "store/store.h"

namespace stratus::sqs {

struct Waiter {
  aws::Context* ctx;
  json::object input;
  aws::Completion done;
  int max = 1;
  int64_t visibility_ms = 0;
  uint64_t timer = 0;
  bool finished = false;
};

namespace {

AwsError InvalidParameter(std::string message) {
  return AwsError::Make("InvalidParameterValue", std::move(message));
}

constexpr int64_t kMaxVisibilityMs = 43'200'000;  // 12 hours

// AWS: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.
std::optional<uint32_t> InvalidCharacter(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char b = static_cast<unsigned char>(s[i]);
    if (b >= 0x20 && b < 0x80) {  // printable ASCII, the common case
      ++i;
      continue;
    }
    uint32_t cp = 0;
    if (!NextCodePoint(s, i, cp)) return 0xFFFF;
    bool ok = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
              (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
    if (!ok) return cp;
  }
  return std::nullopt;
}

std::string HexUpper(uint32_t cp) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[cp & 15]);
    cp >>= 4;
  } while (cp);
  return out;
}

bool ValidBatchId(std::string_view id) {
  if (id.empty() || id.size() > 80) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

// Message attribute names: 256 characters of [A-Za-z0-9_.-], no leading/trailing or double
// period, not starting with AWS. or Amazon. (any case).
bool ValidAttributeName(std::string_view n) {
  if (n.empty() || n.size() > 256 || n.front() == '.' || n.back() == '.') return false;
  if (n.find("..") != std::string_view::npos) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  std::string lower(n);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return !lower.starts_with("aws.") && !lower.starts_with("amazon.");
}

// Validates message attributes; returns their size as AWS counts it toward the message size.
Result<size_t> CheckAttributes(const json::object* attrs) {
  if (!attrs) return size_t{0};
  if (attrs->size() > 10)
    return Fail(InvalidParameter("Number of message attributes [" + std::to_string(attrs->size()) +
                                 "] exceeds the allowed maximum [10]."));
  size_t size = 0;
  for (const auto& [name, v] : *attrs) {
    if (!ValidAttributeName(name))
      return Fail(InvalidParameter("Message (user) attribute name '" + std::string(name) + "' is invalid."));
    if (!v.is_object()) return Fail(InvalidParameter("The message attribute '" + std::string(name) + "' must contain a non-empty value."));
    const auto& o = v.get_object();
    std::string type(GetString(o, "DataType").value_or(""));
    std::string base = type.substr(0, type.find('.'));
    if (base != "String" && base != "Number" && base != "Binary")
      return Fail(InvalidParameter("The type of message (user) attribute '" + std::string(name) +
                                   "' is invalid. You must use only the following supported type "
                                   "prefixes: Binary, Number, String."));
    auto sv = GetString(o, "StringValue");
    auto bv = GetString(o, "BinaryValue");
    if (base == "Binary") {
      if (!bv) return Fail(InvalidParameter("The message attribute '" + std::string(name) + "' with type 'Binary' must use field 'Binary'."));
      size += Base64Decode(*bv).value_or("").size();
    } else {
      if (!sv) return Fail(InvalidParameter("The message attribute '" + std::string(name) + "' with type '" + base + "' must use field 'String'."));
      if (auto bad = InvalidCharacter(*sv))
        return Fail(InvalidParameter("Invalid binary character '#x" + HexUpper(*bad) + "' was found in the message attribute value."));
      size += sv->size();
    }
    size += name.size() + type.size();
  }
  return size;
}

}  // namespace

std::string Md5OfMessageAttributes(const json::object& attributes) {
  // AWS: for each attribute in name order, length-prefixed (4-byte big-endian) name, data
  // type, a transport byte (1 string/number, 2 binary) and the length-prefixed value.
  std::vector<std::string> names;
  for (const auto& [k, v] : attributes) names.emplace_back(k);
  std::sort(names.begin(), names.end());
  std::string buf;
  auto put = [&](std::string_view s) {
    uint32_t n = static_cast<uint32_t>(s.size());
    buf += static_cast<char>(n >> 24);
    buf += static_cast<char>(n >> 16);
    buf += static_cast<char>(n >> 8);
    buf += static_cast<char>(n);
    buf += s;
  };
  for (const auto& name : names) {
    const auto& o = attributes.at(name).get_object();
    std::string type(GetString(o, "DataType").value_or(""));
    put(name);
    put(type);
    if (type.starts_with("Binary")) {
      buf += '\x02';
      put(Base64Decode(GetString(o, "BinaryValue").value_or("")).value_or(""));
    } else {
      buf += '\x01';
      put(GetString(o, "StringValue").value_or(""));
    }
  }
  return Md5Hex(buf);
}

Result<json::value> SqsService::SendOne(Ctx& c, Queue& q, const In& in, bool batch) {
  return Send(q, in, c.clock.NowMillis(), c.principal.user_id, &c);
}

Result<json::value> SqsService::SendFromService(std::string_view queue_arn, const In& in,
                                                const std::string& sender) {
  std::lock_guard lock(mu_);
  Queue* q = QueueByArn(queue_arn);
  if (!q) return Fail(Error("QueueDoesNotExist", "The specified queue does not exist."));
  return Send(*q, in, env_->clock.NowMillis(), sender, nullptr);
}

Result<json::value> SqsService::Send(Queue& q, const In& in, int64_t now, const std::string& sender, Ctx* c) {
  std::string body(GetString(in, "MessageBody").value_or(""));
  if (body.empty())
    return Fail(AwsError::MissingParameter("The request must contain the parameter MessageBody."));
  if (auto bad = InvalidCharacter(body))
    return Fail(Error("InvalidMessageContents",
                      "Invalid binary character '#x" + HexUpper(*bad) +
                          "' was found in the message body, the set of allowed characters is #x9 | "
                          "#xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"));
  const json::object* attrs = GetObject(in, "MessageAttributes");
  auto attr_size = CheckAttributes(attrs);
  if (!attr_size) return Fail(attr_size.error());
  int64_t max_size = q.Int("MaximumMessageSize");
  if (static_cast<int64_t>(body.size() + *attr_size) > max_size)
    return Fail(InvalidParameter("One or more parameters are invalid. Reason: Message must be shorter than " +
                                 std::to_string(max_size) + " bytes."));
  auto delay = GetInt(in, "DelaySeconds");
  if (delay && q.fifo)
    return Fail(InvalidParameter("Value " + std::to_string(*delay) +
                                 " for parameter DelaySeconds is invalid. Reason: The request include "
                                 "parameter that is not valid for this queue type."));
  if (delay && (*delay < 0 || *delay > 900))
    return Fail(InvalidParameter("Value " + std::to_string(*delay) +
                                 " for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900."));
  std::string group(GetString(in, "MessageGroupId").value_or(""));
  std::string dedup(GetString(in, "MessageDeduplicationId").value_or(""));
  if (q.fifo) {
    if (group.empty())
      return Fail(AwsError::MissingParameter("The request must contain the parameter MessageGroupId."));
    if (dedup.empty()) {
      if (q.attributes["ContentBasedDeduplication"] != "true")
        return Fail(InvalidParameter("The queue should either have ContentBasedDeduplication enabled or "
                                     "MessageDeduplicationId provided explicitly"));
      dedup = Sha256Hex(body);
    }
  } else if (!dedup.empty()) {
    return Fail(InvalidParameter("Value " + dedup +
                                 " for parameter MessageDeduplicationId is invalid. Reason: The request "
                                 "includes a parameter that is not valid for this queue type."));
  }
  Message m;
  m.body = std::move(body);
  m.md5_body = Md5Hex(m.body);
  if (attrs && !attrs->empty()) {
    m.attributes = *attrs;
    m.md5_attributes = Md5OfMessageAttributes(m.attributes);
  }
  if (const json::object* sys = GetObject(in, "MessageSystemAttributes")) {
    for (const auto& [k, v] : *sys)
      if (k != "AWSTraceHeader")
        return Fail(InvalidParameter("Message system attribute name '" + std::string(k) + "' is invalid."));
    if (!sys->empty()) {
      m.system_attributes = *sys;
      m.md5_system_attributes = Md5OfMessageAttributes(m.system_attributes);
    }
  }
  json::object out;
  if (q.fifo) {
    // Deduplication window: 5 minutes, per queue or per group (DeduplicationScope).
    std::string key = q.attributes["DeduplicationScope"] == "messageGroup" ? group + "\n" + dedup : dedup;
    for (auto it = q.dedup.begin(); it != q.dedup.end();)
      it = it->second.first <= now ? q.dedup.erase(it) : std::next(it);
    if (auto it = q.dedup.find(key); it != q.dedup.end()) {
      out["MessageId"] = it->second.second;
      out["MD5OfMessageBody"] = m.md5_body;
      if (!m.md5_attributes.empty()) out["MD5OfMessageAttributes"] = m.md5_attributes;
      // A duplicate is acknowledged as the original was.
      if (auto orig = std::find_if(q.messages.begin(), q.messages.end(),
                                   [&](const auto& kv) { return kv.second.id == it->second.second; });
          orig != q.messages.end())
        out["SequenceNumber"] = orig->second.sequence_number;
      return json::value(std::move(out));
    }
    m.group_id = group;
    m.dedup_id = dedup;
    char seqbuf[24];
    // 20 digits, increasing per queue, as AWS's sequence numbers look.
    std::snprintf(seqbuf, sizeof seqbuf, "%020llu",
                  static_cast<unsigned long long>(10'000'000'000'000'000'000ULL + ++q.fifo_sequence));
    m.sequence_number = seqbuf;
  } else if (!group.empty()) {
    m.group_id = group;  // fair queues: accepted on standard queues, no ordering
  }
  m.id = NewRequestId();  // a UUID; message ids need to be unique, not secret
  m.seq = q.next_seq++;
  m.sender_id = sender;
  m.sent_ms = now;
  int64_t delay_s = delay ? *delay : q.Int("DelaySeconds");
  m.visible_at_ms = now + delay_s * 1000;
  if (q.fifo) q.dedup[q.attributes["DeduplicationScope"] == "messageGroup" ? group + "\n" + dedup : dedup] = {now + 300'000, m.id};
  out["MD5OfMessageBody"] = m.md5_body;
  if (!m.md5_attributes.empty()) out["MD5OfMessageAttributes"] = m.md5_attributes;
  if (!m.md5_system_attributes.empty()) out["MD5OfMessageSystemAttributes"] = m.md5_system_attributes;
  out["MessageId"] = m.id;
  if (q.fifo) out["SequenceNumber"] = m.sequence_number;
  PersistMessage(c, q, m);
  if (q.fifo) PersistQueue(c, q);
  q.Insert(std::move(m));
  Deliver(q, now);
  return json::value(std::move(out));
}

SqsService::Out SqsService::SendMessage(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto q = QueueFromUrl(c, in);
  if (!q) return Fail(q.error());
  return SendOne(c, **q, in, false);
}

namespace {

// Batch request rules shared by the three batch operations.
Result<const json::array*> CheckBatch(const json::object& in, std::string_view entry_name) {
  const json::array* entries = GetArray(in, "Entries");
  if (!entries || entries->empty())
    return Fail(SqsService::Error("EmptyBatchRequest", "There should be at least one " +
                                                           std::string(entry_name) + " in the request."));
  if (entries->size() > 10)
    return Fail(SqsService::Error("TooManyEntriesInBatchRequest",
                                  "Maximum number of entries per request are 10. You have sent " +
                                      std::to_string(entries->size()) + "."));
  std::set<std::string_view> ids;
  for (const auto& e : *entries) {
    std::string_view id = e.is_object() ? GetString(e.get_object(), "Id").value_or("") : "";
    if (!ValidBatchId(id))
      return Fail(SqsService::Error("InvalidBatchEntryId",
                                    "A batch entry id can only contain alphanumeric characters, "
                                    "hyphens and underscores. It can be at most 80 letters long."));
    if (!ids.insert(id).second)
      return Fail(SqsService::Error("BatchEntryIdsNotDistinct", "Id " + std::string(id) + " repeated."));
  }
  return entries;
}

json::object Failure(std::string_view id, const AwsError& e);

// Runs one operation per batch entry: a Successful entry carries the Id and the entry's own
// output members, a Failed one AWS's per-entry error.
template <typename Fn>
json::value RunBatch(const json::array& entries, Fn&& one) {
  json::array ok, failed;
  for (const auto& e : entries) {
    const auto& o = e.get_object();
    std::string_view id = GetString(o, "Id").value_or("");
    Result<json::value> r = one(o);
    if (!r) {
      failed.emplace_back(Failure(id, r.error()));
      continue;
    }
    json::object entry;
    entry["Id"] = id;
    if (r->is_object())
      for (auto& [k, v] : r->get_object()) entry[k] = std::move(v);
    ok.emplace_back(std::move(entry));
  }
  json::object out;
  out["Successful"] = std::move(ok);
  out["Failed"] = std::move(failed);
  return out;
}

json::object Failure(std::string_view id, const AwsError& e) {
  json::object f;
  f["Id"] = id;
  f["SenderFault"] = e.sender_fault;
  f["Code"] = e.query_code.empty() ? e.code : e.query_code;
  f["Message"] = e.message;
  return f;
}

}  // namespace

SqsService::Out SqsService::SendMessageBatch(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto q = QueueFromUrl(c, in);
  if (!q) return Fail(q.error());
  auto entries = CheckBatch(in, "SendMessageBatchRequestEntry");
  if (!entries) return Fail(entries.error());
  size_t total = 0;
  for (const auto& e : **entries) {
    const auto& o = e.get_object();
    total += GetString(o, "MessageBody").value_or("").size();
    if (auto* attrs = GetObject(o, "MessageAttributes")) {
      auto s = CheckAttributes(attrs);
      if (s) total += *s;
    }
  }
  int64_t max_size = (*q)->Int("MaximumMessageSize");
  if (static_cast<int64_t>(total) > std::max<int64_t>(max_size, 1048576))
    return Fail(Error("BatchRequestTooLong", "Batch requests cannot be longer than " +
                                                 std::to_string(std::max<int64_t>(max_size, 1048576)) +
                                                 " bytes. You have sent " + std::to_string(total) + " bytes."));
  return RunBatch(**entries, [&](const json::object& o) { return SendOne(c, **q, o, true); });
}

namespace {

bool Selected(const json::object& in, std::string_view key1, std::string_view key2, std::string_view name) {
  for (auto key : {key1, key2}) {
    if (key.empty()) continue;
    if (const json::array* names = GetArray(in, key))
      for (const auto& n : *names)
        if (n.is_string() && (n.get_string() == "All" || n.get_string() == name)) return true;
  }
  return false;
}

bool AttributeSelected(const json::object& in, std::string_view name) {
  const json::array* names = GetArray(in, "MessageAttributeNames");
  if (!names) return false;
  for (const auto& n : *names) {
    if (!n.is_string()) continue;
    std::string_view s = n.get_string();
    if (s == "All" || s == ".*" || s == name) return true;
    if (s.ends_with(".*") && name.starts_with(s.substr(0, s.size() - 1))) return true;
  }
  return false;
}

std::string NewReceiptNonce() { return HexEncode(RandomBytes(12)); }

}  // namespace

// Renders a delivered message as ReceiveMessage returns it, with the attributes selected.
static json::object Render(const Queue& q, const Message& m, const json::object& in) {
  json::object out;
  out["MessageId"] = m.id;
  out["ReceiptHandle"] = Base64Encode(q.arn + " " + std::to_string(m.seq) + " " + m.receipt_nonce);
  out["MD5OfBody"] = m.md5_body;
  out["Body"] = m.body;
  json::object attrs;
  auto add = [&](std::string_view name, std::string value) {
    if (Selected(in, "AttributeNames", "MessageSystemAttributeNames", name)) attrs[name] = std::move(value);
  };
  add("SenderId", m.sender_id);
  add("ApproximateFirstReceiveTimestamp", std::to_string(m.first_receive_ms));
  add("ApproximateReceiveCount", std::to_string(m.receive_count));
  add("SentTimestamp", std::to_string(m.sent_ms));
  if (auto trace = GetObject(m.system_attributes, "AWSTraceHeader"))
    add("AWSTraceHeader", std::string(GetString(*trace, "StringValue").value_or("")));
  if (!m.dead_letter_source_arn.empty()) add("DeadLetterQueueSourceArn", m.dead_letter_source_arn);
  if (q.fifo) {
    add("SequenceNumber", m.sequence_number);
    add("MessageDeduplicationId", m.dedup_id);
    add("MessageGroupId", m.group_id);
  } else if (!m.group_id.empty()) {
    add("MessageGroupId", m.group_id);
  }
  if (!attrs.empty()) out["Attributes"] = std::move(attrs);
  json::object mattrs;
  for (const auto& [k, v] : m.attributes)
    if (AttributeSelected(in, k)) mattrs[k] = v;
  if (!mattrs.empty()) {
    out["MD5OfMessageAttributes"] = Md5OfMessageAttributes(mattrs);
    out["MessageAttributes"] = std::move(mattrs);
  }
  return out;
}

// Takes up to `max` deliverable messages, marking them in flight. Moves messages past the
// redrive policy's maxReceiveCount to the dead-letter queue instead.
static json::array Take(SqsService& svc, Queue& q, const json::object& in, int max, int64_t visibility_ms,
                        int64_t now, aws::Context* c) {
  svc.ExpireRetention(q, now);
  Queue::Redrive redrive = q.RedrivePolicy();
  int64_t max_receives = redrive.max_receives;
  Queue* dlq = redrive.dead_letter_arn.empty() ? nullptr : svc.QueueByArn(redrive.dead_letter_arn);
  std::vector<uint64_t> picked;
  if (q.fifo) {
    // In sequence order, each group up to its first message in flight (or not yet visible):
    // a group whose first message is held back is held back whole. The first `max` groups
    // (by first message) that are not hold every message a receive can take, so the others
    // are not visited, nor the messages of a group passed over.
    using SeqIt = std::set<uint64_t>::const_iterator;
    std::vector<std::pair<SeqIt, SeqIt>> groups;  // (next, end) of each group's messages
    auto visible = [&](uint64_t seq) { return q.messages.at(seq).visible_at_ms <= now; };
    for (const auto& [head, group] : q.group_heads) {
      if (static_cast<int>(groups.size()) >= max) break;
      if (!visible(head)) continue;
      const std::set<uint64_t>& seqs = q.group_seqs.at(group);
      groups.emplace_back(seqs.begin(), seqs.end());
    }
    while (static_cast<int>(picked.size()) < max && !groups.empty()) {
      size_t first = 0;
      for (size_t g = 1; g < groups.size(); ++g)
        if (*groups[g].first < *groups[first].first) first = g;
      auto& [next, end] = groups[first];
      picked.push_back(*next);
      if (++next == end || !visible(*next)) groups.erase(groups.begin() + static_cast<long>(first));
    }
  } else {
    for (const auto& [at, seq] : q.by_visible) {
      if (at > now || static_cast<int>(picked.size()) >= max) break;
      picked.push_back(seq);
    }
  }
  json::array out;
  std::set<std::string> moved_groups;
  for (uint64_t seq : picked) {
    auto it = q.messages.find(seq);
    if (it == q.messages.end()) continue;
    Message& m = it->second;
    if (q.fifo && moved_groups.contains(m.group_id)) continue;
    if (dlq && max_receives > 0 && m.receive_count >= max_receives) {
      Message moved = q.Remove(it);
      svc.UnpersistMessage(c, q, seq);
      if (moved.dead_letter_source_arn.empty()) moved.dead_letter_source_arn = q.arn;
      if (q.fifo) moved_groups.insert(moved.group_id);
      svc.MoveToQueue(q, std::move(moved), *dlq, now);
      continue;
    }
    ++m.receive_count;
    if (m.first_receive_ms == 0) m.first_receive_ms = now;
    m.receipt_nonce = NewReceiptNonce();
    svc.SetVisible(q, m, now + visibility_ms);
    svc.PersistMessage(c, q, m);
    out.emplace_back(Render(q, m, in));
  }
  return out;
}

void SqsService::ReceiveMessage(Ctx& c, const In& in, aws::Completion done) {
  std::unique_lock lock(mu_);
  auto q = QueueFromUrl(c, in);
  if (!q) return done(Fail(q.error()));
  Queue& queue = **q;
  int64_t max = GetInt(in, "MaxNumberOfMessages").value_or(1);
  if (max < 1 || max > 10)
    return done(Fail(InvalidParameter("Value " + std::to_string(max) +
                                      " for parameter MaxNumberOfMessages is invalid. Reason: Must be "
                                      "between 1 and 10, if provided.")));
  auto vt = GetInt(in, "VisibilityTimeout");
  if (vt && (*vt < 0 || *vt > 43200))
    return done(Fail(InvalidParameter("Value " + std::to_string(*vt) +
                                      " for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 "
                                      "and <= 43200, if provided.")));
  auto wait = GetInt(in, "WaitTimeSeconds");
  if (wait && (*wait < 0 || *wait > 20))
    return done(Fail(InvalidParameter("Value " + std::to_string(*wait) +
                                      " for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 "
                                      "and <= 20, if provided.")));
  int64_t visibility_ms = (vt ? *vt : queue.Int("VisibilityTimeout")) * 1000;
  int64_t wait_s = wait ? *wait : queue.Int("ReceiveMessageWaitTimeSeconds");
  if (stopping_) wait_s = 0;
  int64_t now = c.clock.NowMillis();
  json::array got = Take(*this, queue, in, static_cast<int>(max), visibility_ms, now, &c);
  if (!got.empty() || wait_s == 0) {
    json::object out;
    if (!got.empty()) out["Messages"] = std::move(got);
    lock.unlock();
    return done(json::value(std::move(out)));
  }
  // Long poll: answer when a message becomes deliverable or when the wait ends; no thread
  // is held meanwhile.
  auto w = std::make_shared<Waiter>();
  w->ctx = &c;
  w->input = in;
  w->done = std::move(done);
  w->max = static_cast<int>(max);
  w->visibility_ms = visibility_ms;
  std::weak_ptr<Waiter> weak = w;
  w->timer = c.scheduler.ScheduleAt(now + wait_s * 1000, [this, weak, account = queue.account,
                                                           region = queue.region, name = queue.name] {
    std::shared_ptr<Waiter> waiter = weak.lock();
    if (!waiter) return;
    std::unique_lock lock(mu_);
    if (waiter->finished) return;
    waiter->finished = true;
    Region& r = RegionOf(account, region);
    if (auto it = r.queues.find(name); it != r.queues.end())
      std::erase(it->second->waiters, waiter);
    lock.unlock();
    waiter->done(json::value(json::object()));
  });
  queue.waiters.push_back(w);
  ScheduleWake(queue, now);
}

void SqsService::Deliver(Queue& q, int64_t now) {
  while (!q.waiters.empty()) {
    std::shared_ptr<Waiter> w = q.waiters.front();
    json::array got = Take(*this, q, w->input, w->max, w->visibility_ms, now, w->ctx);
    if (got.empty()) break;
    q.waiters.erase(q.waiters.begin());
    w->finished = true;
    if (env_) env_->scheduler.Cancel(w->timer);
    json::object out;
    out["Messages"] = std::move(got);
    // Answer outside the lock, on the event loop.
    auto done = std::move(w->done);
    auto value = std::make_shared<json::value>(std::move(out));
    env_->scheduler.Post([done = std::move(done), value, w] { done(std::move(*value)); });
  }
  if (!q.waiters.empty()) ScheduleWake(q, now);
}

void SqsService::ReleaseWaiters(Queue& q) {
  for (auto& w : q.waiters) {
    if (w->finished) continue;
    w->finished = true;
    if (env_) env_->scheduler.Cancel(w->timer);
    auto done = std::move(w->done);
    env_->scheduler.Post([done = std::move(done), w] { done(json::value(json::object())); });
  }
  q.waiters.clear();
}

void SqsService::ScheduleWake(Queue& q, int64_t now) {
  // Wake waiting receivers when the next delayed or in-flight message becomes visible.
  auto it = q.by_visible.upper_bound({now, UINT64_MAX});
  if (q.waiters.empty() || it == q.by_visible.end()) return;
  int64_t at = it->first;
  if (q.wake_task && q.wake_at <= at && q.wake_at > now) return;
  if (q.wake_task) env_->scheduler.Cancel(q.wake_task);
  q.wake_at = at;
  q.wake_task = env_->scheduler.ScheduleAt(at, [this, account = q.account, region = q.region, name = q.name] {
    std::lock_guard lock(mu_);
    Region& r = RegionOf(account, region);
    auto it = r.queues.find(name);
    if (it == r.queues.end()) return;
    it->second->wake_task = 0;
    Deliver(*it->second, env_->clock.NowMillis());
  });
}

namespace {
struct Handle {
  std::string arn;
  uint64_t seq = 0;
  std::string nonce;
};
std::optional<Handle> ParseHandle(std::string_view text) {
  auto raw = Base64Decode(text);
  if (!raw) return std::nullopt;
  auto a = raw->find(' ');
  auto b = raw->rfind(' ');
  if (a == std::string::npos || a == b) return std::nullopt;
  Handle h;
  h.arn = raw->substr(0, a);
  std::string seq = raw->substr(a + 1, b - a - 1);
  if (seq.empty() || seq.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  h.seq = std::stoull(seq);
  h.nonce = raw->substr(b + 1);
  return h;
}
AwsError InvalidHandle(std::string_view handle) {
  return SqsService::Error("ReceiptHandleIsInvalid",
                           "The input receipt handle \"" + std::string(handle) + "\" is not a valid receipt handle.");
}
}  // namespace

static Result<Message*> FindByHandle(Queue& q, std::string_view handle, bool& gone) {
  auto h = ParseHandle(handle);
  if (!h || h->arn != q.arn) return Fail(InvalidHandle(handle));
  auto it = q.messages.find(h->seq);
  gone = it == q.messages.end() || it->second.receipt_nonce != h->nonce;
  if (gone) return static_cast<Message*>(nullptr);
  return &it->second;
}

static Result<json::value> DeleteOne(SqsService& svc, aws::Context& c, Queue& q, std::string_view handle) {
  bool gone = false;
  auto m = FindByHandle(q, handle, gone);
  if (!m) return Fail(m.error());
  if (!gone) {
    uint64_t seq = (*m)->seq;
    svc.EraseMessage(q, seq);
    svc.UnpersistMessage(&c, q, seq);
    svc.Deliver(q, c.clock.NowMillis());  // a FIFO group may be free now
  }
  return json::value(json::object());
}

SqsService::Out SqsService::DeleteMessage(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto q = QueueFromUrl(c, in);
  if (!q) return Fail(q.error());
  return DeleteOne(*this, c, **q, GetString(in, "ReceiptHandle").value_or(""));
}

SqsService::Out SqsService::DeleteMessageBatch(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto q = QueueFromUrl(c, in);
  if (!q) return Fail(q.error());
  auto entries = CheckBatch(in, "DeleteMessageBatchRequestEntry");
  if (!entries) return Fail(entries.error());
  return RunBatch(**entries, [&](const json::object& o) {
    return DeleteOne(*this, c, **q, GetString(o, "ReceiptHandle").value_or(""));
  });
}

static Result<json::value> ChangeOne(SqsService& svc, aws::Context& c, Queue& q, std::string_view handle,
                                     std::optional<int64_t> timeout) {
  if (!timeout)
    return Fail(AwsError::MissingParameter("The request must contain the parameter VisibilityTimeout."));
  if (*timeout < 0 || *timeout > 43200)
    return Fail(InvalidParameter("Value " + std::to_string(*timeout) +
                                 " for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided."));
  bool gone = false;
  auto m = FindByHandle(q, handle, gone);
  if (!m) return Fail(m.error());
  int64_t now = c.clock.NowMillis();
  if (gone || !(*m)->InFlight(now))
    return Fail(SqsService::Error("MessageNotInflight",
                                  "Message does not exist or is not available for visibility timeout change."));
  // A message stays in flight at most 12 hours from its first receive in this cycle.
  if (now + *timeout * 1000 - (*m)->first_receive_ms > kMaxVisibilityMs && *timeout > 0)
    return Fail(InvalidParameter("Value " + std::to_string(*timeout) +
                                 " for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout "
                                 "for the message is beyond the limit [43200 seconds]"));
  svc.SetVisible(q, **m, now + *timeout * 1000);
  svc.PersistMessage(&c, q, **m);
  svc.Deliver(q, now);
  return json::value(json::object());
}

SqsService::Out SqsService::ChangeMessageVisibility(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto q = QueueFromUrl(c, in);
  if (!q) return Fail(q.error());
  return ChangeOne(*this, c, **q, GetString(in, "ReceiptHandle").value_or(""), GetInt(in, "VisibilityTimeout"));
}

SqsService::Out SqsService::ChangeMessageVisibilityBatch(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto q = QueueFromUrl(c, in);
  if (!q) return Fail(q.error());
  auto entries = CheckBatch(in, "ChangeMessageVisibilityBatchRequestEntry");
  if (!entries) return Fail(entries.error());
  return RunBatch(**entries, [&](const json::object& o) {
    return ChangeOne(*this, c, **q, GetString(o, "ReceiptHandle").value_or(""), GetInt(o, "VisibilityTimeout"));
  });
}

}  // namespace stratus::sqs
