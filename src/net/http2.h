// HTTP/2 over cleartext with prior knowledge (h2c): what the AWS SDK for JavaScript v3's
// Kinesis client speaks to an http:// endpoint, for every operation and for SubscribeToShard's
// event stream. The HTTP/1.1 session hands a connection over once it has read the client
// connection preface. Requests go to the same HttpHandler as HTTP/1.1 ones, several at once;
// a response with a BodyStream stays open and carries the producer's bytes as they come.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/http.h"

namespace stratus::net {

struct Http2Options {
  HttpHandler* handler = nullptr;
  // Undoes content encodings; an error response when the body is malformed.
  std::function<std::optional<HttpResponse>(HttpRequest&)> decode_body;
  std::atomic<int>* in_flight = nullptr;
  const Clock* clock = nullptr;
  uint64_t max_request_bytes = 0;
};

// The client connection preface that opens every HTTP/2 connection.
inline constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// Serves the connection until either side closes it. `received` holds the bytes already read
// (the preface and whatever followed it).
boost::asio::awaitable<void> ServeHttp2(boost::asio::ip::tcp::socket socket, std::string received,
                                        std::string remote, Http2Options options);

}  // namespace stratus::net
