#include "services/kms/crypto.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "core/encoding.h"

namespace stratus::kms {
namespace {

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* U(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" -> 16 bytes.
std::optional<std::string> UuidBytes(std::string_view id) {
  if (id.size() != 36) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < id.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (id[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    int hi = HexValue(id[i]), lo = HexValue(id[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string UuidText(std::string_view bytes) {
  std::string hex = HexEncode(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

void PutU32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

void PutField(std::string& out, std::string_view s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out += s;
}

}  // namespace

std::string EncodeBlob(const Blob& b) {
  // Version 0x02 marks a multi-Region key id (mrk- and 32 hex digits, kept as 16 bytes).
  bool mrk = b.key_id.starts_with("mrk-");
  std::string out(1, mrk ? '\x02' : '\x01');
  if (mrk) {
    std::string_view hex = std::string_view(b.key_id).substr(4);
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
      out += static_cast<char>(std::max(HexValue(hex[i]), 0) * 16 + std::max(HexValue(hex[i + 1]), 0));
  } else {
    out += UuidBytes(b.key_id).value_or(std::string(16, '\0'));
  }
  PutU32(out, b.material_version);
  out += b.iv;
  out += b.tag;
  out += b.ciphertext;
  return out;
}

std::optional<Blob> DecodeBlob(std::string_view bytes) {
  constexpr size_t kHeader = 1 + 16 + 4 + kIvBytes + kTagBytes;
  if (bytes.size() < kHeader || (bytes[0] != '\x01' && bytes[0] != '\x02')) return std::nullopt;
  Blob b;
  b.key_id = bytes[0] == '\x02' ? "mrk-" + HexEncode(bytes.substr(1, 16)) : UuidText(bytes.substr(1, 16));
  for (size_t i = 17; i < 21; ++i)
    b.material_version = (b.material_version << 8) | static_cast<unsigned char>(bytes[i]);
  b.iv = std::string(bytes.substr(21, kIvBytes));
  b.tag = std::string(bytes.substr(21 + kIvBytes, kTagBytes));
  b.ciphertext = std::string(bytes.substr(kHeader));
  return b;
}

std::string AdditionalData(std::string_view account, std::string_view region,
                           std::string_view key_id, uint32_t material_version,
                           const std::map<std::string, std::string>& context) {
  std::string aad = "stratus-kms-v1";
  PutField(aad, account);
  PutField(aad, region);
  PutField(aad, key_id);
  PutU32(aad, material_version);
  PutU32(aad, static_cast<uint32_t>(context.size()));
  for (const auto& [k, v] : context) {  // std::map: sorted by key, so order-independent
    PutField(aad, k);
    PutField(aad, v);
  }
  return aad;
}

bool Seal(std::string_view key, std::string_view aad, std::string_view plaintext, Blob& out) {
  if (key.size() != kKeyBytes) return false;
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) return false;
  out.iv = RandomBytes(kIvBytes);
  out.ciphertext.assign(plaintext.size(), '\0');
  out.tag.assign(kTagBytes, '\0');
  int len = 0;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kIvBytes, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, U(key), U(out.iv)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) != 1)
    return false;
  if (!plaintext.empty() &&
      EVP_EncryptUpdate(ctx.get(), U(out.ciphertext), &len, U(plaintext),
                        static_cast<int>(plaintext.size())) != 1)
    return false;
  int fin = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), U(out.ciphertext) + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, U(out.tag)) != 1)
    return false;
  return true;
}

std::optional<std::string> Open(std::string_view key, std::string_view aad, const Blob& in) {
  if (key.size() != kKeyBytes || in.iv.size() != kIvBytes || in.tag.size() != kTagBytes)
    return std::nullopt;
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) return std::nullopt;
  std::string plain(in.ciphertext.size(), '\0');
  std::string tag = in.tag;
  int len = 0;
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kIvBytes, nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, U(key), U(in.iv)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) != 1)
    return std::nullopt;
  len = 0;
  if (!in.ciphertext.empty() &&
      EVP_DecryptUpdate(ctx.get(), U(plain), &len, U(in.ciphertext),
                        static_cast<int>(in.ciphertext.size())) != 1)
    return std::nullopt;
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, U(tag)) != 1)
    return std::nullopt;
  int fin = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), U(plain) + len, &fin) != 1) return std::nullopt;
  return plain;
}

}  // namespace stratus::kms
