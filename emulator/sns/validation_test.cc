#include "emulator/sns/validation.h"

#include <doctest/doctest.h>

#include <string>

#include "emulator/sns/attributes.h"

namespace offstage::sns {
namespace {

std::string ErrorOf(const Status& status) {
  return status ? std::string("ok") : status.error().message;
}

MessageAttributes One(std::string name, std::string type, std::optional<std::string> text,
                      std::optional<std::string> binary = std::nullopt) {
  return {{std::move(name),
           MessageAttributeValue{std::move(type), std::move(text), std::move(binary)}}};
}

}  // namespace

TEST_CASE("Topic names follow AWS's rules for standard and FIFO topics") {
  CHECK(ValidateTopicName("orders_v2-x", false));
  CHECK(ValidateTopicName(std::string(256, 'a'), false));
  CHECK(ErrorOf(ValidateTopicName(std::string(257, 'a'), false)) ==
        "Invalid parameter: Topic Name");
  CHECK(ErrorOf(ValidateTopicName("", false)) == "Invalid parameter: Topic Name");
  CHECK(ErrorOf(ValidateTopicName("a.fifo", false)) == "Invalid parameter: Topic Name");
  CHECK(ErrorOf(ValidateTopicName("bad name", false)) == "Invalid parameter: Topic Name");
  CHECK(ValidateTopicName("orders.fifo", true));
  CHECK_FALSE(ValidateTopicName("orders", true));
  CHECK_FALSE(ValidateTopicName(".fifo", true));
  CHECK_FALSE(ValidateTopicName("a.b.fifo", true));
}

TEST_CASE("ARN shape errors count elements as AWS does") {
  CHECK(ErrorOf(CheckArnShape("TopicArn", "foo")) ==
        "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1");
  CHECK(ErrorOf(CheckArnShape("SubscriptionArn", "a:b:c:d:e")) ==
        "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 5");
  CHECK(CheckArnShape("TopicArn", "arn:aws:sns:us-east-1:000000000000:t"));
}

TEST_CASE("Message attribute rules and messages (real-AWS snapshot texts)") {
  CHECK(ValidateMessageAttributes(One("a.b-c_d", "String", "x")));
  CHECK(ValidateMessageAttributes(One("n", "Number.float", "-1.5e3")));
  CHECK(ValidateMessageAttributes(One("b", "Binary", std::nullopt, std::string("\x00\x01", 2))));
  CHECK(ValidateMessageAttributes(One("arr", "String.Array", "[\"a\", 1, true, null]")));
  CHECK(ErrorOf(ValidateMessageAttributes(One("a^", "String", "x"))) ==
        "Invalid non-alphanumeric character '#x5E' was found in the message attribute name. Can "
        "only include alphanumeric characters, hyphens, underscores, or dots.");
  CHECK(ErrorOf(ValidateMessageAttributes(One(".a", "String", "x"))) ==
        "Invalid message attribute name starting with character '.' was found.");
  CHECK(ErrorOf(ValidateMessageAttributes(One("a.", "String", "x"))) ==
        "Invalid message attribute name ending with character '.' was found.");
  CHECK(ErrorOf(ValidateMessageAttributes(One("a..b", "String", "x"))) ==
        "Message attribute name can not have successive '.' character.");
  CHECK(ErrorOf(ValidateMessageAttributes(One(std::string(256, 'a'), "String", "x"))) ==
        "Length of message attribute name must be less than 256 bytes.");
  CHECK(ErrorOf(ValidateMessageAttributes(One("attr1", "Stringg", "x"))) ==
        "The message attribute 'attr1' has an invalid message attribute type, the set of "
        "supported type prefixes is Binary, Number, and String.");
  CHECK(ErrorOf(ValidateMessageAttributes(One("attr1", "String", ""))) ==
        "The message attribute 'attr1' must contain non-empty message attribute value for "
        "message attribute type 'String'.");
  CHECK(ErrorOf(ValidateMessageAttributes(One("attr1", "String", std::nullopt, "x"))) ==
        "The message attribute 'attr1' with type 'String' must use field 'String'.");
  CHECK(ErrorOf(ValidateMessageAttributes(One("attr1", "Binary", "x"))) ==
        "The message attribute 'attr1' with type 'Binary' must use field 'Binary'.");
  CHECK_FALSE(ValidateMessageAttributes(One("n", "Number", "12abc")));
  CHECK_FALSE(ValidateMessageAttributes(One("n", "Number", "nan")));
  CHECK_FALSE(ValidateMessageAttributes(One("arr", "String.Array", "[{\"a\":1}]")));
  CHECK_FALSE(ValidateMessageAttributes(One("arr", "String.Array", "not json")));
  CHECK_FALSE(ValidateMessageAttributes(One("AWS.x", "String", "v")));
  for (const auto& status : {ValidateMessageAttributes(One("a^", "String", "x")),
                             ValidateMessageAttributes(One("n", "Number", "x"))}) {
    CHECK(status.error().code == common::ErrorCode::kParameterValueInvalid);
  }
}

TEST_CASE("Message size counts the body and every attribute's name, type and value") {
  CHECK(MessageSize("abc", {}) == 3);
  CHECK(MessageSize("abc", One("k", "String", "vv")) == 3 + 1 + 6 + 2);
}

TEST_CASE("Subjects: ASCII, no control characters, under 100 characters") {
  CHECK(ValidateSubject("Order shipped!"));
  CHECK_FALSE(ValidateSubject(""));
  CHECK_FALSE(ValidateSubject(std::string(100, 's')));
  CHECK(ValidateSubject(std::string(99, 's')));
  CHECK_FALSE(ValidateSubject("line\nbreak"));
  CHECK_FALSE(ValidateSubject("caf\xC3\xA9"));
  CHECK_FALSE(ValidateSubject(" leading space"));
}

TEST_CASE("MessageStructure=json needs an object with a string default") {
  CHECK(ValidateJsonStructure(R"({"default":"x","lambda":"y"})"));
  CHECK(ErrorOf(ValidateJsonStructure("{")) ==
        "Invalid parameter: Message Structure - JSON message body failed to parse");
  CHECK(ErrorOf(ValidateJsonStructure(R"({"default":1})")) ==
        "Invalid parameter: Message Structure - No default entry in JSON message body");
  CHECK(ErrorOf(ValidateJsonStructure(R"({"lambda":"y"})")) ==
        "Invalid parameter: Message Structure - No default entry in JSON message body");
}

TEST_CASE("Endpoints are validated per protocol") {
  CHECK(ValidateEndpoint("lambda", "arn:aws:lambda:us-east-1:000000000000:function:f"));
  CHECK(ErrorOf(ValidateEndpoint("lambda", "arn:aws:sqs:us-east-1:000000000000:q")) ==
        "Invalid parameter: Lambda endpoint ARN");
  CHECK(ValidateEndpoint("http", "http://localhost:8080/hook"));
  CHECK(ErrorOf(ValidateEndpoint("https", "http://localhost/")) ==
        "Invalid parameter: Endpoint must match the specified protocol");
  CHECK(ErrorOf(ValidateEndpoint("sqs", "https://sqs.us-east-1.amazonaws.com/1/q")) ==
        "Invalid parameter: SQS endpoint ARN");
  CHECK(ValidateEndpoint("email", "dev@example.com"));
  CHECK_FALSE(ValidateEndpoint("email", "nobody"));
  CHECK(ValidateEndpoint("sms", "+15551234567"));
  CHECK(ErrorOf(ValidateEndpoint("sms", "NAA+15551234567")) ==
        "Invalid SMS endpoint: NAA+15551234567");
  CHECK(IsKnownProtocol("firehose"));
  CHECK_FALSE(IsKnownProtocol("test-protocol"));
}

TEST_CASE("Tags: duplicates, lengths, reserved prefix") {
  CHECK(ValidateTags({{"a", "1"}, {"b", ""}}));
  CHECK(ErrorOf(ValidateTags({{"a", "1"}, {"a", "2"}})) ==
        "Invalid parameter: Duplicated keys are not allowed.");
  CHECK_FALSE(ValidateTags({{"", "1"}}));
  CHECK_FALSE(ValidateTags({{"aws:x", "1"}}));
  CHECK_FALSE(ValidateTags({{"k", std::string(257, 'v')}}));
}

TEST_CASE("Boolean and JSON attributes") {
  CHECK(ParseBoolAttribute("RawMessageDelivery", "TRUE", "") == Result<std::string>("true"));
  CHECK(ParseBoolAttribute("RawMessageDelivery", "test-ValUe", "").error().message ==
        "Invalid parameter: RawMessageDelivery: Invalid value [test-ValUe]. Must be true or "
        "false.");
  CHECK(ValidateJsonAttribute("FilterPolicy", R"({"a":["b"]})", ""));
  CHECK(ErrorOf(ValidateJsonAttribute("FilterPolicy", "{invalidjson}", ""))
            .starts_with("Invalid parameter: FilterPolicy: failed to parse JSON."));
  // Regression (fuzzing): out_of_range for 1e400 escaped the parse_error handler (a 500).
  CHECK(ErrorOf(ValidateJsonAttribute("DeliveryPolicy", R"({"a": 1e400})", ""))
            .starts_with("Invalid parameter: DeliveryPolicy: failed to parse JSON."));
  // Regression (issue #15): nested 20,000 deep is refused before anything recurses.
  CHECK(ErrorOf(ValidateJsonAttribute("FilterPolicy",
                                      std::string(20000, '[') + std::string(20000, ']'), "")) ==
        "Invalid parameter: FilterPolicy: failed to parse JSON. Document nesting depth exceeds "
        "the maximum allowed (1000)");
}

// Regression (found by tests/fuzz/form_fuzz): a String attribute value that is not UTF-8 made
// MessageAttributesToJson throw type_error 316 in the middle of a Publish.
TEST_CASE("Message attributes that are not UTF-8 serialise without throwing") {
  MessageAttributes attributes;
  attributes["k"].data_type = "String";
  attributes["k"].string_value = std::string("\xff\xff\xff\xf8");
  std::string text;
  CHECK_NOTHROW(text = MessageAttributesToJson(attributes));
  CHECK(MessageAttributesFromJson(text).contains("k"));
}

// Regression (found by tests/fuzz/filter_policy_fuzz): a stored DataType that is not a string
// made MessageAttributesFromJson throw type_error 302 (it reads stored rows at load).
TEST_CASE("Stored message attributes whose DataType is not a string read without throwing") {
  MessageAttributes read;
  CHECK_NOTHROW(
      read = MessageAttributesFromJson(
          R"({"k":{"DataType":66666666600000,"StringValue":"v"},"n":{"DataType":null}})"));
  REQUIRE(read.contains("k"));
  CHECK(read["k"].data_type == "String");
  CHECK(read["k"].string_value == "v");
}

}  // namespace offstage::sns
