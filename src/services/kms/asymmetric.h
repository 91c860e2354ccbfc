// The cryptography behind KMS's asymmetric (RSA, ECC) and HMAC keys, through OpenSSL EVP.
// Private keys travel as PKCS#8 DER, public keys as X.509 SubjectPublicKeyInfo DER (what
// GetPublicKey and GenerateDataKeyPair return). Pure functions, no state.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::kms {

// What a key spec can do, as AWS lists it in KeyMetadata ("Key spec reference" in the KMS
// developer guide).
struct SpecInfo {
  std::string_view spec;
  std::vector<std::string_view> usages;           // allowed KeyUsage values
  std::vector<std::string_view> encryption_algs;  // for ENCRYPT_DECRYPT
  std::vector<std::string_view> signing_algs;     // for SIGN_VERIFY
  std::vector<std::string_view> mac_algs;         // for GENERATE_VERIFY_MAC
  std::vector<std::string_view> agreement_algs;   // for KEY_AGREEMENT
};
// nullptr for a spec Stratus does not support.
const SpecInfo* FindSpec(std::string_view spec);
bool IsRsaSpec(std::string_view spec);
bool IsEccSpec(std::string_view spec);
bool IsHmacSpec(std::string_view spec);

// A new private key (PKCS#8 DER) of an RSA_* or ECC_* spec; nullopt on failure.
std::optional<std::string> GeneratePrivateKey(std::string_view spec);
// The SubjectPublicKeyInfo DER of a PKCS#8 private key.
std::optional<std::string> PublicKeyOf(std::string_view pkcs8);

// RSAES-OAEP (RSAES_OAEP_SHA_1 / RSAES_OAEP_SHA_256, MGF1 with the same hash). `key` is a
// PKCS#8 private key or an SPKI public key for Encrypt; a PKCS#8 key for Decrypt.
std::optional<std::string> RsaOaepEncrypt(std::string_view key, std::string_view algorithm,
                                          std::string_view plaintext);
std::optional<std::string> RsaOaepDecrypt(std::string_view pkcs8, std::string_view algorithm,
                                          std::string_view ciphertext);
// The largest plaintext RSAES-OAEP takes for an RSA_* spec: modulus bytes - 2*hash - 2.
size_t RsaOaepMaxPlaintext(std::string_view spec, std::string_view algorithm);

// Digest length in bytes of a signing algorithm (32, 48 or 64), 0 if unknown.
size_t SigningDigestLength(std::string_view algorithm);
// The digest a RAW message is hashed to before signing.
std::string SigningDigest(std::string_view algorithm, std::string_view message);
// Signs a digest: RSASSA-PSS (salt = hash length), RSASSA-PKCS1-v1_5 or ECDSA (DER signature).
std::optional<std::string> SignDigest(std::string_view pkcs8, std::string_view algorithm,
                                      std::string_view digest);
bool VerifyDigest(std::string_view pkcs8, std::string_view algorithm, std::string_view digest,
                  std::string_view signature);

// ECDH: the shared secret (the x coordinate, as KMS's DeriveSharedSecret returns it) of a
// PKCS#8 EC private key and a peer's SubjectPublicKeyInfo on the same curve.
std::optional<std::string> Ecdh(std::string_view pkcs8, std::string_view peer_spki);

// HMAC key length in bytes of an HMAC_* spec (28, 32, 48, 64).
size_t HmacKeyBytes(std::string_view spec);
// HMAC_SHA_224/256/384/512.
std::optional<std::string> Hmac(std::string_view algorithm, std::string_view key,
                                std::string_view message);

// RSA wrapping for imported key material: a new RSA key pair of a WrappingKeySpec
// (PKCS#8), and unwrapping of EncryptedKeyMaterial under a WrappingAlgorithm
// (RSAES_OAEP_SHA_1/256, RSAES_PKCS1_V1_5, RSA_AES_KEY_WRAP_SHA_1/256).
std::optional<std::string> Unwrap(std::string_view pkcs8, std::string_view algorithm,
                                  std::string_view wrapped);

}  // namespace stratus::kms
