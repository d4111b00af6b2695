// Unit tests of the SigV4 verifier against AWS's published examples: the
// aws-sig-v4-test-suite (credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z, service "service") and
// the S3 documentation's header-signed and presigned GET of /test.txt. Single-threaded.
#include "emulator/protocol/sigv4.h"

#include <doctest/doctest.h>

#include "emulator/common/strings.h"
#include "emulator/common/testing/fakes.h"

namespace offstage::protocol {
namespace {

constexpr int64_t kSuiteTime = 1'440'938'160LL * 1'000'000'000;  // 20150830T123600Z
constexpr const char* kSuiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kSuiteScope = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

SignedRequest Suite(std::string_view method, std::string_view path, std::string_view query,
                    const std::string& signed_headers, const std::string& signature) {
  SignedRequest request;
  request.method = method;
  request.path = path;
  request.query = query;
  request.headers = {
      {"Host", "example.amazonaws.com"},
      {"X-Amz-Date", "20150830T123600Z"},
      {"Authorization", std::string("AWS4-HMAC-SHA256 Credential=") + kSuiteScope +
                            ", SignedHeaders=" + signed_headers + ", Signature=" + signature}};
  return request;
}

struct Fixture {
  common::testing::FakeClock clock{kSuiteTime};
  SigV4Verifier verifier{
      {{"AKIDEXAMPLE", kSuiteSecret}}, {"offstage-secret", "offstage-session"}, clock};
  VerifyRules rules{"service"};
};

}  // namespace

TEST_CASE("SigV4 verifies the aws-sig-v4-test-suite vectors") {
  Fixture f;
  // get-vanilla
  CHECK_FALSE(
      f.verifier.Verify(Suite("GET", "/", "", "host;x-amz-date",
                              "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
                        f.rules));
  // get-vanilla-query-order-key-case: the query is sorted before signing
  CHECK_FALSE(
      f.verifier.Verify(Suite("GET", "/", "Param2=value2&Param1=value1", "host;x-amz-date",
                              "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
                        f.rules));
  // post-vanilla
  CHECK_FALSE(
      f.verifier.Verify(Suite("POST", "/", "", "host;x-amz-date",
                              "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
                        f.rules));
  // get-utf8: the raw path "/ሴ" is encoded once into "/%E1%88%B4"
  CHECK_FALSE(
      f.verifier.Verify(Suite("GET", "/\xE1\x88\xB4", "", "host;x-amz-date",
                              "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
                        f.rules));
  // get-header-key-duplicate: repeated headers join with ',' in arrival order
  SignedRequest duplicate =
      Suite("GET", "/", "", "host;my-header1;x-amz-date",
            "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea");
  duplicate.headers.insert(
      duplicate.headers.begin() + 1,
      {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}});
  CHECK_FALSE(f.verifier.Verify(duplicate, f.rules));
}

TEST_CASE("SigV4 verifies the S3 documentation's header-signed and presigned examples") {
  common::testing::FakeClock clock(1'369'353'600LL * 1'000'000'000);  // 20130524T000000Z
  SigV4Verifier verifier({{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}}, {},
                         clock);
  SignedRequest header;
  header.method = "GET";
  header.path = "/test.txt";
  header.headers = {
      {"Host", "examplebucket.s3.amazonaws.com"},
      {"Range", "bytes=0-9"},
      {"x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"x-amz-date", "20130524T000000Z"},
      {"Authorization",
       "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
       "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
       "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"}};
  CHECK_FALSE(verifier.Verify(header, {"s3"}));

  SignedRequest presigned;
  presigned.method = "GET";
  presigned.path = "/test.txt";
  presigned.query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-"
      "east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-"
      "SignedHeaders=host&X-Amz-Signature="
      "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
  presigned.headers = {{"Host", "examplebucket.s3.amazonaws.com"}};
  CHECK_FALSE(verifier.Verify(presigned, {"s3"}));
  // A day later (X-Amz-Expires=86400) the URL has expired.
  clock.Advance(86'401LL * 1'000'000'000);
  auto expired = verifier.Verify(presigned, {"s3"});
  REQUIRE(expired);
  CHECK(expired->kind == AuthFailure::kExpired);
}

TEST_CASE("SigV4 canonical URI double-encodes non-S3 paths as they arrived") {
  CHECK(CanonicalUri("/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A000000000000%3A"
                     "function%3Af",
                     false) ==
        "/2015-03-31/functions/arn%253Aaws%253Alambda%253Aeu-west-1%253A000000000000%253A"
        "function%253Af");
  CHECK(CanonicalUri("/a%20b/c", true) == "/a%20b/c");
  CHECK(CanonicalUri("", false) == "/");
  CHECK(CanonicalQuery("Qualifier=%24LATEST&b=a%20c&a=") == "Qualifier=%24LATEST&a=&b=a%20c");
  CHECK(CanonicalQuery("X-Amz-Signature=ab&X-Amz-Date=1", "X-Amz-Signature") == "X-Amz-Date=1");
  CHECK(CanonicalHeaderValue("  a   b \t c  ") == "a b c");
}

TEST_CASE("SigV4 refuses each kind of bad request with its own failure") {
  Fixture f;
  const std::string good = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

  SignedRequest none;
  none.method = "GET";
  none.path = "/";
  none.headers = {{"Host", "example.amazonaws.com"}};
  CHECK(f.verifier.Verify(none, f.rules)->kind == AuthFailure::kMissing);

  SignedRequest wrong = Suite("GET", "/", "", "host;x-amz-date", std::string(64, '0'));
  auto mismatch = f.verifier.Verify(wrong, f.rules);
  REQUIRE(mismatch);
  CHECK(mismatch->kind == AuthFailure::kMismatch);
  // The message shows the canonical request the client should have signed.
  CHECK(mismatch->message.find("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:") !=
        std::string::npos);

  SignedRequest tampered = Suite("GET", "/other", "", "host;x-amz-date", good);
  CHECK(f.verifier.Verify(tampered, f.rules)->kind == AuthFailure::kMismatch);

  SignedRequest incomplete = Suite("GET", "/", "", "host;x-amz-date", good);
  incomplete.headers[2].second = "AWS4-HMAC-SHA256 Credential=" + std::string(kSuiteScope);
  auto missing_parts = f.verifier.Verify(incomplete, f.rules);
  REQUIRE(missing_parts);
  CHECK(missing_parts->kind == AuthFailure::kIncomplete);
  CHECK(missing_parts->message.find("requires 'Signature' parameter") != std::string::npos);

  SignedRequest unknown = Suite("GET", "/", "", "host;x-amz-date", good);
  unknown.headers[2].second =
      "AWS4-HMAC-SHA256 Credential=AKIDOTHER/20150830/us-east-1/service/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=" +
      good;
  CHECK(f.verifier.Verify(unknown, f.rules)->kind == AuthFailure::kUnknownKey);

  // Fifteen minutes of skew pass, a second more is refused; both directions.
  f.clock.Advance(15LL * 60 * 1'000'000'000);
  CHECK_FALSE(f.verifier.Verify(Suite("GET", "/", "", "host;x-amz-date", good), f.rules));
  f.clock.Advance(1'000'000'000);
  auto late = f.verifier.Verify(Suite("GET", "/", "", "host;x-amz-date", good), f.rules);
  REQUIRE(late);
  CHECK(late->kind == AuthFailure::kSkewed);
  CHECK(late->message ==
        "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z "
        "(20150830T125101Z - 15 min.)");
  common::testing::FakeClock early_clock(kSuiteTime - 16LL * 60 * 1'000'000'000);
  SigV4Verifier early({{"AKIDEXAMPLE", kSuiteSecret}}, {}, early_clock);
  auto future = early.Verify(Suite("GET", "/", "", "host;x-amz-date", good), f.rules);
  REQUIRE(future);
  CHECK(future->kind == AuthFailure::kSkewed);
  CHECK(future->message.starts_with("Signature not yet current: 20150830T123600Z"));
}

TEST_CASE("SigV4 accepts execution environments' keys only with their session token") {
  Fixture f;
  auto sign = [&](const std::string& key, const std::string& secret, const std::string& token) {
    SignedRequest request;
    request.method = "POST";
    request.path = "/";
    request.body = "Action=ListTopics";
    request.headers = {{"Host", "127.0.0.1:4566"},
                       {"X-Amz-Date", "20150830T123600Z"},
                       {"X-Amz-Security-Token", token}};
    const std::string canonical =
        "POST\n/\n\nhost:127.0.0.1:4566\nx-amz-date:20150830T123600Z\nx-amz-security-token:" +
        token + "\n\nhost;x-amz-date;x-amz-security-token\n" +
        common::Sha256Hex("Action=ListTopics");
    const std::string string_to_sign =
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n" +
        common::Sha256Hex(canonical);
    request.headers.emplace_back(
        "Authorization", "AWS4-HMAC-SHA256 Credential=" + key +
                             "/20150830/us-east-1/service/aws4_request, "
                             "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=" +
                             Signature(secret, "20150830", "us-east-1", "service", string_to_sign));
    return request;
  };
  CHECK_FALSE(f.verifier.Verify(sign("ASIA0123456789ABCDEF", "offstage-secret", "offstage-session"),
                                f.rules));
  CHECK(
      f.verifier.Verify(sign("ASIA0123456789ABCDEF", "offstage-secret", "other"), f.rules)->kind ==
      AuthFailure::kUnknownKey);
  CHECK(
      f.verifier.Verify(sign("ASIA0123456789ABCDEF", "wrong", "offstage-session"), f.rules)->kind ==
      AuthFailure::kMismatch);
  CHECK(f.verifier
            .Verify(sign("ASIANOTANENVIRONMENT", "offstage-secret", "offstage-session"), f.rules)
            ->kind == AuthFailure::kUnknownKey);
  // A wrong service in the scope is refused before the signature is computed.
  CHECK(f.verifier
            .Verify(sign("ASIA0123456789ABCDEF", "offstage-secret", "offstage-session"), {"sns"})
            ->kind == AuthFailure::kMismatch);
}

}  // namespace offstage::protocol
