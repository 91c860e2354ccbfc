#include "core/encoding.h"

#include <gtest/gtest.h>

namespace stratus {

TEST(Encoding, Base64RoundTrip) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Decode("Zm9vYmFy").value(), "foobar");
  EXPECT_EQ(Base64Decode("Zm8").value(), "fo");
  EXPECT_FALSE(Base64Decode("Zm9v!").has_value());
  EXPECT_FALSE(IsBase64("Zm9v!"));
  EXPECT_FALSE(IsBase64("Zm9vY"));  // no encoding ends with a lone sextet
  EXPECT_FALSE(Base64Decode("Zm9vY").has_value());
  EXPECT_FALSE(Base64Decode("Zm=9v").has_value());
  EXPECT_TRUE(IsBase64("Zm8="));
  EXPECT_TRUE(IsBase64(""));
  // Every length and every byte value survives the round trip.
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    std::string text = Base64Encode(bytes);
    ASSERT_EQ(text.size() % 4, 0u);
    ASSERT_TRUE(IsBase64(text));
    ASSERT_EQ(Base64Decode(text).value(), bytes) << i;
    bytes += static_cast<char>((i * 37) & 0xff);
  }
}

TEST(Encoding, UriEncodeFollowsSigV4) {
  EXPECT_EQ(UriEncode("a b/c~d_e.f-g"), "a%20b%2Fc~d_e.f-g");
  EXPECT_EQ(UriEncode("/a b/c", false), "/a%20b/c");
  EXPECT_EQ(UriDecode("a%20b+c", true), "a b c");
  EXPECT_EQ(UriDecode("100%"), "100%");
}

TEST(Encoding, Digests) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Md5Hex("hello"), "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(HexEncode(HmacSha256("key", "The quick brown fox jumps over the lazy dog")),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

TEST(Encoding, UuidShape) {
  std::string u = NewUuid();
  ASSERT_EQ(u.size(), 36u);
  EXPECT_EQ(u[14], '4');
  EXPECT_NE(NewUuid(), u);
}

}  // namespace stratus
