// The pure cryptography of KMS: ciphertext blob format (UUID and multi-Region ids), OAEP
// limits, HMAC against RFC 4231, signatures, and unwrapping imported key material.
#include <gtest/gtest.h>

#include "core/encoding.h"
#include "services/kms/asymmetric.h"
#include "services/kms/crypto.h"

namespace stratus::kms {

TEST(KmsBlob, RoundTripsUuidAndMultiRegionIds) {
  for (std::string id : {"0b9bd0b4-6a2c-4b8e-9a7e-3f1d2c4b5a69", "mrk-1234abcd5678ef901234abcd5678ef90"}) {
    Blob b;
    b.key_id = id;
    b.material_version = 7;
    b.iv = std::string(kIvBytes, 'i');
    b.tag = std::string(kTagBytes, 't');
    b.ciphertext = "payload";
    auto back = DecodeBlob(EncodeBlob(b));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->key_id, id);
    EXPECT_EQ(back->material_version, 7u);
    EXPECT_EQ(back->ciphertext, "payload");
  }
  EXPECT_FALSE(DecodeBlob("short").has_value());
}

TEST(KmsAsymmetric, OaepPlaintextLimitsPerSpec) {
  EXPECT_EQ(RsaOaepMaxPlaintext("RSA_2048", "RSAES_OAEP_SHA_1"), 214u);
  EXPECT_EQ(RsaOaepMaxPlaintext("RSA_2048", "RSAES_OAEP_SHA_256"), 190u);
  EXPECT_EQ(RsaOaepMaxPlaintext("RSA_3072", "RSAES_OAEP_SHA_256"), 318u);
  EXPECT_EQ(RsaOaepMaxPlaintext("RSA_4096", "RSAES_OAEP_SHA_1"), 470u);
}

TEST(KmsAsymmetric, HmacMatchesRfc4231) {
  // RFC 4231, test case 1.
  auto mac = Hmac("HMAC_SHA_256", std::string(20, '\x0b'), "Hi There");
  ASSERT_TRUE(mac.has_value());
  EXPECT_EQ(HexEncode(*mac), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HmacKeyBytes("HMAC_224"), 28u);
}

TEST(KmsAsymmetric, SignaturesVerifyOnlyForTheirDigest) {
  for (auto [spec, alg] : {std::pair{"ECC_NIST_P256", "ECDSA_SHA_256"}, std::pair{"ECC_SECG_P256K1", "ECDSA_SHA_256"},
                           std::pair{"RSA_2048", "RSASSA_PSS_SHA_384"}, std::pair{"RSA_2048", "RSASSA_PKCS1_V1_5_SHA_512"}}) {
    auto key = GeneratePrivateKey(spec);
    ASSERT_TRUE(key.has_value()) << spec;
    std::string digest = SigningDigest(alg, "message");
    EXPECT_EQ(digest.size(), SigningDigestLength(alg));
    auto sig = SignDigest(*key, alg, digest);
    ASSERT_TRUE(sig.has_value()) << alg;
    auto pub = PublicKeyOf(*key);
    ASSERT_TRUE(pub.has_value());
    EXPECT_TRUE(VerifyDigest(*pub, alg, digest, *sig)) << alg;
    EXPECT_FALSE(VerifyDigest(*pub, alg, SigningDigest(alg, "other"), *sig)) << alg;
  }
}

TEST(KmsAsymmetric, UnwrapsOaepWrappedMaterial) {
  auto wrapping = GeneratePrivateKey("RSA_2048");
  ASSERT_TRUE(wrapping.has_value());
  std::string material(32, 'm');
  auto wrapped = RsaOaepEncrypt(*PublicKeyOf(*wrapping), "RSAES_OAEP_SHA_256", material);
  ASSERT_TRUE(wrapped.has_value());
  EXPECT_EQ(Unwrap(*wrapping, "RSAES_OAEP_SHA_256", *wrapped).value_or(""), material);
  EXPECT_FALSE(Unwrap(*wrapping, "RSAES_OAEP_SHA_1", *wrapped).has_value());
}

}  // namespace stratus::kms
