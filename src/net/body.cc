#include "net/body.h"

#include <zlib.h>

#include <charconv>

namespace stratus::net {

std::optional<std::string> DecodeAwsChunked(std::string_view body) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t eol = body.find("\r\n", pos);
    if (eol == std::string_view::npos) return std::nullopt;
    std::string_view line = body.substr(pos, eol - pos);
    std::string_view hex = line.substr(0, line.find(';'));
    size_t size = 0;
    auto [p, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), size, 16);
    if (ec != std::errc() || p != hex.data() + hex.size()) return std::nullopt;
    pos = eol + 2;
    if (size == 0) break;  // trailers (x-amz-checksum-*, x-amz-trailer-signature) follow
    if (pos + size + 2 > body.size() || body.substr(pos + size, 2) != "\r\n") return std::nullopt;
    out.append(body.substr(pos, size));
    pos += size + 2;
  }
  return out;
}

std::optional<std::string> Inflate(std::string_view data, size_t max_out, bool* too_large) {
  if (too_large) *too_large = false;
  z_stream zs{};
  // 15 + 32: detect gzip or zlib headers automatically.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return std::nullopt;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return std::nullopt;
    }
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > max_out) {
      if (too_large) *too_large = true;
      inflateEnd(&zs);
      return std::nullopt;
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {  // truncated stream
      inflateEnd(&zs);
      return std::nullopt;
    }
  }
  inflateEnd(&zs);
  return out;
}

}  // namespace stratus::net
