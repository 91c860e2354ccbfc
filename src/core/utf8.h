// UTF-8 decoding shared by validation (code-point lengths, patterns) and services that check
// which characters a text may hold.
#pragma once

#include <cstdint>
#include <string_view>

namespace stratus {

// Decodes the code point at s[i] and advances i past it. Returns false (and advances one
// byte) for a malformed or truncated sequence.
inline bool NextCodePoint(std::string_view s, size_t& i, uint32_t& cp) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int len;
  if (c < 0x80) { cp = c; len = 1; }
  else if ((c >> 5) == 6) { cp = c & 0x1f; len = 2; }
  else if ((c >> 4) == 14) { cp = c & 0x0f; len = 3; }
  else if ((c >> 3) == 30) { cp = c & 0x07; len = 4; }
  else { ++i; return false; }
  if (i + len > s.size()) { ++i; return false; }
  for (int k = 1; k < len; ++k) {
    unsigned char n = static_cast<unsigned char>(s[i + k]);
    if ((n & 0xc0) != 0x80) { ++i; return false; }
    cp = (cp << 6) | (n & 0x3f);
  }
  i += len;
  return true;
}

}  // namespace stratus
