#include "emulator/protocol/form.h"

#include <doctest/doctest.h>

#include "emulator/protocol/sigv4.h"
#include "emulator/protocol/xml_writer.h"

namespace offstage::protocol {

TEST_CASE("FormParams decodes awsQuery lists and maps in index order") {
  auto params = FormParams::Parse(
      "Action=CreateTopic&Version=2010-03-31&Name=orders.fifo"
      "&Attributes.entry.2.key=ContentBasedDeduplication&Attributes.entry.2.value=false"
      "&Attributes.entry.1.key=FifoTopic&Attributes.entry.1.value=true"
      "&Tags.member.1.Key=env&Tags.member.1.Value=dev"
      "&TagKeys.member.10=j&TagKeys.member.2=b&Message=a+b%26c");
  REQUIRE(params.has_value());
  CHECK(params->Get("Action") == std::optional<std::string>("CreateTopic"));
  CHECK(params->Get("Message") == std::optional<std::string>("a b&c"));
  auto entries = params->Entries("Attributes", "key", "value");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].first == "FifoTopic");
  CHECK(entries[1].second == "false");
  CHECK(params->Members("Tags", "Key") == std::vector<std::string>{"env"});
  CHECK(params->Members("TagKeys") == std::vector<std::string>{"b", "j"});
  CHECK(params->Members("Missing").empty());
}

TEST_CASE("FormParams treats a bare key as an empty value and rejects broken escapes") {
  auto params = FormParams::Parse("Tags=&Flag");
  REQUIRE(params.has_value());
  CHECK(params->Get("Tags") == std::optional<std::string>(""));
  CHECK(params->Has("Flag"));
  auto bad = FormParams::Parse("Action=Publish&Message=%zz");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == common::ErrorCode::kMalformedQueryString);
}

TEST_CASE("ParseCredentialScope reads region, service and key id") {
  auto scope = ParseCredentialScope(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/eu-west-1/sns/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date, Signature=abc");
  REQUIRE(scope.has_value());
  CHECK(scope->access_key_id == "AKIDEXAMPLE");
  CHECK(scope->region == "eu-west-1");
  CHECK(scope->service == "sns");
  CHECK(ParseCredentialScope("AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request,Signed")->region ==
        "c");
  CHECK_FALSE(ParseCredentialScope("Bearer x").has_value());
  CHECK_FALSE(ParseCredentialScope("AWS4-HMAC-SHA256 Credential=a/b/aws4_request").has_value());
}

TEST_CASE("XmlWriter escapes text and nests elements") {
  XmlWriter xml;
  xml.Open("Attributes");
  xml.Element("value", "{\"a\":\"<b> & 'c'\"}");
  xml.Close();
  CHECK(xml.str() ==
        "<Attributes><value>{&quot;a&quot;:&quot;&lt;b&gt; &amp; &apos;c&apos;&quot;}</value>"
        "</Attributes>");
}

}  // namespace offstage::protocol
