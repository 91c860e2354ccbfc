// The request pipeline: built-in endpoints, SigV4 authentication, routing, decoding,
// validation, the handler, durability, encoding and the per-request log line.
#pragma once

#include <functional>
#include <set>
#include <string>

#include "aws/service.h"
#include "core/clock.h"
#include "core/http.h"

namespace stratus::aws {

struct GatewayOptions {
  std::string default_account = "000000000000";
  std::string default_region = "us-east-1";
  bool verify_signatures = false;
  std::string secret_key = "test";  // secret of every non-issued access key when verifying
  std::set<std::string> enabled;    // service ids; empty: every compiled service
};

class Gateway {
 public:
  // Answers a request outside the AWS pipeline (/_stratus/...); false when not its own.
  using Builtin = std::function<bool(const HttpRequest&, HttpResponse&)>;

  Gateway(GatewayOptions options, const Clock& clock, Scheduler& scheduler, store::Store& store,
          ServiceRegistry& registry, const CredentialResolver* credentials, Builtin builtin);

  void Handle(HttpRequest&& req, Responder respond);
  bool Enabled(std::string_view service_id) const;
  const GatewayOptions& options() const { return options_; }

 private:
  struct Exchange;
  void Finish(const std::shared_ptr<Exchange>& ex, Result<json::value> result);
  void Send(const std::shared_ptr<Exchange>& ex, HttpResponse response);

  GatewayOptions options_;
  const Clock& clock_;
  Scheduler& scheduler_;
  store::Store& store_;
  ServiceRegistry& registry_;
  const CredentialResolver* credentials_;
  Builtin builtin_;
};

}  // namespace stratus::aws
