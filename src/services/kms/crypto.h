// The cryptography behind KMS's symmetric keys: AES-256-GCM through OpenSSL EVP and the
// ciphertext blob format. Pure functions, no state, so they are easy to reason about.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace stratus::kms {

// A parsed ciphertext blob. Layout (all Stratus's own; AWS's blob format is undocumented):
//   byte 0       format version, 0x01 (key id is a UUID) or 0x02 (a multi-Region mrk- id)
//   bytes 1-16   key id (the UUID's 16 bytes, or the 16 bytes after mrk-)
//   bytes 17-20  key material version, big-endian
//   bytes 21-32  IV (12 bytes)
//   bytes 33-48  GCM tag (16 bytes)
//   bytes 49-    ciphertext (as long as the plaintext)
struct Blob {
  std::string key_id;  // canonical lower-case UUID text
  uint32_t material_version = 0;
  std::string iv, tag, ciphertext;
};

inline constexpr size_t kIvBytes = 12;
inline constexpr size_t kTagBytes = 16;
inline constexpr size_t kKeyBytes = 32;

std::string EncodeBlob(const Blob& b);
// nullopt when the bytes are not a blob of this format.
std::optional<Blob> DecodeBlob(std::string_view bytes);

// The additional authenticated data of a ciphertext: the owning account and region, the key
// and material version, and the encryption context in a canonical (sorted, length-prefixed)
// form. A ciphertext therefore only opens under the same account, key and context.
std::string AdditionalData(std::string_view account, std::string_view region,
                           std::string_view key_id, uint32_t material_version,
                           const std::map<std::string, std::string>& context);

// AES-256-GCM. Seal fills iv/tag/ciphertext of `out` (iv random); Open returns nullopt when
// authentication fails.
bool Seal(std::string_view key, std::string_view aad, std::string_view plaintext, Blob& out);
std::optional<std::string> Open(std::string_view key, std::string_view aad, const Blob& in);

}  // namespace stratus::kms
