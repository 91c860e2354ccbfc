// The HTTP/1.1 server: Boost.Beast on Asio with C++20 coroutines, one thread per core,
// keep-alive, Expect: 100-continue, chunked / aws-chunked / gzip request bodies and a request
// size limit. Requests are handed to an HttpHandler as plain HttpRequest values.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/http.h"
#include "core/http_client.h"

namespace stratus::net {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4566;
  int threads = 0;                          // 0: one per core
  uint64_t max_request_bytes = 256u << 20;  // larger bodies get a 413
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, const Clock& clock, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens. Returns an empty string on success, else the reason.
  std::string Listen();
  uint16_t port() const;
  // Serves until Stop() or SIGINT/SIGTERM; then calls on_stopping (on the event loop), lets
  // in-flight requests finish (up to 10 s) and calls on_stop before returning.
  void Run(std::function<void()> on_stop, std::function<void()> on_stopping = {});
  // Stops accepting; Run() returns once in-flight requests are answered.
  void Stop();
  // Timers on the server's event loop, driven by the injected clock.
  Scheduler& scheduler();
  // Outbound HTTP on the server's event loop.
  HttpClient& client();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stratus::net
