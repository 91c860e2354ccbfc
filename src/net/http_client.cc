#include "net/http_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace stratus::net {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct Url {
  std::string host, port, target;
};

std::optional<Url> ParseUrl(std::string_view url) {
  if (!url.starts_with("http://")) return std::nullopt;
  url.remove_prefix(7);
  size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  Url u;
  u.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  } else {
    u.host = authority;
    u.port = "80";
  }
  if (u.host.empty()) return std::nullopt;
  return u;
}

class BeastClient final : public HttpClient {
 public:
  explicit BeastClient(asio::io_context& ioc) : ioc_(ioc) {}

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
    beast::tcp_stream stream(ex);
    stream.expires_after(std::chrono::milliseconds(request.timeout_ms));
    auto [cec, ep] = co_await stream.async_connect(endpoints, kNoThrow);
    if (cec) {
      result.error = cec.message();
      co_return result;
    }
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(request.method),
                                           url->target, 11};
    req.set(bhttp::field::host, url->host + (url->port == "80" ? "" : ":" + url->port));
    for (const auto& [k, v] : request.headers.all()) req.set(k, v);
    req.body() = std::move(request.body);
    req.prepare_payload();
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
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return result;
  }

  asio::io_context& ioc_;
};

}  // namespace

std::unique_ptr<HttpClient> MakeHttpClient(boost::asio::io_context& ioc) {
  return std::make_unique<BeastClient>(ioc);
}

}  // namespace stratus::net
