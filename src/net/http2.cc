// HTTP/2 (h2c with prior knowledge) on libnghttp2: nghttp2 keeps the protocol state, this file
// moves bytes between it and the socket on the connection's strand, turns each request stream
// into an HttpRequest for the handler, and each answer into a response stream (a BodyStream
// keeps it open, its bytes sent as they come).
#include "net/http2.h"

#include <nghttp2/nghttp2.h>

#include <boost/asio.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "core/encoding.h"
#include "core/log.h"
#include "core/timefmt.h"

namespace stratus::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

bool ConnectionSpecific(std::string_view name) {
  return name == "connection" || name == "keep-alive" || name == "transfer-encoding" ||
         name == "upgrade" || name == "proxy-connection" || name == "host";
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::string remote, Http2Options options)
      : socket_(std::move(socket)), remote_(std::move(remote)), opts_(std::move(options)) {}

  // Producers are cancelled when the connection ends (Close); a session destroyed without
  // closing is one the server tears down at exit, when the services' scheduler is gone.
  ~Session() {
    if (session_) nghttp2_session_del(session_);
  }

  asio::awaitable<void> Run(std::string received) {
    nghttp2_session_callbacks* cbs = nullptr;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, OnBeginHeaders);
    nghttp2_session_callbacks_set_on_header_callback(cbs, OnHeader);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, OnData);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, OnFrame);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, OnStreamClose);
    int rv = nghttp2_session_server_new(&session_, cbs, this);
    nghttp2_session_callbacks_del(cbs);
    if (rv != 0) co_return;
    nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 128},
                                         {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20}};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 2);
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, 16 << 20);
    bool ok = Feed(received);
    std::vector<char> buf(64 * 1024);
    while (ok) {
      Flush();
      if (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_)) break;
      auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buf), kNoThrow);
      if (ec) break;
      ok = Feed(std::string_view(buf.data(), n));
    }
    Close();
  }

 private:
  struct Stream {
    HttpRequest req;
    bool too_large = false;
    std::string out;  // response bytes not yet handed to nghttp2
    size_t offset = 0;
    bool streaming = false;  // the producer may write more
    std::shared_ptr<BodyStream> producer;
  };

  static Session* Self(void* ud) { return static_cast<Session*>(ud); }

  // Runs fn on the session's strand if the session is still there; false if it is gone.
  // Callbacks handed out (responders, BodyStream writers) hold only a weak pointer: one kept
  // by a service past the server's teardown must not hold the server's executor.
  template <typename F>
  static bool PostTo(const std::weak_ptr<Session>& weak, F fn) {
    auto self = weak.lock();
    if (!self) return false;
    auto ex = self->socket_.get_executor();
    asio::post(ex, [self = std::move(self), fn = std::move(fn)]() mutable { fn(*self); });
    return true;
  }

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* ud) {
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST)
      Self(ud)->streams_[frame->hd.stream_id].req.remote = Self(ud)->remote_;
    return 0;
  }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                      const uint8_t* value, size_t valuelen, uint8_t, void* ud) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    auto it = Self(ud)->streams_.find(frame->hd.stream_id);
    if (it == Self(ud)->streams_.end()) return 0;
    std::string_view n(reinterpret_cast<const char*>(name), namelen);
    std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    HttpRequest& req = it->second.req;
    if (n == ":method") req.method = v;
    else if (n == ":path") req.target = v;
    else if (n == ":authority") {
      // SDKs sign it under this name (the JS SDK's SignedHeaders start with :authority).
      req.headers.Set("Host", v);
      req.headers.Add(n, v);
    }
    else if (!n.starts_with(':')) req.headers.Add(n, v);
    return 0;
  }

  static int OnData(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data, size_t len, void* ud) {
    auto it = Self(ud)->streams_.find(id);
    if (it == Self(ud)->streams_.end()) return 0;
    Stream& st = it->second;
    if (st.too_large) return 0;
    if (st.req.body.size() + len > Self(ud)->opts_.max_request_bytes) {
      st.too_large = true;
      st.req.body.clear();
      return 0;
    }
    st.req.body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  static int OnFrame(nghttp2_session*, const nghttp2_frame* frame, void* ud) {
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
      Self(ud)->Dispatch(frame->hd.stream_id);
    return 0;
  }

  static int OnStreamClose(nghttp2_session*, int32_t id, uint32_t, void* ud) {
    auto it = Self(ud)->streams_.find(id);
    if (it == Self(ud)->streams_.end()) return 0;
    auto producer = std::move(it->second.producer);
    Self(ud)->streams_.erase(it);
    if (producer) producer->Cancel();
    return 0;
  }

  static ssize_t ReadBody(nghttp2_session*, int32_t id, uint8_t* buf, size_t length, uint32_t* flags,
                          nghttp2_data_source*, void* ud) {
    auto it = Self(ud)->streams_.find(id);
    if (it == Self(ud)->streams_.end()) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      return 0;
    }
    Stream& st = it->second;
    size_t avail = st.out.size() - st.offset;
    if (avail == 0) {
      if (st.streaming) return NGHTTP2_ERR_DEFERRED;
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      return 0;
    }
    size_t n = std::min(avail, length);
    std::memcpy(buf, st.out.data() + st.offset, n);
    st.offset += n;
    if (st.offset == st.out.size()) {
      st.out.clear();
      st.offset = 0;
      if (!st.streaming) *flags |= NGHTTP2_DATA_FLAG_EOF;
    }
    return static_cast<ssize_t>(n);
  }

  bool Feed(std::string_view bytes) {
    if (bytes.empty()) return true;
    ssize_t rv = nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    return rv >= 0;
  }

  void Dispatch(int32_t id) {
    auto it = streams_.find(id);
    if (it == streams_.end()) return;
    Stream& st = it->second;
    HttpRequest req = std::move(st.req);
    req.http2 = true;
    if (st.too_large) {
      HttpResponse r;
      r.status = 413;
      r.headers.Set("Content-Type", "application/json");
      r.body = "{\"__type\":\"RequestEntityTooLarge\",\"message\":\"Request size exceeds the limit of " +
               std::to_string(opts_.max_request_bytes) + " bytes\"}";
      Respond(id, std::move(r));
      return;
    }
    if (auto bad = opts_.decode_body(req)) {
      Respond(id, std::move(*bad));
      return;
    }
    ++*opts_.in_flight;
    std::weak_ptr<Session> weak = shared_from_this();
    std::atomic<int>* in_flight = opts_.in_flight;
    auto respond = [weak, id, in_flight](HttpResponse r) {
      --*in_flight;
      auto stream = r.stream;
      if (!PostTo(weak, [id, r = std::move(r)](Session& self) mutable { self.Respond(id, std::move(r)); }) && stream)
        stream->Cancel();
    };
    try {
      (*opts_.handler)(std::move(req), std::move(respond));
    } catch (const std::exception& e) {
      log::Error(std::string("handler threw: ") + e.what());
    }
  }

  void Respond(int32_t id, HttpResponse r) {
    auto it = streams_.find(id);
    if (it == streams_.end() || closed_) {
      if (r.stream) r.stream->Cancel();
      return;
    }
    if (!r.headers.Has("x-amzn-RequestId")) r.headers.Set("x-amzn-RequestId", NewRequestId());
    if (!r.headers.Has("Date")) r.headers.Set("Date", HttpDateNow(opts_.clock->NowMillis()));
    std::vector<std::pair<std::string, std::string>> fields;
    fields.emplace_back(":status", std::to_string(r.status));
    for (const auto& [k, v] : r.headers.all()) {
      std::string name = k;
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      if (ConnectionSpecific(name) || name == "content-length") continue;
      fields.emplace_back(std::move(name), v);
    }
    if (!r.stream) fields.emplace_back("content-length", std::to_string(r.body.size()));
    std::vector<nghttp2_nv> nva;
    nva.reserve(fields.size());
    for (auto& [k, v] : fields)
      nva.push_back(nghttp2_nv{reinterpret_cast<uint8_t*>(k.data()), reinterpret_cast<uint8_t*>(v.data()), k.size(),
                               v.size(), NGHTTP2_NV_FLAG_NONE});
    Stream& st = it->second;
    st.out = std::move(r.body);
    st.offset = 0;
    st.producer = r.stream;
    st.streaming = r.stream != nullptr;
    nghttp2_data_provider provider{};
    provider.read_callback = ReadBody;
    if (nghttp2_submit_response(session_, id, nva.data(), nva.size(), &provider) != 0) {
      if (r.stream) r.stream->Cancel();
      st.producer.reset();
      st.streaming = false;
      return;
    }
    if (st.producer) {
      std::weak_ptr<Session> weak = shared_from_this();
      st.producer->Start([weak, id](std::string bytes, bool end) {
        PostTo(weak, [id, end, bytes = std::move(bytes)](Session& self) mutable {
          self.Append(id, std::move(bytes), end);
        });
      });
    }
    Flush();
  }

  void Append(int32_t id, std::string bytes, bool end) {
    auto it = streams_.find(id);
    if (it == streams_.end() || closed_) return;
    Stream& st = it->second;
    if (!st.streaming) return;
    st.out += bytes;
    if (end) {
      st.streaming = false;
      st.producer.reset();
    }
    nghttp2_session_resume_data(session_, id);
    Flush();
  }

  void Flush() {
    if (writing_ || closed_) return;
    writing_ = true;
    asio::co_spawn(
        socket_.get_executor(), [self = shared_from_this()]() -> asio::awaitable<void> { co_await self->WriteLoop(); },
        asio::detached);
  }

  asio::awaitable<void> WriteLoop() {
    while (!closed_) {
      std::string buf;
      while (buf.size() < 256 * 1024) {
        const uint8_t* data = nullptr;
        ssize_t n = nghttp2_session_mem_send(session_, &data);
        if (n < 0) {
          closed_ = true;
          break;
        }
        if (n == 0) break;
        buf.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
      }
      if (buf.empty()) break;
      auto [ec, written] = co_await asio::async_write(socket_, asio::buffer(buf), kNoThrow);
      if (ec) closed_ = true;
    }
    writing_ = false;
    if (!closed_ && !nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_)) Close();
  }

  void Close() {
    closed_ = true;
    for (auto& [id, st] : streams_) {
      if (st.producer) st.producer->Cancel();
      st.producer.reset();
      st.streaming = false;
    }
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  std::string remote_;
  Http2Options opts_;
  nghttp2_session* session_ = nullptr;
  std::map<int32_t, Stream> streams_;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace

asio::awaitable<void> ServeHttp2(tcp::socket socket, std::string received, std::string remote,
                                 Http2Options options) {
  auto session = std::make_shared<Session>(std::move(socket), std::move(remote), std::move(options));
  co_await session->Run(std::move(received));
}

}  // namespace stratus::net
