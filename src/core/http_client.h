// Outbound HTTP for services that deliver to user endpoints (SNS http subscriptions). The
// implementation lives in net/ on the server's event loop; no thread waits on a response.
#pragma once

#include <functional>
#include <string>

#include "core/http.h"

namespace stratus {

struct OutboundRequest {
  std::string method = "POST";
  std::string url;  // http://host[:port]/path
  Headers headers;
  std::string body;
  int timeout_ms = 15000;
};

struct OutboundResult {
  int status = 0;     // 0 when no HTTP answer came (connect failure, timeout, bad URL)
  std::string error;  // why, when status is 0
  std::string body;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends the request; calls done once, on the event loop.
  virtual void Send(OutboundRequest request, std::function<void(OutboundResult)> done) = 0;
};

}  // namespace stratus
