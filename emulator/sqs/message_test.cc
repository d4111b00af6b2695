// Unit tests of sqs/message.h and sqs/queue.h: the digests the SDKs check (known answers: the
// body's MD5, and the attributes' digest as moto computes it independently), the size SQS
// counts, the characters it accepts, message attribute checks, and the queue attribute rules
// (ranges, names, FIFO-only ones, RedrivePolicy).
#include "emulator/sqs/message.h"

#include <doctest/doctest.h>

#include "emulator/sqs/queue.h"

namespace offstage::sqs {
namespace {

MessageAttribute Text(std::string type, std::string value) {
  return MessageAttribute{std::move(type), std::move(value), false};
}
MessageAttribute Bytes(std::string value) {
  return MessageAttribute{"Binary", std::move(value), true};
}

common::ErrorCode CodeOf(const Status& status) {
  REQUIRE_FALSE(status.has_value());
  return status.error().code;
}

TEST_CASE("digests: MD5 of the body, and of the attributes as AWS defines it") {
  CHECK(Md5Hex("hello") == "5d41402abc4b2a76b9719d911017c592");
  // Expected values computed by moto's Message.attribute_md5 (an independent implementation).
  MessageAttributes two{{"k", Text("String", "v")}, {"b", Bytes(std::string("\x00\x01", 2))}};
  CHECK(AttributesMd5(two) == "eb275886858fc7bc63216742c9bebbb1");
  MessageAttributes three = two;
  three.emplace("n", Text("Number.int", "42"));
  CHECK(AttributesMd5(three) == "f595ba9ab89a225e8b57f8d36bfedf07");
  CHECK(AttributesMd5({}).empty());
}

TEST_CASE("size: the body and each attribute's name, type and value") {
  MessageAttributes attributes{{"ab", Text("String", "xyz")}};
  CHECK(MessageSize("12345", attributes) == 5 + 2 + 6 + 3);
}

TEST_CASE("allowed text: XML's characters only") {
  CHECK(IsAllowedText("plain \t\r\n text é 中 😀"));
  CHECK_FALSE(IsAllowedText(std::string("nul \0 byte", 10)));
  CHECK_FALSE(IsAllowedText("\x01"));
  CHECK_FALSE(IsAllowedText("\xef\xbf\xbe"));  // U+FFFE
  CHECK_FALSE(IsAllowedText("\xff"));          // not UTF-8
}

TEST_CASE("message attributes: names, types, values and the limit of ten") {
  CHECK(CheckMessageAttributes({{"ok.name-1_x", Text("String.custom", "v")}}).has_value());
  CHECK(CheckMessageAttributes({{"n", Text("Number", "-1.5e3")}}).has_value());
  CHECK(CodeOf(CheckMessageAttributes({{"n", Text("Number", "ten")}})) ==
        common::ErrorCode::kSqsInvalidParameterValue);
  CHECK(CodeOf(CheckMessageAttributes({{"AWS.reserved", Text("String", "v")}})) ==
        common::ErrorCode::kSqsInvalidParameterValue);
  CHECK(CodeOf(CheckMessageAttributes({{"a..b", Text("String", "v")}})) ==
        common::ErrorCode::kSqsInvalidParameterValue);
  CHECK(CodeOf(CheckMessageAttributes({{"t", Text("Blob", "v")}})) ==
        common::ErrorCode::kSqsInvalidParameterValue);
  CHECK(CodeOf(CheckMessageAttributes({{"t", Text("String", "")}})) ==
        common::ErrorCode::kSqsInvalidParameterValue);
  CHECK(CodeOf(CheckMessageAttributes({{"t", Text("Binary", "v")}})) ==
        common::ErrorCode::kSqsInvalidParameterValue);
  // Numbers as AWS reads them: no hex, nan, inf or spaces (strtod took those).
  for (const char* ok : {"-2", "1.5e3", ".5", "+7", "3."}) {
    CHECK_MESSAGE(CheckMessageAttributes({{"n", Text("Number", ok)}}).has_value(), ok);
  }
  for (const char* bad : {"nan", "inf", "0x1A", " 1", "1 ", "1e", "--1", "."}) {
    CHECK_MESSAGE(!CheckMessageAttributes({{"n", Text("Number", bad)}}).has_value(), bad);
  }
  MessageAttributes eleven;
  for (int i = 0; i < 11; ++i) eleven.emplace("a" + std::to_string(i), Text("String", "v"));
  auto refused = CheckMessageAttributes(eleven);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message ==
        "Number of message attributes [11] exceeds the allowed maximum [10].");
}

TEST_CASE("queue attributes: ranges, names, FIFO-only ones and RedrivePolicy") {
  using common::ErrorCode;
  CHECK(
      CheckSettableAttributes({{"VisibilityTimeout", "43200"}, {"DelaySeconds", "0"}}, false, true)
          .has_value());
  auto high = CheckSettableAttributes({{"VisibilityTimeout", "43201"}}, false, true);
  REQUIRE_FALSE(high.has_value());
  CHECK(high.error().code == ErrorCode::kSqsInvalidAttributeValue);
  CHECK(high.error().message == "Invalid value for the parameter VisibilityTimeout.");
  CHECK(CodeOf(CheckSettableAttributes({{"MaximumMessageSize", "1023"}}, false, true)) ==
        ErrorCode::kSqsInvalidAttributeValue);
  CHECK(CheckSettableAttributes({{"MaximumMessageSize", "1048576"}}, false, true).has_value());
  auto unknown = CheckSettableAttributes({{"Colour", "blue"}}, false, true);
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().code == ErrorCode::kSqsInvalidAttributeName);
  CHECK(unknown.error().message == "Unknown Attribute Colour.");
  CHECK(CodeOf(CheckSettableAttributes({{"ContentBasedDeduplication", "true"}}, false, true)) ==
        ErrorCode::kSqsInvalidAttributeName);
  CHECK(CheckSettableAttributes({{"ContentBasedDeduplication", "true"}}, true, true).has_value());
  CHECK(CodeOf(CheckSettableAttributes({{"FifoQueue", "true"}}, true, false)) ==
        ErrorCode::kSqsInvalidAttributeName);  // not changeable after creation
  const std::string dlq = "arn:aws:sqs:us-east-1:000000000000:dlq";
  CHECK(CheckSettableAttributes({{"RedrivePolicy", R"({"deadLetterTargetArn":")" + dlq +
                                                       R"(","maxReceiveCount":"3"})"}},
                                false, false)
            .has_value());
  CHECK(CodeOf(CheckSettableAttributes({{"RedrivePolicy", R"({"deadLetterTargetArn":")" + dlq +
                                                              R"(","maxReceiveCount":1001})"}},
                                       false, false)) == ErrorCode::kSqsInvalidAttributeValue);
  CHECK(CodeOf(CheckSettableAttributes({{"RedrivePolicy", "{"}}, false, false)) ==
        ErrorCode::kSqsInvalidAttributeValue);
}

TEST_CASE("queue names: 1 to 80 of letters, digits, - and _, FIFO ones ending .fifo") {
  CHECK(CheckQueueName("orders-1_a", false).has_value());
  CHECK(CheckQueueName(std::string(80, 'q'), false).has_value());
  CHECK_FALSE(CheckQueueName(std::string(81, 'q'), false).has_value());
  CHECK_FALSE(CheckQueueName("", false).has_value());
  CHECK_FALSE(CheckQueueName("has space", false).has_value());
  CHECK_FALSE(CheckQueueName("orders.fifo", false).has_value());
  CHECK(CheckQueueName("orders.fifo", true).has_value());
  CHECK_FALSE(CheckQueueName("orders", true).has_value());
  CHECK_FALSE(CheckQueueName(".fifo", true).has_value());
}

TEST_CASE("a queue's document round-trips") {
  Queue queue;
  queue.name = "q.fifo";
  queue.region = "eu-west-1";
  queue.account = "123456789012";
  queue.arn = QueueArn(queue.region, queue.account, queue.name);
  queue.attributes = DefaultAttributes(true);
  queue.tags = {{"team", "a"}};
  queue.created_ns = 5;
  queue.modified_ns = 6;
  auto back = Queue::FromDocument(queue.ToDocument());
  REQUIRE(back.has_value());
  CHECK(back->arn == "arn:aws:sqs:eu-west-1:123456789012:q.fifo");
  CHECK(back->fifo());
  CHECK(back->attributes == queue.attributes);
  CHECK(back->tags == queue.tags);
  CHECK(back->visibility_timeout_s() == 30);
  CHECK(back->max_message_bytes() == 262144);
  CHECK_FALSE(Queue::FromDocument("[]").has_value());
}

}  // namespace
}  // namespace offstage::sqs
