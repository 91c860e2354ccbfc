#include "net/http_client.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace stratus::net {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct Url {
  bool tls = false;
  std::string host, port, target;
};

std::optional<Url> ParseUrl(std::string_view url) {
  Url u;
  if (url.starts_with("https://")) {
    u.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  } else {
    u.host = authority;
    u.port = u.tls ? "443" : "80";
  }
  if (u.host.empty()) return std::nullopt;
  return u;
}

class BeastClient final : public HttpClient {
 public:
  // Local subscribers use self-signed certificates: TLS without peer verification.
  explicit BeastClient(asio::io_context& ioc) : ioc_(ioc), tls_(asio::ssl::context::tls_client) {
    tls_.set_verify_mode(asio::ssl::verify_none);
  }

  void Send(OutboundRequest request, std::function<void(OutboundResult)> done) override {
    asio::co_spawn(ioc_, Run(std::move(request)),
                   [done = std::move(done)](std::exception_ptr e, OutboundResult r) {
                     if (e) r.error = "internal error";
                     done(std::move(r));
                   });
  }

 private:
  asio::awaitable<OutboundResult> Run(OutboundRequest request) {
    OutboundResult result;
    auto url = ParseUrl(request.url);
    if (!url) {
      result.error = "unsupported URL " + request.url;
      co_return result;
    }
    auto ex = co_await asio::this_coro::executor;
    tcp::resolver resolver(ex);
    auto [rec, endpoints] = co_await resolver.async_resolve(url->host, url->port, kNoThrow);
    if (rec) {
      result.error = rec.message();
      co_return result;
    }
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(request.method), url->target, 11};
    bool default_port = url->port == (url->tls ? "443" : "80");
    req.set(bhttp::field::host, url->host + (default_port ? "" : ":" + url->port));
    for (const auto& [k, v] : request.headers.all()) req.set(k, v);
    req.body() = std::move(request.body);
    req.prepare_payload();
    if (url->tls) {
      beast::ssl_stream<beast::tcp_stream> stream(ex, tls_);
      SSL_set_tlsext_host_name(stream.native_handle(), url->host.c_str());
      beast::get_lowest_layer(stream).expires_after(std::chrono::milliseconds(request.timeout_ms));
      auto [cec, ep] = co_await beast::get_lowest_layer(stream).async_connect(endpoints, kNoThrow);
      if (cec) {
        result.error = cec.message();
        co_return result;
      }
      auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::client, kNoThrow);
      if (hec) {
        result.error = hec.message();
        co_return result;
      }
      co_return co_await Exchange(stream, req);
    }
    beast::tcp_stream stream(ex);
    stream.expires_after(std::chrono::milliseconds(request.timeout_ms));
    auto [cec, ep] = co_await stream.async_connect(endpoints, kNoThrow);
    if (cec) {
      result.error = cec.message();
      co_return result;
    }
    co_return co_await Exchange(stream, req);
  }

  template <typename Stream>
  static asio::awaitable<OutboundResult> Exchange(Stream& stream, bhttp::request<bhttp::string_body>& req) {
    OutboundResult result;
    auto [wec, wn] = co_await bhttp::async_write(stream, req, kNoThrow);
    if (wec) {
      result.error = wec.message();
      co_return result;
    }
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    auto [ec, n] = co_await bhttp::async_read(stream, buffer, res, kNoThrow);
    if (ec) {
      result.error = ec.message();
      co_return result;
    }
    result.status = static_cast<int>(res.result_int());
    result.body = std::move(res.body());
    co_return result;
  }

  asio::io_context& ioc_;
  asio::ssl::context tls_;
};

}  // namespace

std::unique_ptr<HttpClient> MakeHttpClient(boost::asio::io_context& ioc) {
  return std::make_unique<BeastClient>(ioc);
}

}  // namespace stratus::net
