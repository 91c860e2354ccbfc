// The SQS operation table, queue lookup, message bookkeeping and persistence.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/encoding.h"
#include "services/sqs/sqs.h"
#include "store/store.h"

namespace stratus::sqs {

SqsService::SqsService() : ServiceHandler("sqs") {
#define STRATUS_SQS_OP(name) \
  On(#name, [this](Ctx& c, const In& in) { return name(c, in); })
  STRATUS_SQS_OP(CreateQueue);
  STRATUS_SQS_OP(GetQueueUrl);
  STRATUS_SQS_OP(ListQueues);
  STRATUS_SQS_OP(DeleteQueue);
  STRATUS_SQS_OP(GetQueueAttributes);
  STRATUS_SQS_OP(SetQueueAttributes);
  STRATUS_SQS_OP(PurgeQueue);
  STRATUS_SQS_OP(TagQueue);
  STRATUS_SQS_OP(UntagQueue);
  STRATUS_SQS_OP(ListQueueTags);
  STRATUS_SQS_OP(AddPermission);
  STRATUS_SQS_OP(RemovePermission);
  STRATUS_SQS_OP(ListDeadLetterSourceQueues);
  STRATUS_SQS_OP(StartMessageMoveTask);
  STRATUS_SQS_OP(ListMessageMoveTasks);
  STRATUS_SQS_OP(CancelMessageMoveTask);
  STRATUS_SQS_OP(SendMessage);
  STRATUS_SQS_OP(SendMessageBatch);
  STRATUS_SQS_OP(DeleteMessage);
  STRATUS_SQS_OP(DeleteMessageBatch);
  STRATUS_SQS_OP(ChangeMessageVisibility);
  STRATUS_SQS_OP(ChangeMessageVisibilityBatch);
#undef STRATUS_SQS_OP
  OnAsync("ReceiveMessage", [this](Ctx& c, const In& in, aws::Completion done) {
    ReceiveMessage(c, in, std::move(done));
  });
}

std::optional<AwsError> SqsService::PreValidate(const aws::Operation& op, const json::object& input) const {
  // A batch without entries is SQS's EmptyBatchRequest, however the client sent it.
  if (op.input && op.input->FindMember("Entries") && !input.contains("Entries")) {
    std::string entry = op.name == "SendMessageBatch"   ? "SendMessageBatchRequestEntry"
                        : op.name == "DeleteMessageBatch" ? "DeleteMessageBatchRequestEntry"
                                                          : "ChangeMessageVisibilityBatchRequestEntry";
    return Error("EmptyBatchRequest", "There should be at least one " + entry + " in the request.");
  }
  return std::nullopt;
}

AwsError SqsService::Error(std::string_view shape, std::string message) {
  // The query model names each error's legacy code (AWS.SimpleQueueService.NonExistentQueue),
  // which JSON responses also carry in x-amzn-query-error.
  static const aws::Service* legacy = aws::CompiledService("sqs-query");
  if (legacy && legacy->FindShape(shape)) return aws::ModelErrorFor(*legacy, shape, std::move(message));
  return aws::ModelErrorFor(*aws::CompiledService("sqs"), shape, std::move(message));
}

SqsService::Region& SqsService::RegionOf(const std::string& account, const std::string& region) {
  return regions_[{account, region}];
}

std::string SqsService::QueueUrl(const Ctx& c, const Queue& q) const {
  std::string_view host = c.Host();
  if (host.empty()) host = "localhost:4566";
  return "http://" + std::string(host) + "/" + q.account + "/" + q.name;
}

Result<Queue*> SqsService::QueueFromUrl(Ctx& c, const In& in) {
  std::string_view url = GetString(in, "QueueUrl").value_or("");
  // http(s)://host[:port]/ACCOUNT/NAME, or /ACCOUNT/NAME; the host is not checked.
  std::string_view path = url;
  if (auto scheme = path.find("://"); scheme != std::string_view::npos) {
    path.remove_prefix(scheme + 3);
    auto slash = path.find('/');
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  auto last = path.rfind('/');
  if (path.empty() || path.front() != '/' || last == 0 || last == std::string_view::npos)
    return Fail(Error("InvalidAddress", "The address " + std::string(url) + " is not valid for this endpoint."));
  std::string name(path.substr(last + 1));
  std::string account(path.substr(1, last - 1));
  if (auto slash = account.rfind('/'); slash != std::string::npos) account = account.substr(slash + 1);
  Region& r = RegionOf(account, c.region);
  auto it = r.queues.find(name);
  if (it == r.queues.end()) return Fail(Error("QueueDoesNotExist", "The specified queue does not exist."));
  return it->second.get();
}

Queue* SqsService::QueueByArn(std::string_view arn) {
  // arn:aws:sqs:REGION:ACCOUNT:NAME
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= arn.size(); ++i)
    if (i == arn.size() || arn[i] == ':') {
      parts.push_back(arn.substr(start, i - start));
      start = i + 1;
    }
  if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "sqs") return nullptr;
  Region& r = RegionOf(std::string(parts[4]), std::string(parts[3]));
  auto it = r.queues.find(std::string(parts[5]));
  return it == r.queues.end() ? nullptr : it->second.get();
}

void SqsService::SetVisible(Queue& q, Message& m, int64_t visible_at) {
  q.by_visible.erase({m.visible_at_ms, m.seq});
  m.visible_at_ms = visible_at;
  q.by_visible.emplace(visible_at, m.seq);
}

void SqsService::EraseMessage(Queue& q, uint64_t seq) {
  auto it = q.messages.find(seq);
  if (it == q.messages.end()) return;
  q.Remove(it);
}

void SqsService::ExpireRetention(Queue& q, int64_t now) {
  int64_t retention_ms = q.Int("MessageRetentionPeriod") * 1000;
  while (!q.messages.empty()) {
    auto it = q.messages.begin();
    if (it->second.sent_ms + retention_ms > now) break;
    uint64_t seq = it->first;
    EraseMessage(q, seq);
    UnpersistMessage(nullptr, q, seq);
  }
}

void SqsService::MoveToQueue(Queue& from, Message&& m, Queue& to, int64_t now) {
  m.seq = to.next_seq++;
  m.visible_at_ms = now;
  m.receive_count = 0;
  m.first_receive_ms = 0;
  m.receipt_nonce.clear();
  if (to.fifo && m.sequence_number.empty()) m.sequence_number = std::to_string(++to.fifo_sequence);
  PersistMessage(nullptr, to, m);
  to.Insert(std::move(m));
  Deliver(to, now);
}

// ---- persistence ---------------------------------------------------------------------------

namespace {
std::string SeqKey(uint64_t seq) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(seq));
  return buf;
}
}  // namespace

void SqsService::PersistQueue(Ctx* c, const Queue& q) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  json::object o;
  o["account"] = q.account;
  o["region"] = q.region;
  o["name"] = q.name;
  o["fifo"] = q.fifo;
  json::object attrs, tags, dedup;
  for (const auto& [k, v] : q.attributes) attrs[k] = v;
  for (const auto& [k, v] : q.tags) tags[k] = v;
  for (const auto& [k, v] : q.dedup) dedup[k] = json::array{v.first, json::string(v.second)};
  o["attributes"] = std::move(attrs);
  o["tags"] = std::move(tags);
  o["dedup"] = std::move(dedup);
  o["created"] = q.created_ms;
  o["modified"] = q.modified_ms;
  o["last_purge"] = q.last_purge_ms;
  o["next_seq"] = q.next_seq;
  o["fifo_sequence"] = q.fifo_sequence;
  uint64_t seq = st.Put("sqs/" + q.account + "/" + q.region + "/q", q.name, json::serialize(o));
  if (c) c->Persisted(seq);
}

void SqsService::PersistMessage(Ctx* c, const Queue& q, const Message& m) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  json::object o;
  o["id"] = m.id;
  o["body"] = m.body;
  o["attributes"] = m.attributes;
  o["system_attributes"] = m.system_attributes;
  o["sender"] = m.sender_id;
  o["sent"] = m.sent_ms;
  o["visible_at"] = m.visible_at_ms;
  o["first_receive"] = m.first_receive_ms;
  o["receives"] = m.receive_count;
  o["nonce"] = m.receipt_nonce;
  o["group"] = m.group_id;
  o["dedup"] = m.dedup_id;
  o["sequence"] = m.sequence_number;
  o["dlq_source"] = m.dead_letter_source_arn;
  uint64_t seq = st.Put(q.Table(), SeqKey(m.seq), json::serialize(o));
  if (c) c->Persisted(seq);
}

void SqsService::UnpersistMessage(Ctx* c, const Queue& q, uint64_t seq) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  uint64_t s = st.Delete(q.Table(), SeqKey(seq));
  if (c) c->Persisted(s);
}

void SqsService::Start(aws::ServiceEnv& env) {
  env_ = &env;
  std::lock_guard lock(mu_);
  // Queues first, then their messages.
  env.store.Scan("sqs/", [&](std::string_view table, std::string_view key, std::string_view value) {
    if (!table.ends_with("/q")) return;
    boost::system::error_code ec;
    auto v = json::parse(value, ec);
    if (ec || !v.is_object()) return;
    const auto& o = v.get_object();
    auto q = std::make_unique<Queue>();
    q->account = GetString(o, "account").value_or("");
    q->region = GetString(o, "region").value_or("");
    q->name = GetString(o, "name").value_or("");
    q->arn = "arn:aws:sqs:" + q->region + ":" + q->account + ":" + q->name;
    q->fifo = GetBool(o, "fifo").value_or(false);
    if (auto* a = GetObject(o, "attributes"))
      for (const auto& [k, x] : *a) q->attributes[k] = x.is_string() ? std::string(x.get_string()) : "";
    if (auto* t = GetObject(o, "tags"))
      for (const auto& [k, x] : *t) q->tags[k] = x.is_string() ? std::string(x.get_string()) : "";
    if (auto* d = GetObject(o, "dedup"))
      for (const auto& [k, x] : *d)
        if (x.is_array() && x.get_array().size() == 2)
          q->dedup[k] = {x.get_array()[0].to_number<int64_t>(), std::string(x.get_array()[1].get_string())};
    q->created_ms = GetInt(o, "created").value_or(0);
    q->modified_ms = GetInt(o, "modified").value_or(0);
    q->last_purge_ms = GetInt(o, "last_purge").value_or(-1);
    q->next_seq = static_cast<uint64_t>(GetInt(o, "next_seq").value_or(1));
    q->fifo_sequence = static_cast<uint64_t>(GetInt(o, "fifo_sequence").value_or(0));
    std::string name = q->name;
    RegionOf(q->account, q->region).queues[name] = std::move(q);
  });
  env.store.Scan("sqs/", [&](std::string_view table, std::string_view key, std::string_view value) {
    auto pos = table.find("/m/");
    if (pos == std::string_view::npos) return;
    // sqs/ACCOUNT/REGION/m/NAME
    std::string_view head = table.substr(4, pos - 4);
    auto slash = head.find('/');
    if (slash == std::string_view::npos) return;
    Region& r = RegionOf(std::string(head.substr(0, slash)), std::string(head.substr(slash + 1)));
    auto qit = r.queues.find(std::string(table.substr(pos + 3)));
    if (qit == r.queues.end()) return;
    Queue& q = *qit->second;
    boost::system::error_code ec;
    auto v = json::parse(value, ec);
    if (ec || !v.is_object()) return;
    const auto& o = v.get_object();
    Message m;
    m.seq = std::stoull(std::string(key));
    m.id = GetString(o, "id").value_or("");
    m.body = GetString(o, "body").value_or("");
    m.md5_body = Md5Hex(m.body);
    if (auto* a = GetObject(o, "attributes")) m.attributes = *a;
    if (!m.attributes.empty()) m.md5_attributes = Md5OfMessageAttributes(m.attributes);
    if (auto* a = GetObject(o, "system_attributes")) m.system_attributes = *a;
    if (!m.system_attributes.empty()) m.md5_system_attributes = Md5OfMessageAttributes(m.system_attributes);
    m.sender_id = GetString(o, "sender").value_or("");
    m.sent_ms = GetInt(o, "sent").value_or(0);
    m.visible_at_ms = GetInt(o, "visible_at").value_or(0);
    m.first_receive_ms = GetInt(o, "first_receive").value_or(0);
    m.receive_count = static_cast<int>(GetInt(o, "receives").value_or(0));
    m.receipt_nonce = GetString(o, "nonce").value_or("");
    m.group_id = GetString(o, "group").value_or("");
    m.dedup_id = GetString(o, "dedup").value_or("");
    m.sequence_number = GetString(o, "sequence").value_or("");
    m.dead_letter_source_arn = GetString(o, "dlq_source").value_or("");
    if (m.seq >= q.next_seq) q.next_seq = m.seq + 1;
    q.Insert(std::move(m));
  });
}

void SqsService::Reset() {
  std::lock_guard lock(mu_);
  for (auto& [key, region] : regions_)
    for (auto& [name, q] : region.queues) {
      ReleaseWaiters(*q);
      if (q->wake_task && env_) env_->scheduler.Cancel(q->wake_task);
    }
  regions_.clear();
  move_tasks_.clear();
  if (env_ && env_->store.persistent()) env_->store.DeletePrefix("sqs/");
}

void SqsService::Stopping() {
  // Waiting receives end as their wait would, empty, so the server need not wait for them.
  std::lock_guard lock(mu_);
  stopping_ = true;
  for (auto& [key, region] : regions_)
    for (auto& [name, q] : region.queues) ReleaseWaiters(*q);
}

std::unique_ptr<aws::ServiceHandler> MakeSqsService() { return std::make_unique<SqsService>(); }

}  // namespace stratus::sqs
