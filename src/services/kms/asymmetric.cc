#include "services/kms/asymmetric.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

namespace stratus::kms {
namespace {

using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using PKeyCtx = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* U(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

constexpr std::string_view kRsaSign[] = {"RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384",
                                         "RSASSA_PKCS1_V1_5_SHA_512", "RSASSA_PSS_SHA_256",
                                         "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"};

const std::vector<SpecInfo>& Specs() {
  static const std::vector<SpecInfo> specs = [] {
    std::vector<std::string_view> rsa_sign(std::begin(kRsaSign), std::end(kRsaSign));
    std::vector<std::string_view> oaep = {"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"};
    std::vector<SpecInfo> v;
    v.push_back({"SYMMETRIC_DEFAULT", {"ENCRYPT_DECRYPT"}, {"SYMMETRIC_DEFAULT"}, {}, {}, {}});
    for (std::string_view s : {"RSA_2048", "RSA_3072", "RSA_4096"})
      v.push_back({s, {"ENCRYPT_DECRYPT", "SIGN_VERIFY"}, oaep, rsa_sign, {}, {}});
    // The NIST curves also agree keys (ECDH); secp256k1 only signs.
    v.push_back({"ECC_NIST_P256", {"SIGN_VERIFY", "KEY_AGREEMENT"}, {}, {"ECDSA_SHA_256"}, {}, {"ECDH"}});
    v.push_back({"ECC_NIST_P384", {"SIGN_VERIFY", "KEY_AGREEMENT"}, {}, {"ECDSA_SHA_384"}, {}, {"ECDH"}});
    v.push_back({"ECC_NIST_P521", {"SIGN_VERIFY", "KEY_AGREEMENT"}, {}, {"ECDSA_SHA_512"}, {}, {"ECDH"}});
    v.push_back({"ECC_SECG_P256K1", {"SIGN_VERIFY"}, {}, {"ECDSA_SHA_256"}, {}, {}});
    v.push_back({"HMAC_224", {"GENERATE_VERIFY_MAC"}, {}, {}, {"HMAC_SHA_224"}, {}});
    v.push_back({"HMAC_256", {"GENERATE_VERIFY_MAC"}, {}, {}, {"HMAC_SHA_256"}, {}});
    v.push_back({"HMAC_384", {"GENERATE_VERIFY_MAC"}, {}, {}, {"HMAC_SHA_384"}, {}});
    v.push_back({"HMAC_512", {"GENERATE_VERIFY_MAC"}, {}, {}, {"HMAC_SHA_512"}, {}});
    return v;
  }();
  return specs;
}

const char* CurveOf(std::string_view spec) {
  if (spec == "ECC_NIST_P256") return "P-256";
  if (spec == "ECC_NIST_P384") return "P-384";
  if (spec == "ECC_NIST_P521") return "P-521";
  if (spec == "ECC_SECG_P256K1") return "secp256k1";
  return nullptr;
}

unsigned RsaBits(std::string_view spec) {
  if (spec == "RSA_2048") return 2048;
  if (spec == "RSA_3072") return 3072;
  if (spec == "RSA_4096") return 4096;
  return 0;
}

const EVP_MD* DigestOf(std::string_view algorithm) {
  if (algorithm.ends_with("SHA_1")) return EVP_sha1();
  if (algorithm.ends_with("SHA_224")) return EVP_sha224();
  if (algorithm.ends_with("SHA_256")) return EVP_sha256();
  if (algorithm.ends_with("SHA_384")) return EVP_sha384();
  if (algorithm.ends_with("SHA_512")) return EVP_sha512();
  return nullptr;
}

PKey LoadPrivate(std::string_view der) {
  const unsigned char* p = U(der);
  return PKey(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())), &EVP_PKEY_free);
}

PKey LoadPublic(std::string_view der) {
  const unsigned char* p = U(der);
  return PKey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())), &EVP_PKEY_free);
}

// A private key, or failing that a public key.
PKey LoadAny(std::string_view der) {
  PKey k = LoadPrivate(der);
  if (k) return k;
  return LoadPublic(der);
}

bool SetOaep(EVP_PKEY_CTX* ctx, const EVP_MD* md) {
  return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) > 0 &&
         EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) > 0 && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) > 0;
}

// Sets the padding a signing algorithm names on a sign or verify context.
bool SetSignParams(EVP_PKEY_CTX* ctx, std::string_view algorithm, const EVP_MD* md) {
  if (EVP_PKEY_CTX_set_signature_md(ctx, md) <= 0) return false;
  if (algorithm.starts_with("RSASSA_PSS"))
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) > 0 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) > 0;
  if (algorithm.starts_with("RSASSA_PKCS1"))
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0;
  return true;
}

std::optional<std::string> RsaDecryptPadded(std::string_view pkcs8, std::string_view ciphertext,
                                            int padding, const EVP_MD* md) {
  PKey key = LoadPrivate(pkcs8);
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) return std::nullopt;
  PKeyCtx ctx(EVP_PKEY_CTX_new(key.get(), nullptr), &EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) <= 0) return std::nullopt;
  if (padding == RSA_PKCS1_OAEP_PADDING ? !SetOaep(ctx.get(), md)
                                        : EVP_PKEY_CTX_set_rsa_padding(ctx.get(), padding) <= 0)
    return std::nullopt;
  size_t n = 0;
  if (EVP_PKEY_decrypt(ctx.get(), nullptr, &n, U(ciphertext), ciphertext.size()) <= 0)
    return std::nullopt;
  std::string out(n, '\0');
  if (EVP_PKEY_decrypt(ctx.get(), U(out), &n, U(ciphertext), ciphertext.size()) <= 0)
    return std::nullopt;
  out.resize(n);
  return out;
}

// AES key wrap with padding (RFC 5649), as RSA_AES_KEY_WRAP_SHA_* uses it.
std::optional<std::string> AesUnwrapPad(std::string_view kek, std::string_view wrapped) {
  const EVP_CIPHER* cipher = kek.size() == 32   ? EVP_aes_256_wrap_pad()
                             : kek.size() == 16 ? EVP_aes_128_wrap_pad()
                                                : nullptr;
  if (!cipher || wrapped.size() < 16) return std::nullopt;
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, U(kek), nullptr) != 1)
    return std::nullopt;
  std::string out(wrapped.size() + 16, '\0');
  int len = 0, fin = 0;
  if (EVP_DecryptUpdate(ctx.get(), U(out), &len, U(wrapped), static_cast<int>(wrapped.size())) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), U(out) + len, &fin) != 1)
    return std::nullopt;
  out.resize(static_cast<size_t>(len + fin));
  return out;
}

}  // namespace

const SpecInfo* FindSpec(std::string_view spec) {
  for (const auto& s : Specs())
    if (s.spec == spec) return &s;
  return nullptr;
}

bool IsRsaSpec(std::string_view spec) { return RsaBits(spec) != 0; }
bool IsEccSpec(std::string_view spec) { return CurveOf(spec) != nullptr; }
bool IsHmacSpec(std::string_view spec) { return spec.starts_with("HMAC_"); }

std::optional<std::string> GeneratePrivateKey(std::string_view spec) {
  EVP_PKEY* raw = nullptr;
  if (unsigned bits = RsaBits(spec)) {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  } else if (const char* curve = CurveOf(spec)) {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve);
  }
  PKey key(raw, &EVP_PKEY_free);
  if (!key) return std::nullopt;
  unsigned char* der = nullptr;
  // PKCS#8 PrivateKeyInfo, the form GenerateDataKeyPair's PrivateKeyPlaintext takes.
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> p8(
      EVP_PKEY2PKCS8(key.get()), &PKCS8_PRIV_KEY_INFO_free);
  if (!p8) return std::nullopt;
  int len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &der);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::optional<std::string> PublicKeyOf(std::string_view pkcs8) {
  PKey key = LoadPrivate(pkcs8);
  if (!key) return std::nullopt;
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key.get(), &der);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::optional<std::string> RsaOaepEncrypt(std::string_view key_der, std::string_view algorithm,
                                          std::string_view plaintext) {
  PKey key = LoadAny(key_der);
  const EVP_MD* md = DigestOf(algorithm);
  if (!key || !md || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) return std::nullopt;
  PKeyCtx ctx(EVP_PKEY_CTX_new(key.get(), nullptr), &EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) <= 0 || !SetOaep(ctx.get(), md)) return std::nullopt;
  size_t n = 0;
  if (EVP_PKEY_encrypt(ctx.get(), nullptr, &n, U(plaintext), plaintext.size()) <= 0) return std::nullopt;
  std::string out(n, '\0');
  if (EVP_PKEY_encrypt(ctx.get(), U(out), &n, U(plaintext), plaintext.size()) <= 0) return std::nullopt;
  out.resize(n);
  return out;
}

std::optional<std::string> RsaOaepDecrypt(std::string_view pkcs8, std::string_view algorithm,
                                          std::string_view ciphertext) {
  const EVP_MD* md = DigestOf(algorithm);
  if (!md) return std::nullopt;
  return RsaDecryptPadded(pkcs8, ciphertext, RSA_PKCS1_OAEP_PADDING, md);
}

size_t RsaOaepMaxPlaintext(std::string_view spec, std::string_view algorithm) {
  size_t k = RsaBits(spec) / 8;
  size_t h = algorithm == "RSAES_OAEP_SHA_1" ? 20 : 32;
  return k > 2 * h + 2 ? k - 2 * h - 2 : 0;
}

size_t SigningDigestLength(std::string_view algorithm) {
  const EVP_MD* md = DigestOf(algorithm);
  return md ? static_cast<size_t>(EVP_MD_get_size(md)) : 0;
}

std::string SigningDigest(std::string_view algorithm, std::string_view message) {
  const EVP_MD* md = DigestOf(algorithm);
  if (!md) return "";
  std::string out(static_cast<size_t>(EVP_MD_get_size(md)), '\0');
  unsigned int n = 0;
  if (EVP_Digest(message.data(), message.size(), U(out), &n, md, nullptr) != 1) return "";
  out.resize(n);
  return out;
}

std::optional<std::string> SignDigest(std::string_view pkcs8, std::string_view algorithm,
                                      std::string_view digest) {
  PKey key = LoadPrivate(pkcs8);
  const EVP_MD* md = DigestOf(algorithm);
  if (!key || !md) return std::nullopt;
  PKeyCtx ctx(EVP_PKEY_CTX_new(key.get(), nullptr), &EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) <= 0 || !SetSignParams(ctx.get(), algorithm, md))
    return std::nullopt;
  size_t n = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &n, U(digest), digest.size()) <= 0) return std::nullopt;
  std::string out(n, '\0');
  if (EVP_PKEY_sign(ctx.get(), U(out), &n, U(digest), digest.size()) <= 0) return std::nullopt;
  out.resize(n);
  return out;
}

bool VerifyDigest(std::string_view pkcs8, std::string_view algorithm, std::string_view digest,
                  std::string_view signature) {
  PKey key = LoadAny(pkcs8);
  const EVP_MD* md = DigestOf(algorithm);
  if (!key || !md) return false;
  PKeyCtx ctx(EVP_PKEY_CTX_new(key.get(), nullptr), &EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) <= 0 || !SetSignParams(ctx.get(), algorithm, md))
    return false;
  return EVP_PKEY_verify(ctx.get(), U(signature), signature.size(), U(digest), digest.size()) == 1;
}

std::optional<std::string> Ecdh(std::string_view pkcs8, std::string_view peer_spki) {
  PKey key = LoadPrivate(pkcs8);
  PKey peer = LoadPublic(peer_spki);
  if (!key || !peer || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_EC ||
      EVP_PKEY_get_base_id(peer.get()) != EVP_PKEY_EC)
    return std::nullopt;
  PKeyCtx ctx(EVP_PKEY_CTX_new(key.get(), nullptr), &EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 || EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) <= 0)
    return std::nullopt;
  size_t n = 0;
  if (EVP_PKEY_derive(ctx.get(), nullptr, &n) <= 0) return std::nullopt;
  std::string out(n, '\0');
  if (EVP_PKEY_derive(ctx.get(), U(out), &n) <= 0) return std::nullopt;
  out.resize(n);
  return out;
}

size_t HmacKeyBytes(std::string_view spec) {
  if (spec == "HMAC_224") return 28;
  if (spec == "HMAC_256") return 32;
  if (spec == "HMAC_384") return 48;
  if (spec == "HMAC_512") return 64;
  return 0;
}

std::optional<std::string> Hmac(std::string_view algorithm, std::string_view key,
                                std::string_view message) {
  const EVP_MD* md = DigestOf(algorithm);
  if (!md) return std::nullopt;
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int n = 0;
  if (!HMAC(md, key.data(), static_cast<int>(key.size()), U(message), message.size(), U(out), &n))
    return std::nullopt;
  out.resize(n);
  return out;
}

std::optional<std::string> Unwrap(std::string_view pkcs8, std::string_view algorithm,
                                  std::string_view wrapped) {
  if (algorithm == "RSAES_OAEP_SHA_1" || algorithm == "RSAES_OAEP_SHA_256")
    return RsaOaepDecrypt(pkcs8, algorithm, wrapped);
  if (algorithm == "RSAES_PKCS1_V1_5")
    return RsaDecryptPadded(pkcs8, wrapped, RSA_PKCS1_PADDING, nullptr);
  if (algorithm == "RSA_AES_KEY_WRAP_SHA_1" || algorithm == "RSA_AES_KEY_WRAP_SHA_256") {
    // The RSA-OAEP-wrapped ephemeral AES key (one modulus long), then the material wrapped
    // under it with AES key wrap with padding (KMS developer guide, "RSA_AES_KEY_WRAP_SHA_*").
    PKey key = LoadPrivate(pkcs8);
    if (!key) return std::nullopt;
    size_t k = static_cast<size_t>(EVP_PKEY_get_size(key.get()));
    if (wrapped.size() <= k) return std::nullopt;
    auto aes = RsaOaepDecrypt(pkcs8, algorithm.substr(std::string_view("RSA_AES_KEY_WRAP_").size()),
                              wrapped.substr(0, k));
    if (!aes) return std::nullopt;
    return AesUnwrapPad(*aes, wrapped.substr(k));
  }
  return std::nullopt;
}

}  // namespace stratus::kms
