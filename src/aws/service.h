// What a service implementation sees: a Context per request and a table of handlers, one per
// operation. Handlers are functions of (Context, input) and never touch HTTP (STYLE habit 2).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "aws/model.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/http.h"
#include "core/http_client.h"
#include "core/json.h"

namespace stratus::store {
class Store;
}

namespace stratus::aws {

// Who made the request, from the access key.
struct Principal {
  std::string account;
  std::string arn;      // arn:aws:iam::ACCOUNT:root, arn:aws:sts::ACCOUNT:assumed-role/R/S
  std::string user_id;  // ACCOUNT (root), AROA...:SESSION, ACCOUNT:NAME (federated)
  std::string access_key;
};

// Credentials that Stratus issued itself (STS), as the authenticator needs them.
struct IssuedCredential {
  std::string secret;
  std::string session_token;
  int64_t expires_ms = 0;
  Principal principal;
};

class CredentialResolver {
 public:
  virtual ~CredentialResolver() = default;
  virtual std::optional<IssuedCredential> Lookup(std::string_view access_key) const = 0;
};

class ServiceRegistry;

// Process-wide things a service may use, handed over at start-up.
struct ServiceEnv {
  const Clock& clock;
  Scheduler& scheduler;
  store::Store& store;
  std::string default_account;
  // The other services, for those that deliver to them (SNS to SQS).
  ServiceRegistry* registry = nullptr;
  // Outbound HTTP (SNS http subscriptions).
  HttpClient* http = nullptr;
};

// Lives as long as the request; the strings are the gateway's, not copies.
struct Context {
  const std::string& request_id;
  const std::string& account;
  const std::string& region;
  const Principal& principal;
  const Clock& clock;
  Scheduler& scheduler;
  store::Store& store;
  const HttpRequest& http;
  const Service& model;
  const Operation& op;
  Protocol protocol;
  // The response waits until every store write up to this sequence is durable.
  uint64_t durable_seq = 0;
  // Set by a handler whose output is an event stream: the events that follow the initial
  // response (the gateway encodes the output itself as the initial-response event).
  std::shared_ptr<BodyStream> event_stream = nullptr;
  // Set by a handler that wrote its output as JSON-protocol text itself (only when `protocol`
  // is Json; a page of items written as they are read, with no copy): the gateway sends it as
  // the body instead of encoding the returned value.
  std::string json_output = {};

  void Persisted(uint64_t seq) {
    if (seq > durable_seq) durable_seq = seq;
  }
  // An error named after one of the service's modelled error shapes, with the status and
  // query code the model gives it.
  AwsError ModelError(std::string_view shape, std::string message) const;
  // The host the client addressed (Host header), for URLs in responses.
  std::string_view Host() const { return http.headers.Get("Host"); }
};

using Completion = std::function<void(Result<json::value>)>;
using SyncHandler = std::function<Result<json::value>(Context&, const json::object&)>;
// For operations that answer later (long polls): call done exactly once, from any thread.
using AsyncHandler = std::function<void(Context&, const json::object&, Completion done)>;

class ServiceHandler {
 public:
  explicit ServiceHandler(std::string model_id) : id_(std::move(model_id)) {}
  virtual ~ServiceHandler() = default;

  const std::string& id() const { return id_; }
  // Loads durable state; called once before serving.
  virtual void Start(ServiceEnv& env) {}
  // Drops every resource of every account and region (memory and store).
  virtual void Reset() = 0;
  // The server is stopping: requests that wait (long polls) are answered now as their wait
  // ending would answer them, and later ones do not wait, so the server drains at once.
  virtual void Stopping() {}
  // Checks run before the model's generic validation, for rules the service words its own
  // way. An error here is the answer.
  virtual std::optional<AwsError> PreValidate(const Operation& op, const json::object& input) const {
    return std::nullopt;
  }
  // Whether the model's enum constraints apply to the input.
  virtual bool ValidatesEnums() const { return true; }
  // Serves GET/POST /_stratus/<id>/... (test helpers such as SNS's signing certificate and
  // recorded deliveries); false when the path is not its own.
  virtual bool HandleBuiltin(const HttpRequest& req, std::string_view rest, HttpResponse& resp) {
    return false;
  }

  struct Entry {
    SyncHandler sync;
    AsyncHandler async;
  };
  // The handler of an operation, or null (named so it does not hide stratus::Find in services).
  const Entry* FindHandler(std::string_view op) const {
    auto it = handlers_.find(op);
    return it == handlers_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> Implemented() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : handlers_) out.push_back(k);
    return out;
  }

 protected:
  void On(std::string op, SyncHandler h) { handlers_[std::move(op)].sync = std::move(h); }
  void OnAsync(std::string op, AsyncHandler h) { handlers_[std::move(op)].async = std::move(h); }

 private:
  std::string id_;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> handlers_;
};

AwsError ModelErrorFor(const Service& svc, std::string_view shape, std::string message);

}  // namespace stratus::aws

namespace stratus::aws {

// The service implementations linked into the binary.
class ServiceRegistry {
 public:
  void Add(std::unique_ptr<ServiceHandler> s) { services_.push_back(std::move(s)); }
  ServiceHandler* Find(std::string_view id) const {
    for (const auto& s : services_)
      if (s->id() == id) return s.get();
    return nullptr;
  }
  const std::vector<std::unique_ptr<ServiceHandler>>& all() const { return services_; }

 private:
  std::vector<std::unique_ptr<ServiceHandler>> services_;
};

}  // namespace stratus::aws
