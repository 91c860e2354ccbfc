// SQS: queues and messages with AWS's semantics (visibility, delays, retention, long polls,
// FIFO ordering and deduplication, dead-letter queues, message move tasks), served in the
// JSON protocol current SDKs send and the query protocol older ones send.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "aws/service.h"

namespace stratus::sqs {

struct Message {
  uint64_t seq = 0;  // send order within the queue
  std::string id;
  std::string body;
  std::string md5_body;
  json::object attributes;         // MessageAttributes as sent (canonical form)
  std::string md5_attributes;      // "" without attributes
  json::object system_attributes;  // MessageSystemAttributes (AWSTraceHeader)
  std::string md5_system_attributes;
  std::string sender_id;
  int64_t sent_ms = 0;
  int64_t visible_at_ms = 0;
  int64_t first_receive_ms = 0;
  int receive_count = 0;
  std::string receipt_nonce;  // of the latest receive
  std::string group_id, dedup_id, sequence_number;
  std::string dead_letter_source_arn;

  bool InFlight(int64_t now) const { return receive_count > 0 && visible_at_ms > now; }
};

struct Waiter;

struct Queue {
  std::string account, region, name, arn;
  bool fifo = false;
  // Configurable attributes by name, as AWS renders them (strings).
  std::map<std::string, std::string, std::less<>> attributes;
  std::map<std::string, std::string> tags;
  int64_t created_ms = 0, modified_ms = 0, last_purge_ms = -1;
  uint64_t next_seq = 1;
  uint64_t fifo_sequence = 0;
  std::map<uint64_t, Message> messages;               // by seq
  std::set<std::pair<int64_t, uint64_t>> by_visible;  // (visible_at_ms, seq)
  // FIFO queues: each message group's messages in order, and the groups by their first
  // message, so that a receive passes over a blocked group at once, not message by message.
  std::unordered_map<std::string, std::set<uint64_t>> group_seqs;
  std::set<std::pair<uint64_t, std::string>> group_heads;  // (first seq, group)
  std::unordered_map<std::string, std::pair<int64_t, std::string>> dedup;  // id -> (expiry, msg id)
  std::vector<std::shared_ptr<Waiter>> waiters;
  uint64_t wake_task = 0;
  int64_t wake_at = 0;

  // Messages go in and out through these, which keep by_visible and the group index.
  void Insert(Message&& m);
  Message Remove(std::map<uint64_t, Message>::iterator it);
  void ClearMessages();

  int64_t Int(std::string_view attr) const;
  // The RedrivePolicy's dead-letter queue ARN and maxReceiveCount; an empty ARN without one.
  struct Redrive {
    std::string dead_letter_arn;
    int64_t max_receives = 0;
  };
  Redrive RedrivePolicy() const;
  std::string Table() const;  // store table of its messages
};

struct MoveTask {
  std::string handle, status, source_arn, destination_arn, failure_reason;
  int64_t rate = 0, moved = 0, to_move = 0, started_ms = 0;
};

class SqsService final : public aws::ServiceHandler {
 public:
  SqsService();
  void Start(aws::ServiceEnv& env) override;
  void Reset() override;
  void Stopping() override;
  std::optional<AwsError> PreValidate(const aws::Operation& op, const json::object& input) const override;
  // SQS answers unknown attribute names itself (InvalidAttributeName) and takes message
  // system attribute names in ReceiveMessage's AttributeNames.
  bool ValidatesEnums() const override { return false; }

 private:
  using Ctx = aws::Context;
  using In = json::object;
  using Out = Result<json::value>;
  struct Region {
    std::map<std::string, std::unique_ptr<Queue>> queues;
    std::map<std::string, int64_t> deleted_ms;  // recently deleted names
  };

  // queues.cc
  Out CreateQueue(Ctx& c, const In& in);
  Out GetQueueUrl(Ctx& c, const In& in);
  Out ListQueues(Ctx& c, const In& in);
  Out DeleteQueue(Ctx& c, const In& in);
  Out GetQueueAttributes(Ctx& c, const In& in);
  Out SetQueueAttributes(Ctx& c, const In& in);
  Out PurgeQueue(Ctx& c, const In& in);
  Out TagQueue(Ctx& c, const In& in);
  Out UntagQueue(Ctx& c, const In& in);
  Out ListQueueTags(Ctx& c, const In& in);
  Out AddPermission(Ctx& c, const In& in);
  Out RemovePermission(Ctx& c, const In& in);
  Out ListDeadLetterSourceQueues(Ctx& c, const In& in);
  Out StartMessageMoveTask(Ctx& c, const In& in);
  Out ListMessageMoveTasks(Ctx& c, const In& in);
  Out CancelMessageMoveTask(Ctx& c, const In& in);
  // messages.cc
  Out SendMessage(Ctx& c, const In& in);
  Out SendMessageBatch(Ctx& c, const In& in);
  void ReceiveMessage(Ctx& c, const In& in, aws::Completion done);
  Out DeleteMessage(Ctx& c, const In& in);
  Out DeleteMessageBatch(Ctx& c, const In& in);
  Out ChangeMessageVisibility(Ctx& c, const In& in);
  Out ChangeMessageVisibilityBatch(Ctx& c, const In& in);

 public:
  // Shared by the operation files; mu_ held unless noted.
  Region& RegionOf(const std::string& account, const std::string& region);
  Result<Queue*> QueueFromUrl(Ctx& c, const In& in);
  Queue* QueueByArn(std::string_view arn);
  std::string QueueUrl(const Ctx& c, const Queue& q) const;
  static AwsError Error(std::string_view shape, std::string message);

  Result<json::value> SendOne(Ctx& c, Queue& q, const In& entry, bool batch);
  // Sends a message on behalf of another service (SNS), as `sender`. `in` is SendMessage's
  // input without QueueUrl. NonExistentQueue when the queue is gone.
  Result<json::value> SendFromService(std::string_view queue_arn, const In& in,
                                      const std::string& sender);
  Result<json::value> Send(Queue& q, const In& in, int64_t now, const std::string& sender, Ctx* c);
  void Deliver(Queue& q, int64_t now);  // serve waiting long polls (mu_ held)
  void ScheduleWake(Queue& q, int64_t now);
  // Answers every long poll waiting on a queue that is going away, with no messages.
  void ReleaseWaiters(Queue& q);
  void ExpireRetention(Queue& q, int64_t now);
  void MoveToQueue(Queue& from, Message&& m, Queue& to, int64_t now);
  void EraseMessage(Queue& q, uint64_t seq);
  void SetVisible(Queue& q, Message& m, int64_t visible_at);
  void PersistQueue(Ctx* c, const Queue& q);
  void PersistMessage(Ctx* c, const Queue& q, const Message& m);
  void UnpersistMessage(Ctx* c, const Queue& q, uint64_t seq);
  void RunMoveTask(const std::string& handle);

  std::recursive_mutex mu_;
  std::map<std::pair<std::string, std::string>, Region> regions_;
  std::map<std::string, MoveTask> move_tasks_;
  aws::ServiceEnv* env_ = nullptr;
  bool stopping_ = false;  // Stopping(): long polls answer at once
};

std::unique_ptr<aws::ServiceHandler> MakeSqsService();

// The MD5 digest of message attributes as AWS computes it (SDKs verify it).
std::string Md5OfMessageAttributes(const json::object& attributes);

}  // namespace stratus::sqs
