#include "emulator/common/strings.h"

#include <doctest/doctest.h>

namespace offstage::common {

TEST_CASE("FormDecode decodes plus and percent, rejects broken escapes") {
  CHECK(FormDecode("a+b%20c%2Bd") == std::optional<std::string>("a b c+d"));
  CHECK(FormDecode("%E2%9C%93") == std::optional<std::string>("\xE2\x9C\x93"));
  CHECK_FALSE(FormDecode("%zz").has_value());
  CHECK_FALSE(FormDecode("abc%").has_value());
  CHECK_FALSE(FormDecode("abc%4").has_value());
  CHECK(PercentDecode("a+b") == std::optional<std::string>("a+b"));
}

TEST_CASE("ShortenUtf8 never cuts inside a UTF-8 sequence") {
  CHECK(ShortenUtf8("short", 512) == "short");
  CHECK(ShortenUtf8("abcdefghij", 8) == "abcde...");
  // "é" is two bytes (C3 A9): a cut at byte 5 would keep C3 alone; it backs off to 4.
  const std::string accents = "abcdé" + std::string(20, 'x');
  CHECK(ShortenUtf8(accents, 8) == "abcd...");
  CHECK(IsValidUtf8(ShortenUtf8(std::string(300, '\0') + "é" + std::string(600, 'y'), 302)));
  std::string many;
  for (int i = 0; i < 300; ++i) many += "é";
  const std::string cut = ShortenUtf8(many, 512);
  CHECK(cut.size() <= 512);
  CHECK(IsValidUtf8(cut));
}

TEST_CASE("PercentEncode keeps only unreserved characters") {
  CHECK(PercentEncode("arn:aws:sns/a b~_.-") == "arn%3Aaws%3Asns%2Fa%20b~_.-");
}

TEST_CASE("Base64 round-trips every length and rejects malformed text") {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    bytes.push_back(static_cast<char>(i * 37));
    auto decoded = Base64Decode(Base64Encode(bytes));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == bytes);
  }
  CHECK(Base64Encode(std::string("\x00\x01", 2)) == "AAE=");
  CHECK_FALSE(Base64Decode("AAE").has_value());       // not a multiple of 4
  CHECK_FALSE(Base64Decode("A=AE").has_value());      // padding in the middle
  CHECK_FALSE(Base64Decode("AA*=").has_value());      // bad character
  CHECK_FALSE(Base64Decode("AAE=AAAA").has_value());  // data after padding
}

TEST_CASE("IsValidUtf8 accepts well-formed text and rejects the rest") {
  CHECK(IsValidUtf8("plain ascii"));
  CHECK(IsValidUtf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
  CHECK_FALSE(IsValidUtf8("\xC3"));              // truncated
  CHECK_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  CHECK_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(IsValidUtf8("\xFF"));
}

TEST_CASE("Sha256 helpers match known digests") {
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Base64("") == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

TEST_CASE("Split keeps empty parts") {
  auto parts = Split("a::b", ':');
  REQUIRE(parts.size() == 3);
  CHECK(parts[1].empty());
}

}  // namespace offstage::common
