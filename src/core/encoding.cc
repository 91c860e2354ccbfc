#include "core/encoding.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <memory>

namespace stratus {
namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kHex[] = "0123456789abcdef";

// OpenSSL 3 looks an algorithm up on every EVP_md5()/EVP_sha256() use; fetch each once.
const EVP_MD* Fetched(const char* name) {
  return EVP_MD_fetch(nullptr, name, nullptr);
}
const EVP_MD* Md5() {
  static const EVP_MD* md = Fetched("MD5");
  return md;
}
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = Fetched("SHA256");
  return md;
}
const EVP_MD* Sha1Md() {
  static const EVP_MD* md = Fetched("SHA1");
  return md;
}

std::string Digest(const EVP_MD* md, std::string_view data) {
  // One context per thread, reused: digests run on every message and signed request.
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                          &EVP_MD_CTX_free);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestInit_ex(ctx.get(), md, nullptr);
  EVP_DigestUpdate(ctx.get(), data.data(), data.size());
  EVP_DigestFinal_ex(ctx.get(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}
}  // namespace

std::string Base64Encode(std::string_view in) {
  std::string out((in.size() + 2) / 3 * 4, '=');
  char* o = out.data();
  const auto* b = reinterpret_cast<const unsigned char*>(in.data());
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3, o += 4) {
    uint32_t n = (uint32_t{b[i]} << 16) | (uint32_t{b[i + 1]} << 8) | b[i + 2];
    o[0] = kB64[(n >> 18) & 63];
    o[1] = kB64[(n >> 12) & 63];
    o[2] = kB64[(n >> 6) & 63];
    o[3] = kB64[n & 63];
  }
  if (size_t rest = in.size() - i; rest > 0) {  // the '=' padding is already in place
    uint32_t n = (uint32_t{b[i]} << 16) | (rest == 2 ? uint32_t{b[i + 1]} << 8 : 0);
    o[0] = kB64[(n >> 18) & 63];
    o[1] = kB64[(n >> 12) & 63];
    if (rest == 2) o[2] = kB64[(n >> 6) & 63];
  }
  return out;
}

namespace {
const std::array<int8_t, 256>& B64Table() {
  static const std::array<int8_t, 256> table = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kB64[i])] = static_cast<int8_t>(i);
    return t;
  }();
  return table;
}

// The text without its '=' padding, or nullopt when it is not base64 (a stray character, or
// a length no encoding produces).
std::optional<std::string_view> B64Body(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return std::nullopt;
  return in;
}
}  // namespace

bool IsBase64(std::string_view text) {
  auto body = B64Body(text);
  if (!body) return false;
  const auto& table = B64Table();
  int8_t all = 0;
  for (char c : *body) all |= table[static_cast<unsigned char>(c)];
  return all >= 0;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  auto body = B64Body(text);
  if (!body) return std::nullopt;
  std::string_view in = *body;
  const auto& table = B64Table();
  std::string out(in.size() / 4 * 3 + (in.size() % 4 == 0 ? 0 : in.size() % 4 - 1), '\0');
  char* o = out.data();
  const auto* c = reinterpret_cast<const unsigned char*>(in.data());
  size_t i = 0;
  for (; i + 4 <= in.size(); i += 4, o += 3) {
    int32_t n = (int32_t{table[c[i]]} << 18) | (int32_t{table[c[i + 1]]} << 12) |
                (int32_t{table[c[i + 2]]} << 6) | table[c[i + 3]];
    if ((table[c[i]] | table[c[i + 1]] | table[c[i + 2]] | table[c[i + 3]]) < 0) return std::nullopt;
    o[0] = static_cast<char>(n >> 16);
    o[1] = static_cast<char>(n >> 8);
    o[2] = static_cast<char>(n);
  }
  if (size_t rest = in.size() - i; rest > 0) {  // 2 or 3 characters: 1 or 2 bytes
    uint32_t n = 0;
    for (size_t k = 0; k < rest; ++k) {
      int v = table[c[i + k]];
      if (v < 0) return std::nullopt;
      n |= static_cast<uint32_t>(v) << (18 - 6 * k);
    }
    o[0] = static_cast<char>(n >> 16);
    if (rest == 3) o[1] = static_cast<char>(n >> 8);
  }
  return out;
}

std::string HexEncode(std::string_view in) {
  std::string out;
  out.reserve(in.size() * 2);
  for (unsigned char c : in) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string UriEncode(std::string_view s, bool encode_slash) {
  static constexpr char kUpper[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || (c == '/' && !encode_slash)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kUpper[c >> 4];
      out += kUpper[c & 15];
    }
  }
  return out;
}

std::string UriDecode(std::string_view s, bool plus_as_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string Sha256(std::string_view data) { return Digest(Sha256Md(), data); }
std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }
std::string Md5Hex(std::string_view data) { return HexEncode(Digest(Md5(), data)); }
std::string Sha1(std::string_view data) { return Digest(Sha1Md(), data); }

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(Sha256Md(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n));
  return out;
}

std::string RandomString(size_t n, std::string_view alphabet) {
  std::string raw = RandomBytes(n);
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i)
    out[i] = alphabet[static_cast<unsigned char>(raw[i]) % alphabet.size()];
  return out;
}

std::string NewRequestId() {
  // splitmix64 over a per-thread seed.
  thread_local uint64_t state = [] {
    uint64_t seed = 0;
    std::string b = RandomBytes(8);
    for (char c : b) seed = (seed << 8) | static_cast<unsigned char>(c);
    return seed;
  }();
  auto next = [] {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  uint64_t hi = next(), lo = next();
  hi = (hi & 0xffffffffffff0fffULL) | 0x4000ULL;
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[37];
  static constexpr char kHexDigits[] = "0123456789abcdef";
  int pos = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) buf[pos++] = '-';
    uint8_t byte = static_cast<uint8_t>(i < 8 ? hi >> (56 - 8 * i) : lo >> (56 - 8 * (i - 8)));
    buf[pos++] = kHexDigits[byte >> 4];
    buf[pos++] = kHexDigits[byte & 15];
  }
  return std::string(buf, 36);
}

std::string NewUuid() {
  std::string b = RandomBytes(16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  std::string h = HexEncode(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

}  // namespace stratus
