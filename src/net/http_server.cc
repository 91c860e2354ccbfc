#include "net/http_server.h"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <deque>
#include <mutex>
#include <ranges>
#include <thread>
#include <unordered_map>

#include "core/encoding.h"
#include "core/log.h"
#include "core/timefmt.h"
#include "net/body.h"
#include "net/http2.h"
#include "net/http_client.h"

namespace stratus::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
// Initial read buffer of a connection (see Session).
constexpr std::size_t kReadBufferBytes = 8 * 1024;

namespace {

class AsioScheduler final : public Scheduler {
 public:
  AsioScheduler(asio::io_context& ioc, const Clock& clock) : ioc_(ioc), clock_(clock) {}

  TaskId ScheduleAt(int64_t at_ms, std::function<void()> fn) override {
    auto timer = std::make_shared<asio::steady_timer>(ioc_);
    int64_t delay = std::max<int64_t>(0, at_ms - clock_.NowMillis());
    timer->expires_after(std::chrono::milliseconds(delay));
    TaskId id;
    {
      std::lock_guard lock(mu_);
      id = ++next_;
      timers_[id] = timer;
    }
    timer->async_wait([this, id, timer, fn = std::move(fn)](const boost::system::error_code& ec) {
      {
        std::lock_guard lock(mu_);
        if (timers_.erase(id) == 0 || ec) return;
      }
      fn();
    });
    return id;
  }

  bool Cancel(TaskId id) override {
    std::shared_ptr<asio::steady_timer> t;
    {
      std::lock_guard lock(mu_);
      auto it = timers_.find(id);
      if (it == timers_.end()) return false;
      t = it->second;
      timers_.erase(it);
    }
    t->cancel();
    return true;
  }

  void Post(std::function<void()> fn) override { asio::post(ioc_, std::move(fn)); }

 private:
  asio::io_context& ioc_;
  const Clock& clock_;
  std::mutex mu_;
  TaskId next_ = 0;
  std::unordered_map<TaskId, std::shared_ptr<asio::steady_timer>> timers_;
};

// Beast's parser only knows one of its own errors for bodies that are too large.
bool IsBodyLimit(const boost::system::error_code& ec) { return ec == bhttp::error::body_limit; }

HttpResponse TooLarge(std::string_view ct, uint64_t limit) {
  HttpResponse r;
  r.status = 413;
  std::string msg = "Request size exceeds the limit of " + std::to_string(limit) + " bytes";
  if (ct.find("x-www-form-urlencoded") != std::string_view::npos ||
      ct.find("xml") != std::string_view::npos) {
    r.headers.Set("Content-Type", "text/xml");
    r.body = "<ErrorResponse><Error><Type>Sender</Type><Code>RequestEntityTooLarge</Code><Message>" +
             msg + "</Message></Error></ErrorResponse>";
  } else {
    r.headers.Set("Content-Type", "application/json");
    r.body = "{\"__type\":\"RequestEntityTooLarge\",\"message\":\"" + msg + "\"}";
  }
  return r;
}

HttpResponse BadBody(std::string_view what) {
  HttpResponse r;
  r.status = 400;
  r.headers.Set("Content-Type", "application/json");
  r.body = "{\"__type\":\"SerializationException\",\"message\":\"" + std::string(what) + "\"}";
  return r;
}

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  const Clock& clock;
  HttpHandler handler;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  AsioScheduler scheduler{ioc, clock};
  std::unique_ptr<HttpClient> client = MakeHttpClient(ioc);
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  std::function<void()> on_stop;

  Impl(ServerOptions o, const Clock& c, HttpHandler h)
      : options(std::move(o)), clock(c), handler(std::move(h)) {}

  asio::awaitable<void> Accept() {
    while (!stopping) {
      auto [ec, sock] = co_await acceptor.async_accept(asio::make_strand(ioc), kNoThrow);
      if (ec) {
        if (stopping || ec == asio::error::operation_aborted) break;
        continue;
      }
      sock.set_option(tcp::no_delay(true));
      auto ex = sock.get_executor();
      asio::co_spawn(ex, Session(std::move(sock)), asio::detached);
    }
  }

  static HttpRequest ToRequest(bhttp::request<bhttp::string_body>&& msg, const std::string& remote) {
    HttpRequest req;
    req.headers.Reserve(16);
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& f : msg) req.headers.Add(f.name_string(), f.value());
    req.body = std::move(msg.body());
    req.remote = remote;
    return req;
  }

  // Removes aws-chunked framing and gzip; returns an error response when malformed.
  std::optional<HttpResponse> DecodeBody(HttpRequest& req) {
    std::string_view enc = req.headers.Get("Content-Encoding");
    std::string_view sha = req.headers.Get("x-amz-content-sha256");
    bool aws_chunked = enc.find("aws-chunked") != std::string_view::npos ||
                       sha.starts_with("STREAMING-");
    if (aws_chunked) {
      auto decoded = DecodeAwsChunked(req.body);
      if (!decoded) return BadBody("Malformed aws-chunked request body");
      req.body = std::move(*decoded);
    }
    if (enc.find("gzip") != std::string_view::npos || enc.find("deflate") != std::string_view::npos) {
      req.raw_body_sha256 = Sha256Hex(req.body);
      bool too_large = false;
      auto inflated = Inflate(req.body, options.max_request_bytes, &too_large);
      if (too_large) return TooLarge(req.headers.Get("Content-Type"), options.max_request_bytes);
      if (!inflated) return BadBody("Could not decompress the request body");
      req.body = std::move(*inflated);
    }
    if (aws_chunked || !enc.empty()) {
      req.original_content_encoding = std::string(enc);
      // Remove the encodings we undid, keep any others the service may care about.
      std::string rest;
      for (auto part : std::string_view(enc) | std::views::split(',')) {
        std::string_view p(part.begin(), part.end());
        while (!p.empty() && p.front() == ' ') p.remove_prefix(1);
        if (p.empty() || p == "aws-chunked" || p == "gzip" || p == "deflate") continue;
        if (!rest.empty()) rest += ",";
        rest += p;
      }
      if (rest.empty()) req.headers.Remove("Content-Encoding");
      else req.headers.Set("Content-Encoding", rest);
    }
    return std::nullopt;
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    std::string remote;
    {
      boost::system::error_code ec;
      auto ep = socket.remote_endpoint(ec);
      if (!ec) remote = ep.address().to_string();
    }
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    auto ex = co_await asio::this_coro::executor;
    // HTTP/2 with prior knowledge opens with the client preface; anything else is HTTP/1.x.
    for (;;) {
      auto data = buffer.data();
      std::string_view have(static_cast<const char*>(data.data()), data.size());
      size_t n = std::min(have.size(), kHttp2Preface.size());
      if (have.substr(0, n) != kHttp2Preface.substr(0, n)) break;
      if (n == kHttp2Preface.size()) {
        Http2Options h2{&handler, [this](HttpRequest& r) { return DecodeBody(r); }, &in_flight, &clock,
                        options.max_request_bytes};
        co_await ServeHttp2(stream.release_socket(), std::string(have), remote, std::move(h2));
        co_return;
      }
      stream.expires_after(std::chrono::seconds(300));
      auto [ec, got] = co_await stream.async_read_some(buffer.prepare(4096), kNoThrow);
      if (ec) co_return;
      buffer.commit(got);
    }
    for (;;) {
      // Beast reads at most max(512, free capacity) bytes at a time: with room for a typical
      // SDK request (headers, SigV4 and a small body) it arrives in one recv, not two.
      if (buffer.capacity() < kReadBufferBytes) buffer.reserve(kReadBufferBytes);
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(options.max_request_bytes);
      parser.header_limit(64 * 1024);
      stream.expires_after(std::chrono::seconds(300));
      auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kNoThrow);
      // Beast reports a Content-Length over the body limit while reading the header.
      bool header_too_large = ec && IsBodyLimit(ec);
      if (ec && !header_too_large) break;
      bool keep_alive = parser.get().keep_alive();
      if (auto it = parser.get().find(bhttp::field::expect);
          !header_too_large && it != parser.get().end() &&
          beast::iequals(it->value(), "100-continue")) {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
        auto [wec, wn] = co_await bhttp::async_write(stream, cont, kNoThrow);
        if (wec) break;
      }
      std::optional<HttpResponse> early;
      bool drain = false;  // the client may still be sending a body we refused
      if (header_too_large || (parser.content_length() &&
                               *parser.content_length() > options.max_request_bytes)) {
        early = TooLarge(std::string_view(parser.get()[bhttp::field::content_type]),
                         options.max_request_bytes);
        keep_alive = false;
        drain = true;
      } else {
        // The body usually came with the header: parse it from the buffer here, saving the
        // scheduler round trip of another async operation; read on only for what is missing.
        boost::system::error_code rec;
        parser.eager(true);
        while (!parser.is_done() && buffer.size() > 0) {
          std::size_t used = parser.put(buffer.data(), rec);
          buffer.consume(used);
          if (rec == bhttp::error::need_more) rec = {};
          if (rec || used == 0) break;
        }
        if (!rec && !parser.is_done()) {
          auto [aec, an] = co_await bhttp::async_read(stream, buffer, parser, kNoThrow);
          rec = aec;
        }
        if (rec) {
          if (!IsBodyLimit(rec)) break;
          early = TooLarge(std::string_view(parser.get()[bhttp::field::content_type]),
                           options.max_request_bytes);
          keep_alive = false;
          drain = true;
        }
      }
      stream.expires_never();
      HttpResponse response;
      unsigned version = parser.get().version();
      bool head = parser.get().method() == bhttp::verb::head;
      if (early) {
        response = std::move(*early);
      } else {
        HttpRequest req = ToRequest(parser.release(), remote);
        if (auto bad = DecodeBody(req)) {
          response = std::move(*bad);
        } else {
          response = co_await Dispatch(std::move(req), ex);
        }
      }
      // Responses the HTTP layer wrote itself carry the headers every response has.
      if (!response.headers.Has("x-amzn-RequestId")) response.headers.Set("x-amzn-RequestId", NewRequestId());
      if (!response.headers.Has("Date")) response.headers.Set("Date", HttpDateNow(clock.NowMillis()));
      if (response.stream) {
        // A body that goes on (event streams): chunked, then the connection closes.
        co_await StreamChunked(stream, std::move(response));
        co_return;
      }
      bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(response.status), version};
      for (const auto& [k, v] : response.headers.all()) out.insert(k, v);
      out.keep_alive(keep_alive);
      size_t body_size = response.body.size();
      out.body() = std::move(response.body);
      if (head) {
        // HEAD: keep the Content-Length of the would-be body, send none.
        out.content_length(body_size);
        bhttp::response_serializer<bhttp::string_body> sr{out};
        sr.split(true);
        auto [wec, wn] = co_await bhttp::async_write_header(stream, sr, kNoThrow);
        if (wec) break;
      } else {
        out.prepare_payload();
        auto [wec, wn] = co_await bhttp::async_write(stream, out, kNoThrow);
        if (wec) break;
      }
      if (drain) {
        // Lingering close: read what the client still sends so that closing the socket does
        // not reset the connection before the client reads our 413.
        boost::system::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream.expires_after(std::chrono::seconds(5));
        std::vector<char> sink(64 * 1024);
        for (;;) {
          auto [dec, dn] = co_await stream.async_read_some(asio::buffer(sink), kNoThrow);
          if (dec) break;
        }
        co_return;
      }
      if (!keep_alive) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  static std::string Chunk(std::string_view bytes) {
    char size[20];
    std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
    return size + std::string(bytes) + "\r\n";
  }

  // Sends a BodyStream response with chunked transfer encoding until the producer ends it or
  // the client goes away.
  asio::awaitable<void> StreamChunked(beast::tcp_stream& stream, HttpResponse response) {
    struct Feed {
      asio::any_io_executor ex;
      std::deque<std::string> chunks;
      bool end = false;
      std::optional<asio::steady_timer> wake;
    };
    auto ex = co_await asio::this_coro::executor;
    auto feed = std::make_shared<Feed>();
    feed->ex = ex;
    feed->wake.emplace(ex);
    feed->wake->expires_at(asio::steady_timer::time_point::max());
    std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " +
                       std::string(bhttp::obsolete_reason(static_cast<bhttp::status>(response.status))) + "\r\n";
    for (const auto& [k, v] : response.headers.all())
      if (!beast::iequals(k, "Content-Length") && !beast::iequals(k, "Connection")) head += k + ": " + v + "\r\n";
    head += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    if (!response.body.empty()) head += Chunk(response.body);
    std::shared_ptr<BodyStream> producer = std::move(response.stream);
    stream.expires_never();
    auto [hec, hn] = co_await asio::async_write(stream, asio::buffer(head), kNoThrow);
    if (hec) {
      producer->Cancel();
      co_return;
    }
    // The writer holds only a weak pointer: a producer kept past the server's teardown must
    // not hold the server's executor.
    std::weak_ptr<Feed> weak = feed;
    producer->Start([weak](std::string bytes, bool end) {
      auto f = weak.lock();
      if (!f) return;
      auto fex = f->ex;
      asio::post(fex, [f = std::move(f), end, bytes = std::move(bytes)]() mutable {
        if (!bytes.empty()) f->chunks.push_back(std::move(bytes));
        if (end) f->end = true;
        f->wake->cancel();
      });
    });
    for (;;) {
      while (feed->chunks.empty() && !feed->end) {
        co_await feed->wake->async_wait(kNoThrow);
        feed->wake->expires_at(asio::steady_timer::time_point::max());
      }
      std::string out;
      for (const auto& c : feed->chunks) out += Chunk(c);
      feed->chunks.clear();
      if (feed->end) out += "0\r\n\r\n";
      auto [ec, n] = co_await asio::async_write(stream, asio::buffer(out), kNoThrow);
      if (ec) {
        producer->Cancel();
        break;
      }
      if (feed->end) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  template <typename Executor>
  asio::awaitable<HttpResponse> Dispatch(HttpRequest req, Executor ex) {
    struct Pending {
      // Created only when the handler answers later (the strand serializes every access).
      std::optional<asio::steady_timer> timer;
      bool done = false;
      bool in_handler = false;
      HttpResponse response;
    };
    auto pending = std::make_shared<Pending>();
    ++in_flight;
    // Most handlers answer before returning: then the response is taken as is, on this strand,
    // with no timer round trip. A later answer (long polls, durable writes) is posted back.
    const std::thread::id self = std::this_thread::get_id();
    pending->in_handler = true;
    try {
      handler(std::move(req), [pending, ex, self](HttpResponse r) {
        // Thread first: only this thread ever reads or writes in_handler.
        if (std::this_thread::get_id() == self && pending->in_handler) {
          pending->response = std::move(r);
          pending->done = true;
          return;
        }
        asio::post(ex, [pending, r = std::move(r)]() mutable {
          pending->response = std::move(r);
          pending->done = true;
          if (pending->timer) pending->timer->cancel();
        });
      });
      pending->in_handler = false;
    } catch (const std::exception& e) {
      pending->in_handler = false;
      log::Error(std::string("handler threw: ") + e.what());
      pending->done = true;
      pending->response = BadBody("internal error");
      pending->response.status = 500;
    }
    if (!pending->done) {
      pending->timer.emplace(ex);
      pending->timer->expires_at(asio::steady_timer::time_point::max());
      while (!pending->done) co_await pending->timer->async_wait(kNoThrow);
    }
    --in_flight;
    co_return std::move(pending->response);
  }

  void BeginStop() {
    if (stopping.exchange(true)) return;
    asio::post(ioc, [this] {
      boost::system::error_code ec;
      acceptor.close(ec);
      signals.cancel(ec);
      if (on_stopping) on_stopping();
      WaitDrained(std::chrono::steady_clock::now() + std::chrono::seconds(10));
    });
  }
  std::function<void()> on_stopping;

  void WaitDrained(std::chrono::steady_clock::time_point deadline) {
    if (in_flight.load() == 0 || std::chrono::steady_clock::now() >= deadline) {
      ioc.stop();
      return;
    }
    auto t = std::make_shared<asio::steady_timer>(ioc, std::chrono::milliseconds(10));
    t->async_wait([this, t, deadline](auto) { WaitDrained(deadline); });
  }
};

HttpServer::HttpServer(ServerOptions options, const Clock& clock, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), clock, std::move(handler))) {}

HttpServer::~HttpServer() = default;

std::string HttpServer::Listen() {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(impl_->options.host, ec);
  if (ec) {
    // A host name such as "localhost": resolve it.
    tcp::resolver resolver(impl_->ioc);
    auto results = resolver.resolve(impl_->options.host, "", ec);
    if (ec || results.empty()) return "cannot resolve host " + impl_->options.host;
    addr = results.begin()->endpoint().address();
  }
  tcp::endpoint ep(addr, impl_->options.port);
  auto& acc = impl_->acceptor;
  acc.open(ep.protocol(), ec);
  if (ec) return ec.message();
  acc.set_option(asio::socket_base::reuse_address(true), ec);
  acc.bind(ep, ec);
  if (ec) return "cannot bind " + impl_->options.host + ":" + std::to_string(impl_->options.port) +
                 ": " + ec.message();
  acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return ec.message();
  return {};
}

uint16_t HttpServer::port() const {
  boost::system::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void HttpServer::Run(std::function<void()> on_stop, std::function<void()> on_stopping) {
  auto& impl = *impl_;
  impl.on_stopping = std::move(on_stopping);
  impl.signals.async_wait([&impl](const boost::system::error_code& ec, int) {
    if (!ec) impl.BeginStop();
  });
  asio::co_spawn(impl.acceptor.get_executor(), impl.Accept(), asio::detached);
  int n = impl.options.threads > 0 ? impl.options.threads
                                   : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (int i = 1; i < n; ++i) threads.emplace_back([&impl] { impl.ioc.run(); });
  impl.ioc.run();
  for (auto& t : threads) t.join();
  if (on_stop) on_stop();
}

void HttpServer::Stop() { impl_->BeginStop(); }

Scheduler& HttpServer::scheduler() { return impl_->scheduler; }

HttpClient& HttpServer::client() { return *impl_->client; }

}  // namespace stratus::net
