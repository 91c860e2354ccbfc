// Byte encodings and digests used across protocols: base64, hex, URI encoding (as SigV4
// defines it), SHA-256, HMAC-SHA256, MD5, random bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stratus {

std::string Base64Encode(std::string_view bytes);
// Accepts standard base64 with or without padding; nullopt on any other character.
std::optional<std::string> Base64Decode(std::string_view text);
// Whether Base64Decode would accept the text, without decoding it.
bool IsBase64(std::string_view text);
std::string HexEncode(std::string_view bytes);

// RFC 3986 unreserved characters stay, everything else becomes %XX (upper case), as SigV4's
// UriEncode does. With encode_slash false, '/' is kept (for canonical paths).
std::string UriEncode(std::string_view s, bool encode_slash = true);
// Decodes %XX escapes; with plus_as_space, '+' means ' ' (form bodies).
std::string UriDecode(std::string_view s, bool plus_as_space = false);

std::string Sha256(std::string_view data);  // raw 32 bytes
std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string Md5Hex(std::string_view data);
std::string Sha1(std::string_view data);  // raw 20 bytes

std::string RandomBytes(size_t n);
// Random string over [A-Z0-9] (access key ids) or a given alphabet.
std::string RandomString(size_t n, std::string_view alphabet);
std::string NewUuid();  // lower-case RFC 4122 version 4, from the CSPRNG
// A UUID-formatted request id from a per-thread generator seeded by the CSPRNG: unique, not
// secret, and cheap enough for every request.
std::string NewRequestId();

}  // namespace stratus
