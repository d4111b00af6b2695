// Unit tests of event_source_mapping.h: AWS's SQS event for a batch, the partial batch response
// rules (an invalid answer fails the whole batch), and a mapping's document round trip.
#include "emulator/lambda/event_source_mapping.h"

#include <doctest/doctest.h>

#include "emulator/common/json.h"

namespace offstage::lambda {
namespace {

TEST_CASE("the SQS event of a batch has AWS's record shape") {
  sqs::ReceivedMessage m;
  m.id = "id-1";
  m.receipt_handle = "rh";
  m.body = "hello";
  m.md5_body = sqs::Md5Hex("hello");
  m.attributes = {{"ApproximateReceiveCount", "1"}, {"SentTimestamp", "1700000000000"}};
  m.message_attributes = {{"kind", sqs::MessageAttribute{"String", "order", false}},
                          {"raw", sqs::MessageAttribute{"Binary", std::string("\x01", 1), true}}};
  m.md5_attributes = sqs::AttributesMd5(m.message_attributes);
  auto event =
      common::ParseJson(SqsEvent({m}, "arn:aws:sqs:us-east-1:000000000000:q", "us-east-1"));
  REQUIRE(event["Records"].size() == 1);
  const auto& r = event["Records"][0];
  CHECK(r["messageId"] == "id-1");
  CHECK(r["receiptHandle"] == "rh");
  CHECK(r["body"] == "hello");
  CHECK(r["attributes"]["ApproximateReceiveCount"] == "1");
  CHECK(r["messageAttributes"]["kind"]["stringValue"] == "order");
  CHECK(r["messageAttributes"]["kind"]["dataType"] == "String");
  CHECK(r["messageAttributes"]["kind"]["stringListValues"].empty());
  CHECK(r["messageAttributes"]["raw"]["binaryValue"] == "AQ==");
  CHECK(r["md5OfBody"] == "5d41402abc4b2a76b9719d911017c592");
  CHECK(r["md5OfMessageAttributes"] == m.md5_attributes);
  CHECK(r["eventSource"] == "aws:sqs");
  CHECK(r["eventSourceARN"] == "arn:aws:sqs:us-east-1:000000000000:q");
  CHECK(r["awsRegion"] == "us-east-1");
}

TEST_CASE("partial batch responses: reported ids fail alone; an invalid answer fails them all") {
  const std::set<std::string> ids = {"a", "b"};
  CHECK(BatchItemFailures(R"({"batchItemFailures":[{"itemIdentifier":"b"}]})", ids) ==
        std::set<std::string>{"b"});
  CHECK(BatchItemFailures(R"({"batchItemFailures":[]})", ids) == std::set<std::string>{});
  CHECK(BatchItemFailures("null", ids) == std::set<std::string>{});
  CHECK(BatchItemFailures(R"({"ok":true})", ids) == std::set<std::string>{});
  CHECK_FALSE(BatchItemFailures(R"({"batchItemFailures":[{"itemIdentifier":"zzz"}]})", ids));
  CHECK_FALSE(BatchItemFailures(R"({"batchItemFailures":[{"itemIdentifier":""}]})", ids));
  CHECK_FALSE(BatchItemFailures(R"({"batchItemFailures":[{}]})", ids));
  CHECK_FALSE(BatchItemFailures(R"({"batchItemFailures":"b"})", ids));
  CHECK_FALSE(BatchItemFailures("not json", ids));
  CHECK_FALSE(BatchItemFailures("[1]", ids));
}

TEST_CASE("a mapping's document round-trips") {
  EventSourceMapping m;
  m.uuid = "u";
  m.region = "eu-west-1";
  m.account = "123456789012";
  m.event_source_arn = "arn:aws:sqs:eu-west-1:123456789012:q";
  m.function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:f:live";
  m.batch_size = 50;
  m.max_batching_window_s = 3;
  m.enabled = false;
  m.report_batch_item_failures = true;
  m.maximum_concurrency = 4;
  m.last_modified_ns = 7;
  auto back = EventSourceMapping::FromDocument(m.ToDocument());
  REQUIRE(back.has_value());
  CHECK(back->ToDocument() == m.ToDocument());
  CHECK(back->arn() == "arn:aws:lambda:eu-west-1:123456789012:event-source-mapping:u");
  CHECK_FALSE(EventSourceMapping::FromDocument("{}").has_value());
}

}  // namespace
}  // namespace offstage::lambda
