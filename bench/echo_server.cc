// The reference floor for Stratus's HTTP server: the least a Boost.Beast + Asio coroutine
// server can do per request. Every request, whatever its method, target or body, is answered
// 200 with {"status":"ok"} on a keep-alive connection.
//
// It is built the way src/net/http_server.cc is (one io_context run by N threads, a strand
// per connection, beast::tcp_stream with an idle timeout, TCP_NODELAY, as_tuple instead of
// exceptions), so the gap between this server and GET /_stratus/health is the cost of
// Stratus's own request path, not of the framework. See bench/README.md.
//
// Usage: echo_server [--port N] [--threads N]
//   --port 0 (default) picks a free port; --threads 0 (default) means one per core.
// Prints "echo ready on http://127.0.0.1:PORT" once listening; SIGINT/SIGTERM stop it.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kBody = R"({"status":"ok"})";

asio::awaitable<void> Session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    stream.expires_after(std::chrono::seconds(300));
    auto [rec, rn] = co_await http::async_read(stream, buffer, req, kNoThrow);
    if (rec) break;  // EOF, timeout, reset or a malformed request: drop the connection

    http::response<http::string_body> res(http::status::ok, req.version());
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = kBody;
    res.prepare_payload();
    stream.expires_never();
    auto [wec, wn] = co_await http::async_write(stream, res, kNoThrow);
    if (wec || !res.keep_alive()) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> Listen(tcp::acceptor& acceptor, asio::io_context& ioc) {
  for (;;) {
    auto [ec, sock] = co_await acceptor.async_accept(asio::make_strand(ioc), kNoThrow);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
    sock.set_option(tcp::no_delay(true), ec);
    auto executor = sock.get_executor();
    asio::co_spawn(executor, Session(std::move(sock)), asio::detached);
  }
}

bool ParseInt(std::string_view text, int& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && out >= 0;
}

int Usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [--port N] [--threads N]\n", argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  int threads = 0;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    int* target = arg == "--port" ? &port : arg == "--threads" ? &threads : nullptr;
    if (target == nullptr || i + 1 >= argc || !ParseInt(argv[++i], *target)) {
      return Usage(argv[0]);
    }
  }
  if (port > 65535) return Usage(argv[0]);
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  asio::io_context ioc(threads);
  tcp::acceptor acceptor(ioc);
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
  beast::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "echo: cannot listen on 127.0.0.1:%d: %s\n", port, ec.message().c_str());
    return 1;
  }

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const beast::error_code&, int) {
    beast::error_code ignored;
    acceptor.close(ignored);
    ioc.stop();  // a benchmark peer: no need to drain in-flight requests
  });
  asio::co_spawn(ioc, Listen(acceptor, ioc), asio::detached);

  std::printf("echo ready on http://127.0.0.1:%u\n",
              static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);

  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  return 0;
}
