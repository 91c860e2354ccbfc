// Plain HTTP message types shared by net/ and aws/. They carry no Beast or Asio types so the
// rest of the code base stays light to compile.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stratus {

bool IEquals(std::string_view a, std::string_view b);
// Without leading and trailing spaces and tabs.
std::string_view TrimWs(std::string_view s);
// Appends the decoded pairs of an application/x-www-form-urlencoded text.
void ParseForm(std::string_view text, std::vector<std::pair<std::string, std::string>>& out);

class Headers {
 public:
  // First value of a header, case-insensitively; empty when absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  void Set(std::string_view name, std::string_view value);
  void Add(std::string_view name, std::string_view value);
  void Remove(std::string_view name);
  void Reserve(size_t n) { items_.reserve(n); }
  const std::vector<std::pair<std::string, std::string>>& all() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target: path and query, still percent-encoded
  Headers headers;
  std::string body;    // decoded: de-chunked, aws-chunked and gzip removed
  std::string remote;  // peer address
  // Hex SHA-256 of the body as it came on the wire, set when a Content-Encoding was undone
  // (SigV4 signs the encoded bytes).
  std::string raw_body_sha256;
  // The Content-Encoding header as sent, when the server removed encodings it undid.
  std::string original_content_encoding;
  bool http2 = false;  // came over HTTP/2 (where a response may stream: BodyStream)

  std::string_view Path() const;   // raw path, before '?'
  std::string_view Query() const;  // raw query, after '?', without it
  // Decoded query parameters in order of appearance.
  std::vector<std::pair<std::string, std::string>> QueryParams() const;
};

// A response body that goes on after `body` (event streams: SubscribeToShard). The server
// sends the headers and `body`, then calls Start once; the producer calls `write` (from any
// thread) with more bytes, and once with end = true. Cancel: the client went away or the
// server stops; after it, writes are ignored. Served over HTTP/2 only.
class BodyStream {
 public:
  using Writer = std::function<void(std::string bytes, bool end)>;
  virtual ~BodyStream() = default;
  virtual void Start(Writer write) = 0;
  virtual void Cancel() = 0;
};

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;
  std::shared_ptr<BodyStream> stream;  // null for a complete body
};

using Responder = std::function<void(HttpResponse)>;
// Handles one request; calls the responder exactly once, possibly later and on another thread.
using HttpHandler = std::function<void(HttpRequest&&, Responder)>;

}  // namespace stratus
